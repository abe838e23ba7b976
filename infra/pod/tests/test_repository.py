"""The generated model repository: config.pbtxt rewriting, every model copied, the stub, the swap."""

import os

import pytest

from musicgen_pod import repository
from musicgen_pod.errors import PodError

PYTHON_MODEL = """name: "m"
backend: "python"
instance_group [
  {
    count: 1
    kind: KIND_GPU
  }
]
parameters { key: "model_id" value: { string_value: "medium" } }
parameters: {
  key: "hf_local_files_only"
  value: { string_value: "false" }
}
parameters { key: "max_concurrent_requests" value: { string_value: "auto" } }
parameters { key: "dtype" value: { string_value: "float16" } }
"""

VALUES = repository.ModelValues(
    instance_kind="cpu",
    model_id='/models/a "quoted" dir',
    max_concurrent="4",
    hf_local_files_only=True,
    execution_env="/workspace/musicgen/venv",
)


def test_rewrite_python_model_for_cpu():
    text, changed = repository.rewrite_config(PYTHON_MODEL, VALUES)
    assert text == (
        PYTHON_MODEL.replace("KIND_GPU", "KIND_CPU")
        .replace('"medium"', '"/models/a \\"quoted\\" dir"')
        .replace('string_value: "false"', 'string_value: "true"')
        .replace('"auto"', '"4"')
        + 'parameters { key: "EXECUTION_ENV_PATH" value: { string_value: "/workspace/musicgen/venv" } }\n'
    )
    assert changed == ["kind", "model_id", "max_concurrent_requests", "hf_local_files_only", "EXECUTION_ENV_PATH"]


def test_rewrite_keeps_gpu_kind_and_replaces_an_existing_env_path():
    source = PYTHON_MODEL + 'parameters { key: "EXECUTION_ENV_PATH" value: { string_value: "/old" } }\n'
    values = repository.ModelValues("gpu", "facebook/musicgen-small", "auto", True, "/new")
    text, changed = repository.rewrite_config(source, values)
    assert text == (
        source.replace('"medium"', '"facebook/musicgen-small"')
        .replace('string_value: "false"', 'string_value: "true"')
        .replace('"/old"', '"/new"')
    )
    assert changed == ["model_id", "max_concurrent_requests", "hf_local_files_only", "EXECUTION_ENV_PATH"]


def test_rewrite_sets_only_what_a_model_declares():
    onnx = 'name: "x"\nbackend: "onnxruntime"\ninstance_group [ { kind: KIND_GPU } ]\n'
    text, changed = repository.rewrite_config(onnx, VALUES)
    assert (text, changed) == (onnx.replace("KIND_GPU", "KIND_CPU"), ["kind"])


def make_source(root):
    for name, config in (("alpha", PYTHON_MODEL), ("beta", PYTHON_MODEL.replace('"m"', '"b"'))):
        os.makedirs(os.path.join(root, name, "1", "__pycache__"))
        with open(os.path.join(root, name, "config.pbtxt"), "w") as f:
            f.write(config)
        with open(os.path.join(root, name, "1", "model.py"), "w") as f:
            f.write("# model\n")
        with open(os.path.join(root, name, "1", "__pycache__", "model.cpython-311.pyc"), "wb") as f:
            f.write(b"\0")
    os.makedirs(os.path.join(root, "not-a-model"))


def make_backend(root):
    backend = os.path.join(root, "backend")
    os.makedirs(backend)
    for name in ("libtriton_python.so", "triton_python_backend_utils.py", "stub-3.11"):
        with open(os.path.join(backend, name), "w") as f:
            f.write(name)
    return backend


def listing(root):
    out = []
    for base, _, files in os.walk(root):
        out += [os.path.relpath(os.path.join(base, f), root) for f in files]
    return sorted(out)


def test_generate_writes_every_model_and_the_backend(tmp_path):
    source = str(tmp_path / "source")
    make_source(source)
    backend = make_backend(str(tmp_path))
    target = str(tmp_path / "triton")
    os.makedirs(os.path.join(target, "models", "stale-model"))  # from an earlier deployment: replaced
    report = repository.generate(target, VALUES, backend, os.path.join(backend, "stub-3.11"), source)
    changed = ["kind", "model_id", "max_concurrent_requests", "hf_local_files_only", "EXECUTION_ENV_PATH"]
    assert report == {"alpha": changed, "beta": changed}
    assert listing(target) == [
        "backends/python/libtriton_python.so",
        "backends/python/triton_python_backend_stub",
        "backends/python/triton_python_backend_utils.py",
        "models/alpha/1/model.py",
        "models/alpha/config.pbtxt",
        "models/beta/1/model.py",
        "models/beta/config.pbtxt",
    ]
    with open(os.path.join(target, "backends", "python", "triton_python_backend_stub")) as f:
        assert f.read() == "stub-3.11"
    with open(os.path.join(target, "models", "alpha", "config.pbtxt")) as f:
        assert f.read() == repository.rewrite_config(PYTHON_MODEL, VALUES)[0]
    assert repository.model_names(source) == ["alpha", "beta"]


def test_generate_refuses_a_repository_without_model_id(tmp_path):
    source = str(tmp_path / "source")
    os.makedirs(os.path.join(source, "x"))
    with open(os.path.join(source, "x", "config.pbtxt"), "w") as f:
        f.write('name: "x"\nbackend: "python"\n')
    backend = make_backend(str(tmp_path))
    with pytest.raises(PodError) as e:
        repository.generate(str(tmp_path / "t"), VALUES, backend, os.path.join(backend, "stub-3.11"), source)
    assert e.value.message == f"Cannot generate the model repository as no model in {source} has a model_id"


def test_source_digest_follows_code_not_caches(tmp_path):
    source = str(tmp_path / "source")
    make_source(source)
    first = repository.source_digest(source)
    with open(os.path.join(source, "alpha", "1", "__pycache__", "model.cpython-311.pyc"), "wb") as f:
        f.write(b"changed cache")
    assert repository.source_digest(source) == first
    with open(os.path.join(source, "alpha", "1", "model.py"), "a") as f:
        f.write("# changed\n")
    assert repository.source_digest(source) != first


def test_the_real_repository_has_musicgen_lm_with_every_value():
    names = repository.model_names()
    assert "musicgen_lm" in names
    with open(os.path.join(repository.SOURCE, "musicgen_lm", "config.pbtxt")) as f:
        _, changed = repository.rewrite_config(f.read(), VALUES)
    assert changed == ["kind", "model_id", "max_concurrent_requests", "hf_local_files_only", "EXECUTION_ENV_PATH"]
