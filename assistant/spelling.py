"""Correct misspelt words in a question before it is embedded ("how do i find a mentr").

MiniLM splits an unknown word into word pieces that no longer mean "mentor", so a misspelt question
can score as out of scope. A word is left alone when the guidance or an English dictionary
(pyspellchecker's word-frequency list) knows it; otherwise it becomes the closest word of the
guidance, or failing that of the dictionary, within two edits. To keep a rare word the dictionary
lacks from becoming another word ("trans" is not "traps"), a short word is only corrected by a
dropped, doubled or swapped letter, and only to a word the guidance uses often. Long tokens are never
corrected: their edit candidates grow with the square of their length.
"""

from __future__ import annotations

import re
import threading
from collections import Counter
from collections.abc import Iterable

MIN_LENGTH, MAX_LENGTH = 4, 20
MIN_FREQUENCY = 3  # a correction must be a word the guidance uses at least this often
MIN_FREQUENCY_SHORT = 25  # and for a word of five letters or fewer, a common word of the guidance
# Contractions typed without the apostrophe are words, not typos.
_CONTRACTIONS = frozenset(
    "dont cant wont isnt arent wasnt werent didnt doesnt hasnt havent hadnt shouldnt couldnt wouldnt mustnt "
    "youre theyre were thats whats whos hows wheres theres heres lets ive youve weve theyve ill youll theyll "
    "shell hell id youd theyd im".split())
_WORD = re.compile(r"[A-Za-z]+(?:['’][A-Za-z]+)?")
_lock = threading.Lock()
_dictionary = None


def _english():
    """pyspellchecker's English dictionary, loaded once per process."""
    global _dictionary
    with _lock:
        if _dictionary is None:
            from spellchecker import SpellChecker

            _dictionary = SpellChecker(distance=2)
    return _dictionary


class Speller:
    """Corrects words against the guidance's own vocabulary first, then English."""

    def __init__(self, texts: Iterable[str]):
        self.frequency = Counter(w.lower() for text in texts for w in _WORD.findall(text))

    def known(self, word: str) -> bool:
        return word in self.frequency or word in _english()

    def correct_word(self, word: str) -> str:
        low = word.lower()
        if (not (MIN_LENGTH <= len(low) <= MAX_LENGTH) or not low.isalpha() or low in _CONTRACTIONS
                or self.known(low)):
            return word
        edits, least = (_edits(low), MIN_FREQUENCY) if len(low) > 5 else (_slips(low), MIN_FREQUENCY_SHORT)
        ours = [w for w in edits if self.frequency.get(w, 0) >= least]
        if not ours and 7 <= len(low) <= 12:  # two edits of a long word are hundreds of thousands of strings
            ours = [w for w in {e2 for e1 in _edits(low) for e2 in _edits(e1)} if self.frequency.get(w, 0) >= MIN_FREQUENCY]
        if ours:
            return max(ours, key=lambda w: (self.frequency[w], w))
        english = _english().correction(low) if len(low) > 5 else None
        return english if english and english in _slips(low) else word

    def reads_as_english(self, text: str) -> bool:
        """False for a question of three or more words most of which neither the guidance nor the
        dictionary knows, such as one asked in French ("comment trouver un mentor ?")."""
        words = [w.lower() for w in _WORD.findall(text) if len(w) > 1]
        if len(words) < 3:
            return True
        known = sum(1 for w in words if self.known(w) or w in _CONTRACTIONS or w.split("'")[0] in _english())
        return known >= len(words) / 2

    def correct(self, text: str) -> str:
        """The text with unknown words corrected; everything else exactly as written."""
        return _WORD.sub(lambda m: self.correct_word(m.group(0)), text)


_LETTERS = "abcdefghijklmnopqrstuvwxyz"


def _slips(word: str) -> set[str]:
    """Strings one dropped, doubled, added or swapped letter away: the commonest typing slips."""
    splits = [(word[:i], word[i:]) for i in range(len(word) + 1)]
    deletes = {a + b[1:] for a, b in splits if b}
    transposes = {a + b[1] + b[0] + b[2:] for a, b in splits if len(b) > 1}
    inserts = {a + c + b for a, b in splits for c in _LETTERS}
    return deletes | transposes | inserts


def _edits(word: str) -> set[str]:
    """Every string one deletion, transposition, replacement or insertion away."""
    splits = [(word[:i], word[i:]) for i in range(len(word) + 1)]
    deletes = {a + b[1:] for a, b in splits if b}
    transposes = {a + b[1] + b[0] + b[2:] for a, b in splits if len(b) > 1}
    replaces = {a + c + b[1:] for a, b in splits if b for c in _LETTERS}
    inserts = {a + c + b for a, b in splits for c in _LETTERS}
    return deletes | transposes | replaces | inserts
