"""`mentor bench`: speed and memory figures, measured on this machine after warm-up.

Every figure is a median (or percentile) over repeated runs, and the ask() latency is reported as a
ratio to one bare query embedding measured in the same run, so the numbers travel across machines.
"""

from __future__ import annotations

import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from assistant.config import Settings
from assistant.quality.evaluation import load_gold
from assistant.index import build_index
from assistant.pipeline import Assistant

# ru_maxrss survives fork/exec on Linux (a child reports its parent's peak), so read VmHWM instead.
PEAK_RSS = """
def peak_rss_kb():
    for line in open("/proc/self/status"):
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
    import resource
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
"""

COLD_START = PEAK_RSS + """
import time
t0 = time.perf_counter()
from assistant import Assistant
bot = Assistant.from_settings()
answer = bot.ask("How do I find a mentor?")
elapsed = time.perf_counter() - t0
for q in ["What should I bring to a first meeting?", "How do I set SMART goals?", "my mentor keeps cancelling"]:
    bot.ask(q)
print(elapsed, peak_rss_kb(), answer.status)
"""

BARE_LOAD = PEAK_RSS + """
import time
t0 = time.perf_counter()
from sentence_transformers import SentenceTransformer
from assistant.embedding import resolve_model
SentenceTransformer(resolve_model({model!r}), device="cpu")
print(time.perf_counter() - t0, peak_rss_kb())
"""


def _pct(values, q) -> float:
    return float(np.percentile(np.asarray(values) * 1000, q))


def _run(code: str, env: dict) -> list[str]:
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=600)
    if out.returncode != 0:
        raise RuntimeError(f"benchmark subprocess failed: {out.stderr[-2000:]}")
    return out.stdout.split()


def bench_latency(bot: Assistant, questions: list[str], rounds: int = 2) -> dict:
    """ask() and retrieval-only latency against one bare query embedding, interleaved per question."""
    for q in questions[:20]:
        bot.ask(q)  # warm-up: first calls pay one-off allocation costs
    embed, retrieve, ask = [], [], []
    for _ in range(rounds):
        for q in questions:
            bot.clear_query_cache()
            t = time.perf_counter(); bot.embedder.encode([q]); embed.append(time.perf_counter() - t)
            bot.clear_query_cache()
            t = time.perf_counter(); bot.retrieve(q); retrieve.append(time.perf_counter() - t)
            bot.clear_query_cache()
            t = time.perf_counter(); bot.ask(q); ask.append(time.perf_counter() - t)
    e50 = _pct(embed, 50)
    return {"questions": len(questions) * rounds, "embed_p50_ms": e50, "embed_p95_ms": _pct(embed, 95),
            "retrieve_p50_ms": _pct(retrieve, 50), "retrieve_p95_ms": _pct(retrieve, 95),
            "ask_p50_ms": _pct(ask, 50), "ask_p95_ms": _pct(ask, 95),
            "ask_p50_ratio": _pct(ask, 50) / e50, "ask_p95_ratio": _pct(ask, 95) / e50}


def bench_builds(settings: Settings, bot: Assistant, edits: int = 3) -> dict:
    """A full build with an empty cache, then incremental rebuilds after editing one document."""
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        shutil.copytree(settings.knowledge_dir, tmp / "knowledge", ignore=shutil.ignore_patterns(".trash"))
        local = settings.model_copy(update={"knowledge_dir": tmp / "knowledge", "index_dir": tmp / "index"})
        full = build_index(local, bot.embedder)
        doc = sorted((tmp / "knowledge").glob("*.md"))[0]
        original = doc.read_text(encoding="utf-8")
        times, embedded = [], []
        for i in range(edits):
            doc.write_text(original + f"\n\nA short added note, revision {i}, with one more practical tip.\n",
                           encoding="utf-8")
            report = build_index(local, bot.embedder)
            times.append(report.seconds)
            embedded.append(report.embedded)
        return {"full_build_s": full.seconds, "passages": full.passages, "texts_embedded": full.embedded,
                "passages_per_s": full.passages / full.seconds, "incremental_s": statistics.median(times),
                "incremental_embedded": statistics.median(embedded), "edited_document": doc.name}


def bench_cold_start(settings: Settings, runs: int = 3) -> dict:
    """Fresh processes: import + load + first answer, against bare import + model load; alternated."""
    env = dict(os.environ, HF_HUB_OFFLINE="1", MENTOR_KNOWLEDGE_DIR=str(settings.knowledge_dir),
               MENTOR_INDEX_DIR=str(settings.index_dir), MENTOR_MODEL=settings.model)
    root = str(Path(__file__).resolve().parent.parent.parent)  # the checkout, above assistant/
    env["PYTHONPATH"] = root + os.pathsep + env.get("PYTHONPATH", "")
    ours, bare, rss = [], [], []
    for _ in range(runs):
        elapsed, maxrss, status = _run(COLD_START, env)
        ours.append(float(elapsed))
        rss.append(int(maxrss) / 1024)
        b_elapsed, _ = _run(BARE_LOAD.format(model=settings.model), env)
        bare.append(float(b_elapsed))
    return {"cold_start_s": statistics.median(ours), "bare_load_s": statistics.median(bare),
            "cold_start_ratio": statistics.median(ours) / statistics.median(bare),
            "serving_peak_rss_mb": max(rss), "first_answer_status": status}


