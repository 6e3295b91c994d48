"""A microphone for machines without a sound card, driven through the real PortAudio path.

ALSA's ``file`` PCM plugin reads its capture data from ``$MIC_FILE`` (raw signed 16-bit mono
at the rate the stream opens). ``alsa_env`` writes an ALSA configuration that makes it the
default device and returns the environment that selects it:

- a plain file is read as fast as PortAudio asks (faster than real time): exact, for
  checking that the audio recorded equals the audio fed;
- ``FifoMic`` makes ``$MIC_FILE`` a FIFO fed at 32,000 bytes per second by a thread: a
  real-time microphone for wall-clock behaviour (Enter, Ctrl-C, kill, time to verdict).
"""

from __future__ import annotations

import contextlib
import errno
import os
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import numpy as np

RATE = 16_000
SYSTEM_ALSA_CONF = Path("/usr/share/alsa/alsa.conf")

FILE_MIC_CONF = """\
# voiceloop tests: a capture device that reads $MIC_FILE{playback_note}
pcm.filemic {{
    type asym
    capture.pcm {{
        type file
        slave.pcm "null"
        file "/dev/null"
        format "raw"
        infile {{ @func getenv vars [ MIC_FILE ] default "/dev/zero" }}
    }}
}}
pcm.!default {{ type asym {playback}capture.pcm "filemic" }}
"""
# No devices at all: the default is a sound card that does not exist. (A configuration with
# no definitions at all makes PortAudio's ALSA probe abort the process.)
NO_DEVICE_CONF = """\
# voiceloop tests: a machine with no sound card
pcm.!default { type hw card 0 }
"""


def mic_conf(playback: bool = True) -> str:
    """The ALSA configuration of the file-backed microphone, with or without playback."""
    if playback:
        return FILE_MIC_CONF.format(
            playback_note=", playback into the void", playback='playback.pcm "null" '
        )
    return FILE_MIC_CONF.format(playback_note="; no playback device", playback="")


def alsa_env(
    folder: Path, mic_file: Path | None = None, devices: bool = True, playback: bool = True
) -> dict[str, str]:
    """Environment variables that point ALSA at a file-backed microphone (or at nothing).

    With ``devices=False`` the configuration defines no device: a machine with no sound card.
    With ``playback=False`` there is a microphone but nothing to play sound on.
    """
    folder.mkdir(parents=True, exist_ok=True)
    conf = folder / "asound.conf"
    text = mic_conf(playback) if devices else NO_DEVICE_CONF
    conf.write_text(text, encoding="utf-8")
    env: dict[str, str] = {}
    if devices and SYSTEM_ALSA_CONF.is_file():
        env["ALSA_CONFIG_PATH"] = f"{SYSTEM_ALSA_CONF}:{conf}"
    elif devices:  # another layout: the system configuration reads ~/.asoundrc
        home = folder / "home"
        home.mkdir(exist_ok=True)
        (home / ".asoundrc").write_text(text, encoding="utf-8")
        env["HOME"] = str(home)
    else:
        env["ALSA_CONFIG_PATH"] = str(conf)
    env["MIC_FILE"] = str(mic_file) if mic_file is not None else "/dev/zero"
    return env


def to_pcm16(samples: np.ndarray) -> bytes:
    """Float samples in -1..1 (or int16) as raw little-endian 16-bit bytes."""
    if samples.dtype == np.int16:
        return bytes(samples.astype("<i2").tobytes())
    return bytes((np.clip(samples, -1.0, 1.0) * 32767).round().astype("<i2").tobytes())


def read_wav16(path: Path) -> np.ndarray:
    """A WAV file's samples as 16 kHz float32 (resampled if needed)."""
    import soundfile as sf

    from voiceloop.audio import resample

    data, rate = sf.read(str(path), dtype="float32", always_2d=True)
    samples: np.ndarray = resample(data.mean(axis=1), rate)
    return samples


