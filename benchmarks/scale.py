"""Cost as the knowledge grows: build time, index size, ask() latency and memory at 1x, 10x, 100x.

    python benchmarks/scale.py --factors 1 10 100 [--cold-up-to 10] [--questions 50] [--json OUT]

A synthetic knowledge base F times the size of knowledge/ is written to a temporary folder: every
real document plus F-1 variants of it, each with its own id (`<id>-v<k>`) and valid front matter,
whose text has about a quarter of its words swapped for other words of the corpus. The variants read
badly, and that is fine: they exist to cost what real documents cost. Every sentence of a variant
differs from every other, so none is found in the embedding cache.

For each factor, in fresh processes so one measure does not colour the next:

- **build**: `build_index` into an empty index folder with an empty embedding cache (cold), timed
  after the model has loaded; passages and texts embedded come from its BuildReport;
- **index size**: the files of the built version (FAISS, passages, sentence and document vectors),
  and the embedding cache beside them;
- **serve**: `Assistant.from_settings` and a first answer (load: index, BM25, the model), then `--questions` single-turn gold questions
  after 5 warm-up ones. Each question clears the query cache, then one bare query embedding and one
  ask() are timed back to back (as `mentor bench` does), so ask() is also given as a ratio to the
  embedding, which the machine's noise moves alike. RSS (VmRSS) after load and after the questions,
  and the peak (VmHWM), come from /proc.

Embedding is what a cold build spends its time on, at about one text per 8 ms per core, so a 100x
cold build (some 320,000 texts) takes most of an hour on two cores. Factors above `--cold-up-to`
(default 10) are therefore built differently: the `--cold-up-to` corpus is repeated under new ids
(`<id>-v<k>-c<n>`) until the factor is reached, and built with that corpus's embedding cache. Its
index, load, ask() and memory are measured as for any other factor (it has the full number of
passages and vectors); its cold build time is a linear extrapolation from the largest cold build,
marked `~`, and its measured warm build (everything but the embedding) is shown beside it.
Nothing is downloaded: HF_HUB_OFFLINE=1.
"""

from __future__ import annotations

import os

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

import argparse  # noqa: E402
import json  # noqa: E402
import random  # noqa: E402
import re  # noqa: E402
import shutil  # noqa: E402
import statistics  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))
GOLD = ROOT / "evaluation" / "gold.jsonl"
WORD = re.compile(r"[A-Za-z]{4,}")
SWAP_SHARE = 0.25  # of the words of four letters or more in each line of a variant


# ---------------------------------------------------------------- the synthetic knowledge base


def proc_kb(field: str) -> float:
    """A /proc/self/status figure (VmRSS, VmHWM) in MB."""
    for line in open("/proc/self/status", encoding="utf-8"):
        if line.startswith(field + ":"):
            return int(line.split()[1]) / 1024
    return 0.0


def perturb(text: str, vocab: list[str], rng: random.Random) -> str:
    """Swap about SWAP_SHARE of each line's longer words (at least one) for corpus words; headings,
    list markers and line breaks stay, so chunking sees the same structure."""
    out = []
    for line in text.split("\n"):
        if line.lstrip().startswith("#") or not line.strip():
            out.append(line)
            continue
        words = list(WORD.finditer(line))
        if not words:
            out.append(line)
            continue
        chosen = set(rng.sample(range(len(words)), max(1, round(len(words) * SWAP_SHARE))))
        pieces, last = [], 0
        for i, match in enumerate(words):
            if i in chosen:
                pieces += [line[last:match.start()], rng.choice(vocab)]
                last = match.end()
        out.append("".join(pieces) + line[last:])
    return "\n".join(out)


def write_document(folder: Path, meta: dict, body: str) -> None:
    import yaml

    header = yaml.safe_dump(meta, sort_keys=False, allow_unicode=True, width=10_000)
    (folder / f"{meta['id']}.md").write_text(f"---\n{header}---\n\n{body}\n", encoding="utf-8")


