"""Error class tags (contract v1.1)."""

import fake_pb_utils
import pytest

from musicgen_serving.errors import error_response, tagged, triton_error


@pytest.mark.parametrize(
    "error_class, code",
    [
        ("INVALID_ARG", fake_pb_utils.TritonError.INVALID_ARG),
        ("UNAVAILABLE", fake_pb_utils.TritonError.UNAVAILABLE),
        ("INTERNAL", fake_pb_utils.TritonError.INTERNAL),
    ],
)
def test_tag_and_code_match(error_class, code):
    err = triton_error(fake_pb_utils, error_class, "Cannot do X as Y: current value is 1")
    assert (err.message(), err.code()) == (f"[{error_class}] Cannot do X as Y: current value is 1", code)
    response = error_response(fake_pb_utils, error_class, "m")
    assert (response.error().message(), response.error().code(), response.output_tensors()) == (
        f"[{error_class}] m",
        code,
        [],
    )


def test_unknown_class_is_refused():
    with pytest.raises(ValueError) as err:
        tagged("NOT_FOUND", "m")
    assert str(err.value) == (
        "Cannot tag an error as its class must be one of ('INVALID_ARG', 'UNAVAILABLE', 'INTERNAL'): "
        "current value is 'NOT_FOUND'"
    )
