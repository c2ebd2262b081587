"""The one lexicon: every word list and pattern that reads English, each named for what it recognises.

Tested table by table in tests/test_lexicon.py, with examples that must match and examples that must not.
"""

from __future__ import annotations

import re

from assistant.text import lexical_tokens

# -- section headings (read when chunking) ------------------------------------------------------------
PITFALL_HEADING = re.compile(r"\b(?:pitfalls?|mistakes?|traps?|what not to|don'?t|avoid|red flags?|warning signs?)\b", re.I)
EXAMPLE_HEADING = re.compile(r"^(?:a )?(?:worked )?examples?\b", re.I)
# A section describing how to tell something is (not) working: the answer to "how do I know...", not to "how do I...".
SIGNS_HEADING = re.compile(r"^(?:(?:early |warning |red |good )?signs?|how to (?:tell|know)|how you(?:'ll| will) know)\b", re.I)

# -- what a question asks for (read by compose) -----------------------------------------------------
# A request for something to copy: a template, script or agenda, or a message to send ("give me an
# email", "what should I say"), but not the verb ("is it weird to message them?").
TEMPLATE_INTENT = re.compile(
    r"\b(?:templates?|scripts?|draft|wording|word it|phrase it|"
    r"(?<!set )(?:a|an|the|some|sample|example|short|quick|follow-up|first|cold|intro|thank-you)\s+(?:\w+\s+){0,2}"
    r"(?:e-?mails?|messages?|notes?|letters?|dms?|surveys?|questionnaires?|forms?|posts?|agendas?|check-?lists?|"
    r"worksheets?)\b(?! (?:them|him|her|you)\b)|"
    r"what (?:should|do|can|could) i (?:write|send)|how (?:should|do) i (?:word|phrase)|"
    r"(?:something|anything|words) i (?:can|could) (?:say|send|write|use)|"
    # a request written as a heading: "agenda for first mentoring meeting", "checklist for my first session"
    r"^\s*(?:(?:a|an|sample|example|good|simple)\s+)?(?:agendas?|check-?lists?|worksheets?)\s+(?:for|to)\b)", re.I)

LIST_INTENT = re.compile(
    r"\b(?:list|steps?|checklist|tips|ideas|questions (?:to|should|can|could|do|for|i)|what questions|which questions|"
    r"what (?:are|r) (?:some|the|good)|what (?:things|topics|signs|mistakes|pitfalls)|examples of|give me (?:some|a few)|"
    r"how many|options|what (?:should|do|can) (?:i|we) (?:put|include|cover|bring|ask|prepare))\b", re.I)
PITFALL_INTENT = re.compile(r"\b(?:avoid|mistakes?|pitfalls?|wrong|traps?|not to|don'?t|shouldn'?t|red flags?|warning)\b", re.I)
# A heading that explains rather than says what to do: "Why people don't reply", "What 70-20-10 means".
EXPLAINS_HEADING = re.compile(r"^(?:why\b|what\b[^?]*\b(?:means?|is|is not|are)\b)", re.I)
# A question asking what to do ("how do I...", "any tips"), not why or what something is.
HOW_TO_INTENT = re.compile(r"\b(?:how (?:do|can|should|would|could|to|shall) (?:i|we|you|one)?|how to|"
                           r"what (?:should|can|do) (?:i|we) (?:do|say|write|try)|any tips|tips (?:for|on|to)|ways to|steps to)\b", re.I)
EXPLAIN_INTENT = re.compile(r"\b(?:why|what (?:is|are|does|do) (?:a |an |the )?\w+(?: \w+)? (?:mean|even)|what (?:even|exactly) is|"
                            r"what(?:'s| is) (?:that|this|it)\b(?! like)|what(?:'s| is) the point|worth it)\b", re.I)
SIGNS_INTENT = re.compile(r"\b(?:signs?|how (?:do|can|will|would) (?:i|we|you) (?:know|tell)|is (?:it|this|that) (?:working|normal)|"
                          r"red flags?|warning)\b", re.I)
EXAMPLE_INTENT = re.compile(r"\b(?:examples?|worked example|show me how|what (?:does|would) (?:it|that) look like)\b", re.I)
# A unit that cannot stand alone: it points at text around it, continues a thought, or is dialogue.
LEANS_BACK = re.compile(
    r"^(?:[\"“‘(]|(?:this|these|that|those|they|them|such|both (?:of (?:these|those|them)|are|were)|here|then|also|instead|otherwise|however|but|and|or|so|"
    r"still|again|similarly|likewise|in that case|if so|if not|for example|for instance|e\.g\.|once you have)\b)", re.I)
