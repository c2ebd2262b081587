"""Mentor's Streamlit entry point: page setup and navigation only. Pages live in views/."""

import streamlit as st

st.set_page_config(page_title="Mentor", page_icon="🧭", layout="centered")

pages = [
    st.Page("views/chat.py", title="Chat", icon=":material/chat:", default=True),
    st.Page("views/goals.py", title="Set goals", icon=":material/flag:"),
    st.Page("views/staff.py", title="Staff", icon=":material/lock:"),
]
st.navigation(pages).run()
