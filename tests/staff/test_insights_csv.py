"""CSV exports hold untrusted questions: no cell may open a new row or run as a formula in a spreadsheet."""

import csv
import datetime as dt
import io
from collections import Counter

import pytest

from assistant.staff.insights import GapQuestion, Theme, feedback_csv, interactions_csv, themes_csv
from assistant.models import Answer
from assistant.store.storage import Storage

T0 = dt.datetime(2026, 11, 1, 9, tzinfo=dt.timezone.utc)
HOSTILE = "How do I find a mentor\r=cmd|' /C calc'!A0"
MORE = ["=HYPERLINK(\"http://x\")", "+1+1", "-2+3", "@SUM(A1)", "\tTab first", "\r=1+1", "line one\n=2+2", "a,b\"c"]


@pytest.fixture
def storage(tmp_path) -> Storage:
    storage = Storage(f"sqlite:///{tmp_path / 'mentor.db'}", question_logging="full")
    for n, question in enumerate([HOSTILE, *MORE]):
        row = storage.interactions.record("s1", Answer(status="out_of_scope", text="", question=question),
                                         at=T0 + dt.timedelta(minutes=n))
        storage.feedback.record("s1", question, [], 0, comment=question, interaction_id=row,
                                at=T0 + dt.timedelta(minutes=n))
    return storage


def exports(storage: Storage) -> dict[str, str]:
    at = T0 + dt.timedelta(hours=1)
    gaps = [GapQuestion(q, 1, Counter({"out of scope": 1}), at, at) for q in [HOSTILE, *MORE]]
    theme = Theme(label="=cmd", title=HOSTILE, count=len(gaps), questions=gaps, reasons=Counter())
    return {"questions": interactions_csv(storage), "feedback": feedback_csv(storage), "gaps": themes_csv([theme])}


def test_every_export_round_trips_with_no_cell_starting_a_formula(storage):
    for name, text in exports(storage).items():
        rows = list(csv.reader(io.StringIO(text, newline="")))
        width = len(rows[0])
        assert all(len(row) == width for row in rows), name  # no cell was split into a new row
        cells = [cell for row in rows[1:] for cell in row]
        assert not [c for c in cells if c.startswith(("=", "+", "-", "@", "\t", "\r"))], name
        assert HOSTILE in cells, name  # kept whole: it starts with 'How', so it needs no prefix
        assert "'=HYPERLINK(\"http://x\")" in cells and "'\r=1+1" in cells, name


def test_a_cell_with_a_bare_carriage_return_is_quoted(storage):
    for name, text in exports(storage).items():
        # Quoted, so a reader that ends a row at a bare CR (as RFC 4180 allows) keeps the question whole.
        assert '"How do I find a mentor\r=cmd|\' /C calc\'!A0"' in text, name
