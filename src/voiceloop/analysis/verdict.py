"""The three things to fix next, each tied to a measured figure."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from voiceloop.analysis.quantify import in_result, quantify_results
from voiceloop.analysis.star import NICE, other_readings, sentence_evidence
from voiceloop.clock import clock
from voiceloop.models import (
    CoverageResult,
    FillerResult,
    LanguageResult,
    PacingResult,
    PromptKind,
    QuantifyResult,
    ShapeCheck,
    ShapeResult,
    StarResult,
    Tip,
    Transcript,
    Verdict,
)
from voiceloop.options import AnalysisOptions


@dataclass
class _Candidate:
    severity: float  # bigger: more worth fixing first
    tip: Tip


def _tip(severity: float, *, title: str, detail: str, figure: str) -> _Candidate:
    return _Candidate(severity, Tip(title=title, detail=detail, figure=figure))


@dataclass
class Reading:
    """The answer's sections read otherwise where the labeller was unsure
    (``star.other_readings``), with the Result's numbers measured on that reading."""

    changed: list[int]  # the sentences read otherwise
    star: StarResult
    quantify: QuantifyResult


def read_otherwise(
    transcript: Transcript, star: StarResult, options: AnalysisOptions
) -> list[Reading]:
    """The sections read otherwise where the labeller was unsure, each with its Result's
    numbers: what ``make_verdict`` and ``star_advice`` weigh a tip against."""
    return [
        Reading(changed, other, quantify_results(transcript, other, options))
        for changed, other in other_readings(star, options)
    ]


def _pct(x: float) -> str:
    return f"{x * 100:.0f}%"


_LONG_ADVICE: dict[str, str] = {
    "intro": "keep to 3-3-1: about three arc sentences, three highlights, one line on why "
    "this role.",
    "project": "give each stage a minute at most and keep the setup short.",
}
_SHORT_ADVICE: dict[str, str] = {
    "intro": "give three highlights with their numbers and close on why this role.",
    "project": "cover every stage, with the data risks, the experiment and the numbers.",
}


