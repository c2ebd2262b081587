"""The staff workspace: documents, index and insights, behind the staff password."""

import streamlit as st

from assistant.staff.auth import StaffGate, StaffSession, load_credential
from assistant.config import Settings
from assistant.errors import MentorError
from views import staff_documents, staff_index, staff_insights
from views.shared import get_settings, get_storage

SECTIONS = {"Documents": staff_documents.render, "Index": staff_index.render, "Insights": staff_insights.render}

st.title("Staff workspace")
settings = get_settings()
# Read the credential afresh on every run, so `mentor staff set-password` applies without a restart.
credential = load_credential(Settings(), st.secrets)
problem = credential.problem()
if problem:
    st.info(problem, icon="🔒")
    st.stop()

session = StaffSession(st.session_state, settings.staff_session_minutes, credential)
state = session.check()
if state != "active":
    try:
        storage = get_storage()
    except MentorError as exc:  # an unreachable database: what to check, password masked, no traceback
        st.error(str(exc))
        st.stop()
    gate = StaffGate(credential, storage, settings.staff_max_attempts, settings.staff_lockout_minutes)
    if state == "expired":
        st.warning(f"Your staff session ended after {settings.staff_session_minutes} minutes without activity. "
                   "Sign in again to continue.")
    st.caption("Curate the guidance, rebuild the index and see what people asked that it doesn't cover.")
    lock = gate.state()
    with st.form("staff_login", clear_on_submit=True):  # cleared so the password never lingers in the session
        password = st.text_input("Staff password", type="password", key="staff_password")
        submitted = st.form_submit_button("Sign in", disabled=lock.locked, key="staff_sign_in")
    if submitted and not lock.locked:
        if not password:
            st.error("Type the staff password, then press Sign in.")
        else:
            result = gate.attempt(password)
            if result.ok:
                session.start()
                st.rerun()
            st.error(result.message)
    elif lock.locked:
        st.error(gate.locked_message(lock))
    st.stop()

with st.sidebar:
    st.caption(f"Signed in as staff. The session ends after {settings.staff_session_minutes} idle minutes.")
    if st.button("Sign out", key="staff_sign_out"):
        session.end()
        st.rerun()

section = st.radio("Section", list(SECTIONS), horizontal=True, key="staff_section", label_visibility="collapsed")
try:
    SECTIONS[section](settings)
except MentorError as exc:  # a broken topics.yaml, a damaged index...: say what and how to fix it, keep the page
    st.error(str(exc))
