"""People's names by context and shape, in any case and from many languages, for redaction.

spaCy's small English model finds names that are written in title case and look English. People type
"tell rajesh kumar", "my boss DEEPAK SHARMA", "Nkechi said", "with Hope". This module reads three
signals instead of case alone:

- a lexicon of given names and surnames from 86 locales (Faker's person providers, MIT licensed:
  Arabic, Chinese, Hindi, Igbo, Japanese, Polish, Vietnamese, Yoruba ... in their Latin spellings);
- a person slot: the words round a token that say a person stands there ("my mentee X", "told X",
  "X said", "X's", "X is my manager", "Name: X");
- shape: a capital inside a sentence, a word that is not English (pyspellchecker's frequency list).

A word that is common English ("Hope", "Will", "Rose", "Dawn") counts as a name only in a slot and
written with a capital inside the sentence. A place the model tags as such ("Austin, TX") is not a
name unless a slot says so.
"""

from __future__ import annotations

import importlib
import pkgutil
import threading
import unicodedata

import regex

# At least this often in pyspellchecker's English list, a word is English; below it, perhaps a name
# (the list holds lowercased proper nouns too, which is why "india" is rare and "hans" is not).
ENGLISH = 1000
# At least this often, a word is common English even when it is also a name (hope, grace, mark, rose).
COMMON = 10000

_WORD = regex.compile(r"\p{L}[\p{L}\p{M}]*(?:['’-]\p{L}[\p{L}\p{M}]*)*")
# Joining words inside a name: Ó Briain, van der Berg, bin Salman, de la Cruz, Al Farsi.
_PARTICLES = {"de", "da", "das", "do", "dos", "du", "des", "del", "della", "di", "la", "le", "van", "von", "der", "den",
              "ter", "te", "bin", "binti", "bint", "ibn", "al", "el", "abu", "ó", "o", "mac", "mc", "ben", "y", "e"}
# Words that are never a name whatever their case or context.
_NEVER = {
    "i", "me", "my", "mine", "you", "your", "he", "him", "his", "she", "her", "hers", "they", "them", "their", "we",
    "us", "our", "it", "its", "this", "that", "these", "those", "who", "whom", "whose", "what", "which", "someone",
    "somebody", "anyone", "everyone", "nobody", "people", "team", "teams", "manager", "mentor", "mentee", "boss",
    "colleague", "everybody", "hr", "ceo", "cto", "cfo", "coo", "vp", "it's", "i'm", "he's", "she's", "they're",
    "okrs", "kpis", "okr", "kpi", "ok", "okay", "hi", "hello", "hey", "dear", "thanks", "please", "mr", "mrs", "ms",
    "dr", "prof", "sir", "madam", "mentors", "mentees", "mentoring", "sponsor", "coach", "director", "lead",
    "monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday", "january", "february", "march",
    "april", "may", "june", "july", "august", "september", "october", "november", "december", "linkedin", "slack",
    "zoom", "google", "microsoft", "amazon", "apple", "meta", "python", "java", "excel", "jira", "chatgpt",
    "christmas", "easter", "diwali", "eid", "ramadan", "hanukkah", "english", "french", "german", "spanish",
}
# Before a token, a person stands there. Strong slots take a name in any case; weak ones a capitalised name.
_RELATION = (r"(?:manager|boss|mentor|mentee|mentees|colleague|co-?worker|teammate|team\s+lead|supervisor|director|"
             r"lead|friend|sponsor|coach|report|direct\s+report|peer|skip-level|line\s+manager|vp|ceo|cto|cfo|recruiter|"
             r"buddy|partner|intern|assistant|hire|candidate|interviewer|client|customer|employee|analyst|engineer|"
             r"designer|developer|son|daughter|wife|husband|brother|sister|mum|mom|dad|father|mother|cousin|"
             r"uncle|aunt|neighbou?r|flatmate|roommate|housemate|classmate|student|tutor|professor|teacher|"
             r"senior|junior|contractor|founder|cofounder|co-founder)")
