from assistant.retrieval import Retriever, _ranks
from assistant.text import lexical_tokens
from assistant.weights import Weights

WEIGHTS = Weights.shipped()


def test_hybrid_fuses_dense_and_bm25_ranks(bot, embedder):
    data = bot.index
    hybrid, dense_only, bm25_only = (Retriever(data, mode) for mode in ("hybrid", "dense", "bm25"))
    query = "what does the M in SMART goals stand for"
    vector = embedder.encode_one(query)
    dense = hybrid.dense_scores(vector)
    lexical = hybrid.lexical.scores(lexical_tokens(query))
    intent = data.intent_scores(vector)
    k, share = WEIGHTS.rrf_k, WEIGHTS.intent_share
    semantic = (1 - share) / (k + _ranks(dense)) + share / (k + _ranks(intent))
    expected = WEIGHTS.dense_share * semantic + (1 - WEIGHTS.dense_share) / (k + _ranks(lexical))
    top = hybrid.search(vector, query, k=5)
    # Before the document-evidence prior, the fused score is exactly weighted RRF; the prior only adds.
    assert top[0].fused >= float(expected[top[0].row])
    # The section that answers it comes first, by either signal and fused.
    for retriever in (hybrid, dense_only, bm25_only):
        first = retriever.search(vector, query, k=3)[0].passage
        assert (first.doc_id, first.section) == ("setting-smart-goals", "What SMART stands for"), retriever


def test_fusion_overrules_a_lexical_match_in_the_wrong_document(bot, embedder):
    # A short sponsor section says "mentor" and "outside" often enough that BM25 alone ranks it first.
    query = "Where can I look for a mentor outside my company?"
    vector = embedder.encode_one(query)
    first = {mode: Retriever(bot.index, mode).search(vector, query, k=3)[0].passage
             for mode in ("hybrid", "dense", "bm25")}
    assert first["bm25"].doc_id == "sponsor-versus-mentor"
    assert (first["dense"].doc_id, first["dense"].section) == ("finding-a-mentor", "Where to look for a mentor")
    assert first["hybrid"].doc_id == "finding-a-mentor"


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
