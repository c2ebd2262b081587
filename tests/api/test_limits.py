"""What needs servers of its own: the rate limit across two instances, readiness, an open API."""

from __future__ import annotations

import time

from assistant.api.access import WINDOW_S, create_key
from assistant.index import build_index


def _start_of_a_window(margin_s: float = 15) -> None:
    """Wait, if need be, so the requests that follow all fall in one fixed window."""
    left = WINDOW_S - time.time() % WINDOW_S
    if left < margin_s:
        time.sleep(left + 0.1)


def test_the_rate_limit_holds_across_two_instances_sharing_the_database(api_settings, start_api):
    settings = api_settings(api_rate_limit=5)
    with start_api(settings) as a, start_api(settings) as b:
        key = create_key(a.storage(), "busy-bot")[1]
        other = create_key(a.storage(), "quiet-bot")[1]
        _start_of_a_window()
        with a.client(key) as on_a, b.client(key) as on_b:
            codes = [(on_a if n % 2 else on_b).get("/v1/topics").status_code for n in range(5)]
            refused = on_a.get("/v1/topics")
            also_refused = on_b.get("/v1/topics")
        with b.client(other) as quiet:
            unaffected = quiet.get("/v1/topics")
    assert codes == [200] * 5
    for reply in (refused, also_refused):
        assert reply.status_code == 429
        assert 1 <= int(reply.headers["Retry-After"]) <= WINDOW_S
        assert reply.headers["X-RateLimit-Remaining"] == "0"
    assert refused.json()["error"] == (f"the API key 'busy-bot' made more than 5 requests this minute "
                                       f"(MENTOR_API_RATE_LIMIT); wait {refused.headers['Retry-After']} s and try again")
    assert unaffected.status_code == 200  # the limit is per key


def test_readyz_says_why_until_the_index_exists_then_ready(api_settings, start_api, embedder):
    settings = api_settings(with_index=False, auto_rebuild=False)
    with start_api(settings) as api:
        key = create_key(api.storage(), "early-bot")[1]
        with api.client(key) as http:
            deadline = time.monotonic() + 60
            while (before := http.get("/readyz")).json()["status"] == "loading" and time.monotonic() < deadline:
                time.sleep(0.1)
            early = http.post("/v1/ask", json={"question": "How do I find a mentor?"})
            assert http.get("/healthz").status_code == 200  # alive, just not ready

            build_index(settings, embedder)  # what `mentor index build` does
            api.wait_ready()
            after = http.post("/v1/ask", json={"question": "How do I find a mentor?"})
    assert before.status_code == 503 and before.json()["status"] == "failed"
    assert "mentor index build" in before.json()["detail"] and before.headers["Retry-After"] == "5"
    assert early.status_code == 503 and "Mentor could not load its guidance" in early.json()["error"]
    assert after.status_code == 200 and after.json()["status"] == "answered"


def test_with_keys_not_required_the_api_is_open_but_a_bad_key_still_fails(api_settings, start_api):
    settings = api_settings(api_keys_required=False, api_rate_limit=0)
    with start_api(settings) as api:
        api.wait_ready()
        with api.client() as http:
            answer = http.post("/v1/ask", json={"question": "How do I find a mentor?"})
        with api.client("mk_not-a-real-key") as http:
            wrong = http.get("/v1/topics")
    assert answer.status_code == 200 and answer.json()["status"] == "answered"
    assert "X-RateLimit-Limit" not in answer.headers  # MENTOR_API_RATE_LIMIT=0: no limit
    assert api.storage().interactions.get(answer.json()["interaction_id"])["session_id"] == "open"
    assert wrong.status_code == 401
