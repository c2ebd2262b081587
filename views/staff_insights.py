"""Staff workspace, Insights: content gaps by theme, thumbs-down comments and doubtful answers (each
can be attached to the section that should answer it), cited and never-cited documents, feedback, CSV.

Questions are untrusted text: they are shown with st.text and in tables, never as Markdown.
"""

from __future__ import annotations

import datetime as dt

import pandas as pd
import streamlit as st

from assistant.errors import EditConflict, KnowledgeError
from assistant.staff.insights import (LOW_CONFIDENCE_MARGIN, SPREAD_DOCUMENTS, Reviewed, citation_counts, doubtful_answers,
                                      feedback_csv, feedback_series, gap_questions, gap_themes, interactions_csv,
                                      lead_match_threshold, never_cited, section_of, themes_csv, thumbs_down)
from assistant.staff.editing import attach_question, list_documents, new_draft, section_keys
from assistant.knowledge import knowledge_fingerprint, load_knowledge
from assistant.models import INTRODUCTION
from assistant.store.documents import document_store
from views import staff_documents
from views.shared import get_assistant, get_storage

PERIODS = {"Last 7 days": 7, "Last 30 days": 30, "Last 90 days": 90, "Everything kept": None}
THEMES_SHOWN = 15
REVIEWS_SHOWN = 20  # thumbs-down comments and doubtful answers listed; the CSVs hold all of them
S = st.session_state


@st.cache_data(ttl=600, max_entries=16, show_spinner="Grouping questions into themes…")
def _themes(_storage, _embedder, _documents, rows_key, knowledge_key, since, min_confidence) -> list:
    # rows_key (rows added or purged), knowledge_key (files changed) and the rest are the cache key.
    return gap_themes(_storage, _embedder, since, min_confidence=min_confidence, documents=_documents)


def _draft_for(knowledge_dir, title: str, topics: list[str], questions: list[str]) -> None:
    staff_documents.open_new(knowledge_dir, new_draft(title=title, topics=topics[:1], questions=questions))
    S.staff_section = "Documents"


# -- attaching a question to the section that should answer it -----------------------------------
def _open_attach(key: str, question: str, doc_id: str | None, section: str | None) -> None:
    S.ins_attach = key
    S.ins_attach_q = question
    if doc_id:
        S.ins_attach_doc = doc_id
        S.ins_attach_section = section or None
    S.pop("ins_attach_done", None)


def _attach_button(key: str, question: str | None, sources: list[tuple[str, str]]) -> None:
    if not question:
        return
    doc_id, section = sources[0] if sources else (None, None)
    st.button("Attach to the section that should answer it", key=f"ins_attach_{key}", on_click=_open_attach,
              args=(key, question, doc_id, section_of(section) if section else None), icon=":material/add_link:")


def _attach_panel(settings, knowledge, key: str) -> None:
    """Shown under the item whose button was pressed: choose the document and section, edit the question, attach."""
    if S.get("ins_attach") != key:
        return
    done = S.get("ins_attach_done")
    if done:
        st.success(done)
        return
    documents = {d.id: d for d in knowledge.documents}
    if not documents:
        st.warning("There is no valid document to attach the question to.")
        return
    if S.get("ins_attach_doc") not in documents:
        S.ins_attach_doc = next(iter(documents))
    with st.container(border=True):
        st.text_input("Question, as people ask it", key="ins_attach_q", max_chars=300)
        doc_id = st.selectbox("Document", list(documents), key="ins_attach_doc",
                              format_func=lambda d: f"{documents[d].title} ({d})")
        sections = section_keys(doc_id, documents[doc_id].body)
        if S.get("ins_attach_section") not in sections:
            S.ins_attach_section = sections[0] if sections else INTRODUCTION
        section = st.selectbox("Section that should answer it", sections, key="ins_attach_section")
        st.caption("Adds the question to this section's `questions:` in the document's front matter: a new "
                   "version of the document. People's questions match it once the index is rebuilt (Index).")
        left, right = st.columns(2)
        if left.button("Add to this section's questions", key="ins_attach_save", type="primary"):
            _attach(settings, doc_id, section, S.ins_attach_q)
        right.button("Cancel", key="ins_attach_cancel", on_click=lambda: S.pop("ins_attach", None))


