"""Answers recorded in a browser: audio chunks become the same crash-safe take as the CLI's.

The page captures the microphone and posts 16-bit mono PCM every quarter second. Each chunk
is appended to the take file (``capture.takes``: written through to the operating system,
header kept playable) as soon as it arrives and handed to the same incremental transcriber
as ``voiceloop practice``, so a closed tab, a lost connection or a killed server loses at
most the chunk in flight. A take that stops receiving audio for ``idle_s`` is closed and
left in recordings/.takes/, where ``voiceloop recover`` (or the page) finds it. Stop closes
the take and settles it exactly as the CLI does (``sessions.takes.settle_take``).
"""

from __future__ import annotations

import contextlib
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from voiceloop.capture.takes import (
    Take,
    TakeInfo,
    TakeWriter,
    mark_stopped,
    start_take,
)
from voiceloop.errors import VoiceloopError

if TYPE_CHECKING:
    from voiceloop.models import Prompt
    from voiceloop.sessions.takes import Outcome
    from voiceloop.transcribe.decode import TranscribeOptions
    from voiceloop.transcribe.incremental import IncrementalTranscriber

MIN_RATE, MAX_RATE = 8_000, 192_000
MAX_CHUNK_BYTES = 1 << 20  # over 2 s of audio at any rate the page may use
IDLE_S = 10.0  # a take with no audio this long is left for recovery


class TakeGone(VoiceloopError):
    """The take is not being recorded (never was, already stopped, or left for recovery)."""


class BadChunk(VoiceloopError):
    """A chunk out of order, too big, or not whole 16-bit samples."""


@dataclass
class LiveTake:
    """A take being recorded from a page: its file, its writer and its transcriber."""

    take: Take
    writer: TakeWriter
    worker: IncrementalTranscriber | None
    next_seq: int = 0
    last_audio: float = field(default_factory=time.monotonic)
    lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def id(self) -> str:
        return self.take.info.id

    def words_since(self, index: int) -> list[str]:
        if self.worker is None:
            return []
        words = list(self.worker.words)  # appended by the transcriber's thread
        words.sort(key=lambda w: w.start)
        return [w.text for w in words[max(0, index) :]]


class LiveTakes:
    """The takes a server is recording; one lock per take, one for the table."""

    def __init__(
        self,
        recordings_dir: Path,
        options: TranscribeOptions,
        ready: threading.Thread | None = None,
        idle_s: float = IDLE_S,
        incremental: bool = True,
    ) -> None:
        self.recordings_dir = recordings_dir
        self.options = options
        self.ready = ready
        self.idle_s = idle_s
        self.incremental = incremental
        self._takes: dict[str, LiveTake] = {}
        self._lock = threading.Lock()

    def start(self, prompt: Prompt | None, rate: int, device: str = "browser") -> LiveTake:
        """Open a new take file for audio at ``rate`` (the page's capture rate)."""
        from voiceloop.transcribe.incremental import IncrementalTranscriber

        if not MIN_RATE <= rate <= MAX_RATE:
            raise BadChunk(f"a capture rate of {rate} Hz is not supported")
        info = TakeInfo.begin(prompt, rate, device)
        take, writer = start_take(self.recordings_dir, info)
        worker = (
            IncrementalTranscriber(self.options, ready=self.ready) if self.incremental else None
        )
        live = LiveTake(take, writer, worker)
        with self._lock:
            self._takes[live.id] = live
        return live

    def get(self, take_id: str) -> LiveTake:
        with self._lock:
            live = self._takes.get(take_id)
        if live is None:
            raise TakeGone(f"no answer '{take_id}' is being recorded")
        return live

    def append(self, take_id: str, seq: int, pcm: bytes) -> LiveTake:
        """Write one chunk (int16 little-endian mono) and feed it to the transcriber.

        ``seq`` numbers the page's chunks from 0: a chunk sent twice (a retry after a lost
        answer) is ignored, one from the future is refused, so the file keeps their order.
        """
        import numpy as np

        if len(pcm) % 2 or len(pcm) > MAX_CHUNK_BYTES:
            raise BadChunk("a chunk must be whole 16-bit samples and at most 1 MiB")
        live = self.get(take_id)
        with live.lock:
            if self._takes.get(take_id) is not live:
                raise TakeGone(f"the answer '{take_id}' is no longer being recorded")
            if seq < live.next_seq:
                return live  # already written
            if seq > live.next_seq:
                raise BadChunk(f"chunk {seq} came before chunk {live.next_seq}")
            if pcm:
                live.writer.write(pcm)
                if live.worker is not None:
                    live.worker.feed(np.frombuffer(pcm, dtype="<i2").copy(), live.writer.rate)
            live.next_seq += 1
            live.last_audio = time.monotonic()
        return live

    def _remove(self, take_id: str) -> LiveTake:
        with self._lock:
            live = self._takes.pop(take_id, None)
        if live is None:
            raise TakeGone(f"no answer '{take_id}' is being recorded")
        return live

    def stop(self, take_id: str) -> Outcome:
        """Close the take and settle it into a session, as ``voiceloop practice`` does."""
        from voiceloop.sessions.takes import settle_take

        live = self._remove(take_id)
        with live.lock:
            live.writer.close()
            take = mark_stopped(live.take)
            transcript = None
            try:
                if live.worker is not None:
                    # like the CLI's finish_incremental: None means transcribe the whole take
                    transcript = live.worker.finish(duration=live.writer.seconds)
                return settle_take(self.recordings_dir, take, self.options, transcript)
            except BaseException:
                if live.worker is not None:
                    live.worker.abandon()
                raise

    def leave(self, take_id: str) -> Path:
        """Stop recording without settling: the take stays for ``voiceloop recover``."""
        live = self._remove(take_id)
        with live.lock:
            live.writer.close()  # releases the lock that hides a take from recovery
            if live.worker is not None:
                live.worker.abandon()
        return live.take.wav

    def idle(self, now: float | None = None) -> list[str]:
        """Ids of takes that have had no audio for ``idle_s``."""
        now = time.monotonic() if now is None else now
        with self._lock:
            return [t.id for t in self._takes.values() if now - t.last_audio >= self.idle_s]

    def leave_idle(self) -> list[Path]:
        """Leave every idle take for recovery (the page was closed or lost its connection)."""
        left = []
        for take_id in self.idle():
            with contextlib.suppress(TakeGone):
                left.append(self.leave(take_id))
        return left

    def leave_all(self) -> None:
        """On shutdown: every take still open becomes a take to recover."""
        with self._lock:
            ids = list(self._takes)
        for take_id in ids:
            with contextlib.suppress(TakeGone):
                self.leave(take_id)
