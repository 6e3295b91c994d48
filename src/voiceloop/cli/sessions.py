"""Session history: sessions, show, report, delete, export, reanalyze, progress, compare,
import, reindex.

Thin commands over ``index`` (the SQLite summary of the session folders), ``progress``,
``report`` / ``report_html`` and the analyzers. Heavy imports stay inside the commands.
"""

from __future__ import annotations

import re
import sys
from datetime import datetime, timedelta
from enum import Enum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Optional

import typer

from voiceloop.cli.app import (
    BEAM_SIZE,
    BeamOpt,
    DeviceOpt,
    ModelOpt,
    RecordingsOpt,
    app,
    offer_import,
    transcribe_options,
)
from voiceloop.clock import clock
from voiceloop.errors import VoiceloopError

if TYPE_CHECKING:
    from voiceloop.models import Analysis, SessionMeta, Transcript
    from voiceloop.sessions.index import SessionIndex, SessionQuery, SessionRow

# --- shared options ------------------------------------------------------------------------

PromptFilter = Annotated[
    Optional[str],  # noqa: UP045 - typer needs Optional on Python 3.10
    typer.Option("--prompt", "-p", help="Only this question: a prompt id or part of one."),
]
LpFilter = Annotated[
    Optional[str],  # noqa: UP045
    typer.Option("--lp", help='Only questions on this leadership principle ("dive deep").'),
]
SinceOpt = Annotated[
    Optional[str],  # noqa: UP045
    typer.Option("--since", help="From this date on: YYYY-MM-DD, today, yesterday, 7d, 2w."),
]
UntilOpt = Annotated[
    Optional[str],  # noqa: UP045
    typer.Option("--until", help="Up to and including this date (same forms as --since)."),
]
SessionArg = Annotated[
    str, typer.Argument(help="Session id, a unique start of one, or 'last' for the newest.")
]


def parse_when(text: str, *, end: bool = False, option: str = "--since") -> datetime:
    """A date for a filter. A bare day means its start (``end``: the start of the next day)."""
    value = text.strip().lower()
    now = datetime.now().astimezone()
    midnight = now.replace(hour=0, minute=0, second=0, microsecond=0)
    relative = re.fullmatch(r"(\d+)\s*([hdwm])", value)
    if relative:
        n, unit = int(relative.group(1)), relative.group(2)
        hours = {"h": 1, "d": 24, "w": 24 * 7, "m": 24 * 30}[unit]
        return now - timedelta(hours=n * hours)
    if value in ("today", "yesterday"):
        day = midnight - timedelta(days=1 if value == "yesterday" else 0)
        return day + timedelta(days=1) if end else day
    try:
        when = datetime.fromisoformat(text.strip())
    except ValueError:
        raise VoiceloopError(
            f"{option}: cannot read '{text}' as a date; use YYYY-MM-DD, today, yesterday, "
            "or an age such as 7d or 2w"
        ) from None
    if when.tzinfo is None:
        when = when.astimezone()
    bare_day = len(text.strip()) == 10
    return when + timedelta(days=1) if (bare_day and end) else when


def _recordings(recordings: Path | None) -> Path:
    from voiceloop.sessions.store import default_recordings_dir

    return recordings or default_recordings_dir()


def _open(recordings: Path | None) -> SessionIndex:
    from voiceloop.sessions.index import open_index

    folder = _recordings(recordings)
    if not folder.is_dir():  # no history here yet: perhaps it is still in ./recordings
        offer_import(folder)
    return open_index(folder)


def _say_where(folder: Path) -> None:
    """One stderr line naming the recordings folder a history command read, and one more
    offering `voiceloop import` when ./recordings holds sessions that history lacks.

    History lives in the folder ``sessions.location`` resolves (``--recordings``,
    ``$VOICELOOP_RECORDINGS``, the source checkout's or the user data folder's), so a user
    who sees only part of it must be able to tell where it came from. stderr keeps stdout
    (tables, JSON, CSV) as it was; it is said once the command has found what it needs, so
    an error stays one line.
    """
    sys.stderr.write(f"voiceloop: reading sessions from {folder.resolve()}\n")
    offer_import(folder)


