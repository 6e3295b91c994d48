"""Session folders: recordings/<session-id>/ with audio, transcript, analysis and report.

A session is built in a hidden temporary folder and renamed into place, so a crash or a
full disk never leaves a half-written session behind.
"""

from __future__ import annotations

import json
import os
import re
import secrets
import shutil
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from voiceloop.errors import VoiceloopError
from voiceloop.fsutil import atomic_write_text, describe_os_error
from voiceloop.models import Analysis, SessionMeta, Transcript

if TYPE_CHECKING:  # numpy costs ~0.1 s to import: `voiceloop sessions` never needs it
    import numpy as np

AUDIO_NAME = "audio.wav"
TRANSCRIPT_NAME = "transcript.json"
ANALYSIS_NAME = "analysis.json"
SESSION_NAME = "session.json"
REPORT_NAME = "report.md"


def default_recordings_dir() -> Path:
    return Path(os.environ.get("VOICELOOP_RECORDINGS", "recordings"))


def ensure_writable(folder: Path) -> None:
    """Fail before any work is done when the recordings folder cannot take a session."""
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as err:
        raise describe_os_error(err, f"the recordings folder {folder}") from err
    if not folder.is_dir():
        raise VoiceloopError(f"{folder} exists and is not a folder")
    if not os.access(folder, os.W_OK | os.X_OK):
        raise VoiceloopError(f"cannot write to the recordings folder {folder}: permission denied")


def new_session_id(prompt_id: str | None, now: datetime | None = None) -> str:
    now = now or datetime.now()
    slug = re.sub(r"[^a-z0-9]+", "-", (prompt_id or "answer").lower()).strip("-")[:40] or "answer"
    return f"{now:%Y%m%d-%H%M%S}-{slug}-{secrets.token_hex(2)}"


@dataclass(frozen=True)
class SessionFiles:
    meta: SessionMeta
    transcript: Transcript
    analysis: Analysis
    report_md: str


def write_session(folder: Path, files: SessionFiles, samples: np.ndarray) -> Path:
    """Write a complete session folder under ``folder`` and return its path."""
    from voiceloop.audio import write_wav

    final = folder / files.meta.id
    if final.exists():
        raise VoiceloopError(f"session {files.meta.id} already exists")
    staging = folder / f".tmp-{files.meta.id}"
    try:
        staging.mkdir(parents=True)
        write_wav(staging / AUDIO_NAME, samples)
        atomic_write_text(staging / TRANSCRIPT_NAME, files.transcript.model_dump_json(indent=2))
        atomic_write_text(staging / ANALYSIS_NAME, files.analysis.model_dump_json(indent=2))
        atomic_write_text(staging / REPORT_NAME, files.report_md)
        atomic_write_text(staging / SESSION_NAME, files.meta.model_dump_json(indent=2))
        os.rename(staging, final)
    except OSError as err:
        shutil.rmtree(staging, ignore_errors=True)
        raise describe_os_error(err, f"session {files.meta.id}") from err
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return final


def read_session_meta(session_dir: Path) -> SessionMeta:
    try:
        data = json.loads((session_dir / SESSION_NAME).read_text(encoding="utf-8"))
        return SessionMeta.model_validate(data)
    except (OSError, ValueError) as err:
        raise VoiceloopError(f"{session_dir} is not a readable session: {err}") from err
