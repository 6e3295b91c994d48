"""The session index: ``<recordings>/index.sqlite``, a fast summary of the session folders.

The folders are the source of truth; the index only makes listing, filtering and trends
fast. Every open brings it up to date with the folders (new, changed and vanished folders,
found by each folder's modification time, which every atomic write inside it changes), and
it is rebuilt from scratch when missing or corrupt. SQLite runs in WAL mode with a busy
timeout, and every write is one ``BEGIN IMMEDIATE`` transaction, so several processes may
record sessions at once.

Its schema is built and upgraded by ``migrations``.
"""

from __future__ import annotations

import json
import os
import sqlite3
import sys
from collections.abc import Callable, Sequence
from datetime import datetime
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ValidationError

from voiceloop.analysis.pacing import length_verdict  # the report's rule, edges and all
from voiceloop.errors import VoiceloopError
from voiceloop.sessions.migrations import migrate, transaction
from voiceloop.sessions.store import (
    ANALYSIS_NAME,
    AUDIO_NAME,
    SESSION_NAME,
    TRANSCRIPT_NAME,
    pcm_sha256,
)

INDEX_NAME = "index.sqlite"
BUSY_TIMEOUT_S = 15.0
SESSION_FILES = (SESSION_NAME, ANALYSIS_NAME, TRANSCRIPT_NAME, AUDIO_NAME)

# failed: a take that holds no answer (silent, no speech heard), kept for recovery only
Status = Literal["analyzed", "unanalyzed", "failed", "broken"]
Notice = Callable[[str], None]


def _stderr_notice(message: str) -> None:
    sys.stderr.write(message.rstrip("\n") + "\n")


# --- what the index holds ---------------------------------------------------------------


class SessionRow(BaseModel):
    """One session's headline figures, as listed and filtered. ``None``: not measured."""

    id: str
    created_at: str  # ISO 8601 as written in session.json (local time with offset)
    created_ts: float  # seconds since the epoch, for ordering and date filters
    prompt_id: str | None = None
    prompt_text: str | None = None
    kind: str | None = None
    principles: list[str] = []  # the prompt's leadership principles (from the prompt bank)
    duration_s: float | None = None  # the answer: first word to last word
    target_lo: float | None = None
    target_hi: float | None = None
    audio_seconds: float | None = None
    wpm: float | None = None
    fillers_per_min: float | None = None
    action_share: float | None = None
    result_quantified: bool | None = None  # None: no Result section to check
    missing_sections: list[str] = []
    word_count: int | None = None
    model: str = ""
    analysis_version: str | None = None
    status: Status = "analyzed"
    problems: list[str] = []  # e.g. "audio missing": shown by `sessions` and `show`
    audio_sha256: str | None = None  # the recording's content hash (``store.pcm_sha256``)
    failure: str | None = None  # a failed take's reason ("no speech heard"), else None

    @property
    def notes(self) -> list[str]:
        """What a listing says beside the figures: a failed take's reason, "not analyzed",
        and the problems (a failed take never had a transcript or analysis: no damage)."""
        if self.status == "failed":
            kept = [p for p in self.problems if p not in ("transcript missing", "analysis missing")]
            return [f"failed: {self.failure}", *kept]
        if self.status == "unanalyzed" and "analysis missing" not in self.problems:
            return ["not analyzed", *self.problems]
        return list(self.problems)

    @property
    def created(self) -> datetime:
        return datetime.fromtimestamp(self.created_ts).astimezone()

    @property
    def duration_verdict(self) -> str | None:
        if self.duration_s is None or self.target_lo is None or self.target_hi is None:
            return None
        return length_verdict(self.duration_s, self.target_lo, self.target_hi)


class _Pacing(BaseModel):
    duration_s: float
    wpm: float
    word_count: int
    target_seconds: tuple[float, float]


class _Fillers(BaseModel):
    per_minute: float


class _Star(BaseModel):
    shares: dict[str, float]
    missing: list[str]


class _Quantify(BaseModel):
    result_quantified: bool | None


class _AnalysisDigest(BaseModel):
    """The part of analysis.json the index needs (the rest is ignored, so reading is fast)."""

    version: str
    prompt_kind: str
    pacing: _Pacing
    fillers: _Fillers
    star: _Star
    quantify: _Quantify


class _MetaDigest(BaseModel):
    id: str
    created_at: str
    prompt_id: str | None = None
    prompt_text: str | None = None
    audio_file: str = AUDIO_NAME
    audio_seconds: float | None = None
    model: str = ""
    analysis_version: str | None = None
    status: str = "analyzed"
    audio_sha256: str | None = None
    failure: str | None = None


