"""Session folders: recordings/<session-id>/ with audio, transcript, analysis and report.

The one module that writes, replaces and deletes the files of a session folder, and builds
the session.json that describes it. A session is built in a hidden temporary folder and
renamed into place, so a crash or a full disk never leaves a half-written session behind.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import secrets
import shutil
import wave
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from pydantic import ValidationError

from voiceloop.errors import VoiceloopError
from voiceloop.fsutil import atomic_write_text, describe_os_error
from voiceloop.models import Analysis, Prompt, SessionMeta, Transcript

# the default folder's one home is sessions.location; its callers may import it from here
from voiceloop.sessions.location import default_recordings_dir as default_recordings_dir

if TYPE_CHECKING:  # numpy costs ~0.1 s to import: `voiceloop sessions` never needs it
    import numpy as np

AUDIO_NAME = "audio.wav"
TRANSCRIPT_NAME = "transcript.json"
ANALYSIS_NAME = "analysis.json"
SESSION_NAME = "session.json"
REPORT_NAME = "report.md"


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


def new_session_meta(
    prompt: Prompt | None,
    created: datetime,
    *,
    source: str,
    audio_seconds: float,
    model: str,
    analysis_version: str,
    status: Literal["analyzed", "unanalyzed"] = "analyzed",
) -> SessionMeta:
    """The session.json of a new session answering ``prompt``, recorded at ``created``."""
    return SessionMeta(
        id=new_session_id(prompt.id if prompt else None, created),
        created_at=created.isoformat(timespec="seconds"),
        prompt_id=prompt.id if prompt else None,
        prompt_text=prompt.text if prompt else None,
        source=source,
        audio_file=AUDIO_NAME,
        audio_seconds=audio_seconds,
        model=model,
        analysis_version=analysis_version,
        status=status,
    )


@dataclass(frozen=True)
class SessionFiles:
    """What a new session folder holds besides its audio; an unanalyzed one has only meta."""

    meta: SessionMeta
    transcript: Transcript | None = None
    analysis: Analysis | None = None
    report_md: str | None = None


def pcm_sha256(wav_path: Path) -> str | None:
    """sha256 of a WAV file's PCM frames (not its header), or None when it cannot be read.

    Hashing the frames as written, rather than the float samples, makes the hash of a new
    session and the one filled in later for an old session's audio.wav the same figure.
    The standard library's reader keeps numpy out of index syncs.
    """
    digest = hashlib.sha256()
    try:
        with wave.open(str(wav_path), "rb") as wav:
            while True:
                chunk = wav.readframes(1 << 16)
                if not chunk:
                    break
                digest.update(chunk)
    except (OSError, EOFError, wave.Error):
        return None
    return digest.hexdigest()


def write_session(folder: Path, files: SessionFiles, samples: np.ndarray) -> Path:
    """Write a complete session folder under ``folder`` and return its path.

    session.json gets the audio's content hash (``pcm_sha256``) read back from the written
    audio.wav; ``read_session_meta`` on the returned folder gives the meta as written.
    """
    from voiceloop.audio import write_wav

    final = folder / files.meta.id
    if final.exists():
        raise VoiceloopError(f"session {files.meta.id} already exists")
    with _staged(final, f"session {files.meta.id}") as staging:
        staging.mkdir(parents=True)
        write_wav(staging / AUDIO_NAME, samples)
        if files.transcript is not None:
            text = files.transcript.model_dump_json(indent=2)
            atomic_write_text(staging / TRANSCRIPT_NAME, text)
        if files.analysis is not None:
            atomic_write_text(staging / ANALYSIS_NAME, files.analysis.model_dump_json(indent=2))
        if files.report_md is not None:
            atomic_write_text(staging / REPORT_NAME, files.report_md)
        meta = files.meta
        if meta.audio_sha256 is None:
            meta = meta.model_copy(update={"audio_sha256": pcm_sha256(staging / AUDIO_NAME)})
        atomic_write_text(staging / SESSION_NAME, meta.model_dump_json(indent=2))
    return final


@contextmanager
def _staged(final: Path, what: str) -> Iterator[Path]:
    """A hidden folder beside ``final`` for the caller to fill: renamed to ``final`` when the
    block ends, removed when it fails, so a session folder is there whole or not at all."""
    staging = final.parent / f".tmp-{final.name}"
    try:
        yield staging
        os.rename(staging, final)
    except OSError as err:
        shutil.rmtree(staging, ignore_errors=True)
        raise describe_os_error(err, what) from err
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise


def copy_session(source: Path, folder: Path) -> Path:
    """Copy a session folder from another recordings folder into ``folder``, whole or not at
    all: it is copied into a hidden temporary folder and renamed into place.

    Hidden files (an atomic write's leftovers) are not copied. Returns the new folder.
    """
    final = folder / source.name
    if final.exists():
        raise VoiceloopError(f"session {source.name} already exists in {folder}")
    with _staged(final, f"session {source.name}") as staging:
        shutil.rmtree(staging, ignore_errors=True)  # left by an import that was killed
        shutil.copytree(source, staging, ignore=shutil.ignore_patterns(".*"))
    return final


def read_session_meta(session_dir: Path) -> SessionMeta:
    try:
        data = json.loads((session_dir / SESSION_NAME).read_text(encoding="utf-8"))
        return SessionMeta.model_validate(data)
    except (OSError, ValueError) as err:
        raise VoiceloopError(f"{session_dir} is not a readable session: {err}") from err


def read_transcript(session_dir: Path) -> Transcript | None:
    """The session's transcript, or None when it is missing or unreadable."""
    try:
        return Transcript.model_validate_json((session_dir / TRANSCRIPT_NAME).read_bytes())
    except (OSError, ValueError, ValidationError):
        return None


def read_analysis(session_dir: Path) -> Analysis | None:
    """The session's analysis, or None when it is missing or unreadable."""
    try:
        return Analysis.model_validate_json((session_dir / ANALYSIS_NAME).read_bytes())
    except (OSError, ValueError, ValidationError):
        return None


def replace_analysis(
    session_dir: Path,
    meta: SessionMeta,
    analysis: Analysis,
    report_md: str,
    transcript: Transcript | None = None,
) -> None:
    """Replace an existing session's analysis (and transcript, when given) in place.

    Each file is replaced atomically, session.json last: a crash between two files leaves
    the old version named in session.json, so ``reanalyze`` can simply run again.
    """
    try:
        if transcript is not None:
            atomic_write_text(session_dir / TRANSCRIPT_NAME, transcript.model_dump_json(indent=2))
        atomic_write_text(session_dir / ANALYSIS_NAME, analysis.model_dump_json(indent=2))
        atomic_write_text(session_dir / REPORT_NAME, report_md)
        atomic_write_text(session_dir / SESSION_NAME, meta.model_dump_json(indent=2))
    except OSError as err:
        raise describe_os_error(err, f"session {meta.id}") from err


def mark_failed(session_dir: Path, reason: str) -> SessionMeta:
    """Note in session.json that the session's take holds no answer (``SessionMeta.failure``).

    Only session.json changes, atomically; the audio stays for recovery.
    """
    meta = read_session_meta(session_dir).model_copy(update={"failure": reason})
    try:
        atomic_write_text(session_dir / SESSION_NAME, meta.model_dump_json(indent=2))
    except OSError as err:
        raise describe_os_error(err, f"session {meta.id}") from err
    return meta


def save_report(path: Path, text: str) -> None:
    """Write a rendered report (into its session folder, or wherever the user asked)."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        atomic_write_text(path, text)
    except OSError as err:
        raise describe_os_error(err, str(path)) from err


def delete_session(recordings_dir: Path, session_id: str) -> None:
    """Remove a session folder; one rename first, so readers see the session or nothing."""
    folder = recordings_dir / session_id
    trash = recordings_dir / f".deleting-{session_id}"
    try:
        os.rename(folder, trash)
    except FileNotFoundError:
        pass
    except OSError as err:
        raise describe_os_error(err, f"session {session_id}") from err
    shutil.rmtree(trash, ignore_errors=True)
