"""The server-rendered pages: practise, sessions, one report, two side by side, progress, upload.

Each returns a whole HTML document. Every text that comes from a session, a prompt or a
query is escaped (``render.charts.esc``); figures are formatted as the CLI formats them
(``clock``, ``render.progress.render_text``), so the page and the terminal agree. The
report page is ``render.html.render_html`` itself with a toolbar put in front.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from voiceloop.clock import clock
from voiceloop.models import Analysis, Prompt, SessionMeta, Transcript
from voiceloop.render.charts import esc

if TYPE_CHECKING:
    from voiceloop.sessions.index import SessionRow
    from voiceloop.sessions.progress import CompareRow

# The pages load only their own static files; styles may be inline (the SVG charts use them).
CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; media-src 'self' blob:; connect-src 'self'; object-src 'none'; "
    "base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)
NAV = (
    ("/", "Practise"),
    ("/sessions", "Sessions"),
    ("/progress", "Progress"),
    ("/upload", "Upload"),
)
KINDS = (("star", "STAR story"), ("intro", "Tell me about yourself"),
         ("project", "Project walkthrough"), ("deep_dive", "Technical deep dive"))  # fmt: skip


def layout(title: str, body: str, current: str = "", scripts: Sequence[str] = ()) -> str:
    links = "".join(
        f'<a href="{href}"{" class=here" if href == current else ""}>{label}</a>'
        for href, label in NAV
    )
    tags = "".join(f'<script src="/static/{name}" defer></script>' for name in scripts)
    return (
        '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>voiceloop: {esc(title)}</title>"
        f'<link rel="stylesheet" href="/static/style.css">{tags}</head><body>'
        f'<nav><b>voiceloop</b>{links}<span class="local">on this computer only</span></nav>'
        f"<main>{body}</main></body></html>"
    )


def _options(values: Sequence[tuple[str, str]], selected: str | None, blank: str) -> str:
    out = [f'<option value="">{esc(blank)}</option>']
    for value, label in values:
        mark = " selected" if value == selected else ""
        out.append(f'<option value="{esc(value)}"{mark}>{esc(label)}</option>')
    return "".join(out)


def principles_of(bank: Sequence[Prompt]) -> list[str]:
    return sorted({p for prompt in bank for p in prompt.principles})


def practice_page(bank: Sequence[Prompt]) -> str:
    principles = [(p, p) for p in principles_of(bank)]
    questions = [(p.id, f"{p.id}: {p.text[:70]}") for p in bank]
    body = f"""
<h1>Practise an answer</h1>
<div id="leftover" class="card warn" hidden></div>
<section class="card" id="choose">
  <div class="row">
    <label>Question
      <select id="mode">
        <option value="least">the one practised least</option>
        <option value="lp">by leadership principle</option>
        <option value="kind">by kind</option>
        <option value="id">a particular question</option>
        <option value="round">a mock round (3 questions, follow-ups)</option>
      </select></label>
    <label id="lp-box" hidden>Principle
      <select id="lp">{_options(principles, None, "any")}</select></label>
    <label id="kind-box" hidden>Kind
      <select id="kind">{_options(KINDS, None, "any")}</select></label>
    <label id="id-box" hidden>Which
      <select id="prompt-id">{_options(questions, None, "choose one")}</select></label>
    <button id="ask" type="button">Ask me</button>
  </div>
</section>
<section class="card" id="question-card" hidden>
  <p class="meta" id="question-tags"></p>
  <p class="question" id="question-text"></p>
  <audio id="question-voice" controls preload="auto"></audio>
  <div class="row">
    <button id="record" type="button" class="big">Record</button>
    <button id="stop" type="button" class="big" disabled>Stop</button>
    <span class="timer" id="timer">0:00</span>
    <span class="meter"><span id="level"></span></span>
  </div>
  <p class="meta" id="status">Press Record and answer out loud; Stop when you are done.</p>
  <div class="words" id="words"></div>