def _query(
    prompt: str | None,
    lp: str | None,
    since: str | None,
    until: str | None,
    limit: int | None,
) -> SessionQuery:
    from voiceloop.sessions.index import SessionQuery

    return SessionQuery(
        prompt=prompt,
        principle=lp,
        since=parse_when(since) if since else None,
        until=parse_when(until, end=True, option="--until") if until else None,
        limit=limit or None,
    )


def _notes(row: SessionRow) -> str:
    return "; ".join(row.notes)


def _failed_advice(row: SessionRow) -> str:
    from voiceloop.sessions.takes import failed_take_advice

    return f"session {row.id} is a failed take ({row.failure}): {failed_take_advice(row.id)}"


# --- loading one session ---------------------------------------------------------------------


def _load_meta(folder: Path) -> SessionMeta:
    from voiceloop.sessions.store import read_session_meta

    return read_session_meta(folder)


def _load_transcript(folder: Path) -> Transcript | None:
    from voiceloop.sessions.store import read_transcript

    return read_transcript(folder)


def _load_analysis(folder: Path) -> Analysis | None:
    from voiceloop.sessions.store import read_analysis

    return read_analysis(folder)


def _need_analysis(folder: Path, row: SessionRow) -> Analysis:
    analysis = _load_analysis(folder)
    if analysis is not None:
        return analysis
    if row.status == "failed":
        raise VoiceloopError(_failed_advice(row))
    if "transcript missing" in row.problems:
        raise VoiceloopError(
            f"session {row.id} was saved without analysis: `voiceloop reanalyze {row.id}` "
            f"analyzes it, `voiceloop delete {row.id}` removes it"
        )
    raise VoiceloopError(
        f"session {row.id} has no readable analysis.json; run `voiceloop reanalyze {row.id}`"
    )


# --- sessions ----------------------------------------------------------------------------------


@app.command()
def sessions(
    prompt: PromptFilter = None,
    lp: LpFilter = None,
    since: SinceOpt = None,
    until: UntilOpt = None,
    limit: Annotated[
        int, typer.Option("--limit", "-n", min=0, help="Show at most this many; 0 for all.")
    ] = 30,
    json_out: Annotated[bool, typer.Option("--json", help="Print the sessions as JSON.")] = False,
    recordings: RecordingsOpt = None,
) -> None:
    """List recorded sessions, newest first, with their headline figures.

    Damaged sessions (missing audio, transcript or analysis) are listed with a note.
    """
    import json

    folder = _recordings(recordings)
    if not folder.is_dir():
        if json_out:
            typer.echo("[]")
        else:
            typer.echo(f"No sessions yet in {folder}.")
        offer_import(folder)
        return
    query = _query(prompt, lp, since, until, limit)
    with _open(recordings) as index:
        rows = index.query(query)
        total = index.count(query) if limit and len(rows) == limit else len(rows)
    _say_where(folder)
    if json_out:
        typer.echo(json.dumps([r.model_dump(mode="json") for r in rows], indent=2))
        return
    if not rows:
        typer.echo("No sessions match." if (prompt or lp or since or until) else "No sessions yet.")
        return
    width = max(len(r.id) for r in rows)
    header = f"{'LENGTH':>6} {'WPM':>4} {'FILL/MIN':>8} {'ACTION':>6} {'QUANT':>5}"
    typer.echo(f"{'ID':<{width}}  {header}  NOTES")
    for r in rows:
        length = clock(r.duration_s)
        if r.duration_verdict in ("short", "long"):
            length += "!"
        wpm = "-" if r.wpm is None else f"{r.wpm:.0f}"
        fillers = "-" if r.fillers_per_min is None else f"{r.fillers_per_min:.1f}"
        action = "-" if r.action_share is None else f"{r.action_share * 100:.0f}%"
        quant = {True: "yes", False: "no", None: "-"}[r.result_quantified]
        figures = f"{length:>6} {wpm:>4} {fillers:>8} {action:>6} {quant:>5}"
        typer.echo(f"{r.id:<{width}}  {figures}  {_notes(r)}".rstrip())
    if total > len(rows):
        typer.echo(f"({len(rows)} of {total} shown; --limit 0 for all)")
    failed = [r for r in rows if r.status == "failed"]
    if failed:
        which = failed[0].id if len(failed) == 1 else "<id>"
        typer.echo(
            f"{len(failed)} failed take{'s' if len(failed) != 1 else ''} (no answer heard) "
            f"kept for recovery, not counted as practice: `voiceloop delete {which}` removes "
            f"{'it' if len(failed) == 1 else 'one'}."
        )


