"""A CTranslate2 model.bin rewritten with int8 weights (``transcribe.quantize``): the layout
CTranslate2 reads, the numbers its loader would make, refused when it is not a model."""

from __future__ import annotations

import io
import struct
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest

from voiceloop.transcribe.decode import embedded_model_path
from voiceloop.transcribe.quantize import (
    Chain,
    ModelFormatError,
    quantize_model,
    quantize_rows,
    variables,
)


def rewrite(source: Path, target: Path) -> None:
    target.mkdir(parents=True, exist_ok=True)
    for small in source.iterdir():
        if small.name != "model.bin" and small.is_file():
            (target / small.name).write_bytes(small.read_bytes())
    with Chain([source / "model.bin"]) as stream, (target / "model.bin").open("wb") as out:
        quantize_model(stream, out)


@pytest.fixture(scope="module")
def tiny_int8(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The embedded tiny.en (float16 weights) rewritten with int8 weights."""
    folder = tmp_path_factory.mktemp("tiny-int8")
    rewrite(embedded_model_path(), folder)
    return folder


def test_each_row_gets_its_own_scale_rounded_to_nearest_even() -> None:
    rows = np.array(
        [
            [1.0, -2.0, 0.5],  # scale 127/2: 63.5 -> 64 (ties to even), -127, 31.75 -> 32
            [0.0, 0.0, 0.0],  # a row of zeros: scale 1
            [0.5, 127.0, -1.5],  # scale 1: 0.5 -> 0 and -1.5 -> -2 (ties to even)
        ],
        dtype=np.float16,
    )
    values, scales = quantize_rows(rows)
    assert values.dtype == np.int8 and scales.dtype == np.float32
    assert scales.tolist() == [63.5, 1.0, 1.0]
    assert values.tolist() == [[64, -127, 32], [0, 0, 0], [0, 127, -2]]


def test_weights_become_int8_with_scales_and_everything_else_is_kept(tiny_int8: Path) -> None:
    before = {
        name: (shape, dtype)
        for name, shape, dtype in variables(embedded_model_path() / "model.bin")
    }
    after = {name: (shape, dtype) for name, shape, dtype in variables(tiny_int8 / "model.bin")}
    assert before["decoder/embeddings/weight"][1] == "float16"  # what the test relies on
    quantized = [n for n in before if n.endswith("weight") and "conv" not in n]
    # 4 encoder layers of 4 linears, 4 decoder layers of 7 (self, cross, feed-forward), embeddings
    assert len(quantized) == 4 * 4 + 4 * 7 + 1
    for name, (shape, dtype) in before.items():
        if name in quantized:
            assert after[name] == (shape, "int8"), name
            rows = int(np.prod(shape[:-1]))
            assert after[name + "_scale"] == ((rows,), "float32"), name
        else:  # biases, norms, position encodings, flags and the convolutions as they were
            assert after[name] == (shape, dtype), name
    assert set(after) == set(before) | {n + "_scale" for n in quantized}
    # about half the bytes: one byte a weight instead of two, plus the scales
    size = (tiny_int8 / "model.bin").stat().st_size
    assert 0.45 < size / (embedded_model_path() / "model.bin").stat().st_size < 0.6


def test_an_int8_model_is_copied_as_it_is(tiny_int8: Path) -> None:
    once = (tiny_int8 / "model.bin").read_bytes()
    out = io.BytesIO()
    with Chain([tiny_int8 / "model.bin"]) as stream:
        summary = quantize_model(stream, out)
    assert summary.quantized == 0 and out.getvalue() == once


def test_a_model_in_parts_reads_as_the_whole(tmp_path: Path, tiny_int8: Path) -> None:
    whole = (embedded_model_path() / "model.bin").read_bytes()
    parts = []
    for i, (a, b) in enumerate(
        ((0, 7), (7, 1000), (1000, len(whole) // 2), (len(whole) // 2, None))
    ):
        parts.append(tmp_path / f"model.bin.part{i}")
        parts[-1].write_bytes(whole[a:b])
    out = io.BytesIO()
    with Chain(parts) as stream:
        quantize_model(stream, out)
    assert out.getvalue() == (tiny_int8 / "model.bin").read_bytes()


@pytest.mark.parametrize(
    ("damage", "message"),
    [
        (lambda b: b[: len(b) // 3], "ends early"),
        (lambda b: b + b"\0", "bytes after its aliases"),
        (lambda b: struct.pack("<I", 3) + b[4:], "binary version 3"),
        (lambda b: b"PK\x03\x04" + b[4:], "binary version"),
        (lambda b: b[: b.index(b"decoder/")] + b"\xff" + b[b.index(b"decoder/") + 1 :], "UTF-8"),
    ],
)
def test_bytes_that_are_not_one_whole_model_are_refused(
    tmp_path: Path, damage: Callable[[bytes], bytes], message: str
) -> None:
    path = tmp_path / "model.bin"
    path.write_bytes(damage((embedded_model_path() / "model.bin").read_bytes()))
    with pytest.raises(ModelFormatError, match=message), Chain([path]) as stream:
        quantize_model(stream, io.BytesIO())
    with pytest.raises(ModelFormatError):
        list(variables(path))


@pytest.mark.slow
def test_the_int8_file_computes_what_ctranslate2_computes_from_float16(
    tiny_int8: Path, speak: Callable[..., Path]
) -> None:
    """CTranslate2 quantizes the float16 weights while loading with compute_type int8; the
    rewritten file must hold the same numbers: the encoder's output and the beam search's
    scores are compared bit for bit on spoken audio."""
    import ctranslate2
    from faster_whisper.feature_extractor import FeatureExtractor

    from voiceloop.audio import load_audio

    samples = load_audio(speak("Tell me about a time you shipped a project late.")).samples
    window = np.zeros(16_000 * 30, dtype=np.float32)
    window[: len(samples)] = samples[: len(window)]
    features = FeatureExtractor(feature_size=80)(window)[:, :3000]
    batch = ctranslate2.StorageView.from_array(np.ascontiguousarray(features[None]))
    prompt = [[50257, 50362]]  # tiny.en: start of transcript, no timestamps
    results = []
    for folder in (embedded_model_path(), tiny_int8):
        model = ctranslate2.models.Whisper(
            str(folder), device="cpu", compute_type="int8", intra_threads=1
        )
        encoded = np.array(model.encode(batch))
        found = model.generate(batch, prompt, beam_size=5, num_hypotheses=2, return_scores=True)
        results.append((encoded, found[0].sequences_ids, found[0].scores))
    (enc16, ids16, scores16), (enc8, ids8, scores8) = results
    assert np.array_equal(enc16, enc8)
    assert ids16 == ids8 and len(ids8[0]) > 5
    assert scores16 == scores8
