"""History that means what it says: one count per recording, honest rates, readable dates,
compare across question kinds, and every history command naming the folder it reads."""

from __future__ import annotations

import json
import subprocess
import xml.etree.ElementTree as ET
from datetime import timedelta
from pathlib import Path

import numpy as np
import pytest

from sessionkit import BASE, answer_text, days, make_session, ok, run_cli, transcript_for
from voiceloop.models import Prompt, SessionMeta
from voiceloop.prompts import get_prompt, load_bank
from voiceloop.sessions.index import SessionQuery, open_index
from voiceloop.sessions.progress import build_progress

SVG = "{http://www.w3.org/2000/svg}"


@pytest.fixture(scope="module")
def bank() -> list[Prompt]:
    return load_bank()


def run(rec: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return run_cli(rec, *args, timeout=300)


def pcm_sha256(path: Path) -> str | None:
    from voiceloop.sessions.store import pcm_sha256 as digest

    return digest(path)


def noise(seed: int, seconds: float = 1.0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    return (0.1 * rng.standard_normal(int(16_000 * seconds))).astype(np.float32)


# --- 1. the same recording counts once -------------------------------------------------------


def test_same_audio_gets_the_same_hash_and_counts_once(tmp_path: Path, bank: list[Prompt]) -> None:
    q = get_prompt(bank, "dive-deep-root-cause")
    take = noise(1)
    first = make_session(tmp_path, prompt=q, created=BASE, samples=take, text=answer_text(2, 9))
    again = make_session(tmp_path, prompt=q, created=BASE + days(1), samples=take)
    other = make_session(tmp_path, prompt=q, created=BASE + days(2), samples=noise(2))
    metas = {
        f: SessionMeta.model_validate_json((f / "session.json").read_text())
        for f in (first, again, other)
    }
    assert metas[first].audio_sha256 == metas[again].audio_sha256 == pcm_sha256(first / "audio.wav")
    assert metas[other].audio_sha256 not in (None, metas[first].audio_sha256)

    with open_index(tmp_path) as index:
        assert len(index.query()) == 3  # both takes stay listed
        kept = index.query(SessionQuery(distinct_audio=True))
        assert [r.id for r in kept] == [other.name, again.name]  # the newest of the two
        assert index.practice_counts() == {q.id: 2}

    report = json.loads(ok(run(tmp_path, "progress", "--json", "--no-chart")))
    assert report["count"] == 2 and report["duplicates"] == 1
    assert [p["id"] for p in report["points"]] == [again.name, other.name]
    text = ok(run(tmp_path, "progress", "--no-chart"))
    assert "Progress over 2 sessions" in text
    assert "1 session(s) left out: the same recording analyzed again" in text


def test_old_sessions_get_their_hash_when_the_index_syncs(tmp_path: Path) -> None:
    take = noise(3)
    folders = [make_session(tmp_path, created=BASE + days(i), samples=take) for i in range(2)]
    for folder in folders:  # written by a voiceloop that kept no hash
        meta = json.loads((folder / "session.json").read_text())
        del meta["audio_sha256"]
        (folder / "session.json").write_text(json.dumps(meta))
    with open_index(tmp_path) as index:
        rows = index.query()
        assert {r.audio_sha256 for r in rows} == {pcm_sha256(folders[0] / "audio.wav")}
        assert [r.id for r in index.query(SessionQuery(distinct_audio=True))] == [folders[1].name]


def test_analyzing_the_same_audio_again_is_recognised(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from voiceloop.sessions import analyze as pipeline
    from voiceloop.transcribe.decode import TranscribeOptions

    monkeypatch.setattr(pipeline, "transcribe", lambda *a, **k: transcript_for(answer_text()))

    def once(samples: np.ndarray) -> pipeline.SessionResult:
        return pipeline.analyze_samples(
            samples,
            source="test",
            prompt=None,
            recordings_dir=tmp_path,
            transcribe_options=TranscribeOptions(),
        )

    first = once(noise(4, 45))
    assert first.same_audio == [] and first.meta.audio_sha256 is not None
    second = once(noise(4, 45))
    assert second.same_audio == [first.meta.id]
    assert second.folder.is_dir()  # still saved
    assert once(noise(5, 45)).same_audio == []


@pytest.mark.slow
def test_analyze_cli_says_the_file_is_already_in_the_history(tmp_path: Path) -> None:
    rec = tmp_path / "rec"
    first = run(rec, "analyze", "--sample", "--json")
    ok(first)
    assert "already in the history" not in first.stderr
    second = run(rec, "analyze", "--sample", "--json")
    payload = json.loads(ok(second))  # stdout is still one JSON document
    said = [line for line in second.stderr.splitlines() if "already in the history" in line]
    assert len(said) == 1
    assert json.loads(first.stdout)["session"]["id"] in said[0]
    assert payload["session"]["audio_sha256"] == json.loads(first.stdout)["session"]["audio_sha256"]
    assert json.loads(ok(run(rec, "progress", "--json", "--no-chart")))["count"] == 1


# --- 2. rates rest on the sessions that have the figure ---------------------------------------


def point(n: int, *, kind: str, quantified: bool | None, hour: int = 20) -> dict[str, object]:
    return {
        "id": f"s{n:03d}",
        "created_at": f"2026-02-{n + 1:02d}T{hour:02d}:00:00+01:00",
        "created_ts": 1_770_000_000.0 + n * 86_400,
        "prompt_id": "q",
        "kind": kind,
        "wpm": 140.0,
        "fillers_per_min": 2.0,
        "action_share": 0.6,
        "result_quantified": quantified,
        "duration_s": 150.0,
        "target_lo": 120.0,
        "target_hi": 180.0,
    }


def quantified_trend(rows: list[dict[str, object]]) -> tuple[float | None, float | None, int]:
    from voiceloop.sessions.index import SessionRow

    report = build_progress(
        [SessionRow.model_validate(r) for r in rows], scope="t", counts={}, bank=[]
    )
    t = next(t for t in report.trends if t.metric == "quantified_rate")
    return t.earlier, t.recent, t.sessions


def test_a_star_answer_with_no_result_lowers_results_quantified() -> None:
    rows = [point(0, kind="star", quantified=True), point(1, kind="star", quantified=None)]
    earlier, recent, n = quantified_trend(rows)
    assert (earlier, recent, n) == (1.0, 0.0, 2)  # no Result: not quantified, not skipped


def test_results_quantified_counts_star_answers_only() -> None:
    # An intro's closing numbers are not a STAR Result: it neither raises nor lowers the rate,
    # and the halves are split among the STAR answers, not all sessions.
    rows = [
        point(0, kind="intro", quantified=True),
        point(1, kind="intro", quantified=False),
        point(2, kind="star", quantified=False),
        point(3, kind="deep_dive", quantified=True),
    ]
    assert quantified_trend(rows) == (0.0, 1.0, 2)


def test_progress_cli_counts_a_result_less_star_answer_as_not_quantified(tmp_path: Path) -> None:
    base = transcript_for(answer_text())
    for i, quantified in enumerate((True, None)):
        from voiceloop.analysis.combined import analyze

        analysis = analyze(base)
        analysis = analysis.model_copy(
            update={
                "quantify": analysis.quantify.model_copy(update={"result_quantified": quantified})
            }
        )
        make_session(tmp_path, created=BASE + days(i), samples=noise(10 + i), analysis=analysis)
    report = json.loads(ok(run(tmp_path, "progress", "--json", "--no-chart")))
    rate = next(t for t in report["trends"] if t["metric"] == "quantified_rate")
    assert rate["overall"] == pytest.approx(0.5)
    text = ok(run(tmp_path, "progress", "--no-chart"))
    assert "of the 2 STAR answers" in text


# --- 3. dates on the chart tell one day's sessions apart -------------------------------------


def chart_labels(tmp_path: Path, created: list[timedelta]) -> list[str]:
    for i, offset in enumerate(created):
        make_session(tmp_path, created=BASE + offset, samples=noise(20 + i))
    chart = tmp_path.parent / f"{tmp_path.name}.svg"
    ok(run(tmp_path, "progress", "--chart", str(chart)))
    panel = ET.parse(chart).getroot().find(f".//{SVG}g")
    assert panel is not None
    return [
        t.text or "" for t in panel.iter(f"{SVG}text") if t.attrib.get("text-anchor") == "middle"
    ]


def test_chart_labels_carry_the_time_when_sessions_share_a_day(tmp_path: Path) -> None:
    hours = [timedelta(hours=0), timedelta(hours=1, minutes=5), timedelta(hours=2, minutes=10)]
    labels = chart_labels(tmp_path / "one-day", hours)
    day = f"{BASE:%m-%d}"
    assert labels[-3:] == [f"{day} {BASE + h:%H:%M}" for h in hours], labels
    spread = chart_labels(tmp_path / "days", [days(0), days(1), days(2)])
    assert spread[-3:] == [f"{BASE + days(i):%m-%d}" for i in range(3)]


# --- 4. compare warns across question kinds ---------------------------------------------------


def test_compare_warns_when_the_questions_are_of_different_kinds(
    tmp_path: Path, bank: list[Prompt]
) -> None:
    intro = make_session(
        tmp_path, prompt=get_prompt(bank, "intro-tell-me-about-yourself"), samples=noise(30)
    )
    star = make_session(
        tmp_path,
        prompt=get_prompt(bank, "dive-deep-root-cause"),
        created=BASE + days(1),
        samples=noise(31),
    )
    star2 = make_session(
        tmp_path,
        prompt=get_prompt(bank, "dive-deep-metric-overhaul"),
        created=BASE + days(2),
        samples=noise(32),
    )
    text = ok(run(tmp_path, "compare", intro.name, star.name))
    warnings = [line for line in text.splitlines() if line.startswith("Warning:")]
    assert len(warnings) == 1
    assert "introduction" in warnings[0] and "STAR story" in warnings[0]
    payload = json.loads(ok(run(tmp_path, "compare", intro.name, star.name, "--json")))
    assert payload["question_kinds"] == ["intro", "star"] and payload["kinds_differ"] is True
    same = ok(run(tmp_path, "compare", star.name, star2.name))
    assert "Warning:" not in same
    assert (
        json.loads(ok(run(tmp_path, "compare", star.name, star2.name, "--json")))["kinds_differ"]
        is False
    )


# --- 5. every history command says where it reads ---------------------------------------------


def test_every_history_command_names_the_recordings_folder(tmp_path: Path) -> None:
    rec = tmp_path / "rec"
    old = make_session(rec, samples=noise(40))
    new = make_session(rec, created=BASE + days(1), samples=noise(41))
    line = f"voiceloop: reading sessions from {rec.resolve()}"
    commands = [
        ("sessions",),
        ("sessions", "--json"),
        ("progress", "--no-chart"),
        ("progress", "--json", "--no-chart"),
        ("compare", old.name, new.name),
        ("export",),
        ("show", "last"),
        ("reanalyze", "last"),
        ("reanalyze", "--all"),
    ]
    for args in commands:
        result = run(rec, *args)
        out = ok(result)
        assert result.stderr.splitlines().count(line) == 1, (args, result.stderr)
        assert "reading sessions" not in out, args  # stdout keeps its format
    assert json.loads(ok(run(rec, "sessions", "--json")))[0]["id"] == new.name