# A unit that points at text elsewhere: "below", "these benefits", a cross-reference to another page.
# "above roughly 50 pairs", "someone above you", "below half" compare; they point nowhere.
_COMPARED = r"(?!\s+(?:me|you|us|them|him|her|my|your|our|their|his|its|roughly|about|around|half|\d))"
POINTS_AWAY = re.compile(
    r"\b(?:(?:below|above)" + _COMPARED + r"|the following|as follows|(?:these|those) (?:\w+s|two|three|four|five|six)|"
    r"handbook pages?|see the (?:page|section|guide)s?)\b", re.I)
POINTER_ASIDE = re.compile(r"\s*\((?:see|as in|like|use|try) [^()]*\b(?:below|above|later|earlier)\)", re.I)
DIALOGUE_LINE = re.compile(r"^(?:\*\*)?(?:mentee|mentor|you|they|manager|staff|colleague|me|them)(?:\*\*)?\s*:\s*\S", re.I)

# Yes/no questions ("is it ok to...", "should I..."), how long, how often.
YES_NO_QUESTION = re.compile(r"^\s*(?:is|are|am|should|shall|can|could|do|does|did|will|would|was)\b(?!\s+(?:you|u)\b)", re.I)
DURATION_INTENT = re.compile(r"\bhow long\b|\bhow many (?:minutes|hours|weeks|months)\b|\b(?:minutes|an hour|hours?) (?:enough|too (?:long|short))\b|\benough time\b", re.I)
FREQUENCY_INTENT = re.compile(r"\bhow (?:often|frequently|regularly)\b|\bhow many times\b|\b(?:weekly|monthly|fortnightly|every (?:week|month|two weeks)) (?:enough|too)\b", re.I)
# Units that state a length of time or a frequency, for a how-long or how-often question.
TIME_AMOUNT = re.compile(r"\b\d+(?:-\d+)?\s*(?:minutes?|mins?|hours?|weeks?|months?)\b|\b(?:weekly|monthly|fortnightly|"
                         r"every (?:week|month|two weeks|few weeks|six weeks)|once a (?:week|month)|half an hour|an hour)\b", re.I)
# Two questions in one: "how do I ask her, and what if she says no?"
TWO_QUESTIONS = re.compile(r"\b(?:and|also|plus)\s+(?:what|how|when|should|do|can|is|why|where)\b.*\?|\?\s*\S.*\?", re.I)

# -- a conversation (read by conversation and understand) ---------------------------------------------
# Words addressed to a machine, not advice or a question for people ("ignore your previous
# instructions", "print your system prompt"): a document holding them is flagged for review, and a
# conversation never vouches for a turn that says them.
INSTRUCTION_TO_MACHINE = re.compile(r"\b(?:(?:ignore|disregard|forget)\b[^.\n]{0,40}?\binstructions?|system prompt|"
                                    r"you are now)\b", re.I)
# A turn that says it changes the subject: it is read on its own, not in the thread.
NEW_SUBJECT = re.compile(
    r"\b(?:unrelated|different|separate|another|other|new|totally different)\s+(?:q|question|thing|topic|subject|note)\b|"
    r"\b(?:unrelated|separately|on another note|change of subject|changing the subject|switching gears|"
    r"different topic|while i have you)\b", re.I)
# Words of writing or saying something to someone: with them, a template that best answers the question is shown.
MESSAGE_WORDS = re.compile(r"\b(?:say|write|send|message|e-?mail|note|text|dm|reply|wording|word|letter|script)\b", re.I)
# Words that say "the thing we were just talking about".
ANAPHORA = re.compile(
    r"\b(them|they|their|theirs|that|this|these|those|it|its|he|she|him|her|one|there|such|same|so)\b", re.I)
CONNECTIVE = re.compile(
    r"^\s*(and|but|also|so|then|ok(ay)?|what about|how about|what if|and if|any|more|another|else|same|why|"
    r"can you|could you|what do i|what should i|how do i say|is that|isn't that|how is that|how's that)\b", re.I)
