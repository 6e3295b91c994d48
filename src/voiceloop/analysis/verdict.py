"""The three things to fix next, each tied to a measured figure."""

from __future__ import annotations

from dataclasses import dataclass

from voiceloop.models import (
    FillerResult,
    LanguageResult,
    PacingResult,
    PromptKind,
    QuantifyResult,
    StarResult,
    Tip,
    Verdict,
)
from voiceloop.options import AnalysisOptions


def clock(seconds: float) -> str:
    """Seconds as m:ss."""
    seconds = max(0, round(seconds))
    return f"{seconds // 60}:{seconds % 60:02d}"


@dataclass
class _Candidate:
    severity: float  # bigger: more worth fixing first
    tip: Tip


def _tip(severity: float, *, title: str, detail: str, figure: str) -> _Candidate:
    return _Candidate(severity, Tip(title=title, detail=detail, figure=figure))


def _pct(x: float) -> str:
    return f"{x * 100:.0f}%"


def _pacing_tips(p: PacingResult, options: AnalysisOptions) -> list[_Candidate]:
    out: list[_Candidate] = []
    low, high = options.pace_range_wpm
    if p.pace_verdict == "fast":
        out.append(
            _tip(
                p.wpm / high,
                title="Slow down",
                detail=f"Aim for {low:.0f}-{high:.0f} wpm; pause after each key number.",
                figure=f"{p.wpm:.0f} wpm",
            )
        )
    elif p.pace_verdict == "slow":
        out.append(
            _tip(
                low / max(p.wpm, 1.0),
                title="Pick up the pace",
                detail=f"Aim for {low:.0f}-{high:.0f} wpm; rehearse the beats of the story.",
                figure=f"{p.wpm:.0f} wpm",
            )
        )
    lo, hi = p.target_seconds
    if p.duration_verdict == "long":
        out.append(
            _tip(
                p.duration_s / hi,
                title="Tighten the answer",
                detail=f"Target is {clock(lo)}-{clock(hi)}; cut context and keep the Actions.",
                figure=f"{clock(p.duration_s)} spoken",
            )
        )
    elif p.duration_verdict == "short":
        out.append(
            _tip(
                0.8 * lo / max(p.duration_s, 1.0),
                title="Say more",
                detail=f"Target is {clock(lo)}-{clock(hi)}; add Actions and the measured Result.",
                figure=f"{clock(p.duration_s)} spoken",
            )
        )
    if p.long_pauses:
        longest = max(p.long_pauses, key=lambda x: x.duration)
        out.append(
            _tip(
                0.8 + 0.1 * len(p.long_pauses),
                title="Fewer long silences",
                detail=f"Longest was {longest.duration:.1f} s at {clock(longest.start)}; "
                "a bridging phrase beats a silent search.",
                figure=f"{len(p.long_pauses)} pauses over {options.long_pause_s:.0f} s",
            )
        )
    return out


def _filler_tips(f: FillerResult, options: AnalysisOptions) -> list[_Candidate]:
    if f.per_minute <= options.fillers_per_minute_flag or f.count == 0:
        return []
    top = sorted(f.by_type.items(), key=lambda kv: -kv[1])[:3]
    kinds = ", ".join(f'"{k}" x{n}' for k, n in top)
    return [
        _tip(
            f.per_minute / options.fillers_per_minute_flag,
            title="Cut the fillers",
            detail=f"Most used: {kinds}. Replace them with a short silent pause.",
            figure=f"{f.per_minute:.1f} fillers per minute "
            f"(aim for under {options.fillers_per_minute_flag:.0f})",
        )
    ]


