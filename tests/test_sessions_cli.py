"""The session commands, run as a user runs them: a real process on real session folders."""

from __future__ import annotations

import csv
import hashlib
import io
import json
import os
import shutil
import subprocess
import xml.etree.ElementTree as ET
from pathlib import Path

import numpy as np
import pytest

from sessionkit import BASE, answer_text, days, make_session, ok
from sessionkit import run_cli as run
from voiceloop.analysis.combined import ANALYSIS_VERSION
from voiceloop.models import SessionMeta
from voiceloop.prompts import get_prompt, load_bank
from voiceloop.sessions.index import INDEX_NAME

PLAN = [  # (prompt id or None, day, actions, fillers, quantified)
    ("dive-deep-root-cause", 0, 2, 9, False),
    ("ownership-outside-remit", 1, 3, 7, True),
    ("frugality-more-with-less", 2, 3, 6, False),
    ("dive-deep-metric-overhaul", 3, 4, 4, True),
    (None, 4, 5, 2, True),
    ("dive-deep-root-cause", 5, 6, 1, True),
]


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    bank = load_bank()
    folder = tmp_path_factory.mktemp("template")
    for pid, day, actions, fillers, quantified in PLAN:
        make_session(
            folder,
            prompt=get_prompt(bank, pid) if pid else None,
            created=BASE + days(day),
            text=answer_text(actions, fillers, quantified),
            # a recording of its own each: the same audio would count once in progress
            samples=(0.1 * np.random.default_rng(day).standard_normal(1600)).astype(np.float32),
        )
    return folder


@pytest.fixture
def rec(template: Path, tmp_path: Path) -> Path:
    target = tmp_path / "rec"
    shutil.copytree(template, target)
    return target


def ids(rec: Path) -> list[str]:
    """Session folder names, newest first (the names start with the time)."""
    return sorted((p.name for p in rec.iterdir() if p.is_dir()), reverse=True)


def one_line_error(result: subprocess.CompletedProcess[str], *fragments: str) -> None:
    assert result.returncode != 0
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("voiceloop: error: "), result.stderr
    for fragment in fragments:
        assert fragment in lines[0]


def listed(output: str) -> list[str]:
    return [line.split()[0] for line in output.splitlines()[1:] if line.startswith("20")]


def test_sessions_newest_first_with_filters(rec: Path) -> None:
    everything = ids(rec)
    assert listed(ok(run(rec, "sessions"))) == everything
    dive = listed(ok(run(rec, "sessions", "--lp", "dive deep")))
    assert dive == [i for i in everything if "dive-deep" in i]
    assert listed(ok(run(rec, "sessions", "--prompt", "ownership"))) == [
        i for i in everything if "ownership" in i
    ]
    day = f"{BASE + days(2):%Y-%m-%d}"
    until = f"{BASE + days(3):%Y-%m-%d}"
    window = listed(ok(run(rec, "sessions", "--since", day, "--until", until)))
    assert window == everything[2:4]
    limited = ok(run(rec, "sessions", "--limit", "2"))
    assert listed(limited) == everything[:2]
    assert "2 of 6 shown" in limited
    rows = json.loads(ok(run(rec, "sessions", "--json")))
    assert [r["id"] for r in rows] == everything
    assert all(r["wpm"] > 60 for r in rows)
    one_line_error(run(rec, "sessions", "--since", "last tuesday"), "--since")


def test_deleted_index_is_rebuilt_by_sessions(rec: Path) -> None:
    ok(run(rec, "sessions"))
    for suffix in ("", "-wal", "-shm"):
        Path(f"{rec / INDEX_NAME}{suffix}").unlink(missing_ok=True)
    result = run(rec, "sessions")
    assert listed(ok(result)) == ids(rec)
    assert (rec / INDEX_NAME).is_file()


def test_corrupt_index_is_rebuilt_with_a_one_line_notice(rec: Path) -> None:
    ok(run(rec, "sessions"))
    for suffix in ("-wal", "-shm"):
        Path(f"{rec / INDEX_NAME}{suffix}").unlink(missing_ok=True)
    (rec / INDEX_NAME).write_bytes(os.urandom(20_000))
    result = run(rec, "sessions")
    assert listed(ok(result)) == ids(rec)
    notice = [line for line in result.stderr.splitlines() if "reading sessions" not in line]
    assert len(notice) == 1 and "rebuilt" in notice[0], result.stderr
    where = f"voiceloop: reading sessions from {rec.resolve()}"
    assert run(rec, "sessions").stderr.splitlines() == [where]  # fixed for good