# --- show ----------------------------------------------------------------------------------------


@app.command()
def show(session: SessionArg, recordings: RecordingsOpt = None) -> None:
    """Show one session: question, figures, verdict, files and any problems."""
    with _open(recordings) as index:
        row = index.resolve(session)
        folder = index.recordings_dir / row.id
    _say_where(index.recordings_dir)
    lines = [f"Session {row.id}"]
    if row.prompt_id:
        lines.append(
            f"Question: {row.prompt_id}" + (f": {row.prompt_text}" if row.prompt_text else "")
        )
    if row.principles:
        lines.append("Principles: " + ", ".join(row.principles))
    lines.append(f"Recorded: {row.created_at}")
    try:
        meta: SessionMeta | None = _load_meta(folder)
    except VoiceloopError:
        meta = None
    if meta is not None:
        previously = (
            f" (earlier: {', '.join(meta.previous_analysis_versions)})"
            if meta.previous_analysis_versions
            else ""
        )
        lines.append(
            f"Source: {meta.source}; audio {meta.audio_seconds:.1f} s; "
            f"model {meta.model or '-'}; analysis {meta.analysis_version or 'none'}{previously}"
        )
    analysis = _load_analysis(folder)
    if analysis is not None:
        p, f, s, q = analysis.pacing, analysis.fillers, analysis.star, analysis.quantify
        lo, hi = p.target_seconds
        quant = {True: "yes", False: "no", None: "no Result heard"}[q.result_quantified]
        lines += [
            "",
            f"Length {clock(p.duration_s)} (target {clock(lo)}-{clock(hi)}: "
            f"{p.duration_verdict}); {p.wpm:.0f} wpm ({p.pace_verdict}); "
            f"{f.per_minute:.1f} fillers/min; {len(p.long_pauses)} pauses over 2 s",
            "STAR: "
            + ", ".join(f"{k.title()} {v * 100:.0f}%" for k, v in s.shares.items())
            + f"; missing: {', '.join(s.missing) or 'none'}; result quantified: {quant}",
            "",
            analysis.verdict.headline,
        ]
        lines += [
            f"  {i}. {t.title} ({t.figure}). {t.detail}"
            for i, t in enumerate(analysis.verdict.tips, 1)
        ]
    present = sorted(p.name for p in folder.iterdir() if not p.name.startswith("."))
    lines += ["", f"Folder: {folder}", "Files: " + ", ".join(present)]
    if row.status == "failed":
        from voiceloop.sessions.takes import failed_take_advice

        lines.append(f"Failed take: {row.failure}; {failed_take_advice(row.id)}")
    elif row.problems or row.status != "analyzed":
        lines.append("Problems: " + (_notes(row) or row.status))
        if row.status == "unanalyzed" and "transcript missing" in row.problems:
            lines.append(f"  fix: voiceloop reanalyze {row.id} (or `voiceloop delete {row.id}`)")
        elif "analysis missing" in row.problems and "transcript missing" not in row.problems:
            lines.append(f"  fix: voiceloop reanalyze {row.id}")
        elif "analysis missing" in row.problems and "audio missing" not in row.problems:
            lines.append(f"  fix: voiceloop reanalyze {row.id} --retranscribe")
    typer.echo("\n".join(lines))


# --- report -------------------------------------------------------------------------------------


class ReportFormat(str, Enum):
    md = "md"
    html = "html"
    json = "json"


