"""User-facing exceptions. Each message says what was wrong, with the value, and how to fix it."""

from __future__ import annotations


class MentorError(Exception):
    """Base class: the CLI prints these as short messages, without a traceback."""


class KnowledgeError(MentorError):
    """The knowledge base has problems; `problems` lists every one of them."""

    def __init__(self, problems):
        self.problems = list(problems)
        lines = "\n".join(f"  - {p}" for p in self.problems)
        super().__init__(f"{len(self.problems)} problem(s) in the knowledge base:\n{lines}")


class IndexNotReady(MentorError):
    """The index is missing, stale or damaged and rebuilding is turned off."""


class IndexDamaged(MentorError):
    """The live index version is incomplete or corrupt; `detail` says which file and how."""

    def __init__(self, detail: str):
        self.detail = detail
        super().__init__(f"the index is damaged: {detail}. Rebuild it with `mentor index build` "
                         "(or Rebuild on the staff Index page).")


class ModelLoadError(MentorError):
    """The embedding model could not be loaded."""


class AuthError(MentorError):
    """Staff authentication failed or is not configured."""


class EditConflict(MentorError):
    """A document changed on disk since it was opened for editing."""


class DatabaseUnavailable(MentorError):
    """The database in MENTOR_DATABASE_URL cannot be reached or used; the message masks any password."""
