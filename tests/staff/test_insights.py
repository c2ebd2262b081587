import csv
import datetime as dt
import io

import numpy as np
import pytest

from assistant.staff.insights import (LEAD_MATCH_FILE, citation_counts, cluster, doubtful_answers, feedback_csv,
                                      feedback_series, gap_questions, gap_themes, interactions_csv, lead_match_threshold,
                                      never_cited, section_of, themes_csv, thumbs_down, to_csv)
from assistant.knowledge import load_knowledge
from assistant.models import Answer, Citation
from assistant.store.storage import Storage

UTC = dt.timezone.utc
T0 = dt.datetime(2026, 11, 1, 9, tzinfo=UTC)

SALARY = ["How do I negotiate a higher salary?", "What should I say when asking for a pay rise?",
          "How can I ask my boss for more money?", "Tips for salary negotiation in a job offer"]
CV = ["How do I write a good CV?", "What should I put on my resume?", "How long should a CV be?"]
LEAVE = ["How much parental leave am I entitled to?", "How do I plan maternity leave with my manager?",
         "Returning from paternity leave, what are my rights on leave?"]


def answer(question, status="answered", confidence=0.9, docs=()):
    citations = [Citation(number=n, doc_id=d, title=d, section="s", topics=[], text="t", score=1.0)
                 for n, d in enumerate(docs, 1)]
    return Answer(status=status, text="…", question=question, confidence=confidence, citations=citations)


@pytest.fixture
def seeded(tmp_path) -> Storage:
    """Gaps of three kinds on three themes, plus well-answered questions that are not gaps."""
    storage = Storage(f"sqlite:///{tmp_path / 'mentor.db'}")
    at = iter(T0 + dt.timedelta(hours=n) for n in range(100))
    for q in SALARY[:3]:
        storage.interactions.record("s1", answer(q, "out_of_scope", 0.1), at=next(at))
    storage.interactions.record("s2", answer(SALARY[0], "out_of_scope", 0.1), at=next(at))  # asked twice
    storage.interactions.record("s2", answer(SALARY[3], "answered", 0.52, ["finding-a-mentor"]), at=next(at))  # low
    for q in CV:
        storage.interactions.record("s3", answer(q, "out_of_scope", 0.2), at=next(at))
    for q in LEAVE[:2]:
        storage.interactions.record("s4", answer(q, "out_of_scope", 0.2), at=next(at))
    answered = storage.interactions.record("s4", answer(LEAVE[2], "answered", 0.9, ["sponsor-versus-mentor"]),
                                          at=next(at))
    storage.feedback.record("s4", LEAVE[2], ["sponsor-versus-mentor"], 0, interaction_id=answered, at=next(at))
    for q in ("How do I find a mentor?", "How do I set SMART goals?"):
        i = storage.interactions.record("s5", answer(q, "answered", 0.95, ["finding-a-mentor", "setting-smart-goals"]),
                                       at=next(at))
        storage.feedback.record("s5", q, ["finding-a-mentor"], 1, interaction_id=i, at=next(at))
    storage.interactions.record("s6", answer("", "invalid_input", 0.0), at=next(at))
    return storage


def test_gap_questions_are_out_of_scope_low_confidence_and_thumbs_down(seeded):
    gaps = {g.text: g for g in gap_questions(seeded, min_confidence=0.5)}
    assert set(gaps) == set(SALARY + CV + LEAVE)
    assert gaps[SALARY[0]].count == 2 and gaps[SALARY[0]].reasons["out of scope"] == 2
    assert gaps[SALARY[3]].reasons["low confidence"] == 1
    assert gaps[LEAVE[2]].reasons["thumbs down"] == 1
    later = gap_questions(seeded, since=T0 + dt.timedelta(hours=5), min_confidence=0.5)
    assert SALARY[0] not in {g.text for g in later}


