"""Resources shared by every page and every browser session: loaded once per process."""

from __future__ import annotations

import streamlit as st

from assistant import Assistant, Settings
from assistant.storage import Storage


@st.cache_resource(show_spinner=False)
def get_settings() -> Settings:
    return Settings()


@st.cache_resource(show_spinner="Loading Mentor's guidance (first start can take a minute)…")
def get_assistant() -> Assistant:
    """One model and one index for all sessions; a rebuild swaps the index inside it."""
    return Assistant.from_settings(get_settings())


@st.cache_resource(show_spinner=False)
def get_storage() -> Storage:
    settings = get_settings()
    storage = Storage.from_settings(settings)
    storage.purge(settings.retention_days)
    return storage
