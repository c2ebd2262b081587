"""Mentor: answers questions about mentoring from curated, cited guidance."""

from assistant.config import Settings
from assistant.models import Answer, Citation, Document, Passage, Turn
from assistant.pipeline import Assistant

__all__ = ["Answer", "Assistant", "Citation", "Document", "Passage", "Settings", "Turn"]
__version__ = "0.1.0"
