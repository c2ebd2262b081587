"""Storage under strain, with real servers: `mentor api` processes over HTTP.

- Two uvicorn workers on one SQLite file, 40 requests at once, each counted against the rate limit and
  recorded: no request fails and every answered one is stored (the benchmark's small form:
  `python benchmarks/load.py --workers 2 --requests 1000 --concurrency 40 --rate-limit 100000`).
- PostgreSQL stopped for 10 s under load: the API answers 503 with Retry-After (never 500) while it is
  down, answers again within 5 s of its restart, logs no traceback, and stores every answered interaction.
"""

from __future__ import annotations

import asyncio
import os
import random
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
from sqlalchemy import create_engine, func, select

from assistant.store.schema import interactions
from benchmarks import load

RECOVERY_S = 5.0  # answers again within this long of PostgreSQL's restart
DOWN_S = 10.0


def api_token(env: dict[str, str], cwd: Path) -> str:
    created = subprocess.run([sys.executable, "-m", "assistant.cli", "api-key", "create", "strain"], cwd=cwd, env=env,
                             capture_output=True, text=True, timeout=300)
    assert created.returncode == 0, created.stdout + created.stderr
    return next(line.strip() for line in created.stdout.splitlines() if re.fullmatch(r"\s+\S{30,}", line))


def test_two_sqlite_workers_under_load_fail_no_request_and_lose_no_interaction(tmp_path, built_template, repo_root):
    shutil.copytree(built_template / "knowledge", tmp_path / "knowledge")
    shutil.copytree(built_template / "index", tmp_path / "index")
    env = {k: v for k, v in os.environ.items() if not k.startswith("MENTOR_")}
    env.update(PYTHONPATH=str(repo_root), HF_HUB_OFFLINE="1", TOKENIZERS_PARALLELISM="false",
               MENTOR_KNOWLEDGE_DIR=str(tmp_path / "knowledge"), MENTOR_INDEX_DIR=str(tmp_path / "index"),
               MENTOR_DATA_DIR=str(tmp_path / "data"), MENTOR_DATABASE_URL=f"sqlite:///{tmp_path / 'data' / 'mentor.db'}",
               MENTOR_API_RATE_LIMIT="100000")  # every request is counted in the database, none refused
    token = api_token(env, tmp_path)
    single, follow = load.gold_questions(load.GOLD)

    async def measure():
        server = await load.start_server(env, 2, tmp_path, token, follow, warmup=2)
        try:
            return await load.fire(server, token, random.Random(0).sample(single, len(single)), 200, 40, 1,
                                   spread=True, db=tmp_path / "data" / "mentor.db")
        finally:
            server.stop()

    run = asyncio.run(measure())
    assert (run.errors, run.lost) == (0, 0), run.error_examples
    assert sorted(run.cpu_share) != [0.0, 1.0]  # both workers served: the lock was contended
    logs = "".join(p.read_text(errors="replace") for p in tmp_path.glob("api-*.log"))
    assert "Traceback" not in logs and "database is locked" not in logs


