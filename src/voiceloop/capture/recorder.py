"""Record an answer from the microphone: stream to disk, live meter, stop rules.

PortAudio calls ``_Capture.callback`` on its own thread with each block; the callback only
copies the bytes into a queue (it never blocks or touches the disk). The calling thread
takes blocks off the queue, appends them to the take file (``takes.TakeWriter``), feeds the
``Monitor`` (levels, speech, warnings, stop rules) and redraws the live line.

A take stops on Enter, at ``max_seconds`` of audio, after ``silence_stop_s`` of silence once
the answer has started, after ``no_speech_stop_s`` when nobody has started speaking (a take
nobody answers must not run to the limit), on Ctrl-C (the take is kept), or when the device
stops delivering audio (unplugged, taken by another program). Audio time, not wall-clock
time, drives the rules, so a file-backed test device that runs faster than real time
behaves the same.
"""

from __future__ import annotations

import contextlib
import math
import os
import queue
import shutil
import signal
import sys
import threading
import time
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Any, Literal, TextIO

import numpy as np
from pydantic import BaseModel

from voiceloop.capture.devices import AudioDevice, load_sounddevice, pick_input
from voiceloop.capture.takes import Take, TakeInfo, mark_stopped, start_take
from voiceloop.clock import clock
from voiceloop.errors import VoiceloopError
from voiceloop.models import Prompt

PREFERRED_RATE = 16_000
SPEECH_FLOOR_DB = -45.0  # a block quieter than this never counts as speech
SPEECH_ABOVE_NOISE_DB = 12.0  # ... and it must stand this far above the noise floor
NOISE_CEILING_DB = -50.0  # the noise-floor estimate never rises above this
ANSWER_STARTS_AFTER_S = 0.5  # this much speech means the answer has begun
QUIET_SPEECH_DB = -38.0  # speech whose level stays below this is "too quiet"
CLIP_LEVEL = 32_700  # |sample| at or above this (of 32767) counts as clipping
WARN_SILENCE_S = 3.0  # show a silence warning after this long without speech

StopReason = Literal["enter", "max", "silence", "no_speech", "interrupt", "device", "disk"]
WarningKind = Literal["no_signal", "silence", "quiet", "clipping"]

STOP_TEXT: dict[str, str] = {
    "enter": "stopped (Enter)",
    "max": "stopped at the time limit",
    "silence": "stopped after a stretch of silence",
    "no_speech": "stopped: no speech heard",
    "interrupt": "stopped (Ctrl-C)",
    "device": "the microphone stopped delivering audio (unplugged or taken by another program?)",
    "disk": "could not write to the disk",
}
WARNING_SHORT: dict[str, str] = {  # for the live line, which must fit one terminal row
    "no_signal": "no sound: muted or wrong device?",
    "silence": "silence",
    "quiet": "too quiet: move closer or raise the gain",
    "clipping": "clipping: lower the gain",
}
WARNING_TEXT: dict[str, str] = {
    "no_signal": "no sound from the microphone: is it muted or the wrong device?",
    "silence": "silence",
    "quiet": "input is quiet: move closer or raise the input gain",
    "clipping": "clipping: lower the input gain or move back",
}


class RecordOptions(BaseModel):
    """How to record one answer."""

    device: str | None = None  # input device number or part of its name; None: the default
    max_seconds: float = 600.0
    silence_stop_s: float | None = 8.0  # None or 0: never stop on silence
    # Stop after this long when the answer has not started (less than ANSWER_STARTS_AFTER_S
    # of speech so far); None or 0: wait for speech until max_seconds.
    no_speech_stop_s: float | None = 15.0
    target_seconds: tuple[float, float] = (120.0, 180.0)
    capture_rate: int | None = None  # force a rate (tests); None: 16 kHz, else device default
    block_s: float = 0.1
    stall_s: float = 3.0  # no audio for this long (wall clock) means the device is gone
    stop_on_enter: bool = True


# --- levels, speech and stop rules -------------------------------------------------------


def dbfs(value: float) -> float:
    return 20.0 * math.log10(value / 32768.0) if value > 0 else float("-inf")


