"""Staff workspace, Documents: list and filter, view, create, edit and delete guidance documents.

Rendering and session state only; reading, validating and writing files is assistant.staff.editing,
through the document store the settings name (the knowledge folder, or PostgreSQL with every revision).
Document text is rendered as Markdown (never with unsafe_allow_html); Streamlit escapes any HTML, and
images show as links (safe_markdown), so no remote host learns who reads the guidance.
"""

from __future__ import annotations

import streamlit as st

from assistant.store.documents import FileStore, document_store
from assistant.errors import EditConflict, KnowledgeError, MentorError
from assistant.knowledge import load_topics, safe_markdown
from assistant.models import AUDIENCES
from assistant.staff.editing import (Draft, delete_document, document_history, filter_documents, list_documents,
                                     new_draft, open_document, restore_document, save_document, validate_draft)
from assistant.text import slugify

S = st.session_state


# -- transitions (button callbacks: they run before the page, so they may set widget values) -----
def _fill_form(draft: Draft, taxonomy: dict[str, str]) -> None:
    S.f_title, S.f_id, S.f_summary = draft.title, draft.id, draft.summary
    S.f_source, S.f_body = draft.source or "", draft.body
    S.f_audience = [a for a in draft.audience if a in AUDIENCES]
    # A topic missing from the taxonomy stays selectable, flagged, so the error shows and can be fixed.
    S.doc_topic_options = list(taxonomy) + [t for t in draft.topics if t not in taxonomy]
    S.f_topics = list(dict.fromkeys(draft.topics))
    S.doc_dropped = dict(draft.extra)
    S.f_questions = dict(draft.questions)  # no field in the form yet: kept as they are, so a save never loses them
    S.doc_tried_save = False
    S.pop("doc_conflict", None)


def open_list() -> None:
    S.doc_mode, S.doc_confirm_delete = "list", False


def open_view(doc_id: str) -> None:
    S.doc_mode, S.doc_id, S.doc_confirm_delete = "view", doc_id, False


def open_edit(knowledge_dir, doc_id: str) -> None:
    taxonomy = load_topics(knowledge_dir)
    try:
        opened = open_document(knowledge_dir, doc_id, taxonomy, store=S.doc_store)
    except FileNotFoundError:
        _flash("error", f"knowledge/{doc_id}.md is no longer there (deleted or renamed).")
        open_list()
        return
    except KnowledgeError as exc:  # a folder, pipe or oversized file named like a document
        _flash("error", str(exc.problems[0]))
        open_list()
        return
    _fill_form(opened.draft, taxonomy)
    S.doc_mode, S.doc_id, S.doc_hash, S.doc_confirm_delete = "edit", doc_id, opened.hash, False


def open_new(knowledge_dir, draft: Draft | None = None) -> None:
    """Start a new document, optionally prefilled (the insights page's "draft a document for this")."""
    _fill_form(draft or new_draft(), load_topics(knowledge_dir))
    S.doc_mode, S.doc_id, S.doc_hash, S.doc_confirm_delete = "new", "", None, False


def _ask_delete() -> None:
    S.doc_confirm_delete = True


def _flash(kind: str, message: str) -> None:
    S.doc_flash = (kind, message)


def _go_to_index() -> None:
    S.staff_section = "Index"


# -- rendering -----------------------------------------------------------------------------------
def render(settings) -> None:
    knowledge_dir = settings.knowledge_dir
    try:
        S.doc_store = document_store(settings)  # in the database: also brings this instance's folder up to date
    except MentorError as exc:
        st.error(str(exc))
        return
    S.setdefault("doc_mode", "list")
    if flash := S.pop("doc_flash", None):
        kind, message = flash
        getattr(st, kind)(message)
        if kind == "success":
            st.button("Go to Index to rebuild", key="doc_to_index", on_click=_go_to_index)
    {"list": _render_list, "view": _render_view, "edit": _render_editor, "new": _render_editor}[S.doc_mode](
        knowledge_dir)


