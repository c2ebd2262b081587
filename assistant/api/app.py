"""The HTTP API: `create_app(settings)` builds a FastAPI app that answers as the chat does.

Nothing heavy happens at import. The app's lifespan opens storage, then loads the model and the
index in a background thread, so /healthz answers at once and /readyz says 200 only once questions
can be answered. Every /v1 request is checked for an API key and counted against its rate limit
(assistant/api/access.py). Questions are validated, answered and stored exactly as the chat does:
the question under MENTOR_QUESTION_LOGGING, feedback comments always redacted.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import APIRouter, Depends, FastAPI, Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.datastructures import Headers
from starlette.exceptions import HTTPException as StarletteHTTPException

from assistant.api.access import Caller, current_caller, current_runtime
from assistant.api.errors import ERRORS, ApiError, status_of
from assistant.api.models import (FEEDBACK_EXAMPLE, AskReply, AskRequest, DocumentRef, DocumentReply,
                                  ErrorReply, FeedbackReply, FeedbackRequest, Health, Readiness, TopicReply)
from assistant.config import Settings
from assistant.conversation import InvalidHistory, normalise_history
from assistant.errors import MentorError
from assistant.knowledge import KnowledgeBase, knowledge_fingerprint, load_knowledge
from assistant.store.storage import Storage
from assistant.text import did_you_mean

log = logging.getLogger(__name__)

RETRY_LOAD_S = 5.0  # a failed load is tried again on a request at most this often (e.g. after `mentor index build`)
RETRY_AFTER_S = "5"  # what a 503 asks the caller to wait: a loading index, an unavailable database

DESCRIPTION = """\
Ask Mentor's curated, cited mentoring guidance from other systems (an intranet, a Slack or Teams bot).

**Keys.** Every `/v1` request sends `Authorization: Bearer <key>`. An administrator creates a key with
`mentor api-key create NAME` (shown once; only its hash is stored) and revokes it with
`mentor api-key revoke NAME`. Until a key exists the API answers no one, unless
`MENTOR_API_KEYS_REQUIRED=false` opens it to anyone who can reach the port.

**Limits.** Each key may make `MENTOR_API_RATE_LIMIT` requests a minute (429 with `Retry-After` beyond
that, counted across every instance sharing the database); bodies over `MENTOR_API_MAX_BODY_BYTES` get 413.

**Errors** are JSON `{"error": "..."}` saying what was wrong, with the value, and how to fix it. While the
index is loading or the database is unavailable, requests get 503 with `Retry-After`; try again then.

