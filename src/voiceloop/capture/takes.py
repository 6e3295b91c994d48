"""Takes in progress: the crash-safe WAV files under recordings/.takes/ and their sidecars.

A take is written to ``<recordings>/.takes/<id>.wav`` while it is recorded, with a sidecar
``<id>.json`` naming the question. Samples go to the operating system as each block arrives
and the WAV header's sizes are rewritten every half second, so a killed process leaves a
playable file; ``repair_wav`` fixes the header from the file's size so not even that half
second is lost. The recorder holds an exclusive ``flock`` on the file while it records, so
``voiceloop recover`` in another terminal never takes a recording still in progress.

Only the file format lives here; turning a take into a session is ``sessions.takes``.
"""

from __future__ import annotations

import contextlib
import errno
import os
import struct
import time
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from pydantic import BaseModel, ValidationError

from voiceloop.errors import VoiceloopError
from voiceloop.fsutil import FILE_MODE, atomic_write_text, describe_os_error
from voiceloop.models import Prompt

if TYPE_CHECKING:
    import numpy as np

try:  # POSIX: advisory locks mark a take as still being recorded
    import fcntl
except ImportError:  # pragma: no cover - Windows
    fcntl = None  # type: ignore[assignment]

TAKES_DIR = ".takes"
HEADER_BYTES = 44
HEADER_EVERY_S = 0.5  # rewrite the header's sizes this often
FSYNC_EVERY_S = 2.0  # and push the data to the disk itself this often


class TakeInfo(BaseModel):
    """The sidecar of a take: what was asked and when the answer began."""

    id: str
    started_at: str  # ISO 8601, local time with offset
    prompt: Prompt | None = None
    capture_rate: int
    device: str = ""
    status: Literal["recording", "stopped"] = "recording"

    @classmethod
    def begin(
        cls, prompt: Prompt | None, rate: int, device: str, when: datetime | None = None
    ) -> TakeInfo:
        """The sidecar of a take beginning ``when`` (now): its id and start time from it."""
        now = when or datetime.now().astimezone()
        return cls(
            id=new_take_id(now),
            started_at=now.isoformat(timespec="seconds"),
            prompt=prompt,
            capture_rate=rate,
            device=device,
        )

    def started(self) -> datetime:
        """When the answer began (now, when the sidecar's time cannot be read)."""
        try:
            return datetime.fromisoformat(self.started_at)
        except ValueError:
            return datetime.now().astimezone()


def takes_dir(recordings_dir: Path) -> Path:
    return recordings_dir / TAKES_DIR


def new_take_id(now: datetime) -> str:
    return f"{now:%Y%m%d-%H%M%S}-{os.getpid()}-{time.monotonic_ns() % 10_000:04d}"


def _header(rate: int, data_bytes: int) -> bytes:
    return (
        b"RIFF"
        + struct.pack("<I", 36 + data_bytes)
        + b"WAVEfmt "
        + struct.pack("<IHHIIHH", 16, 1, 1, rate, rate * 2, 2, 16)
        + b"data"
        + struct.pack("<I", data_bytes)
    )


