"""No sentence a user reads may contradict the figure it cites.

The regression tests pin the contradictions issue 24 found on 0.3.0; the property test builds
over a thousand word timelines with random structure and checks every verdict line, report row
and tip figure against the analysis numbers as the reports show them.
"""

from __future__ import annotations

import random
import re
from collections.abc import Callable

from voiceloop.analysis.combined import analyze
from voiceloop.analysis.pacing import LENGTH_TOLERANCE_S, LENGTH_TOLERANCE_SHARE
from voiceloop.analysis.shape import _intro_evidence
from voiceloop.analysis.verdict import (
    _filler_tips,
    _quantify_tips,
    _star_tips,
    action_wording,
    make_verdict,
    star_advice,
)
from voiceloop.models import (
    Analysis,
    FillerResult,
    Prompt,
    SessionMeta,
    Transcript,
    Word,
)
from voiceloop.options import AnalysisOptions
from voiceloop.render.html import render_html
from voiceloop.render.markdown import render_markdown
from voiceloop.render.terminal import render_terminal

OPTIONS = AnalysisOptions()


def timed(sentences: list[str], span: float | None = None, gap: float = 0.5) -> Transcript:
    """Words 0.3 s apart (0.25 s long), ``gap`` s between sentences, scaled to ``span``."""
    words: list[tuple[str, float, float]] = []
    t = 0.0
    for sentence in sentences:
        for token in sentence.split():
            words.append((token, t, t + 0.25))
            t += 0.3
        t += gap
    end = words[-1][2]
    k = span / end if span else 1.0
    return Transcript(
        words=[Word(text=w, start=a * k, end=b * k) for w, a, b in words],
        duration=end * k + 0.5,
    )


def meta(prompt: Prompt | None = None) -> SessionMeta:
    return SessionMeta(
        id="s1",
        created_at="2026-12-03T10:00:00+00:00",
        prompt_id=prompt.id if prompt else None,
        prompt_text=prompt.text if prompt else None,
        source="test",
        audio_file="audio.wav",
        audio_seconds=60.0,
        model="test",
        analysis_version="test",
    )


def markdown_of(transcript: Transcript, analysis: Analysis, prompt: Prompt | None = None) -> str:
    return render_markdown(meta(prompt), transcript, analysis, OPTIONS)


def check_row(md: str, title: str) -> tuple[str, str] | None:
    """(mark, detail) of a shape check's row in the Markdown report."""
    m = re.search(rf"^\| {re.escape(title)} \| ([^|]+) \| (.*) \|$", md, re.M)
    return (m.group(1).strip(), m.group(2)) if m else None


STAR_PROMPT = Prompt(
    id="p-star", text="Tell me about a time.", kind="star", target_seconds=(30, 60)
)


def test_star_advice_is_the_verdicts_star_tips_in_its_order() -> None:
    """The benchmarks compare ``star_advice`` between the labeller's sections and the true
    ones, so it must be what the verdict gives; ``star_result`` measures any labels (here
    the same sentences labelled two ways) as it measures the labeller's."""
    from voiceloop.analysis.quantify import quantify_results
    from voiceloop.analysis.star import star_result
    from voiceloop.models import SentenceLabel, StarLabel

    tr = timed(
        [
            "Our nightly data load failed twice a week.",
            "I had to make it reliable before the audit.",
            "I traced the failures to one slow upstream table.",
            "I added retries and an alert and I rewrote the slowest query.",
            "After that the load ran every night without a failure.",
        ],
        span=30.0,
    )
    a = analyze(tr, STAR_PROMPT.model_copy(update={"target_seconds": (20.0, 40.0)}))
    assert len(a.star.sentences) == 5

    def advised(labels: list[StarLabel]) -> tuple[list[str], list[str]]:
        star = star_result(
            a.star.sentences,
            [SentenceLabel(sentence=i, label=lab, reason="") for i, lab in enumerate(labels)],
            OPTIONS,
        )
        assert abs(sum(star.shares.values()) - 1.0) < 1e-9
        quantify = quantify_results(tr, star, OPTIONS)
        advice = [t.title for t in star_advice(star, quantify, OPTIONS)]
        verdict = make_verdict(
            a.pacing, a.fillers, star, quantify, a.language, "star", OPTIONS, shape=a.shape
        )
        return advice, [t.title for t in verdict.tips]

    # the last sentence a Result without a number, then taken for an Action
    advice, said = advised(["situation", "task", "action", "action", "result"])
    assert advice[0] == "Quantify the Result" and "Finish with the Result" not in advice
    assert said[0] == "Quantify the Result", said
    advice, said = advised(["situation", "task", "action", "action", "action"])
    assert advice[0] == "Finish with the Result" and "Quantify the Result" not in advice
    assert said[0] == "Finish with the Result", said
    # every STAR tip the verdict keeps is one of the advice's, in the advice's order
    kept = [t for t in said if t in advice]
    assert kept and kept == advice[: len(kept)]


