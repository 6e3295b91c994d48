"""`voiceloop round`: planning, follow-up decisions, the round summary, and one real round."""

from __future__ import annotations

import json
import os
import random
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from fakemic import RATE, FifoMic, alsa_env, to_pcm16
from sessionkit import answer_text, transcript_for
from voiceloop.analysis.combined import analyze
from voiceloop.errors import VoiceloopError
from voiceloop.models import Analysis, Prompt, Transcript
from voiceloop.prompts import load_bank
from voiceloop.render.round import render_round_markdown
from voiceloop.sessions.round import (
    answer_entry,
    choose_follow_up,
    content_stems,
    find_reused_stories,
    plan_round,
    resolve_principles,
    select_set,
    summarize_round,
)

Speak = Callable[..., Path]

DIVE = Prompt(
    id="dive",
    text="Tell me about a time you found the root cause of a problem.",
    principles=["Dive Deep"],
    follow_ups=[
        "What was your first hypothesis, and what showed you it was wrong?",
        "How is your working relationship with the team now?",
    ],
    must_include=["your first hypothesis and why it failed", "the root cause"],
)


def prompt(pid: str, principles: list[str], target: tuple[float, float] = (120, 180)) -> Prompt:
    return Prompt(id=pid, text=f"Question {pid}?", principles=principles, target_seconds=target)


def analyzed(
    text: str, p: Prompt | None = DIVE, word_s: float = 0.38
) -> tuple[Transcript, Analysis]:
    transcript = transcript_for(text, word_s=word_s)
    return transcript, analyze(transcript, p)


# --- planning -------------------------------------------------------------------------------


def test_plan_covers_the_wanted_principles_first() -> None:
    pool = [
        prompt("a", ["Dive Deep"]),
        prompt("b", ["Ownership"]),
        prompt("c", ["Earn Trust", "Ownership"]),
        prompt("d", ["Frugality"]),
    ]
    for seed in range(5):
        plan = plan_round(
            pool, 2, ["Ownership", "Earn Trust", "Frugality"], rng=random.Random(seed)
        )
        assert [p.id for p in plan.prompts] == ["c", "d"]
        assert plan.unreachable == []
    plan = plan_round(pool, 2, ["Bias for Action"], practice_counts={"a": 3, "b": 1, "d": 2})
    assert plan.unreachable == ["Bias for Action"]
    assert [p.id for p in plan.prompts] == ["c", "b"]  # least practised first


def test_plan_respects_the_budget() -> None:
    pool = [prompt(x, ["Dive Deep"], (120, 180)) for x in "abc"]
    plan = plan_round(pool, 3, budget_s=8 * 60)  # each 2:30 plus a 1:00 follow-up
    assert len(plan.prompts) == 2
    assert "2 of 3 questions fit the time budget" in plan.note
    assert plan.planned_seconds == 300
    with pytest.raises(VoiceloopError, match="no question fits a budget"):
        plan_round(pool, 3, budget_s=120)


def test_sets_and_principles_from_the_real_bank() -> None:
    bank = load_bank()
    general = select_set(bank, "general")
    assert general and all(p.source.endswith("general.toml") for p in general)
    assert {p.kind for p in select_set(bank, "deep-dive")} == {"deep_dive"}
    assert {p.kind for p in select_set(bank, None)} <= {"star", "deep_dive"}
    with pytest.raises(VoiceloopError, match="unknown question set"):
        select_set(bank, "nonsense")
    assert resolve_principles(["dive deep", "backbone"]) == [
        "Dive Deep",
        "Have Backbone; Disagree and Commit",
    ]
    with pytest.raises(VoiceloopError, match="not part of any"):
        resolve_principles(["teamwork"])


# --- follow-ups -----------------------------------------------------------------------------


def test_follow_up_asked_when_the_answer_left_out_what_it_probes() -> None:
    _, plain = analyzed(answer_text())  # no hypothesis in the sessionkit story
    assert plain.coverage is not None
    assert "your first hypothesis and why it failed" in plain.coverage.missing
    decision = choose_follow_up(DIVE, plain)
    assert decision.ask and decision.index == 0
    assert "first hypothesis" in decision.reason

    told = answer_text().replace(
        "First I split",
        "My first hypothesis was a pricing change but it turned out to be wrong. First I split",
    )
    _, full = analyzed(told)
    assert full.coverage is not None
    assert "your first hypothesis and why it failed" not in full.coverage.missing
    decision = choose_follow_up(DIVE, full)
    assert not decision.ask  # the second follow-up probes nothing the answer could miss
    assert "already covered" in decision.reason
    assert not choose_follow_up(DIVE, full, asked=2).ask


