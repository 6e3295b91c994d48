"""`voiceloop doctor`: does sound actually arrive from the microphone?

Through sounddevice and PortAudio into ALSA's file plugin (see fakemic.py): a file of silence
is a muted microphone, a file of noise one that hears a room. No sound card is needed.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import numpy as np
import pytest

from fakemic import RATE, alsa_env, to_pcm16
from voiceloop.capture.devices import SILENT_DBFS, measure_input_level, pick_input, signal_level
from voiceloop.doctor import _microphone, sound_arrives


def noise(seconds: float, amplitude: float) -> np.ndarray:
    """Gaussian noise with ``amplitude`` RMS in int16 steps."""
    rng = np.random.default_rng(3)
    samples = rng.standard_normal(int(seconds * RATE)) * amplitude
    return samples.round().clip(-32768, 32767).astype(np.int16)


def test_signal_level_in_dbfs() -> None:
    assert signal_level(np.zeros(RATE, dtype=np.int16), RATE).rms_dbfs == SILENT_DBFS
    tone = (0.5 * 32768 * np.sin(np.arange(RATE) * 2 * np.pi * 440 / RATE)).astype(np.int16)
    level = signal_level(tone, RATE)
    assert level.rms_dbfs == pytest.approx(-9.03, abs=0.05)  # 0.5 / sqrt(2)
    assert level.peak_dbfs == pytest.approx(-6.02, abs=0.05)
    assert level.seconds == pytest.approx(1.0)
    assert not sound_arrives(signal_level(noise(1.0, 1.0), RATE))  # a dither-level hiss
    assert sound_arrives(signal_level(noise(1.0, 100.0), RATE))  # a quiet room: about -50 dBFS


@pytest.fixture
def mic(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[Callable[[bytes], None]]:
    """Make the default microphone (in this process) read the given raw 16 kHz audio."""
    try:
        import sounddevice as sd
    except OSError:
        pytest.fail("PortAudio is missing: run scripts/install-system-deps.sh")

    def use(pcm: bytes) -> None:
        source = tmp_path / "mic.raw"
        source.write_bytes(pcm)
        for key, value in alsa_env(tmp_path / "alsa", source).items():
            monkeypatch.setenv(key, value)
        sd._terminate()  # re-scan devices with the new configuration
        sd._initialize()

    yield use
    monkeypatch.undo()
    sd._terminate()
    sd._initialize()


@pytest.mark.slow
def test_silence_is_a_warning_not_microphone_ok(mic: Callable[[bytes], None]) -> None:
    mic(bytes(RATE * 2 * 5))  # five seconds of zeros: a muted microphone
    level = measure_input_level(pick_input(), 1.0)
    assert level.rms_dbfs == SILENT_DBFS
    assert level.seconds == pytest.approx(1.0, abs=0.1)
    check = _microphone()
    assert check.status == "warn", check.line()
    assert "only silence arrives" in check.detail
    assert "level silent RMS" in check.detail
    assert "muted" in check.fix and "--mic" in check.fix
    assert "fix:" in check.line()


@pytest.mark.slow
def test_noise_is_microphone_ok_with_its_level(mic: Callable[[bytes], None]) -> None:
    mic(to_pcm16(noise(5.0, 1000.0)))  # about -30 dBFS RMS
    level = measure_input_level(pick_input(), 1.0)
    assert level.rms_dbfs == pytest.approx(-30.3, abs=1.0)
    check = _microphone()
    assert check.status == "ok", check.line()
    assert re.search(r"level -3\d dBFS RMS, peak -\d+ dBFS over 1\.0 s", check.detail), check.detail


@pytest.mark.slow
def test_doctor_command_says_when_only_silence_arrives(tmp_path: Path) -> None:
    silent, loud = tmp_path / "silent.raw", tmp_path / "loud.raw"
    silent.write_bytes(bytes(RATE * 2 * 5))
    loud.write_bytes(to_pcm16(noise(5.0, 2000.0)))
    lines = {}
    for name, source in (("silent", silent), ("loud", loud)):
        env = {**os.environ, **alsa_env(tmp_path / name, source)}
        result = subprocess.run(
            [sys.executable, "-m", "voiceloop", "doctor", "--recordings", str(tmp_path / "rec")],
            env=env,
            capture_output=True,
            text=True,
            timeout=180,
        )
        assert "Traceback" not in result.stderr, result.stderr
        found = re.search(r"^(\S+)\s+microphone: (.*)$", result.stdout, re.M)
        assert found, result.stdout
        lines[name] = (found[1], found[2], result.stdout)
    status, detail, out = lines["silent"]
    assert status == "warn", out
    assert detail.endswith("only silence arrives"), out
    assert "fix: check that the microphone is not muted" in out
    # a warning is not "All checks passed" (the speaker may warn too on this machine)
    assert "All checks passed." not in out and re.search(r"Passed with \d+ warnings?", out), out
    status, detail, out = lines["loud"]
    assert status == "ok", out
    assert re.search(r"level -2\d dBFS RMS", detail), out
