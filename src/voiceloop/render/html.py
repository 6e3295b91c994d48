"""The HTML report: one self-contained file with charts, a highlighted transcript and the audio.

No network and no external assets: the styles, the charts (inline SVG) and the recording
(MP3 as a ``data:`` URI, or a relative link when embedding is off or impossible) all live in
the one file. Every text that comes from a transcript, a prompt file or a session file is
escaped with ``html.escape``. Its charts come from ``render.charts``, shared with
``voiceloop progress``.
"""

from __future__ import annotations

import base64
import io
import os
from collections.abc import Sequence
from pathlib import Path

from voiceloop.analysis.confidence import mark_quoted, unsure_tokens
from voiceloop.analysis.verdict import (
    action_share_state,
    check_mark,
    quantified_state,
    shown_fillers_per_minute,
)
from voiceloop.clock import clock
from voiceloop.models import Analysis, SessionMeta, Transcript
from voiceloop.options import AnalysisOptions
from voiceloop.render.charts import esc, svg_line_chart
from voiceloop.render.markdown import (
    GUIDANCE_OF,
    MEASURED_ACCURACY,
    UNSURE_HIGHLIGHT,
    shape_title,
    shown_numbers,
    transcript_sections,
)

LABEL_COLORS = {
    "situation": "#4e79a7",
    "task": "#76b7b2",
    "action": "#f28e2b",
    "result": "#59a14f",
    "reflection": "#b07aa1",
}
GUIDANCE_COLORS = {"setup": "#6f9fc8", "action": "#f28e2b", "outcome": "#59a14f"}
# Intro parts and walkthrough stages (shape labels), in the order they are expected.
SHAPE_COLORS = {
    "arc": "#4e79a7",
    "highlight": "#f28e2b",
    "why_role": "#59a14f",
    "other": "#bab0ac",
    "problem": "#4e79a7",
    "role": "#76b7b2",
    "data": "#edc948",
    "approach": "#f28e2b",
    "experiments": "#e15759",
    "results": "#59a14f",
    "learnings": "#b07aa1",
}
FILLER_COLOR = "#e15759"
MAX_EMBED_BYTES = 12_000_000  # past this (a very long take) the audio is linked instead


def _pace_chart(analysis: Analysis, options: AnalysisOptions) -> str:
    windows = analysis.pacing.windows
    points = [((w.start + w.end) / 2, w.wpm) for w in windows]
    lo, hi = options.pace_range_wpm
    return svg_line_chart(
        points,
        title="Pace over time (words per minute)",
        color="#4e79a7",
        band=(lo, hi),
        band_label=f"target {lo:.0f}-{hi:.0f} wpm",
        x_format=clock,
        standalone=False,
    )


def _bar(
    y: int, label: str, parts: Sequence[tuple[str, float, str]], width: int, left: int
) -> list[str]:
    """One horizontal 100% bar: ``parts`` are (name, share, colour)."""
    out = [f'<text x="0" y="{y + 19}" font-size="13">{esc(label)}</text>']
    x = float(left)
    total = sum(share for _, share, _ in parts) or 1.0
    for name, share, colour in parts:
        w = share / total * width
        if w <= 0:
            continue
        out.append(
            f'<rect x="{x:.1f}" y="{y}" width="{w:.1f}" height="28" fill="{colour}">'
            f"<title>{esc(name)}: {share * 100:.0f}%</title></rect>"
        )
        if w > 44:
            out.append(
                f'<text x="{x + w / 2:.1f}" y="{y + 19}" font-size="12" fill="#fff" '
                f'text-anchor="middle">{esc(name)} {share * 100:.0f}%</text>'
            )
        x += w
    return out


def _star_chart(analysis: Analysis) -> str:
    star = analysis.star
    width, left, bar_w = 860, 130, 720
    groups = {"setup": 0.0, "action": 0.0, "outcome": 0.0}
    for label, share in star.shares.items():
        groups[GUIDANCE_OF.get(label, "setup")] += share
    out = [
        f'<svg viewBox="0 0 {width} 118" width="{width}" height="118" role="img" '
        'aria-label="STAR time split" font-family="sans-serif">',
        "<title>STAR time split against the guidance</title>",
        f'<rect x="0" y="0" width="{width}" height="118" fill="#ffffff"/>',
    ]
    sections = [(lab.title(), star.shares.get(lab, 0.0), LABEL_COLORS[lab]) for lab in LABEL_COLORS]
    out += _bar(4, "Your answer", sections, bar_w, left)
    grouped = [(g.title(), groups[g], GUIDANCE_COLORS[g]) for g in groups]
    out += _bar(44, "Your split", grouped, bar_w, left)
    guide = [(g.title(), star.guidance.get(g, 0.0), GUIDANCE_COLORS[g]) for g in groups]
    out += _bar(84, "Guidance", guide, bar_w, left)
    out.append("</svg>")
    return "".join(out)