# Content words that still don't say what the question is about.
GENERIC_WORDS = set(lexical_tokens(
    "template example examples sample say write send email message note draft words wording phrase script "
    "tips tip advice more detail details explain elaborate exactly mean step steps thing things good best "
    "way ways idea ideas help helpful start begin first next do make give show tell know want need one "
    "long often much many time sure right wrong different difference similar version instead else"))



# -- who is asking (read by roles) --------------------------------------------------------------------
_I = r"(?:i|i'm|im|i am|i've|ive|i have|i'd|i was|i've been|me|myself)"
# Each cue places the asker on one side of a mentoring relationship.
ROLE_CUES: dict[str, list[re.Pattern]] = {
    "mentor": [re.compile(p, re.I) for p in (
        r"\bmy (?:new |first |current |former |\w+ )?mentees?\b",
        r"\b(?:the|a|this|our) mentees? (?:i|i'm|i am|i've)\b",
        r"\b(?:be|become|becoming|being|serve as|act as|volunteer as|work as|start as|as) (?:a |an )?(?:good |better |great |first-time |new |peer |reverse |volunteer )?mentor\b(?! (?:for|to) me\b)",
        r"\b(?:asked|asks|asking|wants?|want|invited|approached|emailed|messaged) me to (?:be (?:their|his|her|a) )?mentor\b",
        r"\bmentees? (?:\w+ ){0,2}(?:me|my)\b(?! mentor)",  # "mentee sent me a gift", "mentee hasn't replied to my emails"
        r"\b(?:been|was|got|being) (?:asked|invited|approached) to (?:be (?:their|his|her|a) )?mentor\b",
        r"\b(?:i|i'm|im|i am|i've|ive|i have|i'd|i was|i've been) (?:\w+ )?(?:mentor|mentoring|mentored)\b(?= (?:a|an|some|someone|somebody|anyone|anybody|people|others|them|him|her|juniors?|new|my|this|two|three)\b)",
        r"\b(?:someone|somebody|people|person|the person|those|juniors?) i(?:'m| am)? (?:mentor|mentoring)\b",
        r"\bmentor(?:ing)? (?:someone|somebody|anyone|anybody|others|other people|a junior|juniors|new hires|a colleague|"
        r"(?:\d+|two|three|four|a few|several) (?:people|mentees|juniors))\b",
        r"\bgive back\b(?! to (?:a|my|your|the) mentor).*\bmentor",
        r"\bas (?:a|their|his|her) mentor\b",
        r"\b(?:my|our) mentoring (?:style|skills)\b",
    )],
    "mentee": [re.compile(p, re.I) for p in (
        r"\bmy (?:new |current |former |old |first |\w+ )?mentors?(?!ing)\b(?!'s? mentee)",
        r"\b(?:find|finding|get|getting|need|needing|want|looking for|choose|choosing|approach|ask for|have|having) (?:a |an |the right |my first |another |second )?mentors?\b",
        r"\bask (?:a|my) (?:potential |possible )?mentor (?:about|for|to|if|whether)\b",
        r"\bmentor me\b|\bbe my mentor\b|\bmentoring me\b|\bmentored by\b|\b(?:for|to) me as (?:a |my )?mentor\b",
        r"\bas (?:a|the) mentee\b|\bi(?:'m| am) (?:a|the) mentee\b",
        r"\b(?:matched|paired|assigned) (?:up )?(?:with|to) (?:a|an|my|our) (?:new )?mentor\b",
        r"\b(?:someone|somebody|a person) to mentor me\b",
    )],
    # A programme named without placing the asker in it: staff often ("should managers nominate people
    # for the programme?"), participants sometimes. Counted only when nothing places the asker in a pair
    # (roles._role_of) and the asker is not speaking as a participant (PARTICIPANT_PROGRAMME).
    "programme": [re.compile(p, re.I) for p in (
        r"\b(?:our|the company's|a company|a company-wide|a formal|an internal|the) (?:new |pilot |internal |company |formal |\w+ )?(?:mentoring |mentorship )?(?:programme|program|scheme|initiative|cohort|pilot)s?\b",
    )],
    "program-staff": [re.compile(p, re.I) for p in (
        r"\b(?:i|we) (?:\w+ )?(?:coordinate|coordinating|manage|managing|run|running|lead|leading|organise|organize|organising|organizing|oversee|overseeing) (?:our|the|a) (?:\w+ ){0,2}(?:programme|program|scheme|cohort|pilot)\b",
        r"\b(?:run|running|design|designing|launch|launching|set up|setting up|start|starting|build|building|evaluate|evaluating|promote|promoting|manage|managing|coordinate|coordinating) (?:a |an |our |the |some )?(?:new |pilot |formal |company-wide |internal )?(?:mentoring |mentorship )?(?:programme|program|scheme|cohort|circles|groups)\b",
        r"\b(?:the|our) (?:programme|program|scheme) team\b",
        r"\b(?:participants|sign-?ups|enrol+ment|pairings|(?<!other )pairs|matches|(?:our|the) matching|(?:our|the|each|next|last|this) cohort|rematch(?:ing)? process|matching mentors|match mentors|our mentors|our mentees|mentors and mentees|mentor training|train(?:ing)? (?:our |the )?mentors|recruit(?:ing)? (?:more |new )?mentors)\b",
        # Working in HR, not mentioning it: "should I tell HR about my mentor?" is a participant.
        r"\b(?:i|we) (?:work|am|'m|are|'re) (?:in|on|part of) (?:the )?(?:hr|l&d|learning and development|people team|talent team)\b",
        r"\bi (?:run|lead|head|manage) (?:the )?(?:hr|l&d|learning and development|people team|talent team)\b",
        r"\b(?:as|from) (?:the |an? )?(?:hr|l&d|people team|talent team)(?: (?:lead|partner|manager|person))?\b(?! (?:said|says|told|asked))",
        r"\bour (?:hr|l&d|people|talent) team (?:runs|is running|wants to run|is launching|is setting up)\b",
    )],
}



