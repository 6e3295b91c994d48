"""A mock round's summary for people: the round report (Markdown) and the terminal lines."""

from __future__ import annotations

from voiceloop.clock import clock
from voiceloop.sessions.round import RoundSummary


def _cell(text: str) -> str:
    return " ".join(text.replace("|", "/").split()) or "-"


def render_round_markdown(summary: RoundSummary) -> str:
    lines = [f"# Mock round {summary.round_id}", ""]
    lines.append(
        f"{summary.questions_asked} question{'s' if summary.questions_asked != 1 else ''}"
        f", {summary.follow_ups_asked} follow-up{'s' if summary.follow_ups_asked != 1 else ''}"
        f"; speaking time {clock(summary.total_speaking_s)}"
        f" (answers {clock(summary.total_answer_s)} in all)."
    )
    lines += [""] + [f"- {n}" for n in summary.notes] + ([""] if summary.notes else [])
    lines += ["## Answers side by side", ""]
    lines.append("| # | Question | Verdict | Length | Pace | Fillers/min | Action | Not heard |")
    lines.append("|---|---|---|---|---|---|---|---|")
    for a in summary.answers:
        label = a.prompt_id + (f" (follow-up of {a.follow_up_of})" if a.follow_up_of else "")
        if a.status != "analyzed":
            lines.append(
                f"| {a.position} | {_cell(label)} | {a.status}: {_cell(a.message)} "
                "| - | - | - | - | - |"
            )
            continue
        low, high = a.target_seconds
        gaps = a.star_missing + a.shape_missing + a.must_include_missing
        action = f"{100 * a.action_share:.0f}%" if a.action_share is not None else "-"
        lines.append(
            f"| {a.position} | {_cell(label)} | {_cell(a.headline)} "
            f"| {clock(a.seconds)} ({clock(low)}-{clock(high)}, {a.duration_verdict}) "
            f"| {a.wpm:.0f} wpm ({a.pace_verdict}) | {a.fillers_per_min:.1f} | {action} "
            f"| {_cell(', '.join(gaps))} |"
        )
    follow = [a for a in summary.answers if a.follow_up_of]
    if follow:
        lines += ["", "Follow-ups asked because:"]
        lines += [f"- #{a.position}: {a.follow_up_reason}" for a in follow]
    lines += ["", "## Principles", ""]
    if summary.principles_wanted:
        lines.append("- Asked for: " + ", ".join(summary.principles_wanted))
    lines.append("- Covered: " + (", ".join(summary.principles_covered) or "none"))
    lines.append("- Missed: " + (", ".join(summary.principles_missed) or "none"))
    lines.append("- Named out loud: " + (", ".join(summary.principles_named) or "none"))
    lines += ["", "## Weakest habit", ""]
    if summary.weakest_habit is None:
        lines.append("No habit stood out across the answers.")
    else:
        h = summary.weakest_habit
        lines.append(f"**{h.title}**: {h.detail}.")
        others = summary.habits[1:]
        if others:
            lines += ["", "Also seen:"] + [f"- {o.title}: {o.detail}" for o in others]
    lines += ["", "## Stories reused", ""]
    if not summary.reused_stories:
        lines.append("Each question got its own story.")
    for r in summary.reused_stories:
        lines.append(
            f"- Answers #{r.first} and #{r.second} share {100 * r.overlap:.0f}% of their "
            f"content words ({', '.join(r.shared)}): one story told twice? Interviewers "
            "expect a different example per question."
        )
    lines += ["", "## Sessions", ""]
    lines += [
        f"- #{a.position} {a.prompt_id}: {a.session_id or 'no session'}" for a in summary.answers
    ]
    return "\n".join(lines) + "\n"


def render_round_terminal(summary: RoundSummary, report_path: str) -> str:
    lines = [f"Round {summary.round_id}: speaking time {clock(summary.total_speaking_s)}"]
    for a in summary.answers:
        tag = f"  #{a.position} {a.prompt_id}"
        lines.append(f"{tag}: {a.headline if a.status == 'analyzed' else a.status}")
    if summary.principles_missed:
        lines.append("Principles missed: " + ", ".join(summary.principles_missed))
    if summary.weakest_habit is not None:
        lines.append(
            f"Weakest habit: {summary.weakest_habit.title} ({summary.weakest_habit.detail})"
        )
    for r in summary.reused_stories:
        lines.append(
            f"Story reused: answers #{r.first} and #{r.second} "
            f"({100 * r.overlap:.0f}% shared words)"
        )
    lines.append(f"Round report: {report_path}")
    return "\n".join(lines)