</section>
<section class="card verdict" id="verdict" hidden></section>
"""
    return layout("practise", body, "/", ["common.js", "practice.js"])


def sessions_page(
    rows: Sequence[SessionRow],
    bank: Sequence[Prompt],
    filters: dict[str, str],
    total: int,
    error: str = "",
) -> str:
    """The session list with filters, ``total`` sessions matching them in all."""
    principles = [(p, p) for p in principles_of(bank)]
    form = (
        '<form class="card row" method="get" action="/sessions">'
        f'<label>Principle <select name="lp">{_options(principles, filters.get("lp"), "any")}'
        "</select></label>"
        f'<label>Kind <select name="kind">{_options(KINDS, filters.get("kind"), "any")}'
        "</select></label>"
        f'<label>From <input type="date" name="since" value="{esc(filters.get("since", ""))}">'
        "</label>"
        f'<label>To <input type="date" name="until" value="{esc(filters.get("until", ""))}">'
        '</label><button type="submit">Filter</button></form>'
    )
    lines = []
    for row in rows:
        length = clock(row.duration_s) + ("!" if row.duration_verdict in ("short", "long") else "")
        wpm = "-" if row.wpm is None else f"{row.wpm:.0f}"
        fillers = "-" if row.fillers_per_min is None else f"{row.fillers_per_min:.1f}"
        action = "-" if row.action_share is None else f"{row.action_share * 100:.0f}%"
        quant = {True: "yes", False: "no", None: "-"}[row.result_quantified]
        lines.append(
            f'<tr><td><input type="checkbox" name="id" value="{esc(row.id)}" '
            f'aria-label="compare {esc(row.id)}"></td>'
            f'<td><a href="/sessions/{esc(row.id)}">{esc(row.created_at[:16].replace("T", " "))}'
            f"</a></td><td>{esc(row.prompt_id or 'free answer')}</td>"
            f'<td class="n">{esc(length)}</td><td class="n">{wpm}</td><td class="n">{fillers}</td>'
            f'<td class="n">{action}</td><td>{quant}</td>'
            f"<td>{esc('; '.join(row.notes))}</td></tr>"
        )
    if error:
        table = f'<p class="bad">{esc(error)}</p>'
    elif not lines:
        table = "<p>No sessions match.</p>" if any(filters.values()) else "<p>No sessions yet.</p>"
    else:
        shown = f"<p class=meta>{len(lines)} of {total} shown.</p>" if total > len(lines) else ""
        table = (
            '<form method="get" action="/compare" id="compare-form">'
            '<table class="sessions"><thead><tr><th></th><th>recorded</th><th>question</th>'
            '<th class="n">length</th><th class="n">wpm</th><th class="n">fillers/min</th>'
            '<th class="n">action</th><th>quantified</th><th>notes</th></tr></thead><tbody>'
            + "".join(lines)
            + "</tbody></table>"
            + shown
            + '<button type="submit">Compare the two ticked</button></form>'
        )
    body = f"<h1>Sessions</h1>{form}<section class='card'>{table}</section>"
    return layout("sessions", body, "/sessions")


def report_page(
    meta: SessionMeta, transcript: Transcript, analysis: Analysis, audio_url: str | None
) -> str:
    """``render_html``'s report with a toolbar: back to the app, re-analyze, delete.

    The report carries its own Content-Security-Policy (no network, inline script only), so
    the toolbar's actions are plain forms, which it does not restrict.
    """
    from voiceloop.render.html import render_html

    page = render_html(meta, transcript, analysis, audio_url)
    sid = esc(meta.id)
    toolbar = (
        '<div class="meta" id="toolbar">'
        + " &middot; ".join(f'<a href="{href}">{label}</a>' for href, label in NAV)
        + f' &middot; <form method="post" action="/sessions/{sid}/reanalyze" '
        'style="display:inline"><button type="submit">Re-analyze</button></form> '
        f'<form method="post" action="/sessions/{sid}/delete" style="display:inline" '
        "onsubmit=\"return confirm('Delete this session and its recording?')\">"
        '<button type="submit">Delete</button></form></div>'
    )
    marker = "<main>"
    if marker not in page:  # the report's layout changed: still serve it, without the toolbar
        return page
    return page.replace(marker, marker + toolbar, 1)


def message_page(title: str, text: str, status_note: str = "") -> str:
    body = f"<h1>{esc(title)}</h1><section class='card'><p>{esc(text)}</p>{status_note}</section>"
    return layout(title, body)


def compare_page(
    a: SessionMeta, b: SessionMeta, rows: Sequence[CompareRow], notes: Sequence[str]
) -> str:
    """Two sessions side by side: ``compare_analyses``'s rows, as `voiceloop compare` shows."""
    cells = []
    for row in rows:
        mark = row.direction if row.direction in ("better", "worse") else ""
        cells.append(
            f"<tr><td>{esc(row.label)}</td><td>{esc(row.a)}</td><td>{esc(row.b)}</td>"
            f"<td class='n'>{esc(row.change)}</td><td class='{mark}'>{mark}</td></tr>"
        )

    def head(label: str, meta: SessionMeta) -> str:
        return (
            f'<th><a href="/sessions/{esc(meta.id)}">{label} {esc(meta.created_at[:10])}</a>'
            f"<div class=meta>{esc(meta.prompt_id or 'free answer')}</div></th>"
        )

    body = (
        "<h1>Two sessions side by side</h1><section class='card'><table class='compare'>"
        f"<thead><tr><th></th>{head('A', a)}{head('B', b)}<th>change</th><th>B is</th></tr>"
        "</thead><tbody>"
        + "".join(cells)
        + "</tbody></table>"
        + "".join(f"<p class='note'>{esc(n)}</p>" for n in notes)
        + "</section>"
    )
    return layout("compare", body, "/sessions")


