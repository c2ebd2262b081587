"""`mentor api-key create|list|revoke` through CliRunner, and `mentor api` as a real process."""

from __future__ import annotations

import os
import subprocess
import sys
import time

import httpx
import pytest
from click.testing import CliRunner

from assistant.api.access import key_hash
from assistant.cli import main
from assistant.store.storage import Storage


@pytest.fixture
def data_dir(settings):
    return settings.data_dir


def _keys(data_dir):
    return Storage(f"sqlite:///{data_dir / 'mentor.db'}").api_keys.rows()


def test_create_shows_the_key_once_and_stores_only_its_hash(data_dir):
    runner = CliRunner()
    created = runner.invoke(main, ["api-key", "create", "slack-bot"])
    assert created.exit_code == 0, created.output
    key = next(line.strip() for line in created.output.splitlines() if line.strip().startswith("mk_"))
    assert len(key) == 3 + 43  # "mk_" and 32 random bytes, base64url
    [row] = _keys(data_dir)
    assert row["name"] == "slack-bot" and row["key_hash"] == key_hash(key) and row["prefix"] == key[:12]
    assert key not in str(row)

    listed = runner.invoke(main, ["api-key", "list"])
    assert listed.exit_code == 0 and "slack-bot" in listed.output and "active" in listed.output
    assert key[:12] in listed.output and key not in listed.output


def test_names_are_checked_and_unique_among_active_keys(data_dir):
    runner = CliRunner()
    assert runner.invoke(main, ["api-key", "create", "teams-bot"]).exit_code == 0
    again = runner.invoke(main, ["api-key", "create", "teams-bot"])
    assert again.exit_code == 1
    assert "an active API key is already named 'teams-bot'" in again.output and "mentor api-key revoke teams-bot" in again.output
    bad = runner.invoke(main, ["api-key", "create", "my bot!"])
    assert bad.exit_code == 1 and "got 'my bot!'" in bad.output and "slack-bot" in bad.output


def test_revoke_by_name_or_id_then_the_name_is_free_again(data_dir):
    runner = CliRunner()
    runner.invoke(main, ["api-key", "create", "intranet"])
    revoked = runner.invoke(main, ["api-key", "revoke", "intranet"])
    assert revoked.exit_code == 0 and "Revoked API key 'intranet' (id 1)" in revoked.output
    assert runner.invoke(main, ["api-key", "create", "intranet"]).exit_code == 0
    by_id = runner.invoke(main, ["api-key", "revoke", "2"])
    assert by_id.exit_code == 0 and "(id 2)" in by_id.output
    unknown = runner.invoke(main, ["api-key", "revoke", "intranet"])
    assert unknown.exit_code == 1 and "no active API key has the name or id 'intranet'; active keys: none" in unknown.output
    listed = runner.invoke(main, ["api-key", "list"]).output
    assert listed.count("revoked 20") == 2


def test_mentor_lists_the_api_commands():
    helped = CliRunner().invoke(main, ["--help"])
    assert "api-key" in helped.output and "Serve the HTTP API" in helped.output
    helped = CliRunner().invoke(main, ["api", "--help"])
    assert helped.exit_code == 0 and "--workers" in helped.output and "/docs" in helped.output


def test_mentor_api_serves_the_openapi_docs(settings, tmp_path, free_port, repo_root):
    """The real command in its own process: uvicorn imports the app factory by name, as it does per worker."""
    port = free_port
    env = {**os.environ, "PYTHONPATH": str(repo_root), "HF_HUB_OFFLINE": "1"}
    log = tmp_path / "api.log"
    with log.open("w") as out:
        proc = subprocess.Popen([sys.executable, "-m", "assistant.cli", "api", "--port", str(port)], cwd=tmp_path, env=env, stdout=out, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 60
        while True:
            assert proc.poll() is None, log.read_text()
            try:
                spec = httpx.get(f"http://127.0.0.1:{port}/openapi.json", timeout=2)
                break
            except httpx.TransportError:
                assert time.monotonic() < deadline, log.read_text()
                time.sleep(0.2)
        assert spec.status_code == 200 and spec.json()["info"]["title"] == "Mentor API"
        assert httpx.get(f"http://127.0.0.1:{port}/healthz").json() == {"status": "ok"}
    finally:
        proc.terminate()
        proc.wait(30)
    assert "no API key exists yet, so every /v1 request will get 401" in log.read_text()
