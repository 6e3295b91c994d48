"""Settling takes: a finished or left-over take (``capture.takes``) becomes a session.

A take holding an answer is transcribed and analyzed into a session; one holding no answer
(too short, silent, no speech) is saved as a failed take (an unanalyzed session that records
why, kept for recovery and never counted as practice); an empty one is removed;
one whose analysis failed for another reason (the model cannot load, the disk is full) stays
in recordings/.takes/ for `voiceloop recover`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from voiceloop.capture.takes import HEADER_BYTES, Take, leftover_takes, read_take
from voiceloop.errors import NoSpeech, VoiceloopError
from voiceloop.models import SessionMeta, Transcript
from voiceloop.sessions.store import (
    SESSION_NAME,
    SessionFiles,
    new_session_meta,
    read_session_meta,
    write_session,
)

if TYPE_CHECKING:
    import numpy as np

    from voiceloop.sessions.analyze import SessionResult
    from voiceloop.transcribe.decode import TranscribeOptions

Echo = Callable[[str], None]


def failed_take_advice(session_id: str) -> str:
    """What every message about a failed take offers: it is no practice, and how to remove it.

    Not "try again": its audio held no answer, so analyzing it again finds none either.
    """
    return f"kept, not counted as practice; `voiceloop delete {session_id}` removes it"


def write_unanalyzed(
    recordings_dir: Path, take: Take, samples: np.ndarray, failure: str | None = None
) -> Path:
    """Save a take as a session folder holding only audio.wav and session.json.

    ``failure``: why the take holds no answer (``NoSpeech.reason``), making it a failed take;
    None for a take saved unanalyzed on request, to be analyzed later.
    """
    from voiceloop.audio import SAMPLE_RATE
    from voiceloop.sessions.index import record_quietly

    meta = new_session_meta(
        take.info.prompt,
        take.info.started(),
        source="microphone",
        audio_seconds=len(samples) / SAMPLE_RATE,
        model="",
        analysis_version="",
        status="unanalyzed",
    ).model_copy(update={"failure": failure})
    final = write_session(recordings_dir, SessionFiles(meta), samples)
    take.discard()
    record_quietly(final)
    return final


def analyze_take(
    recordings_dir: Path,
    take: Take,
    samples: np.ndarray,
    transcribe_options: TranscribeOptions,
    transcript: Transcript | None = None,
) -> SessionResult:
    """Transcribe and analyze a finished take into a session; the take files go afterwards.

    ``transcript``: the take's transcript made while it was recorded (not made again).
    """
    from voiceloop.sessions.analyze import analyze_samples

    result = analyze_samples(
        samples,
        source="microphone",
        prompt=take.info.prompt,
        recordings_dir=recordings_dir,
        transcribe_options=transcribe_options,
        created_at=take.info.started(),
        transcript=transcript,
    )
    take.discard()
    return result


@dataclass(frozen=True)
class Outcome:
    """What became of a take: analyzed or unanalyzed (with its session), removed, or kept."""

    kind: Literal["analyzed", "unanalyzed", "removed", "kept"]
    message: str
    result: SessionResult | None = None
    folder: Path | None = None


def settle_take(
    recordings_dir: Path,
    take: Take,
    transcribe_options: TranscribeOptions,
    transcript: Transcript | None = None,
) -> Outcome:
    """Turn a finished take into a session: analyzed when it holds an answer, else unanalyzed.

    ``transcript``: the take's transcript when it was made during recording.

    An empty take is removed. A take whose analysis fails for another reason (the model
    cannot load, the disk is full) is kept where it is for `voiceloop recover`.
    """
    from voiceloop.audio import Audio, check_usable

    try:
        samples = read_take(take)
    except (VoiceloopError, OSError) as err:
        return Outcome("kept", f"cannot read it ({err}); left in {take.wav}")
    if len(samples) == 0:
        take.discard()
        return Outcome("removed", "no audio was recorded")
    try:
        check_usable(Audio(samples, take.info.capture_rate, 1), "the recording")
        result = analyze_take(recordings_dir, take, samples, transcribe_options, transcript)
    except NoSpeech as err:
        folder = write_unanalyzed(recordings_dir, take, samples, failure=err.reason)
        message = f"{err}; saved as failed take {folder.name} ({failed_take_advice(folder.name)})"
        return Outcome("unanalyzed", message, folder=folder)
    except VoiceloopError as err:
        return Outcome("kept", f"{err}; the take stays in {take.wav} for `voiceloop recover`")
    return Outcome("analyzed", f"analyzed -> {result.folder}", result, result.folder)


def recover_takes(
    recordings_dir: Path, transcribe_options: TranscribeOptions, echo: Echo
) -> list[Outcome]:
    """Settle every take left behind by a crash or kill, oldest first, reporting each."""
    outcomes = []
    for take in leftover_takes(recordings_dir):
        seconds = max(take.wav.stat().st_size - HEADER_BYTES, 0) / 2 / take.info.capture_rate
        label = f"{take.wav.name} ({seconds:.1f} s"
        label += f", question {take.info.prompt.id})" if take.info.prompt else ")"
        outcome = settle_take(recordings_dir, take, transcribe_options)
        echo(f"  {label}: {outcome.message}")
        outcomes.append(outcome)
    return outcomes


def unanalyzed_sessions(recordings_dir: Path) -> Iterator[tuple[Path, SessionMeta]]:
    """Session folders saved without analysis (a second Ctrl-C), oldest first.

    Failed takes are left out: their audio held no answer, so there is nothing to analyze.
    """
    if not recordings_dir.is_dir():
        return
    for folder in sorted(recordings_dir.iterdir()):
        if folder.name.startswith(".") or not (folder / SESSION_NAME).is_file():
            continue
        try:
            meta = read_session_meta(folder)
        except VoiceloopError:
            continue
        if meta.status == "unanalyzed" and meta.failure is None:
            yield folder, meta