def _wall(argv: list[str], env: dict) -> float:
    """Seconds a whole process takes, interpreter start included."""
    t0 = time.perf_counter()
    out = subprocess.run(argv, env=env, capture_output=True, text=True, timeout=600)
    elapsed = time.perf_counter() - t0
    if out.returncode not in (0, 3):  # 3: declined as out of scope, still a whole answer
        raise RuntimeError(f"benchmark subprocess failed ({out.returncode}): {out.stderr[-2000:]}")
    return elapsed


def bench_cli_ask(settings: Settings, runs: int = 3, question: str = "How do I find a mentor?") -> dict:
    """`mentor ask` as a person runs it, against a process that only imports sentence-transformers and
    loads the model; both timed from outside (interpreter start included) and alternated."""
    env = dict(os.environ, HF_HUB_OFFLINE="1", MENTOR_KNOWLEDGE_DIR=str(settings.knowledge_dir),
               MENTOR_INDEX_DIR=str(settings.index_dir), MENTOR_MODEL=settings.model)
    root = str(Path(__file__).resolve().parent.parent.parent)
    env["PYTHONPATH"] = root + os.pathsep + env.get("PYTHONPATH", "")
    ask, bare = [], []
    for _ in range(runs):
        ask.append(_wall([sys.executable, "-m", "assistant.cli", "ask", question], env))
        bare.append(_wall([sys.executable, "-c", BARE_LOAD.format(model=settings.model)], env))
    return {"ask_wall_s": statistics.median(ask), "bare_wall_s": statistics.median(bare),
            "ask_wall_ratio": statistics.median(ask) / statistics.median(bare), "runs": runs}


def format_cli_ask(c: dict) -> str:
    ok = "ok" if c["ask_wall_ratio"] <= 1.2 else "MISSED"
    return "\n".join([
        f"{'mentor ask, whole process':<44}{c['ask_wall_s']:>11.2f}s",
        f"{'bare import + model load, whole process':<44}{c['bare_wall_s']:>11.2f}s",
        f"{'mentor ask / bare load':<44}{c['ask_wall_ratio']:>11.2f}x  <= 1.2x  {ok} (medians of {c['runs']})",
    ])


def run_bench(settings: Settings, gold: Path, rounds: int = 1, edits: int = 3, cold_runs: int = 3) -> dict:
    bot = Assistant.from_settings(settings)
    cases = load_gold(gold, "all") if gold.exists() else []
    questions = [c.question for c in cases if not c.history] or ["How do I find a mentor?"]
    results = {"machine": {"cpus": os.cpu_count(), "python": sys.version.split()[0]}}
    results["latency"] = bench_latency(bot, questions, rounds)
    results["builds"] = bench_builds(settings, bot, edits)
    results["cold"] = bench_cold_start(settings, cold_runs)
    results["cli"] = bench_cli_ask(settings, cold_runs)
    results["bench_process_peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return results


def format_bench(r: dict) -> str:
    lat, b, c = r["latency"], r["builds"], r["cold"]

    def verdict(ok: bool) -> str:
        return "ok" if ok else "MISSED"

    lines = [
        f"Mentor benchmark ({r['machine']['cpus']} CPUs, Python {r['machine']['python']}; medians unless noted)",
        "",
        f"{'measure':<44}{'value':>12}  target",
        f"{'bare query embedding p50':<44}{lat['embed_p50_ms']:>10.1f}ms",
        f"{'retrieval only p50 / p95':<44}{lat['retrieve_p50_ms']:>6.1f}/{lat['retrieve_p95_ms']:.1f}ms",
        f"{'ask() p50 / p95':<44}{lat['ask_p50_ms']:>6.1f}/{lat['ask_p95_ms']:.1f}ms",
        f"{'ask() p50 / bare embedding':<44}{lat['ask_p50_ratio']:>11.2f}x  <= 1.5x  {verdict(lat['ask_p50_ratio'] <= 1.5)}",
        f"{'ask() p95 / bare embedding':<44}{lat['ask_p95_ratio']:>11.2f}x  <= 3x    {verdict(lat['ask_p95_ratio'] <= 3)}",
        f"{'full index build':<44}{b['full_build_s']:>11.1f}s  ({b['passages']} passages, "
        f"{b['texts_embedded']} texts embedded, {b['passages_per_s']:.0f} passages/s)",
        f"{'incremental rebuild after editing one doc':<44}{b['incremental_s']:>11.2f}s  <= 2s    "
        f"{verdict(b['incremental_s'] <= 2)} ({b['incremental_embedded']:.0f} texts re-embedded)",
        f"{'cold start to first answer':<44}{c['cold_start_s']:>11.2f}s",
        f"{'bare import + model load':<44}{c['bare_load_s']:>11.2f}s",
        f"{'cold start / bare load':<44}{c['cold_start_ratio']:>11.2f}x  <= 1.5x  {verdict(c['cold_start_ratio'] <= 1.5)}",
        format_cli_ask(r["cli"]),
        f"{'peak RSS, serving process':<44}{c['serving_peak_rss_mb']:>9.0f} MB  <= 800   "
        f"{verdict(c['serving_peak_rss_mb'] <= 800)}",
        f"{'peak RSS, this benchmark process':<44}{r['bench_process_peak_rss_mb']:>9.0f} MB",
        f"\n(latency over {lat['questions']} single-turn questions from the gold set, each with a cold query cache)",
    ]
    return "\n".join(lines)


def write_json(r: dict, out: Path) -> None:
    Path(out).write_text(json.dumps(r, indent=2), encoding="utf-8")
