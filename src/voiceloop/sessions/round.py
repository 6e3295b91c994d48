"""A mock round: which questions to ask, when to follow up, and what the round showed.

Pure logic, no audio and no files: ``plan_round`` picks the questions (covering the
principles asked for, within a time budget), ``choose_follow_up`` decides whether the
interviewer's follow-up is worth asking after an answer (only when the answer left out what
the follow-up probes), and ``summarize_round`` builds the round report: verdicts side by
side, principles covered and missed, speaking time, the weakest habit across the answers and
stories told twice. ``render.round`` writes that summary for people.
"""

from __future__ import annotations

import random
import re
import secrets
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from pydantic import BaseModel, Field

from voiceloop.analysis.timeline import content_words
from voiceloop.clock import clock
from voiceloop.errors import VoiceloopError
from voiceloop.models import Analysis, Prompt, Transcript

if TYPE_CHECKING:
    from voiceloop.sessions.takes import Outcome

# A follow-up is short: this much time is set aside for one in the budget.
FOLLOW_UP_SECONDS = 60.0
# Two answers are one story told twice when this share of the smaller answer's content
# words (by stem) also occur in the other.
REUSE_THRESHOLD = 0.5
REUSE_MIN_WORDS = 8  # answers with fewer content words are never compared
ROUND_KINDS = ("star", "deep_dive")  # asked by default; intro and project only on request


def _stem(word: str) -> str:
    return word[: max(5, len(word) - 3)] if len(word) > 6 else word


def content_stems(text: str) -> set[str]:
    """The content words of ``text`` (stop words and fillers left out), crudely stemmed."""
    return {_stem(w) for w in content_words(text) if len(w) > 2}


# --- planning -----------------------------------------------------------------------------


@dataclass(frozen=True)
class RoundPlan:
    prompts: list[Prompt]
    wanted: list[str]  # official names of the principles asked for
    unreachable: list[str]  # of ``wanted``: no question of the set targets them
    planned_seconds: float  # the questions' target midpoints added up
    note: str = ""  # why fewer questions than asked for, if so


def _mid(prompt: Prompt) -> float:
    low, high = prompt.target_seconds
    return (low + high) / 2


def resolve_principles(queries: Sequence[str]) -> list[str]:
    """Official principle names for ``--lp`` values (parts of names); error if one matches none."""
    from voiceloop.prompts import match_principles

    out: list[str] = []
    for query in queries:
        found = match_principles(query)
        if not found:
            raise VoiceloopError(f"'{query}' is not part of any leadership principle name")
        out.extend(name for name in found if name not in out)
    return out


def select_set(bank: Sequence[Prompt], set_name: str | None) -> list[Prompt]:
    """The questions of a set: a bank file's stem ("general") or a kind ("deep_dive").

    With no set, behavioral and deep-dive questions (intros and walkthroughs have their own
    clocks and are asked only on request).
    """
    from voiceloop.prompts import KINDS, normalize_kind

    if set_name is None:
        return [p for p in bank if p.kind in ROUND_KINDS]
    wanted = set_name.strip()
    by_file = [p for p in bank if p.source and _file_stem(p.source) == wanted]
    if by_file:
        return by_file
    kind = re.sub(r"[\s-]+", "_", wanted.lower())
    if kind in KINDS:
        return [p for p in bank if p.kind == normalize_kind(kind)]
    stems = sorted({_file_stem(p.source) for p in bank if p.source})
    raise VoiceloopError(
        f"unknown question set '{set_name}': give a prompts file name "
        f"({', '.join(stems)}) or a kind ({', '.join(KINDS)})"
    )


def _file_stem(source: str) -> str:
    name = source.replace("\\", "/").rsplit("/", 1)[-1]
    return name[:-5] if name.endswith(".toml") else name


