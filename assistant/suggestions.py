"""Follow-up suggestions: related sections the answer did not quote, phrased as the reader's own questions."""

from __future__ import annotations

import re

from assistant.models import AskerRole, Related
from assistant.retrieval import Hit
from assistant.roles import addresses


# Words after which "you" is an object ("for you" -> "for me"); elsewhere it is the subject ("I").
_OBJECTS = ("about|at|by|for|from|into|of|on|to|with|without|within|ask|asked|tell|told|help|helps|"
            "give|gave|let|back|call|meet|sponsor")
# The reader's words for the ones a heading addresses to them, in the order they are applied.
_FIRST_PERSON = ((r"\byou're\b", "I'm"), (r"\byou are\b", "I am"), (r"\bare you\b", "am I"),
                 (r"\byou were\b", "I was"), (r"\byourself\b", "myself"), (r"\byours\b", "mine"),
                 (r"\byour\b", "my"), (rf"\b({_OBJECTS})\s+you\b", r"\1 me"),
                 (r"(?<!thank )\byou$", "me"), (r"(?<!thank )\byou\b", "I"))
# Imperative headings ("Keep check-ins short") become "How do I ...?".
_IMPERATIVES = {"agree", "ask", "avoid", "brief", "build", "celebrate", "check", "choose", "close", "decide",
                "define", "design", "earn", "end", "find", "follow", "get", "give", "invite", "keep", "lead",
                "learn", "let", "listen", "look", "make", "match", "measure", "move", "name", "offer", "pair",
                "pilot", "plan", "prepare", "protect", "recruit", "review", "run", "say", "send", "set", "share",
                "start", "stay", "stop", "support", "take", "talk", "tell", "test", "thank", "track", "train",
                "try", "turn", "use", "win", "write"}
# Words ending in -ing that open a noun phrase rather than an activity.
_NOT_GERUNDS = {"meaning", "feeling", "feelings", "something", "nothing", "anything", "everything", "morning",
                "evening", "thing", "things", "during", "ongoing", "opening", "warning", "working", "existing",
                "bring", "spring", "string"}
# Words that may open a noun phrase before its head ("common pitfalls", "red flags").
_ADJECTIVES = {"common", "warning", "red", "ground", "small", "practical", "other", "key"}
# A noun phrase's head is its last word before one of these ("the hidden rules | of ...").
_BOUNDARIES = {"of", "for", "that", "to", "in", "with", "on", "at", "when", "who", "which", "worth", "a", "an",
               "and", "or", "about", "from", "by", "can", "the", "it", "is", "are", "i", "my", "without",
               "between", "during", "compared", "back"}
# Words that say nothing about a subject: a question with few others borrows its document's title.
_THIN = {"a", "an", "the", "i", "me", "my", "mine", "myself", "it", "its", "this", "that", "these", "those",
         "what", "how", "when", "where", "who", "whom", "which", "why", "if", "do", "does", "should", "shouldn’t",
         "can", "is", "are", "am", "be", "was", "to", "of", "in", "on", "for", "with", "and", "or", "not", "at",
         "signs", "sign", "pitfalls", "pitfall", "tips", "ideas", "common", "working", "work", "works", "well",
         "good", "better", "right", "tell", "show", "about", "some", "other", "steps", "step", "five", "things",
         "thing", "there", "them", "they", "one", "first", "before", "after", "ways", "way", "mentor", "mentee",
         "mentoring", "mentors", "mentees", "avoid", "watch", "time", "check", "ask", "say", "send", "start",
         "try", "move", "handle", "fix", "side", "gets", "life", "yes"}