def synthesise(source: Path, target: Path, factor: int, cold_up_to: int) -> None:
    """Write a knowledge folder `factor` times the size of `source` into `target` (see the module doc)."""
    from assistant.knowledge import SCOPE_FILE, TOPICS_FILE, document_files, load_knowledge

    kb = load_knowledge(source)
    if kb.problems:
        raise SystemExit(f"{source} has problems; run `mentor kb validate` first: {kb.problems[:3]}")
    target.mkdir(parents=True)
    for name in (TOPICS_FILE, SCOPE_FILE):
        if (source / name).exists():
            shutil.copy2(source / name, target / name)
    variants, copies = (factor, 1) if factor <= cold_up_to else (cold_up_to, factor // cold_up_to)
    vocab = sorted({w.lower() for d in kb.documents for w in WORD.findall(d.body)})
    originals = {p.stem: p for p in document_files(source)}
    for doc in kb.documents:
        for k in range(variants):
            if k == 0:
                meta, body = None, None
            else:
                rng = random.Random(f"{doc.id}/{k}")
                meta = {"id": f"{doc.id}-v{k}", "title": f"{doc.title}, variant {k}", "topics": list(doc.topics),
                        "audience": list(doc.audience), "summary": perturb(doc.summary, vocab, rng),
                        "updated": doc.updated}
                body = perturb(doc.body, vocab, rng)
            for c in range(copies):
                if meta is None:  # the real document, as written
                    if c == 0:
                        shutil.copy2(originals[doc.id], target / originals[doc.id].name)
                    else:
                        text = originals[doc.id].read_text(encoding="utf-8")
                        write_document(target, _copy_meta(doc, f"{doc.id}-c{c}"), text.split("---", 2)[2].strip())
                else:
                    write_document(target, dict(meta, id=meta["id"] + (f"-c{c}" if c else "")), body)


def _copy_meta(doc, new_id: str) -> dict:
    return {"id": new_id, "title": doc.title, "topics": list(doc.topics), "audience": list(doc.audience),
            "summary": doc.summary, "updated": doc.updated}


def folder_mb(path: Path, exclude: str | None = None) -> float:
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file() and f.name != exclude) / 1e6


# ---------------------------------------------------------------- phases, each in a fresh process


def phase_build(knowledge: Path, index: Path) -> dict:
    from assistant.config import Settings
    from assistant.embedding import Embedder
    from assistant.index import build_index

    settings = Settings(knowledge_dir=knowledge, index_dir=index)
    embedder = Embedder(settings.model)
    embedder.encode(["warm the model up"])
    started = time.perf_counter()
    report = build_index(settings, embedder)
    wall = time.perf_counter() - started
    return {"build_s": wall, "passages": report.passages, "embedded": report.embedded, "cached": report.cached,
            "build_peak_rss_mb": proc_kb("VmHWM")}


def phase_serve(knowledge: Path, index: Path, questions: list[str]) -> dict:
    from assistant.config import Settings
    from assistant.pipeline import Assistant

    settings = Settings(knowledge_dir=knowledge, index_dir=index, auto_rebuild=False)
    started = time.perf_counter()
    bot = Assistant.from_settings(settings)
    bot.ask(questions[0])  # the model loads on the first question
    load_s = time.perf_counter() - started
    rss_loaded = proc_kb("VmRSS")
    for q in questions[1:5]:
        bot.ask(q)
    embed, ask, statuses = [], [], []
    for q in questions[5:]:
        bot.clear_query_cache()
        t = time.perf_counter(); bot.embedder.encode([q]); embed.append(time.perf_counter() - t)  # noqa: E702
        bot.clear_query_cache()
        t = time.perf_counter(); answer = bot.ask(q); ask.append(time.perf_counter() - t)  # noqa: E702
        statuses.append(answer.status)
    ms = lambda values, q: float(statistics.quantiles(values, n=100, method="inclusive")[q - 1] * 1000)  # noqa: E731
    return {"load_s": load_s, "questions": len(ask), "embed_p50_ms": statistics.median(embed) * 1000,
            "ask_p50_ms": statistics.median(ask) * 1000, "ask_p95_ms": ms(ask, 95),
            "ask_per_embed": statistics.median(ask) / statistics.median(embed),
            "answered": statuses.count("answered"), "rss_loaded_mb": rss_loaded,
            "rss_after_mb": proc_kb("VmRSS"), "peak_rss_mb": proc_kb("VmHWM")}