def test_damaged_sessions_are_reported_not_fatal(rec: Path) -> None:
    newest, second, third = ids(rec)[:3]
    (rec / newest / "audio.wav").unlink()
    (rec / second / "analysis.json").unlink()
    (rec / third / "session.json").write_text("garbage")
    out = ok(run(rec, "sessions"))
    lines = {line.split()[0]: line for line in out.splitlines()[1:]}
    assert len(lines) == 6
    assert lines[newest].endswith("audio missing")
    assert lines[second].endswith("analysis missing")
    assert lines[third].endswith("session.json unreadable")

    shown = ok(run(rec, "show", second))
    assert "Problems: analysis missing" in shown
    assert f"voiceloop reanalyze {second}" in shown
    assert "Problems: audio missing" in ok(run(rec, "show", newest))
    one_line_error(run(rec, "report", second), "analysis.json", "reanalyze")
    one_line_error(run(rec, "show", "19990101"), "no session")


def test_show_and_reports(rec: Path) -> None:
    newest = ids(rec)[0]
    shown = ok(run(rec, "show", "last"))
    assert shown.startswith(f"Session {newest}")
    assert "Principles: Dive Deep" in shown and "wpm" in shown
    md = ok(run(rec, "report", newest[:20]))
    assert md.startswith("# voiceloop report: dive-deep-root-cause")
    payload = json.loads(ok(run(rec, "report", newest, "--format", "json")))
    assert payload["session"]["id"] == newest
    written = ok(run(rec, "report", newest, "--format", "html")).strip()
    assert Path(written) == rec / newest / "report.html"
    page = Path(written).read_text()
    assert page.startswith("<!DOCTYPE html>") and "data:audio/mpeg;base64," in page
    out = rec.parent / "elsewhere" / "r.html"
    ok(run(rec, "report", newest, "-f", "html", "-o", str(out), "--link-audio"))
    assert f'src="../rec/{newest}/audio.wav"' in out.read_text()


def test_delete_asks_first(rec: Path) -> None:
    victim = ids(rec)[-1]
    kept = run(rec, "delete", victim, stdin="n\n")
    assert kept.returncode != 0 and (rec / victim).is_dir()
    ok(run(rec, "delete", victim, stdin="y\n"))
    assert not (rec / victim).exists()
    assert victim not in listed(ok(run(rec, "sessions")))
    other = ids(rec)[0]
    ok(run(rec, "delete", other, "--yes"))
    assert len(listed(ok(run(rec, "sessions")))) == 4
    assert not [p for p in rec.iterdir() if p.name.startswith(".deleting")]


def test_export_csv(rec: Path) -> None:
    target = rec.parent / "sessions.csv"
    ok(run(rec, "export", "--csv", str(target)))
    rows = list(csv.DictReader(target.open()))
    index_rows = json.loads(ok(run(rec, "sessions", "--json")))
    assert [r["id"] for r in rows] == [r["id"] for r in reversed(index_rows)]  # oldest first
    for mine, theirs in zip(rows, reversed(index_rows), strict=True):
        assert float(mine["wpm"]) == pytest.approx(theirs["wpm"], abs=0.05)  # to 0.1 wpm
        assert json.loads(mine["principles"]) == theirs["principles"]  # a JSON array
    streamed = list(csv.DictReader(io.StringIO(ok(run(rec, "export", "--lp", "frugality")))))
    assert [r["prompt_id"] for r in streamed] == ["frugality-more-with-less"]


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def listed_wpm(rec: Path, session_id: str) -> float:
    """The pace `voiceloop sessions` lists for one session (a random id may hold "999")."""
    rows = json.loads(ok(run(rec, "sessions", "--json")))
    return float(next(r["wpm"] for r in rows if r["id"] == session_id))


