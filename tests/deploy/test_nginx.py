"""deploy/nginx/mentor.conf, run for real: nginx in front of two `mentor api` processes on one SQLite file.

The file under test is the one people install. Only its ports, its listen address and its log folder are
replaced (each replacement must match, so an edit that breaks this rendering fails here, not in
production); the chat upstream's second, commented-out server is switched on. The chat upstream points
at the two API processes too: any HTTP server shows where nginx routed a request, via $upstream_addr in
the conf's own access log format.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from assistant.store.storage import Storage
from assistant.api.access import create_key
NGINX = shutil.which("nginx") or ("/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists() else None)
READY_TIMEOUT_S = 120  # two processes load the model at once, on a shared 2-core machine

pytestmark = pytest.mark.deploy


def render(conf: str, replacements: dict[str, str]) -> str:
    """The conf with each `old` replaced; every `old` must be in it, so the rendering cannot silently miss."""
    for old, new in replacements.items():
        assert old in conf, f"deploy/nginx/mentor.conf no longer contains {old!r}; update this test's rendering"
        conf = conf.replace(old, new)
    return conf


def nginx_main_conf(tmp: Path) -> str:
    """A main nginx.conf of our own: foreground, every path in `tmp`, and the rendered mentor.conf included."""
    temp_paths = "\n".join(f"    {kind}_temp_path {tmp / kind};" for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"))
    user = "user root;" if os.geteuid() == 0 else ""  # as root, workers would drop to nobody and lose tmp
    return (f"daemon off;\nworker_processes 1;\n{user}\npid {tmp / 'nginx.pid'};\nerror_log {tmp / 'error.log'} warn;\n"
            f"events {{ worker_connections 128; }}\nhttp {{\n{temp_paths}\n    include {tmp / 'mentor.conf'};\n}}\n")


@dataclass
class Stack:
    url: str  # nginx
    key: str
    api: dict[int, subprocess.Popen]  # port -> instance
    access_log: Path
    conf_dir: Path

    def upstreams_since(self, mark: int, expected: int, request: str = "") -> list[str]:
        """The upstream address of each request logged after byte `mark` of the access log (only those
        whose request line starts with `request`, when given), once `expected` are there. nginx logs a
        request when it ends, so an earlier test's last request can land after the mark."""
        deadline = time.monotonic() + 10
        while True:
            text = self.access_log.read_text(encoding="utf-8")[mark:]
            found = re.findall(r'"' + re.escape(request) + r'[^"]*" .*?upstream="([^"]*)"', text)
            if len(found) >= expected or time.monotonic() > deadline:
                return found
            time.sleep(0.1)

    def log_mark(self) -> int:
        return len(self.access_log.read_text(encoding="utf-8")) if self.access_log.exists() else 0

    def stop_instance(self, port: int) -> None:
        process = self.api[port]
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=30)


def _stop(process: subprocess.Popen, sig=signal.SIGTERM) -> None:
    if process.poll() is None:
        os.killpg(process.pid, sig)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


@pytest.fixture(scope="module")
def stack(tmp_path_factory, instance_settings, new_port, repo_root):
    if NGINX is None:
        pytest.fail("these tests run deploy/nginx/mentor.conf in a real nginx: install it with "
                    "`apt-get install nginx` (`make test` does, through scripts/test-deps)")
    tmp = tmp_path_factory.mktemp("deploy")
    settings = instance_settings(tmp)  # knowledge, index and data shared by both instances
    key = create_key(Storage.from_settings(settings), "nginx-test")[1]
    env = {k: v for k, v in os.environ.items() if not k.startswith("MENTOR_")}
    env.update(PYTHONPATH=os.pathsep.join(filter(None, [str(repo_root), os.environ.get("PYTHONPATH")])),
               HF_HUB_OFFLINE="1", MENTOR_KNOWLEDGE_DIR=str(settings.knowledge_dir),
               MENTOR_INDEX_DIR=str(settings.index_dir), MENTOR_DATA_DIR=str(settings.data_dir),
               MENTOR_API_RATE_LIMIT="0",
               # Presidio takes seconds to load per process; redaction is tested in tests/api.
               MENTOR_QUESTION_LOGGING="off")
    api: dict[int, subprocess.Popen] = {}
    nginx = None
    try:
        for _ in range(2):
            port = new_port()
            api[port] = subprocess.Popen(
                [sys.executable, "-m", "assistant.cli", "api", "--host", "127.0.0.1", "--port", str(port)],
                cwd=tmp, env=env, stdout=open(tmp / f"api-{port}.log", "wb"), stderr=subprocess.STDOUT,
                start_new_session=True)
        first, second = api
        listen = new_port()
        (tmp / "logs").mkdir()
        (tmp / "mentor.conf").write_text(render((repo_root / "deploy" / "nginx" / "mentor.conf").read_text(encoding="utf-8"), {
            "127.0.0.1:8001": f"127.0.0.1:{first}", "127.0.0.1:8002": f"127.0.0.1:{second}",
            "server 127.0.0.1:8501;": f"server 127.0.0.1:{first};",
            "# server 127.0.0.1:8502;": f"server 127.0.0.1:{second};",
            "listen 80;": f"listen 127.0.0.1:{listen};",
            "/var/log/nginx/": f"{tmp / 'logs'}/",
        }), encoding="utf-8")
        (tmp / "nginx.conf").write_text(nginx_main_conf(tmp), encoding="utf-8")
        nginx_cmd = [NGINX, "-p", str(tmp), "-c", str(tmp / "nginx.conf"), "-e", str(tmp / "error.log")]
        checked = subprocess.run([*nginx_cmd, "-t"], capture_output=True, text=True, timeout=30)
        assert checked.returncode == 0, checked.stderr
        assert "test is successful" in checked.stderr
        nginx = subprocess.Popen(nginx_cmd, stdout=subprocess.DEVNULL, stderr=open(tmp / "nginx.out", "wb"),
                                 start_new_session=True)
        deadline = time.monotonic() + READY_TIMEOUT_S
        with httpx.Client(timeout=10) as http:
            for port, process in api.items():
                while True:
                    assert process.poll() is None, (tmp / f"api-{port}.log").read_text(errors="replace")[-2000:]
                    assert time.monotonic() < deadline, f"instance {port} not ready in {READY_TIMEOUT_S}s"
                    try:
                        if http.get(f"http://127.0.0.1:{port}/readyz").status_code == 200:
                            break
                    except httpx.TransportError:
                        pass
                    time.sleep(0.3)
        assert nginx.poll() is None, (tmp / "nginx.out").read_text(errors="replace")
        yield Stack(f"http://127.0.0.1:{listen}", key, api, tmp / "logs" / "mentor.access.log", tmp)
    finally:
        if nginx is not None:
            _stop(nginx, signal.SIGQUIT)  # graceful: nginx's master stops its worker
        for process in api.values():
            _stop(process)


