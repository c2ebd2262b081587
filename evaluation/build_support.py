"""Write evaluation/support.jsonl: (sentence, passage, supported) pairs for calibrating and measuring
the citation check (assistant/support.py).

Every passage is a real unit of the guidance in knowledge/*.md, found by a distinctive phrase, so the
set fails to build (instead of drifting) when the guidance changes. Two kinds of pairs:

- written: sentences written by hand for a unit, the way a generator might put it. Supported ones
  paraphrase or shorten the unit; hard negatives stay on the unit's topic but make a claim it does
  not make, state a wrong number, or give the advice to the wrong party (mentor vs mentee).
- derived: built by rule from other real units, to add volume: a unit restated in the second person
  ("You should ...") is supported; a unit of the same document's other sections (right topic, another
  claim), a unit with its party swapped (mentor <-> mentee) or its number changed is not.

Split: by document, so no document of the held-out part was seen while fitting.

    python evaluation/build_support.py    # rewrites evaluation/support.jsonl
"""

from __future__ import annotations

import hashlib
import json
import random
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from assistant.knowledge import load_knowledge  # noqa: E402
from assistant.text import answer_units  # noqa: E402

OUT = ROOT / "evaluation" / "support.jsonl"
HELD_OUT_SHARE = 0.35

# (document, phrase that finds the unit, [(sentence, supported, kind)])
WRITTEN = [
    ("finding-a-mentor", "write one sentence about what you want help with", [
        ("Start by writing a single sentence that says what you want help with.", True, "paraphrase"),
        ("Before you search, put what you need help with into one sentence.", True, "paraphrase"),
        ("Before looking, write a full page describing your career history.", False, "claim"),
        ("Before looking, ask your mentee to write what they want help with.", False, "party"),
    ]),
    ("finding-a-mentor", "Think about people one or two steps ahead", [
        ("Consider people who are just one or two steps ahead of you, not only senior leaders.", True, "paraphrase"),
        ("Good mentors are often only a step or two ahead of you.", True, "paraphrase"),
        ("Only very senior leaders make good mentors.", False, "claim"),
        ("Think about people five or six steps ahead of you.", False, "number"),
    ]),
    ("finding-a-mentor", "formal mentoring programme, since a programme handles matching", [
        ("See if your organisation has a formal mentoring programme, because it will handle the matching.", True, "paraphrase"),
        ("A formal programme at work can do the matching for you.", True, "paraphrase"),
        ("Formal mentoring programmes rarely produce good matches.", False, "claim"),
        ("Ask your manager to choose a mentor for you.", False, "claim"),
    ]),
    ("finding-a-mentor", "Reach out to alumni", [
        ("Alumni of your school, university or training course are worth contacting.", True, "paraphrase"),
        ("Contact people who studied where you did.", True, "paraphrase"),
        ("Avoid alumni, since they are usually too busy to help.", False, "claim"),
    ]),
    ("reaching-out-to-a-potential-mentor", "asks for one 20-30 minute conversation gets far more replies", [
        ("Asking for one 20-30 minute conversation gets far more replies than asking for an open-ended mentoring relationship.", True, "paraphrase"),
        ("A first message asking for a short 20-30 minute chat is more likely to get a reply.", True, "paraphrase"),
        ("A first message should ask for a 2-hour meeting.", False, "number"),
        ("Asking straight away for a long-term mentoring relationship gets the most replies.", False, "claim"),
    ]),
    ("reaching-out-to-a-potential-mentor", "Keep the whole message under 150 words", [
        ("Keep your message under 150 words so it can be read on a phone.", True, "paraphrase"),
        ("Short messages under 150 words get read on a phone.", True, "paraphrase"),
        ("Keep the whole message under 500 words.", False, "number"),
        ("Write a long, detailed message so they understand your whole story.", False, "claim"),
    ]),
    ("reaching-out-to-a-potential-mentor", "Save the word \"mentor\" for the second or third conversation", [
        ("Don't use the word mentor until the second or third conversation.", True, "paraphrase"),
        ("Wait until a second or third conversation before mentioning mentoring.", True, "paraphrase"),
        ("Say the word mentor in your very first message so they know what you want.", False, "claim"),
        ("Save the word mentor for the fifth or sixth conversation.", False, "number"),
    ]),
    ("reaching-out-to-a-potential-mentor", "Name one specific reason you chose them", [
        ("Give one specific reason you picked them, such as a career move you hope to make too.", True, "paraphrase"),
        ("Say why you chose this person in particular.", True, "paraphrase"),
        ("List every reason you admire them and their company.", False, "claim"),
        ("Your mentor should name one reason they chose you.", False, "party"),
    ]),
    ("setting-smart-goals", "Choose one to three goals for a mentoring relationship", [
        ("Pick one to three goals for a mentoring relationship lasting six to twelve months.", True, "paraphrase"),
        ("A six to twelve month mentoring relationship should have between one and three goals.", True, "paraphrase"),
        ("Choose eight to ten goals for a mentoring relationship.", False, "number"),
        ("Choose one to three goals for a relationship of two years.", False, "number"),
    ]),
    ("setting-smart-goals", "Time-bound: the goal has a deadline", [
        ("A time-bound goal has a deadline or a review date.", True, "paraphrase"),
        ("Give the goal a deadline or a date to review it.", True, "paraphrase"),
        ("A time-bound goal can stay open with no end date.", False, "claim"),
    ]),
    ("setting-smart-goals", "Explain in one sentence why the goal matters", [
        ("Say in one sentence why the goal matters and share it with your mentor.", True, "paraphrase"),
        ("Share the goal with your mentor, with one sentence on why it matters to you.", True, "paraphrase"),
        ("Keep your goal private from your mentor until you achieve it.", False, "claim"),
        ("Your mentor should explain why the goal matters and share it with you.", False, "party"),
    ]),
    ("when-your-mentor-keeps-cancelling", "Treat it as a pattern if two sessions in a row are cancelled", [
        ("Two sessions cancelled in a row is a pattern, not bad luck.", True, "paraphrase"),
        ("If more than a third of sessions are moved, treat it as a pattern.", True, "paraphrase"),
        ("Only treat it as a pattern after five cancelled sessions in a row.", False, "number"),
        ("Last-minute cancellations are nothing to worry about.", False, "claim"),
    ]),
    ("when-your-mentor-keeps-cancelling", "One cancellation with an offer to reschedule is normal", [
        ("A single cancellation with an offer to reschedule is normal.", True, "paraphrase"),
        ("Don't worry about one cancellation if they offer a new time.", True, "paraphrase"),
        ("Any cancellation is a sign the mentor has lost interest.", False, "claim"),
    ]),
    ("when-your-mentor-keeps-cancelling", "Mentoring is voluntary, so it is often the first meeting to go", [
        ("Because mentoring is voluntary, it is often the first meeting dropped on a busy day.", True, "paraphrase"),
        ("Mentoring sessions often go first when a day gets busy, since they are voluntary.", True, "paraphrase"),
        ("Mentoring is usually the last meeting anyone cancels.", False, "claim"),
        ("Mentees cancel because mentoring is voluntary for them.", False, "party"),
    ]),
    ("preparing-for-your-first-meeting", "Send a short agenda a day or two before", [
        ("Send a short agenda a day or two before so your mentor knows what to expect.", True, "paraphrase"),
        ("Share a brief agenda ahead of the meeting.", True, "paraphrase"),
        ("Send a short agenda a week or two before the meeting.", False, "number"),
        ("Wait for your mentor to send you the agenda.", False, "party"),
    ]),
    ("preparing-for-your-first-meeting", "If the meeting is by video, send the link yourself", [
        ("For a video meeting, send the link yourself and check it works.", True, "paraphrase"),
        ("Make sure the video link works, and be the one who sends it.", True, "paraphrase"),
        ("Let your mentor send the video link.", False, "party"),
        ("Always meet in person rather than by video for a first meeting.", False, "claim"),
    ]),
    ("preparing-for-your-first-meeting", "Prepare a short introduction of about one minute", [
        ("Prepare a short introduction of about a minute.", True, "paraphrase"),
        ("Have a one-minute introduction ready.", True, "paraphrase"),
        ("Prepare a ten-minute introduction of yourself.", False, "number"),
        ("Skip the introduction and go straight to your questions.", False, "claim"),
    ]),
    ("preparing-for-your-first-meeting", "Read about your mentor's background", [
        ("Read up on your mentor's background so you don't waste meeting time on things you could look up.", True, "paraphrase"),
        ("Look up your mentor's background before you meet.", True, "paraphrase"),
        ("Spend the first meeting asking about your mentor's job history.", False, "claim"),
        ("Your mentor should read about your background before the meeting.", False, "party"),
    ]),
    ("giving-feedback-as-a-mentor", "Ask at the start of the relationship how the mentee likes to receive feedback", [
        ("Early on, ask your mentee how they like to get feedback: directly, in writing or with time to think.", True, "paraphrase"),
        ("Find out at the start how the mentee prefers to receive feedback.", True, "paraphrase"),
        ("Ask your mentor at the start how they like to receive feedback.", False, "party"),
        ("Always give feedback in writing so there is a record.", False, "claim"),
    ]),
    ("giving-feedback-as-a-mentor", "Ask permission in the moment", [
        ("Ask permission before sharing an observation.", True, "paraphrase"),
        ("In the moment, check whether it would help if you shared an observation.", True, "paraphrase"),
        ("Share observations straight away without asking.", False, "claim"),
    ]),
    ("giving-feedback-as-a-mentor", "After SBI, ask a question", [
        ("After giving feedback with SBI, ask how it matches what they noticed.", True, "paraphrase"),
        ("Follow SBI feedback with a question so it becomes a conversation.", True, "paraphrase"),
        ("After SBI feedback, end the conversation so the mentee can reflect alone.", False, "claim"),
    ]),
    ("mentoring-agreement", "A one-page agreement takes about fifteen minutes to write", [
        ("A one-page agreement takes about fifteen minutes and can save months of drifting.", True, "paraphrase"),
        ("Writing a short agreement takes around fifteen minutes.", True, "paraphrase"),
        ("A mentoring agreement takes about three hours to write.", False, "number"),
        ("A one-page agreement takes about fifty minutes to write.", False, "number"),
    ]),
    ("mentoring-agreement", "Who schedules meetings and sends reminders, usually the mentee", [
        ("The mentee usually schedules meetings and sends reminders.", True, "paraphrase"),
        ("Agree who schedules meetings and sends reminders; it is usually the mentee.", True, "paraphrase"),
        ("The mentor usually schedules the meetings and sends reminders.", False, "party"),
        ("Programme staff schedule every meeting and send the reminders.", False, "party"),
    ]),
    ("mentoring-agreement", "A mentoring agreement is not a contract", [
        ("A mentoring agreement is a shared reference, not a contract.", True, "paraphrase"),
        ("The agreement makes expectations clear and is not a legal contract.", True, "paraphrase"),
        ("A mentoring agreement is a binding contract both people must sign.", False, "claim"),
    ]),
    ("running-effective-sessions", "The mentee owns the agenda, the notes and the follow-up actions", [
        ("The mentee owns the agenda, the notes and the follow-up actions.", True, "paraphrase"),
        ("As the mentee, you are responsible for the agenda and the notes.", True, "paraphrase"),
        ("The mentor owns the agenda, the notes and the follow-up actions.", False, "party"),
        ("The agenda and notes are shared equally so neither person owns them.", False, "claim"),
    ]),
    ("running-effective-sessions", "Pick one or two topics that matter most right now", [
        ("Choose one or two topics that matter most right now.", True, "paraphrase"),
        ("Focus each session on the one or two topics that matter most.", True, "paraphrase"),
        ("Bring a list of ten topics to every session.", False, "number"),
        ("Cover every topic you can think of in each session.", False, "claim"),
    ]),
    ("running-effective-sessions", "the mentor can run the first two or three sessions", [
        ("With a mentee new to mentoring, the mentor can run the first two or three sessions before handing over the agenda.", True, "paraphrase"),
        ("A mentor can lead the first few sessions, then hand the agenda to the mentee.", True, "paraphrase"),
        ("The mentee should run the mentor's first two or three sessions.", False, "party"),
        ("The mentor should run the first ten sessions.", False, "number"),
    ]),
    ("when-someone-says-no", "Treat a \"no\" as information about timing and fit", [
        ("A no tells you about timing and fit, not your potential.", True, "paraphrase"),
        ("Treat a refusal as information about timing and fit.", True, "paraphrase"),
        ("A no means they doubt your potential.", False, "claim"),
    ]),
    ("when-someone-says-no", "The person already mentors several people", [
        ("They may already mentor several people and have no capacity left.", True, "paraphrase"),
        ("Some people say no because they already mentor others.", True, "paraphrase"),
        ("People decline because they have never mentored anyone.", False, "claim"),
    ]),
    ("ending-mentoring-well", "Mention the approaching end a session or two before", [
        ("Mention the end a session or two before the last meeting so it isn't abrupt.", True, "paraphrase"),
        ("Signal that the relationship is ending a session or two ahead.", True, "paraphrase"),
        ("Announce the ending only at the very last meeting.", False, "claim"),
        ("Mention the approaching end five or six sessions before.", False, "number"),
    ]),
    ("ending-mentoring-well", "Agree an end date or a review point when the relationship starts", [
        ("Agree an end date or a review point at the start of the relationship.", True, "paraphrase"),
        ("When you begin, set a review point, such as six months.", True, "paraphrase"),
        ("Leave the end date open so the relationship can run indefinitely.", False, "claim"),
        ("Agree a review point after two years.", False, "number"),
    ]),
    ("virtual-mentoring", "Use video for regular sessions, especially the first three", [
        ("Use video for regular sessions, especially the first three.", True, "paraphrase"),
        ("Video helps build trust quickly in early sessions.", True, "paraphrase"),
        ("Use audio only for the first three sessions.", False, "claim"),
        ("Use video for the first ten sessions.", False, "number"),
    ]),
    ("virtual-mentoring", "Meetings are easier to cancel or shorten, so a fixed recurring slot", [
        ("Remote meetings are easier to cancel, so a fixed recurring slot matters more.", True, "paraphrase"),
        ("Book a regular recurring time, since remote meetings are easy to cancel.", True, "paraphrase"),
        ("Remote meetings are harder to cancel than in-person ones.", False, "claim"),
    ]),
    ("sponsor-versus-mentor", "A sponsor talks about you", [
        ("A sponsor puts your name forward for promotions, projects and roles when you are not in the room.", True, "paraphrase"),
        ("Sponsors advocate for you in rooms you are not in.", True, "paraphrase"),
        ("A sponsor listens and shares experience to help you think.", False, "claim"),
        ("A mentor puts your name forward for promotions when you are not in the room.", False, "party"),
    ]),
    ("sponsor-versus-mentor", "A mentor can be anyone with useful experience", [
        ("A mentor can be anyone with useful experience, but a sponsor needs influence.", True, "paraphrase"),
        ("Sponsors need influence over the decisions you care about.", True, "paraphrase"),
        ("A sponsor can be anyone with useful experience, whatever their influence.", False, "party"),
    ]),
    ("confidentiality-and-boundaries", "A mentor may share general lessons", [
        ("A mentor may share general lessons with others but never details that identify the mentee.", True, "paraphrase"),
        ("Mentors can pass on general lessons as long as the mentee can't be identified.", True, "paraphrase"),
        ("A mentor may share the mentee's details with their manager.", False, "claim"),
        ("A mentee may share general lessons but never details that identify the mentor.", False, "party"),
    ]),
    ("confidentiality-and-boundaries", "Agree confidentiality explicitly in the first session", [
        ("Agree on confidentiality explicitly in the first session instead of assuming it.", True, "paraphrase"),
        ("Don't assume confidentiality; agree it at the first session.", True, "paraphrase"),
        ("Confidentiality can be assumed, so there is no need to discuss it.", False, "claim"),
        ("Agree confidentiality in the fourth session.", False, "number"),
    ]),
    ("becoming-a-mentor-for-the-first-time", "If you answer yes to at least four, say yes", [
        ("If you answer yes to at least four of the questions, say yes.", True, "paraphrase"),
        ("Four or more yes answers mean you should accept.", True, "paraphrase"),
        ("If you answer yes to at least two, say yes.", False, "number"),
        ("Say no unless you can answer yes to all of them.", False, "claim"),
    ]),
    ("becoming-a-mentor-for-the-first-time", "If time is the only problem, offer a shorter or lighter arrangement", [
        ("If time is the only issue, offer a shorter or lighter arrangement rather than a flat no.", True, "paraphrase"),
        ("When time is the only obstacle, suggest a lighter arrangement.", True, "paraphrase"),
        ("If time is a problem, decline firmly.", False, "claim"),
        ("If time is the only problem, the mentee should offer a lighter arrangement.", False, "party"),
    ]),
    ("matching-mentors-and-mentees", "Staff-led matching", [
        ("Staff-led matching, where the lead pairs people by hand, works well for up to about 40 pairs.", True, "paraphrase"),
        ("Pairing by hand works for programmes of up to around 40 pairs.", True, "paraphrase"),
        ("Staff-led matching works well for up to about 400 pairs.", False, "number"),
        ("In staff-led matching, mentees browse profiles and rank their top three.", False, "claim"),
    ]),
    ("matching-mentors-and-mentees", "Hybrid matching", [
        ("Hybrid matching, where the mentee picks one of two or three proposed options, is a good default.", True, "paraphrase"),
        ("In hybrid matching, staff or software propose a few options and the mentee chooses.", True, "paraphrase"),
        ("In hybrid matching the mentor picks one of the proposed mentees.", False, "party"),
        ("Hybrid matching proposes ten options to each mentee.", False, "number"),
    ]),
    ("thanking-your-mentor", "Gifts are rarely what mentors remember", [
        ("A well-written note usually means more to a mentor than a gift.", True, "paraphrase"),
        ("Mentors rarely remember gifts.", True, "paraphrase"),
        ("An expensive gift is the best way to thank a mentor.", False, "claim"),
    ]),
    ("thanking-your-mentor", "After every session:", [
        ("After each session, send a short message the same day naming one useful point.", True, "paraphrase"),
        ("Send a brief thank-you the same day, mentioning one useful point.", True, "paraphrase"),
        ("After every session, send a message a month later.", False, "claim"),
        ("After every session, your mentor should send you a short message.", False, "party"),
    ]),
    ("handling-a-mismatch", "do not judge a pairing on one meeting", [
        ("The first two or three sessions often feel stiff, so don't judge a pairing on one meeting.", True, "paraphrase"),
        ("Early sessions can feel awkward while trust builds.", True, "paraphrase"),
        ("If the first meeting feels stiff, end the pairing straight away.", False, "claim"),
        ("The first ten sessions often feel stiff.", False, "number"),
    ]),
    ("following-up-after-no-reply", "Wait 7-10 working days", [
        ("Wait 7-10 working days after your first message before following up.", True, "paraphrase"),
        ("Give it seven to ten working days before you send a follow-up.", True, "paraphrase"),
        ("Follow up after 2 days if you hear nothing.", False, "number"),
        ("Never follow up; silence means no.", False, "claim"),
    ]),
    ("following-up-after-no-reply", "one polite follow-up is normal professional behaviour", [
        ("One polite follow-up is normal, not pestering.", True, "paraphrase"),
        ("Most unanswered messages were just buried, so a single follow-up is fine.", True, "paraphrase"),
        ("Send a follow-up every day until they reply.", False, "claim"),
        ("Send three polite follow-ups in the first week.", False, "number"),
    ]),
]

