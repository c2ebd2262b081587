"""Mentor beside two off-the-shelf retrievers on one gold file (issue 9).

    python benchmarks/peers.py evaluation/holdout.jsonl [--split all|tune|test] [--json OUT]

Runs in its own venv (.venv-peers, see benchmarks/README.md), never in the product's: LangChain and
LlamaIndex are not Mentor dependencies.

Systems, all with the same packaged all-MiniLM-L6-v2 (resolved exactly as Mentor resolves it):
- LangChain FAISS: RecursiveCharacterTextSplitter(chunk_size=1000, chunk_overlap=200),
  HuggingFaceEmbeddings, FAISS.from_documents, otherwise defaults.
- LlamaIndex: VectorStoreIndex.from_documents with its default SentenceSplitter, HuggingFaceEmbedding,
  no LLM (Settings.llm = None), searched through index.as_retriever (no query engine).
- Mentor (ranking): the documents Mentor's retrieval ranks, in order (what `mentor eval` scores).
- Mentor (answer): the documents the reader is shown, in order: the one the answer quotes, then its related
  links; a declined answer is a miss. Follow-ups are asked after the earlier turns' own answers, as the chat asks them.

Both peers index each document's Markdown body under a `# Title` line, as a plain loader would see
the file, with the front matter's id and topics kept as metadata (not embedded). A peer never
declines, and answers a follow-up with the turns joined: " ".join(history + [question]).

Metrics, over in-scope cases only (the same definitions as `mentor eval`):
- topic hit@1 / @3: single-turn cases whose top 1 / top 3 distinct documents include an expected topic;
- follow-up hit@3: the same @3 over cases with a non-empty history.
"""

from __future__ import annotations

import os

# No network at run time: never reach for a model hub. Set before any Hugging Face import.
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")

import argparse  # noqa: E402
import contextlib  # noqa: E402
import io  # noqa: E402
import json  # noqa: E402
import logging  # noqa: E402
import statistics  # noqa: E402
import sys  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
import warnings  # noqa: E402
from dataclasses import dataclass, field  # noqa: E402
from pathlib import Path  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
LANGCHAIN, LLAMAINDEX = "LangChain FAISS", "LlamaIndex"
MENTOR_RANKING, MENTOR_ANSWER = "Mentor (ranking)", "Mentor (answer)"
COLUMNS = [LANGCHAIN, LLAMAINDEX, MENTOR_RANKING, MENTOR_ANSWER]
METRICS = [("topic hit@1", "topic_hit@1"), ("topic hit@3", "topic_hit@3"), ("follow-up hit@3", "follow_up_hit@3")]


@dataclass
class Case:
    id: str
    question: str
    history: list[str]
    expected_topics: list[str]
    split: str

    @property
    def follow_up(self) -> bool:
        return bool(self.history)


@dataclass
class System:
    """One column (or, for Mentor, the two columns one run fills): its setup cost and per-case rankings."""

    name: str
    setup_s: float = 0.0
    index_note: str = ""
    latencies_ms: list[float] = field(default_factory=list)
    ranked: dict[str, dict[str, list[str]]] = field(default_factory=dict)  # column -> case id -> doc ids


def load_cases(path: Path, split: str) -> list[Case]:
    """In-scope cases of a gold file (see assistant/quality/evaluation.py for the format), filtered by split."""
    cases = []
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except ValueError as exc:
            raise SystemExit(f"{path}:{n}: not valid JSON ({exc})") from exc
        if row.get("out_of_scope"):
            continue
        case = Case(id=str(row["id"]), question=row["question"], history=list(row.get("history") or []),
                    expected_topics=list(row.get("expected_topics") or []), split=row.get("split", "test"))
        if split == "all" or case.split == split:
            cases.append(case)
    return cases


def distinct(doc_ids) -> list[str]:
    seen: list[str] = []
    for doc_id in doc_ids:
        if doc_id not in seen:
            seen.append(doc_id)
    return seen


def peer_query(case: Case) -> str:
    return " ".join(case.history + [case.question])


def peer_text(doc) -> str:
    """What a plain Markdown loader would index: the title as a heading, then the body."""
    return f"# {doc.title}\n\n{doc.body}"


@contextlib.contextmanager
def quiet():
    """Silence the libraries' banners and progress output while they load or build."""
    with warnings.catch_warnings(), contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
        warnings.simplefilter("ignore")
        yield


def run_langchain(documents, model_path: str, cases: list[Case], k: int) -> System:
    from langchain_community.vectorstores import FAISS
    from langchain_core.documents import Document
    from langchain_huggingface import HuggingFaceEmbeddings
    from langchain_text_splitters import RecursiveCharacterTextSplitter

    system = System(LANGCHAIN)
    started = time.perf_counter()
    with quiet():
        embeddings = HuggingFaceEmbeddings(model_name=model_path)
        docs = [Document(page_content=peer_text(d), metadata={"id": d.id, "topics": list(d.topics)}) for d in documents]
        chunks = RecursiveCharacterTextSplitter(chunk_size=1000, chunk_overlap=200).split_documents(docs)
        store = FAISS.from_documents(chunks, embeddings)
    system.setup_s = time.perf_counter() - started
    system.index_note = f"{len(chunks)} chunks"
    retriever = store.as_retriever(search_kwargs={"k": k})
    ranked = system.ranked.setdefault(LANGCHAIN, {})
    for case in cases:
        started = time.perf_counter()
        found = retriever.invoke(peer_query(case))
        system.latencies_ms.append((time.perf_counter() - started) * 1000)
        ranked[case.id] = distinct(c.metadata["id"] for c in found)
    return system


