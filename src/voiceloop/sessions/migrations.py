"""The session index's schema: an ordered list of small named migrations.

Each migration is a function registered with ``@migration``, named ``mNNN_what`` so the names
carry their order; the ``_migrations`` table records which ran, so an index written by an
older voiceloop upgrades itself when it is opened. A migration that adds a derived column may
simply ``DELETE FROM sessions``: the index's next sync re-reads every folder.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime, timezone

Migration = Callable[[sqlite3.Connection], None]
MIGRATIONS: list[Migration] = []


def migration(fn: Migration) -> Migration:
    """Register ``fn`` as the next schema migration; its name is recorded once it has run."""
    MIGRATIONS.append(fn)
    return fn


@migration
def m001_sessions(db: sqlite3.Connection) -> None:
    db.execute(
        """
        CREATE TABLE sessions (
            id TEXT PRIMARY KEY,
            created_at TEXT NOT NULL,
            created_ts REAL NOT NULL,
            prompt_id TEXT,
            prompt_text TEXT,
            kind TEXT,
            duration_s REAL,
            target_lo REAL,
            target_hi REAL,
            audio_seconds REAL,
            wpm REAL,
            fillers_per_min REAL,
            action_share REAL,
            result_quantified INTEGER,
            missing_sections TEXT NOT NULL DEFAULT '[]',
            word_count INTEGER,
            model TEXT NOT NULL DEFAULT '',
            analysis_version TEXT,
            status TEXT NOT NULL,
            problems TEXT NOT NULL DEFAULT '[]',
            folder_mtime_ns INTEGER NOT NULL DEFAULT 0
        )
        """
    )


@migration
def m002_principles(db: sqlite3.Connection) -> None:
    db.execute("ALTER TABLE sessions ADD COLUMN principles TEXT NOT NULL DEFAULT '[]'")
    db.execute(
        """
        CREATE TABLE session_principles (
            session_id TEXT NOT NULL,
            principle TEXT NOT NULL,
            PRIMARY KEY (session_id, principle)
        )
        """
    )
    db.execute("DELETE FROM sessions")  # derived data: the next sync fills the new column


@migration
def m003_query_indexes(db: sqlite3.Connection) -> None:
    db.execute("CREATE INDEX sessions_by_time ON sessions (created_ts)")
    db.execute("CREATE INDEX sessions_by_prompt ON sessions (prompt_id, created_ts)")
    db.execute("CREATE INDEX principles_by_name ON session_principles (principle)")


@migration
def m004_audio_hash(db: sqlite3.Connection) -> None:
    # The recording's content hash, so the same audio analyzed twice counts once in history.
    db.execute("ALTER TABLE sessions ADD COLUMN audio_sha256 TEXT")
    db.execute("CREATE INDEX sessions_by_audio ON sessions (audio_sha256)")
    db.execute("DELETE FROM sessions")  # derived data: the next sync fills the new column


@migration
def m005_failed_takes(db: sqlite3.Connection) -> None:
    # Why a take holds no answer (session.json's ``failure``): such a session is listed as
    # failed and never counted as practice, in trends or by `reanalyze --all`.
    db.execute("ALTER TABLE sessions ADD COLUMN failure TEXT")
    db.execute("DELETE FROM sessions")  # derived data: the next sync fills the new column


@migration
def m006_import_aliases(db: sqlite3.Connection) -> None:
    # Sessions of another folder that `voiceloop import` skipped because the history holds
    # their recording: the import offer then knows them without hashing their audio again.
    db.execute(
        "CREATE TABLE import_aliases (source_id TEXT PRIMARY KEY, audio_sha256 TEXT NOT NULL)"
    )


def applied_migrations(db: sqlite3.Connection) -> list[str]:
    db.execute(
        "CREATE TABLE IF NOT EXISTS _migrations (name TEXT PRIMARY KEY, applied_at TEXT NOT NULL)"
    )
    return [row[0] for row in db.execute("SELECT name FROM _migrations ORDER BY rowid")]


def migrate(db: sqlite3.Connection) -> list[str]:
    """Run the migrations this database has not seen, in order; return their names."""
    pending = set(_names(MIGRATIONS)) - set(_applied_quietly(db))
    if not pending:
        return []
    ran: list[str] = []
    with transaction(db):  # one writer at a time: a second process waits, then finds them done
        done = set(applied_migrations(db))
        for fn in MIGRATIONS:
            if fn.__name__ in done:
                continue
            fn(db)
            db.execute(
                "INSERT INTO _migrations (name, applied_at) VALUES (?, ?)",
                (fn.__name__, datetime.now(timezone.utc).isoformat(timespec="seconds")),
            )
            ran.append(fn.__name__)
    return ran


def _names(fns: Sequence[Migration]) -> list[str]:
    return [fn.__name__ for fn in fns]


def _applied_quietly(db: sqlite3.Connection) -> list[str]:
    """The applied migrations, read without taking a write lock when the table exists."""
    exists = db.execute(
        "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = '_migrations'"
    ).fetchone()
    if not exists:
        return []
    return [row[0] for row in db.execute("SELECT name FROM _migrations")]


@contextmanager
def transaction(db: sqlite3.Connection) -> Iterator[None]:
    """One write transaction, taken up front so concurrent writers queue on the busy timeout."""
    db.execute("BEGIN IMMEDIATE")
    try:
        yield
    except BaseException:
        db.execute("ROLLBACK")
        raise
    db.execute("COMMIT")