def run_phase(*args: str) -> dict:
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])))
    out = subprocess.run([sys.executable, __file__, "--phase", *args], cwd=ROOT, env=env,
                         capture_output=True, text=True, timeout=6 * 3600)
    if out.returncode != 0:
        raise SystemExit(f"phase {args[0]} failed:\n{out.stderr[-3000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


# ---------------------------------------------------------------- report


def format_table(rows: list[dict]) -> str:
    head = (f"{'size':>5} {'docs':>6} {'passages':>8} {'texts':>8} {'cold build':>11} {'warm build':>10} "
            f"{'index':>8} {'emb cache':>9} {'load':>6} {'ask p50':>8} {'ask p95':>8} {'ask/emb':>7} "
            f"{'RSS loaded':>10} {'RSS after':>9} {'peak RSS':>8}")
    lines = [head]
    for r in rows:
        cold = f"{'~' if r['extrapolated'] else ''}{r['cold_build_s']:.0f} s"
        warm = f"{r['warm_build_s']:.0f} s" if r.get("warm_build_s") is not None else "-"
        lines.append(
            f"{r['factor']:>4}x {r['documents']:>6,} {r['passages']:>8,} {r['texts']:>8,} {cold:>11} {warm:>10} "
            f"{r['index_mb']:>5.0f} MB {r['cache_mb']:>6.0f} MB {r['load_s']:>5.1f}s {r['ask_p50_ms']:>6.1f}ms "
            f"{r['ask_p95_ms']:>6.1f}ms {r['ask_per_embed']:>6.2f}x {r['rss_loaded_mb']:>7.0f} MB "
            f"{r['rss_after_mb']:>6.0f} MB {r['peak_rss_mb']:>5.0f} MB")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--factors", type=int, nargs="+", default=[1, 10, 100], help="sizes, as multiples of knowledge/")
    parser.add_argument("--cold-up-to", type=int, default=10,
                        help="largest factor built cold; larger ones repeat it (see above). Must divide them")
    parser.add_argument("--questions", type=int, default=50, help="timed single-turn gold questions per size")
    parser.add_argument("--knowledge", type=Path, default=ROOT / "knowledge", help="the real knowledge folder")
    parser.add_argument("--keep", type=Path, help="write the synthetic folders and indexes here, and keep them")
    parser.add_argument("--reuse", action="store_true",
                        help="with --keep: serve from a cold build kept by an earlier run (its build figures "
                             "are that run's) instead of building it again")
    parser.add_argument("--json", metavar="OUT", help="also write the rows as JSON")
    parser.add_argument("--phase", nargs="+", help=argparse.SUPPRESS)  # internal: one measure in a fresh process
    args = parser.parse_args(argv)

    if args.phase:
        kind, knowledge, index = args.phase[0], Path(args.phase[1]), Path(args.phase[2])
        result = (phase_build(knowledge, index) if kind == "build"
                  else phase_serve(knowledge, index, json.loads(Path(args.phase[3]).read_text(encoding="utf-8"))))
        print(json.dumps(result))
        return 0

    big = [f for f in args.factors if f > args.cold_up_to]
    if any(f % args.cold_up_to for f in big):
        parser.error(f"--cold-up-to {args.cold_up_to} must divide every larger factor, got {big}")
    if args.cold_up_to not in args.factors and big:
        args.factors = sorted({*args.factors, args.cold_up_to})  # the larger ones reuse its cache
    cases = [json.loads(line) for line in GOLD.read_text(encoding="utf-8").splitlines() if line.strip()]
    questions = [c["question"] for c in cases if not c.get("history")][: args.questions + 5]

    if args.reuse and not args.keep:
        parser.error("--reuse needs --keep DIR: the folder an earlier run kept its builds in")
    workdir = args.keep or Path(tempfile.mkdtemp(prefix="mentor-scale-"))
    workdir.mkdir(parents=True, exist_ok=True)
    (workdir / "questions.json").write_text(json.dumps(questions), encoding="utf-8")
    rows, cold = [], {}
    try:
        for factor in sorted(args.factors):
            knowledge, index = workdir / f"knowledge-{factor}x", workdir / f"index-{factor}x"
            extrapolated = factor > args.cold_up_to
            kept = workdir / f"build-{factor}x.json"
            if args.reuse and not extrapolated and kept.exists() and (index / "CURRENT").exists():
                build = json.loads(kept.read_text(encoding="utf-8"))
                print(f"{factor}x: reusing the kept cold build ({build['build_s']:.0f}s); serving...", file=sys.stderr)
            else:
                for path in (knowledge, index):
                    shutil.rmtree(path, ignore_errors=True)
                started = time.perf_counter()
                synthesise(args.knowledge, knowledge, factor, args.cold_up_to)
                print(f"{factor}x: wrote {len(list(knowledge.glob('*.md'))):,} documents in "
                      f"{time.perf_counter() - started:.0f}s; building...", file=sys.stderr)
                if extrapolated:  # reuse the largest cold corpus's vectors: every text is already embedded
                    index.mkdir(parents=True)
                    shutil.copy2(workdir / f"index-{args.cold_up_to}x" / "embedding-cache.sqlite", index)
                build = run_phase("build", str(knowledge), str(index))
                if args.keep:  # --reuse serves from this build again later, without repeating it
                    kept.write_text(json.dumps(build), encoding="utf-8")
            print(f"  built in {build['build_s']:.0f}s ({build['passages']:,} passages, {build['embedded']:,} "
                  f"texts embedded, {build['cached']:,} cached); serving...", file=sys.stderr)
            serve = run_phase("serve", str(knowledge), str(index), str(workdir / "questions.json"))
            version = index / (index / "CURRENT").read_text(encoding="utf-8").strip()
            row = {"factor": factor, "documents": len(list(knowledge.glob("*.md"))), "passages": build["passages"],
                   "extrapolated": extrapolated, "index_mb": folder_mb(version),
                   "cache_mb": (index / "embedding-cache.sqlite").stat().st_size / 1e6,
                   "build_peak_rss_mb": build["build_peak_rss_mb"], **serve}
            if extrapolated:
                base = cold[args.cold_up_to]
                row["texts"] = base["embedded"] * factor // args.cold_up_to
                row["cold_build_s"] = base["build_s"] * factor / args.cold_up_to
                row["warm_build_s"] = build["build_s"]
            else:
                cold[factor] = build
                row["texts"] = build["embedded"]
                row["cold_build_s"] = build["build_s"]
                row["warm_build_s"] = None
            rows.append(row)
            print(f"  load {serve['load_s']:.1f}s, ask() p50 {serve['ask_p50_ms']:.1f} ms "
                  f"({serve['ask_per_embed']:.2f}x an embedding), RSS {serve['rss_after_mb']:.0f} MB", file=sys.stderr)
            if not args.keep and factor not in (args.cold_up_to,):
                shutil.rmtree(knowledge, ignore_errors=True)
                shutil.rmtree(index, ignore_errors=True)
    finally:
        if not args.keep:
            shutil.rmtree(workdir, ignore_errors=True)
    rows = [r for r in rows if r["factor"] in args.factors]
    sizes = ", ".join(f"{r['factor']}x" for r in rows)
    print(f"\nKnowledge base at {sizes} of knowledge/ "
          f"({os.cpu_count()} CPUs); ask() over {args.questions} single-turn gold questions, cache cleared each time")
    print(format_table(rows))
    if any(r["extrapolated"] for r in rows):
        print(f"~ cold build extrapolated linearly from the {args.cold_up_to}x cold build; the warm build is "
              "measured (same texts, vectors from the embedding cache)")
    if args.json:
        Path(args.json).write_text(json.dumps({"machine": {"cpus": os.cpu_count(), "python": sys.version.split()[0]},
                                               "rows": rows}, indent=2), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
