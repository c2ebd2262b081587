"""A bad knowledge file is a named problem, never a crash, a hang or a runaway read; the last good index keeps serving."""

import datetime as dt
import json
import os
import re
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from click.testing import CliRunner

from assistant import Assistant
from assistant.cli import main
from assistant.staff.editing import filter_documents, list_documents
from assistant.errors import KnowledgeError
from assistant.index import build_index, current_version
from assistant.knowledge import load_knowledge, parse_document

GOOD = """---
id: {id}
title: Sample document
topics: [finding-a-mentor]
audience: [mentee]
summary: A short sample.
updated: {updated}
---

Intro line about mentoring.

## Where to look
Ask your manager who is known for developing people.
"""


def sample(doc_id: str = "sample-doc", updated: str = "2026-11-20") -> str:
    return GOOD.format(id=doc_id, updated=updated)


@pytest.fixture
def folder(tmp_path, copy_knowledge) -> Path:
    """A knowledge folder with the real taxonomy and scope and one good document."""
    knowledge = copy_knowledge(tmp_path / "knowledge", docs=[])
    (knowledge / "sample-doc.md").write_text(sample())
    return knowledge


def messages(kb) -> list[str]:
    return [str(p) for p in kb.problems]


def load_in_child(folder: Path, cwd: Path) -> list[str]:
    """load_knowledge in a separate process with 2 GB of address space and 60 s: a hang or a runaway read
    fails this test instead of taking the test run (or the machine) down with it."""
    code = ("import json, resource, sys; resource.setrlimit(resource.RLIMIT_AS, (2 << 30, 2 << 30));"
            "from assistant.knowledge import load_knowledge;"
            "kb = load_knowledge(sys.argv[1]); print(json.dumps([str(p) for p in kb.problems]))")
    try:
        done = subprocess.run([sys.executable, "-c", code, str(folder)], cwd=cwd, capture_output=True, text=True,
                              timeout=60)
    except subprocess.TimeoutExpired:
        pytest.fail("load_knowledge hung for over 60 s")
    assert done.returncode == 0, done.stderr[-2000:]
    return json.loads(done.stdout)


def within(seconds: float, fn, *args):
    """fn(*args), failing the test if it has not returned after `seconds` (a blocked read never would)."""
    result: list = []
    worker = threading.Thread(target=lambda: result.append(fn(*args)), daemon=True)
    worker.start()
    worker.join(seconds)
    if worker.is_alive():
        pytest.fail(f"{fn.__name__} was still running after {seconds:.0f} s")
    return result[0] if result else None


@pytest.mark.parametrize("date", ["2026-02-30", "2026-13-45", "0000-01-01", "2026-01-01 10:00:00"])
def test_an_impossible_date_is_a_problem_naming_file_field_and_fix(folder, date):
    (folder / "bad-date.md").write_text(sample("bad-date", date))
    kb = load_knowledge(folder)
    assert [d.id for d in kb.documents] == ["sample-doc"]
    assert messages(kb) == [f"knowledge/bad-date.md: updated: '{date}' is not a date; "
                            "write it as YYYY-MM-DD, like 2026-11-20"]


def test_cli_names_the_file_with_the_bad_date_and_keeps_the_index(settings):
    path = settings.knowledge_dir / "setting-smart-goals.md"
    path.write_text(re.sub(r"updated: .*", "updated: 2026-02-30", path.read_text(), count=1))
    live = current_version(settings.index_dir)
    runner = CliRunner()
    validate = runner.invoke(main, ["kb", "validate"])
    assert validate.exit_code == 1 and not isinstance(validate.exception, ValueError)
    assert "knowledge/setting-smart-goals.md: updated: '2026-02-30' is not a date" in validate.output
    build = runner.invoke(main, ["index", "build", "--quiet"])
    assert build.exit_code == 1 and "setting-smart-goals.md: updated" in build.output
    assert "previous index keeps serving" in build.output and current_version(settings.index_dir) == live
    ask = runner.invoke(main, ["ask", "How do I set SMART goals with my mentor?"])
    assert ask.exit_code == 0, ask.output
    assert "kept the last good index" in ask.output and "setting-smart-goals.md" in ask.output