@app.command()
def report(
    session: SessionArg,
    fmt: Annotated[
        ReportFormat, typer.Option("--format", "-f", help="md, html or json.")
    ] = ReportFormat.md,
    output: Annotated[
        Optional[Path],  # noqa: UP045
        typer.Option(
            "--output",
            "-o",
            help="Write here ('-' for stdout). Default: md and json to stdout; html to "
            "report.html in the session folder.",
        ),
    ] = None,
    open_it: Annotated[
        bool, typer.Option("--open", help="Open the written report in the web browser.")
    ] = False,
    embed_audio: Annotated[
        bool,
        typer.Option(
            "--embed-audio/--link-audio",
            help="HTML: embed the recording (MP3, about 0.9 MB a minute) or link audio.wav.",
        ),
    ] = True,
    recordings: RecordingsOpt = None,
) -> None:
    """Render a session's report as Markdown, a self-contained HTML page, or JSON."""
    from voiceloop.render.markdown import render_markdown
    from voiceloop.render.terminal import render_json
    from voiceloop.sessions.store import save_report

    with _open(recordings) as index:
        row = index.resolve(session)
        folder = index.recordings_dir / row.id
    meta = _load_meta(folder)
    analysis = _need_analysis(folder, row)
    transcript = _load_transcript(folder)
    if transcript is None:
        raise VoiceloopError(f"session {row.id} has no readable transcript.json")

    to_stdout = output is not None and str(output) == "-"
    if output is None and (fmt is ReportFormat.html or open_it):
        output = folder / f"report.{fmt.value}"
    if fmt is ReportFormat.html:
        from voiceloop.render.html import audio_source, render_html

        target = output if output is not None and not to_stdout else folder / "report.html"
        src = audio_source(folder / meta.audio_file, target, embed=embed_audio)
        text = render_html(meta, transcript, analysis, src)
    elif fmt is ReportFormat.json:
        text = render_json(meta, transcript, analysis)
    else:
        text = render_markdown(meta, transcript, analysis)

    if output is None or to_stdout:
        sys.stdout.write(text if text.endswith("\n") else text + "\n")
        return
    save_report(output, text)
    typer.echo(str(output))
    if open_it:
        import webbrowser

        webbrowser.open(output.resolve().as_uri())


# --- delete -------------------------------------------------------------------------------------


@app.command()
def delete(
    session: SessionArg,
    yes: Annotated[bool, typer.Option("--yes", "-y", help="Do not ask for confirmation.")] = False,
    recordings: RecordingsOpt = None,
) -> None:
    """Delete a session folder (audio, transcript, analysis, reports) and its index entry."""
    from voiceloop.sessions.store import delete_session

    with _open(recordings) as index:
        row = index.resolve(session)
        if not yes:
            what = row.prompt_id or "free answer"
            typer.confirm(
                f"Delete session {row.id} ({what}, {row.created_at[:16]}) and its recording?",
                abort=True,
            )
        delete_session(index.recordings_dir, row.id)
        index.forget(row.id)
    typer.echo(f"Deleted {row.id}")


# --- export -------------------------------------------------------------------------------------


@app.command()
def export(
    file: Annotated[
        Optional[Path],  # noqa: UP045
        typer.Argument(help="Write the CSV here (default: stdout)."),
    ] = None,
    csv_out: Annotated[
        bool,
        typer.Option(
            "--csv",
            help="Comma-separated values, one session a row, lists as JSON arrays "
            "(the default; with --jsonl, also write the CSV).",
        ),
    ] = False,
    jsonl: Annotated[
        Optional[Path],  # noqa: UP045
        typer.Option(
            "--jsonl",
            help="Write JSON Lines (one object per session) to this file ('-': stdout).",
            show_default=False,
        ),
    ] = None,
    prompt: PromptFilter = None,
    lp: LpFilter = None,
    since: SinceOpt = None,
    until: UntilOpt = None,
    recordings: RecordingsOpt = None,
) -> None:
    """Export the sessions' headline figures (oldest first) for a spreadsheet or a script."""
    from voiceloop.fsutil import atomic_write_text, describe_os_error
    from voiceloop.sessions.export import sessions_csv, sessions_jsonl

    def is_stdout(path: Path | None) -> bool:
        return path is None or str(path) == "-"

    outputs: list[tuple[Path | None, str]] = []  # (where, format)
    if jsonl is None or csv_out or file is not None:
        outputs.append((file, "csv"))
    if jsonl is not None:
        outputs.append((jsonl, "jsonl"))
    if sum(is_stdout(where) for where, _ in outputs) > 1:
        raise typer.BadParameter(
            "the CSV and the JSON Lines cannot both go to stdout; give a file for one",
            param_hint="--jsonl",
        )
    streaming = any(is_stdout(where) for where, _ in outputs)
    query = _query(prompt, lp, since, until, None).model_copy(update={"oldest_first": True})
    with _open(recordings) as index:
        rows = index.query(query)
    _say_where(index.recordings_dir)
    for where, kind in outputs:
        text = sessions_csv(rows) if kind == "csv" else sessions_jsonl(rows)
        if where is None or is_stdout(where):
            sys.stdout.write(text)
            continue
        try:
            atomic_write_text(where, text)
        except OSError as err:
            raise describe_os_error(err, str(where)) from err
        typer.echo(f"{len(rows)} sessions written to {where}", err=streaming)


