import hashlib
import os

from musicgen_serving.checkpoint_files import file_hashes, file_sha256


def test_hashes_the_top_level_files_following_symlinks(tmp_path):
    blobs = tmp_path / "blobs"
    snapshot = tmp_path / "snapshot"
    blobs.mkdir()
    snapshot.mkdir()
    weights = os.urandom(20 * 2**20 + 17)  # more than two chunks
    (blobs / "abc").write_bytes(weights)
    os.symlink(blobs / "abc", snapshot / "model.safetensors")
    (snapshot / "config.json").write_text('{"a": 1}')
    (snapshot / ".lock").write_text("x")
    (snapshot / "sub").mkdir()
    (snapshot / "sub" / "other.bin").write_text("y")
    assert file_hashes(str(snapshot)) == {
        "config.json": hashlib.sha256(b'{"a": 1}').hexdigest(),
        "model.safetensors": hashlib.sha256(weights).hexdigest(),
    }


def test_an_empty_file_has_the_empty_hash(tmp_path):
    (tmp_path / "empty").write_bytes(b"")
    assert file_sha256(str(tmp_path / "empty")) == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
