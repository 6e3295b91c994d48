"""Keep faster-whisper's temporary memory flat as recordings get longer.

Two stages of faster-whisper hold the whole recording's intermediate arrays at once:

- the log-Mel features: the short-time Fourier transform of the whole recording (for a
  2-minute answer its temporaries peak at about 120 MB, for a 6-minute walkthrough at over
  300 MB). :class:`BlockFeatureExtractor` gives the same numbers, bit for bit (the frames are
  the same slices of the same padded signal; the Mel product and the log floor run over the
  whole recording as before) while holding the transform's temporaries for one block;
- voice-activity detection: Silero runs on up to 10,000 windows in one batch (about 150 MB
  for 6 minutes). :func:`batch_vad` makes its session take them 1,000 at a time, handing the
  recurrent state from batch to batch exactly as faster-whisper itself does between its
  batches, so the speech probabilities are the same.

What both free goes back to the C allocator, which keeps it for the process: the next
stage's peak (the Whisper encoder's attention, about 150 MB for tiny.en) then lands on top
of it. :func:`release_free_memory` hands the free memory back to the system after each
stage and before each piece, so a process that transcribes answer after answer (``voiceloop
eval``, ``serve``, a round) does not carry one answer's freed arrays into the next one's peak.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import functools
from typing import Any

import numpy as np
from faster_whisper.feature_extractor import FeatureExtractor

BLOCK_FRAMES = 3000  # 30 s of 10 ms frames
VAD_BATCH_WINDOWS = 1000  # 32 s of 32 ms windows


@functools.cache
def _malloc_trim() -> Any:
    """glibc's ``malloc_trim``, or None where the C library has none (macOS, musl, Windows)."""
    name = ctypes.util.find_library("c")
    try:
        return ctypes.CDLL(name).malloc_trim if name else None
    except (OSError, AttributeError):
        return None


def release_free_memory() -> None:
    """Return the C heap's free memory to the system (glibc), a no-op elsewhere.

    It takes a few milliseconds; without it, 8 answers of 1-2 minutes in one process peaked
    at up to 520 MB, with it at up to 455 MB (the same clips, tiny.en).
    """
    trim = _malloc_trim()
    if trim is not None:
        trim(0)


class BlockFeatureExtractor(FeatureExtractor):  # type: ignore[misc]
    """A drop-in ``FeatureExtractor`` whose peak memory does not grow with the recording."""

    def __call__(
        self, waveform: np.ndarray, padding: int = 160, chunk_length: int | None = None
    ) -> np.ndarray:
        if chunk_length is not None:
            self.n_samples = chunk_length * self.sampling_rate
            self.nb_max_frames = self.n_samples // self.hop_length
        waveform = np.asarray(waveform, dtype=np.float32)
        if padding:
            waveform = np.pad(waveform, (0, padding))
        half = self.n_fft // 2
        padded = np.pad(waveform, (half, half), mode="reflect")
        n_frames = 1 + (len(padded) - self.n_fft) // self.hop_length
        window = np.hanning(self.n_fft + 1)[:-1].astype("float32")
        # power spectrum, block by block (the final frame is dropped, as faster-whisper does)
        # in column order, as faster-whisper's own spectrum is: the Mel product's sums then run
        # in the same order (numpy picks its matmul kernel by the operands' memory layout)
        power = np.empty((self.n_fft // 2 + 1, n_frames - 1), dtype=np.float32, order="F")
        for first in range(0, n_frames - 1, BLOCK_FRAMES):
            last = min(first + BLOCK_FRAMES, n_frames - 1)
            piece = padded[first * self.hop_length : (last - 1) * self.hop_length + self.n_fft]
            stft: Any = self.stft(
                piece, self.n_fft, self.hop_length, window=window, center=False,
                return_complex=True,
            )  # fmt: skip
            power[:, first:last] = np.abs(stft.astype("complex64")) ** 2
        # one product over the whole recording: the same sums, in the same order
        mel = self.mel_filters @ power
        log_spec = np.log10(np.clip(mel, a_min=1e-10, a_max=None))
        log_spec = np.maximum(log_spec, log_spec.max() - 8.0)
        features = np.asarray((log_spec + 4.0) / 4.0)
        del power, mel, log_spec
        release_free_memory()
        return features


class _BatchedSession:
    """An ONNX session stand-in that runs Silero's windows a batch at a time."""

    def __init__(self, session: Any, rows: int) -> None:
        self.session = session
        self.rows = rows

    def run(self, output_names: Any, feeds: dict[str, np.ndarray]) -> list[np.ndarray]:
        windows, h, c = feeds["input"], feeds["h"], feeds["c"]
        outputs = []
        for first in range(0, len(windows), self.rows):
            out, h, c = self.session.run(
                output_names, {"input": windows[first : first + self.rows], "h": h, "c": c}
            )
            outputs.append(out)
        probabilities = np.concatenate(outputs, axis=0)
        del outputs
        release_free_memory()
        return [probabilities, h, c]


def batch_vad(rows: int = VAD_BATCH_WINDOWS) -> None:
    """Make faster-whisper's shared Silero model run in batches of ``rows`` windows.

    Left as it is when the model does not look as expected (another faster-whisper version).
    """
    from faster_whisper.vad import get_vad_model

    model = get_vad_model()
    session = getattr(model, "session", None)
    if session is None or isinstance(session, _BatchedSession):
        return
    inputs = {i.name for i in session.get_inputs()} if hasattr(session, "get_inputs") else set()
    if inputs == {"input", "h", "c"}:
        model.session = _BatchedSession(session, rows)