def as_question(heading: str, title: str) -> str | None:
    """A section heading phrased as something the reader could ask next, or None when it makes none.

    Headings are labels ("How to build a shortlist", "Signs the fix is working", "If your
    organisation is small"); a suggestion reads best in the reader's own words: "How do I build a
    shortlist?", "What if my organisation is small?". A heading too thin to stand alone is prefixed
    with its document's subject ("Evaluating a mentoring programme: what should I measure?"), which
    also lets the suggestion find its section again when it is asked.
    """
    original = " ".join(heading.split())
    text = re.sub(r"\s*\([^)]*\)", "", original).strip()  # asides: "Why mentors cancel (it is rarely about you)"
    low = text.lower()
    if not text or "worked example" in low or low in {"introduction", "the short version", "notes for programme staff"}:
        return None
    if low.startswith("template:"):
        name = text.split(":", 1)[1].strip()
        return f"Show me the template: {_lower_first(name)}" if name else None
    if low.startswith("you ") or re.search(r'\?\s*["”]', text):
        return None  # statements to the reader ("You do not need to be an expert"), quoted questions
    asked = bool(re.search(r"\?(\s|$)", text))
    text = re.split(r"\?\s+(?=[A-Z])", text)[0].rstrip(".:?! ")  # "Should you say yes? Five questions to ask"
    text = _first_person(text)
    if asked:
        question = text + "?"
    elif ":" in text:
        question = _phrase_labelled(text)
    else:
        question = _phrase(text)
    if not question:
        return None
    question = question[:1].upper() + question[1:]
    return _with_subject(question, title)


def _phrase_labelled(text: str) -> str | None:
    """A "label: rest" heading as a question: "Pitfall: ...", "Step by step: ...", "Cold contact or warm
    contact: which to use"."""
    left, right = (part.strip() for part in text.split(":", 1))
    if left.lower() == "pitfall":
        return f"How do I avoid {_lower_first(right)}?"
    if re.match(r"(?i)^(step by step|for mentors|for mentees)$", left):
        return _phrase(right[:1].upper() + right[1:])
    question = _phrase(left)
    asks = re.match(r"(?i)^(how|what|when|where|who|which|why)\b", right)
    if question and question.startswith("Tell me about"):
        # "Cold contact or warm contact: which to use" -> "Which should I use: cold contact or warm contact?"
        return (f"{_phrase(right)[:-1]}: {_lower_first(left)}?" if asks
                else f"Tell me about {_lower_first(text)}")
    if question and question.endswith("?") and not asks:
        return f"{question[:-1]} ({right})?"  # "What are some ideas for the 70 (learning by doing)?"
    return question


def _phrase(text: str) -> str | None:
    """A heading (without a label) as a question, or None when it has no words."""
    words = _words_of(text)
    if not words:
        return None
    return _wh_infinitive(text) or _by_first_word(text, words) or _noun_phrase(text, words)


def _wh_infinitive(text: str) -> str | None:
    """"How to ...", "What not to ...", "Which questions to ..." as "How do I ...?", "What shouldn’t I ...?"."""
    m = re.match(r"^(how(?: often| much| long| many(?: \w+)?)?|what|when|where|who|whom|which(?: \w+)?) "
                 r"(not )?to (.+)$", text, re.I)
    if not m:
        return None
    wh, neg, rest = m.group(1), m.group(2), m.group(3)
    if wh.lower() == "how":
        return f"How {'can' if rest.startswith('be ') else 'do'} I {'not ' if neg else ''}{rest}?"
    return f"{wh[:1].upper()}{wh[1:]} {'shouldn’t' if neg else 'should'} I {rest}?"


