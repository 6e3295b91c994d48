"""Rebuild the eval_mini clips: espeak-ng speech with exact ground truth in both sidecar formats.

Run from the repository root: ``python tests/data/eval_mini/make_clips.py``. Each sentence
(and each filler) is synthesized on its own with espeak-ng (voice en-us), resampled to 16 kHz,
trimmed to its first and last sample above -54 dBFS and placed on the timeline with known
silences, so sentence and filler times are exact. Word times inside a sentence are spread
over the sentence by letter count (approximate, flagged ``start_interpolated``).
The text is the project's own.
"""

from __future__ import annotations

import itertools
import json
import subprocess
import tempfile
from pathlib import Path

import numpy as np
import soundfile as sf

from voiceloop.audio import resample

RATE = 16_000
HERE = Path(__file__).parent
LEAD_S, TAIL_S, SECTION_GAP_S = 0.3, 0.2, 0.3


def speak(text: str, wpm: int) -> np.ndarray:
    with tempfile.TemporaryDirectory() as tmp:
        raw = Path(tmp) / "raw.wav"
        subprocess.run(
            ["espeak-ng", "-v", "en-us", "-s", str(wpm), "-w", str(raw), text],
            check=True,
            capture_output=True,
        )
        data, rate = sf.read(str(raw), dtype="float32")
    y = resample(data, rate)
    loud = np.flatnonzero(np.abs(y) > 64 / 32768)
    return y[loud[0] : loud[-1] + 1]


def spread(text: str, start: float, end: float) -> list[tuple[str, float, float]]:
    """Word times over [start, end] by letter count."""
    words = text.split()
    weights = [max(sum(ch.isalnum() for ch in w), 1) + 1 for w in words]
    total = sum(weights)
    out, t = [], start
    for w, k in zip(words, weights, strict=True):
        d = (end - start) * k / total
        out.append((w, round(t, 3), round(t + d, 3)))
        t += d
    return out


def timeline(
    pieces: list[tuple[str, float]], wpm: int
) -> tuple[np.ndarray, list[tuple[float, float]]]:
    """Concatenate (text, silence before) pieces; return samples and each piece's span."""
    chunks: list[np.ndarray] = []
    spans: list[tuple[float, float]] = []
    t = 0.0
    for text, before in pieces:
        chunks.append(np.zeros(round(before * RATE), dtype=np.float32))
        t += len(chunks[-1]) / RATE
        y = speak(text, wpm)
        chunks.append(y)
        spans.append((round(t, 3), round(t + len(y) / RATE, 3)))
        t += len(y) / RATE
    chunks.append(np.zeros(int(TAIL_S * RATE), dtype=np.float32))
    return np.concatenate(chunks), spans


def speech_clip() -> None:
    """Speech-format sidecar: a filler "um" spoken on its own between two phrases."""
    pieces = [("We shipped it", 0.2), ("um", 0.25), ("on time.", 0.25)]
    samples, spans = timeline(pieces, 175)
    words = [*spread(pieces[0][0], *spans[0]), ("um", *spans[1]), *spread(pieces[2][0], *spans[2])]
    reference = "we shipped it um on time"
    start, end = words[0][1], words[-1][2]
    pauses = [
        {"start": a[2], "end": b[1], "duration": round(b[1] - a[2], 3)}
        for a, b in itertools.pairwise(words)
        if b[1] - a[2] >= 0.25
    ]
    sidecar = {
        "name": "speech_um",
        "audio": "speech_um.wav",
        "speech_style": "synthetic (espeak-ng en-us, 175 wpm), project's own text",
        "duration_s": round(len(samples) / RATE, 3),
        "reference": reference,
        "word_count": len(words),
        "filler_count": 1,
        "filler_types": {"um": 1},
        "fillers": [{"text": "um", "token_index": 3, "start": spans[1][0], "end": spans[1][1]}],
        "timing_source": "exact phrase and filler spans; word times in a phrase by letter count",
        "speech_start_s": start,
        "speech_end_s": end,
        "pause_min_s": 0.25,
        "pauses": pauses,
        "words": [{"w": w.strip(".,").lower(), "start": a, "end": b} for w, a, b in words],
        "wpm_reference": round(len(words) / (end - start) * 60, 1),
    }
    sf.write(str(HERE / "speech_um.wav"), samples, RATE, subtype="PCM_16")
    (HERE / "speech_um.json").write_text(json.dumps(sidecar, indent=1) + "\n")


STAR = [
    ("situation", "Our app was too slow."),
    ("task", "I had to fix it."),
    ("action", "I rewrote the cache."),
    ("result", "It got forty percent faster."),
]


def star_clip() -> None:
    """STAR-format sidecar: four one-sentence sections with a quantified Result."""
    pieces = [(text, LEAD_S if i == 0 else SECTION_GAP_S) for i, (_, text) in enumerate(STAR)]
    samples, spans = timeline(pieces, 165)
    sentences, sections, all_words = [], [], []
    for i, ((label, text), (a, b)) in enumerate(zip(STAR, spans, strict=True)):
        words = [
            {"w": w, "start_s": s, "end_s": e, "start_interpolated": k > 0}
            for k, (w, s, e) in enumerate(spread(text, a, b))
        ]
        all_words += words
        sentences.append(
            {
                "index": i,
                "section_index": i,
                "label": label,
                "start_s": a,
                "end_s": b,
                "duration_s": round(b - a, 3),
                "word_count": len(words),
                "text": text,
                "tts_text": text,
                "words": words,
            }
        )
        sections.append(
            {"index": i, "label": label, "start_s": a, "end_s": b, "duration_s": round(b - a, 3)}
        )
    total = sum(s["duration_s"] for s in sections)
    totals = {
        label: {"present": False, "duration_s": 0.0, "share": 0.0, "word_count": 0}
        for label in ("situation", "task", "action", "result", "reflection")
    }
    for sec, sent in zip(sections, sentences, strict=True):
        sec["share"] = round(sec["duration_s"] / total, 3)
        totals[sec["label"]] = {
            "present": True,
            "duration_s": sec["duration_s"],
            "share": sec["share"],
            "word_count": sent["word_count"],
        }
    start, end = spans[0][0], spans[-1][1]
    sidecar = {
        "clip_id": "star_short",
        "variant": "original",
        "audio": {"file": "star_short.wav", "sample_rate": RATE, "channels": 1, "bits": 16},
        "duration_s": round(len(samples) / RATE, 3),
        "answer_start_s": start,
        "answer_end_s": end,
        "answer_duration_s": round(end - start, 3),
        "word_count": len(all_words),
        "wpm_answer": round(len(all_words) / (end - start) * 60, 1),
        "present_sections": [label for label, _ in STAR],
        "missing_sections": ["reflection"],
        "quantified_result": True,
        "filler_count": 0,
        "fillers_inserted": [],
        "label_totals": totals,
        "sections": sections,
        "pauses": [
            {
                "start_s": a[1],
                "end_s": b[0],
                "duration_s": round(b[0] - a[1], 3),
                "kind": "section_gap",
            }
            for a, b in itertools.pairwise(spans)
        ],
        "sentences": sentences,
        "transcript": " ".join(text for _, text in STAR),
    }
    sf.write(str(HERE / "star_short.wav"), samples, RATE, subtype="PCM_16")
    (HERE / "star_short.json").write_text(json.dumps(sidecar, indent=1) + "\n")


if __name__ == "__main__":
    speech_clip()
    star_clip()
