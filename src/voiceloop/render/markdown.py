"""Render a session as the Markdown report (verdict first)."""

from __future__ import annotations

from voiceloop.analysis.confidence import mark_quoted, unsure_tokens
from voiceloop.analysis.verdict import check_mark, quantified_state
from voiceloop.clock import clock
from voiceloop.models import Analysis, Highlight, Sentence, SessionMeta, Transcript
from voiceloop.options import AnalysisOptions

GUIDANCE_OF = {
    "situation": "setup",
    "task": "setup",
    "action": "action",
    "result": "outcome",
    "reflection": "outcome",
}

# How much the figures are worth, measured by `voiceloop eval` on recordings the analysis was
# not tuned on (docs/accuracy.md). Update with the table.
MEASURED_ACCURACY = (
    "How far to trust these figures: on recordings voiceloop was not tuned on, it found 12 of "
    "14 fillers in unscripted real speech (1 false alarm) and measured pace within 3% on 564 "
    "of 564 answers read by a synthetic voice; on the text of 48 answers told in 8 ways it "
    "had never seen it put 95% of words in the right STAR section (88.4% for the hardest "
    "way, stories of a mistake the speaker owned) and called a missing Result right on "
    "95.4%; over eight such sets, 97% of the STAR tips it stated as sure were right, and "
    'tips marked "Not sure" were right two times in three (measured 2026-12-05 on answers '
    "written for the test; see docs/accuracy.md in the project)."
)


def _pct(x: float) -> str:
    return f"{x * 100:.0f}%"


def _bar(value: float, top: float, width: int = 20) -> str:
    filled = 0 if top <= 0 else round(min(value / top, 1.0) * width)
    return "█" * filled + "·" * (width - filled)


def _verdict_md(analysis: Analysis) -> list[str]:
    out = ["## Verdict", "", analysis.verdict.headline, ""]
    if analysis.verdict.tips:
        out += [
            "Three things to fix next:" if len(analysis.verdict.tips) == 3 else "To fix next:",
            "",
        ]
        for i, tip in enumerate(analysis.verdict.tips, 1):
            out.append(f"{i}. **{tip.title}** ({tip.figure}). {tip.detail}")
        out.append("")
    return out


def _figures_md(analysis: Analysis, options: AnalysisOptions) -> list[str]:
    p, f, lang = analysis.pacing, analysis.fillers, analysis.language
    lo, hi = p.target_seconds
    by_type = ", ".join(f"{k} {v}" for k, v in sorted(f.by_type.items(), key=lambda kv: -kv[1]))
    longest = max(p.pauses, key=lambda x: x.duration, default=None)
    rows = [
        (
            "Answer length",
            f"{clock(p.duration_s)} (target {clock(lo)}-{clock(hi)}: {p.duration_verdict})",
        ),
        ("Pace", f"{p.wpm:.0f} words per minute ({p.pace_verdict})"),
        ("Articulation rate", f"{p.articulation_wpm:.0f} words per minute, pauses left out"),
        ("Words (as spoken)", str(p.word_count)),
        ("Speaking / silent time", f"{p.speaking_time_s:.1f} s / {p.silent_time_s:.1f} s"),
        (
            "Pauses",
            f"{p.pause_count}, mean {p.mean_pause_s:.2f} s"
            + (f", longest {longest.duration:.1f} s at {clock(longest.start)}" if longest else ""),
        ),
        (
            f"Pauses over {options.long_pause_s:g} s",
            ", ".join(f"{x.duration:.1f} s at {clock(x.start)}" for x in p.long_pauses) or "none",
        ),
        (
            "Fillers",
            f"{f.count} ({f.per_minute:.1f} per minute, {f.per_100_words:.1f} per 100 words)"
            + (f": {by_type}" if by_type else ""),
        ),
        ('"I" vs "we" (Action part)', f"{lang.i_count} vs {lang.we_count}"),
        ("Leadership principles named", ", ".join(lang.principles_named) or "none"),
        ("Hedging phrases", ", ".join(sorted({h.phrase for h in lang.hedges})) or "none"),
    ]
    out = ["## Figures", "", "| | |", "|---|---|"]
    out += [f"| {k} | {v} |" for k, v in rows]
    out += ["", "### Pace over time", "", "| window | wpm | |", "|---|---|---|"]
    top = max((w.wpm for w in p.windows), default=0.0)
    for w in p.windows:
        out.append(f"| {clock(w.start)}-{clock(w.end)} | {w.wpm:.0f} | `{_bar(w.wpm, top)}` |")
    return [*out, ""]