def _filler_timeline(transcript: Transcript, analysis: Analysis) -> str:
    width, left, right = 860, 10, 10
    plot_w = width - left - right
    end = max(transcript.duration, analysis.pacing.speech_end, 1.0)

    def px(t: float) -> float:
        return left + t / end * plot_w

    out = [
        f'<svg viewBox="0 0 {width} 96" width="{width}" height="96" role="img" '
        'aria-label="Fillers on the timeline" font-family="sans-serif">',
        "<title>Fillers and pauses on the timeline</title>",
        f'<rect x="0" y="0" width="{width}" height="96" fill="#ffffff"/>',
    ]
    for sec in analysis.star.sections:
        w = max(px(sec.end) - px(sec.start), 1.0)
        out.append(
            f'<rect x="{px(sec.start):.1f}" y="40" width="{w:.1f}"'
            f' height="14" fill="{LABEL_COLORS[sec.label]}">'
            f"<title>{esc(sec.label.title())} {clock(sec.start)}-{clock(sec.end)}</title></rect>"
        )
    for pause in analysis.pacing.long_pauses:
        out.append(
            f'<rect x="{px(pause.start):.1f}" y="58" '
            f'width="{max(px(pause.end) - px(pause.start), 2):.1f}" height="8" fill="#999">'
            f"<title>pause {pause.duration:.1f} s at {clock(pause.start)}</title></rect>"
        )
    for event in analysis.fillers.events:
        x = px(event.start)
        out.append(
            f'<line x1="{x:.1f}" x2="{x:.1f}" y1="10" y2="38" stroke="{FILLER_COLOR}" '
            f'stroke-width="3"><title>{esc(event.type)} at {clock(event.start)}</title></line>'
        )
    step = 15.0 if end <= 120 else 30.0 if end <= 360 else 60.0
    t = 0.0
    while t <= end:
        out.append(
            f'<text x="{px(t):.1f}" y="84" font-size="11" text-anchor="middle" '
            f'fill="#555">{clock(t)}</text>'
        )
        t += step
    out.append("</svg>")
    return "".join(out)


# --- the transcript ----------------------------------------------------------------------------


def _reason_html(reason: str, unsure: set[str]) -> str:
    """A label's reason, escaped, its quoted words the transcriber was not sure of underlined
    as in the transcript (marked with two control characters, first taken out of the reason,
    then escaped with it and only then turned into the underline's tags)."""
    plain = reason.replace("\x01", "").replace("\x02", "")
    marked = esc(mark_quoted(plain, unsure, lambda w: f"\x01{w}\x02"))
    return marked.replace("\x01", f'<span class="unsure" title="{UNSURE_TITLE}">').replace(
        "\x02", "</span>"
    )


UNSURE_TITLE = "not sure of this word"
UNSURE_LEGEND_HTML = (
    '<span class="unsure">Dotted underline</span>: a word the transcriber was not sure of; '
    "it may be misheard, and no check quotes it as evidence."
)


