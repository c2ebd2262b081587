"""Street addresses read by their structure, for redaction: where an address starts and ends, and the
postcode beside it.

The recognisers in assistant/redact.py find the core of an address: a number and a street word in one of
many languages ("221 Maple Ave", "Rua Augusta 1500", "Lindenstraße 8", "1-2-3 Shibuya"). An address goes
on past that core, and so does the personal data: a flat before it ("Flat 3, 27 Brick Lane"), a unit after
it ("Apt 4C", "3º B"), the district, town and state ("Te Aro, Wellington", "Bondi NSW", "São Paulo - SP").
The postcode after the town has a shape that depends on the country (M5V 2T6, 1015 CJ, 150-0002, 6011):
next to an address, any of those shapes is a postcode.
"""

from __future__ import annotations

import regex

# A word that ends a town list: English function words written with a capital at a sentence start.
_NOT_A_PLACE = {"i", "is", "it", "and", "but", "or", "so", "the", "a", "an", "how", "what", "when", "why", "where",
                "who", "which", "should", "can", "could", "would", "will", "do", "does", "did", "my", "our", "your",
                "are", "was", "were", "thanks", "please", "also", "then", "there", "this", "that", "if", "any",
                "anything", "apt", "apartment", "flat", "unit", "suite"}
_UNIT = r"(?i:flat|unit|apt|apartment|suite|ste|room|rm|floor|fl|piso|apto|bloco|andar|wohnung|wohn|bus|boîte|esc|no\.?)"
_BEFORE = regex.compile(rf"(?:\b{_UNIT}\.?\s*#?\w{{1,5}},?\s+|\b\d{{1,5}}[A-Za-z]?/)$")
# 3º B (Spain), 2nd floor; º reads as "o" once folded (NFKC), as assistant/redact.py reads text
_AFTER_UNIT = regex.compile(rf"^(?:,?\s*{_UNIT}\.?\s*#?\w{{1,5}}\b|,\s*\d{{1,3}}\s*(?:[º°ªoa]|st|nd|rd|th)"
                            rf"(?:\s+(?:\p{{Lu}}|\d)\b|\s+(?i:floor|fl|piso|andar|étage|stock)\b))")
_PLACE_WORD = r"\p{Lu}[\p{L}'.]*(?![\p{L}\d])"
_TOWN = regex.compile(rf"^(?:,\s*|\s+-\s+)({_PLACE_WORD}(?:[\s-](?:(?:de|da|do|del|di|la|le|sur|am|an|upon|on)\s+)?"
                      rf"{_PLACE_WORD}){{0,2}})")
_STATE = regex.compile(r"^(?:,?\s+|\s+-\s+)(\p{Lu}{2,3})\b(?!['’]|\s*[-–]?\s*\p{Ll})")
# Postcode shapes of many countries; only read next to an address (or after a town that follows one).
POSTCODE = (r"(?:\p{Lu}\d\p{Lu}\s?\d\p{Lu}\d"  # Canada: M5V 2T6
            r"|\p{Lu}{1,2}\d[\p{Lu}\d]?\s?\d\p{Lu}{2}"  # UK: BS1 4ZZ
            r"|\p{Lu}\d{2}\s?[\p{Lu}\d]{4}"  # Ireland: D02 X285
            r"|\d{4}\s?\p{Lu}{2}(?!\p{L})"  # Netherlands: 1015 CJ
            r"|\d{3}-\d{4}|〒\s?\d{3}-?\d{4}"  # Japan: 150-0002
            r"|\d{5}-\d{3}|\d{4}-\d{3}|\d{2}-\d{3}"  # Brazil, Portugal, Poland
            r"|\d{3}\s\d{2}"  # Sweden, Czechia: 114 55
            r"|\d{4,6}(?:-\d{4})?)(?![\w-])")  # Germany, France, India, Australia, US ZIP+4 ...
_POSTCODE_NEXT = regex.compile(rf"^(?:,?\s+|,)({POSTCODE})")


def extend(text: str, start: int, end: int) -> tuple[int, int]:
    """The whole address around a core found at text[start:end]: a flat or unit before it, a unit after it,
    then up to three towns or districts and a state code."""
    while (m := _BEFORE.search(text[:start])):
        start = m.start()
    if (m := _AFTER_UNIT.match(text[end:])):
        end += m.end()
    for _ in range(3):
        m = _TOWN.match(text[end:])
        if not m or m.group(1).split()[0].lower().strip(".") in _NOT_A_PLACE:
            break
        end += m.end()
    if (m := _STATE.match(text[end:])):
        end += m.end()
    return start, end


def postcode_after(text: str, end: int) -> tuple[int, int] | None:
    """The postcode just after an address ending at `end`, if one stands there."""
    m = _POSTCODE_NEXT.match(text[end:])
    return (end + m.start(1), end + m.end(1)) if m else None
