import os

import numpy as np
import pytest

from assistant import Assistant
from assistant.errors import IndexDamaged, IndexNotReady, KnowledgeError
from assistant.embedding import EMBED_CHUNK
from assistant.index import EmbedProgress, build_index, current_version, index_status, load_index


def test_known_question_retrieves_known_passage(bot):
    found = bot.retrieve("Where can I look for a mentor outside my company?")
    assert found.hits[0].passage.doc_id == "finding-a-mentor"


def test_manifest_and_save_load_round_trip(settings, embedder):
    data = load_index(settings.index_dir)
    m = data.manifest
    assert m.model == "all-MiniLM-L6-v2" and m.dimension == 384
    assert m.passage_count == len(data.passages) == data.faiss_index.ntotal
    assert m.knowledge_hash and m.built_at and m.format_version
    # Inner product on normalised vectors is cosine: a passage's own text is its best match.
    vector = embedder.encode_one(data.passages[3].embed_text)
    scores, ids = data.faiss_index.search(vector.reshape(1, -1), 1)
    assert ids[0][0] == 3 and scores[0][0] == pytest.approx(1.0, abs=1e-4)
    assert np.allclose(np.linalg.norm(data.sentence_vectors, axis=1), 1.0, atol=1e-3)


def test_scores_for_every_passage_and_document_are_faiss_and_the_best_row(settings, embedder):
    """The precomputed matrix products give what a FAISS search over all passages and a per-document
    maximum over title rows give (the slow ways they replace, for a knowledge base 100 times larger)."""
    data = load_index(settings.index_dir)
    vector = embedder.encode_one("How do I ask someone to be my mentor?")
    scores, ids = data.faiss_index.search(vector.reshape(1, -1), data.faiss_index.ntotal)
    expected = np.full(len(data.passages), -1.0, dtype="float32")
    expected[ids[0]] = scores[0]
    assert np.allclose(data.dense_scores(vector), expected, atol=1e-6)
    best = np.full(len(data.document_ids), -1.0, dtype="float32")
    np.maximum.at(best, data.doc_vector_rows, data.doc_vectors @ vector)
    assert np.array_equal(data.document_scores(vector), best)
    assert data.first_rows["finding-a-mentor"] == min(r for r, p in enumerate(data.passages)
                                                      if p.doc_id == "finding-a-mentor")
    assert all(data.passages[r].is_template and data.passages[r].doc_id == doc
               for doc, rows in data.template_rows.items() for r in rows)


def test_editing_one_document_reembeds_only_its_passages(settings, embedder):
    path = settings.knowledge_dir / "setting-smart-goals.md"
    text = path.read_text()
    path.write_text(text.replace("## ", "## Updated: ", 1))
    before = embedder.encoded
    report = build_index(settings, embedder)
    changed = embedder.encoded - before
    assert report.embedded == changed
    # Only the renamed section's passage(s) and sentences change: a handful, not the whole corpus.
    assert 0 < report.embedded <= 20
    assert report.cached > 200


def test_bad_document_keeps_the_last_good_index_serving(settings, embedder):
    live = current_version(settings.index_dir)
    path = settings.knowledge_dir / "finding-a-mentor.md"
    path.write_text(path.read_text().replace("topics: [finding-a-mentor, networking]", "topics: [finding-mentors]"))
    with pytest.raises(KnowledgeError) as err:
        build_index(settings, embedder)
    assert "finding-a-mentor.md: topics" in str(err.value) and "did you mean 'finding-a-mentor'" in str(err.value)
    assert current_version(settings.index_dir) == live
    bot = Assistant(settings, embedder=embedder).load()  # auto-rebuild is on, but the knowledge is broken
    assert current_version(settings.index_dir) == live
    assert bot.warnings and "kept the last good index" in bot.warnings[0]
    answer = bot.ask("How do I find a mentor?")
    assert answer.status == "answered" and answer.citations[0].doc_id == "finding-a-mentor"


def _flip_a_byte(path):
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0xFF
    path.write_bytes(bytes(data))