def _transcript_html(transcript: Transcript, analysis: Analysis) -> str:
    filler_type: dict[int, str] = {}
    for event in analysis.fillers.events:
        if event.word_index is not None:
            for k in range(len(event.type.split())):
                filler_type[event.word_index + k] = event.type
    starts = {first: (label, start) for first, label, start in transcript_sections(analysis)}
    unsure = set(analysis.uncertain_words or ())
    pause_after: dict[int, float] = {}
    for pause in analysis.pacing.long_pauses:
        nearest = min(
            range(len(transcript.words)),
            key=lambda i: abs(transcript.words[i].end - pause.start),
            default=None,
        )
        if nearest is not None:
            pause_after[nearest] = pause.duration
    blocks: list[list[str]] = [['<div class="sec">']]  # words before any section come first
    for i, word in enumerate(transcript.words):
        if i in starts:
            label, start = starts[i]
            colour = LABEL_COLORS.get(label) or SHAPE_COLORS.get(label, "#999")
            blocks.append(
                [
                    f'<div class="sec" style="border-color:{colour}">'
                    f'<span class="chip" style="background:{colour}">'
                    f"{esc(shape_title(label))} {clock(start)}</span> "
                ]
            )
        text = esc(word.text)
        if i in filler_type:
            text = (
                f'<mark class="filler" title="filler: {esc(filler_type[i])} at '
                f'{clock(word.start)}">{text}</mark>'
            )
        if i in unsure:
            text = f'<span class="unsure" title="{UNSURE_TITLE}">{text}</span>'
        blocks[-1].append(f'<span class="w" data-t="{word.start:.2f}">{text}</span> ')
        if i in pause_after:
            blocks[-1].append(f'<span class="pause">pause {pause_after[i]:.1f} s</span> ')
    out = ['<div class="transcript">']
    out += ["".join(block) + "</div>" for block in blocks if len(block) > 1]
    out.append("</div>")
    acoustic = [e for e in analysis.fillers.events if e.word_index is None]
    if acoustic:
        heard = ", ".join(f"{esc(e.type)} at {clock(e.start)}" for e in acoustic)
        out.append(f'<p class="note">Heard but not written by the transcriber: {heard}.</p>')
    return "".join(out)


# --- audio -----------------------------------------------------------------------------------


def mp3_data_uri(wav_path: Path) -> str | None:
    """The recording as an MP3 ``data:`` URI (about 0.9 MB of base64 per minute), or None.

    None when libsndfile cannot write MP3 (older than 1.1) or the result would be too big.
    """
    import soundfile as sf

    if "MP3" not in sf.available_formats():
        return None
    data, rate = sf.read(str(wav_path), dtype="float32", always_2d=True)
    buffer = io.BytesIO()
    sf.write(buffer, data[:, 0], rate, format="MP3", subtype="MPEG_LAYER_III")
    encoded = buffer.getvalue()
    if len(encoded) > MAX_EMBED_BYTES:
        return None
    return "data:audio/mpeg;base64," + base64.b64encode(encoded).decode("ascii")


def audio_source(audio_path: Path, report_path: Path, embed: bool = True) -> str | None:
    """What the ``<audio>`` element plays: embedded MP3 or a link relative to the report."""
    if not audio_path.is_file():
        return None
    if embed:
        try:
            uri = mp3_data_uri(audio_path)
        except (RuntimeError, OSError, ValueError):  # an unreadable WAV: fall back to a link
            uri = None
        if uri is not None:
            return uri
    rel = os.path.relpath(audio_path.resolve(), report_path.resolve().parent)
    return Path(rel).as_posix()


# --- the page --------------------------------------------------------------------------------

_CSS = """
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:0;background:#f4f5f7;
color:#222;line-height:1.5}
main{max-width:900px;margin:0 auto;padding:24px}
h1{font-size:24px;margin:0 0 4px}h2{font-size:18px;margin:28px 0 10px}
.card{background:#fff;border-radius:8px;padding:16px 20px;box-shadow:0 1px 3px rgba(0,0,0,.12);
margin-bottom:16px}
.question{border-left:4px solid #4e79a7;padding:4px 12px;margin:8px 0;color:#333;font-size:17px}
.meta{color:#666;font-size:13px}
.verdict{background:#fff8e6;border-left:6px solid #f2b233}
.verdict .headline{font-size:18px;font-weight:600}
.figures{display:grid;margin-bottom:16px;grid-template-columns:repeat(3,1fr);gap:12px}
.fig{background:#fff;border-radius:8px;padding:12px;box-shadow:0 1px 3px rgba(0,0,0,.12)}
.fig .v{font-size:24px;font-weight:700}.fig .k{font-size:12px;color:#666;text-transform:uppercase}
.fig.ok{border-top:4px solid #59a14f}.fig.warn{border-top:4px solid #e15759}
.fig.none{border-top:4px solid #bbb}
audio{width:100%}
table{border-collapse:collapse;width:100%}td,th{padding:4px 8px;border-bottom:1px solid #eee;
text-align:left;font-size:14px}
.transcript{font-size:16px}
.sec{border-left:5px solid #ccc;padding:6px 12px;margin:8px 0;background:#fff}
.chip{color:#fff;border-radius:4px;padding:1px 8px;font-size:12px;font-weight:600;margin-right:6px}
mark.filler{background:#f8c9c9;color:#9c1c1c;border-radius:3px;padding:0 2px;font-weight:600}
.unsure{text-decoration:underline dotted #888;text-underline-offset:3px;color:#555}
.pause{color:#777;font-size:12px;border:1px dashed #aaa;border-radius:3px;padding:0 4px}
.w{cursor:pointer}.w:hover{background:#e8f0fb}
.note{color:#666;font-size:13px}
td.ok{color:#3b7a34;font-weight:600}td.bad,b.bad{color:#c0392b;font-weight:600}
h3{font-size:15px;margin:16px 0 6px}
svg{max-width:100%;height:auto;display:block}
"""

