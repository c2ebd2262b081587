"""The chat page: ask, read a cited answer and check its sources, keep going, rate it.

Session state, widgets and rendering only; everything else comes from assistant.chat.
Text a person typed is always escaped before it is shown, and no element allows raw HTML.
"""

from __future__ import annotations

import logging

import streamlit as st
from sqlalchemy.exc import SQLAlchemyError

from assistant.chat import (WELCOME, AnswerStream, Exchange, conversation_markdown, download_name,
                            escape_markdown, highlighted_markdown, history, keep_line_breaks, mode_caption,
                            new_session_id, privacy_note, question_preview, topic_label, topic_question, topic_shelves)
from assistant.errors import MentorError
from assistant.goals.flow import wants_goal_help
from assistant.knowledge import safe_markdown
from views.shared import get_assistant, get_knowledge, get_settings, get_storage, get_taxonomy

log = logging.getLogger(__name__)
state = st.session_state

st.title("Mentor", anchor=False)
try:
    bot = get_assistant()
    storage = get_storage()
except MentorError as exc:  # also an unreachable MENTOR_DATABASE_URL: named, password masked
    st.error(f"Mentor could not load its guidance: {exc}")
    st.stop()
settings = get_settings()

if "exchanges" not in state:
    state.exchanges = []  # list[Exchange], oldest first
if "session_id" not in state:
    state.session_id = new_session_id()


# -- actions (widget callbacks run before the page is drawn again) --------------------------------

def ask_next(question: str) -> None:
    state.pending = question


def find(exchange_id: str) -> Exchange | None:
    return next((ex for ex in state.exchanges if ex.id == exchange_id), None)


def send_feedback(exchange_id: str) -> None:
    ex = find(exchange_id)
    rating = state.get(f"rating-{exchange_id}")
    if ex is None or rating is None or ex.feedback_sent:
        return
    try:
        ex.feedback_id = storage.feedback.record(state.session_id, ex.question, ex.answer.doc_ids, int(rating),
                                                 state.get(f"comment-{exchange_id}") or None,
                                                 interaction_id=ex.interaction_id)
    except SQLAlchemyError:
        log.exception("could not store feedback")
        st.toast("Sorry, your feedback could not be saved. Please try again later.")


def send_open_feedback() -> None:
    """A thumb clicked but not sent still counts once the person moves on."""
    for ex in state.exchanges:
        send_feedback(ex.id)


def new_conversation() -> None:
    send_open_feedback()
    state.exchanges = []
    state.pending = None


def pick_topic(exchange_id: str) -> None:
    slug = state.get(f"topics-{exchange_id}")
    if slug:
        ask_next(topic_question(slug, get_taxonomy()))


# -- pieces of the page ---------------------------------------------------------------------------

@st.dialog("Guidance document", width="large")
def read_document(doc_id: str) -> None:
    doc = get_knowledge().by_id().get(doc_id)
    if doc is None:
        st.warning(f"The document '{doc_id}' is no longer in the guidance; it may have been renamed or removed.")
        return
    st.subheader(escape_markdown(doc.title), anchor=False)
    st.markdown(chips(doc.topics))
    facts = f"{escape_markdown(doc.summary)} Updated {doc.updated:%d %B %Y}."
    if doc.source:
        facts += f" Source: {escape_markdown(doc.source.rstrip('.'))}."
    st.caption(facts)
    st.divider()
    st.markdown(keep_line_breaks(doc.body))  # curated Markdown; raw HTML in it is shown as text, never run


def chips(topics: list[str]) -> str:
    return " ".join(f":blue-badge[{topic_label(t)}]" for t in topics)


def show_question(question: str) -> None:
    with st.chat_message("user"):
        st.markdown(escape_markdown(question_preview(question)))


def show_sources(ex: Exchange) -> None:
    for c in ex.answer.citations:
        with st.expander(f"**[{c.number}]** {escape_markdown(c.title)} › {escape_markdown(c.section)}"):
            st.markdown(chips(c.topics))
            st.markdown(highlighted_markdown(c.text, c.highlights))
            st.caption("Highlighted: the sentences quoted in the answer.")
            if st.button("Read the full document", key=f"read-{ex.id}-{c.number}", icon=":material/article:"):
                read_document(c.doc_id)
    if ex.answer.related:  # other documents' sections that may help next: links, not pasted into the answer
        st.caption("Related in the guidance")
        for i, r in enumerate(ex.answer.related):
            if st.button(f"{escape_markdown(r.title)} › {escape_markdown(r.section)}", key=f"related-{ex.id}-{i}",
                         icon=":material/article:", type="tertiary"):
                read_document(r.doc_id)


def show_feedback(ex: Exchange) -> None:
    key = f"rating-{ex.id}"
    if ex.feedback_sent:
        st.feedback("thumbs", key=key, disabled=True)
        st.caption("Thanks, your feedback was saved.")
        return
    # One row: the comment box opens beside the thumb that was clicked, not below the fold (it wraps
    # under the thumbs on a narrow screen).
    with st.container(horizontal=True, vertical_alignment="center", gap="small"):
        if st.feedback("thumbs", key=key) is not None:
            st.text_input("Anything to add? (optional)", key=f"comment-{ex.id}", max_chars=1000,
                          placeholder="Anything to add? What was missing, wrong or useful (optional)",
                          label_visibility="collapsed",
                          width="stretch")
            st.button("Send feedback", key=f"send-{ex.id}", on_click=send_feedback, args=(ex.id,))


