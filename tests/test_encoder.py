"""The shipped sentence encoder: the real all-MiniLM-L6-v2 weights on CTranslate2, offline."""

from __future__ import annotations

import numpy as np

from voiceloop.analysis.encoder import DIMENSIONS, ENCODER_PATH, SentenceEncoder, embed


def test_it_reproduces_the_published_model_similarities() -> None:
    # the sentence-transformers quickstart's three sentences and the similarities it prints
    # for all-MiniLM-L6-v2 in float32 (0.6660, 0.1046, 0.1411); int8 weights move them a little
    vectors = embed(
        ["The weather is lovely today.", "It's so sunny outside!", "He drove to the stadium."]
    )
    sims = vectors @ vectors.T
    assert abs(sims[0, 1] - 0.6660) < 0.01
    assert abs(sims[0, 2] - 0.1046) < 0.02
    assert abs(sims[1, 2] - 0.1411) < 0.02


def test_vectors_have_unit_length_and_an_empty_sentence_is_zero() -> None:
    vectors = embed(["We cut the model's latency in half.", "", "   "])
    assert vectors.shape == (3, DIMENSIONS)
    assert abs(float(np.linalg.norm(vectors[0])) - 1.0) < 1e-5
    assert not vectors[1].any() and not vectors[2].any()


def test_sentences_that_do_the_same_job_are_nearer_than_ones_that_do_not() -> None:
    outcome = "In the end churn dropped by four points."
    also_outcome = "Net effect, we kept about four percent more subscribers."
    context = "I was on the growth team at a streaming company."
    a, b, c = embed([outcome, also_outcome, context])
    assert float(a @ b) > float(a @ c) + 0.1


def test_a_sentence_gets_the_same_vector_alone_or_in_a_batch() -> None:
    encoder = SentenceEncoder(ENCODER_PATH)
    short = "I owned the rollout."
    alone = encoder.encode([short])[0]
    batched = encoder.encode([short, "A much longer sentence " * 20])[0]
    assert np.allclose(alone, batched, atol=1e-5)
    # the memo hands back what the encoder gives
    assert np.allclose(embed([short])[0], alone, atol=1e-6)


def test_a_run_on_transcript_is_cut_not_refused() -> None:
    vectors = embed(["and then we " * 400])
    assert abs(float(np.linalg.norm(vectors[0])) - 1.0) < 1e-5
