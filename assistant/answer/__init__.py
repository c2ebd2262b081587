"""Answering a question, as three typed stages, each taking the previous stage's output:

    understand(question, history, speller) -> Query       assistant/answer/understand.py
    retrieve(Query, engine, embed, scope) -> Retrieval     assistant/answer/retrieve.py
    compose(Query, Retrieval) -> Composed                  assistant/answer/compose.py

`assistant.pipeline.Assistant` runs them in order and decides between answering and declining.
"""

from assistant.answer.compose import Composed, SelectedUnit, compose
from assistant.answer.retrieve import Engine, Retrieval, retrieve
from assistant.answer.understand import FollowUp, Intent, Query, understand

__all__ = ["Composed", "Engine", "FollowUp", "Intent", "Query", "Retrieval", "SelectedUnit", "compose", "retrieve",
           "understand"]
