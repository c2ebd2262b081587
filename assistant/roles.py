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

from collections.abc import Sequence

from assistant.lexicon import AUDIENCE_HEADINGS, PARTICIPANT_PROGRAMME, ROLE_CUES
from assistant.models import AskerRole, Passage


def cues(text: str) -> dict[str, int]:
    """How many cues of each kind the text has: each role's, and "programme" for a bare mention of one."""
    return {role: sum(1 for p in patterns if p.search(text)) for role, patterns in ROLE_CUES.items()}


def _role_of(text: str) -> AskerRole:
    counts = cues(text)
    mentor, mentee = counts["mentor"], counts["mentee"]
    # Programme staff talk about mentors and mentees in the third person ("our mentors"), so their
    # cues win over a mentee or mentor cue in the same question. A bare mention of a programme counts
    # only when nothing places the asker in a pair ("got matched with a mentor through our scheme")
    # and the asker does not speak as a participant in it ("the programme says we meet monthly").
    bare = counts["programme"] and not mentor and not mentee and not PARTICIPANT_PROGRAMME.search(text)
    if counts["program-staff"] or bare:
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


def heading_audience(heading_path: Sequence[str], audience: Sequence[str]) -> list[str]:
    """Whom a section addresses: a heading naming one side narrows the document's audience."""
    for heading in reversed(list(heading_path)[1:]):
        for who, pattern in AUDIENCE_HEADINGS:
            if pattern.search(heading):
                return [who]
    return list(audience)


def section_audience(passage: Passage) -> list[str]:
    """Whom this passage addresses: set when it was chunked (older passages: worked out from its headings)."""
    return list(passage.section_audience) or heading_audience(passage.heading_path, passage.audience)


def addresses(passage: Passage, role: AskerRole) -> bool:
    """Whether the passage is written for the asker; always True when the role is unknown."""
    return role == "unknown" or role in section_audience(passage)
