"""Failed takes (silent, no speech heard): kept for recovery, clearly marked, never practice.

Real takes written as the recorder writes them, real session folders, the real SQLite index,
and the commands run as a user runs them.
"""

from __future__ import annotations

import json
import sqlite3
from datetime import datetime, timedelta
from pathlib import Path

import numpy as np
import pytest

from sessionkit import BASE, answer_text, days, make_session, ok, run_cli
from voiceloop.capture.takes import TakeInfo, start_take
from voiceloop.models import Prompt, SessionMeta
from voiceloop.prompts import get_prompt, load_bank
from voiceloop.sessions import migrations as mig
from voiceloop.sessions.index import INDEX_NAME, open_index, practice_counts
from voiceloop.sessions.store import SessionFiles, new_session_meta, write_session

RATE = 16_000
FAILED_Q = "frugality-more-with-less"  # the only question on Frugality among those used here
DONE_Q = "dive-deep-root-cause"


@pytest.fixture(scope="module")
def bank() -> list[Prompt]:
    return load_bank()


def leave_take(rec: Path, prompt: Prompt, samples: np.ndarray, when: datetime) -> None:
    """A take left in recordings/.takes/ as the recorder leaves it when a run is killed."""
    info = TakeInfo.begin(prompt, RATE, "", when)
    _take, writer = start_take(rec, info)
    pcm = (np.clip(samples, -1, 1) * 32767).astype("<i2").tobytes()
    writer.write(pcm)
    writer.close()


def hiss(seconds: float, seed: int = 0) -> np.ndarray:
    """Microphone hiss only (peak about -70 dBFS): no answer in it."""
    rng = np.random.default_rng(seed)
    return (3e-4 * rng.standard_normal(int(RATE * seconds))).astype(np.float32)


def session_json(folder: Path) -> SessionMeta:
    return SessionMeta.model_validate_json((folder / "session.json").read_text())


def recovered_failed_take(rec: Path, bank: list[Prompt]) -> Path:
    """`voiceloop recover` turns a hiss-only take into a failed take; returns its folder."""
    leave_take(rec, get_prompt(bank, FAILED_Q), hiss(20), BASE + days(1))
    result = run_cli(rec, "recover")
    assert result.returncode == 0, result.stderr
    folders = [p for p in rec.iterdir() if p.is_dir() and FAILED_Q in p.name]
    assert len(folders) == 1, folders
    folder = folders[0]
    assert f"`voiceloop delete {folder.name}` removes it" in result.stdout
    return folder


def test_a_silent_take_is_a_failed_take_and_no_practice(tmp_path: Path, bank: list[Prompt]) -> None:
    rec = tmp_path / "rec"
    done = make_session(rec, prompt=get_prompt(bank, DONE_Q), created=BASE)
    failed = recovered_failed_take(rec, bank)
    meta = session_json(failed)
    assert meta.status == "unanalyzed" and meta.failure == "near-silent recording"
    assert (failed / "audio.wav").is_file()  # kept for recovery

    with open_index(rec) as index:
        row = index.get(failed.name)
        assert row is not None and row.status == "failed"
        assert row.failure == "near-silent recording"
        assert index.practice_counts() == {DONE_Q: 1}  # the failed take is no practice
        assert FAILED_Q not in index.stored_principles()
    assert practice_counts(rec) == {DONE_Q: 1}

    # progress: neither a trend point nor a practised principle; Frugality never practised
    report = json.loads(ok(run_cli(rec, "progress", "--json", "--no-chart")))
    assert [p["id"] for p in report["points"]] == [done.name]
    assert report["skipped"] == 0
    assert "Frugality" not in report["principles_practised"]
    assert "Frugality" in report["principles_never"]
    # --last 1 means the last practised session, not the failed take recorded after it
    last = json.loads(ok(run_cli(rec, "progress", "--json", "--no-chart", "--last", "1")))
    assert [p["id"] for p in last["points"]] == [done.name]


def test_failed_takes_are_marked_and_every_message_offers_delete(
    tmp_path: Path, bank: list[Prompt]
) -> None:
    rec = tmp_path / "rec"
    done = make_session(rec, prompt=get_prompt(bank, DONE_Q), created=BASE)
    failed = recovered_failed_take(rec, bank)
    delete = f"voiceloop delete {failed.name}"

    listed = ok(run_cli(rec, "sessions"))
    line = next(x for x in listed.splitlines() if x.startswith(failed.name))
    assert "failed: near-silent recording" in line
    assert "transcript missing" not in line  # a failed take never had one: no damage
    assert delete in listed

    shown = ok(run_cli(rec, "show", failed.name))
    assert "Failed take: near-silent recording" in shown and delete in shown
    assert "--retranscribe" not in shown  # no circle back to the same silence

    for args in (("compare", done.name, failed.name), ("report", failed.name)):
        result = run_cli(rec, *args)
        assert result.returncode != 0
        lines = result.stderr.strip().splitlines()
        assert len(lines) == 1 and delete in lines[0], result.stderr
        assert "reanalyze" not in lines[0]

    # deleting it, as offered, leaves the history clean
    ok(run_cli(rec, "delete", failed.name, "--yes"))
    assert not failed.exists()
    assert failed.name not in ok(run_cli(rec, "sessions"))