# --- reading a session folder --------------------------------------------------------------


@lru_cache(maxsize=1)
def _bank_principles() -> dict[str, tuple[str, ...]]:
    """Prompt id -> its principles, from the prompt bank (empty when the bank cannot load)."""
    from voiceloop.prompts import load_bank

    try:
        return {p.id: tuple(p.principles) for p in load_bank()}
    except VoiceloopError:
        return {}


def _read_json(path: Path) -> Any:
    return json.loads(path.read_text(encoding="utf-8"))


def _time_from_name(name: str, fallback_ts: float) -> tuple[str, float]:
    """The creation time encoded in a session id (``YYYYMMDD-HHMMSS-...``), else ``fallback``."""
    try:
        when = datetime.strptime(name[:15], "%Y%m%d-%H%M%S").astimezone()
    except ValueError:
        when = datetime.fromtimestamp(fallback_ts).astimezone()
    return when.isoformat(timespec="seconds"), when.timestamp()


def _timestamp(created_at: str) -> float:
    when = datetime.fromisoformat(created_at)
    if when.tzinfo is None:
        when = when.astimezone()  # naive: local time
    return when.timestamp()


def is_session_folder(path: Path) -> bool:
    """A visible folder holding at least one of the files a session writes."""
    if path.name.startswith(".") or not path.is_dir():
        return False
    return any((path / name).exists() for name in SESSION_FILES)


def read_row(session_dir: Path) -> SessionRow:
    """Summarize one session folder. Never raises for a damaged folder: it notes problems."""
    problems: list[str] = []
    name = session_dir.name
    try:
        meta = _MetaDigest.model_validate(_read_json(session_dir / SESSION_NAME))
    except FileNotFoundError:
        meta = None
        problems.append("session.json missing")
    except (OSError, ValueError, ValidationError):
        meta = None
        problems.append("session.json unreadable")
    if meta is not None and meta.id != name:
        problems.append(f"session.json names another id ({meta.id})")

    if meta is None:
        created_at, created_ts = _time_from_name(name, session_dir.stat().st_mtime)
    else:
        try:
            created_at, created_ts = meta.created_at, _timestamp(meta.created_at)
        except ValueError:
            created_at, created_ts = _time_from_name(name, session_dir.stat().st_mtime)
            problems.append("created_at unreadable")

    audio_file = meta.audio_file if meta else AUDIO_NAME
    audio_sha256 = meta.audio_sha256 if meta else None
    if not (session_dir / audio_file).is_file():
        problems.append("audio missing")
    elif audio_sha256 is None:
        # A session written before the hash was kept: hash its audio now (once per change of
        # the folder), so a recording analyzed twice by an older voiceloop also counts once.
        audio_sha256 = pcm_sha256(session_dir / audio_file)
    if not (session_dir / TRANSCRIPT_NAME).is_file():
        problems.append("transcript missing")

    digest: _AnalysisDigest | None = None
    try:
        digest = _AnalysisDigest.model_validate(_read_json(session_dir / ANALYSIS_NAME))
    except FileNotFoundError:
        if not (meta and meta.status == "unanalyzed"):
            problems.append("analysis missing")
    except (OSError, ValueError, ValidationError):
        problems.append("analysis unreadable")

    status: Status
    if meta is None:
        status = "broken"
    elif digest is None:
        status = "failed" if meta.failure else "unanalyzed"
    else:
        status = "analyzed"
    prompt_id = meta.prompt_id if meta else None
    row = SessionRow(
        id=name,
        created_at=created_at,
        created_ts=created_ts,
        prompt_id=prompt_id,
        prompt_text=meta.prompt_text if meta else None,
        principles=list(_bank_principles().get(prompt_id, ())) if prompt_id else [],
        audio_seconds=meta.audio_seconds if meta else None,
        model=meta.model if meta else "",
        analysis_version=meta.analysis_version if meta else None,
        status=status,
        problems=problems,
        audio_sha256=audio_sha256,
        failure=meta.failure if meta and digest is None else None,
    )
    if digest is not None:
        p = digest.pacing
        row = row.model_copy(
            update={
                "kind": digest.prompt_kind,
                "duration_s": p.duration_s,
                "target_lo": p.target_seconds[0],
                "target_hi": p.target_seconds[1],
                "wpm": p.wpm,
                "word_count": p.word_count,
                "fillers_per_min": digest.fillers.per_minute,
                "action_share": digest.star.shares.get("action", 0.0),
                "result_quantified": digest.quantify.result_quantified,
                "missing_sections": list(digest.star.missing),
                "analysis_version": digest.version,
            }
        )
    return row


