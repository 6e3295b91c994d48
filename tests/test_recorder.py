"""The recorder: stop rules and meter (pure), the crash-safe take file, and real capture.

The capture tests go through sounddevice and PortAudio into ALSA's file plugin (see
fakemic.py): a plain file for the exact frames-in-equals-frames-out check, a FIFO fed at
real time for wall-clock behaviour. No sound card is needed.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import numpy as np
import pytest
import soundfile as sf

from fakemic import RATE, FifoMic, alsa_env, to_pcm16
from voiceloop.capture.devices import AudioDevice, NoInputDevice
from voiceloop.capture.recorder import (
    CLOSE_TIMEOUT_S,
    EnterKey,
    Monitor,
    RecordOptions,
    choose_format,
    describe_open_error,
    live_line,
    meter_bar,
    record,
)
from voiceloop.capture.takes import (
    HEADER_BYTES,
    TakeInfo,
    TakeWriter,
    leftover_takes,
    read_take,
    repair_wav,
    start_take,
)
from voiceloop.errors import VoiceloopError
from voiceloop.models import Prompt

# --- helpers --------------------------------------------------------------------------------


def tone(seconds: float, amplitude: float = 0.3, hz: float = 220.0, rate: int = RATE) -> np.ndarray:
    t = np.arange(int(seconds * rate)) / rate
    return (amplitude * 32767 * np.sin(2 * np.pi * hz * t)).astype(np.int16)


def silence(seconds: float, rate: int = RATE) -> np.ndarray:
    return np.zeros(int(seconds * rate), dtype=np.int16)


def feed(monitor: Monitor, samples: np.ndarray, block: int = 1600) -> list[tuple[float, str]]:
    """Feed in blocks; return (time, reason) of every stop rule that fired."""
    fired: list[tuple[float, str]] = []
    for i in range(0, len(samples), block):
        reason = monitor.feed(samples[i : i + block])
        if reason is not None:
            fired.append((monitor.elapsed, reason))
    return fired


# --- the monitor: speech, silence stop, warnings -----------------------------------------


def test_silence_stop_fires_once_after_the_answer_has_started() -> None:
    monitor = Monitor(RATE, silence_stop_s=2.0, max_seconds=600)
    fired = feed(monitor, np.concatenate([silence(4.0), tone(3.0), silence(5.0)]))
    # 4 s of silence before speaking never stops the take; 2 s after the speech does.
    assert len(fired) == 1
    when, reason = fired[0]
    assert reason == "silence"
    assert when == pytest.approx(7.0 + 2.0, abs=0.11)
    assert monitor.speech_s == pytest.approx(3.0, abs=0.11)


def test_a_take_nobody_answers_stops_after_the_no_speech_time() -> None:
    monitor = Monitor(RATE, silence_stop_s=8.0, max_seconds=600, no_speech_stop_s=15.0)
    # 0.3 s of speech (a cough) does not start the answer, so it does not reset the wait.
    fired = feed(monitor, np.concatenate([silence(6.0), tone(0.3), silence(30.0)]))
    assert fired[0] == (pytest.approx(15.0, abs=0.01), "no_speech")
    assert not monitor.answer_started

    answered = Monitor(RATE, silence_stop_s=None, max_seconds=600, no_speech_stop_s=15.0)
    # Speech that starts before the limit turns the rule off for good: a long pause later
    # is the silence rule's business (here off), never this one's.
    assert feed(answered, np.concatenate([silence(12.0), tone(2.0), silence(30.0)])) == []

    patient = Monitor(RATE, silence_stop_s=8.0, max_seconds=40.0, no_speech_stop_s=None)
    assert feed(patient, silence(45.0))[0] == (pytest.approx(40.0, abs=0.01), "max")


def test_no_silence_stop_when_disabled_and_max_seconds_counts_audio_time() -> None:
    monitor = Monitor(RATE, silence_stop_s=None, max_seconds=6.0)
    fired = feed(monitor, np.concatenate([tone(1.0), silence(8.0)]))
    when, reason = fired[0]
    assert reason == "max"
    assert when == pytest.approx(6.0, abs=0.01)


def test_a_click_does_not_start_the_answer() -> None:
    monitor = Monitor(RATE, silence_stop_s=1.0)
    fired = feed(monitor, np.concatenate([silence(1.0), tone(0.2), silence(3.0)]))
    assert not monitor.answer_started
    assert fired == []


def test_warnings_clipping_no_signal_quiet_and_silence() -> None:
    clipped = Monitor(RATE)
    feed(clipped, np.clip(tone(1.0, amplitude=1.5), -32768, 32767).astype(np.int16))
    assert clipped.warning() == "clipping"

    dead = Monitor(RATE)
    feed(dead, silence(3.5))
    assert dead.warning() == "no_signal"

    quiet = Monitor(RATE)  # speech-like level, but far below a normal speaking level
    feed(quiet, np.concatenate([silence(0.5, RATE) + 1, tone(4.0, amplitude=0.012)]))
    assert quiet.answer_started
    assert quiet.warning() == "quiet"

    paused = Monitor(RATE)
    feed(paused, np.concatenate([tone(2.0), silence(3.5)]))
    assert paused.warning() == "silence"
    assert paused.warnings_seen >= {"silence"}

    fine = Monitor(RATE)
    feed(fine, tone(3.0))
    assert fine.warning() is None


def test_live_line_shows_elapsed_against_target_level_and_state() -> None:
    monitor = Monitor(RATE, silence_stop_s=8.0)
    feed(monitor, tone(65.0, amplitude=0.1))
    line = live_line(monitor, (60.0, 90.0), 8.0)
    assert line.startswith("REC 1:05 / 1:00-1:30")
    assert "Enter stops" in line
    assert "[" in line and "#" in line
    feed(monitor, silence(4.0))
    assert "silence 4 s (stops at 8 s)" in live_line(monitor, (60.0, 90.0), 8.0)
    feed(monitor, tone(30.0, amplitude=0.1))
    assert "(over)" in live_line(monitor, (60.0, 90.0), 8.0)
    waiting = Monitor(RATE)
    feed(waiting, np.concatenate([silence(1.0) + 1, silence(4.0)]))  # a live but quiet input
    assert "no speech yet - stops at 15 s" in live_line(waiting, (60.0, 90.0), 8.0, 15.0)
    assert "waiting for you to speak" in live_line(waiting, (60.0, 90.0), 8.0, None)
    dead = Monitor(RATE)
    feed(dead, silence(4.0))
    assert "muted or wrong device? - stops at 15 s" in live_line(dead, (60.0, 90.0), 8.0, 15.0)
    speaking = Monitor(RATE, silence_stop_s=8.0)
    feed(speaking, tone(65.0, amplitude=0.1))
    coached = live_line(
        speaking, (120.0, 180.0), 8.0, 15.0, coach="172 wpm, 2 fillers - slow down a little"
    )
    assert coached.endswith("]  172 wpm, 2 fillers - slow down a little")
    assert "Enter stops" not in coached and len(coached) < 80  # fits an 80-column terminal
    assert meter_bar(float("-inf"), 10) == "[..........]"
    assert meter_bar(0.0, 10) == "[##########]"
    assert meter_bar(-30.0, 10) == "[#####.....]"


def test_enter_key_reads_a_line_from_a_pipe_and_ignores_end_of_input() -> None:
    read_fd, write_fd = os.pipe()
    with os.fdopen(read_fd, "r") as reader:
        key = EnterKey(reader)
        assert not key.pressed()
        os.write(write_fd, b"\n")
        time.sleep(0.05)
        assert key.pressed()
        assert not key.pressed()
        os.close(write_fd)
        assert not key.pressed()  # end of file: not a key press
        assert key.closed


# --- the take file ------------------------------------------------------------------------


WRITER_SCRIPT = textwrap.dedent(
    """
    import sys, time
    from pathlib import Path
    from voiceloop.capture.takes import TakeWriter
    data = Path(sys.argv[2]).read_bytes()
    writer = TakeWriter(Path(sys.argv[1]), 16000)
    block = 3200  # 0.1 s
    for i in range(0, len(data), block):
        writer.write(data[i:i + block])
        print(writer.frames, flush=True)
        time.sleep(0.1)
    time.sleep(60)
    """
)


def test_a_killed_writer_leaves_a_playable_take_that_repairs_to_every_frame(
    tmp_path: Path,
) -> None:
    samples = tone(3.0, amplitude=0.2)
    raw = tmp_path / "in.raw"
    raw.write_bytes(to_pcm16(samples))
    wav = tmp_path / "take.wav"
    child = subprocess.Popen(
        [sys.executable, "-c", WRITER_SCRIPT, str(wav), str(raw)],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert child.stdout is not None
    frames = 0
    while frames < int(1.7 * RATE):
        frames = int(child.stdout.readline())
    child.send_signal(signal.SIGKILL)
    child.wait()

    # Playable as it stands: the header was rewritten at most half a second ago.
    data, rate = sf.read(str(wav), dtype="int16")
    assert rate == RATE
    assert frames - 0.6 * RATE <= len(data) <= frames
    assert np.array_equal(data, samples[: len(data)])
    # Repaired from the file size: every frame written before the kill is back.
    assert repair_wav(wav) == frames
    data, _ = sf.read(str(wav), dtype="int16")
    assert np.array_equal(data, samples[:frames])


def test_a_take_being_recorded_is_locked_and_not_a_leftover(tmp_path: Path) -> None:
    info = TakeInfo(id="t1", started_at="2024-05-01T10:00:00+00:00", capture_rate=RATE)
    take, writer = start_take(tmp_path, info)
    writer.write(to_pcm16(tone(0.5)))
    assert leftover_takes(tmp_path) == []  # still recording: recover must not touch it
    writer.close()
    left = leftover_takes(tmp_path)
    assert [t.wav for t in left] == [take.wav]
    assert len(read_take(left[0])) == int(0.5 * RATE)


def test_repair_drops_half_a_sample_and_refuses_a_foreign_file(tmp_path: Path) -> None:
    wav = tmp_path / "t.wav"
    writer = TakeWriter(wav, RATE)
    writer.write(to_pcm16(tone(0.2)))
    os.close(writer._fd)  # a crash: no final header
    with open(wav, "ab") as handle:
        handle.write(b"\x01")  # a torn last sample
    assert repair_wav(wav) == int(0.2 * RATE)
    assert wav.stat().st_size == HEADER_BYTES + 2 * int(0.2 * RATE)
    junk = tmp_path / "junk.wav"
    junk.write_bytes(b"not a wav file at all, but long enough to have a header......")
    with pytest.raises(VoiceloopError, match="not a voiceloop take"):
        repair_wav(junk)


# --- format choice ------------------------------------------------------------------------


class FussyDevices:
    """A stand-in for sounddevice that accepts only the rates and channels listed."""

    def __init__(self, rates: set[int], channels: set[int]) -> None:
        self.rates, self.channels = rates, channels

    def check_input_settings(self, **kw: Any) -> None:
        if kw["samplerate"] not in self.rates or kw["channels"] not in self.channels:
            raise RuntimeError("Invalid sample rate")


def device(rate: float = 48_000, channels: int = 2) -> AudioDevice:
    return AudioDevice(
        index=3,
        name="USB mic",
        hostapi="ALSA",
        max_input_channels=channels,
        max_output_channels=0,
        default_samplerate=rate,
    )


def test_choose_format_prefers_16k_mono_then_the_devices_own_rate() -> None:
    fussy: Any = FussyDevices({16_000, 48_000}, {1, 2})
    assert choose_format(fussy, device(), None) == (16_000, 1)
    only48: Any = FussyDevices({48_000}, {2})
    assert choose_format(only48, device(), None) == (48_000, 2)
    nothing: Any = FussyDevices(set(), {1})
    with pytest.raises(VoiceloopError, match="accepts neither 16 kHz"):
        choose_format(nothing, device(44_100, 1), None)


def test_open_errors_name_the_likely_cause() -> None:
    mic = device()
    busy = describe_open_error(
        RuntimeError("Error opening RawInputStream: Device unavailable [PaErrorCode -9985]"), mic
    )
    assert "USB mic is busy" in str(busy)
    gone = describe_open_error(RuntimeError("Invalid device [PaErrorCode -9996]"), mic)
    assert "gone (unplugged?)" in str(gone)
    other = describe_open_error(RuntimeError("Unanticipated host error"), mic)
    assert str(other).startswith("cannot open the microphone USB mic")


# --- real capture through PortAudio ------------------------------------------------------


@pytest.fixture
def portaudio(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> Iterator[Callable[..., ModuleType]]:
    """Point PortAudio (in this process) at a file-backed ALSA device, then restore it."""
    try:
        import sounddevice as sd
    except OSError:
        pytest.fail("PortAudio is missing: run scripts/install-system-deps.sh")

    def use(mic_file: Path | None, devices: bool = True, playback: bool = True) -> ModuleType:
        for key, value in alsa_env(tmp_path / "alsa", mic_file, devices, playback).items():
            monkeypatch.setenv(key, value)
        sd._terminate()  # re-scan devices with the new configuration
        sd._initialize()
        module: ModuleType = sd
        return module

    yield use
    monkeypatch.undo()
    sd._terminate()
    sd._initialize()


@pytest.mark.slow
def test_file_device_audio_recorded_equals_audio_fed(
    portaudio: Callable[..., ModuleType], tmp_path: Path
) -> None:
    rng = np.random.default_rng(7)
    fed = (rng.standard_normal(int(4.3 * RATE)) * 4000).clip(-32768, 32767).astype(np.int16)
    mic = tmp_path / "mic.raw"
    mic.write_bytes(to_pcm16(fed))
    portaudio(mic)
    prompt = Prompt(id="p1", text="Tell me about yourself.", kind="intro")
    rec = record(
        tmp_path / "rec", RecordOptions(max_seconds=len(fed) / RATE, silence_stop_s=None), prompt
    )
    assert rec.reason == "max"
    assert rec.capture_rate == RATE
    assert rec.overflows == 0
    data, rate = sf.read(str(rec.take.wav), dtype="int16")
    assert rate == RATE
    assert len(data) == len(fed)  # no frame dropped or added
    assert np.array_equal(data, fed)  # byte for byte
    assert rec.take.info.prompt == prompt
    assert rec.take.info.status == "stopped"


@pytest.mark.slow
def test_a_device_rate_other_than_16k_is_resampled(
    portaudio: Callable[..., ModuleType], tmp_path: Path
) -> None:
    import soxr

    rate = 48_000
    t = np.arange(int(2.0 * rate)) / rate
    fed = (0.25 * 32767 * np.sin(2 * np.pi * 300 * t)).astype(np.int16)
    mic = tmp_path / "mic48.raw"
    mic.write_bytes(to_pcm16(fed))
    portaudio(mic)
    rec = record(
        tmp_path / "rec",
        RecordOptions(max_seconds=2.0, silence_stop_s=None, capture_rate=rate),
    )
    assert rec.capture_rate == rate
    assert sf.info(str(rec.take.wav)).samplerate == rate
    got = read_take(rec.take)  # 16 kHz, as the pipeline wants
    want = soxr.resample(fed.astype(np.float32) / 32768, rate, RATE)
    assert len(got) == len(want) == 2 * RATE
    assert np.max(np.abs(got[100:-100] - want[100:-100])) < 2e-3


@pytest.mark.slow
def test_real_time_mic_stops_on_silence_at_audio_time(
    portaudio: Callable[..., ModuleType], tmp_path: Path
) -> None:
    speech = np.concatenate([silence(0.5), tone(2.0, amplitude=0.2), silence(0.3)])
    mic = FifoMic(tmp_path / "mic.fifo", to_pcm16(speech)).start()
    try:
        portaudio(mic.path)
        started = time.monotonic()
        rec = record(tmp_path / "rec", RecordOptions(silence_stop_s=1.5, max_seconds=30))
        wall = time.monotonic() - started
    finally:
        mic.stop()
    assert rec.reason == "silence"
    # Speech ends at 2.5 s of audio; 1.5 s of silence later the take stops.
    assert rec.seconds == pytest.approx(4.0, abs=0.25)
    assert wall >= 0.85 * rec.seconds  # paced by the microphone, not read ahead
    assert rec.speech_s == pytest.approx(2.0, abs=0.2)


@pytest.mark.slow
@pytest.mark.parametrize("level", [0, 40])  # digital silence; a live room's hiss (-58 dBFS)
def test_a_take_nobody_speaks_in_stops_at_the_no_speech_time(
    portaudio: Callable[..., ModuleType], tmp_path: Path, level: int
) -> None:
    rng = np.random.default_rng(11)
    quiet = (rng.standard_normal(60 * RATE) * level).clip(-32768, 32767).astype(np.int16)
    mic = tmp_path / "mic.raw"
    mic.write_bytes(to_pcm16(quiet))
    portaudio(mic)
    rec = record(
        tmp_path / "rec",
        RecordOptions(silence_stop_s=8.0, no_speech_stop_s=5.0, max_seconds=60.0),
    )
    assert rec.reason == "no_speech"
    assert rec.seconds == pytest.approx(5.0, abs=0.11)  # audio time: the file runs ahead
    assert rec.reason_text == "stopped: no speech in the first 5 s"
    assert rec.speech_s < 0.5
    data, _ = sf.read(str(rec.take.wav), dtype="int16")
    assert np.array_equal(data, quiet[: len(data)])  # what was heard is kept as it came


@pytest.mark.slow
def test_a_microphone_that_stops_delivering_ends_the_take_and_keeps_it(
    portaudio: Callable[..., ModuleType], tmp_path: Path
) -> None:
    mic = FifoMic(tmp_path / "mic.fifo", to_pcm16(tone(10.0, amplitude=0.2))).start()
    try:
        portaudio(mic.path)
        import threading

        threading.Timer(1.5, mic.pause).start()
        started = time.monotonic()
        rec = record(tmp_path / "rec", RecordOptions(stall_s=1.0, max_seconds=30))
        took = time.monotonic() - started
    finally:
        mic.stop()  # the hung read returns, and the abandoned stream can close
    assert rec.reason == "device"
    assert "no audio for 1 s" in rec.reason_text
    assert took < 1.5 + 1.0 + CLOSE_TIMEOUT_S + 1.0  # a hung device does not hang the take
    assert 1.2 <= rec.seconds <= 1.8
    data, _ = sf.read(str(rec.take.wav), dtype="int16")
    assert len(data) == round(rec.seconds * RATE)


@pytest.mark.slow
def test_no_capture_device_is_a_clear_error(
    portaudio: Callable[..., ModuleType], tmp_path: Path
) -> None:
    portaudio(None, devices=False)
    with pytest.raises(NoInputDevice, match="no microphone"):
        record(tmp_path / "rec", RecordOptions())
    assert not (tmp_path / "rec" / ".takes").exists() or not any(
        (tmp_path / "rec" / ".takes").iterdir()
    )


@pytest.mark.slow
def test_a_full_disk_ends_the_take_and_keeps_what_was_written(
    portaudio: Callable[..., ModuleType], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import errno

    fed = tone(3.0, amplitude=0.2)
    mic = tmp_path / "mic.raw"
    mic.write_bytes(to_pcm16(fed))
    portaudio(mic)
    real_write = TakeWriter.write
    calls = {"n": 0}

    def write_until_full(self: TakeWriter, pcm: bytes) -> None:
        calls["n"] += 1
        if calls["n"] > 10:  # 1 s in, the disk fills up
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        real_write(self, pcm)

    monkeypatch.setattr(TakeWriter, "write", write_until_full)
    rec = record(tmp_path / "rec", RecordOptions(max_seconds=3.0, silence_stop_s=None))
    assert rec.reason == "disk"
    assert "No space left on device" in rec.reason_text
    data, _ = sf.read(str(rec.take.wav), dtype="int16")
    assert np.array_equal(data, fed[: 10 * 1600])  # the first second, intact and playable


@pytest.mark.slow
def test_the_question_is_spoken_or_the_reason_said_once(
    portaudio: Callable[..., ModuleType], tmp_path: Path
) -> None:
    from voiceloop.capture.speak import Speaker

    portaudio(None)  # the test device plays into ALSA's null sink
    said: list[str] = []
    speaker = Speaker(True, None, said.append)
    assert speaker.say("Tell me about a time you disagreed with your manager.")
    assert speaker.beep()
    assert said == []

    portaudio(None, playback=False)  # a microphone but nothing to play on
    speaker = Speaker(True, None, said.append)
    assert not speaker.say("First question?")
    assert not speaker.say("Second question?")
    assert not speaker.beep()
    assert said == ["(The question is not read aloud: no output device found.)"]

    quiet = Speaker(False, None, said.append)  # --no-speak: silent, and no reason printed
    assert not quiet.say("Third question?")
    assert len(said) == 1