def test_gap_clustering_groups_seeded_questions_into_the_expected_themes(seeded, settings, embedder):
    themes = gap_themes(seeded, embedder, min_confidence=0.5,
                        documents=load_knowledge(settings.knowledge_dir).documents)
    groups = [{q.text for q in t.questions} for t in themes]
    assert groups[0] == set(SALARY)  # most asked first: salary was asked 5 times
    assert sorted(map(sorted, groups[1:])) == sorted(map(sorted, [CV, LEAVE])) and len(groups) == 3
    salary, leave = themes[0], next(t for t in themes if LEAVE[0] in t.examples)
    assert salary.count == 5 and salary.reasons == {"out of scope": 4, "low confidence": 1}
    assert salary.title in SALARY and len(salary.examples) == 4
    assert "salary" in salary.label.split(" · ")
    assert all(not t.related for t in themes)  # nothing in the fixture guidance is about pay, CVs or leave
    assert leave.reasons["thumbs down"] == 1


def test_cluster_keeps_unrelated_vectors_apart():
    vectors = np.eye(4, dtype=np.float32)
    vectors[1] = vectors[0] * 0.8 + vectors[1] * 0.6  # close to row 0
    assert cluster(vectors, threshold=0.5) == [[0, 1], [2], [3]]
    assert cluster(np.zeros((0, 4), dtype=np.float32)) == []


def test_most_and_never_cited(seeded):
    docs = {"finding-a-mentor": "Finding", "setting-smart-goals": "SMART", "sponsor-versus-mentor": "Sponsor",
            "when-your-mentor-keeps-cancelling": "Cancelling"}
    rows = citation_counts(seeded, docs)
    assert [(r.doc_id, r.cited) for r in rows[:3]] == [("finding-a-mentor", 3), ("setting-smart-goals", 2),
                                                       ("sponsor-versus-mentor", 1)]
    assert rows[0].helpful == 2 and rows[2].not_helpful == 1
    assert [r.doc_id for r in never_cited(rows, docs)] == ["when-your-mentor-keeps-cancelling"]


def test_feedback_series_fills_empty_days(tmp_path):
    storage = Storage(f"sqlite:///{tmp_path / 'mentor.db'}")
    storage.feedback.record("s", "q", [], 1, at=T0)
    storage.feedback.record("s", "q", [], 0, at=T0 + dt.timedelta(hours=1))
    storage.feedback.record("s", "q", [], 1, at=T0 + dt.timedelta(days=2))
    series = feedback_series(storage)
    assert [(r["date"].day, r["helpful"], r["not_helpful"]) for r in series] == [(1, 1, 1), (2, 0, 0), (3, 1, 0)]
    assert feedback_series(Storage(f"sqlite:///{tmp_path / 'empty.db'}")) == []


def test_csv_export_neutralises_formulas(seeded):
    seeded.feedback.record("s9", "=HYPERLINK(\"http://evil\")", [], 0, comment="+1 great", at=T0)
    rows = list(csv.DictReader(io.StringIO(feedback_csv(seeded))))
    evil = next(r for r in rows if "HYPERLINK" in r["question"])
    assert evil["question"].startswith("'=") and evil["comment"] == "'+1 great" and evil["rating"] == "down"
    assert to_csv([{"a": -1.5, "b": ["x", "y"]}], ["a", "b"]) == "a,b\n-1.5,x y\n"


def test_themes_csv_lists_every_question(seeded, embedder):
    text = themes_csv(gap_themes(seeded, embedder, min_confidence=0.5))
    rows = list(csv.DictReader(io.StringIO(text)))
    assert len(rows) == len(SALARY + CV + LEAVE) and rows[0]["count"] == "2"


def test_a_theme_close_to_existing_guidance_names_the_documents(tmp_path, settings, embedder):
    storage = Storage(f"sqlite:///{tmp_path / 'mentor.db'}")
    for q in ("My mentor keeps cancelling our sessions", "My mentor never shows up to our meetings"):
        storage.interactions.record("s", answer(q, "answered", 0.2))
    [theme] = gap_themes(storage, embedder, documents=load_knowledge(settings.knowledge_dir).documents)
    assert theme.related[0][0] == "when-your-mentor-keeps-cancelling" and theme.topics[0] == "challenges"
    assert "mentor" not in theme.label and "our" not in theme.label.split(" · ")  # words every question has