# --- the index -------------------------------------------------------------------------------

_COLUMNS = (
    "id",
    "created_at",
    "created_ts",
    "prompt_id",
    "prompt_text",
    "kind",
    "principles",
    "duration_s",
    "target_lo",
    "target_hi",
    "audio_seconds",
    "wpm",
    "fillers_per_min",
    "action_share",
    "result_quantified",
    "missing_sections",
    "word_count",
    "model",
    "analysis_version",
    "status",
    "problems",
    "audio_sha256",
    "failure",
)
_JSON_COLUMNS = ("principles", "missing_sections", "problems")
_SELECT = f"SELECT {', '.join(_COLUMNS)} FROM sessions"


def _to_db(row: SessionRow, mtime_ns: int) -> tuple[Any, ...]:
    data = row.model_dump()
    values: list[Any] = []
    for col in _COLUMNS:
        value = data[col]
        if col in _JSON_COLUMNS:
            value = json.dumps(value)
        elif col == "result_quantified" and value is not None:
            value = int(value)
        values.append(value)
    return (*values, mtime_ns)


def _from_db(values: Sequence[Any]) -> SessionRow:
    data = dict(zip(_COLUMNS, values, strict=True))
    for col in _JSON_COLUMNS:
        data[col] = json.loads(data[col])
    if data["result_quantified"] is not None:
        data["result_quantified"] = bool(data["result_quantified"])
    return SessionRow.model_validate(data)


class SessionQuery(BaseModel):
    """Filters for listing sessions. Every given filter must match."""

    prompt: str | None = None  # a prompt id, or part of one
    principle: str | None = None  # part of a leadership principle's name ("dive deep")
    kind: str | None = None
    since: datetime | None = None
    until: datetime | None = None
    limit: int | None = None  # None or 0: all
    oldest_first: bool = False
    # One session per recording: leave out a session whose audio (by content hash) is also
    # in a preferred one (``_SHADOWED``), so a file analyzed twice is not counted twice.
    distinct_audio: bool = False
    # Leave out failed takes (silent, no speech heard): they are no practice, for trends.
    without_failed: bool = False


class SyncReport(BaseModel):
    added: int = 0
    updated: int = 0
    removed: int = 0


def _is_corruption(err: sqlite3.DatabaseError) -> bool:
    """True for a file that is not (or no longer) a readable SQLite database."""
    name = getattr(err, "sqlite_errorname", "")
    if name in ("SQLITE_CORRUPT", "SQLITE_NOTADB") or name.startswith("SQLITE_CORRUPT"):
        return True
    text = str(err).lower()
    return "not a database" in text or "malformed" in text


def _folder_mtimes(recordings_dir: Path) -> dict[str, int]:
    """Session folder name -> modification time (ns), for every visible sub-folder."""
    out: dict[str, int] = {}
    try:
        entries = list(os.scandir(recordings_dir))
    except FileNotFoundError:
        return out
    for entry in entries:
        if entry.name.startswith("."):
            continue
        try:
            if entry.is_dir():
                out[entry.name] = entry.stat().st_mtime_ns
        except OSError:
            continue
    return out


def _busy(err: sqlite3.OperationalError, path: Path) -> VoiceloopError:
    return VoiceloopError(f"the session index {path} is busy or unwritable: {err}")


