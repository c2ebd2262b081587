from assistant.spelling import Speller


def test_misspelt_words_become_the_guidance_words(knowledge_source):
    speller = Speller(path.read_text(encoding="utf-8") for path in knowledge_source.glob("*.md"))
    assert speller.correct("how do i find a mentr") == "how do i find a mentor"
    assert speller.correct("my menteee sholud set goals") == "my mentee should set goals"
    # Known English words are left alone, even when the guidance never uses them.
    assert speller.correct("a lasagna recipe") == "a lasagna recipe"
    # A rare word the dictionary lacks is not turned into another word; nor is a contraction.
    assert speller.correct("a trans woman in a conservative workplace") == "a trans woman in a conservative workplace"
    assert speller.correct("they dont have time") == "they dont have time"
    # Long tokens are never expanded into edit candidates (bounded work for hostile input).
    word = "x" * 5000
    assert speller.correct(word) == word


def test_a_misspelt_question_is_answered(bot):
    answer = bot.ask("how do i find a mentr")
    assert answer.status == "answered"
    assert answer.citations[0].doc_id == "finding-a-mentor"
