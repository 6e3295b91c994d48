"""``voiceloop progress`` for people: the trends table and the SVG chart of every figure."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

from voiceloop.clock import clock
from voiceloop.options import AnalysisOptions
from voiceloop.render.charts import esc, svg_line_chart
from voiceloop.sessions.progress import ProgressReport, version_note


def x_labels(created_ats: Sequence[str]) -> list[str]:
    """Axis labels that tell the sessions apart: the day ("12-03") when every session has its
    own day, else day and time ("12-03 14:05"), with seconds when two share a minute."""
    try:
        whens = [datetime.fromisoformat(c) for c in created_ats]
    except ValueError:
        return [c[:16].replace("T", " ") for c in created_ats]
    for fmt in ("%m-%d", "%m-%d %H:%M", "%m-%d %H:%M:%S"):
        labels = [w.strftime(fmt) for w in whens]
        if len(set(labels)) == len(labels):
            break
    return labels


def render_chart(report: ProgressReport, options: AnalysisOptions | None = None) -> str:
    """An SVG document: one small line chart per figure, sessions oldest to newest."""
    options = options or AnalysisOptions()
    pts = report.points
    labels = x_labels([p.created_at for p in pts])
    ticks = [(float(i + 1), label) for i, label in enumerate(labels)]
    running: list[float | None] = []
    seen = quantified = 0
    for p in pts:
        if p.star_quantified is not None:  # STAR answers only, one with no Result as "no"
            seen += 1
            quantified += int(p.star_quantified)
        running.append(100.0 * quantified / seen if seen else None)

    def panel(values: Sequence[float | None], title: str, color: str, **extra: Any) -> str:
        points = [(float(i + 1), v) for i, v in enumerate(values)]
        return svg_line_chart(
            points, title=title, color=color, x_ticks=ticks, standalone=False, height=200, **extra
        )

    lo, hi = options.pace_range_wpm
    goal = options.star_guidance["action"] * 100
    tol = options.star_tolerance * 100
    flag = options.fillers_per_minute_flag
    panels = [
        panel(
            [p.wpm for p in pts],
            "Words per minute",
            "#4e79a7",
            band=(lo, hi),
            band_label=f"target {lo:.0f}-{hi:.0f}",
        ),
        panel(
            [p.fillers_per_min for p in pts],
            "Fillers per minute",
            "#e15759",
            ref=flag,
            ref_label=f"flag above {flag:.0f}",
        ),
        panel(
            [None if p.action_share is None else p.action_share * 100 for p in pts],
            "Action share of the answer (%)",
            "#f28e2b",
            band=(goal - tol, goal + tol),
            band_label=f"guidance {goal:.0f}%",
            y_range=(0.0, 100.0),
        ),
        panel(running, "STAR Results quantified so far (%)", "#59a14f", y_range=(0.0, 100.0)),
        panel(
            [p.length_pct for p in pts],
            "Answer length (% of the target's middle)",
            "#b07aa1",
            band=(80.0, 120.0),
            band_label="on target (about)",
        ),
    ]
    width, height = 860, 200
    title = f"voiceloop progress: {report.scope}"
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height * len(panels) + 40}"'
        f' width="{width}" height="{height * len(panels) + 40}" font-family="sans-serif">',
        f"<title>{esc(title)}</title>",
        f'<rect width="{width}" height="{height * len(panels) + 40}" fill="#ffffff"/>',
        f'<text x="12" y="26" font-size="16" font-weight="bold">{esc(title)}</text>',
    ]
    for k, chart in enumerate(panels):
        out.append(f'<g transform="translate(0,{40 + k * height})">{chart}</g>')
    out.append("</svg>")
    return "\n".join(out)


def _fmt(metric: str, value: float | None) -> str:
    if value is None:
        return "-"
    if metric in ("action_share", "quantified_rate", "on_target_rate"):
        return f"{value * 100:.0f}%"
    if metric == "length_pct":
        return f"{value:.0f}%"
    if metric == "fillers_per_min":
        return f"{value:.1f}"
    return f"{value:.0f}"


def render_text(report: ProgressReport, chart: Path | None = None, table_rows: int = 15) -> str:
    """The trends table, the latest sessions and the principles never practised."""
    if not report.count:
        lines = [f"No analyzed sessions for {report.scope}."]
    else:
        span = f"{(report.first_at or '')[:10]} to {(report.last_at or '')[:10]}"
        lines = [f"Progress over {report.count} sessions ({report.scope}; {span})", ""]
        header = f"{'':26}{'earlier':>9}{'recent':>9}{'all':>9}  {'target':<14}trend"
        lines.append(header)
        for t in report.trends:
            lines.append(
                f"{t.label:26}{_fmt(t.metric, t.earlier):>9}{_fmt(t.metric, t.recent):>9}"
                f"{_fmt(t.metric, t.overall):>9}  {t.target:<14}{t.direction}"
            )
        lines += ["", "'earlier' and 'recent': the older and newer half of these sessions."]
        quantified = next((t for t in report.trends if t.metric == "quantified_rate"), None)
        if quantified is not None:
            lines.append(
                f"'Results quantified': of the {quantified.sessions} STAR answers, those whose "
                "Result carried a number (no Result counts as not quantified)."
            )
        lines.append("")
        lines.append(
            f"{'date':17}{'question':34}{'length':>8}{'wpm':>6}{'fill/min':>9}"
            f"{'action':>8}  quantified"
        )
        for p in report.points[-table_rows:]:
            quant = {True: "yes", False: "no", None: "-"}[p.star_quantified]
            action = "-" if p.action_share is None else f"{p.action_share * 100:.0f}%"
            lines.append(
                f"{p.created_at[:16].replace('T', ' '):17}{(p.prompt_id or 'free answer')[:33]:34}"
                f"{clock(p.duration_s):>8}{_fmt('wpm', p.wpm):>6}"
                f"{_fmt('fillers_per_min', p.fillers_per_min):>9}{action:>8}  {quant}"
            )
        if len(report.points) > table_rows:
            lines.append(f"(and {len(report.points) - table_rows} older)")
    if report.skipped:
        lines.append(f"{report.skipped} session(s) left out: not analyzed or damaged.")
    if report.duplicates:
        lines.append(
            f"{report.duplicates} session(s) left out: the same recording analyzed again "
            "(the newest analysis counts)."
        )
    note = version_note(report.other_versions)
    if note:
        lines.append(note)
    lines.append("")
    if report.principles_practised:
        practised = ", ".join(f"{k} {v}" for k, v in report.principles_practised.items())
        lines.append(f"Principles practised (all sessions): {practised}")
    if report.principles_never:
        lines.append(
            f"Never practised ({len(report.principles_never)}): "
            + ", ".join(report.principles_never)
        )
    else:
        lines.append("Every principle in the prompt bank has been practised.")
    if chart is not None:
        lines.append(f"Chart: {chart}")
    return "\n".join(lines)