def _pacing_tips(p: PacingResult, options: AnalysisOptions, kind: PromptKind) -> list[_Candidate]:
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
                detail=f"Target is {clock(lo)}-{clock(hi)}; "
                + _LONG_ADVICE.get(kind, "cut context and keep the Actions."),
                figure=f"{clock(p.duration_s)} spoken",
            )
        )
    elif p.duration_verdict == "short":
        out.append(
            _tip(
                0.8 * lo / max(p.duration_s, 1.0),
                title="Say more",
                detail=f"Target is {clock(lo)}-{clock(hi)}; "
                + _SHORT_ADVICE.get(kind, "add Actions and the measured Result."),
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


def shown_fillers_per_minute(f: FillerResult) -> float:
    """Fillers per minute as every report prints it (one decimal).

    The goal is compared with this, not the unrounded rate: 3.04 per minute printed
    "3.0 fillers per minute (aim for under 3)" as a fix while the report's card called 3.0 fine.
    """
    return float(f"{f.per_minute:.1f}")


def _filler_tips(f: FillerResult, options: AnalysisOptions) -> list[_Candidate]:
    if shown_fillers_per_minute(f) <= options.fillers_per_minute_flag or f.count == 0:
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
        doubt = doubted_action_share(s, options)
        if doubt is not None:
            worded, n, total = doubt
            # The sentences' own words say the answer is mostly Action, so the low share is
            # more likely the labeller's mistake than the speaker's: say so, and rank it
            # below every measured fix instead of stating a mislabel as the top fix.
            out.append(
                _tip(
                    0.3,
                    title="Check the Action share",
                    detail=f"{n} of {total} sentences read as your actions by their own words "
                    f"({_pct(worded)} of the answer); if the STAR breakdown split them "
                    "wrongly, ignore this. Guidance is about "
                    f"{_pct(guide['action'])} on Action.",
                    figure=f"Action labelled {_pct(action)} of the answer",
                )
            )
        else:
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


def doubted_action_share(s: StarResult, options: AnalysisOptions) -> tuple[float, int, int] | None:
    """When the labelled Action share is low but the sentences' own words say the answer is
    mostly Action (a mislabel more likely than too little Action): ``action_wording``'s
    (share, count, of how many); else None."""
    floor = options.star_guidance["action"] - options.star_tolerance
    if "action" in s.missing or s.shares.get("action", 0.0) >= floor:
        return None
    wording = action_wording(s)
    return wording if wording[0] >= floor else None


def action_share_state(s: StarResult, options: AnalysisOptions) -> tuple[bool | None, str]:
    """Whether the Action share is right (None: it cannot be told, see
    ``doubted_action_share``), and a note, as the verdict judges it."""
    action = s.shares.get("action", 0.0)
    guide = s.guidance.get("action", options.star_guidance["action"])
    note = f"guidance {guide * 100:.0f}%"
    if abs(action - guide) <= options.star_tolerance:
        return True, note
    doubt = doubted_action_share(s, options)
    if doubt is not None:
        return None, f"{note}; {doubt[1]} of {doubt[2]} sentences read as actions"
    return False, note


def action_wording(s: StarResult) -> tuple[float, int, int]:
    """(share of the answer's time, count, of how many) of sentences that read as Action by
    their own words: an action cue or first-person past-tense verbs outweigh every other
    section's cues. Position and the learned model play no part, so when this disagrees with
    the labelled Action share the labelling, not the answer, is in doubt."""
    total = sum(max(x.end - x.start, 0.0) for x in s.sentences)
    worded = [
        x
        for x in s.sentences
        if (ev := sentence_evidence(x.text)).cues["action"]
        and ev.score["action"] >= max(v for k, v in ev.score.items() if k != "action")
    ]
    seconds = sum(max(x.end - x.start, 0.0) for x in worded)
    return (seconds / total if total > 0 else 0.0), len(worded), len(s.sentences)


def quantified_state(q: QuantifyResult) -> tuple[str, bool]:
    """How the Result-quantified figure reads ("yes", "partly", "no", "no Result") and
    whether it is good.

    "yes" only when nothing is flagged: a Result whose numbers lack a baseline or a
    timeframe is "partly" quantified, so the figure never says yes beside "4 of 4 numbers
    have no baseline".
    """
    if q.result_quantified is None:
        return "no Result", False
    if not q.result_quantified:
        return "no", False
    if q.flags:
        return "partly", False
    return "yes", True


def check_mark(check: ShapeCheck, language: LanguageResult) -> str:
    """A shape check as the reports mark it: "yes", "no" or "n/a".

    A check may pass without its evidence (nothing to fix when neither "I" nor "we" was
    said), but it may not say yes then: "Says 'I': yes" beside "no 'I' heard" contradicts
    itself.
    """
    if check.name == "says_i" and check.ok and language.i_count == 0:
        return "n/a"
    return "yes" if check.ok else "no"


def _quantify_tips(q: QuantifyResult, star: StarResult) -> list[_Candidate]:
    if q.result_quantified is False:
        return [
            _tip(
                1.8,
                title="Quantify the Result",
                detail="Give the metric before and after (from X to Y) and over what time.",
                figure="no number in the Result",
            )
        ]
    # counted over the Result's own numbers, as the report's flag is ("4 of 4 numbers have
    # no baseline"), so the tip and the flag cite the same figure
    result = in_result(q.quantities, star)
    missing_base = [x for x in result if not x.has_baseline]
    if result and len(missing_base) == len(result):
        return [
            _tip(
                0.9,
                title="Give your numbers a baseline",
                detail='Say "from X to Y" or "versus control" so the number means something.',
                figure=f"{len(missing_base)} of {len(result)} result numbers lack a baseline",
            )
        ]
    return []


def _language_tips(
    lang: LanguageResult, kind: PromptKind, shape: ShapeResult | None, options: AnalysisOptions
) -> list[_Candidate]:
    out: list[_Candidate] = []
    low = options.i_share_min
    if lang.i_share is not None and lang.i_share < low and lang.we_count >= options.we_count_min:
        out.append(
            _tip(
                1.2 + (low - lang.i_share),
                title='Say "I" for your own actions',
                detail='Interviewers score what you did; keep "we" for the team\'s work.',
                figure=f'"I" {lang.i_count} vs "we" {lang.we_count} in the Action part',
            )
        )
    if len(lang.hedges) >= options.hedges_flag:
        out.append(
            _tip(
                0.5 + 0.1 * len(lang.hedges),
                title="Drop the hedges",
                detail="State decisions plainly; hedges read as doubt.",
                figure=f"{len(lang.hedges)} hedging phrases",
            )
        )
    targeted = shape is not None and _check(shape, "principle_named") is not None
    if kind in ("star", "deep_dive") and not lang.principles_named and not targeted:
        out.append(
            _tip(
                0.4,
                title="Name the principle",
                detail="Say which leadership principle the story shows, once, near the end.",
                figure="no leadership principle named",
            )
        )
    return out


def _check(shape: ShapeResult, name: str) -> ShapeCheck | None:
    return next((c for c in shape.checks if c.name == name), None)


def _failed(shape: ShapeResult, name: str) -> ShapeCheck | None:
    check = _check(shape, name)
    return check if check is not None and not check.ok else None


def _intro_tips(shape: ShapeResult) -> list[_Candidate]:
    out: list[_Candidate] = []
    why = _failed(shape, "why_role")
    if why is not None:
        heard = any(lab.label == "why_role" for lab in shape.labels)
        out.append(
            _tip(
                1.0 if heard else 1.7,
                title="End on why this role" if heard else "Close with why this role",
                detail="Finish with one line on why this role and team draw you: the problem, "
                "the customers or the scale.",
                figure=why.detail,
            )
        )
    bare = [h for h in shape.highlights if not h.numbers]
    if _failed(shape, "highlights_quantified") is not None and bare:
        # quote a highlight only when the transcriber was sure of its words
        quotable = next((h for h in bare if h.sure), None)
        example = (
            f'"{" ".join(quotable.text.split()[:8])} ..."'
            if quotable is not None
            else f"the highlight at {clock(bare[0].start)}"
        )
        out.append(
            _tip(
                1.2 + 0.2 * len(bare),
                title="Put a number in every highlight",
                detail=f"Say what each one moved and by how much; {example} has no figure.",
                figure=f"{len(bare)} of {len(shape.highlights)} highlights without a number",
            )
        )
    count = _failed(shape, "highlights_count")
    if count is not None:
        n = len(shape.highlights)
        out.append(
            _tip(
                1.3 if n < 3 else 0.8,
                title="Give three highlights" if n < 3 else "Pick your best three highlights",
                detail="Three achievements, each with its number, between the arc and the close.",
                figure=f"{n} highlight(s) heard",
            )
        )
    arc = _failed(shape, "arc")
    if arc is not None:
        missing = not any(lab.label == "arc" for lab in shape.labels)
        out.append(
            _tip(
                1.1 if missing else 0.9,
                title="Open with who you are" if missing else "Keep the arc to three sentences",
                detail="Who you are, what you focus on and in which domains, then the highlights.",
                figure=arc.detail,
            )
        )
    return out


def _project_tips(shape: ShapeResult) -> list[_Candidate]:
    out: list[_Candidate] = []
    skipped = [p for p in shape.parts if not p.present]
    if skipped:
        names = ", ".join(p.short or p.name for p in skipped)
        out.append(
            _tip(
                min(1.0 + 0.3 * len(skipped), 2.5),
                title="Walk through every stage",
                detail="Give each stage a sentence or two, in order: problem and goal, role, "
                "data risks, approach, experiments, results, learnings.",
                figure=f"{len(skipped)} of {len(shape.parts)} walkthrough stages skipped: {names}",
            )
        )
    results = next((p for p in shape.parts if p.name == "results"), None)
    if results is not None and results.present and _failed(shape, "results_quantified"):
        out.append(
            _tip(
                1.7,
                title="Give the results in numbers",
                detail="Say the metric before and after, the lift against control, and what "
                "it was worth.",
                figure="no number in the results stage",
            )
        )
    setup = _failed(shape, "setup")
    if setup is not None:
        share = sum(p.share for p in shape.parts if p.name in ("problem", "role"))
        out.append(
            _tip(
                1.0 + (share - 0.3) * 3,
                title="Get to the work sooner",
                detail="Keep the problem and your role to about a fifth of the walkthrough.",
                figure=f"problem and role {_pct(share)} of the walkthrough",
            )
        )
    return out


def _behavioral_tips(shape: ShapeResult) -> list[_Candidate]:
    out: list[_Candidate] = []
    principle = _failed(shape, "principle_named")
    if principle is not None:
        out.append(
            _tip(
                0.8 if "targets" in principle.detail else 0.4,
                title="Name the principle",
                detail="Say which leadership principle the story shows, once, where your "
                "actions show it.",
                figure=principle.detail,
            )
        )
    dates = _failed(shape, "dates")
    if dates is not None:
        out.append(
            _tip(
                1.5,
                title="Say when it happened",
                detail="The question asks for dates: give the month or quarter, and how many "
                "weeks each step took.",
                figure="no dates heard",
            )
        )
    return out


def _shape_tips(shape: ShapeResult | None) -> list[_Candidate]:
    if shape is None:
        return []
    if shape.kind == "intro":
        return _intro_tips(shape)
    if shape.kind == "project":
        return _project_tips(shape)
    return _behavioral_tips(shape)


# Coverage rules whose absence a shape check already reports: (check name, or the
# walkthrough stage that would have held it).
_EXPLAINED_BY: dict[str, tuple[str, ...]] = {
    "why this role": ("why_role",),
    "highlights": ("highlights_quantified", "highlights_count"),
    "who you are": ("arc",),
    "reflection": ("reflection", "learnings"),
    "principle": ("principle_named",),
    "dates": ("dates",),
    "problem or goal": ("problem",),
    "role": ("role",),
    "stakeholders": ("role",),
    "data risks": ("data",),
    "evaluation": ("experiments",),
    "guardrails": ("experiments",),
    "result": ("results",),
    "numbers": ("results_quantified", "highlights_quantified"),
}


def _explained(rules: list[str], shape: ShapeResult | None) -> bool:
    """True when every rule that found nothing for an item is already reported by a shape
    check (a skipped stage, a missing why-this-role close ...), so the tip need not repeat it."""
    if shape is None:
        return False
    failed = {c.name for c in shape.checks if not c.ok}
    failed |= {p.name for p in shape.parts if not p.present}
    return all(any(n in failed for n in _EXPLAINED_BY.get(r, ())) for r in rules)


def _coverage_tips(coverage: CoverageResult | None, shape: ShapeResult | None) -> list[_Candidate]:
    if coverage is None or not coverage.missing:
        return []
    items = [it for it in coverage.items if not it.heard]
    fresh = [it for it in items if not _explained(it.unheard or it.rules, shape)]
    if not fresh:
        return []
    names = "; ".join(it.item for it in fresh)
    return [
        _tip(
            min(1.0 + 0.25 * len(fresh), 2.0),
            title="Cover what the question asks for",
            detail=f"Not heard: {names}.",
            figure=f"{len(items)} of {len(coverage.items)} asked-for items not heard",
        )
    ]


def _shape_headline(shape: ShapeResult | None, coverage: CoverageResult | None) -> str:
    out = ""
    if shape is not None and shape.kind == "intro":
        n = len(shape.highlights)
        q = sum(bool(h.numbers) for h in shape.highlights)
        why = _check(shape, "why_role")
        close = "closes on why this role" if why and why.ok else "no why-this-role close"
        out += f"; 3-3-1: {n} highlight(s), {q} with numbers, {close}"
    elif shape is not None and shape.kind == "project":
        heard = sum(p.present for p in shape.parts)
        out += f"; walkthrough: {heard} of {len(shape.parts)} stages heard"
    if coverage is not None and coverage.items:
        heard_items = len(coverage.items) - len(coverage.missing)
        out += f"; {heard_items} of {len(coverage.items)} asked-for items heard"
    return out


def star_advice(
    star: StarResult,
    quantify: QuantifyResult,
    options: AnalysisOptions,
    kind: PromptKind = "star",
    readings: Sequence[Reading] = (),
) -> list[Tip]:
    """The tips a STAR answer earns from its sections and its Result's numbers, most worth
    fixing first, as ``make_verdict`` weighs them (the benchmarks compare these between the
    labeller's sections and the true ones). A tip that one of ``readings`` does not give is
    unsure."""
    return [c.tip for c in _star_candidates(star, quantify, kind, options, readings)]


def _star_candidates(
    star: StarResult,
    quantify: QuantifyResult,
    kind: PromptKind,
    options: AnalysisOptions,
    readings: Sequence[Reading],
    shaped: bool = False,
) -> list[_Candidate]:
    def earned(s: StarResult, q: QuantifyResult) -> list[_Candidate]:
        return _star_tips(s, kind, options) + ([] if shaped else _quantify_tips(q, s))

    otherwise = [(r, {c.tip.title for c in earned(r.star, r.quantify)}) for r in readings]
    out = []
    for c in earned(star, quantify):
        against = next((r for r, titles in otherwise if c.tip.title not in titles), None)
        out.append(c if against is None else _unsure(c, against, star))
    out.sort(key=lambda c: -c.severity)
    return out


def _unsure(c: _Candidate, reading: Reading, star: StarResult) -> _Candidate:
    """The tip worded as unsure, naming what another reading would change. Its rank stays:
    such tips are still right more often than not (docs/accuracy.md), and ranked lower they
    made the first tip wrong more often on the development styles left out."""
    if len(reading.changed) == 1:
        lab = star.labels[reading.changed[0]]
        words = star.sentences[lab.sentence].text.split()
        quoted = " ".join(words[:8]) + (" ..." if len(words) > 8 else "")
        other = NICE[reading.star.labels[lab.sentence].label]
        why = f'"{quoted}" may belong to the {other} rather than the {NICE[lab.label]}'
    else:
        why = f"{len(reading.changed)} sentences may belong to other sections"
    tip = c.tip.model_copy(
        update={
            "sure": False,
            "detail": f"Not sure: {why}, and then this would not apply. {c.tip.detail}",
        }
    )
    return _Candidate(c.severity, tip)


def make_verdict(
    pacing: PacingResult,
    fillers: FillerResult,
    star: StarResult,
    quantify: QuantifyResult,
    language: LanguageResult,
    kind: PromptKind,
    options: AnalysisOptions,
    *,
    shape: ShapeResult | None = None,
    coverage: CoverageResult | None = None,
    readings: Sequence[Reading] = (),
) -> Verdict:
    """Pick the three tips worth most, each resting on a measured figure.

    With ``shape``, intro and walkthrough answers are judged by their own shape (their
    numbers are checked there, not in a STAR Result), and behavioral answers by the
    principle the question targets; ``coverage`` adds the asked-for items not heard.
    ``readings``: the sections read otherwise where the labeller was unsure; a STAR tip one
    of them takes away is worded as unsure.
    """
    shaped = shape is not None and kind in ("intro", "project")
    candidates = (
        _pacing_tips(pacing, options, kind)
        + _filler_tips(fillers, options)
        + _star_candidates(star, quantify, kind, options, readings, shaped)
        + _language_tips(language, kind, shape, options)
        + _shape_tips(shape)
        + _coverage_tips(coverage, shape)
    )
    candidates.sort(key=lambda c: -c.severity)
    headline = (
        f"{clock(pacing.duration_s)} answer at {pacing.wpm:.0f} wpm, "
        f"{fillers.per_minute:.1f} fillers/min"
    )
    if kind in ("star", "deep_dive"):
        short = {"situation": "S", "task": "T", "action": "A", "result": "R", "reflection": "Refl"}
        present = [abbr for lab, abbr in short.items() if lab not in star.missing]
        headline += f"; STAR: {'/'.join(present) or 'none'} heard"
    headline += _shape_headline(shape, coverage)
    if not candidates:
        headline += ". Nothing stands out to fix: keep practising this shape."
    return Verdict(headline=headline, tips=[c.tip for c in candidates[:3]])