# --- the contradictions issue 24 found ----------------------------------------------------------


def test_says_i_is_not_yes_when_neither_i_nor_we_was_heard() -> None:
    tr = timed(
        [
            "Last year the nightly billing report failed every few days.",
            "The goal was to make the report reliable before the audit.",
            "The loader was rebuilt with retries and alerts.",
            "Then the slow queries got indexes and the jobs moved to a queue.",
            "Failures dropped from eight a month to one within two months.",
            "The lesson was to measure before changing anything.",
        ]
    )
    a = analyze(tr, STAR_PROMPT)
    assert a.language.i_count == 0
    md = markdown_of(tr, a)
    mark, detail = check_row(md, 'Says "I" for own actions') or ("", "")
    assert mark != "yes", (mark, detail)
    assert mark == "n/a"
    html = render_html(meta(), tr, a, None, OPTIONS)
    assert '<td class="ok">yes</td><td>neither &quot;I&quot;' not in html
    assert ">n/a</td><td>neither &quot;I&quot; nor &quot;we&quot; heard" in html


def test_says_i_is_not_yes_when_no_i_and_a_single_we() -> None:
    tr = timed(
        [
            "Last year the nightly billing report failed every few days.",
            "The goal was to make the report reliable before the audit.",
            "We rebuilt the loader with retries and alerts.",
            "Then the slow queries got indexes and the jobs moved to a queue.",
            "Failures dropped from eight a month to one within two months.",
        ]
    )
    a = analyze(tr, STAR_PROMPT)
    assert a.language.i_count == 0 and a.language.we_count >= 1
    mark, detail = check_row(markdown_of(tr, a), 'Says "I" for own actions') or ("", "")
    assert mark != "yes", (mark, detail)


def _unbaselined() -> tuple[Transcript, Analysis]:
    tr = timed(
        [
            "Last year our checkout service failed every few days.",
            "My task was to make it reliable.",
            "I rebuilt the retry logic and I added load tests.",
            "I moved the hot path to a cache and I wrote runbooks.",
            "As a result errors fell 40% and latency improved 3x and we saved $200,000.",
            "I learned that 2 dashboards beat 10.",
        ]
    )
    return tr, analyze(tr, STAR_PROMPT)


def test_result_quantified_is_not_yes_beside_numbers_without_a_baseline() -> None:
    tr, a = _unbaselined()
    flags = "; ".join(a.quantify.flags)
    assert a.quantify.result_quantified and "no baseline" in flags
    html = render_html(meta(), tr, a, None, OPTIONS)
    card = re.search(r'<div class="k">Result quantified</div><div class="v">([^<]*)</div>', html)
    assert card is not None and card.group(1) != "yes", card
    md = markdown_of(tr, a)
    assert "Result quantified: yes" not in md
    assert "Result quantified: partly." in md


def test_baseline_tip_counts_the_result_numbers_as_the_flag_does() -> None:
    """The Reflection's "2 dashboards beat 10" is not a Result number: the tip said "4 of 4
    result numbers" beside the flag's "2 of 2 numbers have no baseline"."""
    _, a = _unbaselined()
    flag = next(f for f in a.quantify.flags if "no baseline" in f)
    assert len(a.quantify.quantities) > int(flag.split(" of ")[1].split()[0])
    tips = [c.tip for c in _quantify_tips(a.quantify, a.star)]
    assert [t.title for t in tips] == ["Give your numbers a baseline"]
    m = re.match(r"(\d+) of (\d+)", flag)
    assert m is not None
    assert tips[0].figure.startswith(f"{m.group(1)} of {m.group(2)} "), (tips[0].figure, flag)