def plan_round(
    candidates: Sequence[Prompt],
    count: int,
    wanted: Sequence[str] = (),
    budget_s: float | None = None,
    practice_counts: Mapping[str, int] | None = None,
    rng: random.Random | None = None,
) -> RoundPlan:
    """Pick up to ``count`` questions: the wanted principles first, then the least practised.

    Greedy: each pick is the question that adds the most wanted principles not yet covered,
    then the least practised, then at random; a question whose target midpoint (plus a
    follow-up's minute) would overrun ``budget_s`` is skipped.
    """
    if count < 1:
        raise VoiceloopError("a round needs at least one question")
    if not candidates:
        raise VoiceloopError("no questions to choose from")
    rng = rng or random.Random()
    counts = practice_counts or {}
    wanted = list(wanted)
    reachable = {name for p in candidates for name in p.principles}
    unreachable = [name for name in wanted if name not in reachable]
    pool = list(candidates)
    rng.shuffle(pool)  # ties are broken at random; sorted() below is stable
    chosen: list[Prompt] = []
    covered: set[str] = set()
    spent = 0.0
    skipped_for_budget = False
    while len(chosen) < count:
        left = [p for p in pool if p not in chosen]
        if not left:
            break
        if budget_s is not None:
            fits = [p for p in left if spent + _mid(p) + FOLLOW_UP_SECONDS <= budget_s]
            if len(fits) < len(left):
                skipped_for_budget = True
            left = fits
            if not left:
                break
        left.sort(
            key=lambda p: (
                -len((set(p.principles) & set(wanted)) - covered),
                counts.get(p.id, 0),
            )
        )
        pick = left[0]
        chosen.append(pick)
        covered |= set(pick.principles)
        spent += _mid(pick) + FOLLOW_UP_SECONDS
    if not chosen:
        raise VoiceloopError(
            f"no question fits a budget of {clock(budget_s or 0)}: the shortest takes about "
            f"{clock(min(_mid(p) for p in candidates) + FOLLOW_UP_SECONDS)} with a follow-up"
        )
    note = ""
    if len(chosen) < count:
        why = "the time budget" if skipped_for_budget else "the questions in the set"
        note = f"{len(chosen)} of {count} questions fit {why}"
    return RoundPlan(
        prompts=chosen,
        wanted=wanted,
        unreachable=unreachable,
        planned_seconds=sum(_mid(p) for p in chosen),
        note=note,
    )


# --- follow-ups ---------------------------------------------------------------------------


class FollowUpDecision(BaseModel):
    ask: bool
    index: int | None = None  # which of the prompt's follow-ups
    text: str = ""
    reason: str  # what the answer left out that the follow-up probes, or why none is asked


_REFLECTION_ASK = re.compile(
    r"\blearn\w*|differently|wish you|looking back|again|change\w* in your process", re.I
)
_RESULT_RULES = frozenset({"result", "numbers"})


def _linked_items(follow_up: str, prompt: Prompt) -> list[str]:
    """The prompt's must-include items that ``follow_up`` probes (shared rules or words)."""
    from voiceloop.analysis.coverage import rules_for

    rules = {r.name for r in rules_for(follow_up)}
    words = content_stems(follow_up)
    linked: list[str] = []
    for item in prompt.must_include:
        item_rules = {r.name for r in rules_for(item)}
        if (rules & item_rules) or (words & content_stems(item)):
            linked.append(item)
    return linked


def probe_gaps(follow_up: str, prompt: Prompt, analysis: Analysis) -> list[str]:
    """What the answer left out that ``follow_up`` asks about (empty: nothing to probe)."""
    from voiceloop.analysis.coverage import rules_for

    gaps: list[str] = []
    missing = set(analysis.coverage.missing) if analysis.coverage is not None else set()
    gaps += [f"'{item}' not heard" for item in _linked_items(follow_up, prompt) if item in missing]
    rules = {r.name for r in rules_for(follow_up)}
    if rules & _RESULT_RULES:
        if "result" in analysis.star.missing:
            gaps.append("no Result part")
        elif analysis.quantify.result_quantified is False:
            gaps.append("the result had no number")
    if _REFLECTION_ASK.search(follow_up) and "reflection" in analysis.star.missing:
        gaps.append("no reflection")
    return gaps


def choose_follow_up(prompt: Prompt, analysis: Analysis, asked: int = 0) -> FollowUpDecision:
    """The first of the prompt's follow-ups (from ``asked`` on) that probes a gap in the answer."""
    if asked >= len(prompt.follow_ups):
        return FollowUpDecision(ask=False, reason="no follow-up left for this question")
    for index in range(asked, len(prompt.follow_ups)):
        text = prompt.follow_ups[index]
        gaps = probe_gaps(text, prompt, analysis)
        if gaps:
            return FollowUpDecision(ask=True, index=index, text=text, reason="; ".join(gaps))
    return FollowUpDecision(
        ask=False, reason="the answer already covered what the follow-ups probe"
    )


