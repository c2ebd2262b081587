"""Secrets never shown: the LLM key, the database password and bearer-token-shaped strings are cut out
of every message and log line, including text an endpoint echoes back.

`scrub(text, settings)` replaces them with [secret]. `ScrubFilter` does the same to every log record
it sees; `install(settings)` puts one on the root logger's handlers and on Mentor's own loggers, so a
record from any library that reaches them is scrubbed too.
"""

from __future__ import annotations

import logging
import re

from assistant.config import Settings

MASK = "[secret]"
MIN_SECRET_CHARS = 4  # shorter values (a placeholder key such as "x") would mask ordinary words
# Authorization: Bearer <token>, and the key shapes of the common hosted APIs (sk-..., hf_..., gsk_...)
_TOKEN = re.compile(r"(?i:\b(?:bearer|basic|token)\s+)[A-Za-z0-9._~+/=-]{8,}|"
                    r"\b(?:sk|pk|rk|gsk|hf|xox[abp])[-_][A-Za-z0-9_-]{12,}\b")


def secrets_of(settings: Settings | None) -> list[str]:
    """The secret values the settings hold: the LLM key (also from .streamlit/secrets.toml) and the DB password."""
    if settings is None:
        return []
    found = []
    if settings.llm_api_key is not None:
        found.append(settings.llm_api_key.get_secret_value())
    try:
        from assistant.generate import api_key

        found.append(api_key(settings))
    except Exception:  # noqa: BLE001 - an unreadable secrets file holds nothing to hide
        pass
    try:
        # urllib, not SQLAlchemy's make_url: `mentor ask` must not load the database layer.
        from urllib.parse import unquote, urlsplit

        password = urlsplit(settings.db_url).password
        if password:
            found.extend({password, unquote(password)})
    except Exception:  # noqa: BLE001 - a URL that does not parse has no password to find
        pass
    return sorted({s for s in found if s and len(s) >= MIN_SECRET_CHARS and s != "not-needed"}, key=len, reverse=True)


def scrub(text: str, settings: Settings | None = None, secrets: list[str] | None = None) -> str:
    """`text` with every known secret and anything shaped like a bearer token replaced by [secret]."""
    if not text:
        return text
    for secret in secrets if secrets is not None else secrets_of(settings):
        text = text.replace(secret, MASK)
    return _TOKEN.sub(MASK, text)


class ScrubFilter(logging.Filter):
    """Scrubs a record's message (with its arguments) and its exception text before any handler writes it."""

    def __init__(self, settings: Settings | None = None):
        super().__init__()
        self.secrets = secrets_of(settings)

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        clean = scrub(message, secrets=self.secrets)
        if clean != message:
            record.msg, record.args = clean, None
        if record.exc_info:
            text = logging.Formatter().formatException(record.exc_info)
            record.exc_text = scrub(text, secrets=self.secrets)
            record.exc_info = None  # the scrubbed text stands in for the traceback
        return True


def install(settings: Settings) -> ScrubFilter:
    """Scrub every record that reaches the root logger's handlers or Mentor's loggers."""
    found = ScrubFilter(settings)
    for handler in logging.getLogger().handlers:
        if not any(isinstance(f, ScrubFilter) for f in handler.filters):
            handler.addFilter(found)
    for name in ("assistant", "assistant.generate", "uvicorn.error", "uvicorn.access", "openai", "httpx"):
        logger = logging.getLogger(name)
        logger.filters = [f for f in logger.filters if not isinstance(f, ScrubFilter)] + [found]
    return found