def test_reanalyze_keeps_audio_and_notes_the_old_version(rec: Path) -> None:
    target = ids(rec)[1]
    folder = rec / target
    audio_before = digest(folder / "audio.wav")
    analysis = json.loads((folder / "analysis.json").read_text())
    analysis["version"] = "0.0.1-old"
    analysis["pacing"]["wpm"] = 999.0
    (folder / "analysis.json").write_text(json.dumps(analysis))
    meta = json.loads((folder / "session.json").read_text())
    meta["analysis_version"] = "0.0.1-old"
    (folder / "session.json").write_text(json.dumps(meta))
    assert listed_wpm(rec, target) == 999.0

    out = ok(run(rec, "reanalyze", "--all"))
    assert out.count("analysis") == 1 and f"0.0.1-old -> {ANALYSIS_VERSION}" in out
    meta_after = SessionMeta.model_validate_json((folder / "session.json").read_text())
    assert meta_after.previous_analysis_versions == ["0.0.1-old"]
    assert meta_after.analysis_version == ANALYSIS_VERSION
    assert json.loads((folder / "analysis.json").read_text())["pacing"]["wpm"] < 200
    assert digest(folder / "audio.wav") == audio_before
    assert listed_wpm(rec, target) < 200
    assert "already at analysis version" in ok(run(rec, "reanalyze", "--all"))

    (folder / "analysis.json").unlink()
    ok(run(rec, "reanalyze", target))
    assert (folder / "analysis.json").is_file()
    again = SessionMeta.model_validate_json((folder / "session.json").read_text())
    assert again.previous_analysis_versions == ["0.0.1-old", ANALYSIS_VERSION]
    one_line_error(run(rec, "reanalyze"), "--all")


def test_progress_and_compare(rec: Path) -> None:
    chart = rec.parent / "chart.svg"
    out = ok(run(rec, "progress", "--last", "6", "--chart", str(chart)))
    assert "Progress over 6 sessions" in out
    fillers = next(line for line in out.splitlines() if line.startswith("Fillers per minute"))
    assert fillers.endswith("better")  # the plan cuts fillers from 9 to 1 per answer
    assert "Never practised" in out and "Customer Obsession" in out
    assert f"Chart: {chart}" in out
    svg = ET.parse(chart).getroot()
    assert len(svg.findall(".//{http://www.w3.org/2000/svg}polyline")) == 5

    report = json.loads(ok(run(rec, "progress", "--lp", "dive deep", "--json", "--no-chart")))
    assert report["count"] == 3
    assert "Dive Deep" not in report["principles_never"]

    oldest, newest = ids(rec)[-1], ids(rec)[0]
    compared = ok(run(rec, "compare", oldest, newest))
    assert compared.startswith(f"A: {oldest}")
    better = next(line for line in compared.splitlines() if line.startswith("Better:"))
    assert "Fillers per minute" in better and "Result quantified" in better
    assert "reanalyze" not in out and "Note:" not in compared  # all on this version


def test_progress_and_compare_say_when_a_session_was_analyzed_by_another_version(
    rec: Path,
) -> None:
    old = ids(rec)[-1]
    for name, key in (("analysis.json", "version"), ("session.json", "analysis_version")):
        data = json.loads((rec / old / name).read_text())
        data[key] = "0.0.1-old"
        (rec / old / name).write_text(json.dumps(data))
    out = ok(run(rec, "progress", "--no-chart"))
    note = "1 of these sessions was analyzed by another voiceloop (0.0.1-old: 1; this is"
    note += f" {ANALYSIS_VERSION})"
    assert note in out and "voiceloop reanalyze --all" in out
    report = json.loads(ok(run(rec, "progress", "--json", "--no-chart")))
    assert report["other_versions"] == {"0.0.1-old": 1}
    compared = ok(run(rec, "compare", old, ids(rec)[0]))
    assert f"Note: A was analyzed by voiceloop 0.0.1-old and B by {ANALYSIS_VERSION}" in compared
    as_json = json.loads(ok(run(rec, "compare", old, ids(rec)[0], "--json")))
    assert as_json["analysis_versions"] == ["0.0.1-old", ANALYSIS_VERSION]

    ok(run(rec, "reanalyze", "--all"))
    assert "another voiceloop" not in ok(run(rec, "progress", "--no-chart"))
    assert "Note:" not in ok(run(rec, "compare", old, ids(rec)[0]))


def test_reindex(rec: Path) -> None:
    (rec / ids(rec)[0] / "audio.wav").unlink()
    out = ok(run(rec, "reindex"))
    assert out.startswith("Indexed 6 sessions") and "1 with problems" in out