def _by_first_word(text: str, words: list[str]) -> str | None:
    """A heading whose first word says how to ask it (a question word, "if", an imperative, a gerund),
    or None when it is a noun phrase."""
    first = words[0]
    if first in {"should", "can", "could", "do", "does", "is", "are", "am", "will", "would"}:
        return text + "?"
    if first == "why":
        if len(words) > 1 and words[1] in _IMPERATIVES | {"bother", "mentor", "have", "be", "write"}:
            return f"Why should I {_rest_of(text)}?"
        return f"Tell me why {_rest_of(text)}"
    if first == "if":
        return f"What if {_rest_of(text).split(',')[0]}?"
    if first == "about":
        return f"What about {_rest_of(text)}?"
    if first == "when":
        personal = len(words) > 1 and words[1] in {"my", "i", "i'm", "something", "someone", "one", "it", "the"}
        if personal and not re.search(r"\b(should|can|could)\b", text, re.I):
            return f"What if {_rest_of(text)}?"
        return f"Tell me {_lower_first(text)}"
    if first in {"what", "how", "where", "who", "whom", "which"}:
        return f"Tell me {_lower_first(text)}"
    if first in {"within", "during", "in", "after", "before", "between"}:
        return f"What should I do {_lower_first(text)}?"
    if first in {"example", "examples"}:
        if first == "examples" or (len(words) > 1 and words[1].endswith("s")):
            return f"Show me example{'s' if first == 'examples' else ''} {_rest_of(text)}"
        return f"Show me an example {_rest_of(text)}"
    if first == "questions" and len(words) > 2 and words[1] in {"to", "about"}:
        if words[1] == "to":
            return f"What questions should I {_rest_of(text, 2)}?"
        return f"What questions can I ask about {_rest_of(text, 2)}?"
    if first == "be":
        return f"How can I {_lower_first(text)}?"
    if first in _IMPERATIVES:
        return f"How do I {_lower_first(text)}?"
    if first.endswith("ing") and len(first) > 4 and first not in _NOT_GERUNDS:
        m = re.match(r"^(\w+ing)(?: (and|or) (\w+ing))?(.*)$", text)
        verbs = _base(m.group(1)) + (f" {m.group(2)} {_base(m.group(3))}" if m.group(2) else "")
        return f"How do I {verbs}{m.group(4)}?"
    return None


def _noun_phrase(text: str, words: list[str]) -> str:
    """A noun phrase: plural heads ask "what are", "the X" asks "what is", anything else "tell me about"."""
    first = words[0]
    head = next((w for w in words if w not in _ADJECTIVES), "")
    if first == "the" or not head.endswith("s"):
        head = ""
        for w in words[1 if first == "the" else 0:][:4]:
            if w in _BOUNDARIES:
                break
            head = w
    if len(head) > 3 and head.endswith("s") and not head.endswith(("ss", "us", "is")):
        some = head in {"ideas", "tips", "ways", "habits", "skills", "options", "examples"}
        noun = _rest_of(text) if first == "the" else _lower_first(text)
        return f"What are {'some' if some else 'the'} {noun}?"
    if first == "the":
        return f"What is {_lower_first(text)}?"
    return f"Tell me about {_lower_first(text)}"


def _with_subject(question: str, title: str) -> str:
    """The question, prefixed with its document's subject when it says too little to stand alone."""
    subject = re.split(r" - |, and |: ", re.sub(r"\s*\([^)]*\)", "", title))[0].strip().rstrip("?")
    if len(subject) > 46:  # keep the button short: "Receiving difficult feedback [without getting defensive]"
        subject = re.split(r",| (?:for|when|without|with|in ways|in a|that|after|through) ", subject)[0]
    if len(subject) > 46:
        subject = subject.split(" and ")[0]
    subject = re.sub(r"\s+(and|or)$", "", subject)
    meaningful = [w for w in re.findall(r"[a-z0-9][a-z0-9'’-]*", question.lower()) if w not in _THIN and len(w) > 2]
    if not meaningful:
        question = f"{_first_person(subject)}: {_lower_first(question)}"
    return question


def _first_person(text: str) -> str:
    """The text in the reader's words: "your mentor" -> "my mentor", "ask you" -> "ask me"."""
    parts = re.split(r'("[^"]*"|“[^”]*”)', text)  # quoted speech keeps its own pronouns
    for i in range(0, len(parts), 2):
        t = parts[i]
        for pattern, repl in _FIRST_PERSON:
            t = re.sub(pattern, repl, t, flags=re.I)
        parts[i] = t
    return "".join(parts)