_SCRIPT = """
document.addEventListener('click', function (event) {
  var word = event.target.closest('[data-t]');
  var player = document.getElementById('player');
  if (word && player) { player.currentTime = parseFloat(word.dataset.t); player.play(); }
});
"""


def _figure(key: str, value: str, note: str, good: bool | None) -> str:
    cls = "none" if good is None else "ok" if good else "warn"
    return (
        f'<div class="fig {cls}"><div class="k">{esc(key)}</div><div class="v">{esc(value)}</div>'
        f'<div class="meta">{esc(note)}</div></div>'
    )


def _shape_figure(analysis: Analysis, options: AnalysisOptions) -> str:
    """For an intro or a walkthrough, its shape's headline figure (else empty)."""
    shape = analysis.shape
    if shape is None or not shape.labels:
        return ""
    if shape.kind == "intro":
        n = len(shape.highlights)
        q = sum(bool(h.numbers) for h in shape.highlights)
        want = options.intro_highlights
        return _figure(
            "Highlights with numbers",
            f"{q} of {n}",
            f"the 3-3-1 shape asks for {want}",
            q >= want and q == n,
        )
    heard = sum(p.present for p in shape.parts)
    return _figure(
        "Stages heard",
        f"{heard} of {len(shape.parts)}",
        "skipped: " + ", ".join(p.short for p in shape.parts if not p.present)
        if heard < len(shape.parts)
        else "every outline stage",
        heard == len(shape.parts),
    )


def _figures(analysis: Analysis, options: AnalysisOptions) -> str:
    p, f, s, q = analysis.pacing, analysis.fillers, analysis.star, analysis.quantify
    lo, hi = p.target_seconds
    action = s.shares.get("action", 0.0)
    action_ok, action_note = action_share_state(s, options)
    quantified, quantified_ok = quantified_state(q)
    cells = [
        _figure(
            "Answer length",
            clock(p.duration_s),
            f"target {clock(lo)}-{clock(hi)}: {p.duration_verdict}",
            p.duration_verdict == "on target",
        ),
        _figure("Pace", f"{p.wpm:.0f} wpm", p.pace_verdict, p.pace_verdict == "on target"),
        _figure(
            "Fillers",
            f"{f.per_minute:.1f}/min",
            f"{f.count} in all, {f.per_100_words:.1f} per 100 words",
            shown_fillers_per_minute(f) <= options.fillers_per_minute_flag,
        ),
        _figure(
            f"Pauses over {options.long_pause_s:g} s",
            str(len(p.long_pauses)),
            f"{p.pause_count} pauses, longest {p.longest_pause_s:.1f} s",
            not p.long_pauses,
        ),
        _shape_figure(analysis, options)
        or _figure("Action share", f"{action * 100:.0f}%", action_note, action_ok),
        _figure(
            "Result quantified",
            quantified,
            "; ".join(q.flags)[:80],
            None if q.result_quantified is None else quantified_ok,
        ),
    ]
    return '<div class="figures">' + "".join(cells) + "</div>"


def _verdict(analysis: Analysis) -> str:
    tips = "".join(
        f"<li><b>{esc(t.title)}</b> ({esc(t.figure)}). {esc(t.detail)}</li>"
        for t in analysis.verdict.tips
    )
    heading = "Three things to fix next" if len(analysis.verdict.tips) == 3 else "To fix next"
    body = f"<p>{heading}:</p><ol>{tips}</ol>" if tips else ""
    return (
        f'<section class="card verdict"><h2>Verdict</h2>'
        f'<p class="headline">{esc(analysis.verdict.headline)}</p>{body}</section>'
    )