def test_start_up_with_a_bad_date_keeps_the_last_good_index(settings, embedder):
    live = current_version(settings.index_dir)
    path = settings.knowledge_dir / "finding-a-mentor.md"
    path.write_text(re.sub(r"updated: .*", "updated: 2026-13-45", path.read_text(), count=1))
    bot = Assistant(settings, embedder=embedder).load()
    assert current_version(settings.index_dir) == live and bot.last_build is None
    assert "kept the last good index" in bot.warnings[0] and "updated" in bot.warnings[0]
    answer = bot.ask("How do I find a mentor?")
    assert answer.status == "answered" and answer.citations[0].doc_id == "finding-a-mentor"


def test_a_datetime_in_updated_does_not_break_the_staff_list(folder):
    (folder / "timed.md").write_text(sample("timed", "2026-01-01 10:00:00"))
    rows = {row.id: row for row in list_documents(folder)}
    assert rows["timed"].updated is None and "updated" in rows["timed"].problems[0]
    assert rows["sample-doc"].updated.isoformat() == "2026-11-20"
    assert [r.id for r in filter_documents(list(rows.values()), updated_since=dt.date(2026, 1, 1))] == ["sample-doc"]


def test_deep_nesting_and_alias_bombs_are_refused_without_expanding(folder):
    (folder / "deep.md").write_text("---\nid: deep\ntitle: " + "[" * 5000 + "]" * 5000 + "\n---\nBody.\n")
    (folder / "block.md").write_text("---\nid: block\ntitle:\n" + "".join(f"{' ' * n}- \n" for n in range(0, 60, 2))
                                     + "---\nBody.\n")
    # Eight lines that expand to 9**7 strings. Kept this small on purpose: the loader that repr()'d the
    # expanded value into its message needed 33 MB for it, and gigabytes for twelve lines.
    bomb = "".join(f"l{n}: &l{n} [{', '.join([f'*l{n - 1}'] * 9) if n else 'lol'}]\n" for n in range(8))
    (folder / "bomb.md").write_text("---\nid: bomb\n" + bomb + "updated: *l7\n---\nBody.\n")
    kb = load_knowledge(folder)
    found = {p.file: p for p in kb.problems}
    assert set(found) == {"knowledge/deep.md", "knowledge/block.md", "knowledge/bomb.md"}
    assert "line 3" in found["knowledge/deep.md"].message  # libyaml stops at 1,000 levels, our check at 20
    assert "more than 20 levels deep" in found["knowledge/block.md"].message
    assert found["knowledge/bomb.md"].message.startswith("uses the YAML alias '*l0' at line 4")
    assert max(len(str(p)) for p in kb.problems) < 300


def test_odd_files_named_like_documents_are_skipped_with_a_reason(folder, repo_root):
    (folder / "folder.md").mkdir()
    os.mkfifo(folder / "pipe.md")
    os.symlink(folder / "nowhere.md", folder / "dangling.md")
    os.symlink("/dev/zero", folder / "zero.md")
    with open(folder / "huge.md", "wb") as fh:  # sparse: a large file that costs no disk
        fh.truncate(1 << 20)
    problems = load_in_child(folder, repo_root)
    assert sorted(problems) == [
        "knowledge/dangling.md: file: is a link to '" + str(folder / "nowhere.md") + "', which does not exist; "
        "point it at a file or delete it",
        "knowledge/folder.md: file: is a folder, not a file, so it was skipped; "
        "move it out of the knowledge folder or replace it with a file",
        "knowledge/huge.md: file: is larger than 256 KB (1,048,576 bytes), so it was not read; "
        "split it into shorter files",
        "knowledge/pipe.md: file: is a named pipe, not a file, so it was skipped; "
        "move it out of the knowledge folder or replace it with a file",
        "knowledge/zero.md: file: is a device, not a file, so it was skipped; "
        "move it out of the knowledge folder or replace it with a file",
    ]


def test_the_staff_list_shows_odd_files_instead_of_hanging(folder):
    os.mkfifo(folder / "pipe.md")
    rows = {row.id: row for row in within(30, list_documents, folder)}
    assert "is a named pipe" in rows["pipe"].problems[0] and rows["sample-doc"].problems == []


@pytest.mark.parametrize("name", ["topics.yaml", "scope.yaml"])
def test_a_taxonomy_or_scope_file_that_is_not_utf8_is_a_problem(folder, name):
    (folder / name).write_bytes("caf\xe9:\n  label: caf\xe9\n  examples: [a]\n".encode("latin-1"))
    kb = load_knowledge(folder)
    assert messages(kb) == [f"knowledge/{name}: file: is not UTF-8 text (byte 3 is 0xe9); save it as UTF-8"]