@dataclass
class Monitor:
    """Follows the input block by block: levels, speech, warnings and the stop rules."""

    rate: int
    silence_stop_s: float | None = 8.0
    max_seconds: float = 600.0
    no_speech_stop_s: float | None = None
    frames: int = 0
    rms_db: float = float("-inf")
    peak_db: float = float("-inf")
    noise_floor_db: float = -70.0
    speech_s: float = 0.0
    last_speech_end: float = 0.0
    ever_nonzero: bool = False
    last_clip_at: float = -10.0
    warnings_seen: set[str] = field(default_factory=set)
    _speech_levels: deque[tuple[float, float]] = field(default_factory=lambda: deque(maxlen=100))

    @property
    def elapsed(self) -> float:
        return self.frames / self.rate

    @property
    def answer_started(self) -> bool:
        return self.speech_s >= ANSWER_STARTS_AFTER_S

    @property
    def silent_for(self) -> float:
        """Seconds since the last speech (since the start when nobody has spoken yet)."""
        return self.elapsed - self.last_speech_end

    def feed(self, block: np.ndarray) -> StopReason | None:
        """Take one block of int16 mono samples; return a stop reason when a rule fires."""
        n = len(block)
        if n == 0:
            return None
        start = self.elapsed
        self.frames += n
        as_float = block.astype(np.float32)
        rms = float(np.sqrt(np.mean(as_float * as_float)))
        peak = float(np.max(np.abs(as_float)))
        self.rms_db, self.peak_db = dbfs(rms), dbfs(peak)
        if peak > 0:
            self.ever_nonzero = True
        if peak >= CLIP_LEVEL:
            self.last_clip_at = self.elapsed
            self.warnings_seen.add("clipping")
        # Noise floor: follows quiet blocks down at once, creeps up slowly (0.5 dB a second)
        # and never above NOISE_CEILING_DB, so steady speech is not mistaken for noise.
        if self.rms_db < self.noise_floor_db:
            self.noise_floor_db = max(self.rms_db, -100.0)
        else:
            self.noise_floor_db = min(self.noise_floor_db + 0.5 * n / self.rate, NOISE_CEILING_DB)
        threshold = max(SPEECH_FLOOR_DB, self.noise_floor_db + SPEECH_ABOVE_NOISE_DB)
        if self.rms_db >= threshold:
            self.speech_s += n / self.rate
            self.last_speech_end = self.elapsed
            self._speech_levels.append((self.elapsed, self.rms_db))
        warning = self.warning()
        if warning is not None:
            self.warnings_seen.add(warning)
        if self.elapsed >= self.max_seconds:
            return "max"
        if (
            self.silence_stop_s
            and self.answer_started
            and self.elapsed - self.last_speech_end >= self.silence_stop_s
            and start - self.last_speech_end < self.silence_stop_s
        ):
            return "silence"
        if (
            self.no_speech_stop_s
            and not self.answer_started
            and self.elapsed >= self.no_speech_stop_s
        ):
            return "no_speech"
        return None

    def warning(self) -> WarningKind | None:
        """The warning to show now, most urgent first."""
        if self.elapsed - self.last_clip_at < 2.0:
            return "clipping"
        if not self.ever_nonzero and self.elapsed >= WARN_SILENCE_S:
            return "no_signal"
        recent = [db for t, db in self._speech_levels if t >= self.elapsed - 5.0]
        if len(recent) >= 10 and float(np.median(recent)) < QUIET_SPEECH_DB:
            return "quiet"
        if (
            not self.answer_started
            and self.elapsed >= WARN_SILENCE_S
            and self.peak_db > dbfs(1.0)
            and self.peak_db < SPEECH_FLOOR_DB + 10
        ):
            return "quiet"
        if self.silent_for >= WARN_SILENCE_S:
            return "silence"
        return None


# --- the live line -------------------------------------------------------------------------


def meter_bar(level_db: float, width: int = 16) -> str:
    """``[#####.....]`` for -60..0 dBFS."""
    fill = (
        0
        if level_db == float("-inf")
        else round((min(max(level_db, -60.0), 0.0) + 60) / 60 * width)
    )
    return "[" + "#" * fill + "." * (width - fill) + "]"