class SessionIndex:
    """An open index over one recordings folder. Use ``open_index`` to get one."""

    def __init__(self, recordings_dir: Path, db: sqlite3.Connection) -> None:
        self.recordings_dir = recordings_dir
        self.path = recordings_dir / INDEX_NAME
        self.db = db

    # life cycle

    def close(self) -> None:
        self.db.close()

    def __enter__(self) -> SessionIndex:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # writing

    def _store(self, rows: Sequence[tuple[SessionRow, int]], remove: Sequence[str] = ()) -> None:
        placeholders = ", ".join("?" for _ in range(len(_COLUMNS) + 1))
        insert = (
            f"INSERT OR REPLACE INTO sessions ({', '.join(_COLUMNS)}, folder_mtime_ns) "
            f"VALUES ({placeholders})"
        )
        with transaction(self.db):
            for session_id in remove:
                self.db.execute("DELETE FROM sessions WHERE id = ?", (session_id,))
                self.db.execute(
                    "DELETE FROM session_principles WHERE session_id = ?", (session_id,)
                )
            for row, mtime_ns in rows:
                self.db.execute(insert, _to_db(row, mtime_ns))
                self.db.execute("DELETE FROM session_principles WHERE session_id = ?", (row.id,))
                self.db.executemany(
                    "INSERT OR IGNORE INTO session_principles (session_id, principle) "
                    "VALUES (?, ?)",
                    [(row.id, p) for p in row.principles],
                )

    def record(self, session_dir: Path) -> SessionRow:
        """Add or refresh one session folder's row and return it."""
        mtime_ns = session_dir.stat().st_mtime_ns
        row = read_row(session_dir)
        self._store([(row, mtime_ns)])
        return row

    def forget(self, session_id: str) -> None:
        self._store([], remove=[session_id])

    def sync(self) -> SyncReport:
        """Bring the index up to date with the folders: add new, refresh changed, drop gone."""
        on_disk = _folder_mtimes(self.recordings_dir)
        known = dict(self.db.execute("SELECT id, folder_mtime_ns FROM sessions").fetchall())
        report = SyncReport()
        changed: list[tuple[SessionRow, int]] = []
        gone = [name for name in known if name not in on_disk]
        for name, mtime_ns in on_disk.items():
            if known.get(name) == mtime_ns:
                continue
            folder = self.recordings_dir / name
            if not is_session_folder(folder):
                if name in known:  # emptied by hand: no longer a session
                    gone.append(name)
                continue
            changed.append((read_row(folder), mtime_ns))
            if name in known:
                report.updated += 1
            else:
                report.added += 1
        report.removed = len(gone)
        if changed or gone:
            self._store(changed, remove=gone)
        return report

    def rebuild(self) -> int:
        """Forget everything and re-read every session folder. Returns the session count."""
        rows = [
            (read_row(self.recordings_dir / name), mtime_ns)
            for name, mtime_ns in sorted(_folder_mtimes(self.recordings_dir).items())
            if is_session_folder(self.recordings_dir / name)
        ]
        with transaction(self.db):
            self.db.execute("DELETE FROM sessions")
            self.db.execute("DELETE FROM session_principles")
        self._store(rows)
        return len(rows)

    # reading

    def _where(self, query: SessionQuery) -> tuple[str, list[Any]]:
        clauses: list[str] = []
        params: list[Any] = []
        if query.prompt:
            clauses.append("prompt_id LIKE ? ESCAPE '\\'")
            params.append("%" + _like_escape(query.prompt) + "%")
        if query.principle:
            names = _principle_names(query.principle)
            marks = ", ".join("?" for _ in names)
            clauses.append(
                f"id IN (SELECT session_id FROM session_principles WHERE principle IN ({marks}))"
            )
            params.extend(names)
        if query.kind:
            clauses.append("kind = ?")
            params.append(query.kind)
        if query.since is not None:
            clauses.append("created_ts >= ?")
            params.append(query.since.timestamp())
        if query.until is not None:
            clauses.append("created_ts < ?")
            params.append(query.until.timestamp())
        if query.distinct_audio:
            clauses.append(f"NOT {_SHADOWED}")
        if query.without_failed:
            clauses.append("status != 'failed'")
        where = (" WHERE " + " AND ".join(clauses)) if clauses else ""
        return where, params

    def query(self, query: SessionQuery | None = None) -> list[SessionRow]:
        """Sessions matching ``query``, newest first (or oldest first)."""
        query = query or SessionQuery()
        where, params = self._where(query)
        order = "ASC" if query.oldest_first else "DESC"
        sql = f"{_SELECT}{where} ORDER BY created_ts {order}, id {order}"
        if query.limit:
            sql += " LIMIT ?"
            params.append(query.limit)
        return [_from_db(r) for r in self.db.execute(sql, params)]

    def count(self, query: SessionQuery | None = None) -> int:
        where, params = self._where(query or SessionQuery())
        return int(self.db.execute(f"SELECT count(*) FROM sessions{where}", params).fetchone()[0])

    def get(self, session_id: str) -> SessionRow | None:
        found = self.db.execute(f"{_SELECT} WHERE id = ?", (session_id,)).fetchone()
        return _from_db(found) if found else None

    def resolve(self, ref: str) -> SessionRow:
        """A session by id, unique id prefix, or ``last``/``latest`` (the newest)."""
        ref = ref.strip()
        if ref in ("last", "latest"):
            newest = self.query(SessionQuery(limit=1))
            if not newest:
                raise VoiceloopError(f"no sessions in {self.recordings_dir}")
            return newest[0]
        exact = self.get(ref)
        if exact is not None:
            return exact
        ids = [
            r[0]
            for r in self.db.execute(
                "SELECT id FROM sessions WHERE id LIKE ? ESCAPE '\\' ORDER BY created_ts DESC",
                (_like_escape(ref) + "%",),
            )
        ]
        if len(ids) == 1:
            found = self.get(ids[0])
            assert found is not None
            return found
        if len(ids) > 1:
            shown = ", ".join(ids[:3]) + (", ..." if len(ids) > 3 else "")
            raise VoiceloopError(
                f"'{ref}' matches {len(ids)} sessions ({shown}); give more of the id"
            )
        raise VoiceloopError(
            f"no session '{ref}' in {self.recordings_dir} (see `voiceloop sessions`)"
        )

    def practice_counts(self) -> dict[str, int]:
        """Prompt id -> analyzed sessions that answered it, one per recording.

        A take with no answer in it (failed, or not analyzed yet) is no practice: counting
        it would keep its question from being offered as the least practised one.
        """
        rows = self.db.execute(
            "SELECT prompt_id, count(*) FROM sessions WHERE prompt_id IS NOT NULL "
            f"AND status = 'analyzed' AND NOT {_SHADOWED} GROUP BY prompt_id"
        )
        return {str(pid): int(n) for pid, n in rows}

    def repeats(self, rows: Sequence[SessionRow]) -> int:
        """How many other sessions hold the recording of one of ``rows`` (left out of a
        one-per-recording query such as ``distinct_audio``)."""
        hashes = sorted({r.audio_sha256 for r in rows if r.audio_sha256 is not None})
        ids = {r.id for r in rows}
        found = 0
        for start in range(0, len(hashes), 500):  # under SQLite's limit on parameters
            chunk = hashes[start : start + 500]
            marks = ", ".join("?" for _ in chunk)
            found += sum(
                1
                for (session_id,) in self.db.execute(
                    f"SELECT id FROM sessions WHERE audio_sha256 IN ({marks})", chunk
                )
                if session_id not in ids
            )
        return found

    def known(self) -> tuple[set[str], set[str]]:
        """Every session id and every recording hash the index holds (for ``import``)."""
        rows = self.db.execute("SELECT id, audio_sha256 FROM sessions").fetchall()
        return {str(r[0]) for r in rows}, {str(r[1]) for r in rows if r[1] is not None}

    def aliases(self) -> set[str]:
        """Ids of other folders' sessions an import skipped: their recording is kept here."""
        return {str(r[0]) for r in self.db.execute("SELECT source_id FROM import_aliases")}

    def add_alias(self, source_id: str, audio_sha256: str) -> None:
        """Note that another folder's session ``source_id`` holds a recording kept here."""
        with transaction(self.db):
            self.db.execute(
                "INSERT OR REPLACE INTO import_aliases (source_id, audio_sha256) VALUES (?, ?)",
                (source_id, audio_sha256),
            )

    def same_audio(self, row: SessionRow) -> list[SessionRow]:
        """Other sessions holding the same recording as ``row`` (by content hash), newest first."""
        if row.audio_sha256 is None:
            return []
        found = self.db.execute(
            f"{_SELECT} WHERE audio_sha256 = ? AND id != ? ORDER BY created_ts DESC, id DESC",
            (row.audio_sha256, row.id),
        )
        return [_from_db(r) for r in found]

    def stored_principles(self) -> dict[str, list[str]]:
        """Prompt id -> the principles recorded for it (from the bank when it was indexed)."""
        out: dict[str, list[str]] = {}
        rows = self.db.execute(
            "SELECT DISTINCT s.prompt_id, p.principle FROM session_principles p "
            "JOIN sessions s ON s.id = p.session_id WHERE s.prompt_id IS NOT NULL "
            "AND s.status = 'analyzed'"
        )
        for prompt_id, principle in rows:
            out.setdefault(str(prompt_id), []).append(str(principle))
        return out


