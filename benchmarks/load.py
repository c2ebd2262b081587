"""The HTTP API under load: throughput, latency, errors and memory at 1, 2 and 4 uvicorn workers.

    python benchmarks/load.py --workers 1 2 4 --requests 300 --concurrency 8 [--rounds 3] [--json OUT]

For every round and worker count (rounds outermost, so a burst of other work on the machine lands
on every worker count alike) it:

1. starts `mentor api --workers N` on a free localhost port, with its own temporary data folder
   (SQLite), the project's knowledge/ and index/, MENTOR_API_RATE_LIMIT=`--rate-limit` (default 0:
   none) and one API key made with `mentor api-key create`, so each request pays for the key check,
   the rate-limit count (unless 0) and the stored interaction as in production (questions stored
   redacted, the default);
2. waits until every worker process answers /readyz with 200. uvicorn's workers share one listening
   socket, so a request cannot choose its worker: each probe's connection is traced to the worker
   that accepted it through /proc/net/tcp and the workers' file descriptors;
3. warms every worker up with `--warmup` questions (follow-up turns from the gold file, asked alone,
   so none of them is a measured question and none is in a worker's query cache);
4. fires `--requests` POST /v1/ask from `--concurrency` concurrent clients (httpx, keep-alive; each
   client's connection is placed so every worker holds an equal share, unless `--no-spread`), with
   the single-turn questions of evaluation/gold.jsonl in a shuffled order, each once while there
   are enough of them; then reads each worker's RSS and PSS from /proc and stops the server.

A fresh server per round keeps every question a cache miss, as a new person's question is.
Errors are any non-2xx reply or transport failure; the run says so loudly, since it must be 0.
Lost interactions are 200 replies whose interaction is not in the database once the run is over
(counted in the SQLite file, allowing 10 s for writes the server had to keep waiting): also 0.

The storage target of issue 20 (two workers on SQLite, the rate limit counted, 40 at once):

    python benchmarks/load.py --workers 2 --requests 1000 --concurrency 40 --rate-limit 100000
Nothing is downloaded: HF_HUB_OFFLINE=1.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import random
import re
import signal
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
GOLD = ROOT / "evaluation" / "gold.jsonl"
READY_TIMEOUT_S = 600.0  # N workers load N models at once on 2 cores, beside whatever else runs


# ---------------------------------------------------------------- questions


def gold_questions(path: Path) -> tuple[list[str], list[str]]:
    """(single-turn questions to measure, follow-up questions to warm up with, asked alone)."""
    single, follow = [], []
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip():
            case = json.loads(line)
            (follow if case.get("history") else single).append(case["question"])
    return single, [q for q in dict.fromkeys(follow) if q not in set(single)]


# ---------------------------------------------------------------- processes and /proc


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def proc_status(pid: int) -> dict[str, int]:
    """VmRSS and VmHWM of a process, in kB."""
    values = {}
    with open(f"/proc/{pid}/status", encoding="utf-8") as fh:
        for line in fh:
            key, _, rest = line.partition(":")
            if key in ("VmRSS", "VmHWM"):
                values[key] = int(rest.split()[0])
    return values


def proc_pss_kb(pid: int) -> int:
    """Proportional set size: shared pages (torch's libraries, the model files) split between sharers."""
    try:
        with open(f"/proc/{pid}/smaps_rollup", encoding="utf-8") as fh:
            for line in fh:
                if line.startswith("Pss:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def cpu_seconds(pid: int) -> float:
    """User plus system CPU time a process has used."""
    with open(f"/proc/{pid}/stat", encoding="utf-8") as fh:
        fields = fh.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def children(pid: int) -> list[int]:
    found = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat", encoding="utf-8") as fh:
                    ppid = int(fh.read().rsplit(")", 1)[1].split()[1])
            except (OSError, ValueError, IndexError):
                continue
            if ppid == pid:
                found.append(int(entry))
    return found


def cmdline(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
    except OSError:
        return ""


def worker_pids(server: subprocess.Popen, workers: int) -> list[int]:
    """The processes that serve requests: the server itself for one worker, its spawned children otherwise."""
    if workers == 1:
        return [server.pid]
    kids = [p for p in children(server.pid) if "multiprocessing" in cmdline(p) and "resource_tracker" not in cmdline(p)]
    return sorted(kids)


def socket_owner(server_port: int, client_port: int, pids: list[int]) -> int | None:
    """Which of `pids` holds the server end of the localhost connection from `client_port`."""
    inode = None
    with open("/proc/net/tcp", encoding="utf-8") as fh:
        next(fh)
        for line in fh:
            parts = line.split()
            local, remote = parts[1], parts[2]
            if int(local.split(":")[1], 16) == server_port and int(remote.split(":")[1], 16) == client_port:
                inode = parts[9]
                break
    if inode is None:
        return None
    target = f"socket:[{inode}]"
    for pid in pids:
        try:
            for fd in os.listdir(f"/proc/{pid}/fd"):
                try:
                    if os.readlink(f"/proc/{pid}/fd/{fd}") == target:
                        return pid
                except OSError:
                    continue
        except OSError:
            continue
    return None


async def probe(port: int, pids: list[int], method: str, path: str, token: str,
                body: dict | None = None) -> tuple[int | None, int]:
    """One request on a new connection: (the worker that answered, the status). Owner is traced while
    the connection is still open, so the worker still holds its end."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        payload = json.dumps(body).encode() if body is not None else b""
        head = (f"{method} {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer {token}\r\n"
                f"Content-Type: application/json\r\nContent-Length: {len(payload)}\r\n\r\n")
        writer.write(head.encode() + payload)
        await writer.drain()
        status_line = await reader.readline()
        length = 0
        while (line := await reader.readline()) not in (b"\r\n", b""):
            name, _, value = line.decode("latin-1").partition(":")
            if name.strip().lower() == "content-length":
                length = int(value.strip())
        await reader.readexactly(length)
        client_port = writer.get_extra_info("sockname")[1]
        owner = socket_owner(port, client_port, pids)
        return owner, int(status_line.split()[1])
    finally:
        writer.close()
        try:
            await writer.wait_closed()
        except OSError:
            pass


@dataclass
class Server:
    process: subprocess.Popen
    port: int
    workers: int
    pids: list[int] = field(default_factory=list)
    log: Path | None = None

    def stop(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)  # the group this script made: server and its workers
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()


def mentor(env: dict, *args: str) -> str:
    out = subprocess.run([sys.executable, "-m", "assistant.cli", *args], cwd=ROOT, env=env,
                         capture_output=True, text=True, timeout=1800)
    if out.returncode != 0:
        raise SystemExit(f"mentor {' '.join(args)} failed ({out.returncode}):\n{out.stderr[-3000:]}")
    return out.stdout


async def start_server(env: dict, workers: int, logdir: Path, token: str, warm: list[str], warmup: int) -> Server:
    port = free_port()
    log = logdir / f"api-{workers}w-{port}.log"
    process = subprocess.Popen(
        [sys.executable, "-m", "assistant.cli", "api", "--host", "127.0.0.1", "--port", str(port),
         "--workers", str(workers)], cwd=ROOT, env=env, stdout=open(log, "wb"), stderr=subprocess.STDOUT,
        start_new_session=True)
    server = Server(process, port, workers, log=log)
    try:
        deadline = time.monotonic() + READY_TIMEOUT_S
        while len(server.pids) < workers:
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"the server did not start its {workers} workers; see {log}:\n"
                                   + log.read_text(errors="replace")[-2000:])
            server.pids = worker_pids(process, workers)
            await asyncio.sleep(0.2)
        # Every worker says ready: probe on new connections until each worker has answered /readyz 200.
        ready: set[int] = set()
        while ready != set(server.pids):
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"workers {sorted(set(server.pids) - ready)} never said ready; see {log}")
            try:
                owner, status = await probe(port, server.pids, "GET", "/readyz", token)
            except OSError:
                await asyncio.sleep(0.3)
                continue
            if owner is not None and status == 200:
                ready.add(owner)
            elif status != 200:
                await asyncio.sleep(0.3)
        # Warm every worker: its first questions pay one-off costs (allocations, Presidio's first run).
        warmed = {pid: 0 for pid in server.pids}
        questions = iter(warm * 100)
        while min(warmed.values()) < warmup:
            if time.monotonic() > deadline:
                raise RuntimeError(f"could not warm every worker up: {warmed}")
            owner, status = await probe(port, server.pids, "POST", "/v1/ask", token, {"question": next(questions)})
            if status != 200:
                raise RuntimeError(f"a warm-up question got HTTP {status}; see {log}")
            if owner in warmed:
                warmed[owner] += 1
        return server
    except BaseException:
        server.stop()
        raise


# ---------------------------------------------------------------- the load


@dataclass
class Run:
    workers: int
    concurrency: int
    requests: int
    round: int
    seconds: float
    throughput: float
    p50_ms: float
    p95_ms: float
    server_ask_p50_ms: float  # Answer.latency_ms: ask() inside the worker, without queueing or HTTP
    errors: int
    error_examples: list[str]
    answered: int
    not_stored: int  # 200 replies whose interaction could not be stored at once (interaction_id null)
    http_500: int  # replies with status 500: an unexpected error in the server
    lost: int  # 200 replies whose interaction is not in the database after the run
    rss_mb: list[float]  # per worker, after the run
    peak_rss_mb: list[float]
    pss_mb_total: float  # workers plus the supervisor, shared pages counted once
    cpu_share: list[float]  # each worker's share of the CPU time the workers used during the run
    cpu_ms_per_request: float  # CPU time all workers used, per request: the cost, less moved by other load
    cores_used: float  # CPU seconds the workers used per second of the run (at most the core count)


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    rank = (len(ordered) - 1) * q / 100
    low = int(rank)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


async def place_clients(server: Server, token: str, concurrency: int) -> tuple[list[httpx.AsyncClient], dict[int, int]]:
    """One keep-alive client per concurrent caller, each connection placed so every worker holds an
    equal share, as a balancing proxy in front would spread them. uvicorn's workers share one socket,
    and the kernel gives a burst of new connections to whichever worker wakes first: left alone, one
    worker can hold all of them while the others idle."""
    quota = -(-concurrency // len(server.pids))
    held = {pid: 0 for pid in server.pids}
    clients = []
    for _ in range(concurrency):
        for attempt in range(100):
            client = httpx.AsyncClient(limits=httpx.Limits(max_connections=1), timeout=httpx.Timeout(300.0),
                                       headers={"Authorization": f"Bearer {token}"})
            reply = await client.get(f"http://127.0.0.1:{server.port}/readyz")
            client_port = reply.extensions["network_stream"].get_extra_info("client_addr")[1]
            owner = socket_owner(server.port, client_port, server.pids)
            if owner in held and (held[owner] < quota or attempt == 99):
                held[owner] += 1
                clients.append(client)
                break
            await client.aclose()
    return clients, held


def stored_interactions(db: Path) -> int:
    """Rows in the interactions table of the server's SQLite file."""
    with contextlib.closing(sqlite3.connect(db, timeout=30)) as conn:
        return int(conn.execute("SELECT COUNT(*) FROM interactions").fetchone()[0])


async def lost_interactions(db: Path, before: int, replies: int, wait_s: float = 10.0) -> int:
    """200 replies whose row is not stored, waiting up to `wait_s` for rows the server is still retrying."""
    deadline = time.monotonic() + wait_s
    while True:
        missing = replies - (stored_interactions(db) - before)
        if missing <= 0 or time.monotonic() > deadline:
            return max(0, missing)
        await asyncio.sleep(0.5)


async def fire(server: Server, token: str, questions: list[str], requests: int, concurrency: int,
               round_no: int, spread: bool, db: Path | None = None) -> Run:
    url = f"http://127.0.0.1:{server.port}/v1/ask"
    latencies: list[float] = []
    server_ms: list[float] = []
    errors: list[str] = []
    answered = not_stored = http_500 = ok = 0
    next_index = 0
    rows_before = stored_interactions(db) if db is not None else 0
    if spread:
        clients, _ = await place_clients(server, token, concurrency)
    else:  # one pool: the kernel decides which worker accepts each connection
        shared = httpx.AsyncClient(limits=httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency),
                                   timeout=httpx.Timeout(300.0), headers={"Authorization": f"Bearer {token}"})
        clients = [shared] * concurrency
    cpu_before = {pid: cpu_seconds(pid) for pid in server.pids}

    async def client_loop(client: httpx.AsyncClient):
        nonlocal next_index, answered, not_stored, http_500, ok
        while next_index < requests:
            question = questions[next_index % len(questions)]
            next_index += 1
            started = time.perf_counter()
            try:
                reply = await client.post(url, json={"question": question, "history": []})
            except httpx.HTTPError as exc:
                errors.append(f"{type(exc).__name__}: {exc}")
                continue
            latencies.append(time.perf_counter() - started)
            if not 200 <= reply.status_code < 300:
                errors.append(f"HTTP {reply.status_code}: {reply.text[:200]}")
                http_500 += reply.status_code == 500
                continue
            ok += 1
            data = reply.json()
            server_ms.append(data.get("latency_ms", 0.0))
            answered += data.get("status") == "answered"
            not_stored += data.get("interaction_id") is None

    try:
        started = time.perf_counter()
        await asyncio.gather(*(client_loop(client) for client in clients))
        seconds = time.perf_counter() - started
    finally:
        for client in set(clients):
            await client.aclose()
    used = {pid: cpu_seconds(pid) - cpu_before[pid] for pid in server.pids}
    lost = await lost_interactions(db, rows_before, ok) if db is not None else 0
    total_cpu = sum(used.values()) or 1.0
    memory = {pid: proc_status(pid) for pid in server.pids}
    pss = sum(proc_pss_kb(pid) for pid in {server.process.pid, *server.pids})
    return Run(
        workers=server.workers, concurrency=concurrency, requests=requests, round=round_no, seconds=seconds,
        throughput=(requests - len(errors)) / seconds, p50_ms=percentile(latencies, 50) * 1000,
        p95_ms=percentile(latencies, 95) * 1000, server_ask_p50_ms=percentile(server_ms, 50),
        errors=len(errors), error_examples=errors[:5], answered=answered, not_stored=not_stored,
        http_500=http_500, lost=lost,
        rss_mb=[round(memory[p]["VmRSS"] / 1024, 1) for p in server.pids],
        peak_rss_mb=[round(memory[p]["VmHWM"] / 1024, 1) for p in server.pids],
        pss_mb_total=round(pss / 1024, 1),
        cpu_share=[round(used[p] / total_cpu, 2) for p in server.pids],
        cpu_ms_per_request=total_cpu / requests * 1000, cores_used=total_cpu / seconds)


# ---------------------------------------------------------------- report


def summarise(runs: list[Run]) -> list[dict]:
    """One row per worker count: medians over rounds, with the spread of throughput."""
    rows = []
    for workers in sorted({r.workers for r in runs}):
        mine = [r for r in runs if r.workers == workers]
        rss = [mb for r in mine for mb in r.rss_mb]
        rows.append({
            "workers": workers, "concurrency": mine[0].concurrency, "requests": sum(r.requests for r in mine),
            "rounds": len(mine),
            "throughput": statistics.median(r.throughput for r in mine),
            "throughput_min": min(r.throughput for r in mine), "throughput_max": max(r.throughput for r in mine),
            "p50_ms": statistics.median(r.p50_ms for r in mine), "p95_ms": statistics.median(r.p95_ms for r in mine),
            "server_ask_p50_ms": statistics.median(r.server_ask_p50_ms for r in mine),
            "errors": sum(r.errors for r in mine), "error_rate": sum(r.errors for r in mine) / sum(r.requests for r in mine),
            "not_stored": sum(r.not_stored for r in mine),
            "http_500": sum(r.http_500 for r in mine), "lost": sum(r.lost for r in mine),
            "answered_share": sum(r.answered for r in mine) / max(1, sum(r.requests - r.errors for r in mine)),
            "rss_per_worker_mb": statistics.median(rss), "rss_total_mb": statistics.median(sum(r.rss_mb) for r in mine),
            "pss_total_mb": statistics.median(r.pss_mb_total for r in mine),
            "cpu_ms_per_request": statistics.median(r.cpu_ms_per_request for r in mine),
            "cores_used": statistics.median(r.cores_used for r in mine),
            "cpu_share": min((r.cpu_share for r in mine), key=lambda s: max(s)),  # the most even round
        })
    base = rows[0]["throughput"] if rows else 1.0
    for row in rows:
        row["throughput_vs_first"] = row["throughput"] / base
    return rows


def format_table(rows: list[dict]) -> str:
    head = (f"{'workers':>7} {'conc':>4} {'requests':>8} {'req/s (min-max)':>18} {'vs 1st':>6} {'p50 ms':>7} "
            f"{'p95 ms':>7} {'ask() p50':>9} {'errors':>6} {'500s':>4} {'lost':>4} {'RSS/worker':>10} {'RSS total':>9} {'PSS total':>9} {'CPU/req':>7} {'cores':>5}  CPU share")
    lines = [head]
    for r in rows:
        spread = f"{r['throughput']:.1f} ({r['throughput_min']:.1f}-{r['throughput_max']:.1f})"
        lines.append(
            f"{r['workers']:>7} {r['concurrency']:>4} {r['requests']:>8} {spread:>18} {r['throughput_vs_first']:>5.2f}x "
            f"{r['p50_ms']:>7.0f} {r['p95_ms']:>7.0f} {r['server_ask_p50_ms']:>7.0f}ms {r['error_rate']:>6.1%} "
            f"{r['http_500']:>4} {r['lost']:>4} "
            f"{r['rss_per_worker_mb']:>7.0f} MB {r['rss_total_mb']:>6.0f} MB {r['pss_total_mb']:>6.0f} MB "
            f"{r['cpu_ms_per_request']:>5.0f}ms {r['cores_used']:>5.2f}  "
            + "/".join(f"{s:.2f}" for s in r["cpu_share"]))
    return "\n".join(lines)


async def main_async(args) -> int:
    single, follow = gold_questions(args.gold)
    if args.requests > len(single):
        print(f"note: {args.requests} requests but {len(single)} distinct single-turn questions; repeats are "
              "served from each worker's query cache (512 entries), so latency is a little optimistic", file=sys.stderr)
    with tempfile.TemporaryDirectory(prefix="mentor-load-") as tmp:
        tmp = Path(tmp)
        env = {k: v for k, v in os.environ.items() if not k.startswith("MENTOR_")}
        env.update({
            "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])),
            "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1", "TOKENIZERS_PARALLELISM": "false",
            "MENTOR_KNOWLEDGE_DIR": str(args.knowledge or ROOT / "knowledge"),
            "MENTOR_INDEX_DIR": str(args.index or ROOT / "index"),
            "MENTOR_DATA_DIR": str(tmp / "data"),
            "MENTOR_DATABASE_URL": f"sqlite:///{tmp / 'data' / 'mentor.db'}",
            "MENTOR_API_RATE_LIMIT": str(args.rate_limit),
            "MENTOR_QUESTION_LOGGING": args.question_logging,
        })
        if args.torch_threads:
            env["OMP_NUM_THREADS"] = env["MKL_NUM_THREADS"] = str(args.torch_threads)
        print("Checking the index (built if missing or stale)...", file=sys.stderr)
        mentor(env, "index", "build", "--quiet")
        created = mentor(env, "api-key", "create", "load-test")
        token = next(line.strip() for line in created.splitlines() if re.fullmatch(r"\s+\S{30,}", line))
        runs: list[Run] = []
        for round_no in range(1, args.rounds + 1):
            for workers in args.workers:
                print(f"round {round_no}: starting {workers} worker(s)...", file=sys.stderr)
                started = time.monotonic()
                server = await start_server(env, workers, tmp, token, follow, args.warmup)
                try:
                    print(f"  ready and warm in {time.monotonic() - started:.0f}s; firing {args.requests} "
                          f"requests at concurrency {args.concurrency}", file=sys.stderr)
                    order = random.Random(round_no).sample(single, len(single))
                    run = await fire(server, token, order, args.requests, args.concurrency, round_no, not args.no_spread,
                                     db=tmp / "data" / "mentor.db")
                finally:
                    server.stop()
                runs.append(run)
                print(f"  {run.throughput:.1f} req/s, p50 {run.p50_ms:.0f} ms, p95 {run.p95_ms:.0f} ms, "
                      f"{run.errors} errors ({run.http_500} HTTP 500), {run.lost} interactions lost, RSS/worker {run.rss_mb} MB, CPU share {run.cpu_share}, "
                      f"{run.cpu_ms_per_request:.0f} CPU-ms/request, {run.cores_used:.2f} cores", file=sys.stderr)
                for example in run.error_examples:
                    print(f"  error: {example}", file=sys.stderr)
    rows = summarise(runs)
    placement = "left to the kernel" if args.no_spread else "spread evenly over the workers"
    print(f"\nPOST /v1/ask on 127.0.0.1, {os.cpu_count()} CPUs; medians over {args.rounds} round(s), "
          f"each on a fresh server; question logging {args.question_logging}; keep-alive connections {placement}")
    print(format_table(rows))
    errors = sum(r.errors for r in runs)
    not_stored = sum(r.not_stored for r in runs)
    lost = sum(r.lost for r in runs)
    print(f"\n{sum(r.requests for r in runs)} requests (rate limit {args.rate_limit or 'off'}): "
          f"{sum(r.http_500 for r in runs)} x HTTP 500, {errors} failed in all, {lost} interactions lost, "
          f"{not_stored} stored late (interaction_id null)")
    if args.json:
        Path(args.json).write_text(json.dumps({
            "machine": {"cpus": os.cpu_count(), "python": sys.version.split()[0]},
            "settings": {k: (str(v) if isinstance(v, Path) else v) for k, v in vars(args).items()},
            "summary": rows, "runs": [asdict(r) for r in runs]}, indent=2), encoding="utf-8")
    if errors or lost:
        print(f"\nFAILED: {errors} requests failed (non-2xx or transport errors) and {lost} interactions were lost; "
              "both must be 0", file=sys.stderr)
        return 1
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2, 4], help="uvicorn worker counts to measure")
    parser.add_argument("--requests", type=int, default=300, help="measured requests per round and worker count")
    parser.add_argument("--concurrency", type=int, default=8, help="requests in flight at once")
    parser.add_argument("--rounds", type=int, default=1, help="repeat every worker count this often, each on a fresh server")
    parser.add_argument("--no-spread", action="store_true",
                        help="one shared connection pool, leaving it to the kernel which worker gets each "
                             "connection (by default each worker gets an equal share of the connections)")
    parser.add_argument("--rate-limit", type=int, default=0,
                        help="MENTOR_API_RATE_LIMIT for the server (default 0: off); e.g. 100000 counts every "
                             "request in the database without ever refusing one")
    parser.add_argument("--warmup", type=int, default=5, help="warm-up questions per worker before measuring")
    parser.add_argument("--question-logging", choices=["redacted", "full", "off"], default="redacted",
                        help="MENTOR_QUESTION_LOGGING for the server (default redacted, as deployed)")
    parser.add_argument("--torch-threads", type=int, default=0,
                        help="OMP_NUM_THREADS for each worker (0: torch's default, one per core)")
    parser.add_argument("--gold", type=Path, default=GOLD, help="questions: single-turn cases are measured")
    parser.add_argument("--knowledge", type=Path, help="knowledge folder (default: the project's)")
    parser.add_argument("--index", type=Path, help="index folder (default: the project's, built if missing)")
    parser.add_argument("--json", metavar="OUT", help="also write every run and the summary as JSON")
    args = parser.parse_args(argv)
    if args.requests < 1 or args.concurrency < 1 or args.rounds < 1 or min(args.workers) < 1:
        parser.error("--requests, --concurrency, --rounds and --workers must be 1 or more")
    return asyncio.run(main_async(args))


if __name__ == "__main__":
    sys.exit(main())