def _render_list(knowledge_dir) -> None:
    taxonomy = load_topics(knowledge_dir)
    rows = list_documents(knowledge_dir, taxonomy)
    left, right = st.columns(2)
    topics = left.multiselect("Topic", list(taxonomy), key="flt_topics")
    audience = right.multiselect("Audience", list(AUDIENCES), key="flt_audience")
    left, right = st.columns(2)
    since = left.date_input("Updated on or after", value=None, key="flt_since")
    text = right.text_input("Search", key="flt_text", placeholder="words in the title, summary or text")
    shown = filter_documents(rows, topics=topics, audience=audience, updated_since=since, text=text)
    broken = sum(1 for r in rows if r.problems)
    st.caption(f"{len(shown)} of {len(rows)} documents" + (f" · {broken} with problems" if broken else ""))
    st.dataframe(
        [{"id": r.id, "title": r.title, "topics": ", ".join(r.topics), "audience": ", ".join(r.audience),
          "updated": r.updated, "problems": len(r.problems)} for r in shown],
        hide_index=True, width="stretch",
    )
    ids = [r.id for r in shown]
    titles = {r.id: r.title for r in shown}
    left, mid, right, new = st.columns([3, 1, 1, 2], vertical_alignment="bottom")
    picked = left.selectbox("Document", ids, key="doc_pick", format_func=lambda i: f"{i} · {titles.get(i, '')}")
    # The callbacks read the pick when clicked: arguments would be the ones bound at the previous render.
    mid.button("View", key="doc_view", disabled=not picked, on_click=lambda: open_view(S.doc_pick))
    right.button("Edit", key="doc_edit", disabled=not picked, on_click=lambda: open_edit(knowledge_dir, S.doc_pick))
    new.button("New document", key="doc_new", type="primary", on_click=open_new, args=(knowledge_dir,))
    deleted = [name.removesuffix(".md") for name in S.doc_store.deleted() if name.endswith(".md")]
    if deleted:
        with st.expander(f"Deleted documents ({len(deleted)})"):
            doc_id = st.selectbox("Deleted document", deleted, key="doc_deleted_pick")
            _render_history(doc_id, expected=None)


def _render_view(knowledge_dir) -> None:
    doc_id = S.doc_id
    st.button("← All documents", key="doc_back", on_click=open_list)
    try:
        opened = open_document(knowledge_dir, doc_id, store=S.doc_store)
    except FileNotFoundError:
        st.error(f"knowledge/{doc_id}.md is no longer there (deleted or renamed).")
        return
    except KnowledgeError as exc:
        st.error(str(exc.problems[0]))
        return
    draft = opened.draft
    st.header(draft.title or doc_id)
    st.caption(f"knowledge/{doc_id}.md · topics: {', '.join(draft.topics) or '-'} · audience: "
               f"{', '.join(draft.audience) or '-'} · updated {draft.updated or '-'}")
    for problem in opened.problems:
        st.error(f"{problem.field}: {problem.message}")
    if draft.summary:
        st.markdown(f"*{draft.summary}*")
    if draft.source:
        st.caption(f"Source: {draft.source}")
    st.divider()
    st.markdown(safe_markdown(draft.body))
    st.divider()
    left, right = st.columns(2)
    left.button("Edit", key="doc_view_edit", type="primary", on_click=open_edit, args=(knowledge_dir, doc_id))
    right.button("Delete…", key="doc_view_delete", on_click=_ask_delete)
    if S.get("doc_confirm_delete"):
        _confirm_delete(knowledge_dir, doc_id, opened.hash)
    with st.expander("History: restore a previous version"):
        _render_history(doc_id, expected=opened.hash)


def _render_history(doc_id: str, expected: str | None) -> None:
    """The versions that can be restored, and a button that makes the chosen one current again."""
    store = S.doc_store
    revisions = document_history(store, doc_id)
    if isinstance(store, FileStore):
        st.caption("With files, the versions kept are the ones moved to knowledge/.trash/ when deleted; saves keep no "
                   "earlier versions. With the database (MENTOR_DATABASE_URL=postgresql+psycopg://…) every save is kept.")
    # In the database the newest revision is the current text (or the deletion): nothing to restore there.
    choices = [r for r in revisions if not r.deleted and (store.kind == "files" or r is not revisions[-1])]
    if not revisions:
        st.caption("No earlier version is kept for this document.")
        return
    st.dataframe([{"version": r.revision, "when (UTC)": f"{r.created_at:%Y-%m-%d %H:%M}", "by": r.author,
                   "what": r.note} for r in revisions], hide_index=True, width="stretch")
    if not choices:
        return
    left, right = st.columns([2, 1], vertical_alignment="bottom")
    revision = left.selectbox("Version to restore", [r.revision for r in reversed(choices)], key=f"doc_rev_{doc_id}")
    if right.button("Restore this version", key=f"doc_restore_{doc_id}"):
        try:
            restore_document(store, doc_id, int(revision), expected_hash=expected, author="staff page")
        except (EditConflict, LookupError, ValueError) as exc:
            st.error(str(exc))
            return
        except KnowledgeError as exc:
            st.error(f"Version {revision} cannot be restored as it is: {len(exc.problems)} problem(s) with today's "
                     "topics. Nothing was changed.")
            for problem in exc.problems:
                st.text(str(problem))
            return
        _flash("success", f"Restored version {revision} of knowledge/{doc_id}.md. The chat uses it after the index "
                          "is rebuilt.")
        open_view(doc_id)
        st.rerun()