def _star_md(analysis: Analysis) -> list[str]:
    s = analysis.star
    guide = s.guidance
    out = ["## STAR breakdown", ""]
    if analysis.shape is not None and analysis.shape.labels:
        out += ["For reference only: this question is judged by its shape above.", ""]
    out += ["| section | time | share | guidance |", "|---|---|---|---|"]
    for label in ("situation", "task", "action", "result", "reflection"):
        group = GUIDANCE_OF[label]
        seconds, share = s.seconds.get(label, 0.0), s.shares.get(label, 0.0)
        target = guide.get(group, 0.0)
        out.append(
            f"| {label.title()} | {seconds:.1f} s | {_pct(share)} | {group} {_pct(target)} |"
        )
    out.append("")
    out.append("Missing: " + (", ".join(m.title() for m in s.missing) or "none") + ".")
    q = analysis.quantify
    out += ["", "### Quantified results", ""]
    out += [f"Result quantified: {quantified_state(q)[0]}.", ""]
    if q.result_quantified is None:
        out.append("No Result section was heard, so there were no result numbers to check.")
    else:
        for x in q.quantities:
            notes = [
                n for n, ok in (("baseline", x.has_baseline), ("timeframe", x.has_timeframe)) if ok
            ]
            context = ", ".join(notes) if notes else "no baseline or timeframe"
            shown = x.text if x.sure else f"a figure at {clock(x.start)} ({UNSURE_QUANTITY})"
            out.append(f"- {shown} ({x.kind}; {context})")
        if not q.quantities:
            out.append("- no number in the Result")
    out += [f"- {flag}" for flag in q.flags]
    out += ["", "### Why each sentence got its label", ""]
    reasons = [(s.sentences[lab.sentence], lab.label.title(), lab.reason) for lab in s.labels]
    return [*out, *_reasons_md(reasons, analysis), ""]


UNSURE_REASON = (
    "A quoted word marked (?) is one the transcriber was not sure of: the label may rest on "
    "a misheard word."
)


def _reasons_md(reasons: list[tuple[Sentence, str, str]], analysis: Analysis) -> list[str]:
    """Each sentence's label and reason; quoted words the transcriber was not sure of are
    marked, and a legend says so when there is one."""
    unsure = analysis.uncertain_words or ()
    out = []
    marked = False
    for sent, title, reason in reasons:
        shown = mark_quoted(reason, unsure_tokens(sent, unsure), unsure_md)
        marked = marked or shown != reason
        out.append(f"- {clock(sent.start)} **{title}**: {shown}")
    return [*out, "", UNSURE_REASON] if marked else out


def _cell(text: str) -> str:
    """Text safe inside a Markdown table cell."""
    return text.replace("|", "\\|").replace("\n", " ")


def shape_title(label: str) -> str:
    """How a shape label or stage is named in the reports ("why_role" -> "Why this role")."""
    titles = {
        "arc": "Arc",
        "highlight": "Highlight",
        "why_role": "Why this role",
        "other": "Other",
        "problem": "Problem and goal",
        "role": "Role and stakeholders",
        "data": "Data and risks",
        "approach": "Approach",
        "experiments": "Experiments",
        "results": "Results",
        "learnings": "Rollout and learnings",
    }
    return titles.get(label, label.replace("_", " ").title())


def transcript_sections(analysis: Analysis) -> list[tuple[int, str, float]]:
    """(first word, label, start) of each run of sentences with one label.

    Intro and walkthrough answers are tagged by their shape's labels, other answers by
    their STAR sections.
    """
    shape = analysis.shape
    if shape is None or not shape.labels:
        return [(sec.first_word, sec.label, sec.start) for sec in analysis.star.sections]
    out: list[tuple[int, str, float]] = []
    for lab in shape.labels:
        sent = analysis.star.sentences[lab.sentence]
        if not out or out[-1][1] != lab.label:
            out.append((sent.first_word, lab.label, sent.start))
    return out


def _shape_md(analysis: Analysis) -> list[str]:
    shape = analysis.shape
    if shape is None:
        return []
    out = ["## Answer shape", "", f"Judged as: {shape.guide}", ""]
    out += ["| check | | what was heard |", "|---|---|---|"]
    for check in shape.checks:
        mark = check_mark(check, analysis.language)
        mark = "**no**" if mark == "no" else mark
        out.append(f"| {check.title} | {mark} | {_cell(check.detail)} |")
    out.append("")
    if shape.parts:
        heading = "Time per stage" if shape.kind == "project" else "Time per part"
        out += [f"### {heading}", "", "| part | time | share | sentences | notes |"]
        out.append("|---|---|---|---|---|")
        for part in shape.parts:
            if part.name == "other" and not part.present:
                continue
            out.append(
                f"| {part.title} | {part.seconds:.1f} s | {_pct(part.share)} | "
                f"{part.sentences} | {_cell(part.detail)} |"
            )
        out.append("")
        if shape.missing:
            out += ["Not heard: " + ", ".join(shape.missing) + ".", ""]
    if shape.kind == "intro":
        out += ["### Highlights", ""]
        for h in shape.highlights:
            figures = shown_numbers(h) if h.numbers else "**no number**"
            text = f'"{h.text}"' if h.sure else f"({UNSURE_HIGHLIGHT})"
            out.append(f"- {clock(h.start)} {text} ({figures})")
        if not shape.highlights:
            out.append("- none heard")
        out.append("")
    if shape.labels:
        out += ["### Why each sentence got its part", ""]
        reasons = [
            (analysis.star.sentences[lab.sentence], shape_title(lab.label), lab.reason)
            for lab in shape.labels
        ]
        out += [*_reasons_md(reasons, analysis), ""]
    return out