# --- reanalyze ----------------------------------------------------------------------------------


@app.command()
def reanalyze(
    session: Annotated[
        Optional[str],  # noqa: UP045
        typer.Argument(help="Session id (or 'last'); leave out with --all."),
    ] = None,
    all_sessions: Annotated[
        bool, typer.Option("--all", help="Every session analyzed by an older version.")
    ] = False,
    force: Annotated[
        bool, typer.Option("--force", help="With --all: also those already up to date.")
    ] = False,
    retranscribe: Annotated[
        bool,
        typer.Option("--retranscribe", help="Redo the Whisper pass from audio.wav first."),
    ] = False,
    model: ModelOpt = "embedded",
    device: DeviceOpt = "cpu",
    beam_size: BeamOpt = BEAM_SIZE,
    recordings: RecordingsOpt = None,
) -> None:
    """Rerun the analysis on the stored transcript with the current analysis version.

    The audio is kept and session.json notes the version it replaced. A session saved without
    a transcript is transcribed from its audio. --all skips failed takes (no answer heard),
    one line each, and a take found to hold no answer becomes one.
    """
    from voiceloop.analysis.combined import ANALYSIS_VERSION
    from voiceloop.errors import NoSpeech
    from voiceloop.sessions.reanalyze import reanalyze_folder
    from voiceloop.sessions.takes import failed_take_advice

    if (session is None) == (not all_sessions):
        raise VoiceloopError("give a session id or --all (not both)")
    options = transcribe_options(model, device, beam_size) if retranscribe else None
    failed = 0
    with _open(recordings) as index:
        skipped: list[SessionRow] = []
        if session is not None:
            targets = [index.resolve(session)]
        else:
            due = [
                r
                for r in index.query()
                if r.status != "broken"
                and (force or r.status != "analyzed" or r.analysis_version != ANALYSIS_VERSION)
            ]
            skipped = [r for r in due if r.status == "failed"]
            targets = [r for r in due if r.status != "failed"]
            if not due:
                _say_where(index.recordings_dir)
                typer.echo(f"Every session is already at analysis version {ANALYSIS_VERSION}.")
                return
        _say_where(index.recordings_dir)
        for row in reversed(skipped):
            typer.echo(
                f"{row.id}: skipped, a failed take ({row.failure}); {failed_take_advice(row.id)}"
            )
        for row in reversed(targets):  # oldest first
            folder = index.recordings_dir / row.id
            words_from_audio = options
            if words_from_audio is None and "transcript missing" in row.problems:
                words_from_audio = transcribe_options(model, device, beam_size)
            try:
                meta = reanalyze_folder(folder, words_from_audio)
            except VoiceloopError as err:
                marked = isinstance(err, NoSpeech) and index.record(folder).status == "failed"
                if session is not None:
                    raise
                if marked:  # no answer in it: a failed take now, skipped from here on
                    typer.echo(f"{row.id}: skipped, {err}")
                    continue
                failed += 1
                sys.stderr.write(f"voiceloop: {row.id}: {err}\n")
                continue
            updated = index.record(folder)
            before = row.analysis_version or "none"
            wpm = "-" if updated.wpm is None else f"{updated.wpm:.0f}"
            typer.echo(
                f"{row.id}: analysis {before} -> {meta.analysis_version} "
                f"({wpm} wpm, {updated.fillers_per_min or 0:.1f} fillers/min)"
            )
    if failed:
        raise VoiceloopError(f"{failed} of {len(targets)} sessions could not be reanalyzed", 1)


