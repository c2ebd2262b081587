"""Small text helpers shared by chunking, retrieval and composition."""

from __future__ import annotations

import difflib
import hashlib
import re
import unicodedata

_SLUG_RE = re.compile(r"[^a-z0-9]+")
# A sentence ends at . ! or ? followed by space and something that starts a new sentence.
# A closing quote or bracket stays with its sentence: 'ask "how was it?"' must not lose its '"'.
_SENTENCE_END = re.compile(r"(?:(?<=[.!?])|(?<=[.!?][\"”')\]]))\s+(?=[A-Z0-9\"“'(\[*])")
_LIST_ITEM = re.compile(r"^\s*(?:[-*+]|\d+[.)])\s+")
_WORD = re.compile(r"[A-Za-z0-9][A-Za-z0-9'’-]*")


def slugify(text: str) -> str:
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return _SLUG_RE.sub("-", text.lower()).strip("-") or "section"


def sha256(data: str | bytes) -> str:
    """Hex sha256 of text (as UTF-8) or bytes. For a file on disk, see files.file_sha256."""
    return hashlib.sha256(data.encode("utf-8") if isinstance(data, str) else data).hexdigest()


def did_you_mean(value: str, choices) -> str:
    """' (did you mean 'x'?)' when a close match exists, else ''."""
    choices = list(choices)
    match = difflib.get_close_matches(str(value), choices, n=1, cutoff=0.6)
    if not match:
        # Same words in another order or form: "goal-setting" -> "setting-goals".
        def key(s: str) -> str:
            return "-".join(sorted(part.rstrip("s") for part in re.split(r"[-_ ]+", s.lower()) if part))
        by_key = {key(c): c for c in choices}
        near = difflib.get_close_matches(key(str(value)), list(by_key), n=1, cutoff=0.75)
        match = [by_key[near[0]]] if near else []
    return f" (did you mean '{match[0]}'?)" if match else ""


def words(text: str) -> list[str]:
    return _WORD.findall(text)


def word_count(text: str) -> int:
    return len(words(text))


def split_sentences(paragraph: str) -> list[str]:
    """Split running prose into sentences; keeps abbreviations like 'e.g.' together."""
    paragraph = " ".join(paragraph.split())
    if not paragraph:
        return []
    parts = _SENTENCE_END.split(paragraph)
    out: list[str] = []
    for part in parts:
        part = part.strip()
        if not part:
            continue
        # Re-join splits after common abbreviations.
        if out and re.search(r"(\b(e\.g|i\.e|etc|vs|Dr|Mr|Ms|Mx|St)|(^|\s)[A-Z])\.$", out[-1]):  # "George T. Doran"
            out[-1] = f"{out[-1]} {part}"
        else:
            out.append(part)
    return out


def answer_blocks(text: str) -> list[tuple[str, list[str]]]:
    """A passage's paragraphs and lists in reading order: ("prose", sentences), ("list", items) or
    ("steps", items) for a numbered list.

    A list item stays whole (it is one step or point); a prose paragraph is split into sentences.
    Units shorter than two words are dropped, as `answer_units` drops them.
    """
    blocks: list[tuple[str, list[str]]] = []
    item: list[str] = []
    para: list[str] = []
    numbered = [False]

    def add(kind: str, units: list[str]) -> None:
        units = [u for u in units if word_count(u) >= 2]
        if not units:
            return
        if kind != "prose" and blocks and blocks[-1][0] == kind:
            blocks[-1][1].extend(units)  # items of one list, even when a continuation line split them
        else:
            blocks.append((kind, units))

    def flush_item():
        if item:
            add("steps" if numbered[0] else "list", [" ".join(" ".join(item).split())])
            item.clear()

    def flush_para():
        if para:
            add("prose", split_sentences(" ".join(para)))
            para.clear()

    for raw in text.splitlines():
        line = raw.rstrip()
        stripped = line.strip().lstrip(">").strip()
        if not stripped:
            flush_item()
            flush_para()
            if blocks and blocks[-1][0] != "prose":
                blocks.append(("break", []))  # a blank line ends a list
            continue
        if _LIST_ITEM.match(stripped):
            flush_item()
            flush_para()
            numbered[0] = stripped[0].isdigit()
            item.append(_LIST_ITEM.sub("", stripped, count=1))
        elif item and (line.startswith("  ") or line.startswith("\t")):
            item.append(stripped)  # continuation of a list item
        else:
            flush_item()
            para.append(stripped)
    flush_item()
    flush_para()
    return [b for b in blocks if b[0] != "break"]


def answer_units(text: str) -> list[str]:
    """Break a passage into quotable units: each list item, and each sentence of prose."""
    return [unit for _, units in answer_blocks(text) for unit in units]


def clean_unit(unit: str) -> str:
    """A unit as it reads inside an answer: no trailing colon, ends with punctuation."""
    unit = unit.strip()
    if unit.endswith(":"):
        unit = unit[:-1] + "."
    if unit and unit[-1] not in ".!?\"”')*":
        unit += "."
    return unit


_STEMMER = None
_STOPWORDS: frozenset[str] | None = None
_TOKEN = re.compile(r"[a-z0-9]+(?:'[a-z]+)?")


def stopwords() -> frozenset[str]:
    global _STOPWORDS
    if _STOPWORDS is None:
        from bm25s.stopwords import STOPWORDS_EN

        _STOPWORDS = frozenset(STOPWORDS_EN) | {
            "i'm", "i've", "i'd", "don't", "can't", "im", "ive", "dont", "cant", "would", "could", "should", "also",
            "get", "got", "really", "ok", "okay", "me", "my", "mine", "myself", "we", "our", "ours", "us", "you",
            "your", "yours", "he", "him", "his", "she", "her", "hers", "its", "who", "whom", "what", "which", "how",
            "do", "does", "did", "am", "u", "ur", "pls", "please", "hi", "hey", "thanks"}
    return _STOPWORDS


def lexical_tokens(text: str) -> list[str]:
    """Lower-cased, stop-word-free, Snowball-stemmed tokens for BM25 and lexical signals."""
    global _STEMMER
    if _STEMMER is None:
        import Stemmer

        _STEMMER = Stemmer.Stemmer("english")
    stop = stopwords()
    raw = [t.split("'")[0] for t in _TOKEN.findall(text.lower().replace("’", "'"))]
    raw = [t for t in raw if t not in stop]
    return _STEMMER.stemWords([t for t in raw if t not in stop and len(t) > 1])