def test_validate_checks_scope_yaml(settings):
    (settings.knowledge_dir / "scope.yaml").write_text("salary:\n  label: pay\n  exmples: [a raise]\n")
    kb = load_knowledge(settings.knowledge_dir)
    assert {p.field for p in kb.problems} == {"salary.examples", "salary.exmples"}
    result = CliRunner().invoke(main, ["kb", "validate"])
    assert result.exit_code == 1 and "knowledge/scope.yaml: salary.examples: Field required" in result.output


def test_a_byte_order_mark_is_accepted(folder):
    (folder / "bom.md").write_bytes(b"\xef\xbb\xbf" + sample("bom").encode())
    kb = load_knowledge(folder)
    assert kb.problems == [] and sorted(d.id for d in kb.documents) == ["bom", "sample-doc"]


def test_explicit_yaml_tags_and_odd_keys_are_problems(folder):
    (folder / "tagged.md").write_text(sample("tagged").replace("title:", "title: !!int abc\nsubtitle:"))
    (folder / "python.md").write_text(sample("python").replace("title:", "title: !!python/name:os.system\nt:"))
    kb = load_knowledge(folder)
    found = {p.file: p.message for p in kb.problems}
    assert found["knowledge/tagged.md"].startswith("has a value YAML cannot build (ValueError")
    assert found["knowledge/python.md"].startswith("is not valid YAML at line 3")


def test_a_heading_of_spaces_is_read_in_linear_time_and_a_long_heading_is_a_problem(folder, repo_root):
    # The old heading pattern backtracked cubically on a long run of spaces: 3,000 took 45 s, this 6 minutes.
    (folder / "spaces.md").write_text(sample("spaces") + "\n## Where" + " " * 5000 + "next\nA line.\n")
    code = ("import sys; from assistant.knowledge import load_knowledge;"
            "print('\\n'.join(str(p) for p in load_knowledge(sys.argv[1]).problems))")
    try:
        done = subprocess.run([sys.executable, "-c", code, str(folder)], cwd=repo_root, capture_output=True, text=True,
                              timeout=30)
    except subprocess.TimeoutExpired:
        pytest.fail("reading a 5,000-space heading took over 30 s")
    assert done.stdout.strip() == ("knowledge/spaces.md: body: the heading 'Where next' has 5,009 characters; "
                                   "keep headings to 200 and put the rest in the text below them")


def test_a_heading_in_a_code_block_is_not_a_heading(folder):
    doc, problems = parse_document(folder / "code.md", {"finding-a-mentor": ""},
                                   text=sample("code") + "\n```\n# " + "x" * 300 + "\n```\n")
    assert problems == [] and doc is not None


def test_nothing_in_a_generated_corpus_of_broken_documents_escapes_as_an_exception(folder):
    """Variations on a good document, cut and spliced at every field: each loads to documents or problems."""
    text = sample("fuzz")
    nasty = ["", "---", "\x00", "\ufeff", ": :", "- [", "*x", "&a", "!!binary ?", "'", '"', "{", "]", "\t",
             "? [a]\n: b", "2026-02-30", "<<: {a: 1}", "!!set {a}", "\r", "\u2028", "%YAML 1.1\n---",
             "\nupdated: 2026-02-30\n", "\nsource: !!float x\n", "\n" + "  " * 30 + "- x\n"]
    made = 0
    for cut in range(0, len(text), 7):
        for piece in nasty:
            (folder / f"fuzz-{made}.md").write_text(text[:cut] + piece + text[cut:], encoding="utf-8")
            made += 1
    kb = load_knowledge(folder)  # must not raise
    named = {p.file for p in kb.problems} | {f"knowledge/{d.id}.md" for d in kb.documents}
    assert len(named) >= made  # every file is accounted for, by name
    assert all(len(str(p)) < 400 for p in kb.problems)


def test_a_staff_build_never_sees_an_odd_file(settings, embedder):
    live = current_version(settings.index_dir)
    os.mkfifo(settings.knowledge_dir / "pipe.md")

    def build():
        try:
            build_index(settings, embedder)
        except KnowledgeError as exc:
            return str(exc)

    assert "knowledge/pipe.md: file: is a named pipe" in within(60, build)
    assert current_version(settings.index_dir) == live