def _lower_first(text: str) -> str:
    first = text.split(" ", 1)[0].strip("\"“,")
    if re.match(r"^(I|I'm|I've|[A-Z0-9][A-Z0-9-]+)$", first):
        return text  # "I", and acronyms like SMART and GROW
    return text[:1].lower() + text[1:]


def _base(gerund: str) -> str:
    """The verb of a gerund: 'handling' -> 'handle', 'setting' -> 'set', 'cancelling' -> 'cancel'."""
    stem = gerund.lower()[:-3]
    syllables = len(re.findall(r"[aeiouy]+", stem))
    if re.search(r"([bdgmnprt])\1$", stem) or (syllables > 1 and stem.endswith("ell")):
        return stem[:-1]  # running, setting, planning; travelling, cancelling
    if stem == "creat":
        return "create"
    if re.search(r"(v|u|[iu]at|uir|[aeiou]{2}s|[^aeioul]l|ang|eng|[rn][cgs]|ps)$", stem):
        return stem + "e"  # give, move, pursue, negotiate, acquire, choose, handle, change, announce, nurse
    if stem.endswith("e") or re.search(r"[aeiou]{2}[^aeiou]+$|[wxy]$|ll$|ss$|[^aeiou]{2}$", stem):
        return stem  # being, seeing; looking, keeping; following, paying, fixing; telling; asking
    if syllables == 1:
        return stem + "e"  # make, take, use, cope, rate, write, share, close
    if re.search(r"(is|iz|ys|yz|at|id|uc|in|ur|ir|ar|ib|om|ot|ut|ud|ag|ac|ic|od|ok|[^t]or)$", stem):
        return stem + "e"  # recognise, decide, introduce, define, ensure, prepare, describe, become, explore
    return stem  # visit, listen, offer, develop, mentor


def _words_of(text: str) -> list[str]:
    return [w.strip(",.;\"“”") for w in text.lower().split()]


def _rest_of(text: str, n: int = 1) -> str:
    parts = text.split(" ", n)
    return parts[n] if len(parts) > n else ""


def suggest_followups(hits: list[Hit], used_rows: set[int], asked: str, limit: int = 3) -> list[str]:
    """Questions the reader might ask next, drawn from related sections that the answer did not quote.

    Sections come in retrieval order, at most two per document so the suggestions point in more than
    one direction, and never a section the answer already quoted or the question just asked.
    """
    asked_key = " ".join(asked.lower().split()).rstrip("?")
    quoted = {hits_p.passage.section_key for hits_p in hits if hits_p.row in used_rows}
    out: list[str] = []
    per_doc: dict[str, int] = {}
    seen_sections: set[str] = set()
    for hit in hits:
        p = hit.passage
        if (hit.row in used_rows or p.section_key in quoted or p.section_key in seen_sections
                or len(p.heading_path) < 2 or per_doc.get(p.doc_id, 0) >= 2):
            continue
        seen_sections.add(p.section_key)
        question = as_question(p.heading_path[-1], p.title)
        if not question or question.lower().rstrip("?") == asked_key or question in out:
            continue
        out.append(question)
        per_doc[p.doc_id] = per_doc.get(p.doc_id, 0) + 1
        if len(out) >= limit:
            break
    return out


def related_sections(hits: list[Hit], cited_docs: list[str], role: AskerRole = "unknown", limit: int = 2) -> list[Related]:
    """The best section of each of the next documents in the ranking, written for the asker's side:
    offered under the answer as links, so the answer itself stays in one place."""
    out: list[Related] = []
    for hit in hits:
        p = hit.passage
        if p.doc_id in cited_docs or p.doc_id in {r.doc_id for r in out} or p.is_template or not addresses(p, role):
            continue
        out.append(Related(doc_id=p.doc_id, title=p.title, section=p.section, topics=p.topics))
        if len(out) >= limit:
            break
    return out
