import numpy as np

from assistant.retrieval import DENSE_SHARE, RRF_K, Retriever, _ranks
from assistant.scope import FEATURES, ScopeSignals, fit_logistic
from assistant.text import lexical_tokens


def test_hybrid_fuses_dense_and_bm25_ranks(bot, embedder):
    data = bot.index
    hybrid, dense_only, bm25_only = (Retriever(data, mode) for mode in ("hybrid", "dense", "bm25"))
    query = "what does the M in SMART goals stand for"
    vector = embedder.encode_one(query)
    dense = hybrid.dense_scores(vector)
    lexical = hybrid.lexical.scores(lexical_tokens(query))
    expected = DENSE_SHARE / (RRF_K + _ranks(dense)) + (1 - DENSE_SHARE) / (RRF_K + _ranks(lexical))
    top = hybrid.search(vector, query, k=5)
    # Before the document-evidence prior, the fused score is exactly weighted RRF.
    assert top[0].fused >= float(expected[top[0].row])
    assert {h.row for h in top} <= set(np.argsort(-expected)[:40].tolist())
    assert top[0].passage.doc_id == "setting-smart-goals"
    # Single-signal modes rank only by their own signal (plus the same document prior).
    assert {h.row for h in dense_only.search(vector, query, k=10)} <= set(np.argsort(-dense)[:40].tolist())
    assert {h.row for h in bm25_only.search(vector, query, k=10)} <= set(np.argsort(-lexical)[:40].tolist())


def test_lexical_search_tolerates_one_typo(bot):
    lexical = bot.engine.retriever.lexical
    assert lexical.correct(lexical_tokens("mentr sponser")) == lexical_tokens("mentor sponsor")
    assert lexical.correct(["zzzzqx"]) == ["zzzzqx"]


def test_near_miss_is_declined_and_named(bot):
    answer = bot.ask("how do i negotiate a higher salary in my job offer")
    assert answer.status == "out_of_scope"
    assert "doesn't cover salary" in answer.text
    assert bot.ask("asdf qwer zxcv").status == "out_of_scope"


def test_refusal_confidence_rises_with_relevance(bot):
    weak = bot.retrieve("recipe for banana bread")
    strong = bot.retrieve("how do i find a mentor")
    assert weak.confidence < 0.2 < 0.8 < strong.confidence


def test_scope_model_fit_separates_classes():
    rng = np.random.default_rng(0)
    inside = rng.normal([0.65, 0.6, 0.75, 0.8, 0.3], 0.05, size=(60, len(FEATURES)))
    outside = rng.normal([0.2, 0.2, 0.3, 0.3, -0.2], 0.05, size=(20, len(FEATURES)))
    model = fit_logistic(np.vstack([inside, outside]), np.array([1.0] * 60 + [0.0] * 20))
    assert model.confidence(ScopeSignals(*inside[0])) > 0.9
    assert model.confidence(ScopeSignals(*outside[0])) < 0.1