def test_follow_up_on_a_missing_result() -> None:
    p = Prompt(
        id="metric",
        text="Tell me about a result you delivered.",
        principles=["Deliver Results"],
        follow_ups=["Which metric moved, by how much, and against which date?"],
    )
    _, vague = analyzed(answer_text(quantified=False), p)
    decision = choose_follow_up(p, vague)
    assert decision.ask and "no number" in decision.reason
    _, numbers = analyzed(answer_text(quantified=True), p)
    assert not choose_follow_up(p, numbers).ask


# --- the summary ---------------------------------------------------------------------------

OTHER_STORY = (
    "In my last role I owned the forecasting pipeline for the warehouse team. "
    "I noticed the nightly job failed twice a week and nobody owned the alerts. "
    "I rewrote the retry logic myself and added a runbook for the on call rotation. "
    "As a result failures dropped from eight a month to one within six weeks. "
    "I learned that small operational fixes earn a lot of trust."
)


def test_summary_habits_reuse_and_principles() -> None:
    p1 = DIVE
    p2 = prompt("own", ["Ownership"])
    p3 = prompt("again", ["Earn Trust"])
    texts = [answer_text(fillers=1), OTHER_STORY, answer_text(fillers=9)]
    entries = []
    transcripts = {}
    for pos, (p, text) in enumerate(zip([p1, p2, p3], texts, strict=True), start=1):
        t, a = analyzed(text, p)
        entries.append(answer_entry(pos, p, a, session_id=f"s{pos}"))
        transcripts[pos] = t
    entries.append(
        answer_entry(
            4, prompt("lost", ["Frugality"]), None, status="unanalyzed", message="no speech"
        )
    )
    summary = summarize_round(
        "r1",
        "2026-01-05T19:00:00+00:00",
        entries,
        transcripts,
        wanted=["Dive Deep", "Frugality", "Ownership"],
    )
    assert summary.questions_asked == 4 and summary.follow_ups_asked == 0
    assert summary.principles_covered == ["Dive Deep", "Ownership", "Earn Trust"]
    assert summary.principles_missed == ["Frugality"]  # its answer was not analyzed
    assert summary.total_speaking_s == pytest.approx(
        sum(e.speaking_s for e in entries[:3]), abs=0.05
    )
    assert summary.total_speaking_s > 30
    # the same story told for questions 1 and 3, not for 2
    assert [(r.first, r.second) for r in summary.reused_stories] == [(1, 3)]
    assert summary.reused_stories[0].overlap > 0.8
    # fillers went from 1 to 9 across the round
    assert summary.weakest_habit is not None
    names = [h.name for h in summary.habits]
    assert "fillers_rising" in names
    fpm = [e.fillers_per_min for e in entries[:3]]
    assert fpm[2] > fpm[0] + 3
    md = render_round_markdown(summary)
    assert "| 1 | dive |" in md and "unanalyzed: no speech" in md
    assert "Answers #1 and #3 share" in md
    assert "Missed: Frugality" in md
    assert summary.weakest_habit.title in md


def test_reuse_needs_enough_shared_words() -> None:
    assert content_stems("Um, I really like the data") == {"data"}
    stories = [(1, OTHER_STORY), (2, answer_text()), (3, "I did it. It worked.")]
    assert find_reused_stories(stories) == []
    twice = find_reused_stories([(1, OTHER_STORY), (2, "So, " + OTHER_STORY.lower())])
    assert len(twice) == 1 and twice[0].overlap == 1.0


def test_pace_drift_and_low_action_are_habits() -> None:
    p = prompt("x", ["Dive Deep"])
    entries = []
    for pos, word_s in enumerate([0.5, 0.38, 0.25], start=1):
        _, a = analyzed(answer_text(actions=1, fillers=0), p, word_s=word_s)
        entries.append(answer_entry(pos, p, a))
    summary = summarize_round("r", "t", entries, {}, wanted=[])
    names = [h.name for h in summary.habits]
    assert "pace_drift" in names
    assert "action_share_low" in names
    assert all(e.action_share is not None and e.action_share < 0.45 for e in entries)
    assert summary.habits == sorted(summary.habits, key=lambda h: -h.score)


# --- the command ----------------------------------------------------------------------------