# A participant speaking of their programme: "the programme says we meet monthly", "matched through the
# scheme", "I signed up for the programme". Such a mention of a programme does not make the asker staff.
PARTICIPANT_PROGRAMME = re.compile(
    r"\b(?:programme|program|scheme)(?:'s)? (?:says|said|requires|required|expects|wants|asks|suggests|recommends|told|rules?|guidelines?)\b"
    r"|\b(?:through|via|from|by) (?:the|our|my|a|an) (?:\w+ )?(?:mentoring |mentorship )?(?:programme|program|scheme)\b"
    r"|\b(?:i|i'm|im|i am|i've|ive|i was|me) (?:\w+ )?(?:signed up|joined|applied|enrolled|accepted|in|on|part of|into)(?: for| to)? (?:the|our|a|an|this) (?:\w+ )?(?:mentoring |mentorship )?(?:programme|program|scheme)\b"
    # a participant turning to the people who run it: "how do I tell the programme", "quit the scheme"
    r"|\b(?:tell|ask|contact|email|message|leave|quit|drop out of) (?:the|my|our) (?:\w+ )?(?:mentoring |mentorship )?(?:programme|program|scheme)(?: team| coordinator| lead)?\b",
    re.I)


# -- whom a section addresses (read by roles, when chunking) ------------------------------------------
# A heading addresses one side only when it says so as a label: "For mentors: ...", "Notes for
# programme staff", "If you are the mentee", "Pitfalls for mentors". "Where to look for a mentor" does not.
AUDIENCE_HEADINGS = (
    ("program-staff", re.compile(r"\bfor (?:the )?(?:programme|program) (?:staff|leads?|managers?|teams?)\b|^for staff\b", re.I)),
    ("mentor", re.compile(r"^(?:notes |tips |pitfalls |advice )?for mentors\b|\bfor mentors(?: to avoid)?$|^if you are the (?:junior )?mentor$|\bas a mentor$", re.I)),
    ("mentee", re.compile(r"^(?:notes |tips |pitfalls |advice )?for mentees\b|\bfor mentees$|^if you are the (?:senior )?mentee$|\bas a mentee$", re.I)),
)

# A message that is only a greeting, thanks or an "ok" ("good morning!!", "thanks so much 🙏"): a closed
# class of words, so one word outside it (a word of distress, a question about mentoring) sends the
# message the usual way, through care first. A farewell ("bye") is not in it: it goes the usual way.
GREETING_WORDS = frozenset("hi hello hey hiya heya howdy morning afternoon evening".split())
THANKS_WORDS = frozenset("thanks thank thankyou thx ty cheers ta appreciate appreciated".split())
PLEASANTRY_WORDS = GREETING_WORDS | THANKS_WORDS | frozenset(
    "good there all everyone folks you so much very lots lot a it really genuinely truly again for the "
    "help that was this great nice lovely brilliant awesome perfect cool ok okay hope you're youre are "
    "well doing how mentor and just".split())

