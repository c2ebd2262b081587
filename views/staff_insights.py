"""Staff workspace, Insights: content gaps by theme, cited and never-cited documents, feedback, CSV.

Questions are untrusted text: they are shown with st.text and in tables, never as Markdown.
"""

from __future__ import annotations

import datetime as dt

import pandas as pd
import streamlit as st

from assistant.staff.insights import (citation_counts, feedback_csv, feedback_series, gap_questions, gap_themes,
                                interactions_csv, never_cited, themes_csv)
from assistant.staff.editing import list_documents, new_draft
from assistant.knowledge import knowledge_fingerprint, load_knowledge
from views import staff_documents
from views.shared import get_assistant, get_storage

PERIODS = {"Last 7 days": 7, "Last 30 days": 30, "Last 90 days": 90, "Everything kept": None}
THEMES_SHOWN = 15
S = st.session_state


@st.cache_data(ttl=600, max_entries=16, show_spinner="Grouping questions into themes…")
def _themes(_storage, _embedder, _documents, rows_key, knowledge_key, since, min_confidence) -> list:
    # rows_key (rows added or purged), knowledge_key (files changed) and the rest are the cache key.
    return gap_themes(_storage, _embedder, since, min_confidence=min_confidence, documents=_documents)


def _draft_for(knowledge_dir, title: str, topics: list[str], questions: list[str]) -> None:
    staff_documents.open_new(knowledge_dir, new_draft(title=title, topics=topics[:1], questions=questions))
    S.staff_section = "Documents"


def render(settings) -> None:
    storage = get_storage()
    period = st.selectbox("Period", list(PERIODS), index=1, key="ins_period")
    days = PERIODS[period]
    since = dt.datetime.now(dt.timezone.utc) - dt.timedelta(days=days) if days else None
    since_key = since.replace(minute=0, second=0, microsecond=0) if since else None  # stable within the hour
    knowledge = load_knowledge(settings.knowledge_dir)

    st.subheader("Content gaps")
    st.caption("Questions declined as out of scope, answered with low confidence, or rated thumbs down, grouped by "
               "similarity. Each theme is something the guidance could cover.")
    themes = []
    if gap_questions(storage, since_key, settings.min_confidence):  # no model needed when there are none
        themes = _themes(storage, get_assistant().embedder, knowledge.documents, storage.fingerprint(),
                         knowledge_fingerprint(settings.knowledge_dir)[0], since_key, settings.min_confidence)
    if not themes:
        st.info("No content gaps in this period: every question was answered with confidence and none was "
                "rated thumbs down (or question logging is off).")
    for n, theme in enumerate(themes[:THEMES_SHOWN], 1):
        with st.container(border=True):
            why = " · ".join(f"{reason} {count}" for reason, count in theme.reasons.most_common())
            st.markdown(f"**Theme {n}** · {theme.count} asked · {why}")
            st.text(theme.label)
            st.dataframe([{"question": q.text, "asked": q.count, "why": ", ".join(q.reasons)}
                          for q in theme.questions[:5]], hide_index=True, width="stretch")
            if theme.related:
                st.caption("Related documents, perhaps worth extending: "
                           + ", ".join(f"{doc} ({score:.2f})" for doc, score in theme.related))
            st.button("Draft a document for this", key=f"ins_draft_{n}", on_click=_draft_for,
                      args=(settings.knowledge_dir, theme.title, theme.topics, theme.examples[:3]))
    if len(themes) > THEMES_SHOWN:
        st.caption(f"{len(themes) - THEMES_SHOWN} smaller theme(s) not shown; download the CSV for all of them.")

    st.subheader("Citations")
    documents = {row.id: row.title for row in list_documents(settings.knowledge_dir, knowledge.topics)}
    rows = citation_counts(storage, documents, since)
    left, right = st.columns(2)
    with left:
        st.caption("Most cited")
        st.dataframe([{"document": r.doc_id, "cited": r.cited, "helpful": r.helpful, "not helpful": r.not_helpful}
                      for r in rows if r.cited][:15], hide_index=True, width="stretch")
    with right:
        unused = never_cited(rows, documents)
        st.caption(f"Never cited ({len(unused)} of {len(documents)})")
        st.dataframe([{"document": r.doc_id, "title": r.title} for r in unused], hide_index=True, width="stretch")

    st.subheader("Feedback over time")
    series = feedback_series(storage, since)
    if series:
        frame = pd.DataFrame(series).rename(columns={"not_helpful": "not helpful"})
        st.bar_chart(frame.set_index("date"), color=["#2e7d32", "#c62828"])
    else:
        st.info("No ratings in this period.")

    st.subheader("Export")
    stamp = dt.date.today().isoformat()
    left, mid, right = st.columns(3)
    left.download_button("Gaps (CSV)", themes_csv(themes), file_name=f"mentor-gaps-{stamp}.csv", mime="text/csv",
                         key="ins_csv_gaps")
    mid.download_button("Feedback (CSV)", feedback_csv(storage, since), file_name=f"mentor-feedback-{stamp}.csv",
                        mime="text/csv", key="ins_csv_feedback")
    right.download_button("Questions (CSV)", interactions_csv(storage, since),
                          file_name=f"mentor-questions-{stamp}.csv", mime="text/csv", key="ins_csv_questions")