def live_line(
    monitor: Monitor,
    target: tuple[float, float],
    silence_stop_s: float | None,
    no_speech_stop_s: float | None = None,
    coach: str = "",
) -> str:
    """One line: elapsed against the target, the input level and the current warning.

    ``coach`` (pace and fillers so far) takes the place of the "Enter stops" hint, after
    any warning, and a shorter meter without the dB figure, so the line fits 80 columns.
    """
    low, high = target
    parts = [f"REC {clock(monitor.elapsed, running=True)} / {clock(low)}-{clock(high)}"]
    if monitor.elapsed > high:
        parts[0] += " (over)"
    level = "  -inf" if monitor.rms_db == float("-inf") else f"{monitor.rms_db:4.0f} dB"
    if coach:
        parts.append(meter_bar(monitor.peak_db, width=10))
    else:
        parts.append(f"{meter_bar(monitor.peak_db)} {level}")
    warning = monitor.warning()
    if warning == "silence":
        text = f"silence {monitor.silent_for:.0f} s"
        if silence_stop_s and monitor.answer_started:
            text += f" (stops at {silence_stop_s:.0f} s)"
        elif not monitor.answer_started:
            text = "no speech yet" if no_speech_stop_s else "waiting for you to speak"
        parts.append(text)
    elif warning is not None:
        parts.append(WARNING_SHORT[warning])
    elif not coach:
        parts.append("Enter stops")
    if no_speech_stop_s and not monitor.answer_started and warning in ("silence", "no_signal"):
        parts[-1] += f" - stops at {no_speech_stop_s:.0f} s"
    if coach:
        parts.append(coach)
    return "  ".join(parts)


class LiveDisplay:
    """Redraws the live line on a terminal (at most 10 times a second); quiet otherwise."""

    def __init__(self, stream: TextIO | None = None) -> None:
        self.stream = stream or sys.stderr
        self.tty = self.stream.isatty()
        self._last = 0.0
        self._width = 0

    def update(self, line: str, force: bool = False) -> None:
        if not self.tty:
            return
        now = time.monotonic()
        if not force and now - self._last < 0.1:
            return
        self._last = now
        columns = shutil.get_terminal_size((80, 24)).columns - 1
        line = line[:columns]
        pad = max(0, self._width - len(line))
        self._width = len(line)
        self.stream.write("\r" + line + " " * pad)
        self.stream.flush()

    def finish(self) -> None:
        if self.tty and self._width:
            self.stream.write("\n")
            self.stream.flush()
            self._width = 0


# --- Enter to stop -----------------------------------------------------------------------


class EnterKey:
    """Notices a line on stdin (Enter) without blocking; ignores stdin at end of file."""

    def __init__(self, stream: TextIO | None = None) -> None:
        self.stream = stream if stream is not None else sys.stdin
        self.closed = self.stream is None or self.stream.closed
        try:
            self.fd = self.stream.fileno()
        except (AttributeError, OSError, ValueError):
            self.closed = True
            self.fd = -1

    def discard_typeahead(self) -> None:
        """Forget keys pressed before recording began (terminal only)."""
        if self.closed or not self.stream.isatty():
            return
        with contextlib.suppress(ImportError, OSError):
            import termios

            termios.tcflush(self.fd, termios.TCIFLUSH)

    def pressed(self) -> bool:
        if self.closed:
            return False
        if sys.platform.startswith("win"):  # pragma: no cover - Windows console
            import msvcrt

            hit = False
            while msvcrt.kbhit():
                hit = msvcrt.getwch() in "\r\n" or hit
            return hit
        import select

        try:
            ready, _, _ = select.select([self.fd], [], [], 0)
        except (OSError, ValueError):
            self.closed = True
            return False
        if not ready:
            return False
        line = self.stream.readline()
        if line == "":
            self.closed = True  # end of input: only the other rules can stop the take
            return False
        return True


# --- capture -------------------------------------------------------------------------------


@dataclass
class Recording:
    """A finished take: where it is on disk and how it ended."""

    take: Take
    seconds: float
    reason: StopReason
    device: AudioDevice
    capture_rate: int
    speech_s: float
    warnings: list[str]
    overflows: int = 0
    error: str = ""
    second_interrupt: bool = False  # Ctrl-C pressed again: save without analysis

    @property
    def reason_text(self) -> str:
        text = STOP_TEXT[self.reason]
        if self.reason == "no_speech":
            text = f"stopped: no speech in the first {self.seconds:.0f} s"
        return f"{text}: {self.error}" if self.error else text


def choose_format(sd: ModuleType, device: AudioDevice, forced_rate: int | None) -> tuple[int, int]:
    """(rate, channels) the device accepts: 16 kHz mono when it can, else its own rate."""
    rates = [forced_rate] if forced_rate else [PREFERRED_RATE, int(device.default_samplerate)]
    channels_options = [1, 2] if device.max_input_channels >= 2 else [1]
    last_error: Exception | None = None
    for rate in dict.fromkeys(rates):
        for channels in channels_options:
            try:
                sd.check_input_settings(
                    device=device.index, channels=channels, dtype="int16", samplerate=rate
                )
                return rate, channels
            except Exception as err:  # sounddevice.PortAudioError
                last_error = err
    raise VoiceloopError(
        f"the microphone {device.name} accepts neither 16 kHz nor its own rate "
        f"({int(device.default_samplerate)} Hz) for 16-bit input: {last_error}"
    )


