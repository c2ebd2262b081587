from assistant.spelling import Speller


def test_misspelt_words_become_the_guidance_words():
    speller = Speller(["How to find a mentor and a mentee", "Setting SMART goals with your mentor"])
    assert speller.correct("how do i find a mentr") == "how do i find a mentor"
    assert speller.correct("my menteee sholud set goals") == "my mentee should set goals"
    # Known English words are left alone, even when the guidance never uses them.
    assert speller.correct("a lasagna recipe") == "a lasagna recipe"
    # Long tokens are never expanded into edit candidates (bounded work for hostile input).
    word = "x" * 5000
    assert speller.correct(word) == word


def test_a_misspelt_question_is_answered(bot):
    answer = bot.ask("how do i find a mentr")
    assert answer.status == "answered"
    assert answer.citations[0].doc_id == "finding-a-mentor"