def run_llamaindex(documents, model_path: str, cases: list[Case], k: int) -> System:
    from llama_index.core import Document, Settings, VectorStoreIndex
    from llama_index.embeddings.huggingface import HuggingFaceEmbedding

    system = System(LLAMAINDEX)
    started = time.perf_counter()
    with quiet():
        Settings.llm = None  # retrieval only: no OpenAI LLM (prints "LLM is explicitly disabled")
        embed_model = HuggingFaceEmbedding(model_name=model_path)
        meta_keys = ["id", "topics"]
        docs = [Document(text=peer_text(d), id_=d.id, metadata={"id": d.id, "topics": list(d.topics)},
                         excluded_embed_metadata_keys=meta_keys, excluded_llm_metadata_keys=meta_keys)
                for d in documents]
        index = VectorStoreIndex.from_documents(docs, embed_model=embed_model)
    system.setup_s = time.perf_counter() - started
    system.index_note = f"{len(index.docstore.docs)} nodes"
    retriever = index.as_retriever(similarity_top_k=k)
    ranked = system.ranked.setdefault(LLAMAINDEX, {})
    for case in cases:
        started = time.perf_counter()
        found = retriever.retrieve(peer_query(case))
        system.latencies_ms.append((time.perf_counter() - started) * 1000)
        ranked[case.id] = distinct(n.node.metadata["id"] for n in found)
    return system


def run_mentor(cases: list[Case], fresh_index: bool) -> System:
    from assistant import Assistant, Settings

    system = System("Mentor")
    with contextlib.ExitStack() as stack:
        overrides = {}
        if fresh_index:  # a like-for-like build time: from nothing, no embedding cache, in a throwaway folder
            overrides["index_dir"] = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="mentor-peers-")))
        settings = Settings(**overrides)
        started = time.perf_counter()
        with quiet():
            bot = Assistant.from_settings(settings)
            embedder = getattr(bot, "embedder", None)
            if embedder is not None:
                embedder.model  # loads lazily otherwise; count it in setup, as the peers' model load is
        system.setup_s = time.perf_counter() - started
        build = bot.last_build
        if build is not None and build.built:
            system.index_note = (f"built now: {build.passages} passages; {build.embedded} texts embedded, "
                                 f"{build.cached} from cache")
        else:
            system.index_note = f"loaded from {settings.index_dir}/ (built earlier)"
        ranking, answer = system.ranked.setdefault(MENTOR_RANKING, {}), system.ranked.setdefault(MENTOR_ANSWER, {})
        clear = getattr(bot, "clear_query_cache", None)
        # A follow-up is asked as the chat asks it: after the earlier turns' own answers, which the chat
        # passes back with the documents they showed (the peers just join the turns).
        try:
            from assistant.quality.evaluation import replay
            history = {case.id: replay(bot, case.history) for case in cases}
        except ImportError:  # an older Mentor: user turns only
            history = {case.id: case.history for case in cases}
        for case in cases:
            if clear:
                clear()  # every question pays for its own embedding, as in `mentor eval`
            started = time.perf_counter()
            reply, found = bot.ask_with_retrieval(case.question, history[case.id])
            system.latencies_ms.append((time.perf_counter() - started) * 1000)
            ranking[case.id] = found.doc_ranking() if found is not None else []
            # What the reader is shown: the quoted document, then the related sections linked under it.
            shown = [*reply.doc_ids, *(r.doc_id for r in getattr(reply, "related", []))]
            answer[case.id] = distinct(shown) if reply.status == "answered" else []
    return system


def score(cases: list[Case], ranked: dict[str, list[str]], topics: dict[str, list[str]]) -> dict:
    def hit(case: Case, k: int) -> bool:
        want = set(case.expected_topics)
        return any(want & set(topics.get(d, [])) for d in ranked.get(case.id, [])[:k])

    single = [c for c in cases if not c.follow_up]
    follow = [c for c in cases if c.follow_up]

    def mean(flags: list[bool]) -> float | None:
        return round(sum(flags) / len(flags), 4) if flags else None

    return {"topic_hit@1": mean([hit(c, 1) for c in single]), "topic_hit@3": mean([hit(c, 3) for c in single]),
            "follow_up_hit@3": mean([hit(c, 3) for c in follow]),
            "n": {"topic_hit@1": len(single), "topic_hit@3": len(single), "follow_up_hit@3": len(follow)}}