def test_filler_goal_is_compared_with_the_rate_as_shown() -> None:
    """3.04 per minute prints as 3.0: not over a goal of 3, so not a fix."""
    fillers = FillerResult(
        events=[], count=3, per_minute=3.04, per_100_words=2.0, by_type={"um": 3}
    )
    assert f"{fillers.per_minute:.1f}" == "3.0"
    assert _filler_tips(fillers, OPTIONS) == []
    assert _filler_tips(fillers.model_copy(update={"per_minute": 3.06}), OPTIONS)


INTRO_PROMPT = Prompt(
    id="p-intro", text="Tell me about yourself.", kind="intro", target_seconds=(30, 90)
)


def test_why_this_role_needs_words_not_only_the_last_place() -> None:
    tr = timed(
        [
            "I'm a data engineer with six years of experience in payments.",
            "At Acme I cut pipeline costs by 40%.",
            "I led the move to streaming, which cut latency from 2 hours to 5 minutes.",
            "I built the fraud model that saved $2M a year.",
            "so the thing was there on the table",
        ]
    )
    a = analyze(tr, INTRO_PROMPT)
    assert a.shape is not None
    md = markdown_of(tr, a, INTRO_PROMPT)
    mark, detail = check_row(md, "Closes on why this role") or ("", "")
    assert mark != "yes", detail
    assert "closes on why this role" not in a.verdict.headline
    last = a.shape.labels[-1]
    assert last.label != "why_role" and "position" in last.reason


def test_a_real_why_this_role_close_still_passes() -> None:
    tr = timed(
        [
            "I'm a data engineer with six years of experience in payments.",
            "At Acme I cut pipeline costs by 40%.",
            "I led the move to streaming, which cut latency from 2 hours to 5 minutes.",
            "I built the fraud model that saved $2M a year.",
            "I'm excited about this role because your team works at a scale I want to learn.",
        ]
    )
    a = analyze(tr, INTRO_PROMPT)
    row = check_row(markdown_of(tr, a, INTRO_PROMPT), "Closes on why this role")
    assert row is not None and row[0] == "yes", row


def test_a_doubtful_action_share_is_not_the_top_fix() -> None:
    """ "Action 11%" on an answer that is about half Action: the sentences' own words say it is
    Action, so the labelling is in doubt and the tip is worded as a check, ranked last."""
    tr = timed(
        [
            "Last year our checkout service failed every few days.",
            "I rebuilt the retry logic and I added load tests.",
            "I moved the hot path to a cache and I wrote the runbooks.",
            "I profiled the queries and I fixed the slowest ones.",
            "I trained the on-call engineers and I reviewed every change.",
            "Errors fell from 40 a week to 2 within a month.",
        ],
        span=28.0,
    )
    # a target the answer meets, so pace and length leave room for the STAR tips
    a = analyze(tr, STAR_PROMPT.model_copy(update={"target_seconds": (20.0, 40.0)}))
    # the mislabel, as the labeller made it on 0.3.0: most of the Action called Situation
    star = a.star.model_copy(deep=True)
    star.shares = {"situation": 0.7, "task": 0.0, "action": 0.11, "result": 0.19}
    star.shares["reflection"] = 0.0
    star.missing = ["task", "reflection"]
    worded, n, _ = action_wording(star)
    assert worded >= 0.5 and n >= 4
    verdict = make_verdict(
        a.pacing, a.fillers, star, a.quantify, a.language, "star", OPTIONS, shape=a.shape
    )
    titles = [t.title for t in verdict.tips]
    assert titles and titles[0] != "Spend more time on your Actions", titles
    assert "Spend more time on your Actions" not in titles
    # worded as a check, for when there is room for it
    checks = [c.tip for c in _star_tips(star, "star", OPTIONS)]
    check = next(t for t in checks if t.title == "Check the Action share")
    assert check.figure == "Action labelled 11% of the answer"
    assert f"{n} of {len(star.sentences)} sentences read as your actions" in check.detail
    # the HTML report's Action card does not call it wrong beside a tip that doubts it
    from voiceloop.render.html import render_html

    page = render_html(
        meta(STAR_PROMPT), tr, a.model_copy(update={"star": star, "verdict": verdict})
    )
    card = page[page.index(">Action share<") - 40 : page.index(">Action share<")]
    assert 'class="fig none"' in card and "warn" not in card, card
    assert f"{n} of {len(star.sentences)} sentences read as actions" in page