# --- progress -----------------------------------------------------------------------------------


@app.command()
def progress(
    last: Annotated[
        Optional[int],  # noqa: UP045
        typer.Option(
            "--last", "-n", min=1, help="The last N sessions [default: 20 without dates]."
        ),
    ] = None,
    lp: LpFilter = None,
    prompt: PromptFilter = None,
    since: SinceOpt = None,
    until: UntilOpt = None,
    chart: Annotated[
        Optional[Path],  # noqa: UP045
        typer.Option(
            "--chart",
            help="Where to write the SVG chart [default: progress.svg in the recordings folder].",
        ),
    ] = None,
    no_chart: Annotated[bool, typer.Option("--no-chart", help="Do not write a chart.")] = False,
    json_out: Annotated[bool, typer.Option("--json", help="Print the trends as JSON.")] = False,
    recordings: RecordingsOpt = None,
) -> None:
    """Trends across sessions: pace, fillers, Action share, quantified results, length.

    Compares the earlier half of the chosen sessions with the later half, writes a chart,
    and lists the leadership principles never practised.
    """
    from voiceloop.prompts import load_bank
    from voiceloop.render.progress import render_text
    from voiceloop.sessions.progress import build_progress, write_chart

    folder = _recordings(recordings)
    if not folder.is_dir():
        offer_import(folder)
        raise VoiceloopError(f"no sessions yet in {folder}")
    limit = last if last is not None else (None if (since or until) else 20)
    query = _query(prompt, lp, since, until, limit)
    scope = []
    if prompt:
        scope.append(f"question '{prompt}'")
    if lp:
        scope.append(f"principle '{lp}'")
    if since or until:
        scope.append(f"{since or 'start'} to {until or 'now'}")
    if limit:
        scope.append(f"last {limit}")
    # one session per recording: the same file analyzed twice must not weigh twice in a trend;
    # a failed take is no practice: it takes no place among the last N
    query = query.model_copy(update={"distinct_audio": True, "without_failed": True})
    with _open(recordings) as index:
        rows = index.query(query)
        counts = index.practice_counts()
        stored = index.stored_principles()
        duplicates = index.repeats(rows)  # told, so the count is not a surprise
    _say_where(folder)
    try:
        bank = load_bank()
    except VoiceloopError as err:
        sys.stderr.write(f"voiceloop: warning: prompt bank not loaded ({err})\n")
        bank = []
    result = build_progress(
        rows,
        scope=", ".join(scope) or "all sessions",
        counts=counts,
        bank=bank,
        stored_principles=stored,
        duplicates=duplicates,
    )
    chart_path = None
    if not no_chart and result.count:
        chart_path = write_chart(result, chart or folder / "progress.svg")
    if json_out:
        typer.echo(result.model_dump_json(indent=2))
    else:
        typer.echo(render_text(result, chart_path))


# --- compare ------------------------------------------------------------------------------------


_KIND_WORDS = {  # a question kind in a sentence
    "star": "a STAR story question",
    "intro": "an introduction question",
    "project": "a project walkthrough question",
    "deep_dive": "a technical deep-dive question",
}


