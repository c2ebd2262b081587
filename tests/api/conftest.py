"""The real API app under a real uvicorn server on a free localhost port, talked to over HTTP with httpx.

Servers run in a thread of the test process so they share the session's loaded MiniLM model.
"""

from __future__ import annotations

import threading
import time
from contextlib import contextmanager
from dataclasses import dataclass
from itertools import count

import httpx
import pytest
import uvicorn

from assistant import Settings
from assistant.api import create_app
from assistant.api.access import create_key
from assistant.store.storage import Storage

START_TIMEOUT_S = 30
READY_TIMEOUT_S = 120  # the first load also warms Presidio and spaCy for redaction
_names = count(1)


@dataclass
class Served:
    url: str
    settings: Settings
    app: object

    def client(self, key: str | None = None) -> httpx.Client:
        headers = {"Authorization": f"Bearer {key}"} if key else {}
        return httpx.Client(base_url=self.url, headers=headers, timeout=60)

    def storage(self) -> Storage:
        return Storage.from_settings(self.settings)

    def new_key(self) -> str:
        """A fresh key of its own, so each test has its own rate-limit count."""
        return create_key(self.storage(), f"test-{next(_names)}")[1]

    def wait_ready(self) -> None:
        deadline = time.monotonic() + READY_TIMEOUT_S
        with self.client() as http:
            while time.monotonic() < deadline:
                if http.get("/readyz").status_code == 200:
                    return
                time.sleep(0.2)
        pytest.fail(f"the API was not ready within {READY_TIMEOUT_S}s: {http.get('/readyz').text}")


@contextmanager
def serve(settings: Settings, embedder, port: int) -> Served:
    """Run create_app(settings) under uvicorn in a thread until the block ends."""
    app = create_app(settings, embedder=embedder)
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, name=f"uvicorn-{port}", daemon=True)
    thread.start()
    deadline = time.monotonic() + START_TIMEOUT_S
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            pytest.fail(f"uvicorn did not start on port {port}")
        time.sleep(0.02)
    try:
        yield Served(f"http://127.0.0.1:{port}", settings, app)
    finally:
        server.should_exit = True
        thread.join(15)


@pytest.fixture
def start_api(embedder, new_port):
    """Start a real API server over some settings: `with start_api(settings) as served: ...`."""
    return lambda settings: serve(settings, embedder, new_port())


@pytest.fixture
def api_settings(tmp_path, instance_settings):
    """Settings over a private copy of the fixture knowledge: `api_settings(api_rate_limit=5)`;
    `with_index=False` leaves the index out."""
    return lambda **overrides: instance_settings(tmp_path, **overrides)


@pytest.fixture(scope="module")
def api(tmp_path_factory, instance_settings, embedder, new_port) -> Served:
    """One ready API server for a test module: keys required, a limit high enough not to get in the way."""
    settings = instance_settings(tmp_path_factory.mktemp("api"), api_rate_limit=1000)
    with serve(settings, embedder, new_port()) as served:
        served.wait_ready()
        yield served


@pytest.fixture
def key(api) -> str:
    return api.new_key()
