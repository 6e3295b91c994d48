"""Audio devices: import sounddevice lazily, list devices, and pick the input and output.

Without the PortAudio library ``import sounddevice`` raises ``OSError``; every caller goes
through ``load_sounddevice()`` so that becomes one clear ``NoPortAudio`` line instead.
"""

from __future__ import annotations

from types import ModuleType
from typing import Any, Literal

from pydantic import BaseModel

from voiceloop.errors import VoiceloopError

PORTAUDIO_FIX = (
    "install the PortAudio library: sudo apt-get install libportaudio2 (Debian/Ubuntu), "
    "sudo dnf install portaudio (Fedora), brew install portaudio (macOS)"
)


class NoPortAudio(VoiceloopError):
    """The PortAudio library (or the sounddevice package) is missing."""


class NoInputDevice(VoiceloopError):
    """No microphone exists, or the one asked for does not."""


class AudioDevice(BaseModel):
    index: int
    name: str
    hostapi: str
    max_input_channels: int
    max_output_channels: int
    default_samplerate: float
    default_input: bool = False
    default_output: bool = False

    def describe(self) -> str:
        return f"#{self.index} {self.name} ({self.hostapi}, {self.default_samplerate:.0f} Hz)"


def load_sounddevice() -> ModuleType:
    """``import sounddevice``, turning a missing PortAudio into ``NoPortAudio``."""
    try:
        import sounddevice
    except OSError as err:  # sounddevice raises OSError when libportaudio is not found
        raise NoPortAudio(f"the PortAudio library is missing ({err}); {PORTAUDIO_FIX}") from err
    except ImportError as err:
        raise NoPortAudio(
            f"the sounddevice package is missing ({err}); pip install sounddevice"
        ) from err
    module: ModuleType = sounddevice
    return module


def _default_index(sd: ModuleType, which: Literal[0, 1]) -> int:
    """PortAudio's default input (0) or output (1) device index, or -1 when there is none."""
    try:
        value = sd.default.device[which]
        index = int(value) if value is not None else -1
    except (TypeError, ValueError):
        index = -1
    if index < 0:
        try:
            info: Any = sd.query_devices(kind="input" if which == 0 else "output")
            index = int(info["index"])
        except Exception:  # sounddevice.PortAudioError: no default device
            index = -1
    return index


def list_devices() -> list[AudioDevice]:
    """Every device PortAudio sees, with the default input and output marked."""
    sd = load_sounddevice()
    try:
        raw: Any = sd.query_devices()
        hostapis: Any = sd.query_hostapis()
    except Exception as err:  # sounddevice.PortAudioError
        raise VoiceloopError(f"cannot list audio devices: {err}") from err
    default_in = _default_index(sd, 0)
    default_out = _default_index(sd, 1)
    devices = []
    for index, info in enumerate(raw):
        api = hostapis[info["hostapi"]]["name"] if info["hostapi"] < len(hostapis) else "?"
        devices.append(
            AudioDevice(
                index=index,
                name=str(info["name"]),
                hostapi=str(api),
                max_input_channels=int(info["max_input_channels"]),
                max_output_channels=int(info["max_output_channels"]),
                default_samplerate=float(info["default_samplerate"]),
                default_input=index == default_in,
                default_output=index == default_out,
            )
        )
    return devices


def _pick(
    devices: list[AudioDevice], spec: str | None, want: Literal["input", "output"]
) -> AudioDevice:
    error = NoInputDevice if want == "input" else VoiceloopError

    def usable(d: AudioDevice) -> bool:
        return (d.max_input_channels if want == "input" else d.max_output_channels) > 0

    candidates = [d for d in devices if usable(d)]
    if spec is None or not spec.strip():
        if not candidates:
            noun = "microphone (input device)" if want == "input" else "output device"
            raise error(f"no {noun} found")
        default = [
            d for d in candidates if (d.default_input if want == "input" else d.default_output)
        ]
        return default[0] if default else candidates[0]
    spec = spec.strip()
    if spec.isdigit():
        for d in devices:
            if d.index == int(spec):
                if not usable(d):
                    raise error(f"device #{spec} ({d.name}) has no {want} channels")
                return d
        raise error(f"no audio device #{spec}; see `voiceloop devices`")
    exact = [d for d in candidates if d.name.lower() == spec.lower()]
    partial = exact or [d for d in candidates if spec.lower() in d.name.lower()]
    if len(partial) == 1 or exact:
        return partial[0]
    if partial:
        names = ", ".join(f"#{d.index} {d.name}" for d in partial[:4])
        raise error(f"'{spec}' matches several {want} devices ({names}); give its number")
    raise error(f"no {want} device named '{spec}'; see `voiceloop devices`")