def _star_table(analysis: Analysis) -> str:
    s = analysis.star
    rows = []
    for label, colour in LABEL_COLORS.items():
        group = GUIDANCE_OF[label]
        rows.append(
            f'<tr><td><span class="chip" style="background:{colour}">{label.title()}</span></td>'
            f"<td>{s.seconds.get(label, 0.0):.1f} s</td>"
            f"<td>{s.shares.get(label, 0.0) * 100:.0f}%</td>"
            f"<td>{group} {s.guidance.get(group, 0.0) * 100:.0f}%</td></tr>"
        )
    missing = ", ".join(m.title() for m in s.missing) or "none"
    return (
        "<table><tr><th>Section</th><th>Time</th><th>Share</th><th>Guidance</th></tr>"
        + "".join(rows)
        + f'</table><p class="meta">Missing: {esc(missing)}.</p>'
    )


def _shape_chart(analysis: Analysis) -> str:
    shape = analysis.shape
    if shape is None or not shape.parts:
        return ""
    width, left, bar_w = 860, 130, 720
    parts = [
        (shape_title(p.name), p.share, SHAPE_COLORS.get(p.name, "#999"))
        for p in shape.parts
        if p.present
    ]
    out = [
        f'<svg viewBox="0 0 {width} 40" width="{width}" height="40" role="img" '
        'aria-label="Time per part of the answer" font-family="sans-serif">',
        "<title>Time per part of the answer</title>",
        f'<rect x="0" y="0" width="{width}" height="40" fill="#ffffff"/>',
    ]
    out += _bar(4, "Your answer", parts, bar_w, left)
    out.append("</svg>")
    return "".join(out)


_MARK_CLASS = {"yes": "ok", "no": "bad", "n/a": "meta"}


def _shape_section(analysis: Analysis) -> str:
    shape = analysis.shape
    if shape is None:
        return ""
    rows = "".join(
        f'<tr><td>{esc(c.title)}</td><td class="{_MARK_CLASS[mark]}">{mark}</td>'
        f"<td>{esc(c.detail)}</td></tr>"
        for c in shape.checks
        if (mark := check_mark(c, analysis.language))
    )
    body = [
        f'<p class="meta">Judged as: {esc(shape.guide)}</p>',
        f"<table><tr><th>Check</th><th></th><th>What was heard</th></tr>{rows}</table>",
    ]
    if shape.parts:
        part_rows = "".join(
            f'<tr><td><span class="chip" style="background:{SHAPE_COLORS.get(p.name, "#999")}">'
            f"{esc(p.title)}</span></td><td>{p.seconds:.1f} s</td><td>{p.share * 100:.0f}%</td>"
            f"<td>{p.sentences}</td><td>{esc(p.detail)}</td></tr>"
            for p in shape.parts
            if p.present or p.name != "other"
        )
        heading = "Time per stage" if shape.kind == "project" else "Time per part"
        body += [
            f"<h3>{heading}</h3>",
            _shape_chart(analysis),
            "<table><tr><th>Part</th><th>Time</th><th>Share</th><th>Sentences</th>"
            f"<th>Notes</th></tr>{part_rows}</table>",
        ]
        if shape.missing:
            body.append(f'<p class="meta">Not heard: {esc(", ".join(shape.missing))}.</p>')
    if shape.kind == "intro":
        items = "".join(
            f"<li>{clock(h.start)} "
            + (f"&ldquo;{esc(h.text)}&rdquo; " if h.sure else f"({esc(UNSURE_HIGHLIGHT)}) ")
            + (f"({esc(shown_numbers(h))})" if h.numbers else '<b class="bad">no number</b>')
            + "</li>"
            for h in shape.highlights
        )
        body.append(f"<h3>Highlights</h3><ul>{items or '<li>none heard</li>'}</ul>")
    if shape.labels:
        unsure = analysis.uncertain_words or ()
        sentences = analysis.star.sentences
        reasons = "".join(
            f"<li>{clock(sentences[lab.sentence].start)} <b>{esc(shape_title(lab.label))}</b>: "
            f"{_reason_html(lab.reason, unsure_tokens(sentences[lab.sentence], unsure))}</li>"
            for lab in shape.labels
        )
        body.append(
            f"<details><summary>Why each sentence got its part</summary><ul>{reasons}</ul>"
            "</details>"
        )
    return f'<section class="card"><h2>Answer shape</h2>{"".join(body)}</section>'