ROUND_BANK = """
[[prompt]]
id = "rt-root-cause"
text = "Tell me about a time you found the root cause of a problem."
principles = ["Dive Deep", "Ownership"]
target_seconds = [5, 30]
follow_ups = ["What was your first hypothesis, and what showed you it was wrong?"]
must_include = ["your first hypothesis and why it failed"]

[[prompt]]
id = "rt-ownership"
text = "Tell me about a time you took ownership."
principles = ["Ownership"]
target_seconds = [5, 30]

[[prompt]]
id = "rt-trust"
text = "Tell me about a time you earned trust."
principles = ["Earn Trust"]
target_seconds = [5, 30]
"""
# The plan asks rt-root-cause first (it covers two of the principles asked for), then
# rt-trust (one new principle), then rt-ownership (none new).
ANSWERS = [
    "Our dashboard showed that customers left after one week. "
    "I dug into the raw event logs and found a broken tracking tag.",
    "My first guess was a pricing change, but the logs showed the drop began earlier.",
    "I owned the nightly forecasting job and rewrote its retry logic myself. "
    "Failures dropped from eight a month to one.",
    "Customers left after one week, so I dug into the raw event logs "
    "and found the broken tracking tag.",
]


def command(*args: str) -> list[str]:
    return [sys.executable, "-m", "voiceloop", *args]


def test_round_without_a_microphone_fails_in_one_line(tmp_path: Path) -> None:
    env = {**os.environ, **alsa_env(tmp_path / "alsa", None, devices=False)}
    done = subprocess.run(
        command("round", "--recordings", str(tmp_path / "rec")),
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode != 0
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1, done.stderr
    assert "a round needs a microphone" in lines[0]
    assert not (tmp_path / "rec" / "rounds").exists()


@pytest.mark.slow
def test_round_of_three_questions_end_to_end(tmp_path: Path, speak: Speak) -> None:
    bank = tmp_path / "bank"
    bank.mkdir()
    (bank / "roundtest.toml").write_text(ROUND_BANK, encoding="utf-8")
    gap = to_pcm16(np.zeros(int(2.0 * RATE), dtype=np.float32))
    pcm = b""
    for k, text in enumerate(ANSWERS):
        data, rate = sf.read(str(speak(text, rate_wpm=190, pad_s=0.3)), dtype="float32")
        assert rate == RATE
        pcm += to_pcm16(data) + (gap if k < len(ANSWERS) - 1 else b"")
    recordings = tmp_path / "rec"
    env = {**os.environ, **alsa_env(tmp_path / "alsa", tmp_path / "mic")}
    env.pop("VOICELOOP_RECORDINGS", None)
    env["VOICELOOP_PROMPTS_DIR"] = str(bank)
    with_mic = FifoMic(tmp_path / "mic", pcm).start()
    try:
        done = subprocess.run(
            [
                *command("round", "--set", "roundtest", "--lp", "dive deep"),
                *("--lp", "ownership", "--lp", "earn trust", "--no-speak"),
                *("--countdown", "0", "--silence-stop", "1.2", "--max-seconds", "25"),
                *("--recordings", str(recordings)),
            ],
            env=env,
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            timeout=240,
        )
    finally:
        with_mic.stop()
    assert done.returncode == 0, done.stderr
    (folder,) = (recordings / "rounds").iterdir()
    data = json.loads((folder / "round.json").read_text(encoding="utf-8"))
    ids = [a["prompt_id"] for a in data["answers"]]
    assert ids == ["rt-root-cause", "rt-root-cause-followup-1", "rt-trust", "rt-ownership"]
    assert data["questions_asked"] == 3 and data["follow_ups_asked"] == 1
    assert "first hypothesis" in data["answers"][1]["follow_up_reason"]
    assert all(a["status"] == "analyzed" for a in data["answers"])
    assert data["principles_missed"] == []
    assert set(data["principles_covered"]) == {"Dive Deep", "Ownership", "Earn Trust"}
    assert data["total_speaking_s"] > 10
    # answers 1 and 4 (the third question) tell the same story
    assert [(r["first"], r["second"]) for r in data["reused_stories"]] == [(1, 4)]
    md = (folder / "round.md").read_text(encoding="utf-8")
    assert "## Answers side by side" in md and "| 4 |" in md
    for a in data["answers"]:  # each answer is a normal session
        meta = json.loads((recordings / a["session_id"] / "session.json").read_text())
        assert meta["prompt_id"] == a["prompt_id"] and meta["source"] == "microphone"
        words = json.loads((recordings / a["session_id"] / "transcript.json").read_text())
        assert "incremental" in words["decoding"]  # transcribed while it was spoken
    assert "Round report:" in done.stdout
    assert not list(folder.glob(".*tmp"))
