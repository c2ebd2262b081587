"""Optional generated answers: an OpenAI-compatible endpoint rewrites the selected guidance units as
short prose, and every sentence it writes is checked against the unit it cites (assistant.support).

Off unless MENTOR_LLM_URL is set. The endpoint only ever sees the units composition selected, the
conversation and the question, each inside a delimited data block; the instructions live in
assistant/prompts/generate.md, where staff can read and adjust them. Any failure (endpoint down,
too slow, malformed reply, empty or oversized answer, stream cut) gives the extractive answer with a
note, inside MENTOR_LLM_TIMEOUT_S; nothing here raises to the caller.
"""

from __future__ import annotations

import logging
import queue
import re
import threading
import time
import tomllib
from collections.abc import Generator, Iterable
from pathlib import Path
from urllib.parse import urlparse

from assistant.config import Settings
from assistant.models import Answer, Turn

log = logging.getLogger(__name__)

PROMPT_FILE = Path(__file__).resolve().parent / "prompts" / "generate.md"
SECRETS_FILE = Path(".streamlit/secrets.toml")
SECRETS_KEY = "llm_api_key"
CHARS_PER_TOKEN = 6  # generous: English runs at about 4 characters per token
HISTORY_TURNS = 4  # earlier turns shown to the model
SETUP_ALLOWANCE_S = 30.0  # most time importing and building the client may take before the request is sent
HISTORY_CHARS = 600  # of each earlier turn
_DELIMITERS = re.compile(r"</?\s*(?:guidance|unit|conversation|turn|question)\b[^>]*>", re.I)

FALLBACK_NOTES = {
    "timeout": "the language model did not answer in time",
    "unreachable": "the language model could not be reached",
    "malformed": "the language model's reply could not be read",
    "empty": "the language model returned an empty answer",
    "oversized": "the language model's answer was too long",
    "cut": "the language model's answer was cut off",
    "unsupported": "too many of its sentences were not supported by the guidance they cited",
}


class GenerationFailed(Exception):
    """The endpoint gave no usable answer; `reason` is a key of FALLBACK_NOTES."""

    def __init__(self, reason: str, detail: str = ""):
        super().__init__(f"{reason}: {detail}" if detail else reason)
        self.reason = reason


def fallback_note(reason: str) -> str:
    return (f"This answer quotes the guidance directly: a generated answer was not used because "
            f"{FALLBACK_NOTES.get(reason, reason)}.")


def endpoint_host(settings: Settings) -> str:
    """Where questions go when generation is on ("localhost:11434"), or "" when it is off."""
    if not settings.llm_url:
        return ""
    parsed = urlparse(settings.llm_url)
    return parsed.netloc.rsplit("@", 1)[-1]  # never show credentials embedded in a URL


def api_key(settings: Settings, secrets_file: Path = SECRETS_FILE) -> str:
    """The endpoint's key: MENTOR_LLM_API_KEY, else llm_api_key in .streamlit/secrets.toml, else a
    placeholder (local servers ignore it, the client insists on one)."""
    if settings.llm_api_key is not None and settings.llm_api_key.get_secret_value():
        return settings.llm_api_key.get_secret_value()
    try:
        value = tomllib.loads(secrets_file.read_text(encoding="utf-8")).get(SECRETS_KEY)
    except (OSError, tomllib.TOMLDecodeError):
        value = None
    return str(value) if value else "not-needed"


def system_prompt() -> str:
    return PROMPT_FILE.read_text(encoding="utf-8").strip()


def _data(text: str) -> str:
    """Text placed inside a data block, unable to close the block or open another."""
    return _DELIMITERS.sub("", text).strip()


def build_messages(units, question: str, history: Iterable[Turn] = ()) -> list[dict]:
    """The chat messages: the system prompt, then one user message holding the numbered guidance
    units, the conversation and the question as delimited data."""
    lines = ["<guidance>"]
    for unit in units:
        where = f" (under \"{_data(unit.heading)}\")" if unit.heading else ""
        lines.append(f"[{unit.number}]{where} {_data(unit.text)}")
    lines.append("</guidance>")
    turns = [t for t in history if t.content.strip()][-HISTORY_TURNS:]
    lines.append("<conversation>")
    for turn in turns:
        lines.append(f"{turn.role}: {_data(turn.content)[:HISTORY_CHARS]}")
    lines.append("</conversation>")
    lines += ["<question>", _data(question), "</question>",
              "Answer in two to four short sentences, one per line. Each restates one guidance line and ends "
              "with its number, like [1]."]
    return [{"role": "system", "content": system_prompt()}, {"role": "user", "content": "\n".join(lines)}]


def _pump(settings: Settings, messages: list[dict], out: queue.Queue, stop: threading.Event) -> None:
    """Read the endpoint's stream into `out`, in a worker thread so the caller can keep its deadline."""
    try:
        from openai import OpenAI

        client = OpenAI(base_url=settings.llm_url, api_key=api_key(settings), max_retries=0,
                        timeout=settings.llm_timeout_s)
        out.put(("sending", None))  # the deadline starts here, not while the client library imports
        stream = client.chat.completions.create(model=settings.llm_model, messages=messages, stream=True,
                                                max_tokens=settings.llm_max_tokens, temperature=0.2)
        finished = ""
        with stream:
            for event in stream:
                if stop.is_set():
                    return
                for choice in event.choices or []:
                    if choice.delta and choice.delta.content:
                        out.put(("text", choice.delta.content))
                    finished = choice.finish_reason or finished
        out.put(("done", finished))
    except Exception as exc:  # noqa: BLE001 - every failure becomes a fallback, with its reason
        out.put(("error", exc))