def _coverage_section(analysis: Analysis) -> str:
    cov = analysis.coverage
    if cov is None:
        return ""
    if cov.missing:
        lead = "Asked for and not heard: " + "; ".join(f"<b>{esc(m)}</b>" for m in cov.missing)
    else:
        lead = "Everything the question asks for was heard."
    rows = "".join(
        f'<tr><td>{esc(it.item)}</td><td class="{"ok" if it.heard else "bad"}">'
        f"{'yes' if it.heard else 'no'}</td><td>{esc(it.evidence)}</td></tr>"
        for it in cov.items
    )
    return (
        f'<section class="card"><h2>What the question asks for</h2><p>{lead}.</p>'.replace(
            "..</p>", ".</p>"
        )
        + f"<table><tr><th>Item</th><th>Heard</th><th>Evidence</th></tr>{rows}</table>"
        '<p class="meta">Each item is read by rules named after what it asks for (dates, '
        "numbers, a trade-off ...); an item no rule understands is matched by its own words, "
        "and says so.</p></section>"
    )


def render_html(
    meta: SessionMeta,
    transcript: Transcript,
    analysis: Analysis,
    audio_src: str | None = None,
    options: AnalysisOptions | None = None,
) -> str:
    """The whole report as one HTML document. ``audio_src``: from ``audio_source``.

    ``options``: the ones the analysis ran with (its targets and flags are drawn and judged
    against them); the defaults when not given.
    """
    options = options or AnalysisOptions()
    title = meta.prompt_id or "free answer"
    question = f'<p class="question">{esc(meta.prompt_text)}</p>' if meta.prompt_text else ""
    if audio_src:
        mime = "audio/mpeg" if audio_src.startswith("data:audio/mpeg") else "audio/wav"
        player = (
            f'<audio id="player" controls preload="metadata">'
            f'<source src="{esc(audio_src)}" type="{mime}"></audio>'
            '<p class="meta">Click any word in the transcript to hear it.</p>'
        )
    else:
        player = '<p class="meta">The recording is not available.</p>'
    csp = (
        "default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; "
        "img-src data:; media-src data: file: 'self'"
    )
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        f'<meta http-equiv="Content-Security-Policy" content="{csp}">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>voiceloop report: {esc(title)}</title>",
        f"<style>{_CSS}</style></head><body><main>",
        f"<h1>voiceloop report: {esc(title)}</h1>",
        question,
        f'<p class="meta">Session {esc(meta.id)} &middot; {esc(meta.created_at)} &middot; '
        f"source: {esc(meta.source)}</p>",
        _verdict(analysis),
        _figures(analysis, options),
        _shape_section(analysis),
        _coverage_section(analysis),
        f'<section class="card"><h2>Recording</h2>{player}</section>',
        f'<section class="card"><h2>Pace over time</h2>{_pace_chart(analysis, options)}'
        f'<p class="meta">{esc(analysis.pacing.definition)}</p></section>',
        f'<section class="card"><h2>STAR time split</h2>{_star_chart(analysis)}'
        f"{_star_table(analysis)}</section>",
        '<section class="card"><h2>Fillers on the timeline</h2>'
        f"{_filler_timeline(transcript, analysis)}"
        '<p class="meta">Red ticks: fillers. Coloured band: STAR sections. '
        f"Grey: pauses over {options.long_pause_s:g} s.</p></section>",
        '<section class="card"><h2>Transcript</h2>'
        '<p class="meta">Fillers are marked in red; each section starts with its label.'
        + (f" {UNSURE_LEGEND_HTML}" if analysis.uncertain_words else "")
        + f"</p>{_transcript_html(transcript, analysis)}</section>",
        f'<p class="meta">Transcribed on this computer by {esc(transcript.model)} '
        f"({esc(transcript.decoding)}); analysis version {esc(analysis.version)}. "
        "Nothing left the machine.</p>",
        f'<p class="meta">{esc(MEASURED_ACCURACY)}</p>',
        f"</main><script>{_SCRIPT}</script></body></html>",
    ]
    return "\n".join(parts)