_STRONG_BEFORE = regex.compile(
    rf"(?i:\b(?:my|our|his|her|their|the|new|former|old|a|an|your)\s+(?:\w+\s+)?{_RELATION}s?,?\s+$"
    rf"|(?:^|[.!?;:]\s+|\(|,\s*){_RELATION},?\s+$"
    rf"|\b{_RELATION}(?:'s\s+name)?\s+(?:is|was|will\s+be)\s+$"
    r"|\b(?:tell|told|telling|ask|asked|asking|thank|thanked|thanking|email|emailed|emailing|call|calling|text|"
    r"texted|texting|meet|met|meeting|cc|ping|pinged|invite|invited|introduce|introduced|congratulate|"
    r"promote|promoted|hire|hired|fire|fired|mentor|mentored|coach|coached|support|"
    r"remind|reminded|message|messaged|dm|dmed|thank-you\s+to|replace|replaced|recommend|recommended|praise|"
    r"praised|nominate|nominated|interview|interviewed|onboard|manage|managed|"
    r"reference\s+for|letter\s+for|note\s+for|note\s+to|card\s+for|gift\s+for|feedback\s+to|introduce\s+me\s+to|"
    r"connect|connecting|named|called|name\s+is|name's|i'm|im|i\s+am|this\s+is|(?:call|calls|called|calling)\s+(?:him|her|them|me)|"
    r"dear|hi|hello|hey|thanks|cc:|"
    r"(?:meeting|meet|met|1:1|one-on-one|lunch|coffee|call|chat|sync|session|sessions|work|working|worked|"
    r"clash|clashing|conflict|problem|problems|issue|issues|trouble|friends|along)\s+with|"
    r"(?:name|contact|attendee|mentee|mentor|manager|employee)\s*:)\s+$)")
_WEAK_BEFORE = regex.compile(r"(?i:\b(?:for|to|about|by|of|than|like|or|and|but|with|from|between|against|after|"
                          r"before)\s+$)")
# Before a single word, a thing or a place stands there: "uses Jira", "at McKinsey", "on Slack".
_THING_NOUNS = r"product|tool|app|platform|project|system|service|framework|library|language|brand|model|release"
_THING_BEFORE = regex.compile(r"(?i:\b(?:at|in|on|into|onto|use|uses|used|using|via|through|learn|learning|"
                              r"join|joined|joining|leave|leaving|left|the|a|an|our|your|team|company|"
                              rf"firm|client|version|{_THING_NOUNS})\s+$)")
# Before a word, whatever its spelling, a thing's name stands there: "our product Atlas", "project Orion".
_NAMED_THING_BEFORE = regex.compile(rf"(?i:\b(?:{_THING_NOUNS}|codename|code\s+name|initiative|programme|program)\s+$)")
_LISTED_THING_BEFORE = regex.compile(r"(?i:\b(?:use|uses|used|using|via|learn|learning|tried|try|trying|switch\s+to|"
                                     r"moved\s+to|between|like|prefer|prefers))\s+\p{Lu}[\p{L}\d.+#-]*"
                                     r"(?:,\s+\p{Lu}[\p{L}\d.+#-]*)*,?\s+(?:and|or|vs\.?|versus)\s+$")
_COORDINATED_BEFORE = regex.compile(r"\b(\p{Lu}[\p{L}\d.+#-]*),?\s+(?i:and|or|vs\.?|versus|&)\s+$")
_COORDINATED_AFTER = regex.compile(r"^,?\s+(?i:and|or|vs\.?|versus|&)\s+(\p{Lu}[\p{L}\d.+#-]*)")
# Round a word, a place stands there: "transfer to Austin", "our Lisbon and São Paulo teams".
_PLACE_BEFORE = regex.compile(r"(?i:\b(?:in|at|near|visit|visiting|based\s+in|office\s+in|(?:transfer|move|moving|"
                              r"moved|relocate|relocating|relocated|go|going|went|travel|travelling|traveling|fly|"
                              r"flying|commute|commuting|trip|posting|secondment)\s+to)\s+$)")
_PLACE_AFTER = regex.compile(r"^(?:\s+and\s+\p{Lu}\p{L}*)*\s+(?i:office|offices|team|teams|branch|site|sites|campus|"
                             r"hub|headquarters|hq|region|market|time|timezone|time\s+zone|hours|hospital|airport|"
                             r"university|school)\b")