def _reason(exc: Exception) -> str:
    name = type(exc).__name__
    if "Timeout" in name:
        return "timeout"
    if "Connection" in name:
        return "unreachable"
    if "RemoteProtocol" in name or "ReadError" in name or "Incomplete" in name:
        return "cut"
    return "malformed"


def stream_text(settings: Settings, messages: list[dict], timing: dict) -> Generator[str, None, str]:
    """Yield the endpoint's text as it arrives; return the whole text.

    Raises GenerationFailed when the endpoint is down, misses the deadline (MENTOR_LLM_TIMEOUT_S for
    the whole answer), replies with something unreadable, stops without finishing, or runs past
    MENTOR_LLM_MAX_TOKENS. `timing["first_token_s"]` is set when the first text arrives.
    """
    # MENTOR_LLM_TIMEOUT_S counts from the request to the endpoint: importing and setting up the client
    # (a second or two on a cold process) gets its own, separate allowance.
    started = time.perf_counter()
    deadline = started + max(SETUP_ALLOWANCE_S, settings.llm_timeout_s)
    limit = settings.llm_max_tokens * CHARS_PER_TOKEN
    out: queue.Queue = queue.Queue()
    stop = threading.Event()
    threading.Thread(target=_pump, args=(settings, messages, out, stop), daemon=True, name="mentor-llm").start()
    parts: list[str] = []
    size = 0
    try:
        while True:
            try:
                kind, value = out.get(timeout=max(0.0, deadline - time.perf_counter()))
            except queue.Empty:
                raise GenerationFailed("timeout", f"no complete answer within {settings.llm_timeout_s:g}s") from None
            if kind == "sending":
                started = time.perf_counter()
                deadline = started + settings.llm_timeout_s
                continue
            if kind == "error":
                from assistant.scrub import scrub

                reason = "cut" if parts and _reason(value) == "unreachable" else _reason(value)
                # An endpoint's error may echo the Authorization header: the key never goes further.
                raise GenerationFailed(reason, scrub(f"{type(value).__name__}: {value}", settings))
            if kind == "done":
                if value not in ("stop", "length", "eos"):
                    raise GenerationFailed("cut", f"stream ended without finishing (finish_reason={value!r})")
                break
            if not parts:
                timing["first_token_s"] = time.perf_counter() - started
            parts.append(value)
            size += len(value)
            if size > limit:
                raise GenerationFailed("oversized", f"more than {limit} characters")
            yield value
    finally:
        stop.set()
    text = "".join(parts).strip()
    if not text:
        raise GenerationFailed("empty")
    return text


def generate_answer(settings: Settings, embedder, extractive: Answer, units, history: Iterable[Turn] = ()
                    ) -> Generator[str, None, Answer]:
    """Stream a generated answer over the units behind `extractive`; return the checked Answer.

    Yields the raw text as it arrives (for display while streaming). Returns the generated answer
    with unsupported sentences removed, or `extractive` marked as a fallback with a note.
    """
    from assistant.support import check_answer

    timing: dict = {}
    started = time.perf_counter()

    def spent() -> dict:
        return {"first_token_ms": round(timing.get("first_token_s", 0.0) * 1000, 1),
                "latency_ms": extractive.latency_ms + (time.perf_counter() - started) * 1000}

    try:
        text = yield from stream_text(settings, build_messages(units, extractive.question, history), timing)
        checked = check_answer(text, units, embedder)
    except GenerationFailed as exc:
        log.warning("generated answer not used (%s); showing the extractive answer", exc)
        return extractive.model_copy(update={"mode": "fallback", "note": fallback_note(exc.reason), **spent()})
    except Exception:  # noqa: BLE001 - a bug in checking must not cost the user an answer
        log.exception("generated answer could not be checked; showing the extractive answer")
        return extractive.model_copy(update={"mode": "fallback", "note": fallback_note("malformed"), **spent()})
    if checked.falls_back:
        log.info("generated answer not used: %d of %d sentences removed", checked.removed, checked.total)
        return extractive.model_copy(update={"mode": "fallback", "removed_sentences": checked.removed,
                                             "note": fallback_note("unsupported"), **spent()})
    cited = checked.cited_numbers
    note = ""
    if checked.removed:
        note = (f"{checked.removed} generated sentence{'s' if checked.removed != 1 else ''} not supported by "
                f"{'their' if checked.removed != 1 else 'its'} cited source {'were' if checked.removed != 1 else 'was'} removed.")
    return extractive.model_copy(update={
        "mode": "generated", "text": checked.text, "removed_sentences": checked.removed, "note": note,
        "citations": [c for c in extractive.citations if c.number in cited], **spent()})
