"""Structural features of a goal as written: what its numbers count and what its dates do.

These read English grammar, not the goals the checker was fitted on: a number is a *measure* unless
its context makes it a clock time, a year or date, an age, a duration that frames the deadline, or
the size of a group the writer already has ("my 2 managers", "my team of 5"); a date phrase is a
*deadline* when a deadline word governs it ("by", "before", "within", "until", "end of", "over the
next", "this quarter") and an *anchor* when it looks back ("since January", "in 2022", "in my five
years here"). The checker's logistic models weigh these beside MiniLM embeddings; the weights come
from `mentor eval-goals --calibrate` (assistant/goals/goal-model.json), not from here.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np

# -- the lexicon: names of calendar things and of the words that govern them ------------------------

MONTHS = ("january february march april may june july august september october november december "
          "jan feb mar apr jun jul aug sep sept oct nov dec")
WEEKDAYS = "monday tuesday wednesday thursday friday saturday sunday"
SEASONS = "spring summer autumn fall winter"
TIME_UNITS = ("day days week weeks fortnight fortnights month months quarter quarters year years half halves "
              "sprint sprints term terms semester semesters cycle cycles weekend weekends season")
HOURS = "hour hours minute minutes"
NUMBER_WORDS = {w: i for i, w in enumerate(
    "zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen sixteen "
    "seventeen eighteen nineteen twenty".split())}
NUMBER_WORDS.update({"thirty": 30, "forty": 40, "fifty": 50, "hundred": 100, "dozen": 12, "once": 1,
                     "twice": 2, "thrice": 3, "a third": 33, "half": 50, "double": 2})

_MONTH = rf"(?:{'|'.join(MONTHS.split())})\b"
_NUM_WORD = r"(?:" + "|".join(sorted((w for w in NUMBER_WORDS if " " not in w), key=len, reverse=True)) + r")"
_NUM = rf"(?:\d+(?:[.,]\d+)?|{_NUM_WORD})"
# A calendar point or span: "March", "15 May", "the 20th", "Q3", "H2", "Friday", "summer", "2026-03-31",
# "end of the quarter", "next year", "this sprint", "year-end", "tomorrow".
_CAL_POINT = (rf"(?:{_MONTH}(?:\s+\d{{1,2}}(?:st|nd|rd|th)?)?|\d{{1,2}}(?:st|nd|rd|th)?\s+(?:of\s+)?{_MONTH}"
              rf"|the\s+\d{{1,2}}(?:st|nd|rd|th)\b|q[1-4]\b|h[12]\b|(?:{'|'.join(WEEKDAYS.split())})\b"
              rf"|(?:{'|'.join(SEASONS.split())})\b|\d{{4}}-\d{{2}}-\d{{2}}|\d{{1,2}}/\d{{1,2}}(?:/\d{{2,4}})?"
              rf"|(?:year|month|quarter|week)[- ]end\b|mid-?(?:year|quarter|month)\b|tomorrow\b|tonight\b"
              rf"|(?:19|20)\d{{2}}\b)")
_UNIT = rf"(?:{'|'.join(TIME_UNITS.split())})\b"
_SPAN = rf"(?:(?:the\s+)?(?:this|next|coming|following|current)\s+(?:\w+\s+)?{_UNIT}|{_NUM}\s+{_UNIT}|a\s+{_UNIT})"
_WHEN = rf"(?:{_CAL_POINT}|{_SPAN}|(?:the\s+)?end\s+of\s+(?:the\s+|this\s+|next\s+)?(?:\w+\s+)?(?:{_UNIT}|{_CAL_POINT}))"

# Words that make the phrase after them a deadline or a bounded period.
_DEADLINE_WORD = (r"\b(?:by|before|within|until|till|no\s+later\s+than|ahead\s+of|prior\s+to|in\s+time\s+for"
                  r"|over\s+the\s+(?:next|coming)|for\s+the\s+(?:next|coming|rest\s+of)|in\s+the\s+(?:next|coming)"
                  r"|during|at\s+the\s+end\s+of|by\s+the\s+end\s+of|end\s+of|the\s+rest\s+of)\b")
DEADLINE = re.compile(rf"{_DEADLINE_WORD}\s+(?:(?:the|my|our|their|his|her|this|next|a)\s+)?(?:[\w'-]+\s+){{0,4}}?{_WHEN}"
                      rf"|\b(?:over|for|in|during)\s+the\s+(?:next|coming|rest\s+of\s+the)\s+(?:\w+\s+)?{_UNIT}", re.I)
# "before my review", "before I turn 35", "before the sprint ends": a deadline set by an event.
DEADLINE_EVENT = re.compile(r"\b(?:before|by|until|ahead\s+of|prior\s+to|in\s+time\s+for)\s+(?:i|my|our|the|their|his|her|we|they|she|he)\b", re.I)
# "this quarter", "this year", "next month": the present period bounds the goal.
CURRENT_PERIOD = re.compile(rf"\b(?:this|next|coming)\s+{_UNIT}", re.I)
# Looking back: "since January", "in 2022", "I joined in May", "two years ago", "in my 5 years here", "last year".
ANCHOR = re.compile(rf"\b(?:since\s+(?:\w+\s+){{0,3}}?|ago\b|in\s+my\s+{_NUM}\s+{_UNIT}|for\s+(?:the\s+(?:last|past)\s+)?{_NUM}\s+{_UNIT}(?!\s+(?:of|straight))"
                    rf"|(?:last|past|previous)\s+{_UNIT}|(?:joined|started|began|was|were|did|had)\s+(?:\w+\s+){{0,3}}in\s+{_CAL_POINT})", re.I)
# "soon", "eventually", "one day": time words that set no date.
VAGUE_TIME = re.compile(r"\b(?:soon|eventually|someday|some\s+day|one\s+day|at\s+some\s+point|asap|as\s+soon\s+as\s+possible"
                        r"|sometime|some\s+time|in\s+the\s+future|in\s+future|later\s+on|down\s+the\s+(?:road|line)|one\s+of\s+these\s+days)\b", re.I)
# "every Friday", "each week", "weekly": a rhythm, not a deadline.
RECURRENCE = re.compile(rf"\b(?:every|each|per|a)\s+(?:\w+\s+)?(?:{_UNIT}|{'|'.join(WEEKDAYS.split())}|morning|evening|session|meeting)"
                        r"|\b(?:daily|weekly|fortnightly|monthly|quarterly|yearly|annually|on\s+(?:mondays|tuesdays|wednesdays|thursdays|fridays|weekdays))\b", re.I)
CALENDAR = re.compile(_WHEN, re.I)

# -- numbers and what they count -------------------------------------------------------------------

NUMBER = re.compile(rf"(?<![\w/])(?:\d+(?:[.,]\d+)?(?:\s*%|x\b|(?:st|nd|rd|th)\b|\s?(?:am|pm)\b|(?![a-z]))|{_NUM_WORD}\b(?:\s+times\b)?)", re.I)
_CLOCK = re.compile(r"^\s*(?::\d\d)?\s*(?:am|pm|o'clock)\b", re.I)
_RATIO = re.compile(r"^\s*(?:/\s*\d+|out\s+of\s+\d+|(?:or|and)\s+(?:more|fewer|less|above|below|better|higher|lower)\b)", re.I)
_GROUP_BEFORE = re.compile(r"\b(?:my|our|their|his|her|your|the|these|those|both|all)\s+(?:[\w-]+\s+)?$|\b(?:team|group|family)\s+of\s+$", re.I)
_COMPARATOR_BEFORE = re.compile(r"\b(?:at\s+least|at\s+most|no\s+more\s+than|no\s+fewer\s+than|fewer\s+than|less\s+than|more\s+than"
                                r"|under|over|above|below|up\s+to|from|to|reach|hit|score|average\s+of|every|each|all)\s+$", re.I)
# A capitalised word that does not start the goal, right before the number: "Excel 365", "Python 3".
_NAME_BEFORE = re.compile(r"(?<=\S)\s+[A-Z][A-Za-z]*\s*$")
_AGE_BEFORE = re.compile(r"\b(?:turn|aged?|age\s+of)\s+$", re.I)
_TIME_AFTER = re.compile(rf"^\s*[- ]?(?:{_UNIT}|{'|'.join(MONTHS.split())})\b", re.I)
_YEAR = re.compile(r"^(?:19|20)\d{2}$")
# Vague change words: a goal made only of these says which way, not how far.
VAGUE_CHANGE = re.compile(r"\b(?:better|more|less|fewer|improve[sd]?|improving|grow|develop|enhance|work\s+on|"
                          r"get\s+(?:good|comfortable|confident)|feel|be\s+(?:a\s+)?(?:more|less|better)|"
                          r"think\s+about|try\s+to|explore|learn\s+more|some\s+kind\s+of|something)\b", re.I)
PERCENT_OR_SCALE = re.compile(r"\d\s*%|\d+\s*/\s*\d+|\bout\s+of\s+\d+|\b\d+x\b|\bfrom\s+(?:an?\s+)?\d+\s+to\s+(?:an?\s+)?\d+", re.I)
FIRST_PERSON_PAST = re.compile(r"\b(?:i've|i have|i had|i was|i've been|i've meant|i keep|i always|i never)\b", re.I)
PROPER = re.compile(r"(?<![.!?]\s)(?<!^)\b(?:[A-Z][a-z]+|[A-Z]{2,}[a-z]*)\b")
# Open-ended activity: verbs of doing something for a while, with no end state in themselves ("talk to",
# "get involved in", "work towards"), unlike verbs that finish a thing ("publish", "pass", "send").
OPEN_ACTIVITY = re.compile(r"\b(?:talk(?:ing)?\s+(?:to|with|about)|speak(?:ing)?\s+(?:to|with)|chat(?:ting)?\s+(?:to|with)|discuss|think(?:ing)?\s+about"
                           r"|consider|explore|look\s+into|learn\s+(?:about|more)|get\s+involved|be\s+involved|engage|participate"
                           r"|work(?:ing)?\s+(?:on|towards?)|focus(?:ing)?\s+on|build(?:ing)?\s+up|keep(?:ing)?\s+(?:up|on)|continue|try(?:ing)?\s+to"
                           r"|practi[sc]e|spend(?:ing)?\s+(?:more\s+)?time|reflect|network(?:ing)?\b|reach\s+out|connect\s+with)", re.I)


@dataclass(frozen=True)
class NumberUse:
    """One number in a goal and what its context makes it."""

    text: str
    kind: str  # "measure", "group", "time", "clock", "year", "age", "name"


def _is_date(bare: str, before: str, after: str) -> bool:
    """A year ("2026"), a day of a month ("15 May", "March 31", "the 20th")."""
    if _YEAR.match(bare):
        return True
    day = bare.rstrip("stndrh")
    if not day.isdigit() or not 1 <= int(day) <= 31:
        return False
    return bool(re.match(rf"\s*(?:of\s+)?{_MONTH}", after, re.I) or re.search(rf"{_MONTH}\s*$", before, re.I)
                or bare != day)


def number_uses(goal: str) -> list[NumberUse]:
    """Every number in the goal, classified by its context (see the module docstring)."""
    uses: list[NumberUse] = []
    deadline_spans = [m.span() for m in DEADLINE.finditer(goal)] + [m.span() for m in ANCHOR.finditer(goal)]
    for m in NUMBER.finditer(goal):
        token, before, after = m.group(0), goal[:m.start()], goal[m.end():]
        bare = token.lower().rstrip("%x ").strip()
        if _CLOCK.match(after) or re.search(r"(?:am|pm)$", token, re.I):
            kind = "clock"
        elif _is_date(bare, before, after):
            kind = "year"
        elif _NAME_BEFORE.search(before) and not re.match(r"\s*(?:of|out\s+of|/)\b", after):
            kind = "name"  # "Excel 365", "Python 3": part of a product's name
        elif _AGE_BEFORE.search(before):
            kind = "age"
        elif any(s <= m.start() < e for s, e in deadline_spans) and _TIME_AFTER.match(after):
            kind = "time"
        elif _RATIO.match(after) or re.match(r"\s+of\s+(?:the|my|our|their|them|these|those)\b", after, re.I) or "%" in token or token.lower().endswith("x") or _COMPARATOR_BEFORE.search(before):
            kind = "measure"
        elif _GROUP_BEFORE.search(before):
            kind = "group"
        elif _TIME_AFTER.match(after) and re.search(r"\b(?:for|in|within|over|next|last|past)\s+(?:the\s+)?(?:next\s+|last\s+|past\s+)?$", before, re.I):
            kind = "time"
        else:
            kind = "measure"
        uses.append(NumberUse(token, kind))
    return uses


FEATURE_NAMES = (
    "deadline", "deadline_event", "current_period", "anchor", "vague_time", "recurrence", "calendar_any",
    "measure_numbers", "group_numbers", "other_numbers", "percent_or_scale", "vague_change", "proper_words",
    "log_words", "past_first_person", "open_activity",
)


def structural_features(goal: str) -> np.ndarray:
    """The features above as a vector, in FEATURE_NAMES order."""
    uses = number_uses(goal)
    n_words = max(1, len(goal.split()))
    values = {
        "deadline": float(bool(DEADLINE.search(goal))),
        "deadline_event": float(bool(DEADLINE_EVENT.search(goal))),
        "current_period": float(bool(CURRENT_PERIOD.search(goal))),
        "anchor": float(bool(ANCHOR.search(goal))),
        "vague_time": float(bool(VAGUE_TIME.search(goal))),
        "recurrence": float(bool(RECURRENCE.search(goal))),
        "calendar_any": float(bool(CALENDAR.search(goal))),
        "measure_numbers": float(min(2, sum(u.kind == "measure" for u in uses))),
        "group_numbers": float(min(2, sum(u.kind == "group" for u in uses))),
        "other_numbers": float(min(2, sum(u.kind in ("clock", "year", "age", "time", "name") for u in uses))),
        "percent_or_scale": float(bool(PERCENT_OR_SCALE.search(goal))),
        "vague_change": float(min(3, len(VAGUE_CHANGE.findall(goal)))) / 3,
        "proper_words": float(min(3, len(PROPER.findall(goal)))) / 3,
        "log_words": float(np.log1p(n_words) / np.log1p(60)),
        "past_first_person": float(bool(FIRST_PERSON_PAST.search(goal))),
        "open_activity": float(bool(OPEN_ACTIVITY.search(goal))),
    }
    return np.array([values[name] for name in FEATURE_NAMES], dtype="float64")
