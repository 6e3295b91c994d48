"""Progress across sessions: trends of the headline figures, a chart, principles never practised.

Works on index rows only (``index.SessionRow``), so it answers fast with many sessions. A
trend compares the mean of the earlier half of the chosen sessions with the later half, and
calls it better or worse by how far each mean is from its target (a pace inside 120-160 wpm
is as good as it gets; fewer fillers is always better; Action share aims at 60%). Each figure
rests on the sessions that have it: "Results quantified" is the share of STAR answers whose
Result carried a number (no Result at all counts as not quantified).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Literal

from pydantic import BaseModel

from voiceloop import __version__ as ANALYSIS_VERSION  # analysis.combined's, without its imports
from voiceloop.clock import clock
from voiceloop.models import Analysis, Prompt
from voiceloop.options import AnalysisOptions
from voiceloop.sessions.index import SessionRow

Direction = Literal["better", "worse", "steady", "n/a"]
# Question kinds answered as a STAR story (a deep dive is "STAR in depth"); an intro or a
# project walkthrough has no Result to quantify, so it stays out of "Results quantified".
STAR_KINDS = ("star", "deep_dive")


class ProgressPoint(BaseModel):
    """One analyzed session, as plotted."""

    id: str
    created_at: str
    prompt_id: str | None
    kind: str | None = None  # the question's kind: "star", "intro", ...
    wpm: float | None
    fillers_per_min: float | None
    action_share: float | None
    result_quantified: bool | None
    duration_s: float | None
    target_lo: float | None
    target_hi: float | None
    analysis_version: str | None = None

    @property
    def length_pct(self) -> float | None:
        """Answer length as a percentage of the middle of its target range."""
        if self.duration_s is None or not self.target_lo or not self.target_hi:
            return None
        return 100.0 * self.duration_s / ((self.target_lo + self.target_hi) / 2)

    @property
    def star_quantified(self) -> bool | None:
        """For a STAR answer, did its Result carry a number? None for other kinds.

        A STAR answer with no Result at all has no number in its Result: it counts as not
        quantified, not as skipped, or leaving the Result out would look like progress.
        """
        if self.kind not in STAR_KINDS:
            return None
        return bool(self.result_quantified)

    @property
    def on_target(self) -> bool | None:
        if self.duration_s is None or self.target_lo is None or self.target_hi is None:
            return None
        return self.target_lo <= self.duration_s <= self.target_hi


class Trend(BaseModel):
    metric: str
    label: str
    earlier: float | None  # mean over the earlier half of the sessions
    recent: float | None  # mean over the later half
    overall: float | None
    direction: Direction
    target: str
    sessions: int = 0  # sessions that have this figure (the halves split these, not all)


class ProgressReport(BaseModel):
    scope: str  # which sessions, in words
    count: int  # analyzed sessions the trends rest on
    skipped: int  # sessions left out: not analyzed, or damaged
    first_at: str | None
    last_at: str | None
    points: list[ProgressPoint]  # oldest first
    trends: list[Trend]
    principles_practised: dict[str, int]  # principle -> sessions, over all recordings
    principles_never: list[str]  # in the prompt bank, never practised
    # sessions left out because another session holds the same recording (content hash)
    duplicates: int = 0
    # sessions analyzed by another voiceloop than this one, per version: their figures may
    # differ from this version's for that reason alone (`voiceloop reanalyze --all`)
    other_versions: dict[str, int] = {}


def _mean(values: Sequence[float]) -> float | None:
    return sum(values) / len(values) if values else None


def _distance(lo: float, hi: float) -> Callable[[float], float]:
    return lambda v: max(lo - v, 0.0, v - hi)


def _direction(
    earlier: float | None, recent: float | None, badness: Callable[[float], float], tol: float
) -> Direction:
    if earlier is None or recent is None:
        return "n/a"
    delta = badness(recent) - badness(earlier)
    if abs(delta) <= tol:
        return "steady"
    return "better" if delta < 0 else "worse"


def _flag(value: bool | None) -> float | None:
    return None if value is None else float(value)


def _trends(points: Sequence[ProgressPoint], options: AnalysisOptions) -> list[Trend]:
    lo, hi = options.pace_range_wpm
    action_goal = options.star_guidance["action"]
    tol = options.star_tolerance

    def row(
        metric: str,
        label: str,
        pick: Callable[[ProgressPoint], float | None],
        badness: Callable[[float], float],
        tolerance: float,
        target: str,
    ) -> Trend:
        # Each figure's halves are split among the sessions that have it: an intro answer has
        # no quantified Result, and a half made only of intros must not read as "n/a" or 0%.
        have = [v for v in map(pick, points) if v is not None]
        half = len(have) // 2
        earlier, recent = _mean(have[:half]), _mean(have[half:])
        return Trend(
            metric=metric,
            label=label,
            earlier=earlier,
            recent=recent,
            overall=_mean(have),
            direction=_direction(earlier, recent, badness, tolerance),
            target=target,
            sessions=len(have),
        )

    return [
        row(
            "wpm", "Words per minute", lambda p: p.wpm, _distance(lo, hi), 5.0, f"{lo:.0f}-{hi:.0f}"
        ),
        row(
            "fillers_per_min",
            "Fillers per minute",
            lambda p: p.fillers_per_min,
            lambda v: v,
            0.5,
            f"under {options.fillers_per_minute_flag:.0f}",
        ),
        row(
            "action_share",
            "Action share",
            lambda p: p.action_share,
            _distance(action_goal - tol, action_goal + tol),
            0.03,
            f"{action_goal:.0%}",
        ),
        row(
            "quantified_rate",
            "Results quantified",
            lambda p: _flag(p.star_quantified),
            lambda v: 1.0 - v,
            0.1,
            "every answer",
        ),
        row(
            "on_target_rate",
            "Length on target",
            lambda p: _flag(p.on_target),
            lambda v: 1.0 - v,
            0.1,
            "every answer",
        ),
        row(
            "length_pct",
            "Length vs target middle",
            lambda p: p.length_pct,
            lambda v: abs(v - 100.0),
            5.0,
            "100%",
        ),
    ]


def principle_coverage(
    counts: Mapping[str, int], bank: Sequence[Prompt], stored: Mapping[str, Sequence[str]]
) -> tuple[dict[str, int], list[str]]:
    """Sessions per principle, and the bank's principles never practised.

    ``counts``: prompt id -> sessions. A prompt's principles come from the bank, or from
    ``stored`` (what the index kept) for prompts no longer in it.
    """
    by_id = {p.id: p.principles for p in bank}
    practised: dict[str, int] = {}
    for prompt_id, n in counts.items():
        for name in by_id.get(prompt_id, stored.get(prompt_id, ())):
            practised[name] = practised.get(name, 0) + n
    in_bank: list[str] = []
    for prompt in bank:
        for name in prompt.principles:
            if name not in in_bank:
                in_bank.append(name)
    never = [name for name in in_bank if name not in practised]
    ordered = dict(sorted(practised.items(), key=lambda kv: (-kv[1], kv[0])))
    return ordered, never


def build_progress(
    rows: Sequence[SessionRow],
    *,
    scope: str,
    counts: Mapping[str, int],
    bank: Sequence[Prompt],
    stored_principles: Mapping[str, Sequence[str]] | None = None,
    options: AnalysisOptions | None = None,
    duplicates: int = 0,
) -> ProgressReport:
    """Trends over ``rows`` (any order) and principle coverage over all of ``counts``.

    ``duplicates``: sessions the caller left out as repeats of a recording, to be told.
    """
    options = options or AnalysisOptions()
    ordered = sorted(rows, key=lambda r: (r.created_ts, r.id))
    points = [
        ProgressPoint(
            id=r.id,
            created_at=r.created_at,
            prompt_id=r.prompt_id,
            kind=r.kind,
            wpm=r.wpm,
            fillers_per_min=r.fillers_per_min,
            action_share=r.action_share,
            result_quantified=r.result_quantified,
            duration_s=r.duration_s,
            target_lo=r.target_lo,
            target_hi=r.target_hi,
            analysis_version=r.analysis_version,
        )
        for r in ordered
        if r.status == "analyzed" and r.wpm is not None
    ]
    practised, never = principle_coverage(counts, bank, stored_principles or {})
    return ProgressReport(
        scope=scope,
        count=len(points),
        skipped=len(ordered) - len(points),
        first_at=points[0].created_at if points else None,
        last_at=points[-1].created_at if points else None,
        points=points,
        trends=_trends(points, options),
        principles_practised=practised,
        principles_never=never,
        duplicates=duplicates,
        other_versions=dict(
            sorted(
                Counter(
                    p.analysis_version or "unknown"
                    for p in points
                    if p.analysis_version != ANALYSIS_VERSION
                ).items()
            )
        ),
    )


def version_note(other_versions: Mapping[str, int]) -> str | None:
    """A line telling that some sessions were analyzed by another version, or None."""
    if not other_versions:
        return None
    which = ", ".join(f"{v}: {n}" for v, n in other_versions.items())
    count = sum(other_versions.values())
    return (
        f"{count} of these sessions {'was' if count == 1 else 'were'} analyzed by another "
        f"voiceloop ({which}; this is "
        f"{ANALYSIS_VERSION}), so their figures can differ for that reason alone: "
        "`voiceloop reanalyze --all` brings them to this version."
    )


def write_chart(report: ProgressReport, path: Path) -> Path:
    from voiceloop.fsutil import atomic_write_text, describe_os_error
    from voiceloop.render.progress import render_chart

    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        atomic_write_text(path, render_chart(report))
    except OSError as err:
        raise describe_os_error(err, f"the chart {path}") from err
    return path


# --- two sessions side by side ------------------------------------------------------------------


class CompareRow(BaseModel):
    label: str
    a: str
    b: str
    change: str  # B minus A, in the figure's unit; "" when it has none
    direction: Direction  # is B better than A?


def _share(x: float | None) -> str:
    return "-" if x is None else f"{x * 100:.0f}%"


def _num_row(
    label: str,
    va: float | None,
    vb: float | None,
    show: Callable[[float], str],
    badness: Callable[[float], float],
    tol: float,
    delta: Callable[[float], str],
) -> CompareRow:
    if va is None or vb is None:
        return CompareRow(
            label=label,
            a="-" if va is None else show(va),
            b="-" if vb is None else show(vb),
            change="",
            direction="n/a",
        )
    return CompareRow(
        label=label,
        a=show(va),
        b=show(vb),
        change=delta(vb - va),
        direction=_direction(va, vb, badness, tol),
    )


def compare_analyses(
    a: Analysis, b: Analysis, options: AnalysisOptions | None = None
) -> list[CompareRow]:
    """The figures that matter for two answers, with whether B is better than A."""
    options = options or AnalysisOptions()
    lo, hi = options.pace_range_wpm
    tol = options.star_tolerance
    guide = options.star_guidance

    def length(x: Analysis) -> str:
        return f"{clock(x.pacing.duration_s)} ({x.pacing.duration_verdict})"

    def off_target(x: Analysis) -> float:
        t_lo, t_hi = x.pacing.target_seconds
        return max(t_lo - x.pacing.duration_s, 0.0, x.pacing.duration_s - t_hi)

    def signed(fmt: str) -> Callable[[float], str]:
        return lambda d: format(d, fmt)

    def pts(d: float) -> str:
        return f"{d * 100:+.0f} pts"

    def setup(x: Analysis) -> float:
        return x.star.shares.get("situation", 0.0) + x.star.shares.get("task", 0.0)

    def outcome(x: Analysis) -> float:
        return x.star.shares.get("result", 0.0) + x.star.shares.get("reflection", 0.0)

    quant = {True: "yes", False: "no", None: "no Result"}
    q_rank = {True: 0, False: 1, None: 2}
    qa, qb = a.quantify.result_quantified, b.quantify.result_quantified
    qdir: Direction = (
        "steady" if q_rank[qa] == q_rank[qb] else "better" if q_rank[qb] < q_rank[qa] else "worse"
    )
    missing_a, missing_b = len(a.star.missing), len(b.star.missing)
    mdir: Direction = (
        "steady" if missing_a == missing_b else "better" if missing_b < missing_a else "worse"
    )
    rows = [
        CompareRow(
            label="Length",
            a=length(a),
            b=length(b),
            change=f"{b.pacing.duration_s - a.pacing.duration_s:+.0f} s",
            direction=_direction(off_target(a), off_target(b), lambda v: v, 10.0),
        ),
        _num_row(
            "Words per minute",
            a.pacing.wpm,
            b.pacing.wpm,
            lambda v: f"{v:.0f}",
            _distance(lo, hi),
            5.0,
            signed("+.0f"),
        ),
        _num_row(
            "Fillers per minute",
            a.fillers.per_minute,
            b.fillers.per_minute,
            lambda v: f"{v:.1f}",
            lambda v: v,
            0.5,
            signed("+.1f"),
        ),
        _num_row(
            "Pauses over 2 s",
            float(len(a.pacing.long_pauses)),
            float(len(b.pacing.long_pauses)),
            lambda v: f"{v:.0f}",
            lambda v: v,
            0.0,
            signed("+.0f"),
        ),
        _num_row(
            "Situation+Task share",
            setup(a),
            setup(b),
            _share,
            _distance(guide["setup"] - tol, guide["setup"] + tol),
            0.03,
            pts,
        ),
        _num_row(
            "Action share",
            a.star.shares.get("action", 0.0),
            b.star.shares.get("action", 0.0),
            _share,
            _distance(guide["action"] - tol, guide["action"] + tol),
            0.03,
            pts,
        ),
        _num_row(
            "Result+Reflection share",
            outcome(a),
            outcome(b),
            _share,
            _distance(guide["outcome"] - tol, guide["outcome"] + tol),
            0.03,
            pts,
        ),
        CompareRow(label="Result quantified", a=quant[qa], b=quant[qb], change="", direction=qdir),
        CompareRow(
            label="Missing sections",
            a=", ".join(a.star.missing) or "none",
            b=", ".join(b.star.missing) or "none",
            change="",
            direction=mdir,
        ),
        _num_row(
            '"I" share in Action',
            a.language.i_share,
            b.language.i_share,
            _share,
            lambda v: 1.0 - v,
            0.05,
            pts,
        ),
        CompareRow(
            label="Principles named",
            a=", ".join(a.language.principles_named) or "none",
            b=", ".join(b.language.principles_named) or "none",
            change="",
            direction="n/a",
        ),
    ]
    return rows
