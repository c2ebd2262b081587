import re

from assistant import Answer, Turn
from assistant.conversation import looks_elliptic, resolve


def test_answers_with_citations_on_every_sentence(bot):
    answer = bot.ask("How do I find a mentor?")
    assert isinstance(answer, Answer) and answer.status == "answered"
    assert answer.citations and answer.citations[0].doc_id == "finding-a-mentor"
    assert [c.number for c in answer.citations] == list(range(1, len(answer.citations) + 1))
    lines = [line for line in answer.text.splitlines() if line.strip()]
    headings = [line for line in lines if line.startswith("**")]
    sections = {c.section for c in answer.citations}
    assert all(line.split("**")[1] in sections for line in headings), answer.text
    titles = [line for line in lines if re.fullmatch(r"\*[^*].*\*", line)]
    assert all(line.strip("*") in {c.title for c in answer.citations} for line in titles), answer.text
    quoted_lines = [line for line in lines if line not in headings and line not in titles]
    assert all(re.search(r"\[\d+\]$", line) for line in quoted_lines), answer.text
    # Extractive: each quoted unit comes from the passage it cites.
    for line in quoted_lines:
        for quoted, n in re.findall(r"(.+?) \[(\d+)\]", re.sub(r"^- ", "", line)):
            assert quoted.strip().rstrip(".")[:40] in " ".join(answer.citations[int(n) - 1].text.split()), line
    c = answer.citations[0]
    assert c.title and c.section and c.topics and c.text and 0 < c.score <= 1


def test_out_of_scope_question_is_refused(bot):
    answer = bot.ask("What is the capital of Australia?")
    assert answer.status == "out_of_scope"
    assert answer.citations == [] and "mentoring" in answer.text


def test_invalid_inputs_say_why(bot):
    for question in ["", "   \n\t"]:
        answer = bot.ask(question)
        assert answer.status == "invalid_input" and "type a question" in answer.text
    long = bot.ask("mentor " * 20_000)  # about 140 KB
    assert long.status == "invalid_input" and "1,000" in long.text and "140,000" in long.text


def test_html_in_a_question_is_treated_as_text(bot):
    answer = bot.ask("<script>alert('x')</script> how do i find a mentor?")
    assert answer.status == "answered"
    assert "<script>" not in answer.resolved_query
    only_markup = bot.ask("<b></b><script>alert(1)</script>")
    assert only_markup.status == "invalid_input"


def test_template_request_returns_the_template_whole(bot):
    answer = bot.ask("can you give me a message i could send to someone i've never met asking them to mentor me")
    assert answer.status == "answered" and answer.is_template
    c = answer.citations[0]
    assert c.section.startswith("Template")
    body = [line[2:] for line in answer.text.splitlines() if line.startswith("> ")]
    assert " ".join(body).split() == " ".join(c.text.splitlines()).split()


def test_follow_up_uses_the_history(bot):
    history = ["my mentor keeps cancelling our meetings"]
    alone = bot.understand("what should I say to them?")
    query = bot.understand("what should I say to them?", history=history)
    assert query.follow_up.elliptic
    assert bot.retrieve(query).hits[0].passage.doc_id == "when-your-mentor-keeps-cancelling"
    assert alone.follow_up.elliptic is False
    # History may be Turn objects or role/content dicts too.
    for h in ([Turn(content=history[0])], [{"role": "user", "content": history[0]}]):
        assert bot.ask("what should I say to them?", history=h).citations[0].doc_id == "when-your-mentor-keeps-cancelling"


def test_a_new_subject_is_not_treated_as_follow_up(bot):
    history = ["my mentor keeps cancelling our meetings"]
    query = bot.understand("how is a sponsor different from a mentor?", history=history)
    assert not query.follow_up.elliptic
    assert bot.retrieve(query).hits[0].passage.doc_id == "sponsor-versus-mentor"
    drift = bot.ask("ok and what's a good recipe for lasagna", history=["how do i find a mentor"])
    assert drift.status == "out_of_scope"


def test_elliptic_detection():
    assert looks_elliptic("what should I say to them?")
    assert looks_elliptic("and how is that different?")
    assert looks_elliptic("template?")
    assert not looks_elliptic("how do I set SMART goals for my first year as a manager?")
    res = resolve("any examples?", [Turn(content="how do i write a smart goal")])
    assert res.is_follow_up and res.query.startswith("how do i write a smart goal")


def test_an_answer_carries_the_lead_match_of_the_section_it_opens_with(bot):
    quoted = bot.ask("How do I find a mentor?")
    template = bot.ask("can you give me a message i could send to someone i've never met asking them to mentor me")
    assert template.is_template
    for answer in (quoted, template):
        assert 0.3 < answer.lead_match <= 1.0, (answer.lead_match, answer.text)
    assert quoted.lead_margin is not None and quoted.lead_margin >= 0.0  # the chosen section scored highest
    assert template.lead_margin is None  # a template is not chosen among sections by score
    declined = bot.ask("What is the capital of Australia?")
    assert declined.lead_match == 0.0 and declined.lead_margin is None