def test_reanalyze_all_skips_failed_takes_with_one_line_and_exit_0(
    tmp_path: Path, bank: list[Prompt]
) -> None:
    rec = tmp_path / "rec"
    make_session(rec, prompt=get_prompt(bank, DONE_Q), created=BASE)
    failed = recovered_failed_take(rec, bank)
    # a take saved unanalyzed by an older voiceloop (no failure recorded): hiss only
    meta = new_session_meta(
        get_prompt(bank, DONE_Q),
        (BASE + days(2)).astimezone(),
        source="microphone",
        audio_seconds=20.0,
        model="",
        analysis_version="",
        status="unanalyzed",
    )
    old = write_session(rec, SessionFiles(meta), hiss(20, seed=1))

    first = run_cli(rec, "reanalyze", "--all")
    assert first.returncode == 0, first.stderr
    out = first.stdout.splitlines()
    assert [x for x in out if x.startswith(failed.name)] == [
        f"{failed.name}: skipped, a failed take (near-silent recording); kept, not counted "
        f"as practice; `voiceloop delete {failed.name}` removes it"
    ]
    # the old take is found to hold no answer: marked once, with the delete offer
    (old_line,) = [x for x in out if x.startswith(old.name)]
    assert "near-silent" in old_line and f"voiceloop delete {old.name}" in old_line
    assert session_json(old).failure == "near-silent recording"

    again = run_cli(rec, "reanalyze", "--all")
    assert again.returncode == 0, again.stderr
    skipped = [x for x in again.stdout.splitlines() if ": skipped, a failed take" in x]
    assert sorted(x.split(":")[0] for x in skipped) == sorted([failed.name, old.name])
    assert len(again.stdout.strip().splitlines()) == 2  # one line each, nothing else
    with open_index(rec) as index:
        assert index.practice_counts() == {DONE_Q: 1}


def test_a_take_saved_on_request_is_not_practice_until_analyzed(
    tmp_path: Path, bank: list[Prompt]
) -> None:
    rec = tmp_path / "rec"
    q = get_prompt(bank, DONE_Q)
    meta = new_session_meta(
        q,
        BASE.astimezone(),
        source="microphone",
        audio_seconds=1.0,
        model="",
        analysis_version="",
        status="unanalyzed",
    )
    pending = write_session(rec, SessionFiles(meta), hiss(1, seed=2))
    with open_index(rec) as index:
        row = index.get(pending.name)
        assert row is not None and row.status == "unanalyzed"
        assert index.practice_counts() == {}
    result = run_cli(rec, "report", pending.name)
    assert result.returncode != 0
    assert f"voiceloop delete {pending.name}" in result.stderr


def test_migration_m005_upgrades_an_index_that_predates_failed_takes(
    tmp_path: Path, bank: list[Prompt]
) -> None:
    rec = tmp_path / "rec"
    failed = recovered_failed_take(rec, bank)
    (rec / INDEX_NAME).unlink()
    db = sqlite3.connect(rec / INDEX_NAME, isolation_level=None)
    db.execute("CREATE TABLE _migrations (name TEXT PRIMARY KEY, applied_at TEXT NOT NULL)")
    for fn in mig.MIGRATIONS[:4]:  # an index written by a voiceloop that knew m001-m004
        fn(db)
        db.execute("INSERT INTO _migrations VALUES (?, 'then')", (fn.__name__,))
    db.close()
    with open_index(rec) as index:
        assert "m005_failed_takes" in mig.applied_migrations(index.db)
        row = index.get(failed.name)
    assert row is not None and row.status == "failed" and row.failure == "near-silent recording"


@pytest.mark.slow
def test_reanalysis_that_hears_an_answer_clears_the_mark(
    tmp_path: Path, bank: list[Prompt], speak: object
) -> None:
    import soundfile as sf

    rec = tmp_path / "rec"
    wav = speak(answer_text(actions=2, fillers=0))  # type: ignore[operator]
    samples, rate = sf.read(str(wav), dtype="float32")
    assert rate == RATE
    meta = new_session_meta(
        get_prompt(bank, DONE_Q),
        (datetime.now() - timedelta(hours=1)).astimezone(),
        source="microphone",
        audio_seconds=len(samples) / RATE,
        model="",
        analysis_version="",
        status="unanalyzed",
    ).model_copy(update={"failure": "no speech heard"})  # as a model that heard nothing left it
    folder = write_session(rec, SessionFiles(meta), samples)
    with open_index(rec) as index:
        assert index.practice_counts() == {}

    out = ok(run_cli(rec, "reanalyze", folder.name, timeout=300))
    assert f"{folder.name}: analysis none ->" in out
    after = session_json(folder)
    assert after.failure is None and after.status == "analyzed"
    with open_index(rec) as index:
        row = index.get(folder.name)
        assert row is not None and row.status == "analyzed" and row.failure is None
        assert index.practice_counts() == {DONE_Q: 1}
    assert "failed" not in ok(run_cli(rec, "sessions"))


def test_the_browser_session_list_marks_a_failed_take_as_the_cli_does(
    tmp_path: Path, bank: list[Prompt]
) -> None:
    from voiceloop.web.pages import sessions_page

    rec = tmp_path / "recordings"
    rec.mkdir()
    recovered_failed_take(rec, bank)
    with open_index(rec) as index:
        rows = index.query()
    page = sessions_page(rows, bank, {}, total=len(rows))
    assert "failed: near-silent recording" in page
    assert "transcript missing" not in page