# After a token, a person stood there: "X said", "X's", "X (EMP-1)", "X is my manager".
_AFTER = regex.compile(
    r"^(?:['’]s?\b|\s*\(|,\s*(?:my|our|his|her|the|a)\s+\w+"
    r"|\s+(?i:said|says|told|tells|asked|asks|thinks|thought|wants|wanted|keeps|kept|mentioned|mentions|"
    r"emailed|messaged|texted|called|replied|suggested|suggests|feels|felt|seems|is\s+(?:my|our|a|an|the|on|off|"
    r"in|out|being|going|interviewing|leaving|dealing|struggling|recovering|pregnant)|was\s+(?:my|our|a|an|the)|"
    r"has\s+(?:been|just|had|a|an|got|asked|told|started)|had\s+(?:a|an|been)|got|gave|just|joined|left|"
    r"and\s+i\b|who\b|doesn't|didn't|won't|can't|isn't|wasn't|hasn't|never|always|still|also|"
    r"approved|rejected|cancel(?:l)?ed|missed|shared|sent|invited|offered|agreed|refuses|refused|"
    r"complains|complained|interrupts|interrupted|ignores|ignored|took|takes|needs|needed|"
    r"is\s+\w+ing|has|had|and\s+(?:i|me)\b|"
    r"from\s+(?:[a-z]|the\b)|(?:on|in|from)\s+(?:my|our|the|his|her)\s+(?:\w+\s+)?(?:team|squad|group|department|org|"
    r"class|cohort|programme|program)))")
_PLACE_LABELS = {"GPE", "LOC", "FAC", "ORG", "NORP", "PRODUCT", "EVENT", "WORK_OF_ART", "LANGUAGE", "LAW"}
_RELATION_WORD = regex.compile(rf"(?i:{_RELATION}s?)")
_TITLE_WORDS = {"sister", "brother", "father", "mother", "aunt", "auntie", "uncle", "sir", "dame", "lady", "lord",
                "saint", "chief", "sheikh", "imam", "rabbi", "pastor", "reverend", "rev", "elder", "captain", "capt",
                "coach", "professor", "doctor", "madam", "madame", "miss", "master"}
_RELATION_BEFORE = regex.compile(rf"(?i:\b(?:my|our|his|her|their|the|new|former|old|a|an|your)\s+(?:\w+\s+)?"
                                 rf"{_RELATION},?\s+$)")
# A relation that names a kind, not a person: "a junior dev", "the mentor vs the sponsor".
_GENERIC_RELATION = regex.compile(rf"(?i:(?:^|\b(?:a|an|the|any|every|each|one|some)\s+(?:\w+\s+)?){_RELATION}s?\s+$)")
_NOUNISH = {"PROPN", "NOUN", "ADJ", "X", "INTJ"}
_VERBISH = {"VERB", "AUX"}
_HONORIFIC = regex.compile(r"(?i:\b(?:mr|mrs|ms|mx|dr|prof|sra?|srta|herr|frau|mme|mlle|dame|signora?)\.?\s+$)")


def _plain(word: str) -> str:
    """Lower case without accents: García and garcia, Wójcik and wojcik are one entry."""
    decomposed = unicodedata.normalize("NFKD", word.lower())
    return "".join(c for c in decomposed if not unicodedata.combining(c)).replace("đ", "d").replace("ł", "l")


class NameLexicon:
    """Given names and surnames from Faker's person providers, in every locale with a Latin spelling."""

    def __init__(self):
        self._names: tuple[set[str], set[str]] | None = None
        self._lock = threading.Lock()

    @property
    def names(self) -> set[str]:
        """Given names and surnames, lower case without accents."""
        return self._sets()[0]

    @property
    def surnames(self) -> set[str]:
        return self._sets()[1]

    def _sets(self) -> tuple[set[str], set[str]]:
        if self._names is None:
            with self._lock:
                if self._names is None:
                    self._names = self._load()
        return self._names

    @staticmethod
    def _load() -> tuple[set[str], set[str]]:
        import faker.providers.person as person

        names: set[str] = set()
        surnames: set[str] = set()
        for module in pkgutil.iter_modules(person.__path__):
            provider = getattr(importlib.import_module(f"{person.__name__}.{module.name}"), "Provider", None)
            # first_names, last_names_female, first_romanized_names (Japanese, Chinese), middle_names ...
            for attribute in dir(provider):
                if not regex.match(r"(?:first|last|middle)_(?:romanized_)?names?\b|male_last_names|unisex_last",
                                   attribute) or "kana" in attribute:
                    continue
                values = getattr(provider, attribute, ())
                if isinstance(values, dict):  # some locales weight their names
                    values = values.keys()
                if not isinstance(values, (list, tuple, set, frozenset, type({}.keys()))):
                    continue
                for value in values:
                    if _latin(value):
                        for part in regex.split(r"[\s-]+", value):
                            if len(part) >= 2:
                                names.add(_plain(part))
                                if "last" in attribute:
                                    surnames.add(_plain(part))
        return names - _NEVER, surnames - _NEVER

    def __contains__(self, word: str) -> bool:
        return _plain(word) in self.names or all(_plain(p) in self.names for p in regex.split(r"[-']", word) if p)

    def surname(self, word: str) -> bool:
        return _plain(word) in self.surnames or all(_plain(p) in self.surnames for p in regex.split(r"[-']", word) if p)


