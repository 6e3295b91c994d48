"""Every bad input gives one clear line on stderr, a non-zero exit and no session folder."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

RATE = 16_000


def run_cli(
    *args: str, recordings: Path, cwd: Path | None = None
) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "VOICELOOP_RECORDINGS": str(recordings)}
    return subprocess.run(
        [sys.executable, "-m", "voiceloop", *args],
        capture_output=True,
        text=True,
        env=env,
        cwd=cwd,
        timeout=300,
    )


def assert_one_line_error(result: subprocess.CompletedProcess[str], *fragments: str) -> None:
    assert result.returncode != 0, result.stdout
    assert "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("voiceloop: error: "), lines[0]
    for fragment in fragments:
        assert fragment in lines[0], lines[0]


def assert_no_session(recordings: Path) -> None:
    if recordings.is_dir():
        assert [p.name for p in recordings.iterdir()] == []


def tone(seconds: float, amplitude: float = 0.3) -> np.ndarray:
    t = np.arange(int(seconds * RATE)) / RATE
    return (amplitude * np.sin(2 * np.pi * 220 * t)).astype(np.float32)


@pytest.fixture
def recordings(tmp_path: Path) -> Path:
    return tmp_path / "recordings"


def test_missing_file(tmp_path: Path, recordings: Path) -> None:
    result = run_cli("analyze", str(tmp_path / "nope.wav"), recordings=recordings)
    assert_one_line_error(result, "no such file", "nope.wav")
    assert_no_session(recordings)


def test_directory(tmp_path: Path, recordings: Path) -> None:
    assert_one_line_error(
        run_cli("analyze", str(tmp_path), recordings=recordings), "is a directory"
    )
    assert_no_session(recordings)


def test_zero_length_file(tmp_path: Path, recordings: Path) -> None:
    empty = tmp_path / "empty.wav"
    empty.touch()
    assert_one_line_error(run_cli("analyze", str(empty), recordings=recordings), "empty (0 bytes)")
    assert_no_session(recordings)


def test_text_file_named_wav(tmp_path: Path, recordings: Path) -> None:
    notes = tmp_path / "notes.wav"
    notes.write_text("these are my interview notes, not audio\n" * 20)
    assert_one_line_error(run_cli("analyze", str(notes), recordings=recordings), "notes.wav")
    assert_no_session(recordings)


def test_random_bytes_named_mp3(tmp_path: Path, recordings: Path) -> None:
    junk = tmp_path / "junk.mp3"
    junk.write_bytes(np.random.default_rng(1).integers(0, 256, 50_000, dtype=np.uint8).tobytes())
    assert_one_line_error(run_cli("analyze", str(junk), recordings=recordings), "junk.mp3")
    assert_no_session(recordings)


def test_truncated_wav(tmp_path: Path, recordings: Path) -> None:
    path = tmp_path / "cut.wav"
    sf.write(str(path), tone(6.0), RATE, subtype="PCM_16")
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 3])
    assert_one_line_error(run_cli("analyze", str(path), recordings=recordings), "truncated")
    assert_no_session(recordings)


def test_wav_header_only(tmp_path: Path, recordings: Path) -> None:
    path = tmp_path / "header.wav"
    sf.write(str(path), np.zeros(0, dtype=np.float32), RATE, subtype="PCM_16")
    assert_one_line_error(run_cli("analyze", str(path), recordings=recordings), "header.wav")
    assert_no_session(recordings)


def test_silent_file(tmp_path: Path, recordings: Path) -> None:
    path = tmp_path / "silence.wav"
    sf.write(str(path), np.zeros(RATE * 6, dtype=np.float32), RATE, subtype="PCM_16")
    assert_one_line_error(run_cli("analyze", str(path), recordings=recordings), "silent")
    assert_no_session(recordings)


def test_near_silent_file(tmp_path: Path, recordings: Path) -> None:
    path = tmp_path / "hiss.wav"
    noise = np.random.default_rng(2).normal(0, 0.0003, RATE * 6).astype(np.float32)
    sf.write(str(path), noise, RATE, subtype="PCM_16")
    assert_one_line_error(run_cli("analyze", str(path), recordings=recordings), "near-silent")
    assert_no_session(recordings)


def test_too_short_file(tmp_path: Path, recordings: Path) -> None:
    path = tmp_path / "blip.wav"
    sf.write(str(path), tone(1.5), RATE, subtype="PCM_16")
    assert_one_line_error(run_cli("analyze", str(path), recordings=recordings), "1.5 s long")
    assert_no_session(recordings)


@pytest.mark.slow
def test_speech_under_three_seconds_in_a_longer_file(
    speak: Callable[..., Path], recordings: Path
) -> None:
    path = speak("Hello there.", pad_s=2.5)
    result = run_cli("analyze", str(path), recordings=recordings)
    assert_one_line_error(result, "s of speech found")
    assert_no_session(recordings)


def test_unknown_prompt_id(tmp_path: Path, recordings: Path) -> None:
    path = tmp_path / "tone.wav"
    sf.write(str(path), tone(5.0), RATE, subtype="PCM_16")
    result = run_cli("analyze", str(path), "--prompt", "no-such-question", recordings=recordings)
    assert_one_line_error(result, "unknown prompt id 'no-such-question'")
    assert_no_session(recordings)


def test_recordings_path_is_a_file(tmp_path: Path) -> None:
    path = tmp_path / "tone.wav"
    sf.write(str(path), tone(5.0), RATE, subtype="PCM_16")
    blocker = tmp_path / "recordings"
    blocker.write_text("a file where the folder should be")
    result = run_cli("analyze", str(path), recordings=blocker)
    assert_one_line_error(result, "recordings")
    assert blocker.read_text() == "a file where the folder should be"


def test_recordings_path_under_a_file(tmp_path: Path) -> None:
    path = tmp_path / "tone.wav"
    sf.write(str(path), tone(5.0), RATE, subtype="PCM_16")
    blocker = tmp_path / "plain-file"
    blocker.write_text("x")
    result = run_cli("analyze", str(path), recordings=blocker / "sessions")
    assert_one_line_error(result, "cannot write")


def test_no_file_and_no_sample(recordings: Path) -> None:
    assert_one_line_error(run_cli("analyze", recordings=recordings), "no audio file given")


def test_help_lists_commands(recordings: Path) -> None:
    result = run_cli("--help", recordings=recordings)
    assert result.returncode == 0
    assert "analyze" in result.stdout
