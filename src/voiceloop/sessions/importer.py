"""`voiceloop import`: bring sessions kept in another recordings folder into the history.

Each session folder is copied whole or not at all (``store.copy_session``) and added to the
history's index. A recording the history already holds (by the audio hash the index keeps,
``store.pcm_sha256``) or a session id it already has is skipped, so running it again is safe
and an import cut short can simply be run again. The source folder is left as it was.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

from voiceloop.errors import VoiceloopError
from voiceloop.sessions.store import (
    AUDIO_NAME,
    SESSION_NAME,
    copy_session,
    ensure_writable,
    pcm_sha256,
    read_session_meta,
)


@dataclass
class ImportReport:
    """What ``import_sessions`` did, session id by session id."""

    source: Path
    history: Path
    imported: list[str] = field(default_factory=list)
    duplicates: list[str] = field(default_factory=list)  # recording already in the history
    present: list[str] = field(default_factory=list)  # a session with this id already there
    unreadable: list[str] = field(default_factory=list)  # no readable session.json
    takes: int = 0  # unfinished takes left in the source's .takes/ (not imported)

    @property
    def skipped(self) -> int:
        return len(self.duplicates) + len(self.present) + len(self.unreadable)


def session_folders(folder: Path) -> list[Path]:
    """The visible sub-folders of ``folder`` that hold a session.json, by name."""
    try:
        children = sorted(folder.iterdir())
    except OSError:
        return []
    return [
        p
        for p in children
        if not p.name.startswith(".") and p.is_dir() and (p / SESSION_NAME).is_file()
    ]


def _recorded_hash(session_dir: Path) -> tuple[str, str | None]:
    """(audio file name, audio hash) as session.json records them; hash None when absent."""
    try:
        data = json.loads((session_dir / SESSION_NAME).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return AUDIO_NAME, None
    if not isinstance(data, dict):
        return AUDIO_NAME, None
    audio = data.get("audio_file")
    digest = data.get("audio_sha256")
    return (
        audio if isinstance(audio, str) else AUDIO_NAME,
        digest if isinstance(digest, str) else None,
    )


def audio_hash(session_dir: Path) -> str | None:
    """The session's recording hash: from session.json, else hashed from its audio."""
    audio, digest = _recorded_hash(session_dir)
    return digest if digest is not None else pcm_sha256(session_dir / audio)


def _history_keys(history: Path) -> tuple[set[str], set[str]]:
    """Session ids the history holds or has seen imported (``aliases``), and its recording
    hashes; empty when it does not exist."""
    from voiceloop.sessions.index import open_index

    if not history.is_dir():
        return set(), set()
    with open_index(history) as index:
        ids, hashes = index.known()
        return ids | index.aliases(), hashes


def missing_from(source: Path, history: Path) -> list[Path]:
    """Session folders of ``source`` the history lacks, by id and by the recording's hash
    as session.json records it.

    Cheap enough to run before every history command: audio is never read (a session
    written before the hash was kept counts as missing until an import has seen it).
    """
    candidates = session_folders(source)
    if not candidates:
        return []
    ids, hashes = _history_keys(history)
    return [
        folder
        for folder in candidates
        if folder.name not in ids and _recorded_hash(folder)[1] not in hashes
    ]


def import_sessions(source: Path, history: Path) -> ImportReport:
    """Copy every session of ``source`` the history lacks into ``history`` and its index."""
    from voiceloop.capture.takes import leftover_takes
    from voiceloop.sessions.index import open_index

    if not source.is_dir():
        raise VoiceloopError(f"no folder {source} to import from")
    if history.exists() and source.resolve() == history.resolve():
        raise VoiceloopError(f"{source} is the history folder itself: nothing to import")
    found = session_folders(source)
    if not found:
        raise VoiceloopError(f"no sessions in {source} (a session folder holds a session.json)")
    ensure_writable(history)
    report = ImportReport(source, history, takes=len(leftover_takes(source)))
    with open_index(history) as index:
        ids, hashes = index.known()
        seen = index.aliases()
        for folder in found:
            try:
                meta = read_session_meta(folder)
            except VoiceloopError:
                report.unreadable.append(folder.name)
                continue
            if meta.id != folder.name:  # a copied or renamed folder: its id is not its own
                report.unreadable.append(folder.name)
                continue
            if folder.name in ids:
                report.present.append(folder.name)
                continue
            if folder.name in seen:  # skipped before: its recording is kept here
                report.duplicates.append(folder.name)
                continue
            digest = audio_hash(folder)
            if digest is not None and digest in hashes:
                index.add_alias(folder.name, digest)
                report.duplicates.append(folder.name)
                continue
            copied = copy_session(folder, history)
            index.record(copied)
            ids.add(folder.name)
            if digest is not None:
                hashes.add(digest)
            report.imported.append(folder.name)
    return report