class TakeWriter:
    """Append 16-bit mono PCM to a WAV file, keeping it playable at every moment."""

    def __init__(self, path: Path, rate: int) -> None:
        self.path = path
        self.rate = rate
        self.data_bytes = 0
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            self._fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, FILE_MODE)
        except OSError as err:
            raise describe_os_error(err, f"the take {path}") from err
        if fcntl is not None:
            fcntl.flock(self._fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        self._write_all(_header(rate, 0))
        now = time.monotonic()
        self._header_at = now
        self._fsync_at = now

    @property
    def frames(self) -> int:
        return self.data_bytes // 2

    @property
    def seconds(self) -> float:
        return self.frames / self.rate

    def _write_all(self, data: bytes) -> None:
        view = memoryview(data)
        while view:
            written = os.write(self._fd, view)
            view = view[written:]

    def write(self, pcm: bytes) -> None:
        """Append little-endian int16 samples; raises OSError (e.g. disk full) untouched."""
        self._write_all(pcm)
        self.data_bytes += len(pcm)
        now = time.monotonic()
        if now - self._header_at >= HEADER_EVERY_S:
            self._fix_header()
            self._header_at = now
        if now - self._fsync_at >= FSYNC_EVERY_S:
            os.fsync(self._fd)
            self._fsync_at = now

    def _fix_header(self) -> None:
        os.pwrite(self._fd, struct.pack("<I", 36 + self.data_bytes), 4)
        os.pwrite(self._fd, struct.pack("<I", self.data_bytes), 40)

    def close(self) -> None:
        if self._fd < 0:
            return
        try:
            self._fix_header()
            os.fsync(self._fd)
        finally:
            os.close(self._fd)  # also releases the lock
            self._fd = -1


def repair_wav(path: Path) -> int:
    """Make the header of a take match the samples on disk; return the number of frames."""
    with open(path, "r+b") as handle:
        head = handle.read(HEADER_BYTES)
        size = os.fstat(handle.fileno()).st_size
        if len(head) < HEADER_BYTES or head[:4] != b"RIFF" or head[8:12] != b"WAVE":
            raise VoiceloopError(f"{path} is not a voiceloop take (no WAV header)")
        rate = struct.unpack("<I", head[24:28])[0]
        data_bytes = (size - HEADER_BYTES) // 2 * 2
        if size != HEADER_BYTES + data_bytes:
            handle.truncate(HEADER_BYTES + data_bytes)  # half a sample from a torn write
        handle.seek(0)
        handle.write(_header(rate, data_bytes))
    return data_bytes // 2


def is_locked(path: Path) -> bool:
    """True while a recorder still holds the take open."""
    if fcntl is None:  # pragma: no cover - Windows
        return False
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return False
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError as err:
        if err.errno in (errno.EWOULDBLOCK, errno.EAGAIN, errno.EACCES):
            return True
        raise
    finally:
        os.close(fd)
    return False


@dataclass(frozen=True)
class Take:
    wav: Path
    info: TakeInfo

    @property
    def sidecar(self) -> Path:
        return self.wav.with_suffix(".json")

    def discard(self) -> None:
        self.wav.unlink(missing_ok=True)
        self.sidecar.unlink(missing_ok=True)


def start_take(recordings_dir: Path, info: TakeInfo) -> tuple[Take, TakeWriter]:
    """Create the sidecar and the WAV of a new take and return the open writer."""
    folder = takes_dir(recordings_dir)
    try:
        folder.mkdir(parents=True, exist_ok=True)
        take = Take(folder / f"{info.id}.wav", info)
        atomic_write_text(take.sidecar, info.model_dump_json(indent=2))
    except OSError as err:
        raise describe_os_error(err, f"the take folder {folder}") from err
    return take, TakeWriter(take.wav, info.capture_rate)


def mark_stopped(take: Take) -> Take:
    info = take.info.model_copy(update={"status": "stopped"})
    with contextlib.suppress(OSError):  # the sidecar only helps recovery; audio matters
        atomic_write_text(take.sidecar, info.model_dump_json(indent=2))
    return Take(take.wav, info)


def _read_info(wav: Path) -> TakeInfo:
    sidecar = wav.with_suffix(".json")
    try:
        return TakeInfo.model_validate_json(sidecar.read_text(encoding="utf-8"))
    except (OSError, ValidationError):  # lost or torn sidecar: the audio still counts
        started = datetime.fromtimestamp(wav.stat().st_mtime).astimezone()
        return TakeInfo(
            id=wav.stem,
            started_at=started.isoformat(timespec="seconds"),
            capture_rate=16_000,
            status="recording",
        )


def leftover_takes(recordings_dir: Path) -> list[Take]:
    """Takes left behind by a crash or kill (not those still being recorded), oldest first."""
    folder = takes_dir(recordings_dir)
    if not folder.is_dir():
        return []
    found = []
    for wav in sorted(folder.glob("*.wav")):
        if wav.name.startswith(".") or is_locked(wav):
            continue
        found.append(Take(wav, _read_info(wav)))
    return found


def read_take(take: Take) -> np.ndarray:
    """Repair the take's header and return its samples at 16 kHz (resampled if needed)."""
    import numpy as np

    from voiceloop.audio import load_audio

    frames = repair_wav(take.wav)
    if frames == 0:
        return np.zeros(0, dtype=np.float32)
    return load_audio(take.wav).samples
