from assistant.roles import addresses, infer_role, section_audience
from assistant.models import Passage


def test_clear_roles_are_read_from_how_the_asker_stands():
    assert infer_role("How can I become a mentor to someone?") == "mentor"
    assert infer_role("Someone asked me to mentor them, what now?") == "mentor"
    assert infer_role("my mentee never prepares for our sessions") == "mentor"
    assert infer_role("how do i give feedback to my mentor") == "mentee"
    assert infer_role("where do I find a mentor in data science?") == "mentee"
    assert infer_role("our mentoring programme has low sign-ups this year") == "program-staff"
    assert infer_role("how should we match mentors and mentees in the pilot?") == "program-staff"


def test_unclear_questions_stay_unknown():
    for question in ("mentor vs coach?", "how often should we meet", "what is a sponsor", "hello"):
        assert infer_role(question) == "unknown", question
    # A follow-up with no cue of its own keeps the role the conversation showed.
    assert infer_role("how often should we meet?", ["my mentee wants weekly calls"]) == "mentor"
    assert infer_role("how often should we meet?", ["mentor vs coach?"]) == "unknown"


def _passage(heading: str, audience: list[str]) -> Passage:
    return Passage(id="d#x", doc_id="d", title="T", heading_path=["T", heading], section_key="d#x",
                   topics=["first-meeting"], audience=audience, text="Some text here.", content_hash="h")


def test_a_heading_that_names_one_side_narrows_the_audience():
    assert section_audience(_passage("For mentors: how to support a mentee", ["mentee", "mentor"])) == ["mentor"]
    assert section_audience(_passage("Notes for programme staff", ["mentee", "program-staff"])) == ["program-staff"]
    assert section_audience(_passage("Where to look for a mentor", ["mentee"])) == ["mentee"]
    # An unknown role is never penalised.
    assert addresses(_passage("Where to look for a mentor", ["mentee"]), "unknown")
    assert not addresses(_passage("Where to look for a mentor", ["mentee"]), "mentor")