@pytest.mark.postgres
def test_postgresql_stopped_under_load_gives_only_503_and_recovers_within_5_s(tmp_path, instance_env, new_port,
                                                                            postgres_server, postgres_url):
    env = instance_env("a", seeded=True, api_rate_limit="100000")
    token = api_token(env, tmp_path)
    port = new_port()
    log = tmp_path / "api.log"
    server = subprocess.Popen([sys.executable, "-m", "assistant.cli", "api", "--port", str(port)], cwd=tmp_path,
                              env=env, stdout=open(log, "w"), stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 240
        while True:
            assert server.poll() is None and time.monotonic() < deadline, log.read_text()[-3000:]
            try:
                if httpx.get(f"{url}/readyz", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            time.sleep(0.5)
        single, _ = load.gold_questions(load.GOLD)
        replies, marks, readiness = asyncio.run(_load_through_an_outage(url, token, single, postgres_server))
    finally:
        server.terminate()
        server.wait(30)

    statuses = {status for _, status, _, _ in replies}
    assert statuses <= {200, 503}, sorted(statuses)
    down = [r for r in replies if r[1] == 503]
    assert down, "no request met the stopped database: the outage was not tested"
    assert all(retry_after for _, status, retry_after, _ in down), "a 503 without Retry-After"
    assert all(marks["stopped"] <= at <= marks["restarted"] + RECOVERY_S for at, *_ in down), \
        [round(at - marks["restarted"], 2) for at, *_ in down if at > marks["restarted"]]
    # Recovered: /readyz says ready, and requests reach the database again, within 5 s of the restart. (An
    # answer itself can take longer on a busy machine: the question is answered after the database checks.)
    assert "database unavailable" in [state for _, state in readiness]  # /readyz said so while it was down
    ready_again = [at for at, state in readiness if state == "ready" and at > marks["restarted"]]
    assert ready_again and ready_again[0] - marks["restarted"] <= RECOVERY_S, readiness
    answered_after = [at for at, status, _, _ in replies if status == 200 and at > marks["restarted"]]
    assert answered_after
    ok = sum(1 for _, status, _, kind in replies if status == 200 and kind != "topics")  # answered questions
    engine = create_engine(postgres_url)
    deadline = time.monotonic() + 10  # rows refused during the outage are stored by the retrying thread
    with engine.connect() as db:
        while (stored := db.execute(select(func.count()).select_from(interactions)).scalar()) < ok \
                and time.monotonic() < deadline:
            time.sleep(0.5)
    engine.dispose()
    assert stored == ok, f"{ok - stored} answered interactions were lost"
    text = log.read_text(errors="replace")
    assert "Traceback" not in text, text[-3000:]
    print(f"\n{len(replies)} requests, {len(down)} x 503 while PostgreSQL was down for {DOWN_S:.0f} s, the last "
          f"{max(at for at, *_ in down) - marks['restarted']:+.2f} s from the restart; /readyz ready again after "
          f"{ready_again[0] - marks['restarted']:.2f} s, first answer after {answered_after[0] - marks['restarted']:.2f} s; "
          f"{ok} answered, all stored")


async def _load_through_an_outage(url: str, token: str, questions: list[str], postgres_server):
    """Four clients call the API for 3 s, through 10 s without PostgreSQL, and for 8 s after its restart.

    Returns every reply as (time, status, Retry-After, interaction_id), the times the database was
    stopped and restarted, and what /readyz said meanwhile.
    """
    replies: list[tuple[float, int, str | None, int | None]] = []
    marks: dict[str, float] = {}
    readiness: list[tuple[float, str]] = []
    done = asyncio.Event()

    async def client(n: int) -> None:
        """Even clients ask questions (stored); odd ones list the topics: quick, so some requests always
        meet the stopped database even when the machine is slow to answer questions."""
        async with httpx.AsyncClient(base_url=url, headers={"Authorization": f"Bearer {token}"}, timeout=120) as http:
            i = n
            while not done.is_set():
                if n % 2:
                    reply = await http.get("/v1/topics")
                else:
                    reply = await http.post("/v1/ask", json={"question": questions[i % len(questions)]})
                body = reply.json() if reply.headers.get("content-type", "").startswith("application/json") else {}
                replies.append((time.monotonic(), reply.status_code, reply.headers.get("retry-after"),
                                body.get("interaction_id", "topics") if isinstance(body, dict) else "topics"))
                i += 4

    async def probe() -> None:
        async with httpx.AsyncClient(base_url=url, timeout=10) as http:
            while not done.is_set():
                reply = await http.get("/readyz")
                readiness.append((time.monotonic(), reply.json()["status"]))
                await asyncio.sleep(0.5)

    async def outage() -> None:
        await asyncio.sleep(3)
        marks["stopped"] = time.monotonic()
        await asyncio.to_thread(postgres_server.pause)
        await asyncio.sleep(DOWN_S)
        await asyncio.to_thread(postgres_server.resume)
        marks["restarted"] = time.monotonic()
        await asyncio.sleep(8)
        done.set()

    await asyncio.gather(outage(), probe(), *(client(n) for n in range(4)))
    return replies, marks, readiness