def show_exchange(ex: Exchange, latest: bool) -> None:
    show_question(ex.question)
    answer = ex.answer
    with st.chat_message("assistant"):
        if answer.status == "invalid_input":
            st.warning(answer.text, icon=":material/front_hand:")
            return
        if answer.status == "support":  # a care reply (assistant/care.py): help first, nothing else, not rated
            st.info(answer.text, icon=":material/favorite:")
            return
        st.markdown(keep_line_breaks(safe_markdown(answer.text)))  # a generated image is shown as a link
        if caption := mode_caption(answer):
            st.caption(escape_markdown(caption))
        if answer.status == "out_of_scope":
            topics = get_knowledge().topics
            st.pills("Or pick a topic Mentor covers", list(topics), format_func=topic_label, key=f"topics-{ex.id}",
                     on_change=pick_topic, args=(ex.id,))
        else:
            show_sources(ex)
            if latest and wants_goal_help(ex.question):
                st.page_link("views/goals.py", label="Build and check your goals step by step", icon=":material/flag:")
            if latest and answer.suggestions:
                st.caption("Keep going")
                for i, suggestion in enumerate(answer.suggestions):
                    st.button(escape_markdown(suggestion), key=f"next-{ex.id}-{i}", on_click=ask_next,
                              args=(suggestion,), icon=":material/arrow_forward:")
        show_feedback(ex)


def show_welcome() -> None:
    st.markdown(WELCOME)
    journeys = get_taxonomy().journeys
    # Row by row, so that on a narrow screen, where columns stack, the stages still read in order.
    for start in range(0, len(journeys), 2):
        columns = st.columns(2)
        for column, j in zip(columns, range(start, min(start + 2, len(journeys)))):
            journey = journeys[j]
            with column.container(border=True):
                st.markdown(f"**{journey.icon} {journey.name}**")
                for k, question in enumerate(journey.questions):
                    st.button(question, key=f"starter-{j}-{k}", on_click=ask_next, args=(question,),
                              width="stretch")
                if journey.page:
                    st.page_link(f"views/{journey.page}.py", label="Build my goals step by step",
                                 icon=":material/arrow_forward:")


def show_sidebar() -> None:
    with st.sidebar:
        st.button("New conversation", key="new-conversation", icon=":material/add_comment:",
                  on_click=new_conversation, disabled=not state.exchanges, width="stretch")
        st.download_button("Download conversation", data=conversation_markdown(state.exchanges),
                           file_name=download_name(), mime="text/markdown", key="download",
                           icon=":material/download:", disabled=not state.exchanges, on_click="ignore",
                           width="stretch")
        shelves = {shelf.slug: shelf for shelf in topic_shelves(get_knowledge())}
        # A label, not a heading: the sidebar comes first in the page, and its headings would come
        # before the page's h1.
        slug = st.selectbox("**Browse topics**", list(shelves), format_func=topic_label, index=None,
                            key="browse-topic", placeholder="Pick a topic")
        if slug:
            shelf = shelves[slug]
            st.caption(escape_markdown(shelf.description))
            for doc in shelf.documents:
                if st.button(escape_markdown(doc.title), key=f"browse-{doc.id}", icon=":material/article:",
                             type="tertiary"):
                    read_document(doc.id)
            st.button("Ask about this topic", key="browse-ask", icon=":material/chat:",
                      on_click=ask_next, args=(topic_question(slug, get_taxonomy()),))
        with st.expander("About and privacy"):
            st.markdown(privacy_note(settings))


# -- the page -------------------------------------------------------------------------------------

# The input stays pinned to the bottom of the page wherever it is called; reading it first lets the
# welcome make way for a question that is being answered.
question = st.chat_input("Ask about mentoring…", key="question")
if question is None:
    question = state.pop("pending", None)

show_sidebar()
if not state.exchanges and question is None:
    show_welcome()
for n, ex in enumerate(state.exchanges):
    show_exchange(ex, latest=n == len(state.exchanges) - 1 and question is None)

if question is not None:
    send_open_feedback()
    show_question(question)
    with st.chat_message("assistant"):
        # Nothing unchecked reaches the screen: a generated answer is written and checked sentence by
        # sentence while "Writing…" shows, and only the checked answer is drawn, on the rerun below.
        stream = AnswerStream(bot.stream(question, history=history(state.exchanges)))
        chunks = iter(stream)
        with st.spinner("Looking through the guidance…"):
            first = next(chunks, None)  # None: the answer came whole (extractive, declined or a fallback)
        if first is not None:
            with st.spinner("Writing… every sentence is checked against the guidance it cites before you see it."):
                for _ in chunks:
                    pass
    answer = stream.answer
    ex = Exchange(question=question, answer=answer)
    try:
        ex.interaction_id = storage.interactions.record(state.session_id, answer)
    except SQLAlchemyError:
        log.exception("could not store the interaction")
    state.exchanges.append(ex)
    st.rerun()