_PARTY = {"mentor": "mentee", "mentee": "mentor", "mentors": "mentees", "mentees": "mentors"}
_NUMBER_SWAP = {"one": "five", "two": "six", "three": "seven", "four": "nine", "five": "eight", "six": "ten",
                "ten": "three", "twelve": "four"}


def unit_index(base) -> dict[str, list[tuple[str, str]]]:
    """Document id -> its units with their section heading, in reading order."""
    out: dict[str, list[tuple[str, str]]] = {}
    for doc in base.documents:
        section = "intro"
        for block in re.split(r"^(#{2,3} .*)$", doc.body, flags=re.M):
            if re.match(r"#{2,3} ", block):
                section = block.strip("# \n")
                continue
            for unit in answer_units(block):
                if len(unit.split()) >= 6:
                    out.setdefault(doc.id, []).append((section, unit))
    return out


def held_out(doc_id: str) -> bool:
    return int(hashlib.sha256(doc_id.encode()).hexdigest(), 16) % 100 < HELD_OUT_SHARE * 100


def second_person(unit: str) -> str:
    unit = unit.rstrip(".:")
    return f"You should {unit[0].lower()}{unit[1:]}." if re.match(r"^[A-Z][a-z]+ ", unit) else f"{unit}."


def swap_party(unit: str) -> str | None:
    words = re.findall(r"\b(mentors?|mentees?)\b", unit, re.I)
    if len({w.lower().rstrip("s") for w in words}) != 1:
        return None  # swapping a sentence naming both parties makes nonsense, not a hard negative
    return re.sub(r"\b(mentors?|mentees?)\b", lambda m: _PARTY[m.group(1).lower()], unit, flags=re.I)