def _cited(question, lead, sources, confidence=0.9, status="answered", mode="extractive", lead_match=0.95):
    citations = [Citation(number=n, doc_id=d, title=d, section=s, topics=[], text="t", score=1.0)
                 for n, (d, s) in enumerate(sources, 1)]
    return Answer(status=status, text=f"{lead} [1]\n\n- a second line [2]", question=question,
                  confidence=confidence, citations=citations, mode=mode, lead_match=lead_match)


def test_thumbs_down_shows_the_comment_with_its_question_answer_and_sources(tmp_path):
    storage = Storage(f"sqlite:///{tmp_path / 'mentor.db'}")
    sources = [("finding-a-mentor", "Where to look › Inside your organisation"), ("sponsor-versus-mentor", "Introduction")]
    asked = storage.interactions.record("s1", _cited("Where do I look for a mentor?", "Start inside your company.",
                                                    sources), at=T0)
    storage.feedback.record("s1", "Where do I look for a mentor?", ["finding-a-mentor", "sponsor-versus-mentor"], 0,
                            "It never says what to do if my company is tiny", interaction_id=asked,
                            at=T0 + dt.timedelta(minutes=1))
    liked = storage.interactions.record("s1", _cited("How do I set goals?", "Use SMART goals.", sources[:1]), at=T0)
    storage.feedback.record("s1", "How do I set goals?", ["finding-a-mentor"], 1, "great", interaction_id=liked, at=T0)

    [down] = thumbs_down(storage)
    assert down.question == "Where do I look for a mentor?"
    assert down.comment == "It never says what to do if my company is tiny"
    assert down.answer_lead == "Start inside your company."  # the first line, without its [1] marker
    assert down.sources == sources and down.documents == ["finding-a-mentor", "sponsor-versus-mentor"]
    assert section_of(down.sources[0][1]) == "Inside your organisation"  # the key `questions:` files it under


def test_a_rating_of_an_answer_asked_before_the_period_still_shows_its_answer(tmp_path):
    storage = Storage(f"sqlite:///{tmp_path / 'mentor.db'}")
    asked = storage.interactions.record("s1", _cited("Q?", "Lead.", [("finding-a-mentor", "Introduction")]), at=T0)
    storage.feedback.record("s1", "Q?", ["finding-a-mentor"], 0, interaction_id=asked, at=T0 + dt.timedelta(days=2))
    [down] = thumbs_down(storage, since=T0 + dt.timedelta(days=1))
    assert down.answer_lead == "Lead." and down.sources == [("finding-a-mentor", "Introduction")]


def test_doubtful_answers_are_near_the_threshold_or_spread_over_documents(tmp_path):
    storage = Storage(f"sqlite:///{tmp_path / 'mentor.db'}")
    one = [("finding-a-mentor", "Introduction")]
    three = [("finding-a-mentor", "Introduction"), ("setting-smart-goals", "Specific"), ("sponsor-versus-mentor", "A")]
    storage.interactions.record("s", _cited("Near the line?", "Lead.", one, confidence=0.55), at=T0)
    storage.interactions.record("s", _cited("Confident and focused?", "Lead.", one, confidence=0.95), at=T0)
    storage.interactions.record("s", _cited("Stitched together?", "Lead.", three, confidence=0.95),
                               at=T0 + dt.timedelta(minutes=1))
    storage.interactions.record("s", _cited("Declined?", "", [], confidence=0.52, status="out_of_scope"), at=T0)
    storage.interactions.record("s", _cited("near the line", "Lead again.", one, confidence=0.45),
                               at=T0 + dt.timedelta(minutes=2))  # the same question asked again: listed once

    doubtful = doubtful_answers(storage, min_confidence=0.5)
    assert [d.question for d in doubtful] == ["near the line", "Stitched together?"]
    assert doubtful[0].reasons == ["confidence 0.45, near the threshold 0.50"]
    assert doubtful[0].answer_lead == "Lead again."
    assert doubtful[1].reasons == ["cites 3 documents"] and doubtful[1].sources == three
    # the threshold is the setting's: at 0.9 the confident one is the doubtful one
    assert "Confident and focused?" in [d.question for d in doubtful_answers(storage, min_confidence=0.9)]