def _confirm_delete(knowledge_dir, doc_id: str, expected_hash: str) -> None:
    files = isinstance(S.doc_store, FileStore)
    st.warning(f"Move knowledge/{doc_id}.md to knowledge/.trash/? It stays in the chat until the next rebuild, "
               "and can be restored by moving the file back." if files else
               f"Delete knowledge/{doc_id}.md? It stays in the chat until the next rebuild, and its history keeps "
               "every version, so it can be restored.")
    left, right = st.columns(2)
    if left.button("Yes, move it to the trash" if files else "Yes, delete it", key="doc_delete_yes", type="primary"):
        try:
            done = delete_document(S.doc_store, doc_id, expected_hash, author="staff page")
        except (EditConflict, FileNotFoundError) as exc:
            st.error(str(exc))
            return
        _flash("success", f"{done} Rebuild the index to remove it from the chat.")
        open_list()
        st.rerun()
    right.button("Cancel", key="doc_delete_no", on_click=open_view, args=(doc_id,))


def _render_editor(knowledge_dir) -> None:
    taxonomy = load_topics(knowledge_dir)
    new = S.doc_mode == "new"
    st.button("← All documents (discard changes)", key="doc_back", on_click=open_list)
    st.subheader("New document" if new else f"Editing knowledge/{S.doc_id}.md")
    if S.get("doc_dropped"):
        st.warning("This document has front-matter fields the editor doesn't know "
                   f"({', '.join(map(str, S.doc_dropped))}); saving here drops them.")
    # Each field gets a slot right below it; the problems are known only once every field is read.
    slots = {"general": st.container()}
    title = st.text_input("Title", key="f_title")
    slots["title"] = st.container()
    if new:
        doc_id = st.text_input("Id (the file name)", key="f_id", placeholder=slugify(title) if title else "",
                               help="Leave blank to use one made from the title.")
        slots["id"] = st.container()
    else:
        doc_id = S.doc_id
    topics = st.multiselect("Topics (1 to 3; the first is the primary topic)", S.doc_topic_options, key="f_topics",
                            format_func=lambda t: t if t in taxonomy else f"{t} (not in topics.yaml)")
    slots["topics"] = st.container()
    audience = st.multiselect("Audience", list(AUDIENCES), key="f_audience")
    slots["audience"] = st.container()
    summary = st.text_area("Summary", key="f_summary", height=80,
                           help="One or two sentences: what the reader gets from this document.")
    slots["summary"] = st.container()
    source = st.text_input("Source (optional)", key="f_source", help="Attribution of a framework or fact.")
    slots["source"] = st.container()
    write, preview = st.tabs(["Body (Markdown)", "Preview"])
    with write:
        body = st.text_area("Body (Markdown)", key="f_body", height=360, label_visibility="collapsed",
                            help="Short introduction, then '## ' sections with headings people would recognise.")
        slots["body"] = st.container()
    with preview:
        st.markdown(safe_markdown(body) or "*Nothing written yet.*")
    draft = Draft(id=doc_id or "", title=title, topics=topics, audience=audience, summary=summary, body=body,
                  source=source or None, questions=S.get("f_questions") or {})
    problems = validate_draft(knowledge_dir, draft, taxonomy, new=new)
    show = not new or bool(title) or S.get("doc_tried_save")  # a blank new form isn't an error yet
    if show:
        for problem in problems:
            field = problem.field.split(".")[0]
            with slots.get(field, slots["general"]):
                st.error(problem.message if field in slots else f"{problem.field}: {problem.message}", icon="⚠️")
    if show and problems:
        st.caption(f"{len(problems)} problem(s) marked above to fix before saving. Saving sets 'updated' to today.")
    else:
        st.caption("Saving sets 'updated' to today; the chat uses the change after the index is rebuilt.")

    left, right = st.columns(2)
    if left.button("Save", key="doc_save", type="primary"):
        S.doc_tried_save = True
        if problems:
            st.error("Nothing was saved: fix the problems marked above first.")
            if not show:
                st.rerun()
        else:
            _save(knowledge_dir, draft, taxonomy, new)
    if not new:
        right.button("Delete…", key="doc_edit_delete", on_click=_ask_delete)
        if S.get("doc_confirm_delete"):
            _confirm_delete(knowledge_dir, S.doc_id, S.doc_hash)
    if S.get("doc_conflict"):
        st.error(S.doc_conflict)
        st.button("Reload from disk (discards your changes)", key="doc_reload", on_click=open_edit,
                  args=(knowledge_dir, S.doc_id))


def _save(knowledge_dir, draft: Draft, taxonomy, new: bool) -> None:
    try:
        result = save_document(knowledge_dir, draft, taxonomy, expected_hash=None if new else S.doc_hash,
                               store=S.doc_store, author="staff page")
    except EditConflict as exc:
        S.doc_conflict = str(exc)
        return
    except KnowledgeError as exc:  # someone changed topics.yaml between the check and the save
        for problem in exc.problems:
            st.error(str(problem))
        return
    S.pop("doc_conflict", None)
    _flash("success", f"Saved knowledge/{result.path.name}. The chat uses it after the index is rebuilt.")
    open_view(result.document.id)
    st.rerun()