def progress_page(
    text: str, chart_svg: str, filters: dict[str, str], bank: Sequence[Prompt]
) -> str:
    """``render_text``'s summary (the same words as `voiceloop progress`) and its chart."""
    principles = [(p, p) for p in principles_of(bank)]
    form = (
        '<form class="card row" method="get" action="/progress">'
        f'<label>Principle <select name="lp">{_options(principles, filters.get("lp"), "any")}'
        "</select></label>"
        f'<label>Last <input type="number" min="1" max="1000" name="last" '
        f'value="{esc(filters.get("last", "20"))}"> sessions</label>'
        '<button type="submit">Show</button></form>'
    )
    chart = f'<section class="card chart">{chart_svg}</section>' if chart_svg else ""
    body = (
        f"<h1>Progress</h1>{form}{chart}"
        f'<section class="card"><pre class="progress">{esc(text)}</pre></section>'
    )
    return layout("progress", body, "/progress")


def upload_page(bank: Sequence[Prompt], max_mb: int) -> str:
    questions = [(p.id, f"{p.id}: {p.text[:70]}") for p in bank]
    body = f"""
<h1>Analyze a recording you already have</h1>
<section class="card">
  <p class="meta">WAV, FLAC, OGG, MP3, M4A and the other formats <code>voiceloop analyze</code>
  reads; at most {max_mb} MB. It is analyzed on this computer and kept as a session.</p>
  <div class="row">
    <input type="file" id="file" accept="audio/*,.m4a,.aac,.webm,.opus">
    <label>Question <select id="prompt-id">{_options(questions, None, "none (free answer)")}
    </select></label>
    <button type="button" id="send">Analyze</button>
  </div>
  <p class="meta" id="status"></p>
</section>
<section class="card verdict" id="verdict" hidden></section>
"""
    return layout("upload", body, "/upload", ["common.js", "upload.js"])