def _latin(value) -> bool:
    return isinstance(value, str) and bool(value) and all(
        not c.isalpha() or "LATIN" in unicodedata.name(c, "") for c in value)


LEXICON = NameLexicon()


def known(word: str) -> bool:
    """Whether `word` is a given name or surname in the lexicon."""
    return word in LEXICON


class _Token:
    __slots__ = ("start", "end", "text", "low", "known", "frequency", "titled", "initial", "pos")

    def __init__(self, match, text: str, frequency):
        self.start, self.end = match.start(), match.end()
        word = match.group()
        if word.lower().endswith(("'s", "’s")):  # possessive: Rui's
            self.end -= 2
            word = word[:-2]
        self.text, self.low = word, word.lower()
        self.known = len(word) >= 2 and word in LEXICON
        self.frequency = max(frequency[self.low], min((frequency[p] for p in self.low.split("-") if p), default=0))
        self.titled = word[0].isupper() and any(c.islower() for c in word[1:])
        before = text[:self.start].rstrip(" \t\"'“‘(")
        self.initial = not before or before[-1] in ".!?:;\n"
        self.pos = ""


def find_names(text: str, doc=None, ignore: set[int] = frozenset()) -> list[tuple[int, int, float]]:
    """Name spans in `text` as (start, end, score). `doc` is spaCy's reading of the same text, whose place
    and organisation labels keep "Austin, TX" and "Deloitte" out; `ignore` holds the places of words that
    are not names (health conditions: "my Crohn's disease")."""
    from assistant.spelling import _english

    frequency = _english().word_frequency
    tokens = [_Token(m, text, frequency) for m in _WORD.finditer(text) if m.start() not in ignore]
    places, pos = {}, {}
    if doc is not None:
        for ent in doc.ents:
            if ent.label_ in _PLACE_LABELS:
                places.update({i: ent.label_ for i in range(ent.start_char, ent.end_char)})
        pos = {t.idx: t.pos_ for t in doc}
    found = []
    i = 0
    while i < len(tokens):
        run = _run(text, tokens, i)
        if not run:
            i += 1
            continue
        score = _judge(text, run, places, pos)
        if score:
            found.append((run[0].start, run[-1].end, score))
            i = tokens.index(run[-1]) + 1
        else:
            i += 1  # the name may start one word on: "Sister Mary Agnes", "Coach Ana Lima"
    return found


def _candidate(token: _Token) -> bool:
    """A token that could be part of a name at all: an English function word only when capitalised inside
    a sentence ("with Will"), never in lower case ("im an introvert": An is also a name)."""
    from spacy.lang.en.stop_words import STOP_WORDS

    if token.low in STOP_WORDS and not (token.titled and not token.initial):
        return False
    if _RELATION_WORD.fullmatch(token.low) or token.low in _TITLE_WORDS:
        return False  # "my friend hope", "Sister Mary Agnes": the word before the name
    return (token.low not in _NEVER and len(token.text) >= 2 and not token.text.isdigit()
            and (token.known or token.frequency < ENGLISH or token.titled))