def _coverage_md(analysis: Analysis) -> list[str]:
    cov = analysis.coverage
    if cov is None:
        return []
    out = ["## What the question asks for", ""]
    if cov.missing:
        out.append("Asked for and not heard: " + "; ".join(f"**{m}**" for m in cov.missing) + ".")
    else:
        out.append("Everything the question asks for was heard.")
    out += ["", "| item | heard | evidence |", "|---|---|---|"]
    for item in cov.items:
        mark = "yes" if item.heard else "**no**"
        out.append(f"| {_cell(item.item)} | {mark} | {_cell(item.evidence)} |")
    out += [
        "",
        "Each item is read by rules named after what it asks for (dates, numbers, a "
        "trade-off ...); an item no rule understands is matched by its own words, and says so.",
        "",
    ]
    return out


UNSURE_HIGHLIGHT = "not quoted: the transcriber was not sure of some of its words"
UNSURE_QUANTITY = "not quoted: the transcriber was not sure of its words"
UNSURE_LEGEND_MD = (
    "A word marked (?) is one the transcriber was not sure of: it may be misheard, and no "
    "check quotes it as evidence."
)


def shown_numbers(h: Highlight) -> str:
    """A highlight's figures as the reports list them: not quoted when the transcriber was
    not sure of the highlight's words."""
    if h.sure:
        return ", ".join(h.numbers)
    return f"{len(h.numbers)} number" + ("s" if len(h.numbers) > 1 else "")


def unsure_md(text: str) -> str:
    """A word the transcriber was not sure of, marked before its trailing punctuation:
    "Chip," -> "Chip(?),"."""
    core = text.rstrip(".,;:!?\"')")
    if not core:
        return f"{text}(?)"
    return f"{core}(?){text[len(core) :]}"


def _transcript_md(transcript: Transcript, analysis: Analysis) -> list[str]:
    filler_at: dict[int, int] = {}
    for event in analysis.fillers.events:
        if event.word_index is not None:
            n = len(event.type.split())
            for k in range(n):
                filler_at[event.word_index + k] = event.word_index
    section_at = {first: (label, start) for first, label, start in transcript_sections(analysis)}
    unsure = set(analysis.uncertain_words or ())
    legend = "Fillers are in **[brackets]**; sections start with a heading tag."
    if unsure:
        legend += f" {UNSURE_LEGEND_MD}"
    out = ["## Transcript", "", legend, ""]
    line: list[str] = []
    for i, word in enumerate(transcript.words):
        if i in section_at:
            if line:
                out += [" ".join(line), ""]
                line = []
            label, start = section_at[i]
            line.append(f"**{shape_title(label).upper()}** `{clock(start)}`")
        text = unsure_md(word.text) if i in unsure else word.text
        line.append(f"**[{text}]**" if i in filler_at else text)
    if line:
        out.append(" ".join(line))
    acoustic = [e for e in analysis.fillers.events if e.source == "acoustic"]
    if acoustic:
        out += [
            "",
            "Filled pauses heard but not written by the transcriber: "
            + ", ".join(f"{e.type} at {clock(e.start)}" for e in acoustic)
            + ".",
        ]
    return [*out, ""]


def render_markdown(
    meta: SessionMeta,
    transcript: Transcript,
    analysis: Analysis,
    options: AnalysisOptions | None = None,
) -> str:
    """The Markdown report. ``options``: the ones the analysis ran with (default: defaults)."""
    options = options or AnalysisOptions()
    title = meta.prompt_id or "free answer"
    out = [f"# voiceloop report: {title}", ""]
    if meta.prompt_text:
        out += [f"> {meta.prompt_text}", ""]
    out += [f"Session `{meta.id}`, {meta.created_at}, source: {meta.source}.", ""]
    out += _verdict_md(analysis)
    out += _figures_md(analysis, options)
    out += _shape_md(analysis)
    out += _coverage_md(analysis)
    out += _star_md(analysis)
    out += _transcript_md(transcript, analysis)
    out += [
        "## How this was measured",
        "",
        f"- Transcribed on this computer by faster-whisper, model {transcript.model} "
        f"({transcript.decoding}). Nothing left the machine.",
        f"- {analysis.pacing.definition}",
        '- Fillers are counted from the transcript with context rules ("I\'d like" and '
        '"so that" are not fillers). Whisper drops some "um"/"uh", so the count is a floor.',
        "- STAR sections come from a model trained on answers told in many ways: cue phrases, "
        "the words, what each sentence means (an offline sentence encoder), position and "
        "order; each sentence's reason is listed above.",
        f"- {MEASURED_ACCURACY}",
        "- The answer shape (3-3-1 for an intro, seven stages for a walkthrough, STAR plus "
        "principle, dates and reflection for a story) uses cue phrases and the same ordered "
        "search; "
        "must-include items are checked by named rules with the evidence shown.",
        f"- Analysis version {analysis.version}.",
        "",
    ]
    return "\n".join(out)
