"""Progress across sessions: trends, principle coverage, the chart, and two sessions compared."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest

from sessionkit import answer_text, transcript_for
from voiceloop.analysis.combined import ANALYSIS_VERSION, analyze
from voiceloop.models import Prompt
from voiceloop.render.progress import render_chart, render_text
from voiceloop.sessions.index import SessionRow
from voiceloop.sessions.progress import (
    ProgressReport,
    build_progress,
    compare_analyses,
    principle_coverage,
)

SVG = "{http://www.w3.org/2000/svg}"


def row(
    n: int,
    *,
    wpm: float | None = 140.0,
    fillers: float | None = 2.0,
    action: float | None = 0.6,
    quantified: bool | None = True,
    duration: float | None = 150.0,
    prompt_id: str | None = "q1",
    status: str = "analyzed",
    version: str = ANALYSIS_VERSION,
    kind: str = "star",
) -> SessionRow:
    return SessionRow.model_validate(
        {
            "id": f"s{n:03d}",
            "created_at": f"2026-02-{n + 1:02d}T20:00:00+01:00",
            "created_ts": 1_770_000_000.0 + n * 86_400,
            "prompt_id": prompt_id,
            "kind": kind,
            "wpm": wpm,
            "fillers_per_min": fillers,
            "action_share": action,
            "result_quantified": quantified,
            "duration_s": duration,
            "target_lo": 120.0,
            "target_hi": 180.0,
            "status": status,
            "analysis_version": version,
        }
    )


BANK = [
    Prompt(id="q1", text="one", principles=["Dive Deep", "Ownership"]),
    Prompt(id="q2", text="two", principles=["Frugality"]),
    Prompt(id="q3", text="three", principles=["Think Big", "Dive Deep"]),
]


def trend(report: ProgressReport, metric: str) -> tuple[float | None, float | None, str]:
    found = next(t for t in report.trends if t.metric == metric)
    return found.earlier, found.recent, found.direction


def check(report: ProgressReport, metric: str, earlier: float, recent: float, way: str) -> None:
    got_earlier, got_recent, got_way = trend(report, metric)
    assert got_earlier == pytest.approx(earlier)
    assert got_recent == pytest.approx(recent)
    assert got_way == way


def test_trends_compare_the_earlier_and_later_half() -> None:
    rows = [
        row(0, wpm=185, fillers=6.0, action=0.35, quantified=False, duration=230),
        row(1, wpm=175, fillers=5.0, action=0.45, quantified=False, duration=200),
        row(2, wpm=150, fillers=2.0, action=0.58, quantified=True, duration=160),
        row(3, wpm=140, fillers=1.0, action=0.62, quantified=None, duration=140),
    ]
    report = build_progress(list(reversed(rows)), scope="test", counts={}, bank=BANK)
    assert report.count == 4 and report.skipped == 0
    assert [p.id for p in report.points] == ["s000", "s001", "s002", "s003"]  # oldest first
    check(report, "wpm", 180.0, 145.0, "better")
    check(report, "fillers_per_min", 5.5, 1.5, "better")
    check(report, "action_share", 0.40, 0.60, "better")
    # A STAR answer with no Result section counts as not quantified.
    assert trend(report, "quantified_rate") == (0.0, 0.5, "better")
    assert trend(report, "on_target_rate") == (0.0, 1.0, "better")


def test_getting_worse_and_holding_steady_are_told_apart() -> None:
    rows = [row(0, fillers=1.0, wpm=140), row(1, fillers=1.2, wpm=150)]
    rows += [row(2, fillers=4.0, wpm=142), row(3, fillers=5.0, wpm=158)]
    report = build_progress(rows, scope="test", counts={}, bank=BANK)
    assert trend(report, "fillers_per_min")[2] == "worse"
    assert trend(report, "wpm")[2] == "steady"  # inside 120-160 both times


def test_unanalyzed_sessions_are_left_out_and_counted() -> None:
    rows = [row(0), row(1, status="unanalyzed", wpm=None), row(2, status="broken", wpm=None)]
    report = build_progress(rows, scope="test", counts={}, bank=BANK)
    assert report.count == 1 and report.skipped == 2
    assert trend(report, "wpm")[2] == "n/a"  # one session: nothing to compare


def test_sessions_analyzed_by_another_version_are_counted_and_told() -> None:
    rows = [row(0, version="0.2.6"), row(1, version="0.2.6"), row(2, version="0.1.0"), row(3)]
    report = build_progress(rows, scope="test", counts={}, bank=BANK)
    assert report.other_versions == {"0.1.0": 1, "0.2.6": 2}
    text = render_text(report)
    assert "3 of these sessions were analyzed by another voiceloop (0.1.0: 1, 0.2.6: 2;" in text
    assert "voiceloop reanalyze --all" in text
    same = build_progress([row(0), row(1)], scope="test", counts={}, bank=BANK)
    assert same.other_versions == {}
    assert "another voiceloop" not in render_text(same)


def test_principles_never_practised_come_from_the_bank() -> None:
    practised, never = principle_coverage({"q1": 3, "gone": 1}, BANK, {"gone": ["Think Big"]})
    assert practised == {"Dive Deep": 3, "Ownership": 3, "Think Big": 1}
    assert never == ["Frugality"]
    _, none_yet = principle_coverage({}, BANK, {})
    assert none_yet == ["Dive Deep", "Ownership", "Frugality", "Think Big"]


def test_chart_is_valid_svg_with_one_line_per_figure() -> None:
    rows = [row(i, wpm=130 + i, fillers=5 - i * 0.5) for i in range(6)]
    report = build_progress(rows, scope="last 6", counts={"q1": 6}, bank=BANK)
    root = ET.fromstring(render_chart(report))
    assert root.tag == f"{SVG}svg"
    lines = root.findall(f".//{SVG}polyline")
    assert len(lines) == 5
    wpm_points = lines[0].attrib["points"].split()
    assert len(wpm_points) == 6
    ys = [float(p.split(",")[1]) for p in wpm_points]
    assert ys == sorted(ys, reverse=True)  # rising pace draws higher (smaller y)
    titles = [t.text for t in root.iter(f"{SVG}title")]
    assert any("Fillers per minute" in (t or "") for t in titles)
    text = render_text(report)
    assert "Words per minute" in text and "Never practised (2): Frugality, Think Big" in text


def test_compare_marks_what_changed() -> None:
    before = analyze(transcript_for(answer_text(actions=2, fillers=8, quantified=False)))
    after = analyze(transcript_for(answer_text(actions=6, fillers=0, quantified=True)))
    rows = {r.label: r for r in compare_analyses(before, after)}
    assert rows["Fillers per minute"].direction == "better"
    assert rows["Fillers per minute"].change.startswith("-")
    assert rows["Action share"].direction == "better"
    assert rows["Result quantified"].a == "no" and rows["Result quantified"].b == "yes"
    assert rows["Result quantified"].direction == "better"
    backwards = {r.label: r for r in compare_analyses(after, before)}
    assert backwards["Fillers per minute"].direction == "worse"
    assert backwards["Result quantified"].direction == "worse"
    same = {r.label: r.direction for r in compare_analyses(before, before)}
    assert set(same.values()) <= {"steady", "n/a"}