# --- the property test ---------------------------------------------------------------------------

SITUATION = [
    "Last year our checkout service failed every few days.",
    "The team had no tests for the billing code.",
    "At my previous company the nightly report was often late.",
]
TASK = [
    "My job was to make the report reliable.",
    "I was asked to cut the cloud bill.",
    "The goal was to ship the migration before the audit.",
]
ACTION_I = [
    "I rebuilt the loader and added retries.",
    "I wrote a test harness for the billing code.",
    "I met each stakeholder and agreed on a plan.",
    "I profiled the queries and fixed the slowest ones.",
]
ACTION_WE = [
    "We moved the jobs to a queue.",
    "We split the work into small releases.",
    "Our team reviewed every change with us.",
]
ACTION_NEUTRAL = [
    "The loader was rebuilt with retries.",
    "Alerts were added for the on-call rotation.",
    "Then the slow queries got indexes.",
]
RESULT_BASE = [
    "As a result failures dropped from 8 a month to 1.",
    "Latency fell from 900 ms to 300 ms within two months.",
    "Costs went down 30% compared to the previous quarter.",
]
RESULT_BARE = [
    "As a result failures dropped by 40%.",
    "In the end we saved $200,000.",
    "Latency improved 3x.",
    "Adoption reached 85%.",
]
RESULT_NONE = [
    "As a result the report has run on time ever since.",
    "In the end customers stopped complaining.",
]
REFLECTION = [
    "I learned to measure before I change anything.",
    "Next time I would involve the users earlier.",
    "I learned that 2 dashboards beat 10.",
]
EXTRAS = [
    "That showed Ownership.",
    "I think maybe it was sort of the right call.",
]
ARC = [
    "I'm a data engineer with six years of experience in payments.",
    "I focus on reliability and cost in large systems.",
    "My background is in statistics.",
]
HIGHLIGHT = [
    "At Acme I cut pipeline costs by 40%.",
    "I led the migration to streaming, which cut latency from 2 hours to 5 minutes.",
    "I built the fraud model that saved $2M a year.",
    "I launched the onboarding flow.",
]
WHY = [
    "I'm excited about this role because your team works at a scale I want to learn from.",
    "That's why I applied to join your team.",
]
GARBLED = [
    "the blue kettle sat over fish and the rain",
    "so the thing was there on the table",
]
FILLERS = ["um", "uh", "like", "you know"]


def _star_sentences(rng: random.Random) -> list[str]:
    out: list[str] = []
    if rng.random() < 0.8:
        out += rng.sample(SITUATION, rng.randint(1, 2))
    if rng.random() < 0.7:
        out.append(rng.choice(TASK))
    pool = rng.choice([ACTION_I, ACTION_WE, ACTION_NEUTRAL, ACTION_I + ACTION_WE])
    if rng.random() < 0.9:
        out += [rng.choice(pool) for _ in range(rng.randint(1, 5))]
    r = rng.random()
    if r < 0.35:
        out += rng.sample(RESULT_BASE, rng.randint(1, 2))
    elif r < 0.65:
        out += rng.sample(RESULT_BARE, rng.randint(1, 3))
    elif r < 0.85:
        out.append(rng.choice(RESULT_NONE))
    if rng.random() < 0.5:
        out.append(rng.choice(REFLECTION))
    if rng.random() < 0.3:
        out.insert(rng.randint(0, len(out)), rng.choice(EXTRAS))
    return out or [rng.choice(SITUATION)]


def _intro_sentences(rng: random.Random) -> list[str]:
    out: list[str] = []
    if rng.random() < 0.85:
        out += rng.sample(ARC, rng.randint(1, 2))
    out += rng.sample(HIGHLIGHT, rng.randint(0, 4))
    r = rng.random()
    if r < 0.5:
        out.append(rng.choice(WHY))
    elif r < 0.8:
        out.append(rng.choice(GARBLED))
    return out or [rng.choice(ARC)]


def _near(
    rng: random.Random, edges: tuple[float, ...], spread: float, lo: float, hi: float
) -> float:
    """Near one of ``edges`` most of the time, anywhere in [lo, hi] otherwise."""
    if rng.random() < 0.7:
        return rng.choice(edges) + rng.uniform(-spread, spread)
    return rng.uniform(lo, hi)


