"""Who is asking, and whom a piece of guidance addresses.

The asker's role is read from how the question places the asker in a mentoring relationship, not
from topic words: "my mentee", "I've been asked to mentor", "become a mentor" put the asker on the
mentor's side; "my mentor", "find a mentor", "mentor me" on the mentee's; "our programme",
"participants", "matching mentors and mentees" on programme staff's. A question with no such cue,
or with cues that disagree, is "unknown", and an unknown role changes nothing downstream.

A section's audience is its document's `audience`, narrowed when its heading names one side
("For mentors", "Notes for programme staff", "Pitfalls for mentees").
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from assistant.models import AskerRole, Passage


_I = r"(?:i|i'm|im|i am|i've|ive|i have|i'd|i was|i've been|me|myself)"
# Each cue places the asker on one side of a mentoring relationship.
_CUES: dict[str, list[re.Pattern]] = {
    "mentor": [re.compile(p, re.I) for p in (
        r"\bmy (?:new |first |current |former |\w+ )?mentees?\b",
        r"\b(?:the|a|this|our) mentees? (?:i|i'm|i am|i've)\b",
        r"\b(?:be|become|becoming|being|serve as|act as|volunteer as|work as|start as|as) (?:a |an )?(?:good |better |great |first-time |new |peer |reverse |volunteer )?mentor\b(?! (?:for|to) me\b)",
        r"\b(?:asked|wants?|want|invited|approached) me to (?:be (?:their|his|her|a) )?mentor\b",
        r"\b(?:i|i'm|im|i am|i've|ive|i have|i'd|i was|i've been) (?:\w+ )?(?:mentor|mentoring|mentored)\b(?= (?:a|an|some|someone|somebody|anyone|anybody|people|others|them|him|her|juniors?|new|my|this|two|three)\b)",
        r"\b(?:someone|somebody|people|person|the person|those|juniors?) i(?:'m| am)? (?:mentor|mentoring)\b",
        r"\bmentor(?:ing)? (?:someone|somebody|others|other people|a junior|juniors|new hires|a colleague)\b",
        r"\bgive back\b.*\bmentor",
        r"\bas (?:a|their|his|her) mentor\b",
        r"\b(?:my|our) mentoring (?:style|skills)\b",
    )],
    "mentee": [re.compile(p, re.I) for p in (
        r"\bmy (?:new |current |former |old |first |\w+ )?mentors?(?!ing)\b(?!'s? mentee)",
        r"\b(?:find|finding|get|getting|need|needing|want|looking for|choose|choosing|approach|ask for|have) (?:a |an |the right |my first |another |second )?mentors?\b",
        r"\bmentor me\b|\bbe my mentor\b|\bmentoring me\b|\bmentored by\b|\b(?:for|to) me as (?:a |my )?mentor\b",
        r"\bas (?:a|the) mentee\b|\bi(?:'m| am) (?:a|the) mentee\b",
        r"\b(?:matched|paired|assigned) (?:up )?(?:with|to) (?:a|an|my|our) (?:new )?mentor\b",
        r"\b(?:someone|somebody|a person) to mentor me\b",
    )],
    # "our programme" alone may be a participant speaking; running, matching or recruiting for one is staff.
    "programme": [re.compile(p, re.I) for p in (
        r"\b(?:our|my|the company's|a company|a company-wide|a formal|an internal|the) (?:new |pilot |internal |company |formal |\w+ )?(?:mentoring |mentorship )?(?:programme|program|scheme|initiative|cohort|pilot)s?\b",
    )],
    "program-staff": [re.compile(p, re.I) for p in (
        r"\b(?:i|we) (?:\w+ )?(?:coordinate|coordinating|manage|managing|run|running|lead|leading|organise|organize|organising|organizing|oversee|overseeing) (?:our|the|a) (?:\w+ ){0,2}(?:programme|program|scheme|cohort|pilot)\b",
        r"\b(?:run|running|design|designing|launch|launching|set up|setting up|start|starting|build|building|evaluate|evaluating|promote|promoting|manage|managing|coordinate|coordinating) (?:a |an |our |the )?(?:new |pilot |formal |company-wide |internal )?(?:mentoring |mentorship )?(?:programme|program|scheme|cohort)\b",
        r"\b(?:participants|sign-?ups|enrol+ment|pairings|pairs|matches|matching mentors|match mentors|our mentors|our mentees|mentors and mentees|mentor training|train(?:ing)? (?:our |the )?mentors|recruit(?:ing)? (?:more |new )?mentors)\b",
        r"\b(?:hr|l&d|learning and development|people team|talent team)\b",
    )],
}


def cues(text: str) -> dict[str, int]:
    """How many cues of each kind the text has: each role's, and "programme" for a bare mention of one."""
    return {role: sum(1 for p in patterns if p.search(text)) for role, patterns in _CUES.items()}


def _role_of(text: str) -> AskerRole:
    counts = cues(text)
    mentor, mentee = counts["mentor"], counts["mentee"]
    # Programme staff talk about mentors and mentees in the third person ("our mentors"), so their
    # cues win over a mentee or mentor cue in the same question; "our programme" alone only when
    # nothing places the asker in a pair ("got matched with a mentor through our scheme").
    if counts["program-staff"] or (counts["programme"] and not mentor and not mentee):
        return "program-staff"
    if mentor > mentee:
        return "mentor"
    if mentee > mentor:
        return "mentee"
    return "unknown"


def infer_role(question: str, history: Sequence[str] = ()) -> AskerRole:
    """The asker's role from the question, else from the latest earlier turn that shows it."""
    role = _role_of(question)
    if role != "unknown":
        return role
    for turn in reversed(list(history)):
        role = _role_of(turn)
        if role != "unknown":
            return role
    return "unknown"


# A heading addresses one side only when it says so as a label: "For mentors: ...", "Notes for
# programme staff", "If you are the mentee", "Pitfalls for mentors". "Where to look for a mentor" does not.
_SECTION_AUDIENCE = (
    ("program-staff", re.compile(r"\bfor (?:the )?(?:programme|program) (?:staff|leads?|managers?|teams?)\b|^for staff\b", re.I)),
    ("mentor", re.compile(r"^(?:notes |tips |pitfalls |advice )?for mentors\b|\bfor mentors(?: to avoid)?$|^if you are the (?:junior )?mentor$|\bas a mentor$", re.I)),
    ("mentee", re.compile(r"^(?:notes |tips |pitfalls |advice )?for mentees\b|\bfor mentees$|^if you are the (?:senior )?mentee$|\bas a mentee$", re.I)),
)


def section_audience(passage: Passage) -> list[str]:
    """Whom this passage addresses: a heading naming one side narrows the document's audience."""
    for heading in reversed(passage.heading_path[1:]):
        for audience, pattern in _SECTION_AUDIENCE:
            if pattern.search(heading):
                return [audience]
    return list(passage.audience)


def addresses(passage: Passage, role: AskerRole) -> bool:
    """Whether the passage is written for the asker; always True when the role is unknown."""
    return role == "unknown" or role in section_audience(passage)
