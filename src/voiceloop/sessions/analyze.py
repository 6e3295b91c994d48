"""audio -> transcript -> analysis -> session folder, in one call."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import numpy as np

from voiceloop.analysis.combined import analyze
from voiceloop.analysis.pacing import spoken_words
from voiceloop.audio import MIN_SECONDS, SAMPLE_RATE, check_usable, load_audio
from voiceloop.errors import NoSpeech, VoiceloopError
from voiceloop.models import Analysis, Prompt, SessionMeta, Transcript
from voiceloop.options import AnalysisOptions
from voiceloop.render.markdown import render_markdown
from voiceloop.sessions.index import SessionRow, open_index, record_quietly
from voiceloop.sessions.store import (
    SessionFiles,
    ensure_writable,
    new_session_meta,
    read_session_meta,
    write_session,
)
from voiceloop.transcribe.decode import ProgressFn, TranscribeOptions, transcribe


@dataclass(frozen=True)
class SessionResult:
    folder: Path
    meta: SessionMeta
    transcript: Transcript
    analysis: Analysis
    # ids of sessions already in the history with the same recording (content hash), newest
    # first: the caller tells the user, and history counts the recording once
    same_audio: list[str] = field(default_factory=list)


def _same_audio(folder: Path, row: SessionRow | None) -> list[str]:
    """Other sessions with this session's recording; empty when the index cannot tell."""
    if row is None:
        return []
    try:
        # synced: an index just upgraded to hold hashes is empty until its next sync
        with open_index(folder.parent) as index:
            return [r.id for r in index.same_audio(row)]
    except (VoiceloopError, sqlite3.Error, OSError):
        return []  # only a courtesy: the session itself is saved


def require_speech(transcript: Transcript, name: str) -> None:
    words = spoken_words(transcript.words)
    span = words[-1].end - words[0].start if words else 0.0
    if not words:
        raise NoSpeech(f"no speech found in {name}; check the recording")
    if span < MIN_SECONDS:
        raise NoSpeech(
            f"only {span:.1f} s of speech found in {name}; an answer needs at least "
            f"{MIN_SECONDS:.0f} s",
            reason=f"only {span:.1f} s of speech heard",
        )


def analyze_samples(
    samples: np.ndarray,
    *,
    source: str,
    prompt: Prompt | None,
    recordings_dir: Path,
    transcribe_options: TranscribeOptions,
    analysis_options: AnalysisOptions | None = None,
    progress: ProgressFn | None = None,
    created_at: datetime | None = None,
    transcript: Transcript | None = None,
) -> SessionResult:
    """Transcribe and analyze 16 kHz mono samples, then write the session folder.

    ``created_at`` is when the answer was recorded (default: now); a recovered take keeps
    the time it was spoken. ``transcript``, when given, is the samples' transcript made
    already (during recording, by ``transcribe.incremental``); they are not transcribed again.
    """
    ensure_writable(recordings_dir)
    if transcript is None:
        transcript = transcribe(samples, transcribe_options, progress)
    require_speech(transcript, source)
    analysis = analyze(transcript, prompt, analysis_options)
    meta = new_session_meta(
        prompt,
        (created_at or datetime.now()).astimezone(),
        source=source,
        audio_seconds=len(samples) / SAMPLE_RATE,
        model=transcript.model,
        analysis_version=analysis.version,
    )
    report = render_markdown(meta, transcript, analysis, analysis_options)
    folder = write_session(
        recordings_dir, SessionFiles(meta, transcript, analysis, report), samples
    )
    meta = read_session_meta(folder)  # as written: with the audio's content hash
    row = record_quietly(folder)  # the folder is the source of truth: an index failure only warns
    return SessionResult(folder, meta, transcript, analysis, _same_audio(folder, row))


def analyze_file(
    path: Path,
    *,
    prompt: Prompt | None,
    recordings_dir: Path,
    transcribe_options: TranscribeOptions,
    analysis_options: AnalysisOptions | None = None,
    progress: ProgressFn | None = None,
) -> SessionResult:
    ensure_writable(recordings_dir)  # before the slow part: fail fast on a bad folder
    audio = load_audio(path)
    check_usable(audio, str(path))
    return analyze_samples(
        audio.samples,
        source=str(path),
        prompt=prompt,
        recordings_dir=recordings_dir,
        transcribe_options=transcribe_options,
        analysis_options=analysis_options,
        progress=progress,
    )