# --- the round's summary ------------------------------------------------------------------


class RoundAnswer(BaseModel):
    """One answer of the round (a question or a follow-up), as it goes into the summary."""

    position: int  # 1-based, in the order spoken
    prompt_id: str
    prompt_text: str
    kind: str
    principles: list[str] = Field(default_factory=list)
    follow_up_of: str | None = None  # the parent question's id for a follow-up
    follow_up_reason: str = ""  # why the follow-up was asked
    session_id: str | None = None
    status: str = "analyzed"  # or "unanalyzed", "missing": no verdict for it
    message: str = ""  # why there is no analysis
    headline: str = ""
    seconds: float = 0.0  # the answer's length (first to last word)
    speaking_s: float = 0.0
    target_seconds: tuple[float, float] = (0.0, 0.0)
    duration_verdict: str = ""
    wpm: float = 0.0
    pace_verdict: str = ""
    fillers_per_min: float = 0.0
    action_share: float | None = None
    action_target: float | None = None
    result_quantified: bool | None = None
    star_missing: list[str] = Field(default_factory=list)
    shape_missing: list[str] = Field(default_factory=list)
    must_include_missing: list[str] = Field(default_factory=list)
    principles_named: list[str] = Field(default_factory=list)


class Habit(BaseModel):
    name: str  # "fillers_rising", "pace_drift", "action_share_low", ...
    title: str
    detail: str  # the figures behind it, answer by answer
    score: float  # how bad, comparable across habits (higher: worse)


class StoryReuse(BaseModel):
    first: int  # answer positions
    second: int
    overlap: float  # share of the smaller answer's content words found in the other
    shared: list[str]  # a few of the shared words


class RoundSummary(BaseModel):
    round_id: str
    created_at: str
    questions_asked: int
    follow_ups_asked: int
    answers: list[RoundAnswer]
    principles_wanted: list[str]
    principles_covered: list[str]  # targeted by a question that got an analyzed answer
    principles_missed: list[str]  # wanted and not covered
    principles_named: list[str]  # said out loud in some answer
    total_speaking_s: float
    total_answer_s: float
    weakest_habit: Habit | None
    habits: list[Habit]
    reused_stories: list[StoryReuse]
    notes: list[str] = Field(default_factory=list)


def answer_entry(
    position: int,
    prompt: Prompt,
    analysis: Analysis | None,
    *,
    session_id: str | None = None,
    follow_up_of: str | None = None,
    follow_up_reason: str = "",
    status: str = "analyzed",
    message: str = "",
) -> RoundAnswer:
    base = RoundAnswer(
        position=position,
        prompt_id=prompt.id,
        prompt_text=prompt.text,
        kind=prompt.kind,
        principles=list(prompt.principles),
        follow_up_of=follow_up_of,
        follow_up_reason=follow_up_reason,
        session_id=session_id,
        target_seconds=prompt.target_seconds,
        status=status if analysis is None else "analyzed",
        message=message,
    )
    if analysis is None:
        return base
    pacing, star = analysis.pacing, analysis.star
    star_kind = analysis.prompt_kind in ROUND_KINDS
    return base.model_copy(
        update={
            "headline": analysis.verdict.headline,
            "seconds": pacing.duration_s,
            "speaking_s": pacing.speaking_time_s,
            "duration_verdict": pacing.duration_verdict,
            "wpm": pacing.wpm,
            "pace_verdict": pacing.pace_verdict,
            "fillers_per_min": analysis.fillers.per_minute,
            "action_share": star.shares.get("action", 0.0) if star_kind else None,
            "action_target": star.guidance.get("action") if star_kind else None,
            "result_quantified": analysis.quantify.result_quantified,
            "star_missing": list(star.missing) if star_kind else [],
            "shape_missing": list(analysis.shape.missing) if analysis.shape else [],
            "must_include_missing": list(analysis.coverage.missing) if analysis.coverage else [],
            "principles_named": list(analysis.language.principles_named),
        }
    )


