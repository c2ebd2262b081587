"""`mentor ask` through click's CliRunner: exit codes and JSON."""

import json
import os
import subprocess
import sys

from click.testing import CliRunner

from assistant.cli import main


def test_ask_json_prints_status_and_citations(settings):
    result = CliRunner().invoke(main, ["ask", "How do I find a mentor?", "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["status"] == "answered"
    assert data["citations"][0]["topics"]


def test_ask_out_of_scope_exits_3(settings):
    result = CliRunner().invoke(main, ["ask", "What is the capital of Australia?"])
    assert result.exit_code == 3
    assert "couldn't find anything" in result.output
    # The terminal shows no topic buttons, so the refusal must not point at any ("pick a topic below").
    assert "below" not in result.output and result.output.rstrip().endswith("around one of those.")


def test_ask_empty_question_exits_2(settings):
    result = CliRunner().invoke(main, ["ask", "   "])
    assert result.exit_code == 2 and "type a question" in result.output


# What answering does not need: redaction (Presidio, spaCy), storage (SQLAlchemy, Alembic), the HTTP API
# (FastAPI) and the pages (Streamlit). Loading them would cost every `mentor ask` seconds. (pandas is not
# listed: sentence-transformers loads it through scikit-learn.)
NOT_ON_THE_ASK_PATH = ["presidio_analyzer", "presidio_anonymizer", "spacy", "sqlalchemy", "alembic", "fastapi",
                       "uvicorn", "streamlit", "argon2", "psycopg"]


def test_mentor_ask_loads_only_what_answering_needs(settings, repo_root):
    script = (
        "import sys, json\n"
        "from assistant.cli import main\n"
        "try:\n"
        "    main(['ask', 'How do I find a mentor?'])\n"
        "except SystemExit as exc:\n"
        "    code = exc.code\n"
        f"print(json.dumps({{'code': code, 'loaded': [m for m in {NOT_ON_THE_ASK_PATH!r} if m in sys.modules],"
        " 'torch': 'torch' in sys.modules}))\n"
    )
    env = {**os.environ, "PYTHONPATH": str(repo_root)}
    done = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True, text=True, timeout=300,
                          cwd=settings.index_dir.parent)
    assert done.returncode == 0, done.stderr[-2000:]
    result = json.loads(done.stdout.strip().splitlines()[-1])
    assert result["code"] == 0 and result["torch"]  # it did answer, with the model
    assert result["loaded"] == []