def describe_open_error(err: Exception, device: AudioDevice) -> VoiceloopError:
    text = str(err)
    lowered = text.lower()
    if "busy" in lowered or "unavailable" in lowered or "-9985" in text:
        return VoiceloopError(
            f"the microphone {device.name} is busy (another program is using it?): {text}"
        )
    if "no such" in lowered or "invalid device" in lowered or "-9996" in text:
        return VoiceloopError(f"the microphone {device.name} is gone (unplugged?): {text}")
    return VoiceloopError(f"cannot open the microphone {device.name}: {text}")


class _Capture:
    """The PortAudio side: a callback that queues blocks, and stops at the frame limit."""

    def __init__(self, max_frames: int, frame_bytes: int) -> None:
        self.blocks: queue.Queue[bytes | None] = queue.Queue()
        self.max_frames = max_frames
        self.frame_bytes = frame_bytes
        self.frames = 0
        self.overflows = 0
        self.stop_class: type[BaseException] = Exception

    def callback(self, indata: Any, frames: int, _time: Any, status: Any) -> None:
        if status and getattr(status, "input_overflow", False):
            self.overflows += 1
        remaining = self.max_frames - self.frames
        if frames >= remaining:
            self.blocks.put(bytes(indata)[: remaining * self.frame_bytes])
            self.frames += remaining
            raise self.stop_class
        self.blocks.put(bytes(indata))
        self.frames += frames

    def finished(self) -> None:
        self.blocks.put(None)


@contextlib.contextmanager
def sigint_deferred() -> Iterator[list[bool]]:
    """Hold Ctrl-C off while a file is closed so a press cannot tear it; note it instead.

    Yields a one-item list that is ``[True]`` once Ctrl-C was pressed inside the block.
    """
    pressed = [False]
    if threading.current_thread() is not threading.main_thread():
        yield pressed
        return

    def note(_signum: int, _frame: object) -> None:
        pressed[0] = True

    previous = signal.signal(signal.SIGINT, note)
    try:
        yield pressed
    finally:
        signal.signal(signal.SIGINT, previous)


HUNG_STREAMS: list[Any] = []  # streams a hung device would not let go (see close_stream)
CLOSE_TIMEOUT_S = 2.0


def close_stream(stream: Any) -> bool:
    """Abort and close ``stream``; False when the device hangs and it had to be abandoned.

    PortAudio's abort waits for its audio thread, which a hung device can block forever.
    Closing happens on a helper thread so the take is finished regardless; a process that
    abandoned a stream should end with ``os._exit`` (PortAudio's own exit would wait too).
    """

    def work() -> None:
        with contextlib.suppress(Exception):
            stream.abort()
        with contextlib.suppress(Exception):
            stream.close()

    closer = threading.Thread(target=work, name="close-stream", daemon=True)
    closer.start()
    closer.join(CLOSE_TIMEOUT_S)
    if closer.is_alive():
        HUNG_STREAMS.append(stream)
        return False
    return True


