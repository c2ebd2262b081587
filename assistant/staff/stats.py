"""Tools for curators: statistics over the knowledge base."""

from __future__ import annotations

from collections import Counter, defaultdict

from assistant.chunking import passages, sections
from assistant.knowledge import KnowledgeBase
from assistant.models import AUDIENCES
from assistant.text import word_count

THIN_TOPIC_DOCS = 3
SHORT_SECTION_WORDS = 25
LONG_SECTION_WORDS = 260
DOC_WORDS = (400, 1200)


def kb_stats(kb: KnowledgeBase) -> dict:
    """Documents and passages per topic and audience, words per document, and what needs attention."""
    docs_per_topic: Counter = Counter()
    primary_per_topic: Counter = Counter()
    passages_per_topic: Counter = Counter()
    docs_per_audience: Counter = Counter()
    words: dict[str, int] = {}
    flags: dict[str, list[str]] = defaultdict(list)
    for doc in kb.documents:
        n_passages = len(passages(doc))
        words[doc.id] = word_count(doc.body)
        primary_per_topic[doc.topics[0]] += 1
        for topic in doc.topics:
            docs_per_topic[topic] += 1
            passages_per_topic[topic] += n_passages
        for who in doc.audience:
            docs_per_audience[who] += 1
        if not DOC_WORDS[0] <= words[doc.id] <= DOC_WORDS[1]:
            flags["documents outside 400-1,200 words"].append(f"{doc.id} ({words[doc.id]} words)")
        for section in sections(doc):
            n = word_count(section.text)
            name = f"{doc.id} › {' › '.join(section.heading_path[1:]) or 'Introduction'} ({n} words)"
            if n < SHORT_SECTION_WORDS:
                flags["very short sections"].append(name)
            elif n > LONG_SECTION_WORDS and not section.is_template:
                flags["very long sections"].append(name)
    for topic in kb.topics:
        if docs_per_topic[topic] < THIN_TOPIC_DOCS:
            flags["thin topics (fewer than 3 documents)"].append(f"{topic} ({docs_per_topic[topic]})")
    return {
        "documents": len(kb.documents),
        "passages": sum(len(passages(d)) for d in kb.documents),
        "words_total": sum(words.values()),
        "topics": {t: {"documents": docs_per_topic[t], "primary": primary_per_topic[t], "passages": passages_per_topic[t]}
                   for t in kb.topics},
        "audience": {a: docs_per_audience[a] for a in AUDIENCES},
        "words_per_document": dict(sorted(words.items())),
        "flags": dict(flags),
    }