def swap_number(unit: str) -> str | None:
    if re.search(r"\d", unit):
        return re.sub(r"\d+", lambda m: str(int(m.group()) * 3 + 1), unit, count=1)
    found = re.search(r"\b(" + "|".join(_NUMBER_SWAP) + r")\b", unit)
    if found:
        return unit[:found.start()] + _NUMBER_SWAP[found.group(1)] + unit[found.end():]
    return None


def main() -> None:
    base = load_knowledge(ROOT / "knowledge")
    units = unit_index(base)
    rng = random.Random(20261126)
    rows: list[dict] = []

    def add(sentence, passage, supported, kind, doc_id, source):
        rows.append({"sentence": sentence, "passage": passage, "supported": supported, "kind": kind,
                     "doc_id": doc_id, "source": source, "split": "held-out" if held_out(doc_id) else "calibrate"})

    for doc_id, phrase, pairs in WRITTEN:
        matches = [u for _, u in units[doc_id] if phrase.lower() in u.lower()]
        if len(matches) != 1:
            raise SystemExit(f"{doc_id}: '{phrase}' finds {len(matches)} units; update the phrase")
        for sentence, supported, kind in pairs:
            add(sentence, matches[0], supported, kind, doc_id, "written")

    written_docs = {d for d, _, _ in WRITTEN}
    for doc_id in sorted(units):
        doc_units = units[doc_id]
        picks = rng.sample(doc_units, min(3 if doc_id in written_docs else 4, len(doc_units)))
        for section, unit in picks:
            add(second_person(unit), unit, True, "restated", doc_id, "derived")
            others = [u for s, u in doc_units if s != section]
            if others:
                add(rng.choice(others), unit, False, "claim", doc_id, "derived")
            swapped = swap_party(unit)
            if swapped:
                add(swapped, unit, False, "party", doc_id, "derived")
            changed = swap_number(unit)
            if changed:
                add(changed, unit, False, "number", doc_id, "derived")

    with OUT.open("w", encoding="utf-8") as f:
        for row in rows:
            f.write(json.dumps(row, ensure_ascii=False) + "\n")
    held = sum(r["split"] == "held-out" for r in rows)
    print(f"Wrote {len(rows)} pairs to {OUT.relative_to(ROOT)} ({held} held out, "
          f"{sum(r['source'] == 'written' for r in rows)} written, {sum(r['supported'] for r in rows)} supported)")


if __name__ == "__main__":
    main()