# True for a session whose audio another session also holds and that one is preferred: an
# analyzed session over one that is not, then the newest. Sessions without a hash are never
# left out (nothing is known about their audio).
_SHADOWED = (
    "EXISTS (SELECT 1 FROM sessions AS other WHERE other.audio_sha256 = sessions.audio_sha256"
    " AND other.id != sessions.id"
    " AND ((other.status = 'analyzed') > (sessions.status = 'analyzed')"
    " OR ((other.status = 'analyzed') = (sessions.status = 'analyzed')"
    " AND (other.created_ts > sessions.created_ts"
    " OR (other.created_ts = sessions.created_ts AND other.id > sessions.id)))))"
)


def _like_escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _principle_names(query: str) -> list[str]:
    """Official principle names matching part of a name; unknown text is an error."""
    from voiceloop.prompts import OFFICIAL_PRINCIPLES, match_principles

    names = match_principles(query)
    if not names:
        import difflib

        close = difflib.get_close_matches(query, OFFICIAL_PRINCIPLES, n=1, cutoff=0.5)
        hint = f"; did you mean '{close[0]}'?" if close else ""
        raise VoiceloopError(f"'{query}' is not part of any leadership principle's name{hint}")
    return names


# --- opening -----------------------------------------------------------------------------------


def _connect(path: Path) -> sqlite3.Connection:
    db = sqlite3.connect(str(path), timeout=BUSY_TIMEOUT_S, isolation_level=None)
    try:
        db.execute(f"PRAGMA busy_timeout = {int(BUSY_TIMEOUT_S * 1000)}")
        db.execute("PRAGMA journal_mode = WAL")
        db.execute("PRAGMA synchronous = NORMAL")
        migrate(db)
    except BaseException:
        db.close()
        raise
    return db


