"""SVG line charts with no dependencies, shared by the HTML report and ``voiceloop progress``."""

from __future__ import annotations

import html
import math
from collections.abc import Callable, Sequence


def esc(text: object) -> str:
    """Text made safe for HTML and SVG (quotes included): every transcript word goes through it."""
    return html.escape(str(text), quote=True)


def nice_ticks(lo: float, hi: float, count: int = 5) -> list[float]:
    """Round tick values covering ``lo``..``hi`` (1, 2, 2.5 or 5 times a power of ten)."""
    if hi <= lo:
        hi = lo + 1.0
    raw = (hi - lo) / max(count - 1, 1)
    power = 10 ** math.floor(math.log10(raw))
    step = next(m * power for m in (1, 2, 2.5, 5, 10) if m * power >= raw)
    first = math.floor(lo / step) * step
    ticks: list[float] = []
    t = first
    while t <= hi + step * 0.5:
        ticks.append(round(t, 10))
        t += step
    return ticks


def _fmt_num(value: float) -> str:
    return f"{value:.0f}" if abs(value - round(value)) < 1e-9 else f"{value:g}"


def svg_line_chart(
    points: Sequence[tuple[float, float | None]],
    *,
    title: str,
    color: str = "#4e79a7",
    width: int = 860,
    height: int = 220,
    band: tuple[float, float] | None = None,
    band_label: str = "",
    ref: float | None = None,
    ref_label: str = "",
    y_range: tuple[float, float] | None = None,
    x_ticks: Sequence[tuple[float, str]] | None = None,
    x_format: Callable[[float], str] = _fmt_num,
    y_format: Callable[[float], str] = _fmt_num,
    standalone: bool = True,
) -> str:
    """A line chart as an ``<svg>`` element; a ``None`` value breaks the line.

    ``band`` shades a target range, ``ref`` draws a dashed reference line.
    """
    left, right, top, bottom = 52, 16, 30, 34
    plot_w, plot_h = width - left - right, height - top - bottom
    xs = [x for x, _ in points]
    ys = [y for _, y in points if y is not None]
    extra = [v for v in (*(band or ()), ref) if v is not None]
    if y_range is not None:
        y_lo, y_hi = y_range
    else:
        values = ys + extra or [0.0, 1.0]
        y_lo, y_hi = min(values), max(values)
        pad = (y_hi - y_lo) * 0.1 or 1.0
        y_lo, y_hi = max(0.0, y_lo - pad) if y_lo >= 0 else y_lo - pad, y_hi + pad
    y_ticks = nice_ticks(y_lo, y_hi)
    y_lo, y_hi = min(y_ticks[0], y_lo), max(y_ticks[-1], y_hi)
    x_lo, x_hi = (min(xs), max(xs)) if xs else (0.0, 1.0)
    if x_hi <= x_lo:
        x_lo, x_hi = x_lo - 1.0, x_hi + 1.0

    def px(x: float) -> float:
        return left + (x - x_lo) / (x_hi - x_lo) * plot_w

    def py(y: float) -> float:
        return top + (1 - (y - y_lo) / (y_hi - y_lo)) * plot_h

    out: list[str] = []
    attrs = f'viewBox="0 0 {width} {height}" width="{width}" height="{height}"'
    if standalone:
        attrs = 'xmlns="http://www.w3.org/2000/svg" ' + attrs
    out.append(f'<svg {attrs} role="img" aria-label="{esc(title)}" font-family="sans-serif">')
    out.append(f"<title>{esc(title)}</title>")
    out.append(f'<rect x="0" y="0" width="{width}" height="{height}" fill="#ffffff"/>')
    out.append(f'<text x="{left}" y="18" font-size="14" font-weight="bold">{esc(title)}</text>')
    if band is not None:
        b_top, b_bottom = py(min(band[1], y_hi)), py(max(band[0], y_lo))
        out.append(
            f'<rect x="{left}" y="{b_top:.1f}" width="{plot_w}" height="{b_bottom - b_top:.1f}" '
            'fill="#59a14f" fill-opacity="0.15"/>'
        )
        if band_label:
            out.append(
                f'<text x="{left + plot_w - 4}" y="{b_top + 12:.1f}" font-size="11" '
                f'text-anchor="end" fill="#3b7a34">{esc(band_label)}</text>'
            )
    for t in y_ticks:
        y = py(t)
        out.append(
            f'<line x1="{left}" x2="{left + plot_w}" y1="{y:.1f}" y2="{y:.1f}" stroke="#e3e3e3"/>'
        )
        out.append(
            f'<text x="{left - 6}" y="{y + 4:.1f}" font-size="11" text-anchor="end" '
            f'fill="#555">{esc(y_format(t))}</text>'
        )
    if ref is not None:
        y = py(ref)
        out.append(
            f'<line x1="{left}" x2="{left + plot_w}" y1="{y:.1f}" y2="{y:.1f}" '
            'stroke="#c0392b" stroke-dasharray="5,4"/>'
        )
        if ref_label:
            out.append(
                f'<text x="{left + plot_w - 4}" y="{y - 4:.1f}" font-size="11" '
                f'text-anchor="end" fill="#c0392b">{esc(ref_label)}</text>'
            )
    ticks = list(x_ticks) if x_ticks is not None else [(t, x_format(t)) for t in xs]
    if len(ticks) > 12:  # thin the labels, keep the last
        step = math.ceil(len(ticks) / 12)
        ticks = ticks[::step] if ticks[::step][-1] == ticks[-1] else [*ticks[::step], ticks[-1]]
    for x, label in ticks:
        out.append(
            f'<text x="{px(x):.1f}" y="{top + plot_h + 18}" font-size="11" '
            f'text-anchor="middle" fill="#555">{esc(label)}</text>'
        )
    out.append(
        f'<line x1="{left}" x2="{left + plot_w}" y1="{top + plot_h}" y2="{top + plot_h}" '
        'stroke="#888"/>'
    )
    segment: list[str] = []
    segments: list[list[str]] = []
    for x, value in points:
        if value is None:
            if segment:
                segments.append(segment)
            segment = []
            continue
        segment.append(f"{px(x):.1f},{py(value):.1f}")
    if segment:
        segments.append(segment)
    for seg in segments:
        out.append(
            f'<polyline points="{" ".join(seg)}" fill="none" stroke="{color}" stroke-width="2.5"/>'
        )
    for x, value in points:
        if value is not None:
            out.append(
                f'<circle cx="{px(x):.1f}" cy="{py(value):.1f}" r="3.5" fill="{color}">'
                f"<title>{esc(x_format(x))}: {esc(y_format(value))}</title></circle>"
            )
    if not ys:
        out.append(
            f'<text x="{left + plot_w / 2}" y="{top + plot_h / 2}" font-size="13" '
            'text-anchor="middle" fill="#888">no data</text>'
        )
    out.append("</svg>")
    return "".join(out)