def generate(rng: random.Random) -> tuple[Transcript, Prompt]:
    intro = rng.random() < 0.3
    target = (30.0, 60.0) if not intro else (30.0, 75.0)
    if intro:
        prompt = Prompt(
            id="g-intro",
            text="Tell me about yourself.",
            kind="intro",
            target_seconds=target,
            must_include=["why this role"] if rng.random() < 0.5 else [],
        )
        base = _intro_sentences(rng)
    else:
        prompt = Prompt(
            id="g-star", text="Tell me about a time.", kind="star", target_seconds=target
        )
        base = _star_sentences(rng)
    span = max(_near(rng, target, 6.0, 15.0, 90.0), 8.0)
    wpm = _near(rng, OPTIONS.pace_range_wpm, 4.0, 95.0, 190.0)
    want = span * wpm / 60.0
    # repeat the answer's sentences (in order) until there are about ``want`` words
    sentences = list(base)
    while sum(len(s.split()) for s in sentences) < want:
        sentences += base
    filler_rate = rng.choice([0.0, 0.01, 0.02, 0.04, 0.08])
    spoken: list[str] = []
    for s in sentences:
        tokens = s.split()
        out: list[str] = []
        for tok in tokens:
            if rng.random() < filler_rate:
                out += rng.choice(FILLERS).split()
            out.append(tok)
        spoken.append(" ".join(out))
    gap = rng.choice([0.3, 0.6, 1.0, 3.5])
    return timed(spoken, span=span, gap=gap), prompt


# --- invariants: each returns a list of contradictions found ---------------------------------


def _seconds(shown: str) -> int:
    m, s = shown.split(":")
    return int(m) * 60 + int(s)


def _length_edges(lo: float, hi: float) -> tuple[float, float]:
    return (
        lo - max(LENGTH_TOLERANCE_S, LENGTH_TOLERANCE_SHARE * lo),
        hi + max(LENGTH_TOLERANCE_S, LENGTH_TOLERANCE_SHARE * hi),
    )


def pace_tips_agree(a: Analysis, md: str, term: str) -> list[str]:
    low, high = OPTIONS.pace_range_wpm
    shown = f"{a.pacing.wpm:.0f}"
    bad = []
    row = re.search(r"^\| Pace \| (\d+) words per minute \((slow|on target|fast)\) \|$", md, re.M)
    if row is None or row.group(1) != shown:
        bad.append(f"pace row {row and row.group(0)} is not {shown} wpm")
    elif row.group(2) == "fast" and not int(shown) > high:
        bad.append(f"{shown} wpm called fast")
    elif row.group(2) == "slow" and not int(shown) < low:
        bad.append(f"{shown} wpm called slow")
    elif row.group(2) == "on target" and not low <= int(shown) <= high:
        bad.append(f"{shown} wpm called on target")
    for tip in a.verdict.tips:
        if tip.title in ("Slow down", "Pick up the pace"):
            if tip.figure != f"{shown} wpm":
                bad.append(f"{tip.title}: figure {tip.figure!r}, shown {shown} wpm")
            if tip.title == "Slow down" and not int(shown) > high:
                bad.append(f"slow down at {shown} wpm")
            if tip.title == "Pick up the pace" and not int(shown) < low:
                bad.append(f"pick up the pace at {shown} wpm")
    for m in re.finditer(r"(Slow down|Pick up the pace) - (\d+) wpm", term):
        if m.group(2) != shown:
            bad.append(f"terminal {m.group(0)!r} beside {shown} wpm")
    if not a.verdict.headline.split(" answer at ")[1].startswith(f"{shown} wpm"):
        bad.append(f"headline {a.verdict.headline!r} is not {shown} wpm")
    return bad


