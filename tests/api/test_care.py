"""POST /v1/ask with knowledge/care.yaml in place: a support reply, and only its status stored."""

from __future__ import annotations

import shutil

from assistant.care import CARE_FILE

SUPPORT = "my mentor put his hand on my thigh in the taxi and told me to keep it between us"


def test_the_api_returns_support_and_stores_no_text(api_settings, knowledge_source, start_api):
    settings = api_settings(api_rate_limit=1000)
    shutil.copy(knowledge_source / CARE_FILE, settings.knowledge_dir / CARE_FILE)
    with start_api(settings) as served:
        served.wait_ready()
        key = served.new_key()
        with served.client(key) as http:
            reply = http.post("/v1/ask", json={"question": SUPPORT})
        assert reply.status_code == 200, reply.text
        body = reply.json()
        assert body["status"] == "support" and body["citations"] == [] and "HR" in body["text"]
        row = served.storage().interactions.get(body["interaction_id"])
        assert row["status"] == "support" and row["question"] is None
