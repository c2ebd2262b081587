"""A damaged index is reported as damaged everywhere, with the fix, and the next build cleans up after crashed ones."""

import pytest
from click.testing import CliRunner

from assistant.cli import main
from assistant.errors import MentorError
from assistant.index import build_index, current_version, load_index


def test_make_run_rebuilds_a_byte_flipped_index(settings):
    """`make run` runs `mentor index status || mentor index build`."""
    path = current_version(settings.index_dir) / "sentences.npy"
    data = bytearray(path.read_bytes())
    data[-7] ^= 0x01  # one bit of one vector: numpy still reads it, only the checksum tells
    path.write_bytes(bytes(data))
    runner = CliRunner()
    status = runner.invoke(main, ["index", "status"])
    assert status.exit_code == 1 and status.output.startswith("damaged: ")
    assert "sentences.npy does not match its checksum" in status.output
    assert runner.invoke(main, ["index", "build", "--quiet"]).exit_code == 0
    assert runner.invoke(main, ["index", "status"]).output.startswith("up to date")


def test_a_damaged_index_is_a_mentor_error_naming_the_fix(settings):
    (current_version(settings.index_dir) / "passages.faiss").write_bytes(b"")
    with pytest.raises(MentorError) as damaged:
        load_index(settings.index_dir)
    assert "passages.faiss does not match its checksum" in str(damaged.value)
    assert "mentor index build" in str(damaged.value)


def test_the_next_build_removes_what_interrupted_builds_left(settings, embedder):
    index_dir = settings.index_dir
    for name in (".tmp-1a2b3c4d", ".tmp-5e6f7a8b"):  # killed mid-write, minutes ago
        (index_dir / name).mkdir()
        (index_dir / name / "passages.faiss").write_bytes(b"\0" * 4096)
    (index_dir / ".CURRENT.9c0d1e2f").write_text("v-killed-before-the-switch")
    build_index(settings, embedder)
    assert not list(index_dir.glob(".tmp-*")) and not list(index_dir.glob(".CURRENT.*"))
    load_index(index_dir)

