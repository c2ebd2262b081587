"""Request and reply bodies that only the HTTP API uses. Answers and documents reuse assistant.models."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, WithJsonSchema

from assistant.models import Answer, Document

ASK_EXAMPLE = {"question": "What should I say to them?", "history": ["How do I find a mentor in my field?"]}
FEEDBACK_EXAMPLE = {"interaction_id": 42, "rating": "up", "comment": "Clear and useful, thanks."}

# History is checked by assistant.conversation.normalise_history, as the chat's is, so a bad turn gets the
# chat's message; the schema below only documents what it accepts.
History = Annotated[Any, WithJsonSchema({
    "type": "array",
    "description": "Earlier turns, oldest first: plain strings (user turns) or {\"role\": \"user\" or "
                   "\"assistant\", \"content\": text}. The latest 20 are used, each cut to 4,000 characters.",
    "items": {"anyOf": [
        {"type": "string"},
        {"type": "object", "required": ["content"], "properties": {
            "role": {"type": "string", "enum": ["user", "assistant"], "default": "user"},
            "content": {"type": "string"},
            "sources": {"type": "array", "items": {"type": "string"},
                        "description": "An assistant turn: the document ids its answer cited (the answer's "
                                       "citations[].doc_id), so a follow-up is read in that thread."}}},
    ]},
})]


class AskRequest(BaseModel):
    """A question, with the conversation so far when it is a follow-up."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [ASK_EXAMPLE]})

    question: str = Field(description="What the person asked, as typed. Up to MENTOR_MAX_QUESTION_CHARS characters.")
    history: History = Field(default_factory=list)


class AskReply(Answer):
    """The Answer, as `Assistant.ask` returns it, plus the id to send feedback about it."""

    interaction_id: int | None = Field(
        None, description="Send it to POST /v1/feedback to rate this answer. None when it could not be stored.")


class FeedbackRequest(BaseModel):
    """A rating of one answer this API key was given."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [FEEDBACK_EXAMPLE]})

    interaction_id: int = Field(ge=1, le=2**63 - 1, description="The interaction_id of a POST /v1/ask reply.")
    rating: Literal["up", "down"] = Field(description="Thumbs up or down.")
    comment: str | None = Field(None, max_length=2000,
                                description="Optional. Stored with personal data masked, whatever MENTOR_QUESTION_LOGGING says.")


class FeedbackReply(BaseModel):
    feedback_id: int


class DocumentReply(Document):
    """A guidance document: front matter and its Markdown body (data, never HTML to render raw)."""

    path: str = Field("", exclude=True)  # a server-side file path: not the caller's business


class DocumentRef(BaseModel):
    id: str
    title: str
    summary: str


class TopicReply(BaseModel):
    """A topic of the taxonomy, with the documents filed under it (primary topic first)."""

    slug: str
    label: str
    description: str
    documents: list[DocumentRef]


class Health(BaseModel):
    status: Literal["ok"] = "ok"


class Readiness(BaseModel):
    status: Literal["ready", "loading", "failed", "database unavailable"]
    detail: str = Field("", description="What is loaded, or why the instance is not ready and how to fix it.")
    passages: int = 0


class ErrorReply(BaseModel):
    error: str = Field(description="What was wrong, with the value, and how to fix it.")
