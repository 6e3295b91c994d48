"""The SQLite session index: migrations, sync with the folders, filters, damage, concurrency."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest

from sessionkit import BASE, answer_text, days, make_session, transcript_for
from voiceloop.errors import VoiceloopError
from voiceloop.models import Prompt
from voiceloop.prompts import get_prompt, load_bank
from voiceloop.sessions import index as ix
from voiceloop.sessions import migrations as mig
from voiceloop.sessions.index import INDEX_NAME, SessionQuery, open_index, read_row

TESTS = Path(__file__).parent


@pytest.fixture(scope="module")
def bank() -> list[Prompt]:
    return load_bank()


def prompt(bank: list[Prompt], prompt_id: str) -> Prompt:
    return get_prompt(bank, prompt_id)


def take(seed: int) -> np.ndarray:
    """A recording of its own: sessions with the same audio count once in practice counts."""
    return (0.1 * np.random.default_rng(seed).standard_normal(1600)).astype(np.float32)


def notices() -> tuple[list[str], ix.Notice]:
    seen: list[str] = []
    return seen, seen.append


def test_fresh_index_runs_every_migration_once_in_wal_mode(tmp_path: Path) -> None:
    with open_index(tmp_path) as index:
        applied = mig.applied_migrations(index.db)
        mode = index.db.execute("PRAGMA journal_mode").fetchone()[0]
        timeout = index.db.execute("PRAGMA busy_timeout").fetchone()[0]
    assert applied == [fn.__name__ for fn in mig.MIGRATIONS]
    assert applied == sorted(applied)  # names carry their order
    assert mode == "wal"
    assert timeout >= 5000
    with open_index(tmp_path) as again:
        assert mig.migrate(again.db) == []
        assert mig.applied_migrations(again.db) == applied


def test_old_index_upgrades_and_refills_derived_columns(tmp_path: Path, bank: list[Prompt]) -> None:
    folder = make_session(tmp_path, prompt=prompt(bank, "dive-deep-root-cause"))
    # An index written by a version that knew only the first migration.
    db = sqlite3.connect(tmp_path / INDEX_NAME, isolation_level=None)
    db.execute("CREATE TABLE _migrations (name TEXT PRIMARY KEY, applied_at TEXT NOT NULL)")
    mig.m001_sessions(db)
    db.execute("INSERT INTO _migrations VALUES ('m001_sessions', 'then')")
    db.execute(
        "INSERT INTO sessions (id, created_at, created_ts, status, folder_mtime_ns) "
        "VALUES (?, '2026-01-05T19:00:00', 0, 'analyzed', ?)",
        (folder.name, folder.stat().st_mtime_ns),
    )
    db.close()

    with open_index(tmp_path) as index:
        assert mig.applied_migrations(index.db)[1:] == [fn.__name__ for fn in mig.MIGRATIONS[1:]]
        rows = index.query(SessionQuery(principle="dive deep"))
    assert [r.id for r in rows] == [folder.name]
    assert "Dive Deep" in rows[0].principles
    assert rows[0].audio_sha256 is not None  # filled by the upgrade's re-sync
    assert rows[0].wpm is not None and rows[0].wpm > 60


def analysis_length(seconds: float, p: Prompt) -> str:
    from voiceloop.analysis.pacing import length_verdict

    return length_verdict(seconds, *p.target_seconds)


def test_rows_hold_the_headline_figures(tmp_path: Path, bank: list[Prompt]) -> None:
    p = prompt(bank, "dive-deep-root-cause")
    folder = make_session(tmp_path, prompt=p, text=answer_text(actions=5, fillers=4))
    analysis = json.loads((folder / "analysis.json").read_text())
    row = read_row(folder)
    assert row.id == folder.name and row.status == "analyzed" and row.problems == []
    assert row.prompt_id == p.id and row.kind == "star"
    assert row.principles == p.principles
    assert row.wpm == pytest.approx(analysis["pacing"]["wpm"])
    assert row.fillers_per_min == pytest.approx(analysis["fillers"]["per_minute"])
    assert row.fillers_per_min is not None and row.fillers_per_min > 0
    assert row.action_share == pytest.approx(analysis["star"]["shares"]["action"])
    assert row.result_quantified is True
    assert (row.target_lo, row.target_hi) == p.target_seconds
    assert row.duration_verdict == "short"  # a ~1 minute answer to a 2-3 minute question
    # the list says what the report says: 1:56 for 2:00-3:00 is about right, not short
    near = row.model_copy(update={"duration_s": 116.0})
    assert near.duration_verdict == analysis_length(116.0, p) == "on target"
    assert row.model_copy(update={"duration_s": 112.0}).duration_verdict == "short"


def test_filters_order_and_limit(tmp_path: Path, bank: list[Prompt]) -> None:
    made = {
        "dive-deep-root-cause": [0, 4],
        "ownership-outside-remit": [1, 5],
        "frugality-more-with-less": [2],
    }
    for pid, offsets in made.items():
        for d in offsets:
            make_session(
                tmp_path, prompt=prompt(bank, pid), created=BASE + days(d), samples=take(d)
            )
    make_session(tmp_path, prompt=None, created=BASE + days(3), samples=take(3))
    with open_index(tmp_path) as index:
        everything = index.query()
        assert len(everything) == 6
        stamps = [r.created_ts for r in everything]
        assert stamps == sorted(stamps, reverse=True)
        assert [r.created_ts for r in index.query(SessionQuery(oldest_first=True))] == sorted(
            stamps
        )
        assert {r.prompt_id for r in index.query(SessionQuery(prompt="dive-deep"))} == {
            "dive-deep-root-cause"
        }
        frugal = index.query(SessionQuery(principle="frugal"))
        assert [r.prompt_id for r in frugal] == ["frugality-more-with-less"]
        window = index.query(SessionQuery(since=BASE + days(1), until=BASE + days(4)))
        assert len(window) == 3  # days 1, 2, 3; the until bound is exclusive
        assert len(index.query(SessionQuery(limit=2))) == 2
        assert index.count(SessionQuery(prompt="ownership")) == 2
        assert index.practice_counts() == {
            "dive-deep-root-cause": 2,
            "ownership-outside-remit": 2,
            "frugality-more-with-less": 1,
        }
        newest = index.resolve("last")
        assert newest.id == everything[0].id
        assert index.resolve(newest.id[:22]).id == newest.id
        with pytest.raises(VoiceloopError, match="matches 6 sessions"):
            index.resolve("2026")
        with pytest.raises(VoiceloopError, match="no session"):
            index.resolve("nope")
        with pytest.raises(VoiceloopError, match="leadership principle"):
            index.query(SessionQuery(principle="teleportation"))


def test_sync_follows_the_folders(tmp_path: Path, bank: list[Prompt]) -> None:
    first = make_session(tmp_path, prompt=prompt(bank, "dive-deep-root-cause"))
    with open_index(tmp_path) as index:
        assert [r.id for r in index.query()] == [first.name]
    second = make_session(tmp_path, prompt=None, created=BASE + days(1))
    (first / "audio.wav").unlink()
    with open_index(tmp_path) as index:
        rows = {r.id: r for r in index.query()}
        assert set(rows) == {first.name, second.name}
        assert rows[first.name].problems == ["audio missing"]
        assert rows[first.name].wpm is not None  # still listed with its figures
    (second / "analysis.json").unlink()
    import shutil

    shutil.rmtree(first)
    with open_index(tmp_path) as index:
        rows = {r.id: r for r in index.query()}
    assert set(rows) == {second.name}
    assert rows[second.name].status == "unanalyzed"
    assert rows[second.name].problems == ["analysis missing"]
    assert rows[second.name].wpm is None


def test_damaged_folders_are_listed_not_fatal(tmp_path: Path) -> None:
    good = make_session(tmp_path, created=BASE)
    bad = make_session(tmp_path, created=BASE + days(1))
    (bad / "session.json").write_text("{ not json")
    worse = make_session(tmp_path, created=BASE + days(2))
    (worse / "analysis.json").write_text(json.dumps({"version": 3}))
    (tmp_path / "notes").mkdir()  # a stray folder that is no session
    (tmp_path / ".tmp-half-written").mkdir()
    with open_index(tmp_path) as index:
        rows = {r.id: r for r in index.query()}
    assert set(rows) == {good.name, bad.name, worse.name}
    assert rows[bad.name].status == "broken"
    assert rows[bad.name].problems == ["session.json unreadable"]
    assert rows[bad.name].created_at.startswith(f"{BASE + days(1):%Y-%m-%dT%H:%M}")
    assert rows[worse.name].status == "unanalyzed"
    assert rows[worse.name].problems == ["analysis unreadable"]


def test_missing_index_is_rebuilt(tmp_path: Path) -> None:
    made = {make_session(tmp_path, created=BASE + days(i)).name for i in range(3)}
    with open_index(tmp_path) as index:
        assert {r.id for r in index.query()} == made
    for suffix in ("", "-wal", "-shm"):
        Path(f"{tmp_path / INDEX_NAME}{suffix}").unlink(missing_ok=True)
    seen, notice = notices()
    with open_index(tmp_path, notice=notice) as index:
        assert {r.id for r in index.query()} == made
    assert seen == []


@pytest.mark.parametrize(
    "damage",
    [
        lambda path: path.write_bytes(os.urandom(8192)),
        lambda path: path.write_bytes(b"SQLite format 3\x00" + os.urandom(4000)),
    ],
    ids=["garbage", "bad-pages"],
)
def test_corrupt_index_is_rebuilt_with_one_notice(tmp_path: Path, damage: object) -> None:
    made = {make_session(tmp_path, created=BASE + days(i)).name for i in range(3)}
    with open_index(tmp_path) as index:
        index.db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    path = tmp_path / INDEX_NAME
    damage(path)  # type: ignore[operator]
    seen, notice = notices()
    with open_index(tmp_path, notice=notice) as index:
        assert {r.id for r in index.query()} == made
        assert index.db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    assert len(seen) == 1
    assert "\n" not in seen[0] and "rebuilt" in seen[0]


def test_record_quietly_warns_once_and_never_raises(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(ix, "_warned", False)
    (tmp_path / INDEX_NAME).mkdir()  # the index cannot be opened
    first = make_session(tmp_path, created=BASE)
    second = make_session(tmp_path, created=BASE + days(1))
    assert ix.record_quietly(first) is None
    assert ix.record_quietly(second) is None
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1
    assert "saved but not indexed" in err[0] and "reindex" in err[0]
    assert (first / "session.json").is_file()


def test_pipeline_indexes_each_new_session(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, bank: list[Prompt]
) -> None:
    from voiceloop.sessions import analyze as pipeline
    from voiceloop.transcribe.decode import TranscribeOptions

    text = answer_text(actions=4, fillers=3)
    monkeypatch.setattr(pipeline, "transcribe", lambda *a, **k: transcript_for(text))
    result = pipeline.analyze_samples(
        np.zeros(16_000 * 45, dtype=np.float32),
        source="test",
        prompt=prompt(bank, "ownership-outside-remit"),
        recordings_dir=tmp_path,
        transcribe_options=TranscribeOptions(),
    )
    with open_index(tmp_path, sync=False) as index:  # no sync: the pipeline itself recorded it
        row = index.get(result.meta.id)
    assert row is not None
    assert row.prompt_id == "ownership-outside-remit"
    assert row.wpm == pytest.approx(result.analysis.pacing.wpm)


def test_pipeline_keeps_the_session_when_the_index_fails(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from voiceloop.sessions import analyze as pipeline
    from voiceloop.transcribe.decode import TranscribeOptions

    monkeypatch.setattr(ix, "_warned", False)
    monkeypatch.setattr(pipeline, "transcribe", lambda *a, **k: transcript_for(answer_text()))
    (tmp_path / INDEX_NAME).mkdir()  # the index cannot be opened
    result = pipeline.analyze_samples(
        np.zeros(16_000 * 45, dtype=np.float32),
        source="test",
        prompt=None,
        recordings_dir=tmp_path,
        transcribe_options=TranscribeOptions(),
    )
    assert (result.folder / "analysis.json").is_file()
    assert "not indexed" in capsys.readouterr().err


WORKER = textwrap.dedent(
    """
    import sys
    from pathlib import Path
    from voiceloop.sessions.index import record, open_index
    folders = [Path(p) for p in sys.argv[1:]]
    for i, folder in enumerate(folders):
        record(folder)
        if i % 5 == 0:
            with open_index(folder.parent) as index:  # a reader that also syncs
                index.query()
    """
)


def test_concurrent_writers_do_not_corrupt_the_index(tmp_path: Path) -> None:
    folders = [make_session(tmp_path, created=BASE + days(i / 24)) for i in range(48)]
    # No index yet: four processes create, migrate and fill it at the same moment.
    chunks = [folders[k::4] for k in range(4)]
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", WORKER, *map(str, chunk)],
            stderr=subprocess.PIPE,
            text=True,
            cwd=TESTS,
        )
        for chunk in chunks
    ]
    errors = [p.communicate(timeout=120)[1] for p in procs]
    assert [p.returncode for p in procs] == [0, 0, 0, 0], errors
    db = sqlite3.connect(tmp_path / INDEX_NAME)
    assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    assert db.execute("SELECT count(*) FROM sessions").fetchone()[0] == len(folders)
    names = [r[0] for r in db.execute("SELECT name FROM _migrations")]
    assert names == [fn.__name__ for fn in mig.MIGRATIONS]  # each migration ran exactly once
    db.close()