def _star_tips(s: StarResult, kind: PromptKind, options: AnalysisOptions) -> list[_Candidate]:
    if kind not in ("star", "deep_dive"):
        return []
    out: list[_Candidate] = []
    tol = options.star_tolerance
    guide = options.star_guidance
    if "result" in s.missing:
        out.append(
            _tip(
                2.0,
                title="Finish with the Result",
                detail="Say what changed because of your actions, with a number and a baseline.",
                figure="no Result section heard",
            )
        )
    if "action" in s.missing:
        out.append(
            _tip(
                2.2,
                title="Tell what you did",
                detail="Walk through 3-5 specific actions you took, in order.",
                figure="no Action section heard",
            )
        )
    action = s.shares.get("action", 0.0)
    setup = s.shares.get("situation", 0.0) + s.shares.get("task", 0.0)
    if "action" not in s.missing and action < guide["action"] - tol:
        out.append(
            _tip(
                1.0 + (guide["action"] - action) * 3,
                title="Spend more time on your Actions",
                detail=f"Guidance is about {_pct(guide['action'])} of the answer on Action.",
                figure=f"Action {_pct(action)} of the answer",
            )
        )
    if setup > guide["setup"] + tol:
        out.append(
            _tip(
                1.0 + (setup - guide["setup"]) * 3,
                title="Shorten the setup",
                detail=f"Situation and Task together should be about {_pct(guide['setup'])}.",
                figure=f"Situation+Task {_pct(setup)} of the answer",
            )
        )
    if "reflection" in s.missing and "result" not in s.missing:
        out.append(
            _tip(
                0.6,
                title="Close with a reflection",
                detail="One sentence on what you learned or would do differently.",
                figure="no Reflection heard",
            )
        )
    return out


def _quantify_tips(q: QuantifyResult) -> list[_Candidate]:
    if q.result_quantified is False:
        return [
            _tip(
                1.8,
                title="Quantify the Result",
                detail="Give the metric before and after (from X to Y) and over what time.",
                figure="no number in the Result",
            )
        ]
    missing_base = [x for x in q.quantities if not x.has_baseline]
    if q.quantities and len(missing_base) == len(q.quantities):
        return [
            _tip(
                0.9,
                title="Give your numbers a baseline",
                detail='Say "from X to Y" or "versus control" so the number means something.',
                figure=f"{len(missing_base)} of {len(q.quantities)} result numbers lack a baseline",
            )
        ]
    return []


def _language_tips(lang: LanguageResult, kind: PromptKind) -> list[_Candidate]:
    out: list[_Candidate] = []
    if lang.i_share is not None and lang.i_share < 0.5 and lang.we_count >= 3:
        out.append(
            _tip(
                1.2 + (0.5 - lang.i_share),
                title='Say "I" for your own actions',
                detail='Interviewers score what you did; keep "we" for the team\'s work.',
                figure=f'"I" {lang.i_count} vs "we" {lang.we_count} in the Action part',
            )
        )
    if len(lang.hedges) >= 4:
        out.append(
            _tip(
                0.5 + 0.1 * len(lang.hedges),
                title="Drop the hedges",
                detail="State decisions plainly; hedges read as doubt.",
                figure=f"{len(lang.hedges)} hedging phrases",
            )
        )
    if kind in ("star", "deep_dive") and not lang.principles_named:
        out.append(
            _tip(
                0.4,
                title="Name the principle",
                detail="Say which leadership principle the story shows, once, near the end.",
                figure="no leadership principle named",
            )
        )
    return out


def make_verdict(
    pacing: PacingResult,
    fillers: FillerResult,
    star: StarResult,
    quantify: QuantifyResult,
    language: LanguageResult,
    kind: PromptKind,
    options: AnalysisOptions,
) -> Verdict:
    candidates = (
        _pacing_tips(pacing, options)
        + _filler_tips(fillers, options)
        + _star_tips(star, kind, options)
        + _quantify_tips(quantify)
        + _language_tips(language, kind)
    )
    candidates.sort(key=lambda c: -c.severity)
    headline = (
        f"{clock(pacing.duration_s)} answer at {pacing.wpm:.0f} wpm, "
        f"{fillers.per_minute:.1f} fillers/min"
    )
    if kind in ("star", "deep_dive"):
        present = [
            lab
            for lab in ("situation", "task", "action", "result", "reflection")
            if lab not in star.missing
        ]
        headline += f"; STAR: {'/'.join(p[0].upper() for p in present) or 'none'} heard"
    if not candidates:
        headline += ". Nothing stands out to fix: keep practising this shape."
    return Verdict(headline=headline, tips=[c.tip for c in candidates[:3]])