def outcome_entry(
    position: int,
    prompt: Prompt,
    outcome: Outcome,
    *,
    follow_up_of: str | None = None,
    follow_up_reason: str = "",
) -> RoundAnswer:
    """The round's entry for a settled take: its analysis, or why there is none."""
    result = outcome.result
    if result is not None:
        return answer_entry(
            position,
            prompt,
            result.analysis,
            session_id=result.meta.id,
            follow_up_of=follow_up_of,
            follow_up_reason=follow_up_reason,
        )
    return answer_entry(
        position,
        prompt,
        None,
        session_id=outcome.folder.name if outcome.folder else None,
        follow_up_of=follow_up_of,
        follow_up_reason=follow_up_reason,
        status=outcome.kind if outcome.kind != "analyzed" else "missing",
        message=outcome.message,
    )


def _trend(values: Sequence[float]) -> float:
    """Least-squares slope per answer."""
    n = len(values)
    if n < 2:
        return 0.0
    mean_x = (n - 1) / 2
    mean_y = sum(values) / n
    num = sum((i - mean_x) * (v - mean_y) for i, v in enumerate(values))
    den = sum((i - mean_x) ** 2 for i in range(n))
    return num / den


def find_habits(answers: Sequence[RoundAnswer]) -> list[Habit]:
    """Habits that show across the round's analyzed answers, worst first."""
    done = [a for a in answers if a.status == "analyzed"]
    if not done:
        return []
    habits: list[Habit] = []
    fpm = [a.fillers_per_min for a in done]
    listed = ", ".join(f"{v:.1f}" for v in fpm)
    rise = fpm[-1] - fpm[0] if len(fpm) > 1 else 0.0
    if len(fpm) >= 2 and rise >= 1.5 and _trend(fpm) > 0:
        habits.append(
            Habit(
                name="fillers_rising",
                title="Fillers rise as the round goes on",
                detail=f"fillers per minute, answer by answer: {listed}",
                score=1.0 + rise / 2,
            )
        )
    mean_fpm = sum(fpm) / len(fpm)
    if mean_fpm >= 4.0:
        habits.append(
            Habit(
                name="fillers_high",
                title="Many fillers throughout",
                detail=f"{mean_fpm:.1f} fillers per minute on average ({listed})",
                score=mean_fpm / 3,
            )
        )
    wpm = [a.wpm for a in done]
    drift = wpm[-1] - wpm[0] if len(wpm) > 1 else 0.0
    if len(wpm) >= 2 and abs(drift) >= 20:
        way = "speeding up" if drift > 0 else "slowing down"
        habits.append(
            Habit(
                name="pace_drift",
                title=f"Pace drifts ({way}) from answer to answer",
                detail="words per minute: " + ", ".join(f"{v:.0f}" for v in wpm),
                score=abs(drift) / 15,
            )
        )
    off_pace = [a for a in done if a.pace_verdict not in ("", "on target")]
    if len(off_pace) * 2 > len(done):
        habits.append(
            Habit(
                name="pace_off",
                title="Pace off target in most answers",
                detail="; ".join(f"#{a.position} {a.wpm:.0f} wpm ({a.pace_verdict})" for a in done),
                score=1.0 + len(off_pace) / len(done),
            )
        )
    star = [a for a in done if a.action_share is not None and a.action_target]
    low = [a for a in star if (a.action_share or 0.0) < 0.75 * (a.action_target or 0.0)]
    if star and len(low) * 2 > len(star):
        habits.append(
            Habit(
                name="action_share_low",
                title="Too little Action in most answers",
                detail="Action share: "
                + ", ".join(f"#{a.position} {100 * (a.action_share or 0):.0f}%" for a in star)
                + f" (aim for about {100 * (star[0].action_target or 0):.0f}%)",
                score=1.0 + 1.5 * len(low) / len(star),
            )
        )
    timed = [a for a in done if a.follow_up_of is None]
    long_or_short = [a for a in timed if a.duration_verdict in ("long", "short")]
    if timed and len(long_or_short) * 2 > len(timed):
        habits.append(
            Habit(
                name="length_off",
                title="Answers miss their time target",
                detail="; ".join(
                    f"#{a.position} {clock(a.seconds)} ({a.duration_verdict})" for a in timed
                ),
                score=1.0 + len(long_or_short) / len(timed),
            )
        )
    vague = [a for a in done if a.result_quantified is False or "result" in a.star_missing]
    if len(vague) * 2 > len(done):
        habits.append(
            Habit(
                name="result_unquantified",
                title="Results without numbers",
                detail="no measured result in answers "
                + ", ".join(f"#{a.position}" for a in vague),
                score=1.0 + 1.2 * len(vague) / len(done),
            )
        )
    habits.sort(key=lambda h: -h.score)
    return habits


