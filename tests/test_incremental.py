"""Transcription during recording: cuts in pauses, same words as a whole-file pass, safe audio.

The slow tests use the real model on espeak-ng speech, and the real PortAudio path with a
file-backed (exact) or FIFO (real-time) microphone from fakemic.py.
"""

from __future__ import annotations

import io
import json
import multiprocessing
import os
import re
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from types import ModuleType

import numpy as np
import pytest
import soundfile as sf

from fakemic import RATE, FifoMic, alsa_env, to_pcm16
from voiceloop.capture.recorder import RecordOptions, record
from voiceloop.evaluation.wer import normalize_words, word_errors
from voiceloop.models import Word
from voiceloop.transcribe.decode import TranscribeOptions, transcribe
from voiceloop.transcribe.incremental import (
    IncrementalTranscriber,
    find_cut,
    quietest_cut,
    transcribe_incrementally,
)

Speak = Callable[..., Path]

SENTENCES = [
    "Last spring our dashboard showed that new customers were leaving after the first week.",
    "I pulled the raw event logs myself instead of trusting the summary tables.",
    "The gap started on the day a tracking tag was moved to a new page.",
    "I rebuilt the cohort from the payment system and the churn had barely changed.",
    "We fixed the tag together and I added a daily check that compares both sources.",
    "Since then the check has caught two more tracking breaks before anyone noticed.",
]


def speech(speak: Speak, sentences: list[str], gap_s: float = 0.7) -> np.ndarray:
    """The sentences spoken one by one with ``gap_s`` of silence between, as 16 kHz float32."""
    parts = []
    for n, text in enumerate(sentences):
        data, rate = sf.read(str(speak(text, pad_s=gap_s / 2, name=f"s{n}.wav")), dtype="float32")
        assert rate == RATE
        parts.append(data)
    return np.concatenate(parts).astype(np.float32)


# --- fast ----------------------------------------------------------------------------------


def test_quietest_cut_finds_the_quiet_moment_after_the_minimum() -> None:
    rng = np.random.default_rng(3)
    loud = (rng.standard_normal(10 * RATE) * 0.3).astype(np.float32)
    loud[int(1.0 * RATE) : int(1.2 * RATE)] = 0.0  # too early to cut there
    loud[int(6.5 * RATE) : int(6.7 * RATE)] = 0.0
    cut = quietest_cut(loud, min_piece_s=3.0)
    assert 6.5 * RATE <= cut <= 6.7 * RATE


def test_silence_can_be_cut_anywhere_but_not_too_short() -> None:
    assert find_cut(np.zeros(5 * RATE, dtype=np.float32)) == 5 * RATE
    assert find_cut(np.zeros(1 * RATE, dtype=np.float32)) is None


def test_a_longer_min_gap_passes_over_a_later_short_pause() -> None:
    rate = RATE
    samples = np.zeros(12 * rate, dtype=np.float32)
    # speech 0-4 s, a 0.8 s pause (a sentence's end), 4.8-8 s, a 0.4 s breath, 8.4-11 s
    regions = [
        {"start": 0, "end": 4 * rate},
        {"start": int(4.8 * rate), "end": 8 * rate},
        {"start": int(8.4 * rate), "end": 11 * rate},
    ]
    short_ok = find_cut(samples[: int(11.5 * rate)], regions=regions, min_gap_s=0.3)
    long_only = find_cut(samples[: int(11.5 * rate)], regions=regions, min_gap_s=0.6)
    assert short_ok is not None and long_only is not None
    assert 11 * rate < short_ok  # the trailing 0.5 s pause, the latest one
    assert long_only == int(4.4 * rate)  # too short for a sentence's end: the one before
    inside = samples[: 11 * rate]  # no trailing pause: the latest break inside
    assert find_cut(inside, regions=regions, min_gap_s=0.3) == int(8.2 * rate)
    assert find_cut(inside, regions=regions, min_gap_s=0.6) == int(4.4 * rate)
    assert find_cut(inside, regions=regions, min_gap_s=0.9) is None