class FifoMic:
    """Feeds raw 16 kHz s16 mono into a FIFO at real time, for as long as it runs.

    PortAudio opens and closes the capture device while it probes; each close breaks the
    pipe, so the writer reopens the FIFO and goes on from where it was. After the data it
    writes silence until stopped.

    ALSA's file plugin reads the FIFO once per period of the stream and copies only what
    that read returned, leaving the rest of the period stale: a read must find either a
    whole period in the pipe or nothing (then it blocks, which paces the stream). So
    ``chunk_s`` must be a whole multiple of the recorder's block (``RecordOptions.block_s``,
    0.1 s): each write then holds whole periods.

    ``pause()`` stops the flow with the FIFO still open (a device that hangs, as an
    unplugged one does); ``append()`` queues more speech (a second answer).
    """

    def __init__(self, path: Path, pcm: bytes, rate: int = RATE, chunk_s: float = 0.1) -> None:
        self.path = path
        self.pcm = pcm
        self.byte_rate = rate * 2
        self.chunk = max(2, int(rate * chunk_s) * 2)
        self.position = 0  # bytes of ``pcm`` written so far
        self.written = 0  # all bytes written (data and silence): the stream's clock
        self.opens = 0
        self.done = threading.Event()  # all of ``pcm`` has been written
        self.finished_at = 0.0  # time.monotonic() when the last data byte went out
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._paused = threading.Event()
        if path.exists():
            path.unlink()
        os.mkfifo(path)
        self._thread = threading.Thread(target=self._run, name="fifo-mic", daemon=True)

    @property
    def data_seconds(self) -> float:
        return len(self.pcm) / self.byte_rate

    @property
    def fed_seconds(self) -> float:
        """Seconds of ``pcm`` written so far."""
        return self.position / self.byte_rate

    def start(self) -> FifoMic:
        self._thread.start()
        return self

    def append(self, pcm: bytes) -> None:
        """More data to say after the current data (and whatever silence is going out now)."""
        with self._lock:
            self.pcm += pcm
            self.done.clear()

    def pause(self) -> None:
        self._paused.set()

    def stop(self) -> None:
        self._stop.set()
        # A writer blocked in open() waits for a reader: be that reader for a moment.
        with contextlib.suppress(OSError):
            fd = os.open(self.path, os.O_RDONLY | os.O_NONBLOCK)
            time.sleep(0.05)
            os.close(fd)
        self._thread.join(timeout=5)

    def wait_fed(self, timeout: float) -> bool:
        return self.done.wait(timeout)

    def wait_seconds(self, seconds: float, timeout: float) -> bool:
        """Wait until ``seconds`` of the data have been written."""
        deadline = time.monotonic() + timeout
        while self.fed_seconds < seconds:
            if time.monotonic() > deadline:
                return False
            time.sleep(0.02)
        return True

    def _next_piece(self, silence: bytes) -> bytes:
        with self._lock:
            if self.position < len(self.pcm):
                piece = self.pcm[self.position : self.position + self.chunk]
                if len(piece) < self.chunk:  # whole periods only (see the class notes)
                    piece += bytes(self.chunk - len(piece))
                return piece
        return silence

    def _run(self) -> None:
        silence = bytes(self.chunk)
        while not self._stop.is_set():
            try:
                fd = os.open(self.path, os.O_WRONLY)  # blocks until a reader opens it
            except OSError:
                return
            self.opens += 1
            start = time.monotonic() - self.written / self.byte_rate
            try:
                while not self._stop.is_set():
                    if self._paused.is_set():
                        time.sleep(0.02)
                        start = time.monotonic() - self.written / self.byte_rate
                        continue
                    delay = start + self.written / self.byte_rate - time.monotonic()
                    if delay > 0:
                        time.sleep(delay)
                    piece = self._next_piece(silence)
                    os.write(fd, piece)
                    self.written += len(piece)
                    with self._lock:
                        if self.position < len(self.pcm):
                            self.position = min(len(self.pcm), self.position + len(piece))
                            if self.position >= len(self.pcm):
                                self.finished_at = time.monotonic()
                                self.done.set()
            except OSError as err:
                if err.errno not in (errno.EPIPE, errno.EBADF):
                    raise
            finally:
                with contextlib.suppress(OSError):
                    os.close(fd)


@contextlib.contextmanager
def fifo_mic(path: Path, pcm: bytes) -> Iterator[FifoMic]:
    mic = FifoMic(path, pcm).start()
    try:
        yield mic
    finally:
        mic.stop()