def find_reused_stories(
    transcripts: Sequence[tuple[int, str]], threshold: float = REUSE_THRESHOLD
) -> list[StoryReuse]:
    """Pairs of answers (by position) whose content words overlap above ``threshold``."""
    stems = [(pos, content_stems(text)) for pos, text in transcripts]
    found: list[StoryReuse] = []
    for i, (pos_a, a) in enumerate(stems):
        for pos_b, b in stems[i + 1 :]:
            if len(a) < REUSE_MIN_WORDS or len(b) < REUSE_MIN_WORDS:
                continue
            shared = a & b
            share = len(shared) / min(len(a), len(b))
            if share >= threshold:
                found.append(
                    StoryReuse(
                        first=pos_a,
                        second=pos_b,
                        overlap=round(share, 3),
                        shared=sorted(shared)[:8],
                    )
                )
    return found


def summarize_round(
    round_id: str,
    created_at: str,
    answers: Sequence[RoundAnswer],
    transcripts: Mapping[int, Transcript],
    wanted: Sequence[str] = (),
    notes: Sequence[str] = (),
) -> RoundSummary:
    """The round's report data. ``transcripts``: answer position -> its transcript.

    A follow-up is compared with the other answers for reuse only when it is not the
    continuation of the same story: follow-ups are left out of the reuse check.
    """
    done = [a for a in answers if a.status == "analyzed"]
    covered: list[str] = []
    for a in done:
        covered.extend(p for p in a.principles if p not in covered)
    named: list[str] = []
    for a in done:
        named.extend(p for p in a.principles_named if p not in named)
    missed = [p for p in wanted if p not in covered]
    main = [
        (a.position, transcripts[a.position].text)
        for a in done
        if a.follow_up_of is None and a.position in transcripts
    ]
    habits = find_habits(answers)
    return RoundSummary(
        round_id=round_id,
        created_at=created_at,
        questions_asked=sum(1 for a in answers if a.follow_up_of is None),
        follow_ups_asked=sum(1 for a in answers if a.follow_up_of is not None),
        answers=list(answers),
        principles_wanted=list(wanted),
        principles_covered=covered,
        principles_missed=missed,
        principles_named=named,
        total_speaking_s=round(sum(a.speaking_s for a in done), 2),
        total_answer_s=round(sum(a.seconds for a in done), 2),
        weakest_habit=habits[0] if habits else None,
        habits=habits,
        reused_stories=find_reused_stories(main),
        notes=list(notes),
    )


# --- the round's folder -----------------------------------------------------------------------

ROUNDS_DIR = "rounds"
ROUND_JSON = "round.json"
ROUND_MD = "round.md"


def new_round_id(now: datetime | None = None) -> str:
    now = now or datetime.now()
    return f"{now:%Y%m%d-%H%M%S}-round-{secrets.token_hex(2)}"


def write_round(recordings_dir: Path, summary: RoundSummary) -> Path:
    """recordings/rounds/<round-id>/ with round.json and round.md, each written atomically."""
    from voiceloop.fsutil import atomic_write_text, describe_os_error
    from voiceloop.render.round import render_round_markdown

    folder = recordings_dir / ROUNDS_DIR / summary.round_id
    try:
        folder.mkdir(parents=True, exist_ok=True)
        atomic_write_text(folder / ROUND_JSON, summary.model_dump_json(indent=2))
        atomic_write_text(folder / ROUND_MD, render_round_markdown(summary))
    except OSError as err:
        raise describe_os_error(err, f"the round report {folder}") from err
    return folder


# --- the next question to practise ------------------------------------------------------------


def pick_prompt(
    prompt_id: str | None, lp: str | None, kind: str | None, recordings_dir: Path
) -> Prompt:
    """The question asked for by id, else one of the least practised matching --lp/--kind."""
    from voiceloop.prompts import choose_prompt, get_prompt, load_bank
    from voiceloop.sessions.index import practice_counts

    bank = load_bank()
    if prompt_id is not None:
        if lp or kind:
            raise VoiceloopError("give either a PROMPT_ID or --lp/--kind, not both")
        return get_prompt(bank, prompt_id)
    return choose_prompt(bank, practice_counts(recordings_dir), principle=lp, kind=kind)