def ask(http: httpx.Client, stack: Stack, question: str = "How do I find a mentor?", **body) -> httpx.Response:
    return http.post(f"{stack.url}/v1/ask", json={"question": question, "history": [], **body},
                     headers={"Authorization": f"Bearer {stack.key}"})


def test_ask_through_nginx_gets_a_cited_answer_and_the_operations_endpoints(stack):
    with httpx.Client(timeout=60) as http:
        reply = ask(http, stack)
        assert reply.status_code == 200, reply.text
        answer = reply.json()
        assert answer["status"] == "answered"
        assert answer["citations"] and "[1]" in answer["text"]
        assert answer["interaction_id"] is not None  # stored in the one SQLite file both instances share
        for path in ("/healthz", "/readyz", "/openapi.json"):
            assert http.get(stack.url + path).status_code == 200, path


def test_api_requests_are_spread_over_both_instances(stack):
    mark = stack.log_mark()
    with httpx.Client(timeout=60) as http:
        for question in ["How do I find a mentor?", "How do I set SMART goals?", "my mentor keeps cancelling",
                         "What is a sponsor?", "How should I reach out to a potential mentor?", "How do I find a mentor?"]:
            assert ask(http, stack, question).status_code == 200
    used = stack.upstreams_since(mark, 6, request="POST /v1/ask")
    assert len(used) == 6
    assert {f"127.0.0.1:{port}" for port in stack.api} == set(used)


def test_a_chat_browser_sticks_to_one_instance_and_browsers_spread(stack):
    mark = stack.log_mark()
    with httpx.Client(timeout=30) as http:
        first = http.get(stack.url + "/")
        cookie = first.cookies.get("mentor_chat")
        assert cookie, f"no mentor_chat cookie set: {first.headers}"
        for _ in range(8):  # the same browser, as a page load, its scripts and its WebSocket would be
            http.get(stack.url + "/", cookies={"mentor_chat": cookie})
    same_browser = stack.upstreams_since(mark, 9, request="GET / ")
    assert len(same_browser) == 9 and len(set(same_browser)) == 1, same_browser
    mark = stack.log_mark()
    for _ in range(20):  # new browsers, each without the cookie
        with httpx.Client(timeout=30) as http:
            http.get(stack.url + "/")
    assert len(set(stack.upstreams_since(mark, 20, request="GET / "))) == 2


def test_an_oversized_body_gets_413_from_nginx_before_any_instance(stack):
    mark = stack.log_mark()
    with httpx.Client(timeout=30) as http:
        reply = ask(http, stack, "x" * 70_000)
    assert reply.status_code == 413
    assert "MENTOR_API_MAX_BODY_BYTES" in reply.json()["error"]
    assert stack.upstreams_since(mark, 1, request="POST /v1/ask") == ["-"]  # nginx answered: no instance saw it


def test_when_an_instance_stops_the_other_answers_through_nginx(stack):
    """Runs last in this module: it stops the first instance for good."""
    stopped, alive = list(stack.api)
    stack.stop_instance(stopped)
    mark = stack.log_mark()
    with httpx.Client(timeout=60) as http:
        for question in ["How do I find a mentor?", "How do I set SMART goals?", "What is a sponsor?", "my mentor keeps cancelling"]:
            reply = ask(http, stack, question)
            assert reply.status_code == 200, reply.text
            assert reply.json()["status"] == "answered"
    # Every request ended at the live instance, whether or not nginx first tried the stopped one.
    used = stack.upstreams_since(mark, 4, request="POST /v1/ask")
    assert len(used) == 4
    for upstream in used:
        assert upstream.split(",")[-1].strip() == f"127.0.0.1:{alive}"
