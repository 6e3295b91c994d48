"""Say the question aloud: espeak-ng speaks into a WAV file, sounddevice plays it.

When speech cannot be played (``--no-speak``, no TTS engine, no PortAudio, no output device)
the question is only shown; the ``Speaker`` says why once, not for every question.
"""

from __future__ import annotations

import contextlib
import shutil
import subprocess
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from voiceloop.errors import VoiceloopError

TTS_ENGINES = ("espeak-ng", "espeak")
TTS_FIX = "install espeak-ng (sudo apt-get install espeak-ng, or brew install espeak-ng)"
VOICE = "en-us"
WORDS_PER_MINUTE = 165
BEEP_HZ = 880.0
BEEP_S = 0.15


def tts_engine() -> str | None:
    """Path of the text-to-speech program, or None when none is installed."""
    for name in TTS_ENGINES:
        found = shutil.which(name)
        if found:
            return found
    return None


def synthesize(text: str, out: Path, engine: str | None = None) -> Path:
    """Speak ``text`` into the WAV file ``out`` with espeak-ng; VoiceloopError on failure."""
    engine = engine or tts_engine()
    if engine is None:
        raise VoiceloopError(f"no text-to-speech engine found: {TTS_FIX}")
    try:
        subprocess.run(
            [engine, "-v", VOICE, "-s", str(WORDS_PER_MINUTE), "-w", str(out), text],
            check=True,
            capture_output=True,
            timeout=60,
        )
    except (OSError, subprocess.SubprocessError) as err:
        detail = getattr(err, "stderr", b"") or b""
        message = detail.decode(errors="replace").strip() or str(err)
        raise VoiceloopError(f"{Path(engine).name} failed: {message}") from err
    return out


def _tone(rate: int) -> Any:
    import numpy as np

    t = np.arange(int(rate * BEEP_S)) / rate
    fade = np.minimum(1.0, np.minimum(t, BEEP_S - t) / 0.01)  # no clicks at either end
    return (0.3 * np.sin(2 * np.pi * BEEP_HZ * t) * fade).astype(np.float32)


class Speaker:
    """Plays questions and the start beep; after the first failure it stays quiet."""

    def __init__(
        self, enabled: bool, output_device: str | None, echo: Callable[[str], None]
    ) -> None:
        self.enabled = enabled
        self.output_device = output_device
        self.echo = echo
        self.reason: str | None = None if enabled else "--no-speak"
        self._device_index: int | None = None
        self._rate: int | None = None

    def _give_up(self, reason: str) -> None:
        if self.reason is None:
            self.reason = reason
            self.echo(f"(The question is not read aloud: {reason}.)")

    def _output(self) -> tuple[Any, int] | None:
        """(sounddevice, device index), or None with the reason said once."""
        if self.reason is not None:
            return None
        from voiceloop.capture.devices import load_sounddevice, pick_output

        try:
            sd = load_sounddevice()
            device = pick_output(self.output_device)
        except VoiceloopError as err:
            self._give_up(str(err))
            return None
        self._device_index = device.index
        self._rate = int(device.default_samplerate)
        return sd, device.index

    def _play(self, samples: Any, rate: int) -> bool:
        output = self._output()
        if output is None:
            return False
        sd, index = output
        try:
            sd.check_output_settings(device=index, channels=1, dtype="float32", samplerate=rate)
        except Exception:  # the device cannot take this rate: resample to its own
            import numpy as np
            import soxr

            target = self._rate or 48_000
            samples = np.asarray(soxr.resample(samples, rate, target), dtype=np.float32)
            rate = target
        try:
            sd.play(samples, rate, device=index)
            sd.wait()
        except KeyboardInterrupt:
            with contextlib.suppress(Exception):
                sd.stop()
            raise
        except Exception as err:  # sounddevice.PortAudioError: busy, unplugged, ...
            self._give_up(f"cannot play sound on the output device ({err})")
            return False
        return True

    def say(self, text: str) -> bool:
        """Read ``text`` aloud; True when it was played."""
        if self.reason is not None:
            return False
        engine = tts_engine()
        if engine is None:
            self._give_up(f"no text-to-speech engine found; {TTS_FIX}")
            return False
        if self._output() is None:
            return False
        import soundfile as sf

        with tempfile.TemporaryDirectory(prefix="voiceloop-tts-") as folder:
            wav = Path(folder) / "question.wav"
            try:
                synthesize(text, wav, engine)
                samples, rate = sf.read(str(wav), dtype="float32")
            except (VoiceloopError, RuntimeError) as err:
                self._give_up(str(err))
                return False
        return self._play(samples, int(rate))

    def beep(self) -> bool:
        """A short tone that marks the start of recording (skipped when sound is off)."""
        if self.reason is not None or self._output() is None:
            return False
        rate = self._rate or 48_000
        return self._play(_tone(rate), rate)
