"""Shared fixtures: hand-built word timelines and answers synthesized with espeak-ng."""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path

import numpy as np
import pytest

from voiceloop.models import Transcript, Word


@pytest.fixture(autouse=True, scope="session")
def _no_real_history(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """No test reads or writes a real history: without a setting, sessions would go to this
    checkout's recordings/ (or the user data folder of an installed voiceloop)."""
    home = tmp_path_factory.mktemp("history")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("VOICELOOP_RECORDINGS", str(home / "recordings"))
        patch.setenv("XDG_DATA_HOME", str(home / "data"))
        yield


def timeline(text: str, start: float = 0.0, word_s: float = 0.4, gap_s: float = 0.0) -> list[Word]:
    """Words of ``text`` one after another, each ``word_s`` long with ``gap_s`` between."""
    words = []
    t = start
    for token in text.split():
        words.append(Word(text=token, start=t, end=t + word_s))
        t += word_s + gap_s
    return words


def transcript_of(words: list[Word], duration: float | None = None) -> Transcript:
    end = words[-1].end if words else 0.0
    return Transcript(words=words, duration=duration if duration is not None else end + 0.5)


def synthesize(text: str, path: Path, rate_wpm: int = 150, pad_s: float = 0.5) -> Path:
    """Speak ``text`` with espeak-ng into a 16 kHz mono WAV with ``pad_s`` of silence around it."""
    import soundfile as sf

    from voiceloop.audio import resample

    if shutil.which("espeak-ng") is None:
        pytest.fail("espeak-ng is not installed: run scripts/install-system-deps.sh")
    raw = path.with_suffix(".espeak.wav")
    subprocess.run(
        ["espeak-ng", "-v", "en-us", "-s", str(rate_wpm), "-w", str(raw), text],
        check=True,
        capture_output=True,
    )
    data, rate = sf.read(str(raw), dtype="float32")
    raw.unlink()
    pad = np.zeros(int(pad_s * 16_000), dtype=np.float32)
    samples = np.concatenate([pad, resample(data, rate), pad])
    sf.write(str(path), samples, 16_000, subtype="PCM_16")
    return path


@pytest.fixture
def speak(tmp_path: Path) -> Callable[..., Path]:
    counter = iter(range(1000))

    def make(text: str, rate_wpm: int = 150, pad_s: float = 0.5, name: str | None = None) -> Path:
        return synthesize(text, tmp_path / (name or f"speech{next(counter)}.wav"), rate_wpm, pad_s)

    return make
