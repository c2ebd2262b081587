"""Mask contact details in text before it is stored: questions are personal."""

from __future__ import annotations

import re

EMAIL = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}")
URL = re.compile(r"\b(?:https?://|www\.)[^\s<>\"']+|\b[a-z0-9-]+(?:\.[a-z0-9-]+)*\.(?:com|org|net|io|co|uk|de|fr|edu|gov|info|biz|me|ly)(?:/[^\s<>\"']*)?", re.I)
# Phone numbers: 7+ digits, optionally with +, spaces, dots, dashes or brackets between them.
PHONE = re.compile(r"(?<![\w/])(?:\+?\d[\s().-]?){6,}\d(?![\w/])")


def redact(text: str) -> str:
    """Replace emails, URLs and phone numbers with [email], [url] and [phone]."""
    text = EMAIL.sub("[email]", text)
    text = URL.sub("[url]", text)
    text = PHONE.sub("[phone]", text)
    return text


def apply_policy(text: str | None, policy: str) -> str | None:
    """What to store for a question under the question_logging setting (redacted, full or off)."""
    if text is None or policy == "off":
        return None
    if policy == "full":
        return text
    return redact(text)
