"""One Mentor instance as a separate process, driven over stdin/stdout by tests/test_shared_state.py.

It holds a real Assistant (its own index folder and knowledge folder, settings from MENTOR_* in the
environment, the database shared with the other instances) and a StaffGate, and answers one JSON
command per line with one JSON line:

    {"op": "ask", "question": "..."}                 -> {"status", "sections", "doc_ids", "version"}
    {"op": "append", "doc": "id", "text": "..."}     -> {"token"}     a staff edit through the store
    {"op": "rebuild", "force": false, "pause": 0}    -> {"built", "reason", "locked_at", "done_at", "version"}
    {"op": "login", "password": "..."}               -> {"ok", "locked"}
    {"op": "version"}                                -> {"version"}

`pause` holds the build for that many seconds midway (after the lock, before publishing), printing
{"event": "building"} first, so a test can kill the process mid-build.

    python -m tests.shared_instance
"""

from __future__ import annotations

import json
import sys
import time

from assistant import Assistant, Settings
from assistant.store.documents import document_store
from assistant.index import current_version
from assistant.staff.auth import StaffGate
from assistant.staff.editing import open_document, save_document
from assistant.store.storage import Storage


def reply(**fields) -> None:
    sys.stdout.write(json.dumps(fields, default=str) + "\n")
    sys.stdout.flush()


def main() -> None:
    settings = Settings()
    bot = Assistant(settings).load()
    gate = StaffGate.from_settings(settings, Storage.from_settings(settings))
    reply(event="ready", version=current_version(settings.index_dir).name, built=bot.last_build is not None)
    for line in sys.stdin:
        command = json.loads(line)
        op = command["op"]
        if op == "ask":
            answer = bot.ask(command["question"])
            reply(status=answer.status, sections=[c.section for c in answer.citations], doc_ids=answer.doc_ids,
                  version=bot.index.path.name)
        elif op == "append":
            store = document_store(settings)
            opened = open_document(settings.knowledge_dir, command["doc"], store=store)
            draft = opened.draft.model_copy(update={"body": opened.draft.body + command["text"]})
            saved = save_document(settings.knowledge_dir, draft, expected_hash=opened.hash, store=store, author="test")
            reply(token=saved.hash)
        elif op == "rebuild":
            from assistant.store.publish import shared_build

            marks: dict[str, float] = {}

            def progress(fraction: float, message: str) -> None:
                if fraction > 0 and "locked_at" not in marks:  # past "Waiting for any other build"
                    marks["locked_at"] = time.time()
                if fraction >= 0.9 and command.get("pause") and "paused" not in marks:
                    marks["paused"] = time.time()
                    reply(event="building")
                    time.sleep(command["pause"])
                if fraction >= 1.0:  # the index is written; publishing and releasing the lock follow
                    marks["built_at"] = time.time()

            report = shared_build(settings, bot.embedder, progress=progress, force=bool(command.get("force")))
            bot.reload()
            reply(built=report.built, reason=report.reason, locked_at=marks.get("locked_at"),
                  built_at=marks.get("built_at"), done_at=time.time(), version=bot.index.path.name)
        elif op == "login":
            result = gate.attempt(command["password"])
            reply(ok=result.ok, locked=result.state.locked)
        elif op == "version":
            reply(version=bot.index.path.name)
        else:
            reply(error=f"unknown op {op!r}")


if __name__ == "__main__":
    main()