def record(
    recordings_dir: Path,
    options: RecordOptions,
    prompt: Prompt | None = None,
    display: LiveDisplay | None = None,
    enter: EnterKey | None = None,
    on_block: Callable[[np.ndarray, int], None] | None = None,
    coach: Callable[[], str] | None = None,
) -> Recording:
    """Record one answer into ``recordings/.takes/`` and return the finished take.

    ``on_block(samples, rate)`` sees each block (int16 mono) after it is on disk, on the
    thread that writes the take; it must return at once (e.g. put the block on a queue).
    If it raises, it is not called again and the recording goes on.

    ``coach()`` gives text for the end of the live line (pace and fillers so far); it is
    called on the same thread each time the line is drawn, so it must return at once and
    never wait for a lock the transcriber holds. If it raises, the line goes on without it.
    """
    sd = load_sounddevice()
    device = pick_input(options.device)
    rate, channels = choose_format(sd, device, options.capture_rate)
    capture = _Capture(max(1, int(options.max_seconds * rate)), 2 * channels)
    capture.stop_class = sd.CallbackStop
    try:
        stream = sd.RawInputStream(
            samplerate=rate,
            device=device.index,
            channels=channels,
            dtype="int16",
            blocksize=max(1, int(rate * options.block_s)),
            callback=capture.callback,
            finished_callback=capture.finished,
        )
    except Exception as err:  # sounddevice.PortAudioError
        raise describe_open_error(err, device) from err

    info = TakeInfo.begin(prompt, rate, device.name)
    try:
        take, writer = start_take(recordings_dir, info)
    except BaseException:
        stream.close()
        raise
    monitor = Monitor(
        rate, options.silence_stop_s, options.max_seconds, options.no_speech_stop_s or None
    )
    reason: StopReason | None = None
    error = ""
    keep_queued = True  # after Enter, Ctrl-C or a device error, keep what was already captured
    consumers = [on_block] if on_block is not None else []

    def consume(block: bytes) -> StopReason | None:
        samples = np.frombuffer(block, dtype="<i2")
        if channels > 1:
            samples = samples.reshape(-1, channels).mean(axis=1).astype("<i2")
            block = samples.tobytes()
        writer.write(block)
        if consumers:
            try:
                consumers[0](samples, rate)
            except Exception:  # a broken consumer must not cost the take
                consumers.clear()
        return monitor.feed(samples)

    coaches = [coach] if coach is not None else []

    def line() -> str:
        said = ""
        if coaches:
            try:
                said = coaches[0]()
            except Exception:  # a broken coach must not cost the take
                coaches.clear()
        return live_line(
            monitor,
            options.target_seconds,
            options.silence_stop_s,
            options.no_speech_stop_s,
            coach=said,
        )

    if enter is not None:
        enter.discard_typeahead()
    try:
        stream.start()
    except Exception as err:  # sounddevice.PortAudioError: busy, gone, refused
        writer.close()
        take.discard()
        close_stream(stream)
        raise describe_open_error(err, device) from err
    # Ctrl-C during the take is noted by a handler and read by the loop, never raised as
    # KeyboardInterrupt: raised inside a consumer (resampling for the incremental
    # transcriber), a library could turn it into an error of its own and lose the press.
    interrupted = contextlib.ExitStack()
    ctrl_c = interrupted.enter_context(sigint_deferred())
    try:
        last_block_at = time.monotonic()
        while reason is None:
            if ctrl_c[0]:
                reason, keep_queued = "interrupt", True
                break
            try:
                block = capture.blocks.get(timeout=0.05)
            except queue.Empty:
                block = b""
                if time.monotonic() - last_block_at > options.stall_s:
                    reason, keep_queued = "device", True
                    error = f"no audio for {options.stall_s:.0f} s"
            else:
                if block is None:
                    if capture.frames >= capture.max_frames:
                        reason = "max"
                    else:
                        reason, error = "device", "the audio stream ended"
                    break
                last_block_at = time.monotonic()
                try:
                    reason = consume(block)
                except OSError as err:
                    reason, keep_queued, error = "disk", False, os.strerror(err.errno or 0)
                if reason in ("max", "silence", "no_speech"):
                    keep_queued = False
            if reason is None and options.stop_on_enter and enter is not None and enter.pressed():
                reason = "enter"
            if display is not None and display.tty:
                display.update(line())
    except KeyboardInterrupt:  # only off the main thread, where no handler can be set
        reason, keep_queued = "interrupt", True
    finally:
        interrupted.close()
        with sigint_deferred() as pressed:
            if not close_stream(stream):
                error = (error + "; " if error else "") + "the device did not close"
            if keep_queued:
                with contextlib.suppress(OSError):
                    while True:
                        try:
                            block = capture.blocks.get_nowait()
                        except queue.Empty:
                            break
                        if block:
                            consume(block)
            with contextlib.suppress(OSError):
                writer.close()
            take = mark_stopped(take)
            if display is not None:
                display.update(line(), force=True)
                display.finish()
    second_interrupt = False
    if pressed[0]:  # Ctrl-C while the take was being closed
        second_interrupt = reason == "interrupt"
        reason = "interrupt"
    return Recording(
        take=take,
        seconds=writer.seconds,
        reason=reason or "interrupt",
        second_interrupt=second_interrupt,
        device=device,
        capture_rate=rate,
        speech_s=monitor.speech_s,
        warnings=sorted(monitor.warnings_seen - {"silence"}),
        overflows=capture.overflows,
        error=error,
    )
