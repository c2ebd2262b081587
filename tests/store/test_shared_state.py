"""Two Mentor instances as separate processes on one real PostgreSQL, nothing else shared.

Each instance (tests/shared_instance.py) holds its own Assistant, index folder and knowledge folder;
instance B starts with no knowledge on its disk at all. Figures are printed (run with -s to see them).
"""

from __future__ import annotations

import json
import queue
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

pytestmark = pytest.mark.postgres

QUESTION = "Should a retired engineer review my portfolio before I contact a mentor?"
NEW_SECTION = """

## Ask a retired engineer to review your portfolio
Retired engineers often volunteer as portfolio reviewers through their professional institution. Ask one
to review your portfolio before you approach a mentor, so your first message shows finished work.
"""


class Instance:
    """A running instance process and the JSON lines it prints."""

    def __init__(self, name: str, root: Path, env: dict[str, str]):
        self.name = name
        self.lines: queue.Queue = queue.Queue()
        self.log = open(root / f"{name}.log", "w")
        self.process = subprocess.Popen([sys.executable, "-m", "tests.shared_instance"], cwd=root, env=env,
                                        stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=self.log, text=True)
        threading.Thread(target=self._read, daemon=True).start()
        self.ready = self.receive(timeout=240)
        assert self.ready.get("event") == "ready", self.ready

    def _read(self) -> None:
        for line in self.process.stdout:
            self.lines.put(json.loads(line))
        self.lines.put({"event": "exited", "code": self.process.wait()})

    def send(self, **command) -> None:
        self.process.stdin.write(json.dumps(command) + "\n")
        self.process.stdin.flush()

    def receive(self, timeout: float = 120) -> dict:
        try:
            message = self.lines.get(timeout=timeout)
        except queue.Empty:
            raise AssertionError(f"instance {self.name} said nothing for {timeout}s; see {self.log.name}") from None
        if message.get("event") == "exited":
            raise AssertionError(f"instance {self.name} exited ({message['code']}); see {self.log.name}: "
                                 + Path(self.log.name).read_text()[-3000:])
        return message

    def call(self, timeout: float = 120, **command) -> dict:
        self.send(**command)
        return self.receive(timeout)

    def kill(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait(30)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.stdin.close()
            try:
                self.process.wait(30)
            except subprocess.TimeoutExpired:
                self.kill()
        self.log.close()


@pytest.fixture
def start(tmp_path, instance_env, staff_password_hash):
    """start(name, seeded): an instance on the shared database. A seeded one has the fixture knowledge and a
    built index on its disk (the first instance of a deployment); an unseeded one has nothing."""
    started: list[Instance] = []

    def launch(name: str, seeded: bool) -> Instance:
        env = instance_env(name, seeded, staff_password_hash=staff_password_hash, staff_max_attempts="3")
        instance = Instance(name, tmp_path / name, env)
        started.append(instance)
        return instance

    yield launch
    for instance in started:
        instance.stop()


def cites_new_section(reply: dict) -> bool:
    return any("retired engineer" in section.lower() for section in reply["sections"])


def test_an_edit_and_rebuild_on_a_is_answered_by_b_within_10_seconds(start):
    a = start("a", seeded=True)
    b = start("b", seeded=False)
    assert not b.ready["built"] and b.ready["version"] == a.ready["version"]  # B fetched A's build
    assert not cites_new_section(b.call(op="ask", question=QUESTION))

    a.call(op="append", doc="finding-a-mentor", text=NEW_SECTION)
    rebuilt = a.call(op="rebuild")
    assert rebuilt["built"] and cites_new_section(a.call(op="ask", question=QUESTION))
    waited = 0.0
    while True:
        reply = b.call(op="ask", question=QUESTION)
        waited = time.time() - rebuilt["done_at"]
        if cites_new_section(reply) or waited > 10:
            break
        time.sleep(0.2)
    print(f"\nB answered from A's rebuild {waited:.2f}s after A finished it (version {reply['version']})")
    assert cites_new_section(reply) and reply["version"] == rebuilt["version"] and waited <= 10


def test_a_lockout_on_a_holds_on_b(start, staff_password):
    a = start("a", seeded=True)
    b = start("b", seeded=False)
    results = [a.call(op="login", password=f"wrong {n}") for n in range(3)]
    assert not any(r["ok"] for r in results) and results[-1]["locked"]
    on_b = b.call(op="login", password=staff_password)
    assert not on_b["ok"] and on_b["locked"]


def test_two_rebuilds_started_together_run_one_after_the_other(start):
    a = start("a", seeded=True)
    b = start("b", seeded=False)
    a.call(op="append", doc="finding-a-mentor", text=NEW_SECTION)
    # Forced: both build, and the advisory lock makes the second wait for the first to publish.
    a.send(op="rebuild", force=True)
    b.send(op="rebuild", force=True)
    first, second = sorted([a.receive(), b.receive()], key=lambda r: r["locked_at"])
    assert first["built"] and second["built"] and first["version"] != second["version"]
    assert second["locked_at"] >= first["built_at"], (first, second)
    print(f"\nforced rebuilds: first built {first['built_at'] - first['locked_at']:.1f}s, the second started "
          f"{second['locked_at'] - first['built_at']:.2f}s after it finished")
    deadline = time.time() + 10
    while a.call(op="version")["version"] != second["version"] and time.time() < deadline:
        time.sleep(0.2)
    assert a.call(op="version")["version"] == second["version"]  # both end on the newest

    # Not forced, after another edit: one builds, the other waits and adopts its build.
    b.call(op="append", doc="setting-smart-goals", text="\n\n## One more note\nWrite goals down and share them.\n")
    a.send(op="rebuild")
    b.send(op="rebuild")
    replies = [a.receive(), b.receive()]
    assert sorted(r["built"] for r in replies) == [False, True]
    assert [r["reason"] for r in replies if not r["built"]] == ["already built at this knowledge version"]
    assert replies[0]["version"] == replies[1]["version"]


def test_killing_an_instance_mid_build_leaves_the_other_serving_and_the_lock_free(start):
    a = start("a", seeded=True)
    b = start("b", seeded=False)
    before = b.call(op="version")["version"]
    a.call(op="append", doc="finding-a-mentor", text=NEW_SECTION)
    a.send(op="rebuild", force=True, pause=60)
    assert a.receive(timeout=120) == {"event": "building"}  # holding the build lock, not yet published
    a.kill()

    reply = b.call(op="ask", question="How do I find a mentor?")
    assert reply["status"] == "answered" and reply["version"] == before  # the previous version keeps serving
    started = time.time()
    rebuilt = b.call(op="rebuild", timeout=120)  # the lock died with A's session: B builds at once
    print(f"\nafter killing A mid-build, B's rebuild took the lock {rebuilt['locked_at'] - started:.2f}s after asking")
    assert rebuilt["built"] and rebuilt["locked_at"] - started < 10
    assert cites_new_section(b.call(op="ask", question=QUESTION))  # A's saved edit was not lost