def _run(text: str, tokens: list[_Token], i: int) -> list[_Token]:
    """The longest run of name-like tokens from i: up to four words, in one case style, joined by spaces
    (or a name particle), never across punctuation."""
    first = tokens[i]
    if not _candidate(first) or first.low in _PARTICLES:
        return []
    run, j = [first], i + 1
    while j < len(tokens) and len(run) < 4:
        if text[run[-1].end:tokens[j].start] != " ":  # punctuation, or a possessive, ends a name
            break
        nxt = tokens[j]
        if nxt.low in _PARTICLES and j + 1 < len(tokens) and text[nxt.end:tokens[j + 1].start] == " " \
                and _same_case(first, tokens[j + 1]) and _candidate(tokens[j + 1]):
            run.extend([nxt, tokens[j + 1]])
            j += 2
            continue
        if not (_candidate(nxt) and _same_case(first, nxt)):
            break
        if nxt.titled and not (nxt.known or nxt.frequency < ENGLISH):
            break  # "Grace Mbeki" runs on; "Tomasz Said" or "Sam Engineering" do not
        run.append(nxt)
        j += 1
    return run


def _same_case(a: _Token, b: _Token) -> bool:
    return (a.titled and b.titled) or (a.text.islower() and b.text.islower()) or (a.text.isupper() and b.text.isupper())


def _ends_in_a_word(last: str) -> bool:
    """A name ends with a surname: an English word at its end that no surname list holds makes it a thing
    ("Victoria Line", "Total Rewards", "Project Orion")."""
    from assistant.spelling import _english

    frequency = _english().word_frequency[last.lower()]
    return (frequency >= ENGLISH and not LEXICON.surname(last)
            and (last not in LEXICON or frequency >= COMMON))  # "Mary Agnes" ends in a given name


def _next_start(text: str, end: int) -> int:
    match = regex.compile(r"\S").search(text, end)
    return match.start() if match else -1


def _judge(text: str, run: list[_Token], places: dict[int, str], pos: dict[int, str]) -> float:
    """How sure a run is a name (0 when it is not one)."""
    before, after = text[:run[0].start], text[run[-1].end:]
    strong = bool(_STRONG_BEFORE.search(before) or _HONORIFIC.search(before))
    relation = bool(_RELATION_BEFORE.search(before))
    next_pos = pos.get(_next_start(text, run[-1].end), "")
    for t in run:
        t.pos = pos.get(t.start, "")
    followed = bool(_AFTER.match(after))
    weak = bool(_WEAK_BEFORE.search(before))
    names = [t for t in run if t.low not in _PARTICLES]
    listed = sum(t.known for t in names)
    rare = all(t.frequency < ENGLISH for t in names)
    titled = all(t.titled for t in names)
    if _PLACE_BEFORE.search(before) or _PLACE_AFTER.match(after) or _NAMED_THING_BEFORE.search(before):
        return 0.0
    # the small model reads many names from outside Europe as places or companies ("Nkechi said" as an
    # organisation): a person slot round the words outweighs its label
    labels = {places[p] for t in names for p in range(t.start, t.end) if p in places}
    full_name = len(names) >= 2 and listed == len(names) and titled and not labels & {"GPE", "LOC", "FAC"}
    if labels and not (strong or followed or full_name):
        return 0.0
    if titled:
        if len(names) >= 2:
            # a first and last name: a known part, and no part that is a common word the lexicon does not
            # know ("Grace Mbeki", "Hikari Watanabe"; not "Project Orion", "Total Rewards")
            if any(t.frequency >= COMMON and not t.known for t in names) or _ends_in_a_word(names[-1].text):
                return 0.0
            if listed or strong:
                return 0.75
            return 0.65 if rare and (followed or weak) else 0.0
        # one capitalised word: the model judges it first; here only when a slot says a person stands there
        token = names[0]
        if token.frequency >= COMMON:  # Hope, Will, Rose: capitalised inside a sentence, in a strong slot
            return 0.7 if token.known and strong and not token.initial else 0.0
        if strong or followed:
            return 0.7 if token.known or token.frequency < ENGLISH else 0.0
        return 0.0
    # lower case or capitals: the lexicon and the slot must agree, or two rare known words stand together
    if len(names) >= 2:
        if any(t.frequency >= COMMON and not t.known for t in names):
            return 0.0
        if listed == len(names) and (strong or followed or all(t.frequency < COMMON for t in names)):
            return 0.7  # "tell rajesh kumar", "my manager john smith"
        return 0.7 if listed and (rare or strong) else 0.0
    token = names[0]
    if token.text.isupper() and len(token.text) <= 3 and not followed:
        return 0.0  # an acronym more often than a name: MS, ANA airline, HR
    if len(token.text) < 3:
        return 0.0
    if token.known and token.frequency < COMMON and (followed or strong and not _GENERIC_RELATION.search(before)):
        return 0.65  # "my mentee jakub", "JONAS TOLD ME", "tell olga"; not "a junior dev"
    # a common word that is also a name ("my friend hope is", "new hire joy is"): after a relation, read
    # as a noun by the model and followed by a verb
    if token.known and relation and token.pos in _NOUNISH and next_pos in _VERBISH:
        return 0.6
    return 0.0