def format_table(gold: Path, split: str, cases: list[Case], scores: dict, systems: list[System], peer_k: int) -> str:
    follow = sum(c.follow_up for c in cases)
    lines = [f"Peers on {gold} (split: {split}): {len(cases)} in-scope cases, "
             f"{len(cases) - follow} single-turn, {follow} follow-ups", ""]
    width = max(len(c) for c in COLUMNS) + 2
    lines.append(f"{'metric':<18}{'n':>5}" + "".join(f"{c:>{width}}" for c in COLUMNS))
    for label, key in METRICS:
        n = scores[COLUMNS[0]]["n"][key]
        cells = []
        for column in COLUMNS:
            value = scores[column][key]
            cells.append(f"{'-' if value is None else f'{value:.3f}':>{width}}")
        lines.append(f"{label:<18}{n:>5}" + "".join(cells))
    lines.append("")
    lines.append(f"{'system':<18}{'setup (s)':>10}{'query p50 (ms)':>16}  index")
    for system in systems:
        p50 = statistics.median(system.latencies_ms) if system.latencies_ms else float("nan")
        lines.append(f"{system.name:<18}{system.setup_s:>10.1f}{p50:>16.1f}  {system.index_note}")
    lines.append("")
    lines.append(f"Peers: top {peer_k} chunks per query, deduplicated to documents in rank order; a follow-up is "
                 "searched with the turns joined; peers never decline.")
    lines.append("Mentor: one ask() per case fills both columns; a declined answer cites nothing and counts as a miss.")
    lines.append("Setup = model load + chunking + embedding + indexing (Mentor: Assistant.from_settings). "
                 "Query = peer retriever call / Mentor ask().")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Mentor beside a LangChain FAISS and a LlamaIndex retriever on one gold file.")
    parser.add_argument("gold", type=Path, help="gold file, e.g. evaluation/holdout.jsonl")
    parser.add_argument("--split", default="all", help="tune, test or all (default: all)")
    parser.add_argument("--json", dest="json_out", metavar="OUT", type=Path, help="also save the figures and per-case rankings here")
    parser.add_argument("--peer-k", type=int, default=10,
                        help="chunks each peer retrieves per query before deduplicating to documents (default: 10)")
    parser.add_argument("--fresh-index", action="store_true",
                        help="build Mentor's index from scratch in a temporary folder (a build time comparable to "
                             "the peers') instead of loading the project's index/")
    args = parser.parse_args(argv)

    gold = args.gold.resolve()
    json_out = args.json_out.resolve() if args.json_out else None
    if not gold.is_file():
        parser.error(f"{args.gold} does not exist")
    os.chdir(ROOT)  # Mentor's settings (knowledge/, index/, .env) are relative to the project root
    sys.path.insert(0, str(ROOT))
    for name in ("sentence_transformers", "transformers", "llama_index", "langchain", "faiss"):
        logging.getLogger(name).setLevel(logging.ERROR)

    with quiet():  # torch's first import is paid here, not by whichever system happens to run first
        import langchain_community.vectorstores  # noqa: F401  (warns that the package is being sunset)
        import sentence_transformers  # noqa: F401

    from assistant import Settings
    from assistant.embedding import resolve_model
    from assistant.knowledge import load_knowledge

    settings = Settings()
    kb = load_knowledge(settings.knowledge_dir)
    if kb.problems:
        raise SystemExit(f"fix the knowledge folder first (`mentor kb validate`): {kb.problems[0]}")
    topics = {d.id: list(d.topics) for d in kb.documents}
    model_path = resolve_model(settings.model)
    cases = load_cases(gold, args.split)
    if not cases:
        parser.error(f"no in-scope cases in {args.gold} for split '{args.split}'")
    shown = args.gold if not args.gold.is_absolute() else gold
    print(f"{len(kb.documents)} documents, model {model_path}; {len(cases)} in-scope cases from {shown}", file=sys.stderr)

    systems = []
    for label, run in ((LANGCHAIN, lambda: run_langchain(kb.documents, model_path, cases, args.peer_k)),
                       (LLAMAINDEX, lambda: run_llamaindex(kb.documents, model_path, cases, args.peer_k)),
                       ("Mentor", lambda: run_mentor(cases, args.fresh_index))):
        print(f"running {label}...", file=sys.stderr)
        systems.append(run())

    ranked = {column: docs for s in systems for column, docs in s.ranked.items()}
    scores = {column: score(cases, ranked[column], topics) for column in COLUMNS}
    print(format_table(shown, args.split, cases, scores, systems, args.peer_k))

    if json_out:
        report = {
            "file": str(shown), "split": args.split, "model": settings.model, "peer_k": args.peer_k,
            "cases": len(cases), "follow_ups": sum(c.follow_up for c in cases),
            "metrics": scores,
            "systems": {s.name: {"setup_s": round(s.setup_s, 3), "index": s.index_note,
                                 "query_p50_ms": round(statistics.median(s.latencies_ms), 2) if s.latencies_ms else None}
                        for s in systems},
            "per_case": [{"id": c.id, "question": c.question, "history": c.history, "expected_topics": c.expected_topics,
                          **{column: ranked[column].get(c.id, [])[:3] for column in COLUMNS}} for c in cases],
        }
        json_out.parent.mkdir(parents=True, exist_ok=True)
        json_out.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
        print(f"\nsaved {json_out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
