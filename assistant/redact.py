"""Mask contact details in text before it is stored: questions are personal.

Emails, web addresses and phone numbers become [email], [url] and [phone]. The patterns lean
towards masking: a stored question that lost a number is a smaller harm than a stored phone
number. Dates, years, year ranges and short numbers ("10 years", "ext 12345") are kept, because
insights need them and they identify no one.
"""

from __future__ import annotations

import re

EMAIL = re.compile(r"(?<![\w.+-])[\w.%+-]+@[\w-]+(?:\.[\w-]+)*\.[A-Za-z]{2,}\b")

# Well-known top-level domains for addresses written without a scheme ("linkedin.com/in/jane").
# A closed list keeps "file.txt" and "e.g." intact.
_TLDS = ("com|org|net|edu|gov|mil|int|info|biz|io|co|ai|app|dev|me|ly|tv|xyz|site|online|tech|page|"
         "uk|us|ca|au|nz|ie|de|fr|nl|be|ch|at|es|it|pt|se|no|dk|fi|pl|cz|eu|in|jp|cn|sg|za|br|mx")
URL = re.compile(
    r"\b(?:[a-z][a-z0-9+.-]*://|www\.)[^\s<>\"'`]+"  # with a scheme, or www.
    rf"|\b[a-z0-9](?:[a-z0-9-]*[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]*[a-z0-9])?)*\.(?:{_TLDS})\b(?![.-]?\w)"
    r"(?::\d{1,5})?(?:[/?#][^\s<>\"'`]*)?",
    re.I,
)
_URL_TRAILING = ".,;:!?)]}>\"'"

# A phone number candidate: an optional + or (, then digits with single separators between them.
PHONE = re.compile(r"(?<![\w+@/.])(?:\+|\(\+?)?\d(?:[ \t]?[-./]?[ \t]?\(?\d\)?|\)[ \t]?\d)+(?![\w@/])")
_DATE = re.compile(
    r"\d{4}[-./]\d{1,2}[-./]\d{1,2}"  # 2026-11-20
    r"|\d{1,2}[-./]\d{1,2}[-./]\d{2,4}"  # 20/11/2026, 11.20.26
    r"|(?:19|20)\d\d(?:[ \t]*[-/][ \t]*(?:19|20)?\d\d)?"  # 2019, 2019-2023, 2019/20
)
_YEAR = re.compile(r"(?:19|20)\d\d")
PHONE_MIN_DIGITS, PHONE_MAX_DIGITS = 7, 15  # E.164 allows at most 15 digits


def _url(match: re.Match) -> str:
    # "see https://example.com." keeps its full stop: trailing punctuation is not part of the address.
    text = match.group(0)
    kept = text.rstrip(_URL_TRAILING)
    if not kept or kept == text:
        return "[url]"
    return "[url]" + text[len(kept):]


def _phone(match: re.Match) -> str:
    text = match.group(0)
    digits = sum(c.isdigit() for c in text)
    if not PHONE_MIN_DIGITS <= digits <= PHONE_MAX_DIGITS or _DATE.fullmatch(text.strip()):
        return text
    if all(_YEAR.fullmatch(group) for group in re.findall(r"\d+", text)):
        return text  # "in 2019 2020" is a list of years
    return "[phone]"


def redact(text: str) -> str:
    """Replace email addresses, URLs and phone numbers with [email], [url] and [phone].

    Emails go first (their domain is not a URL), then URLs (their digits are not a phone number).
    """
    text = EMAIL.sub("[email]", text)
    text = URL.sub(_url, text)
    return PHONE.sub(_phone, text)


def apply_policy(text: str | None, policy: str) -> str | None:
    """What to store for a question under the question_logging setting (redacted, full or off)."""
    if text is None or policy == "off":
        return None
    if policy == "full":
        return text
    if policy != "redacted":
        raise ValueError(f"question_logging must be redacted, full or off, got {policy!r}")
    return redact(text)
