"""Staff workspace, Index: is the index up to date, and rebuild it with a progress bar.

The rebuild goes through the one shared Assistant, which swaps the new index in atomically: every
chat session answers its next question from the new build, and no one sees a half-built one. When
that Assistant cannot load at all (a damaged index with MENTOR_AUTO_REBUILD=false), the build alone
is the fix, and the chat loads it on its next visit.
"""

from __future__ import annotations

import streamlit as st

from assistant.errors import IndexNotReady, KnowledgeError, MentorError
from assistant.index import build_index, index_status
from assistant.knowledge import load_knowledge
from assistant.models import BuildReport
from views.shared import get_assistant, get_embedder

S = st.session_state


def render(settings) -> None:
    if flash := S.pop("index_flash", None):
        kind, message = flash
        getattr(st, kind)(message)
    status = index_status(settings)
    if status.state == "up_to_date":
        st.success(f"The index is up to date: {status.detail}.")
    elif status.state == "stale":
        st.warning(f"The index is stale: {status.detail}. The chat still answers from the last build.")
        if status.changed:
            st.dataframe([{"changed since the build": name} for name in status.changed], hide_index=True)
    else:
        st.error(f"The index is {status.label}: {status.detail}.")

    problems = load_knowledge(settings.knowledge_dir).problems
    if problems:
        st.error(f"{len(problems)} problem(s) in the knowledge base. A rebuild is refused until they are fixed "
                 "(in Documents), and the chat keeps the last good index:")
        for problem in problems:
            st.text(str(problem))

    if st.button("Rebuild", key="index_rebuild", type="primary", disabled=bool(problems)):
        bar = st.progress(0.0, text="Starting the rebuild")

        def progress(fraction: float, message: str) -> None:
            bar.progress(min(1.0, max(0.0, float(fraction))), text=message)

        try:
            report = _rebuild(settings, progress)
        except KnowledgeError as exc:
            bar.empty()
            st.error(f"Not rebuilt: {len(exc.problems)} problem(s). The chat keeps the last good index.")
            for problem in exc.problems:
                st.text(str(problem))
            return
        except MentorError as exc:  # a damaged new version, a full disk: say so, the chat keeps serving
            bar.empty()
            st.error(f"Not rebuilt: {exc} The chat keeps the last good index.")
            return
        if not report.built:  # PostgreSQL: another instance had just built exactly this knowledge
            S.index_flash = ("success", f"Not rebuilt: the index is {report.reason} ({report.passages} passages). "
                                        "Every instance answers from it.")
            st.rerun()
        S.index_flash = ("success", f"Rebuilt: {report.passages} passages in {report.seconds:.1f}s "
                                    f"({report.embedded} texts embedded, {report.cached} from the cache). "
                                    "Every chat answers its next question from the new index.")
        st.rerun()


def _rebuild(settings, progress) -> BuildReport:
    try:
        bot = get_assistant()
    except IndexNotReady:  # it cannot load the index there is: building a new one is the fix
        if settings.shared:
            from assistant.store.publish import shared_build

            return shared_build(settings, get_embedder(settings.model), progress=progress)
        return build_index(settings, get_embedder(settings.model), progress=progress)
    return bot.rebuild(progress=progress)