def _discard(path: Path) -> None:
    for suffix in ("", "-wal", "-shm", "-journal"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)


def open_index(
    recordings_dir: Path, *, sync: bool = True, notice: Notice = _stderr_notice
) -> SessionIndex:
    """Open (creating, migrating, syncing or rebuilding as needed) the index of a folder.

    A corrupt index file is deleted and rebuilt from the session folders, with a one-line
    ``notice``. A missing one is simply built.
    """
    if not recordings_dir.is_dir():
        raise VoiceloopError(f"no recordings folder {recordings_dir} (nothing recorded yet?)")
    path = recordings_dir / INDEX_NAME
    try:
        index = SessionIndex(recordings_dir, _connect(path))
        try:
            if sync:
                index.sync()
        except BaseException:
            index.close()
            raise
        return index
    except sqlite3.DatabaseError as err:
        if isinstance(err, sqlite3.OperationalError) and not _is_corruption(err):
            raise _busy(err, path) from err
        if not _is_corruption(err):
            raise VoiceloopError(f"cannot use the session index {path}: {err}") from err
        notice(
            f"voiceloop: the session index {path} was unreadable ({err}); "
            "rebuilt it from the session folders"
        )
    _discard(path)
    try:
        index = SessionIndex(recordings_dir, _connect(path))
        index.rebuild()
    except sqlite3.Error as err:
        raise VoiceloopError(f"cannot rebuild the session index {path}: {err}") from err
    return index


def rebuild(recordings_dir: Path, *, notice: Notice = _stderr_notice) -> int:
    """``voiceloop reindex``: rebuild the index from the session folders; return the count."""
    with open_index(recordings_dir, sync=False, notice=notice) as index:
        try:
            return index.rebuild()
        except sqlite3.Error as err:
            raise VoiceloopError(f"cannot rebuild the session index {index.path}: {err}") from err


def record(session_dir: Path, *, notice: Notice = _stderr_notice) -> SessionRow:
    """Add or refresh one session folder in its recordings folder's index."""
    with open_index(session_dir.parent, sync=False, notice=notice) as index:
        try:
            return index.record(session_dir)
        except sqlite3.OperationalError as err:
            raise _busy(err, index.path) from err


_warned = False


def record_quietly(session_dir: Path) -> SessionRow | None:
    """``record``, but a failure only warns on stderr (once per process) and returns None.

    The session folder is already complete and is the source of truth; the next command
    that opens the index (or ``voiceloop reindex``) picks it up.
    """
    global _warned
    try:
        return record(session_dir)
    except (VoiceloopError, sqlite3.Error, OSError) as err:
        if not _warned:
            _warned = True
            _stderr_notice(
                f"voiceloop: warning: the session was saved but not indexed ({err}); "
                "`voiceloop reindex` will add it"
            )
        return None


def practice_counts(recordings_dir: Path) -> dict[str, int]:
    """Prompt id -> sessions that answered it; empty when there are no recordings yet."""
    if not recordings_dir.is_dir():
        return {}
    with open_index(recordings_dir) as index:
        return index.practice_counts()
