"""Stage 1 of answering: read the question in its conversation, once.

`understand(question, history, speller) -> Query`: the text cleaned and spelling-corrected, the
earlier turns likewise, who is asking, what kind of answer is wanted, and how the question leans on
the conversation. Nothing after this stage reads the raw text or the English patterns again.
"""

from __future__ import annotations

from pydantic import BaseModel, Field

from assistant.conversation import clean_text, refers_back, resolve, shown_documents
from assistant.lexicon import (DURATION_INTENT, EXAMPLE_INTENT, EXPLAIN_INTENT, FREQUENCY_INTENT, HOW_TO_INTENT,
                               LIST_INTENT, MESSAGE_WORDS, NEW_SUBJECT, PITFALL_INTENT, SIGNS_INTENT, TEMPLATE_INTENT,
                               TWO_QUESTIONS, YES_NO_QUESTION)
from assistant.models import AskerRole, Turn
from assistant.roles import infer_role

JOINED_TURNS = 3  # earlier user turns joined to a follow-up before it is searched


class Intent(BaseModel):
    """What kind of answer the question asks for."""

    list: bool = False  # a list, steps, ideas or questions: shown whole
    template: bool = False  # something to copy: a message, email, agenda
    message: bool = False  # about saying or writing something to someone: a template may answer it
    example: bool = False  # a worked example
    pitfalls: bool = False  # mistakes to avoid
    signs: bool = False  # how to tell whether something is working
    two_things: bool = False  # two questions in one: a second section may answer the second
    yes_no: bool = False  # "is it ok to...", "should I..."
    duration: bool = False  # how long
    frequency: bool = False  # how often
    how_to: bool = False  # what to do ("how do I...", "any tips"), not why or what something is

    @classmethod
    def of(cls, text: str) -> "Intent":
        return cls(list=bool(LIST_INTENT.search(text)), template=bool(TEMPLATE_INTENT.search(text)),
                   message=bool(MESSAGE_WORDS.search(text)),
                   example=bool(EXAMPLE_INTENT.search(text)), pitfalls=bool(PITFALL_INTENT.search(text)),
                   signs=bool(SIGNS_INTENT.search(text)),
                   two_things=bool(TWO_QUESTIONS.search(text)) or text.count("?") >= 2,
                   yes_no=bool(YES_NO_QUESTION.search(text)), duration=bool(DURATION_INTENT.search(text)),
                   frequency=bool(FREQUENCY_INTENT.search(text)),
                   how_to=bool(HOW_TO_INTENT.search(text)) and not EXPLAIN_INTENT.search(text))


class FollowUp(BaseModel):
    """How the question leans on the conversation before it."""

    elliptic: bool = False  # carries little content of its own ("and if they don't reply?")
    new_subject: bool = False  # says it changes the subject ("unrelated, but..."): read on its own
    refers_back: bool = False  # points back with a pronoun ("what do I say to her?")
    context: str = ""  # the earlier user turn(s) it is read with
    earlier: list[str] = Field(default_factory=list)  # the latest earlier user turns, oldest first
    shown: list[str] = Field(default_factory=list)  # documents the previous answer quoted

    @property
    def in_conversation(self) -> bool:
        return bool(self.earlier)


class Query(BaseModel):
    """A question as the later stages read it."""

    question: str  # as asked
    text: str  # cleaned and spelling-corrected: what is searched
    role: AskerRole = "unknown"  # stated in this question or, failing that, the latest turn that states it
    intent: Intent = Field(default_factory=Intent)
    follow_up: FollowUp = Field(default_factory=FollowUp)

    @property
    def joined(self) -> str:
        """The question with its latest earlier turns: what a follow-up is searched as."""
        return " ".join([*self.follow_up.earlier, self.text])


def understand(question: str, history: list[Turn], speller) -> Query:
    """Read `question` (already validated) in the conversation `history` (already normalised)."""
    text = speller.correct(clean_text(question))
    turns = [t.model_copy(update={"content": speller.correct(clean_text(t.content))}) for t in history]
    users = [t.content for t in turns if t.role == "user" and t.content.strip()]
    resolution = resolve(text, turns)
    new_subject = bool(users) and bool(NEW_SUBJECT.search(text))
    follow_up = FollowUp(elliptic=resolution.is_follow_up and not new_subject, new_subject=new_subject,
                         refers_back=bool(users) and refers_back(text) and not new_subject,
                         context=resolution.context, earlier=users[-JOINED_TURNS:], shown=shown_documents(turns))
    return Query(question=question, text=text, role=infer_role(text, users), intent=Intent.of(text),
                 follow_up=follow_up)


__all__ = ["FollowUp", "Intent", "Query", "understand"]
