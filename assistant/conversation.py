"""Conversation handling: normalise history and resolve what a follow-up question refers to.

A follow-up like "what should I say to them?" carries almost no content of its own; searching it
alone finds nothing useful. When a question looks elliptic, the previous user turn is searched
with it. A question with enough content of its own is searched alone, so a topic change is honoured.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass

from assistant.models import Turn
from assistant.lexicon import ANAPHORA, CONNECTIVE, GENERIC_WORDS
from assistant.text import lexical_tokens

@dataclass
class Resolution:
    """How a question is searched."""

    query: str  # text searched (may include the previous user turn)
    standalone: str  # the question as asked
    is_follow_up: bool  # elliptic: searched and judged together with the context
    context: str = ""  # the latest earlier user turn(s), if any


MAX_TURNS = 20  # earlier turns kept (the latest); older ones cannot change an answer
MAX_TURN_CHARS = 4000  # characters kept of each earlier turn
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff]")
_TAGS = re.compile(r"<[^>]{0,200}>")
_SURROGATE = re.compile(r"[\ud800-\udfff]")


class InvalidHistory(ValueError):
    """The conversation history is not a list of turns; the message says what to send instead."""


def valid_text(text: str) -> str:
    """The text as typed, but valid Unicode: a lone surrogate (from a broken client) becomes U+FFFD."""
    return _SURROGATE.sub("\ufffd", text)


def clean_text(text: str) -> str:
    """The text that is searched: NFC, with markup, control characters and lone surrogates removed."""
    text = unicodedata.normalize("NFC", _CONTROL.sub(" ", text))
    text = re.sub(r"(?is)<(script|style)\b.*?</\1\s*>", " ", text)
    text = _TAGS.sub(" ", text)
    return " ".join(text.split())


def question_problem(question, limit: int) -> str | None:
    """A friendly reason a question can't be asked (not text, too long, empty), or None when it is fine."""
    if not isinstance(question, str):
        return f"A question must be text, got {type(question).__name__}."
    if len(question) > limit:
        return (f"Your question is {len(question):,} characters long, and Mentor reads up to {limit:,}. "
                "Please shorten it to the situation and what you want to know, then ask again.")
    if not clean_text(question):
        return "Please type a question, for example: How do I find a mentor?"
    return None


def normalise_history(history: Iterable | None) -> list[Turn]:
    """Accept Turn objects, {"role", "content"} dicts, or plain strings (taken as user turns).

    Keeps the latest MAX_TURNS turns, each cut to MAX_TURN_CHARS, so a huge or hostile history
    costs no more than a normal one.

    Raises:
        InvalidHistory: the history is not a list, or an item is not a user/assistant turn of text.
    """
    if history is None:
        return []
    if isinstance(history, (str, bytes, dict)) or not isinstance(history, Iterable):
        raise InvalidHistory(f"history must be a list of earlier turns, got {type(history).__name__}; "
                             'send e.g. [{"role": "user", "content": "How do I find a mentor?"}]')
    turns: list[Turn] = []
    for n, item in enumerate(list(history)[-MAX_TURNS:], 1):
        if isinstance(item, Turn):
            turn = item
        elif isinstance(item, str):
            turn = Turn(role="user", content=item)
        elif isinstance(item, dict) and isinstance(item.get("content"), str) and item.get("role", "user") in ("user", "assistant"):
            sources = item.get("sources") or []
            if not isinstance(sources, list) or not all(isinstance(s, str) for s in sources):
                raise InvalidHistory(f"history item {n} has sources {str(sources)[:60]!r}; send a list of document ids, "
                                     'e.g. "sources": ["finding-a-mentor"]')
            turn = Turn(role=item.get("role", "user"), content=item["content"], sources=sources[:10])
        else:
            raise InvalidHistory(f"history item {n} is {str(item)[:60]!r}; each turn must be text, or "
                                 '{"role": "user" or "assistant", "content": "text"}')
        turns.append(turn.model_copy(update={"content": turn.content[:MAX_TURN_CHARS]}))
    return turns


def shown_documents(history: list[Turn]) -> list[str]:
    """The documents the latest answer in the conversation quoted (empty when the client sent none)."""
    for turn in reversed(history):
        if turn.role == "assistant":
            return list(turn.sources)
    return []


def content_tokens(text: str) -> list[str]:
    return [t for t in lexical_tokens(text) if t not in GENERIC_WORDS]


def looks_elliptic(question: str) -> bool:
    """True when the question leans on earlier turns for its meaning."""
    content = content_tokens(question)
    if len(content) <= 1:
        return True
    if CONNECTIVE.match(question) and len(content) <= 4:
        return True
    return bool(ANAPHORA.search(question)) and len(content) <= 3


def refers_back(question: str) -> bool:
    """True when the question points at something said earlier ("where do I find them?")."""
    return bool(ANAPHORA.search(question))


def resolve(question: str, history: list[Turn]) -> Resolution:
    """Decide what to search for `question`, given the earlier turns."""
    previous = [t.content for t in history if t.role == "user" and t.content.strip()]
    if not previous:
        return Resolution(query=question, standalone=question, is_follow_up=False)
    if not looks_elliptic(question):
        return Resolution(query=question, standalone=question, is_follow_up=False, context=previous[-1])
    context = previous[-1]
    # A previous turn that was itself elliptic borrows from the one before it.
    if len(previous) > 1 and looks_elliptic(context):
        context = f"{previous[-2]} {context}"
    return Resolution(query=f"{context} {question}", standalone=question, is_follow_up=True, context=context)