def test_a_transcriber_that_fails_reports_it_and_never_blocks_the_feeder(tmp_path: Path) -> None:
    options = TranscribeOptions(model=str(tmp_path / "no-such-model"), models_dir=tmp_path)
    worker = IncrementalTranscriber(options, chunk_s=2.0)
    rng = np.random.default_rng(1)
    block = (rng.standard_normal(RATE // 10) * 3000).astype(np.int16)
    started = time.perf_counter()
    for _ in range(100):  # 10 s of audio: the transcriber fails once it needs the model
        worker.feed(block, RATE)
    assert time.perf_counter() - started < 0.5
    assert worker.fed_frames == 100 * len(block)
    assert worker.finish(timeout=30) is None
    assert worker.failed
    assert "no-such-model" in str(worker.error)


# --- slow: the real model --------------------------------------------------------------------


@pytest.mark.slow
def test_incremental_gives_the_words_and_times_of_a_whole_file_pass(speak: Speak) -> None:
    samples = speech(speak, SENTENCES * 2)  # about 60 s with a pause after each sentence
    options = TranscribeOptions()
    whole = transcribe(samples, options)
    worker = IncrementalTranscriber(options)  # the default chunk length
    for start in range(0, len(samples), RATE // 10):
        worker.feed(samples[start : start + RATE // 10], RATE)
    assert worker.wait_caught_up(timeout=300)  # chunks as live, where the worker keeps up
    inc = worker.finish(len(samples) / RATE)
    assert inc is not None, worker.error
    assert len(worker.chunks) >= 2
    assert "incremental" in inc.decoding
    assert inc.duration == pytest.approx(len(samples) / RATE)
    # Chunks tile the answer and every word sits inside its chunk (times were offset).
    assert worker.chunks[0].start == 0.0
    for a, b in zip(worker.chunks, worker.chunks[1:], strict=False):
        assert a.end == b.start
    assert worker.chunks[-1].end == pytest.approx(len(samples) / RATE)
    starts = [w.start for w in inc.words]
    assert starts == sorted(starts)
    assert inc.words[-1].end <= len(samples) / RATE + 0.01
    # tiny.en on espeak speech varies with the audio around a word, so the two passes
    # differ a little; measured on ../shared/data the difference is reported, here it is
    # bounded: close to each other, and incremental no further from what was said.
    errors = word_errors(
        normalize_words(whole.text, keep_hesitations=True),
        normalize_words(inc.text, keep_hesitations=True),
    )
    assert errors.rate is not None and errors.rate <= 0.25, (whole.text, inc.text)
    said = normalize_words(" ".join(SENTENCES * 2))
    whole_wer = word_errors(said, normalize_words(whole.text)).rate or 0.0
    inc_wer = word_errors(said, normalize_words(inc.text)).rate or 0.0
    assert inc_wer <= whole_wer + 0.08, (whole_wer, inc_wer)
    assert inc_wer <= 0.25, inc.text

    # The same word is at the same moment in both (within a tolerance), in every chunk.
    def key(word: Word) -> str:
        return word.text.lower().strip(".,")

    whole_at: dict[str, list[float]] = {}
    for w in whole.words:
        whole_at.setdefault(key(w), []).append(w.start)
    for chunk in worker.chunks:
        inside = [w for w in inc.words if chunk.start <= w.start < chunk.end]
        known = [w for w in inside if key(w) in whole_at]
        assert len(known) >= 0.6 * len(inside), chunk
        near = [w for w in known if min(abs(w.start - t) for t in whole_at[key(w)]) < 0.3]
        assert len(near) >= 0.8 * len(known), chunk


@pytest.mark.slow
def test_offline_feed_cuts_between_sentences(speak: Speak) -> None:
    samples = speech(speak, SENTENCES, gap_s=0.8)
    worker = IncrementalTranscriber(TranscribeOptions(), chunk_s=6.0)
    for start in range(0, len(samples), 1600):
        worker.feed(samples[start : start + 1600], RATE)
    assert worker.wait_caught_up(timeout=300)
    inc = worker.finish()
    assert inc is not None, worker.error
    for chunk in worker.chunks[:-1]:  # each cut lies in silence
        at = int(chunk.end * RATE)
        window = samples[max(0, at - 800) : at + 800]
        assert float(np.max(np.abs(window))) < 0.01, chunk
    assert transcribe_incrementally(samples[: RATE // 2], TranscribeOptions()) is not None


@pytest.mark.slow
def test_a_longer_cut_gap_cuts_at_sentence_ends_not_at_a_breath_inside_one(speak: Speak) -> None:
    # each sentence spoken in two halves with a 0.4 s breath between, 1 s between sentences:
    # a cut at the breath would start a chunk in the middle of a sentence
    parts: list[np.ndarray] = []
    breaths: list[tuple[float, float]] = []
    ends: list[tuple[float, float]] = []
    at = 0
    for n, sentence in enumerate(SENTENCES):
        words = sentence.split()
        half = len(words) // 2
        for k, text in enumerate((" ".join(words[:half]), " ".join(words[half:]))):
            path = speak(text, pad_s=0.0, name=f"h{n}{k}.wav")
            data, rate = sf.read(str(path), dtype="float32")
            assert rate == RATE
            parts.append(data)
            at += len(data)
            gap = 0.4 if k == 0 else 1.0
            (breaths if k == 0 else ends).append((at / RATE, at / RATE + gap))
            parts.append(np.zeros(int(gap * RATE), dtype=np.float32))
            at += int(gap * RATE)
    samples = np.concatenate(parts)
    worker = IncrementalTranscriber(TranscribeOptions(), cut_gap_s=0.6)
    for start in range(0, len(samples), RATE // 10):
        worker.feed(samples[start : start + RATE // 10], RATE)
    assert worker.wait_caught_up(timeout=300)
    inc = worker.finish(len(samples) / RATE)
    assert inc is not None, worker.error
    cuts = [chunk.end for chunk in worker.chunks[:-1]]
    assert len(cuts) >= 2, worker.chunks
    for cut in cuts:  # every cut in a sentence's closing pause (VAD edges move a little)
        assert any(lo - 0.15 <= cut <= hi + 0.15 for lo, hi in ends), (cut, ends)
        assert not any(lo - 0.05 <= cut <= hi + 0.05 for lo, hi in breaths), (cut, breaths)
    said = normalize_words(" ".join(SENTENCES))
    assert (word_errors(said, normalize_words(inc.text)).rate or 0.0) <= 0.2, inc.text


# --- slow: the capture path ---------------------------------------------------------------


def _spin(seconds: float) -> None:  # pragma: no cover - runs in a child
    end = time.monotonic() + seconds
    x = 0
    while time.monotonic() < end:
        x += 1


@pytest.fixture
def cpu_load() -> Iterator[None]:
    """A busy loop on every core for the duration of the test."""
    context = multiprocessing.get_context("spawn")
    children = [context.Process(target=_spin, args=(120.0,)) for _ in range(os.cpu_count() or 2)]
    for child in children:
        child.start()
    try:
        yield
    finally:
        for child in children:
            child.terminate()
            child.join(5)


@pytest.fixture
def portaudio(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> Iterator[Callable[[Path], ModuleType]]:
    import sounddevice as sd

    def use(mic_file: Path) -> ModuleType:
        for key, value in alsa_env(tmp_path / "alsa", mic_file).items():
            monkeypatch.setenv(key, value)
        sd._terminate()
        sd._initialize()
        module: ModuleType = sd
        return module

    yield use
    monkeypatch.undo()
    sd._terminate()
    sd._initialize()


@pytest.mark.slow
def test_every_frame_is_kept_under_full_cpu_load_while_the_transcriber_runs(
    portaudio: Callable[[Path], ModuleType], cpu_load: None, tmp_path: Path, speak: Speak
) -> None:
    samples = speech(speak, SENTENCES)
    fed = np.frombuffer(to_pcm16(samples), dtype="<i2")
    mic = tmp_path / "mic.raw"
    mic.write_bytes(fed.tobytes())
    portaudio(mic)
    worker = IncrementalTranscriber(TranscribeOptions(), chunk_s=4.0)
    rec = record(
        tmp_path / "rec",
        RecordOptions(max_seconds=len(fed) / RATE, silence_stop_s=None),
        on_block=worker.feed,
    )
    assert rec.reason == "max"
    assert rec.overflows == 0
    data, _rate = sf.read(str(rec.take.wav), dtype="int16")
    assert len(data) == len(fed) == worker.fed_frames  # no frame dropped or added
    assert np.array_equal(data, fed)
    inc = worker.finish(rec.seconds)
    assert inc is not None, worker.error
    assert len(worker.chunks) >= 2
    said = normalize_words(" ".join(SENTENCES))
    assert (word_errors(said, normalize_words(inc.text)).rate or 0.0) < 0.25, inc.text


@pytest.mark.slow
def test_a_consumer_that_crashes_costs_no_audio(
    portaudio: Callable[[Path], ModuleType], tmp_path: Path
) -> None:
    rng = np.random.default_rng(5)
    fed = (rng.standard_normal(3 * RATE) * 3000).astype(np.int16)
    mic = tmp_path / "mic.raw"
    mic.write_bytes(fed.tobytes())
    portaudio(mic)
    calls = []

    def broken(samples: np.ndarray, rate: int) -> None:
        calls.append(len(samples))
        if len(calls) == 3:
            raise RuntimeError("transcriber crashed")

    rec = record(
        tmp_path / "rec", RecordOptions(max_seconds=3.0, silence_stop_s=None), on_block=broken
    )
    assert len(calls) == 3  # not called again after it raised
    data, _ = sf.read(str(rec.take.wav), dtype="int16")
    assert np.array_equal(data, fed)


@pytest.mark.slow
@pytest.mark.parametrize("incremental", [True, False])
def test_practice_says_which_transcription_was_used(
    tmp_path: Path, speak: Speak, incremental: bool
) -> None:
    samples = speech(speak, SENTENCES[:3])
    recordings = tmp_path / "rec"
    mic = FifoMic(tmp_path / "mic", to_pcm16(samples)).start()
    env = {**os.environ, **alsa_env(tmp_path / "alsa", mic.path)}
    env.pop("VOICELOOP_RECORDINGS", None)
    cmd = [sys.executable, "-m", "voiceloop", "practice", "dive-deep-root-cause", "--no-speak"]
    cmd += ["--countdown", "0", "--silence-stop", "0", "--recordings", str(recordings)]
    if not incremental:
        cmd.append("--no-incremental")
    try:
        proc = subprocess.Popen(
            cmd,
            env=env,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        assert mic.wait_fed(timeout=60)
        time.sleep(0.3)
        _out, err = proc.communicate("\n", timeout=120)
    finally:
        mic.stop()
    assert proc.returncode == 0, err
    (transcript_file,) = recordings.glob("*/transcript.json")
    data = json.loads(transcript_file.read_text(encoding="utf-8"))
    assert ("incremental" in data["decoding"]) is incremental, data["decoding"]
    heard = normalize_words(" ".join(w["text"] for w in data["words"]))
    said = normalize_words(" ".join(SENTENCES[:3]))
    assert (word_errors(said, heard).rate or 0.0) < 0.25, heard


class TtyScreen(io.StringIO):
    """What a terminal would show: the recorder draws its live line only on a terminal."""

    def isatty(self) -> bool:
        return True


@pytest.mark.slow
def test_the_live_line_coaches_from_the_words_so_far_and_no_frame_is_lost(
    portaudio: Callable[[Path], ModuleType],
    tmp_path: Path,
    speak: Speak,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from voiceloop.capture.recorder import LiveDisplay
    from voiceloop.cli.app import coach_line

    monkeypatch.setenv("COLUMNS", "80")  # the line must fit a common terminal, coach and all
    samples = speech(speak, SENTENCES)  # about 30 s, a pause after each sentence
    fed = np.frombuffer(to_pcm16(samples), dtype="<i2")
    mic = FifoMic(tmp_path / "mic.fifo", fed.tobytes()).start()
    try:
        portaudio(mic.path)
        worker = IncrementalTranscriber(TranscribeOptions())
        screen = TtyScreen()
        rec = record(
            tmp_path / "rec",
            RecordOptions(silence_stop_s=2.0, max_seconds=90),
            display=LiveDisplay(screen),
            on_block=worker.feed,
            coach=coach_line(worker),
        )
    finally:
        mic.stop()
    assert rec.reason == "silence"
    inc = worker.finish(rec.seconds)
    assert inc is not None, worker.error
    # The line showed pace and fillers while the answer was still being spoken.
    drawn = [line.rstrip() for line in screen.getvalue().split("\r") if line.strip()]
    coached = [line for line in drawn if re.search(r"\] {2}\d+ wpm, \d+ fillers?$", line)]
    assert coached, drawn[-3:]
    first_at = min(
        int(m.group(1)) * 60 + int(m.group(2))
        for line in coached
        if (m := re.match(r"REC (\d+):(\d\d)", line))
    )
    assert first_at <= mic.data_seconds - 5, coached[0]
    wpm = [int(m.group(1)) for line in coached if (m := re.search(r"(\d+) wpm", line))]
    assert all(100 <= w <= 260 for w in wpm), wpm  # espeak-ng speaks about 175 wpm
    # Not a frame lost or added: the take holds the fed speech, sample for sample, and the
    # transcriber saw every frame the take holds.
    assert rec.overflows == 0
    data, _rate = sf.read(str(rec.take.wav), dtype="int16")
    assert len(data) == worker.fed_frames
    start = int(np.argmax(np.abs(data) > 0))  # the probe may have taken the first blocks
    lead = int(np.argmax(np.abs(fed) > 0))
    offset = lead - start
    assert 0 <= offset < RATE // 2
    span = min(len(data), len(fed) - offset)
    assert np.array_equal(data[:span], fed[offset : offset + span])


def test_openmp_threads_wait_passively_unless_the_user_chose() -> None:
    # Spinning OpenMP workers of the thread that loaded the model (the preload) slowed the
    # transcriber's decoding 10-30 times on 2 cores (see voiceloop/__init__.py).
    code = "import os, voiceloop; print(os.environ['OMP_WAIT_POLICY'])"
    env = {k: v for k, v in os.environ.items() if k != "OMP_WAIT_POLICY"}
    run = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True)
    assert run.stdout.strip() == "PASSIVE", run.stderr
    env["OMP_WAIT_POLICY"] = "ACTIVE"
    run = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True)
    assert run.stdout.strip() == "ACTIVE", run.stderr