def length_tips_agree(a: Analysis, md: str, term: str) -> list[str]:
    del term
    lo, hi = a.pacing.target_seconds
    edge_lo, edge_hi = _length_edges(lo, hi)
    bad = []
    row = re.search(
        r"^\| Answer length \| (\d+:\d\d) \(target [^:]+:\d\d-\d+:\d\d: (\w[\w ]*)\) \|$", md, re.M
    )
    if row is None:
        return ["no answer length row"]
    shown, verdict = _seconds(row.group(1)), row.group(2)
    if verdict == "short" and not shown < edge_lo:
        bad.append(f"{row.group(1)} called short (edge {edge_lo})")
    if verdict == "long" and not shown > edge_hi:
        bad.append(f"{row.group(1)} called long (edge {edge_hi})")
    if verdict == "on target" and not edge_lo <= shown <= edge_hi:
        bad.append(f"{row.group(1)} called on target")
    for tip in a.verdict.tips:
        if tip.title in ("Say more", "Tighten the answer"):
            figure = tip.figure.removesuffix(" spoken")
            if figure != row.group(1):
                bad.append(f"{tip.title}: figure {tip.figure!r}, shown {row.group(1)}")
            if tip.title == "Say more" and not _seconds(figure) < edge_lo:
                bad.append(f"say more at {figure}")
            if tip.title == "Tighten the answer" and not _seconds(figure) > edge_hi:
                bad.append(f"tighten at {figure}")
    return bad


def filler_tip_agrees(a: Analysis, md: str, term: str) -> list[str]:
    del term
    shown = f"{a.fillers.per_minute:.1f}"
    bad = []
    if f"| Fillers | {a.fillers.count} ({shown} per minute" not in md:
        bad.append("fillers row does not show the analysis figure")
    for tip in a.verdict.tips:
        if tip.title == "Cut the fillers":
            if not tip.figure.startswith(f"{shown} fillers per minute"):
                bad.append(f"filler tip figure {tip.figure!r}, shown {shown}")
            if not float(shown) > OPTIONS.fillers_per_minute_flag:
                bad.append(f"cut the fillers at {shown}/min")
    return bad


def quantified_agrees(a: Analysis, md: str, term: str) -> list[str]:
    q = a.quantify
    bad = []
    said_yes = "Result quantified: yes." in md
    if said_yes and (
        q.flags or "no number in the Result" in md or "no number in the Result" in term
    ):
        bad.append(f"quantified yes beside {q.flags}")
    if said_yes and not q.result_quantified:
        bad.append("quantified yes without a number in the Result")
    for tip in a.verdict.tips:
        if tip.title == "Quantify the Result" and (said_yes or q.result_quantified is not False):
            bad.append("quantify tip beside a quantified Result")
        if tip.title == "Give your numbers a baseline":
            flag = next((f for f in q.flags if "no baseline" in f), "")
            m = re.match(r"(\d+) of (\d+)", flag)
            if m is None or not tip.figure.startswith(f"{m.group(1)} of {m.group(2)} "):
                bad.append(f"baseline tip {tip.figure!r} beside flag {flag!r}")
            if said_yes:
                bad.append("baseline tip beside quantified yes")
    return bad


def says_i_agrees(a: Analysis, md: str, term: str) -> list[str]:
    del term
    lang = a.language
    bad = []
    row = check_row(md, 'Says "I" for own actions')
    if row is not None:
        mark, detail = row
        if mark == "yes" and lang.i_count == 0:
            bad.append(f"says I: yes with no I heard ({detail})")
        if mark == "yes" and ("neither" in detail or 'no "I"' in detail):
            bad.append(f"says I: yes beside {detail!r}")
    if f'| "I" vs "we" (Action part) | {lang.i_count} vs {lang.we_count} |' not in md:
        bad.append("I vs we row does not show the counts")
    for tip in a.verdict.tips:
        if tip.title == 'Say "I" for your own actions':
            if tip.figure != f'"I" {lang.i_count} vs "we" {lang.we_count} in the Action part':
                bad.append(f"I tip figure {tip.figure!r}")
            if lang.i_share is None or lang.i_share >= OPTIONS.i_share_min:
                bad.append("say I tip with enough I")
    return bad


def action_tip_agrees(a: Analysis, md: str, term: str) -> list[str]:
    del md, term
    guide, tol = OPTIONS.star_guidance["action"], OPTIONS.star_tolerance
    share = a.star.shares.get("action", 0.0)
    bad = []
    for tip in a.verdict.tips:
        if tip.title == "Spend more time on your Actions":
            if tip.figure != f"Action {share * 100:.0f}% of the answer":
                bad.append(f"action tip figure {tip.figure!r}")
            if not share < guide - tol:
                bad.append("action tip with enough Action")
            if action_wording(a.star)[0] >= guide - tol:
                bad.append("action tip stated as fact while the words say Action")
    return bad