def doubtful(text: str, start: int, end: int) -> bool:
    """Whether the model's name at text[start:end] is more likely not one, with no person slot round it:
    English words the lexicon does not know ("Total Rewards"), a word opening a sentence that is English
    ("Dawn standups at 7am", "Rusty on SQL"), a place ("transfer to Austin"), or one unknown word where
    things stand ("uses Jira", "at McKinsey", "Obsidian or Evernote")."""
    from assistant.spelling import _english

    frequency = _english().word_frequency
    before, after = text[:start], text[end:]
    if _STRONG_BEFORE.search(before) or _HONORIFIC.search(before) or _AFTER.match(after):
        return False
    if _PLACE_BEFORE.search(before) or _PLACE_AFTER.match(after):
        return True
    words = text[start:end].split()
    if all(frequency[w.lower()] >= COMMON and w not in LEXICON for w in words):
        return True
    if len(words) != 1:
        # a name ends with a surname, not with a common word the lexicon does not know ("Victoria Line",
        # "Project Orion", "Never Split the Difference")
        return _ends_in_a_word(words[-1])
    if _LISTED_THING_BEFORE.search(before):
        return True  # "uses Notion and Asana"
    word = words[0]
    beside = _COORDINATED_BEFORE.search(before) or _COORDINATED_AFTER.match(after)
    if beside and word not in LEXICON and beside.group(1) not in LEXICON:
        return True  # "Obsidian or Evernote", "Jira and Confluence": two words no name list holds
    initial = not before.rstrip(" \t\"'“‘(") or before.rstrip(" \t\"'“‘(")[-1] in ".!?:;\n"
    if initial and frequency[word.lower()] >= ENGLISH:
        return True
    return bool(_NAMED_THING_BEFORE.search(before)) or word not in LEXICON and bool(_THING_BEFORE.search(before))


def maybe_a_name(text: str, doc=None, ignore: set[int] = frozenset()) -> bool:
    """Whether `text` holds a word that may be a name the finders were not sure of: a known given name or
    surname that is not common English, a rare capitalised word ("Oluwaseun is back") or a rare word in a
    person slot, unless the model reads it as a place and nothing says a person stands there; `ignore` holds the places of words that are not names (health
    conditions, "Crohn's"). Used
    to withhold a question that also names a health condition."""
    from assistant.spelling import _english

    frequency = _english().word_frequency
    places = set()
    if doc is not None:
        for ent in doc.ents:
            if ent.label_ in {"GPE", "LOC", "FAC"}:  # it reads many names as organisations: those count
                places.update(range(ent.start_char, ent.end_char))
    for match in _WORD.finditer(text):
        token = _Token(match, text, frequency)
        if token.low in _NEVER or len(token.text) < 3 or token.frequency >= ENGLISH or token.start in ignore:
            continue
        before = text[:token.start]
        slot = bool(_STRONG_BEFORE.search(before) or _AFTER.match(text[token.end:]))
        if token.start in places and not (slot or token.known) or _PLACE_BEFORE.search(before):
            continue
        if token.known or token.titled or slot:
            return True
    return False


def repeats(text: str, spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Other places in `text` where a name found at one of `spans` is written again, in any case: the whole
    name, or one of its words that is not common English ("Marco keeps asking ... I like Marco")."""
    from assistant.spelling import _english

    frequency = _english().word_frequency
    words = set()
    for start, end in spans:
        name = text[start:end]
        words.add(name.lower())
        words.update(w.lower() for w in _WORD.findall(name)
                     if len(w) >= 3 and frequency[w.lower()] < COMMON and w.lower() not in _NEVER | _PARTICLES)
    found = []
    for word in words:
        for m in regex.finditer(rf"(?<![\p{{L}}\p{{M}}]){regex.escape(word)}(?![\p{{L}}\p{{M}}])", text, regex.IGNORECASE):
            if not any(s <= m.start() < e for s, e in spans):
                found.append((m.start(), m.end()))
    return found