def test_an_answer_whose_lead_section_barely_matches_is_doubtful(tmp_path):
    storage = Storage(f"sqlite:///{tmp_path / 'mentor.db'}")
    one = [("finding-a-mentor", "Introduction")]
    storage.interactions.record("s", _cited("Opened in the wrong place?", "Lead.", one, lead_match=0.41), at=T0)
    storage.interactions.record("s", _cited("Opened well?", "Lead.", one, lead_match=0.93), at=T0)
    storage.interactions.record("s", _cited("Right on the line?", "Lead.", one, lead_match=0.60), at=T0)
    storage.interactions.record("s", _cited("Low and near?", "Lead.", one, confidence=0.52, lead_match=0.2),
                                at=T0 + dt.timedelta(minutes=1))
    storage.interactions.record("s", _cited("Declined?", "", [], status="out_of_scope", lead_match=0.0), at=T0)

    doubtful = doubtful_answers(storage, min_confidence=0.5, lead_below=0.6)
    assert [d.question for d in doubtful] == ["Low and near?", "Opened in the wrong place?"]  # 0.60 is not below 0.60
    assert doubtful[0].reasons == ["confidence 0.52, near the threshold 0.50", "lead match 0.20, below 0.60"]
    assert doubtful[1].reasons == ["lead match 0.41, below 0.60"]
    rows = {r["question"]: r for r in csv.DictReader(io.StringIO(interactions_csv(storage)))}
    assert rows["Opened in the wrong place?"]["lead_match"] == "0.41" and rows["Declined?"]["lead_match"] == ""


def test_the_lead_match_threshold_is_the_fitted_one_with_its_provenance(tmp_path):
    import json

    fitted = json.loads(LEAD_MATCH_FILE.read_text(encoding="utf-8"))
    assert lead_match_threshold() == fitted["below"] and 0.0 < fitted["below"] < 1.0
    provenance = fitted["provenance"]
    assert "split=tune" in provenance["fitted_on"] and "--fit-lead-match" in provenance["command"]
    assert provenance["tune"]["below"] == fitted["below"] and provenance["tune"]["precision"] >= 0.6
    # the default is the fitted threshold: a lead match just under it is listed, one at it is not
    storage = Storage(f"sqlite:///{tmp_path / 'mentor.db'}")
    one = [("finding-a-mentor", "Introduction")]
    storage.interactions.record("s", _cited("Just under?", "Lead.", one, lead_match=fitted["below"] - 0.01), at=T0)
    storage.interactions.record("s", _cited("At it?", "Lead.", one, lead_match=fitted["below"]), at=T0)
    assert [d.question for d in doubtful_answers(storage)] == ["Just under?"]


def test_a_row_stored_before_the_lead_match_was_kept_is_never_low(tmp_path):
    from sqlalchemy import update

    from assistant.store.schema import interactions

    storage = Storage(f"sqlite:///{tmp_path / 'mentor.db'}")
    storage.interactions.record("s", _cited("Old?", "Lead.", [("finding-a-mentor", "Introduction")], lead_match=0.1))
    with storage.engine.begin() as db:
        db.execute(update(interactions).values(lead_match=None))  # what migration 0006 leaves on older rows
    assert doubtful_answers(storage, lead_below=0.6) == []


def test_the_answer_lead_follows_the_question_logging_policy(tmp_path):
    generated = _cited("Q?", "Email jane.doe@example.com to ask.", [("finding-a-mentor", "Introduction")],
                       mode="generated")
    quoted = _cited("Q?", "Start inside your company.", [("finding-a-mentor", "Introduction")])
    off = Storage(f"sqlite:///{tmp_path / 'off.db'}", question_logging="off")
    off.interactions.record("s", quoted)
    assert off.interactions.rows()[0]["answer_lead"] is None
    full = Storage(f"sqlite:///{tmp_path / 'full.db'}", question_logging="full")
    full.interactions.record("s", generated)
    assert full.interactions.rows()[0]["answer_lead"] == "Email jane.doe@example.com to ask."
    redacted = Storage(f"sqlite:///{tmp_path / 'redacted.db'}")
    redacted.interactions.record("s", generated)
    redacted.interactions.record("s", quoted)
    leads = [r["answer_lead"] for r in redacted.interactions.rows()]
    assert leads == ["Email [email] to ask.", "Start inside your company."]
