"""Two real `mentor api` processes on one real PostgreSQL, with nothing else shared: an edit and a
rebuild made with instance A's settings are answered over HTTP by instance B within 10 s, and API keys
created or revoked through one instance hold on the other."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

pytestmark = pytest.mark.postgres

QUESTION = "Should a retired engineer review my portfolio before I contact a mentor?"
NEW_SECTION = """

## Ask a retired engineer to review your portfolio
Retired engineers often volunteer as portfolio reviewers through their professional institution. Ask one
to review your portfolio before you approach a mentor, so your first message shows finished work.
"""


def _cites_new_section(reply: dict) -> bool:
    return any("retired engineer" in c["section"].lower() for c in reply.get("citations", []))


@pytest.fixture
def deployment(tmp_path, instance_env, new_port):
    """Instance A starts with the fixture knowledge and its index; B starts with nothing on its disk."""
    servers: list[subprocess.Popen] = []

    def serve(name: str, env: dict[str, str], port: int) -> str:
        log = open(tmp_path / f"{name}.log", "w")
        servers.append(subprocess.Popen([sys.executable, "-m", "assistant.cli", "api", "--port", str(port)],
                                        cwd=tmp_path, env=env, stdout=log, stderr=subprocess.STDOUT))
        url = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 240
        while time.monotonic() < deadline:
            assert servers[-1].poll() is None, Path(log.name).read_text()[-3000:]
            try:
                if httpx.get(f"{url}/readyz", timeout=2).status_code == 200:
                    return url
            except httpx.TransportError:
                pass
            time.sleep(0.5)
        pytest.fail(f"{name} was not ready in 240 s: {Path(log.name).read_text()[-3000:]}")

    def mentor(env: dict[str, str], *args: str) -> str:
        done = subprocess.run([sys.executable, "-m", "assistant.cli", *args], cwd=tmp_path, env=env,
                              capture_output=True, text=True, timeout=300)
        assert done.returncode == 0, done.stdout + done.stderr
        return done.stdout

    a_env = instance_env("a", seeded=True, api_rate_limit="0")
    b_env = instance_env("b", seeded=False, api_rate_limit="0")
    a_url = serve("a", a_env, new_port())
    b_url = serve("b", b_env, new_port())
    yield a_env, b_env, a_url, b_url, mentor
    for server in servers:
        server.terminate()
        server.wait(30)


def test_an_edit_and_rebuild_through_a_is_answered_by_b_and_keys_are_shared(deployment, tmp_path):
    a_env, b_env, a_url, b_url, mentor = deployment
    key = mentor(a_env, "api-key", "create", "intranet").split("\n\n")[1].strip()
    headers = {"Authorization": f"Bearer {key}"}

    def ask(url: str) -> dict:
        reply = httpx.post(f"{url}/v1/ask", json={"question": QUESTION}, headers=headers, timeout=60)
        assert reply.status_code == 200, reply.text  # a key made through A works on B
        return reply.json()

    assert httpx.post(f"{b_url}/v1/ask", json={"question": "How do I find a mentor?"}, headers=headers,
                      timeout=60).json()["status"] == "answered"
    assert not _cites_new_section(ask(b_url))

    # A staff edit with A's settings: export the documents, edit one, import them, rebuild.
    folder = tmp_path / "edit"
    mentor(a_env, "kb", "export", str(folder))
    with open(folder / "finding-a-mentor.md", "a", encoding="utf-8") as fh:
        fh.write(NEW_SECTION)
    mentor(a_env, "kb", "import", str(folder))
    mentor(a_env, "index", "build", "--quiet")
    built_at = time.monotonic()
    while not _cites_new_section(reply := ask(b_url)) and time.monotonic() - built_at < 10:
        time.sleep(0.2)
    waited = time.monotonic() - built_at
    print(f"\nB answered from A's rebuild {waited:.2f}s after `mentor index build` on A returned")
    assert _cites_new_section(reply) and waited <= 10

    mentor(b_env, "api-key", "revoke", "intranet")  # revoked through B: refused by A too
    refused = httpx.post(f"{a_url}/v1/ask", json={"question": QUESTION}, headers=headers, timeout=60)
    assert refused.status_code == 401