def _attach(settings, doc_id: str, section: str, question: str) -> None:
    store = S.get("doc_store") or document_store(settings)
    S.doc_store = store
    try:
        saved = attach_question(settings.knowledge_dir, doc_id, section, question, store=store, author="staff page")
    except (ValueError, FileNotFoundError, EditConflict) as exc:
        st.error(str(exc).strip("'\""))
        return
    except KnowledgeError as exc:
        st.error(f"knowledge/{doc_id}.md has {len(exc.problems)} problem(s) to fix first (Documents); nothing was "
                 "saved:\n\n" + "\n".join(f"- {p}" for p in exc.problems))
        return
    if saved is None:
        S.ins_attach_done = f"'{section}' in knowledge/{doc_id}.md already lists this question; nothing changed."
    else:
        S.ins_attach_done = (f"Added to '{section}' in knowledge/{doc_id}.md, as a new version. It goes live when "
                             "the index is rebuilt: Index, then Rebuild.")
    st.rerun()


def _open_document(doc_id: str) -> None:
    staff_documents.open_view(doc_id)
    S.staff_section = "Documents"


def _review(settings, knowledge, item: Reviewed, key: str) -> None:
    """One answer for staff to judge. Every stored text is untrusted: shown with st.text, never as Markdown."""
    with st.container(border=True):
        st.caption(f"{item.created_at:%Y-%m-%d %H:%M} UTC" + (f" · {' · '.join(item.reasons)}" if item.reasons else "")
                   + (f" · confidence {item.confidence:.2f}" if item.confidence is not None and not item.reasons else ""))
        st.text(f"Question: {item.question or '(not stored: question logging is off)'}")
        if item.comment:
            st.text(f"Comment: {item.comment}")
        st.text(f"Answer began: {item.answer_lead or '(not stored for this answer)'}")
        if item.sources:
            st.text("Sources: " + "; ".join(f"{doc} › {section}" if section else doc for doc, section in item.sources))
        with st.container(horizontal=True):
            for doc in item.documents[:3]:
                st.button(f"Open {doc}", key=f"ins_open_{key}_{doc}", on_click=_open_document, args=(doc,),
                          icon=":material/article:", type="tertiary")
            _attach_button(key, item.question, item.sources)
        _attach_panel(settings, knowledge, key)


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
            _attach_button(f"theme_{n}", theme.title, [(doc, "") for doc, _ in theme.related])
            _attach_panel(settings, knowledge, f"theme_{n}")
    if len(themes) > THEMES_SHOWN:
        st.caption(f"{len(themes) - THEMES_SHOWN} smaller theme(s) not shown; download the CSV for all of them.")

    st.subheader("Thumbs down")
    st.caption("Each answer rated thumbs down, newest first: the question, the comment, how the answer began and "
               "the sections it cited.")
    rated = thumbs_down(storage, since)
    if not rated:
        st.info("No answer was rated thumbs down in this period.")
    for n, item in enumerate(rated[:REVIEWS_SHOWN], 1):
        _review(settings, knowledge, item, f"down_{n}")
    if len(rated) > REVIEWS_SHOWN:
        st.caption(f"{len(rated) - REVIEWS_SHOWN} more; the Feedback CSV holds all of them.")

    st.subheader("Doubtful answers")
    st.caption(f"Answered, but perhaps wrongly, though nobody said so: confidence within {LOW_CONFIDENCE_MARGIN} of "
               f"MENTOR_MIN_CONFIDENCE ({settings.min_confidence:.2f}), citations from {SPREAD_DOCUMENTS} "
               f"documents or more, or a lead match below {lead_match_threshold():.2f}: the section the answer "
               "opens with barely matches the question (a threshold fitted on labelled answers).")
    doubtful = doubtful_answers(storage, since, settings.min_confidence)
    if not doubtful:
        st.info("No doubtful answers in this period.")
    for n, item in enumerate(doubtful[:REVIEWS_SHOWN], 1):
        _review(settings, knowledge, item, f"doubt_{n}")
    if len(doubtful) > REVIEWS_SHOWN:
        st.caption(f"{len(doubtful) - REVIEWS_SHOWN} more; the Questions CSV holds all of them.")

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