def intro_content_agrees(a: Analysis, md: str, term: str) -> list[str]:
    del term
    shape = a.shape
    if shape is None or shape.kind != "intro":
        return []
    bad = []
    cued = {
        lab.label
        for lab in shape.labels
        if _intro_evidence(
            _sentence_words(a, lab.sentence), a.star.sentences[lab.sentence]
        ).found.get(lab.label)
    }
    row = check_row(md, "Closes on why this role")
    if row is not None and row[0] == "yes" and "why_role" not in cued:
        bad.append(f"closes on why this role with no words of one: {row[1]}")
    if "closes on why this role" in a.verdict.headline and "why_role" not in cued:
        bad.append("headline: closes on why this role, by position only")
    row = check_row(md, "Short arc opens the answer")
    if row is not None and row[0] == "yes" and "arc" not in cued:
        bad.append(f"arc passes with no words of one: {row[1]}")
    if a.coverage is not None:
        for item in a.coverage.items:
            if item.item == "why this role" and item.heard and "why_role" not in cued:
                bad.append(f"must-include 'why this role' heard by position: {item.evidence}")
    return bad


_TRANSCRIPTS: dict[int, Transcript] = {}


def _sentence_words(a: Analysis, index: int) -> list[Word]:
    s = a.star.sentences[index]
    return _TRANSCRIPTS[id(a)].words[s.first_word : s.last_word + 1]


def every_figure_is_rendered(a: Analysis, md: str, term: str) -> list[str]:
    bad = []
    for tip in a.verdict.tips:
        if f"**{tip.title}** ({tip.figure})." not in md:
            bad.append(f"markdown lacks {tip.title} ({tip.figure})")
        if f"{tip.title} - {tip.figure}." not in term:
            bad.append(f"terminal lacks {tip.title} - {tip.figure}")
    return bad


INVARIANTS: list[Callable[[Analysis, str, str], list[str]]] = [
    pace_tips_agree,
    length_tips_agree,
    filler_tip_agrees,
    quantified_agrees,
    says_i_agrees,
    action_tip_agrees,
    intro_content_agrees,
    every_figure_is_rendered,
]

N_ANALYSES = 1000


def _mark(md: str, title_start: str) -> str | None:
    m = re.search(rf"^\| {title_start}[^|]* \| ([^|]+) \|", md, re.M)
    return m.group(1).strip() if m else None


def test_no_verdict_line_contradicts_its_figure() -> None:
    rng = random.Random(24)
    failures: list[str] = []
    seen: dict[str, int] = {}
    for n in range(N_ANALYSES):
        transcript, prompt = generate(rng)
        a = analyze(transcript, prompt, OPTIONS)
        _TRANSCRIPTS.clear()
        _TRANSCRIPTS[id(a)] = transcript
        md = render_markdown(meta(prompt), transcript, a, OPTIONS)
        term = render_terminal(meta(prompt), a, "report.md")
        states = [tip.title for tip in a.verdict.tips]
        states += re.findall(r"^Result quantified: \w+", md, re.M)
        states += [f"{t}: {m}" for t in ("Says", "Closes") if (m := _mark(md, t))]
        for state in states:
            seen[state] = seen.get(state, 0) + 1
        for invariant in INVARIANTS:
            failures += [f"#{n} {invariant.__name__}: {x}" for x in invariant(a, md, term)]
        if n % 50 == 0:
            # the HTML report shows the same figures as cards: the quantified card agrees too
            html = render_html(meta(prompt), transcript, a, None, OPTIONS)
            card = re.search(
                r'<div class="k">Result quantified</div><div class="v">([^<]*)</div>', html
            )
            if card and card.group(1) == "yes" and a.quantify.flags:
                failures.append(f"#{n} html: quantified yes beside {a.quantify.flags}")
    assert not failures, "\n".join(failures[:20])
    # the generator reaches the tips the invariants are about
    reached = ("Slow down", "Pick up the pace", "Say more", "Tighten the answer")
    reached += ("Cut the fillers", "Give your numbers a baseline", "Quantify the Result")
    reached += ("Result quantified: yes", "Result quantified: partly", "Says: n/a", "Says: yes")
    reached += ("Closes: yes", "Closes: **no**")
    for state in reached:
        assert seen.get(state, 0) > 5, (state, seen)
    # how fast an analysis is lives in benchmarks/bench_analyze.py, not in a timed test