@app.command()
def compare(
    a: Annotated[str, typer.Argument(help="The earlier session (id, start of one, or 'last').")],
    b: Annotated[str, typer.Argument(help="The session to compare it with.")],
    json_out: Annotated[bool, typer.Option("--json", help="Print the comparison as JSON.")] = False,
    recordings: RecordingsOpt = None,
) -> None:
    """Two sessions side by side, marking which figures got better or worse."""
    import json

    from voiceloop.sessions.progress import compare_analyses

    with _open(recordings) as index:
        row_a, row_b = index.resolve(a), index.resolve(b)
        folder = index.recordings_dir
    analysis_a = _need_analysis(folder / row_a.id, row_a)
    analysis_b = _need_analysis(folder / row_b.id, row_b)
    _say_where(folder)
    rows = compare_analyses(analysis_a, analysis_b)
    kinds = [analysis_a.prompt_kind, analysis_b.prompt_kind]
    if json_out:
        payload = {
            "a": row_a.id,
            "b": row_b.id,
            "analysis_versions": [analysis_a.version, analysis_b.version],
            "question_kinds": kinds,
            "kinds_differ": kinds[0] != kinds[1],
            "rows": [r.model_dump(mode="json") for r in rows],
        }
        typer.echo(json.dumps(payload, indent=2))
        return
    width = max(22, max(len(r.a) for r in rows) + 2)
    head_a = f"A {row_a.created_at[:10]}"
    head_b = f"B {row_b.created_at[:10]}"
    lines = [
        f"A: {row_a.id} ({row_a.prompt_id or 'free answer'})",
        f"B: {row_b.id} ({row_b.prompt_id or 'free answer'})",
        "",
        f"{'':26}{head_a:<{width}}{head_b:<{width}}{'change':>10}  B is",
    ]
    for r in rows:
        mark = r.direction if r.direction in ("better", "worse") else ""
        lines.append(f"{r.label:26}{r.a:<{width}}{r.b:<{width}}{r.change:>10}  {mark}")
    better = [r.label for r in rows if r.direction == "better"]
    worse = [r.label for r in rows if r.direction == "worse"]
    lines.append("")
    lines.append("Better: " + (", ".join(better) or "nothing that matters"))
    lines.append("Worse: " + (", ".join(worse) or "nothing that matters"))
    if kinds[0] != kinds[1]:
        lines.append(
            f"Warning: A answers {_KIND_WORDS.get(kinds[0], kinds[0])} and B "
            f"{_KIND_WORDS.get(kinds[1], kinds[1])}; the two answers aim at different shapes "
            "and lengths, so their figures do not compare like for like."
        )
    if analysis_a.version != analysis_b.version:
        lines.append(
            f"Note: A was analyzed by voiceloop {analysis_a.version} and B by "
            f"{analysis_b.version}, so some changes may come from the analysis, not from you: "
            "`voiceloop reanalyze --all` puts both on this version."
        )
    typer.echo("\n".join(lines))


# --- import -------------------------------------------------------------------------------------


@app.command("import")
def import_(
    source: Annotated[
        Path,
        typer.Argument(help="A recordings folder to copy sessions from, e.g. ./recordings."),
    ],
    recordings: RecordingsOpt = None,
) -> None:
    """Copy the sessions of another recordings folder into your history.

    Each session is copied whole or not at all; a recording already in the history (the
    same audio) and a session already there are skipped, so running it again is safe. The
    source folder is left as it was.
    """
    from voiceloop.sessions.importer import import_sessions

    history = _recordings(recordings)
    report = import_sessions(source, history)
    parts = []
    if report.duplicates:
        parts.append(f"{len(report.duplicates)} already there (same recording)")
    if report.present:
        parts.append(f"{len(report.present)} already there (same session)")
    if report.unreadable:
        parts.append(f"{len(report.unreadable)} unreadable")
    typer.echo(
        f"Imported {len(report.imported)} session{'s' if len(report.imported) != 1 else ''} "
        f"from {source} into {history.resolve()}"
        + (f"; skipped {report.skipped}: {', '.join(parts)}." if parts else ".")
    )
    if report.unreadable:
        typer.echo("Unreadable, left where they are: " + ", ".join(report.unreadable))
    if report.takes:
        typer.echo(
            f"{report.takes} unfinished take(s) in {source}/.takes were not imported: "
            f"`voiceloop recover --recordings {source}` turns them into sessions first."
        )


# --- reindex ------------------------------------------------------------------------------------


@app.command()
def reindex(recordings: RecordingsOpt = None) -> None:
    """Rebuild the session index (index.sqlite) from the session folders."""
    from voiceloop.sessions.index import open_index

    folder = _recordings(recordings)
    if not folder.is_dir():
        raise VoiceloopError(f"no recordings folder {folder}")
    with open_index(folder, sync=False) as index:
        count = index.rebuild()
        damaged = sum(1 for r in index.query() if r.problems or r.status == "broken")
    note = f" ({damaged} with problems; see `voiceloop sessions`)" if damaged else ""
    typer.echo(f"Indexed {count} sessions in {index.path}{note}")
