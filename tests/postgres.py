"""A real PostgreSQL server for tests marked `postgres`: Debian's binaries, a throwaway cluster, one database per test.

The server (session-scoped) runs initdb in a fresh folder under /tmp and starts with pg_ctl on a free
localhost port and a private unix-socket folder; it is stopped and deleted at the end of the run. initdb
refuses to run as root, so under root the cluster belongs to the `postgres` user and its commands run
through `runuser` (pytest's tmp_path is root-only, hence tempfile.mkdtemp and a chown).
"""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import tempfile
import uuid
from dataclasses import dataclass
from pathlib import Path

import pytest

INSTALL_HINT = ("PostgreSQL's server binaries (initdb, pg_ctl) were not found. Install them with "
                "`apt-get install postgresql` (`make test` does, through scripts/test-deps), or deselect these tests with -m 'not postgres'.")


def postgres_bindir() -> Path | None:
    """Where initdb and pg_ctl live: `pg_config --bindir`, else the newest /usr/lib/postgresql/*/bin."""
    candidates: list[str] = []
    if shutil.which("pg_config"):
        try:
            out = subprocess.run(["pg_config", "--bindir"], capture_output=True, text=True, check=True, timeout=10)
            candidates.append(out.stdout.strip())
        except (subprocess.SubprocessError, OSError):
            pass
    candidates += sorted(glob.glob("/usr/lib/postgresql/*/bin"), key=lambda p: int(p.split("/")[-2]), reverse=True)
    for folder in candidates:
        if (Path(folder) / "initdb").exists() and (Path(folder) / "pg_ctl").exists():
            return Path(folder)
    return None


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class PostgresServer:
    """A running throwaway cluster; `url(db)` is a SQLAlchemy URL for one of its databases."""

    bindir: Path
    root: Path
    port: int
    as_postgres: bool

    @property
    def data(self) -> Path:
        return self.root / "data"

    @property
    def sockets(self) -> Path:
        return self.root / "sock"

    def run(self, *args: str, check: bool = True) -> subprocess.CompletedProcess:
        command = [str(self.bindir / args[0]), *args[1:]]
        if self.as_postgres:
            command = ["runuser", "-u", "postgres", "--", *command]
        result = subprocess.run(command, capture_output=True, text=True, timeout=120)
        if check and result.returncode != 0:
            log = (self.root / "server.log")
            tail = log.read_text(errors="replace")[-2000:] if log.exists() else ""
            raise RuntimeError(f"{' '.join(args[:2])} failed ({result.returncode}):\n{result.stdout}\n{result.stderr}\n{tail}")
        return result

    def url(self, database: str = "postgres") -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/{database}"

    def admin(self):
        import psycopg

        return psycopg.connect(host="127.0.0.1", port=self.port, user="postgres", dbname="postgres", autocommit=True)

    def start(self) -> None:
        self.run("initdb", "-D", str(self.data), "-U", "postgres", "--auth=trust", "-E", "UTF8", "--no-sync",
                 "--locale=C")
        self.resume()

    def resume(self) -> None:
        """Start the server on its existing cluster (after `pause`); returns once it accepts connections."""
        options = (f"-p {self.port} -k {self.sockets} -c listen_addresses=127.0.0.1 -c fsync=off "
                   "-c synchronous_commit=off -c full_page_writes=off -c max_connections=200")
        self.run("pg_ctl", "-D", str(self.data), "-l", str(self.root / "server.log"), "-o", options, "-w",
                 "-t", "60", "start")

    def pause(self) -> None:
        """Stop the server as an operator would (fast: sessions are ended), keeping its data for `resume`."""
        self.run("pg_ctl", "-D", str(self.data), "-m", "fast", "-w", "stop")

    def stop(self) -> None:
        self.run("pg_ctl", "-D", str(self.data), "-m", "immediate", "-w", "stop", check=False)


@pytest.fixture(scope="session")
def postgres_server():
    """One PostgreSQL cluster for the whole test run, deleted afterwards."""
    bindir = postgres_bindir()
    if bindir is None:
        pytest.fail(INSTALL_HINT, pytrace=False)
    as_postgres = os.geteuid() == 0
    root = Path(tempfile.mkdtemp(prefix="mentor-pg-", dir="/tmp"))
    (root / "sock").mkdir()
    if as_postgres:
        shutil.chown(root, "postgres", "postgres")
        shutil.chown(root / "sock", "postgres", "postgres")
    os.chmod(root / "sock", 0o700)
    server = PostgresServer(bindir=bindir, root=root, port=_free_port(), as_postgres=as_postgres)
    try:
        server.start()
        yield server
    finally:
        server.stop()
        shutil.rmtree(root, ignore_errors=True)


@pytest.fixture
def postgres_url(postgres_server) -> str:
    """A fresh, empty database for one test, dropped afterwards."""
    name = f"mentor_{uuid.uuid4().hex[:12]}"
    with postgres_server.admin() as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    yield postgres_server.url(name)
    from assistant.store.publish import stop_following

    stop_following()  # an Assistant in shared mode follows its database from a thread: stop it first
    with postgres_server.admin() as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def database_url(request, tmp_path) -> str:
    """Each test that takes it runs twice: on a SQLite file, and on a fresh PostgreSQL database."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'data' / 'mentor.db'}"
    return request.getfixturevalue("postgres_url")


@pytest.fixture
def instance_env(tmp_path, built_template, postgres_url, repo_root):
    """instance_env(name, seeded, **settings): the environment of one more Mentor process on the shared
    database, with its own folders under tmp_path/name. A seeded instance starts with the fixture
    knowledge and its built index (the first of a deployment); an unseeded one with nothing on disk."""

    def make(name: str, seeded: bool, **settings: str) -> dict[str, str]:
        root = tmp_path / name
        if not root.exists():
            root.mkdir()
            if seeded:
                shutil.copytree(built_template / "knowledge", root / "knowledge")
                shutil.copytree(built_template / "index", root / "index")
        env = {k: v for k, v in os.environ.items() if not k.startswith("MENTOR_")}
        env.update(PYTHONPATH=str(repo_root), HF_HUB_OFFLINE="1", MENTOR_DATABASE_URL=postgres_url,
                   MENTOR_KNOWLEDGE_DIR=str(root / "knowledge"), MENTOR_INDEX_DIR=str(root / "index"),
                   MENTOR_DATA_DIR=str(root / "data"), MENTOR_SHARED_POLL_S="5",
                   **{f"MENTOR_{key.upper()}": value for key, value in settings.items()})
        return env

    return make