def pick_input(spec: str | None = None) -> AudioDevice:
    """The microphone to record from: ``spec`` is a device number or part of its name."""
    return _pick(list_devices(), spec, "input")


def pick_output(spec: str | None = None) -> AudioDevice:
    return _pick(list_devices(), spec, "output")


class InputLevel(BaseModel):
    """How loud what a microphone delivered was, in dB relative to full scale."""

    seconds: float  # audio actually received
    rate: int
    rms_dbfs: float  # SILENT_DBFS when every sample was zero
    peak_dbfs: float


SILENT_DBFS = -120.0  # the level reported for digital silence (log of zero)


def signal_level(samples: Any, rate: int) -> InputLevel:
    """RMS and peak level of int16 samples (a numpy array)."""
    import numpy as np

    data = np.asarray(samples, dtype=np.float64).reshape(-1) / 32768.0

    def dbfs(value: float) -> float:
        return max(SILENT_DBFS, 20.0 * float(np.log10(value))) if value > 0 else SILENT_DBFS

    rms = float(np.sqrt(np.mean(data**2))) if data.size else 0.0
    peak = float(np.max(np.abs(data))) if data.size else 0.0
    return InputLevel(seconds=data.size / rate, rate=rate, rms_dbfs=dbfs(rms), peak_dbfs=dbfs(peak))


def measure_input_level(device: AudioDevice, seconds: float = 1.0) -> InputLevel:
    """Record ``seconds`` from ``device`` (16 kHz mono when it can, else its own rate) and
    return the level of what arrived. Raises ``VoiceloopError`` when it cannot record or no
    audio arrives in time (a device that hangs)."""
    import threading

    import numpy as np

    sd = load_sounddevice()
    rate = 16_000
    try:
        sd.check_input_settings(device=device.index, channels=1, dtype="int16", samplerate=rate)
    except Exception:  # sounddevice.PortAudioError: the device's own rate, then
        rate = int(device.default_samplerate)
    wanted = max(1, int(rate * seconds))
    blocks: list[bytes] = []
    got = [0]
    done = threading.Event()

    def callback(data: Any, frames: int, _time: Any, _status: Any) -> None:
        if got[0] < wanted:
            blocks.append(bytes(data))
            got[0] += frames
        if got[0] >= wanted:
            done.set()

    try:
        stream = sd.RawInputStream(
            samplerate=rate, device=device.index, channels=1, dtype="int16", callback=callback
        )
    except Exception as err:  # sounddevice.PortAudioError
        raise VoiceloopError(f"cannot open {device.name}: {err}") from err
    try:
        with stream:
            arrived = done.wait(seconds + 5.0)
    except Exception as err:  # sounddevice.PortAudioError
        raise VoiceloopError(f"cannot record from {device.name}: {err}") from err
    if not arrived and not got[0]:
        raise VoiceloopError(f"no audio arrived from {device.name} in {seconds + 5.0:.0f} s")
    samples = np.frombuffer(b"".join(blocks), dtype="<i2")[:wanted]
    return signal_level(samples, rate)


def portaudio_version() -> str:
    sd = load_sounddevice()
    try:
        return str(sd.get_portaudio_version()[1])
    except Exception:  # pragma: no cover - very old sounddevice
        return "unknown version"


def format_devices(devices: list[AudioDevice]) -> str:
    """A table for `voiceloop devices`: '>' marks the default input, '<' the default output."""
    if not devices:
        return "no audio devices found"
    lines = []
    for d in devices:
        mark = (">" if d.default_input else " ") + ("<" if d.default_output else " ")
        kinds = []
        if d.max_input_channels:
            kinds.append(f"{d.max_input_channels} in")
        if d.max_output_channels:
            kinds.append(f"{d.max_output_channels} out")
        lines.append(
            f"{mark} {d.index:3d}  {d.name}  ({d.hostapi}; {', '.join(kinds)}; "
            f"{d.default_samplerate:.0f} Hz)"
        )
    lines.append("> default input   < default output")
    return "\n".join(lines)
