"""The library's front door: what a script, a notebook or a local web app calls.

Each function takes plain values with sensible defaults and returns the same records the CLI
prints, so callers never reach into CLI modules::

    import voiceloop

    result = voiceloop.analyze_file("answer.wav", prompt="dive-deep-root-cause")
    print(result.analysis.verdict.headline, result.folder)

    analysis = voiceloop.analyze_transcript(transcript)  # pure: no audio, no files
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import numpy as np

    from voiceloop.models import Analysis, Prompt, Transcript
    from voiceloop.options import AnalysisOptions
    from voiceloop.sessions.analyze import SessionResult
    from voiceloop.transcribe.decode import TranscribeOptions


def _prompt(prompt: Prompt | str | None) -> Prompt | None:
    if prompt is None or not isinstance(prompt, str):
        return prompt
    from voiceloop.prompts import get_prompt, load_bank

    return get_prompt(load_bank(), prompt)


def _transcribe_options(model: str | TranscribeOptions) -> TranscribeOptions:
    from voiceloop.transcribe.decode import options_for

    return options_for(model, "cpu", 1) if isinstance(model, str) else model


def analyze_file(
    path: str | Path,
    *,
    prompt: Prompt | str | None = None,
    recordings: str | Path | None = None,
    model: str | TranscribeOptions = "embedded",
    options: AnalysisOptions | None = None,
) -> SessionResult:
    """Transcribe and analyze an audio file and keep it as a session.

    ``prompt``: the question answered (a bank id or a ``Prompt``); ``recordings``: where
    sessions live (default: as the CLI, ``sessions.location.default_recordings_dir``);
    ``model``: a model spec as ``--model`` takes it, or full ``TranscribeOptions``.
    Raises ``VoiceloopError`` (one line) on bad input.
    """
    from voiceloop.sessions.analyze import analyze_file as run
    from voiceloop.sessions.store import default_recordings_dir

    return run(
        Path(path),
        prompt=_prompt(prompt),
        recordings_dir=Path(recordings) if recordings is not None else default_recordings_dir(),
        transcribe_options=_transcribe_options(model),
        analysis_options=options,
    )


def analyze_samples(
    samples: np.ndarray,
    *,
    prompt: Prompt | str | None = None,
    recordings: str | Path | None = None,
    model: str | TranscribeOptions = "embedded",
    options: AnalysisOptions | None = None,
    source: str = "samples",
) -> SessionResult:
    """The same for 16 kHz mono float32 samples already in memory (e.g. from a browser)."""
    from voiceloop.sessions.analyze import analyze_samples as run
    from voiceloop.sessions.store import default_recordings_dir

    return run(
        samples,
        source=source,
        prompt=_prompt(prompt),
        recordings_dir=Path(recordings) if recordings is not None else default_recordings_dir(),
        transcribe_options=_transcribe_options(model),
        analysis_options=options,
    )


def transcribe_file(path: str | Path, *, model: str | TranscribeOptions = "embedded") -> Transcript:
    """Only the word timeline of an audio file: nothing is analyzed or written."""
    from voiceloop.audio import check_usable, load_audio
    from voiceloop.transcribe.decode import transcribe

    audio = load_audio(Path(path))
    check_usable(audio, str(path))
    return transcribe(audio.samples, _transcribe_options(model))


def analyze_transcript(
    transcript: Transcript,
    *,
    prompt: Prompt | str | None = None,
    options: AnalysisOptions | None = None,
) -> Analysis:
    """Every figure and the verdict for a word timeline: pure, no audio and no files."""
    from voiceloop.analysis.combined import analyze

    return analyze(transcript, _prompt(prompt), options)