@pytest.mark.parametrize("damage, named", [
    ("truncate_faiss", "passages.faiss"), ("empty_sentences", "sentences.npy"), ("flip_passages", "passages.jsonl"),
    ("flip_documents", "documents.npy"), ("delete_sentences", "sentences.npy"), ("garbage_manifest", "manifest.json"),
    ("dangling_pointer", "v-does-not-exist"),
])
def test_half_written_or_corrupted_index_is_detected_and_rebuilt(settings, embedder, damage, named):
    version = current_version(settings.index_dir)
    if damage == "truncate_faiss":
        path = version / "passages.faiss"
        path.write_bytes(path.read_bytes()[:1000])
    elif damage == "empty_sentences":
        (version / "sentences.npy").write_bytes(b"")
    elif damage == "flip_passages":
        _flip_a_byte(version / "passages.jsonl")
    elif damage == "flip_documents":
        _flip_a_byte(version / "documents.npy")
    elif damage == "delete_sentences":
        os.remove(version / "sentences.npy")
    elif damage == "garbage_manifest":
        (version / "manifest.json").write_text("{not json")
    else:
        (settings.index_dir / "CURRENT").write_text("v-does-not-exist")
    # Status verifies what load verifies, so `make run` (status || build) rebuilds every one of these.
    status = index_status(settings)
    assert status.state == "damaged" and named in status.detail, status.detail
    with pytest.raises(IndexDamaged, match="mentor index build") as caught:
        load_index(settings.index_dir)
    assert named in caught.value.detail
    bot = Assistant(settings, embedder=embedder).load()  # auto-rebuild is on: a damaged index is rebuilt
    assert bot.last_build is not None and bot.last_build.built
    assert current_version(settings.index_dir) != version
    assert index_status(settings).state == "up_to_date"
    assert bot.ask("How do I find a mentor?").status == "answered"


def test_a_damaged_index_is_refused_naming_the_fix_when_auto_rebuild_is_off(settings, embedder):
    path = current_version(settings.index_dir) / "passages.faiss"
    path.write_bytes(path.read_bytes()[:1000])
    strict = settings.model_copy(update={"auto_rebuild": False})
    with pytest.raises(IndexNotReady, match=r"is damaged: .*passages\.faiss.*mentor index build"):
        Assistant(strict, embedder=embedder).load()


def test_crash_mid_build_leaves_previous_index(settings, embedder, monkeypatch):
    live = current_version(settings.index_dir)
    (settings.knowledge_dir / "finding-a-mentor.md").write_text(
        (settings.knowledge_dir / "finding-a-mentor.md").read_text() + "\n\n## New section\nA new line of advice here.\n")
    import faiss

    def boom(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(faiss, "write_index", boom)
    with pytest.raises(OSError):
        build_index(settings, embedder)
    assert current_version(settings.index_dir) == live
    assert not list(settings.index_dir.glob(".tmp-*"))
    load_index(settings.index_dir)  # still loads and verifies


def test_stale_index_is_rebuilt_or_refused_when_auto_rebuild_is_off(settings, embedder):
    path = settings.knowledge_dir / "sponsor-versus-mentor.md"
    path.write_text(path.read_text() + "\n\n## Extra\nSponsors speak up for you in rooms you are not in.\n")
    status = index_status(settings)
    assert status.state == "stale" and status.changed == ["sponsor-versus-mentor.md"]
    strict = settings.model_copy(update={"auto_rebuild": False})
    with pytest.raises(IndexNotReady, match="mentor index build"):
        Assistant(strict, embedder=embedder).load()
    bot = Assistant(settings, embedder=embedder).load()
    assert bot.last_build and bot.last_build.built
    assert index_status(settings).state == "up_to_date"


def test_model_change_marks_index_stale(settings):
    other = settings.model_copy(update={"model": "some/other-model"})
    status = index_status(other)
    assert status.state == "stale" and "some/other-model" in status.detail


def test_new_build_is_picked_up_without_restart(bot, settings, embedder):
    path = settings.knowledge_dir / "setting-smart-goals.md"
    path.write_text(path.read_text() + "\n\n## Goals for a pottery hobby\nGlaze three bowls with a celadon finish by spring.\n")
    build_index(settings, embedder)  # e.g. from the CLI or the staff page, in another process
    found = bot.retrieve("celadon glaze bowls pottery")
    assert "pottery" in found.hits[0].passage.section.lower()


def test_embed_progress_reports_passages_rate_and_time_left():
    clock = iter([0.0, 10.0, 20.0])  # the start, then one reading per step
    lines = []
    step = EmbedProgress(lambda fraction, message: lines.append((fraction, message)), todo=400, passages=120,
                         clock=lambda: next(clock))
    step(100)
    step(300)
    assert lines[0] == (pytest.approx(0.3), "120 passages: embedded 100 of 400 texts, 10 texts/s, 30 s left")
    assert lines[1] == (pytest.approx(0.9), "120 passages: embedded 400 of 400 texts, 20 texts/s, 0 s left")


def test_a_cold_build_reports_each_step_of_embedding(settings, embedder):
    (settings.index_dir / "embedding-cache.sqlite").unlink()
    lines = []
    report = build_index(settings, embedder, progress=lambda fraction, message: lines.append((fraction, message)))
    steps = [message for _, message in lines if " texts/s, " in message]
    # every text is new, in steps of EMBED_CHUNK, the last one saying all of them are done
    assert len(steps) >= report.embedded // EMBED_CHUNK
    assert steps[-1].startswith(f"{report.passages:,} passages: embedded {report.embedded:,} of {report.embedded:,}")
    fractions = [fraction for fraction, _ in lines]
    assert fractions == sorted(fractions) and fractions[-1] == 1.0
