"""Load any audio file as 16 kHz mono float32, check it is usable, and write WAV files.

soundfile (libsndfile) reads WAV, FLAC, OGG and MP3 directly; anything else (M4A, AAC,
WebM, ...) goes through PyAV, the decoder faster-whisper itself ships with.
"""

from __future__ import annotations

import contextlib
import errno
import os
import shutil
import sys
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from voiceloop.errors import AudioUnreadable, NoSpeech, VoiceloopError
from voiceloop.fsutil import FILE_MODE

SAMPLE_RATE = 16_000
MIN_SECONDS = 3.0  # shorter audio cannot hold an answer worth analyzing
SILENT_PEAK_DBFS = -50.0  # a file whose loudest moment is below this is treated as silent


@dataclass(frozen=True)
class Audio:
    """Mono float32 samples at ``SAMPLE_RATE``."""

    samples: np.ndarray
    source_rate: int
    source_channels: int

    @property
    def seconds(self) -> float:
        return len(self.samples) / SAMPLE_RATE

    @property
    def peak_dbfs(self) -> float:
        peak = float(np.max(np.abs(self.samples))) if len(self.samples) else 0.0
        return 20.0 * float(np.log10(peak)) if peak > 0 else float("-inf")


def load_audio(path: Path) -> Audio:
    """Read ``path`` and return 16 kHz mono samples, or raise a one-line VoiceloopError."""
    if not path.exists():
        raise AudioUnreadable(f"no such file: {path}")
    if path.is_dir():
        raise AudioUnreadable(f"{path} is a directory, not an audio file")
    try:
        size = path.stat().st_size
    except OSError as err:
        raise AudioUnreadable(f"cannot read {path}: {err.strerror}") from err
    if size == 0:
        raise AudioUnreadable(f"{path} is empty (0 bytes)")
    if not os.access(path, os.R_OK):
        raise AudioUnreadable(f"cannot read {path}: permission denied")

    audio = _read_with_soundfile(path)
    if audio is None:
        audio = _read_with_pyav(path)
    if len(audio.samples) == 0:
        raise AudioUnreadable(f"{path} holds no audio samples")
    return audio


@contextlib.contextmanager
def _quiet_c_stderr() -> Iterator[None]:
    """Hide what C decoders print straight to file descriptor 2 (mpg123's "Note: ..." lines)."""
    try:
        fd = sys.stderr.fileno()
    except (AttributeError, OSError, ValueError):  # no real stderr (e.g. captured): nothing to hide
        yield
        return
    sys.stderr.flush()
    saved = os.dup(fd)
    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(devnull, fd)
        yield
    finally:
        os.dup2(saved, fd)
        os.close(saved)
        os.close(devnull)


def _read_with_soundfile(path: Path) -> Audio | None:
    import soundfile as sf

    try:
        with _quiet_c_stderr():
            info = sf.info(str(path))
    except (sf.LibsndfileError, RuntimeError, TypeError):
        return None  # not a format libsndfile knows: let PyAV try
    try:
        with _quiet_c_stderr():
            data, rate = sf.read(str(path), dtype="float32", always_2d=True)
    except (sf.LibsndfileError, RuntimeError) as err:
        raise AudioUnreadable(f"{path} is corrupt or truncated: {err}") from err
    if info.frames > 0 and len(data) < info.frames:
        raise AudioUnreadable(
            f"{path} is truncated: its header promises {info.frames / rate:.1f} s "
            f"but only {len(data) / rate:.1f} s is there"
        )
    mono = data.mean(axis=1) if data.shape[1] > 1 else data[:, 0]
    return Audio(resample(mono, rate), source_rate=rate, source_channels=info.channels)


def _read_with_pyav(path: Path) -> Audio:
    try:
        import av
        from faster_whisper.audio import decode_audio
    except ImportError as err:  # pragma: no cover - faster-whisper is a dependency
        raise AudioUnreadable(f"cannot decode {path}: {err}") from err
    try:
        with av.open(str(path), metadata_errors="ignore") as container:
            if not container.streams.audio:
                raise AudioUnreadable(f"{path} has no audio stream (not an audio file?)")
            stream = container.streams.audio[0]
            rate = int(stream.rate or SAMPLE_RATE)
            channels = int(stream.channels or 1)
        samples = decode_audio(str(path), sampling_rate=SAMPLE_RATE)
    except VoiceloopError:
        raise
    except Exception as err:  # PyAV raises many error types for undecodable input
        raise AudioUnreadable(
            f"cannot read {path} as audio (not an audio file, or corrupt): {type(err).__name__}"
        ) from err
    return Audio(np.asarray(samples, dtype=np.float32), source_rate=rate, source_channels=channels)


def resample(samples: np.ndarray, rate: int) -> np.ndarray:
    """Resample mono float32 ``samples`` from ``rate`` to ``SAMPLE_RATE``."""
    samples = np.ascontiguousarray(samples, dtype=np.float32)
    if rate == SAMPLE_RATE:
        return samples
    import soxr

    return np.asarray(soxr.resample(samples, rate, SAMPLE_RATE, quality="HQ"), dtype=np.float32)


def check_usable(audio: Audio, name: str) -> None:
    """Refuse audio too short or too quiet to hold a spoken answer."""
    if audio.seconds < MIN_SECONDS:
        raise NoSpeech(
            f"{name} is only {audio.seconds:.1f} s long; an answer needs at least "
            f"{MIN_SECONDS:.0f} s of speech",
            reason=f"only {audio.seconds:.1f} s recorded",
        )
    peak = audio.peak_dbfs
    if peak < SILENT_PEAK_DBFS:
        level = "silent" if peak == float("-inf") else f"near-silent (peak {peak:.0f} dBFS)"
        raise NoSpeech(
            f"{name} is {level}: no speech to analyze; check the microphone",
            reason="silent recording" if peak == float("-inf") else "near-silent recording",
        )


def write_wav(path: Path, samples: np.ndarray, rate: int = SAMPLE_RATE) -> None:
    """Write 16-bit PCM WAV atomically: a temporary file in the same folder, then rename."""
    import soundfile as sf

    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    os.close(fd)
    try:
        try:
            sf.write(tmp, np.clip(samples, -1.0, 1.0), rate, subtype="PCM_16", format="WAV")
        except sf.LibsndfileError as err:  # libsndfile reports a full disk as "System error"
            needed = 44 + 2 * len(samples)
            full = shutil.disk_usage(path.parent).free < needed
            code = errno.ENOSPC if full else errno.EIO
            raise OSError(code, os.strerror(code), str(path)) from err
        os.chmod(tmp, FILE_MODE)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