**Privacy.** Questions are stored as the chat stores them (`MENTOR_QUESTION_LOGGING`, personal data
masked by default), under the key's id instead of a browser session; feedback comments are always masked.
"""


class Runtime:
    """What the app serves from: settings, storage, and the Assistant once it has loaded."""

    def __init__(self, settings: Settings, embedder=None):
        self.settings = settings
        self.embedder = embedder  # tests share one loaded model; otherwise the load makes one
        self.storage: Storage | None = None
        self.assistant = None
        self.error = ""
        self.loading = False
        self._tried_at = 0.0
        self._lock = threading.Lock()
        self._knowledge: tuple[str, KnowledgeBase] | None = None

    def start_loading(self) -> None:
        """Load the model and index in a background thread, unless loaded, loading or recently failed."""
        with self._lock:
            if self.assistant is not None or self.loading or time.monotonic() - self._tried_at < RETRY_LOAD_S:
                return
            self.loading, self._tried_at = True, time.monotonic()
        threading.Thread(target=self._load, name="mentor-api-load", daemon=True).start()

    def _load(self) -> None:
        from assistant.embedding import Embedder  # heavy (torch): only when an app actually starts
        from assistant.pipeline import Assistant

        try:
            self.embedder = self.embedder or Embedder(self.settings.model)
            bot = Assistant(self.settings, embedder=self.embedder).load()
            for warning in bot.warnings:
                log.warning("%s", warning)
            if self.settings.question_logging == "redacted":
                from assistant.redact import redact

                redact("Warm up")  # Presidio and spaCy take seconds to load: before ready, not on a first question
            self.assistant, self.error = bot, ""
        except Exception as exc:  # noqa: BLE001 - reported by /readyz; the next request tries again
            log.exception("could not load Mentor's index")
            self.error = str(exc) if isinstance(exc, MentorError) else f"{type(exc).__name__}: {exc}"
        finally:
            self.loading = False

    def ready(self):
        """The loaded Assistant.

        Raises:
            ApiError: 503 while loading or after a failed load (which is then tried again).
        """
        if self.assistant is not None:
            return self.assistant
        self.start_loading()
        if self.error and not self.loading:
            raise ApiError(503, f"Mentor could not load its guidance: {self.error}", {"Retry-After": RETRY_AFTER_S})
        raise ApiError(503, "Mentor is still loading its model and index; try again in a few seconds",
                       {"Retry-After": RETRY_AFTER_S})

    def knowledge(self) -> KnowledgeBase:
        """The guidance documents as they are on disk now, re-read only when a file changed."""
        folder: Path = self.settings.knowledge_dir
        fingerprint, _ = knowledge_fingerprint(folder)
        cached = self._knowledge
        if cached is None or cached[0] != fingerprint:
            cached = self._knowledge = (fingerprint, load_knowledge(folder))
        return cached[1]


class BodyLimit:
    """Reads each request body, up to the limit, before the app does, and answers 413 beyond it.

    The body is read as JSON whatever its Content-Type says, so `curl -d '{...}'` (which labels it a form)
    works without a header. Keys are headers, not cookies, so a cross-site form gains nothing from this.
    """

    def __init__(self, app, max_bytes: int):
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        length = Headers(scope=scope).get("content-length", "")
        if length.isdigit() and int(length) > self.max_bytes:
            return await self._too_large(f"{int(length):,} bytes", scope, receive, send)
        body, more = bytearray(), True
        while more:
            message = await receive()
            if message["type"] == "http.disconnect":
                return  # the client went away: nothing to answer
            body += message.get("body", b"")
            more = message.get("more_body", False)
            if len(body) > self.max_bytes:
                return await self._too_large(f"more than {self.max_bytes:,} bytes", scope, receive, send)
        if body:
            scope = dict(scope, headers=[(k, v) for k, v in scope["headers"] if k.lower() != b"content-type"]
                         + [(b"content-type", b"application/json")])
        replayed = False

        async def replay():
            nonlocal replayed
            if not replayed:
                replayed = True
                return {"type": "http.request", "body": bytes(body), "more_body": False}
            return await receive()  # then wait for the client to disconnect, as the server would say

        await self.app(scope, replay, send)

    async def _too_large(self, size: str, scope, receive, send):
        response = JSONResponse(status_code=413, content={"error": (
            f"the request body is {size}, and this API reads up to {self.max_bytes:,} "
            "(MENTOR_API_MAX_BODY_BYTES); send a shorter question and history")})
        await response(scope, receive, send)


def _example(path: str) -> str:
    return json.dumps(FEEDBACK_EXAMPLE if path.endswith("/feedback") else {"question": "How do I find a mentor?"})


def _shorten(value, limit: int = 60) -> str:
    """A value as the caller sent it (JSON), cut to `limit` characters."""
    try:
        text = json.dumps(value, ensure_ascii=False)
    except (TypeError, ValueError):
        text = repr(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


JSON_TYPES = {list: "an array", str: "a string", int: "a number", float: "a number", bool: "a boolean",
              type(None): "null"}


def validation_message(exc: RequestValidationError, path: str) -> tuple[int, str]:
    """A body FastAPI could not read or validate, as (status, message naming the value and the fix)."""
    send = f"send JSON such as {_example(path)}"
    problems = []
    for error in exc.errors():
        loc = [str(part) for part in error.get("loc", ()) if part != "body"]
        kind = error.get("type", "")
        if kind == "json_invalid":
            detail = (error.get("ctx") or {}).get("error", "JSON decode error")
            return 400, f"the request body is not valid JSON ({detail} at character {loc[0] if loc else 0}); {send}"
        if not loc and kind == "missing":
            return 400, f"the request body is empty; {send}"
        if not loc:
            value = error.get("input")
            kind_name = JSON_TYPES.get(type(value), type(value).__name__)
            shown = "" if value is None else f" {_shorten(value)}"
            return 422, f"the request body must be a JSON object, got {kind_name}{shown}; {send}"
        message = error.get("msg", "is not valid")
        message = message[:1].lower() + message[1:]
        got = "" if kind in ("missing", "extra_forbidden") else f", got {_shorten(error.get('input'))}"
        problems.append(f"{'.'.join(loc)}: {message}{got}")
    return 422, f"{'; '.join(problems)}; {send}"


def _error(status: int, message: str, headers: dict[str, str] | None = None) -> JSONResponse:
    return JSONResponse(status_code=status, content={"error": message}, headers=headers)




def create_app(settings: Settings | None = None, *, embedder=None) -> FastAPI:
    """The API app over `settings` (default: MENTOR_* environment and .env).

    Args:
        settings: where the knowledge, index and database are, and the API's key and limit settings.
        embedder: an already loaded Embedder to share (tests); by default the app loads its own.
    """
    settings = settings or Settings()
    runtime = Runtime(settings, embedder)
    app = FastAPI(title="Mentor API", version="1", description=DESCRIPTION, lifespan=_lifespan)
    app.state.runtime = runtime
    app.add_middleware(BodyLimit, max_bytes=settings.api_max_body_bytes)
    app.add_exception_handler(MentorError, _mentor_error)
    app.add_exception_handler(RequestValidationError, _invalid_body)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(Exception, _unexpected)
    app.include_router(router)
    from assistant.api.goals import router as goals  # imports this module's dependencies: after they exist

    app.include_router(goals)
    return app


@asynccontextmanager
async def _lifespan(app: FastAPI):
    """Open storage, purge what is past retention, and start loading the model and the index."""
    runtime: Runtime = app.state.runtime
    runtime.storage = Storage.from_settings(runtime.settings)
    runtime.storage.purge(runtime.settings.retention_days)
    runtime.start_loading()
    yield
    runtime.storage.pending.flush()  # answers' rows the database refused meanwhile: one more try now
    if runtime.settings.shared:
        from assistant.store.publish import stop_following

        stop_following()  # the thread following the shared index: stopped cleanly rather than killed at exit


# -- errors: every one is JSON {"error": "..."} ----------------------------------------------------------
async def _mentor_error(request: Request, exc: MentorError):
    status = status_of(exc)
    headers = getattr(exc, "headers", None) or ({"Retry-After": RETRY_AFTER_S} if status == 503 else None)
    return _error(status, str(exc), headers)


async def _invalid_body(request: Request, exc: RequestValidationError):
    return _error(*validation_message(exc, request.url.path))


async def _http_error(request: Request, exc: StarletteHTTPException):
    message = str(exc.detail)
    if exc.status_code == 400:  # FastAPI could not decode the body at all (not UTF-8, nested too deep)
        message = f"the request body could not be read as JSON text; send UTF-8 JSON such as {_example(request.url.path)}"
    elif exc.status_code == 404:
        message = f"there is no endpoint {request.method} {request.url.path}; /docs lists them"
    elif exc.status_code == 405:
        message = f"{request.url.path} does not take {request.method}; /docs lists what it takes"
    return _error(exc.status_code, message, exc.headers)


async def _unexpected(request: Request, exc: Exception):
    log.exception("unexpected error answering %s %s", request.method, request.url.path)
    return _error(500, "Mentor hit an unexpected error answering this request; it is in the server log")


# -- endpoints ------------------------------------------------------------------------------------------
router = APIRouter()
@router.get("/healthz", response_model=Health, tags=["operations"])
def healthz() -> Health:
    """The process is up and serving HTTP (liveness). Says nothing about the index: see /readyz."""
    return Health()


@router.get("/readyz", response_model=Readiness, responses={503: {"model": Readiness}}, tags=["operations"])
def readyz(runtime: Runtime = Depends(current_runtime)) -> Response:
    """200 once the model and index are loaded, the database answers, and questions can be answered; 503
    with the reason while loading, after a failed load (tried again every few seconds, e.g. after
    `mentor index build`), or while the database is unavailable."""
    bot = runtime.assistant
    problem = runtime.storage.problem() if runtime.storage is not None else None
    if problem is not None:  # every /v1 request needs the database (the key, the rate limit, the record)
        return JSONResponse(Readiness(status="database unavailable", detail=problem).model_dump(), status_code=503,
                            headers={"Retry-After": RETRY_AFTER_S})
    if bot is not None:
        manifest = bot.index.manifest
        return JSONResponse(Readiness(status="ready", passages=manifest.passage_count,
                                      detail=f"index built {manifest.built_at:%Y-%m-%d %H:%M} UTC").model_dump())
    runtime.start_loading()
    state = "loading" if runtime.loading or not runtime.error else "failed"
    detail = ("loading the model and the index" if state == "loading"
              else f"Mentor could not load its guidance: {runtime.error}")
    return JSONResponse(Readiness(status=state, detail=detail).model_dump(), status_code=503,
                        headers={"Retry-After": RETRY_AFTER_S})


@router.post("/v1/ask", response_model=AskReply, responses=ERRORS, tags=["questions"])
def ask(body: AskRequest, who: Caller = Depends(current_caller), runtime: Runtime = Depends(current_runtime)) -> AskReply:
    """Answer a question from the guidance, every point cited `[n]`, or decline honestly.

    `status` is `answered` (with `citations`) or `out_of_scope` (the guidance does not cover it; the text
    says what it does cover). A question that can't be asked (empty, too long, a malformed history) gets
    422 with the reason, as the chat would show it. The reply's `interaction_id` rates it via /v1/feedback.
    """
    bot = runtime.ready()
    problem = bot.validate(body.question)
    try:
        history = normalise_history(body.history)
    except InvalidHistory as exc:
        problem = problem or str(exc)
    if problem:
        raise ApiError(422, problem)
    answer = bot.ask(body.question, history=history)
    if answer.status == "invalid_input":
        raise ApiError(422, answer.text)
    # None when the database refused it for now: the row waits in memory and is stored once it is back.
    interaction_id = runtime.storage.interactions.record(who.bucket, answer)
    return AskReply(**answer.model_dump(), interaction_id=interaction_id)


@router.post("/v1/feedback", response_model=FeedbackReply, status_code=201, responses=ERRORS | {404: {"model": ErrorReply}},
             tags=["questions"])
def feedback(body: FeedbackRequest, who: Caller = Depends(current_caller),
             runtime: Runtime = Depends(current_runtime)) -> FeedbackReply:
    """Rate an answer this API key was given: thumbs up or down, with an optional comment.

    The comment is stored with personal data masked; the question as MENTOR_QUESTION_LOGGING says.
    """
    row = runtime.storage.interactions.get(body.interaction_id)
    if row is None or row["session_id"] != who.bucket:
        raise ApiError(404, f"no answer with interaction_id {body.interaction_id} was given to this API key; "
                            "send the interaction_id of one of its POST /v1/ask replies")
    # Not deferred: the caller gets 503 with Retry-After and sends it again, so the id it gets is real.
    feedback_id = runtime.storage.feedback.record(who.bucket, row["question"], row["cited_doc_ids"],
                                                  1 if body.rating == "up" else 0, body.comment,
                                                  interaction_id=row["id"], defer=False)
    return FeedbackReply(feedback_id=feedback_id)


@router.get("/v1/documents/{doc_id}", response_model=DocumentReply, responses=ERRORS | {404: {"model": ErrorReply}},
            tags=["guidance"], dependencies=[Depends(current_caller)])
def document(doc_id: str, runtime: Runtime = Depends(current_runtime)) -> DocumentReply:
    """A guidance document by id (a citation's `doc_id`): its front matter and Markdown body.

    The body is curated Markdown: render it as Markdown with raw HTML shown as text, as the chat does.
    """
    documents = runtime.knowledge().by_id()
    found = documents.get(doc_id)
    if found is None:
        raise ApiError(404, f"no guidance document has the id {doc_id[:80]!r}"
                            f"{did_you_mean(doc_id, documents)}; GET /v1/topics lists every document's id")
    return DocumentReply(**found.model_dump())


@router.get("/v1/topics", response_model=list[TopicReply], responses=ERRORS, tags=["guidance"],
            dependencies=[Depends(current_caller)])
def topics(runtime: Runtime = Depends(current_runtime)) -> list[TopicReply]:
    """Every topic of the guidance, in taxonomy order, with the documents filed under it."""
    from assistant.chat import topic_shelves

    return [TopicReply(slug=shelf.slug, label=shelf.label, description=shelf.description,
                       documents=[DocumentRef(id=d.id, title=d.title, summary=d.summary) for d in shelf.documents])
            for shelf in topic_shelves(runtime.knowledge())]
