"""The Starlette application of `voiceloop serve`: pages, the JSON API, recording, uploads.

Everything goes through the library the CLI uses: the prompt bank and ``pick_prompt`` for
questions, ``capture.speak.synthesize`` for the question's voice (served as a WAV, never the
browser's online voices), ``web.live`` (the take file and the incremental transcriber) for
answers, ``sessions.takes`` to settle a take and recover one left behind, the index for
lists, ``reanalyze_folder``/``delete_session`` for changes, ``render.html`` for the report
and ``sessions.progress``/``render.progress`` for trends. One store, one index: a session
made here shows in `voiceloop sessions` and the other way round.

Handlers that touch the disk or the model are plain functions, which Starlette runs in its
thread pool; the two that read a request body stream it with a size cap first.
"""

from __future__ import annotations

import asyncio
import contextlib
import re
import shutil
import tempfile
import threading
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import (
    FileResponse,
    HTMLResponse,
    JSONResponse,
    RedirectResponse,
    Response,
)
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from voiceloop.errors import AudioUnreadable, NoSpeech, VoiceloopError
from voiceloop.web import pages
from voiceloop.web.live import IDLE_S, BadChunk, LiveTakes, TakeGone
from voiceloop.web.rounds import RoundGone, Rounds
from voiceloop.web.security import Guard, SecurityMiddleware, valid_id

if TYPE_CHECKING:
    from voiceloop.models import Prompt
    from voiceloop.sessions.analyze import SessionResult
    from voiceloop.sessions.index import SessionQuery, SessionRow
    from voiceloop.sessions.takes import Outcome
    from voiceloop.transcribe.decode import TranscribeOptions

STATIC_DIR = Path(__file__).parent / "static"
MAX_UPLOAD_BYTES = 50 * 1024 * 1024
FOLLOW_UP_ID = re.compile(r"(.+)-followup-(\d{1,2})")
UPLOAD_SUFFIX = re.compile(r"\.[a-z0-9]{1,8}")


@dataclass
class ServeConfig:
    """What one server works on, and its limits."""

    recordings_dir: Path  # the sessions folder, shared with the CLI
    transcribe: TranscribeOptions  # model, device, beam: as --model/--device/--beam-size
    guard: Guard  # the secret and the port requests must name
    max_upload_bytes: int = MAX_UPLOAD_BYTES  # larger uploads are refused (413) unread
    idle_take_s: float = IDLE_S  # a take with no audio this long is left for recovery
    preload: bool = True  # load the model at start, so the first answer does not wait
    incremental: bool = True  # transcribe while the answer is recorded (as `practice`)
    speech_dir: Path | None = None  # where question audio is cached (default: a temp dir)
    ready: threading.Thread | None = field(default=None, repr=False)  # the model preload


# --- errors --------------------------------------------------------------------------------


def _status(err: VoiceloopError) -> int:
    if isinstance(err, (TakeGone, RoundGone)):
        return 404
    if isinstance(err, AudioUnreadable):
        return 415
    if isinstance(err, NoSpeech):
        return 422
    return 400


def _wants_json(request: Request) -> bool:
    return request.url.path.startswith("/api/")


async def _on_voiceloop_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, VoiceloopError)
    return _error(request, _status(exc), str(exc))


async def _on_http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    return _error(request, exc.status_code, str(exc.detail))


def _error(request: Request, status: int, message: str) -> Response:
    if _wants_json(request):
        return JSONResponse({"error": message}, status_code=status)
    page = pages.message_page("Not possible", message)
    return HTMLResponse(page, status_code=status, headers={"content-security-policy": pages.CSP})


def _page(html: str) -> HTMLResponse:
    return HTMLResponse(html, headers={"content-security-policy": pages.CSP})


# --- what the handlers share ---------------------------------------------------------------


def _config(request: Request) -> ServeConfig:
    config: ServeConfig = request.app.state.config
    return config


def _takes(request: Request) -> LiveTakes:
    takes: LiveTakes = request.app.state.takes
    return takes


def _rounds(request: Request) -> Rounds:
    rounds: Rounds = request.app.state.rounds
    return rounds


@dataclass(frozen=True)
class RoundPart:
    """Which round a take answers, and for a follow-up, its question and why it was asked."""

    round_id: str
    follow_up_of: str | None = None
    reason: str = ""


def _bank() -> list[Prompt]:
    from voiceloop.prompts import load_bank

    try:
        return load_bank()
    except VoiceloopError:
        return []


def resolve_prompt(prompt_id: str) -> Prompt:
    """A bank question by id, or one of its follow-ups (``<id>-followup-<n>``)."""
    from voiceloop.prompts import follow_up_prompt, get_prompt, load_bank

    bank = load_bank()
    follow = FOLLOW_UP_ID.fullmatch(prompt_id)
    if follow is not None and not any(p.id == prompt_id for p in bank):
        parent = get_prompt(bank, follow.group(1))
        index = int(follow.group(2)) - 1
        if not 0 <= index < len(parent.follow_ups):
            raise VoiceloopError(f"question {parent.id} has no follow-up {index + 1}")
        return follow_up_prompt(parent, index)
    return get_prompt(bank, prompt_id)


def _session_folder(config: ServeConfig, session_id: str) -> Path:
    """The folder of an indexed session; 400 for a malformed id, 404 for an unknown one."""
    from voiceloop.sessions.index import open_index

    if not valid_id(session_id):
        raise HTTPException(400, "malformed session id")
    if not config.recordings_dir.is_dir():
        raise HTTPException(404, f"no session '{session_id}'")
    with open_index(config.recordings_dir) as index:
        row = index.get(session_id)
    if row is None:
        raise HTTPException(404, f"no session '{session_id}'")
    return config.recordings_dir / row.id


def _day(text: str, *, end: bool = False) -> datetime | None:
    """A date field (YYYY-MM-DD) as local midnight; ``end``: the start of the next day."""
    if not text:
        return None
    try:
        day = datetime.strptime(text, "%Y-%m-%d").astimezone()
    except ValueError:
        raise HTTPException(400, f"cannot read '{text}' as a date (YYYY-MM-DD)") from None
    return day + timedelta(days=1) if end else day


def _query(params: dict[str, str], limit: int | None) -> SessionQuery:
    from voiceloop.sessions.index import SessionQuery

    return SessionQuery(
        prompt=params.get("prompt") or None,
        principle=params.get("lp") or None,
        kind=params.get("kind") or None,
        since=_day(params.get("since", "")),
        until=_day(params.get("until", ""), end=True),
        limit=limit,
    )


def _filters(request: Request, names: tuple[str, ...]) -> dict[str, str]:
    return {name: request.query_params.get(name, "").strip()[:100] for name in names}


def _prompt_json(prompt: Prompt) -> dict[str, Any]:
    low, high = prompt.target_seconds
    return {
        "id": prompt.id,
        "text": prompt.text,
        "kind": prompt.kind,
        "principles": prompt.principles,
        "target_seconds": [low, high],
        "follow_ups": len(prompt.follow_ups),
    }


def verdict_json(result: SessionResult, prompt: Prompt | None) -> dict[str, Any]:
    """What the page shows the moment an answer is analyzed (the report has the rest)."""
    from voiceloop.clock import clock

    analysis, pacing = result.analysis, result.analysis.pacing
    payload: dict[str, Any] = {
        "status": "analyzed",
        "session_id": result.meta.id,
        "report": f"/sessions/{result.meta.id}",
        "headline": analysis.verdict.headline,
        "tips": [t.model_dump(mode="json") for t in analysis.verdict.tips],
        "figures": {
            "words": pacing.word_count,
            "wpm": round(pacing.wpm, 1),
            "duration_s": round(pacing.duration_s, 2),
            "duration": clock(pacing.duration_s),
            "pace_verdict": pacing.pace_verdict,
            "duration_verdict": pacing.duration_verdict,
            "fillers_per_min": round(analysis.fillers.per_minute, 2),
            "audio_seconds": round(result.meta.audio_seconds, 2),
        },
        "same_audio": result.same_audio,
        "follow_up": None,
    }
    if prompt is not None and prompt.follow_ups and not FOLLOW_UP_ID.fullmatch(prompt.id):
        from voiceloop.prompts import follow_up_prompt
        from voiceloop.sessions.round import choose_follow_up

        decision = choose_follow_up(prompt, analysis)
        if decision.ask and decision.index is not None:
            payload["follow_up"] = {
                "prompt": _prompt_json(follow_up_prompt(prompt, decision.index)),
                "reason": decision.reason,
            }
    return payload


def _outcome_json(outcome: Outcome, prompt: Prompt | None) -> dict[str, Any]:
    if outcome.result is not None:
        return verdict_json(outcome.result, prompt)
    return {
        "status": outcome.kind,
        "message": outcome.message,
        "session_id": outcome.folder.name if outcome.folder else None,
    }


async def _json_body(request: Request, limit: int = 10_000) -> dict[str, Any]:
    body = await request.body()
    if len(body) > limit:
        raise HTTPException(413, "request too large")
    if not body:
        return {}
    import json

    try:
        data = json.loads(body)
    except ValueError:
        raise HTTPException(400, "the request is not JSON") from None
    if not isinstance(data, dict):
        raise HTTPException(400, "the request must be a JSON object")
    return data


def _text(data: dict[str, Any], name: str, limit: int = 200) -> str | None:
    value = data.get(name)
    if value is None or value == "":
        return None
    if not isinstance(value, str) or len(value) > limit:
        raise HTTPException(400, f"'{name}' must be a short text")
    return value


# --- pages ------------------------------------------------------------------------------------


def practice(request: Request) -> Response:
    return _page(pages.practice_page(_bank()))


def sessions_list(request: Request) -> Response:
    from voiceloop.sessions.index import open_index

    config = _config(request)
    filters = _filters(request, ("lp", "kind", "since", "until", "prompt"))
    rows: list[SessionRow] = []
    total = 0
    error = ""
    if config.recordings_dir.is_dir():
        try:
            query = _query(filters, 200)
            with open_index(config.recordings_dir) as index:
                rows = index.query(query)
                total = index.count(query)
        except VoiceloopError as err:
            error = str(err)
    return _page(pages.sessions_page(rows, _bank(), filters, total, error))


def session_report(request: Request) -> Response:
    from voiceloop.sessions.store import read_analysis, read_session_meta, read_transcript

    config = _config(request)
    folder = _session_folder(config, request.path_params["sid"])
    meta = read_session_meta(folder)
    analysis, transcript = read_analysis(folder), read_transcript(folder)
    if analysis is None or transcript is None:
        return _error(
            request,
            409,
            f"session {meta.id} has no analysis yet: press Re-analyze, or run "
            f"`voiceloop reanalyze {meta.id}`" + (" --retranscribe" if transcript is None else ""),
        )
    audio = f"/sessions/{meta.id}/audio.wav" if (folder / meta.audio_file).is_file() else None
    # no CSP header: the report carries its own, which allows its inline script and styles
    return HTMLResponse(pages.report_page(meta, transcript, analysis, audio))


def session_audio(request: Request) -> Response:
    from voiceloop.sessions.store import AUDIO_NAME

    folder = _session_folder(_config(request), request.path_params["sid"])
    path = folder / AUDIO_NAME
    if not path.is_file():
        raise HTTPException(404, "this session has no audio")
    return FileResponse(path, media_type="audio/wav")


def _delete(config: ServeConfig, session_id: str) -> None:
    from voiceloop.sessions.index import open_index
    from voiceloop.sessions.store import delete_session

    folder = _session_folder(config, session_id)
    with open_index(config.recordings_dir) as index:
        delete_session(config.recordings_dir, folder.name)
        index.forget(folder.name)


def _reanalyze(config: ServeConfig, session_id: str) -> str:
    from voiceloop.sessions.index import open_index
    from voiceloop.sessions.reanalyze import reanalyze_folder
    from voiceloop.sessions.store import read_transcript

    folder = _session_folder(config, session_id)
    retranscribe = config.transcribe if read_transcript(folder) is None else None
    meta = reanalyze_folder(folder, retranscribe)
    with open_index(config.recordings_dir) as index:
        index.record(folder)
    return meta.analysis_version


def delete_form(request: Request) -> Response:
    _delete(_config(request), request.path_params["sid"])
    return RedirectResponse("/sessions", 303)


def reanalyze_form(request: Request) -> Response:
    sid = request.path_params["sid"]
    _reanalyze(_config(request), sid)
    return RedirectResponse(f"/sessions/{sid}", 303)


def compare(request: Request) -> Response:
    from voiceloop.sessions.progress import compare_analyses
    from voiceloop.sessions.store import read_analysis, read_session_meta

    config = _config(request)
    ids = request.query_params.getlist("id")
    if len(ids) != 2:
        raise HTTPException(400, "tick exactly two sessions to compare")
    folders = [_session_folder(config, sid) for sid in ids]
    metas = [read_session_meta(f) for f in folders]
    analyses = [read_analysis(f) for f in folders]
    if analyses[0] is None or analyses[1] is None:
        raise HTTPException(409, "both sessions need an analysis to be compared")
    a, b = analyses[0], analyses[1]
    notes = []
    if a.prompt_kind != b.prompt_kind:
        notes.append(
            f"A answers a {a.prompt_kind} question and B a {b.prompt_kind} one: they aim at "
            "different shapes and lengths, so their figures do not compare like for like."
        )
    if a.version != b.version:
        notes.append(
            f"A was analyzed by voiceloop {a.version} and B by {b.version}: some changes may "
            "come from the analysis; Re-analyze puts both on this version."
        )
    rows = compare_analyses(a, b)
    return _page(pages.compare_page(metas[0], metas[1], rows, notes))


def progress(request: Request) -> Response:
    from voiceloop.render.progress import render_chart, render_text
    from voiceloop.sessions.index import open_index
    from voiceloop.sessions.progress import build_progress

    config = _config(request)
    filters = _filters(request, ("lp", "last"))
    try:
        last = int(filters["last"] or 20)
    except ValueError:
        raise HTTPException(400, "'last' must be a number") from None
    if not 1 <= last <= 1000:
        raise HTTPException(400, "'last' must be between 1 and 1000")
    filters["last"] = str(last)
    if not config.recordings_dir.is_dir():
        return _page(pages.progress_page("No sessions yet.", "", filters, _bank()))
    query = _query(filters, last).model_copy(update={"distinct_audio": True})
    with open_index(config.recordings_dir) as index:
        rows = index.query(query)
        counts = index.practice_counts()
        stored = index.stored_principles()
        duplicates = index.repeats(rows)
    scope = ", ".join([f"principle '{filters['lp']}'"] * bool(filters["lp"]) + [f"last {last}"])
    report = build_progress(
        rows,
        scope=scope,
        counts=counts,
        bank=_bank(),
        stored_principles=stored,
        duplicates=duplicates,
    )
    chart = render_chart(report) if report.count else ""
    return _page(pages.progress_page(render_text(report), chart, filters, _bank()))


def upload_form(request: Request) -> Response:
    return _page(pages.upload_page(_bank(), _config(request).max_upload_bytes // (1024 * 1024)))


# --- the JSON API ----------------------------------------------------------------------------


def api_sessions(request: Request) -> Response:
    from voiceloop.sessions.index import open_index

    config = _config(request)
    if not config.recordings_dir.is_dir():
        return JSONResponse([])
    with open_index(config.recordings_dir) as index:
        rows = index.query(_query(_filters(request, ("lp", "kind", "since", "until")), None))
    return JSONResponse([r.model_dump(mode="json") for r in rows])


def api_delete(request: Request) -> Response:
    _delete(_config(request), request.path_params["sid"])
    return JSONResponse({"deleted": request.path_params["sid"]})


def api_reanalyze(request: Request) -> Response:
    version = _reanalyze(_config(request), request.path_params["sid"])
    return JSONResponse({"session_id": request.path_params["sid"], "analysis_version": version})


async def api_question(request: Request) -> Response:
    """The next question: by id, by principle or kind, or the least practised."""
    from voiceloop.sessions.round import pick_prompt

    data = await _json_body(request)
    config = _config(request)
    prompt_id = _text(data, "prompt_id")
    if prompt_id is not None:
        prompt = await run_in_threadpool(resolve_prompt, prompt_id)
    else:
        prompt = await run_in_threadpool(
            pick_prompt, None, _text(data, "lp"), _text(data, "kind"), config.recordings_dir
        )
    return JSONResponse(_prompt_json(prompt))


async def api_round(request: Request) -> Response:
    """A mock round: its questions (the wanted principle first, then the least practised)
    and its id, which each answer's take names so the round report can be written."""
    from voiceloop.prompts import load_bank
    from voiceloop.sessions.index import practice_counts
    from voiceloop.sessions.round import plan_round, resolve_principles, select_set

    data = await _json_body(request)
    count = data.get("count", 3)
    if not isinstance(count, int) or not 1 <= count <= 10:
        raise HTTPException(400, "'count' must be a number from 1 to 10")
    lp = _text(data, "lp")

    def plan() -> tuple[list[str], list[Prompt]]:
        wanted = resolve_principles([lp] if lp else [])
        counts = practice_counts(_config(request).recordings_dir)
        chosen = plan_round(select_set(load_bank(), None), count, wanted, None, counts)
        return wanted, chosen.prompts

    wanted, prompts = await run_in_threadpool(plan)
    state = _rounds(request).start(wanted)
    return JSONResponse(
        {"round_id": state.round_id, "questions": [_prompt_json(p) for p in prompts]}
    )


def api_round_finish(request: Request) -> Response:
    """Write the round report, as `voiceloop round` does at its end."""
    from voiceloop.render.round import render_round_terminal
    from voiceloop.sessions.round import ROUND_MD

    round_id = request.path_params["rid"]
    if not valid_id(round_id):
        raise HTTPException(400, "malformed round id")
    summary, folder = _rounds(request).finish(_config(request).recordings_dir, round_id)
    return JSONResponse(
        {
            "round_id": summary.round_id,
            "text": render_round_terminal(summary, str(folder / ROUND_MD)),
            "weakest_habit": summary.weakest_habit.title if summary.weakest_habit else None,
        }
    )


def api_speech(request: Request) -> Response:
    """The question read aloud by the same offline voice as the CLI, as a WAV file."""
    import hashlib

    from voiceloop.capture.speak import synthesize

    config = _config(request)
    prompt = resolve_prompt(request.path_params["pid"])
    assert config.speech_dir is not None
    name = hashlib.sha256(prompt.text.encode()).hexdigest()[:24] + ".wav"
    path = config.speech_dir / name
    if not path.is_file():
        partial = path.with_suffix(f".{threading.get_ident()}.tmp.wav")
        try:
            synthesize(prompt.text, partial)
            partial.replace(path)
        except VoiceloopError as err:
            partial.unlink(missing_ok=True)
            raise HTTPException(404, f"the question cannot be read aloud: {err}") from err
    return FileResponse(path, media_type="audio/wav", headers={"cache-control": "private"})


def api_leftover(request: Request) -> Response:
    """Takes left behind by a closed tab, a lost connection or a crash."""
    from voiceloop.capture.takes import HEADER_BYTES, leftover_takes

    config = _config(request)
    found = []
    for take in leftover_takes(config.recordings_dir):
        size = take.wav.stat().st_size if take.wav.exists() else HEADER_BYTES
        prompt = take.info.prompt
        found.append(
            {
                "id": take.info.id,
                "started_at": take.info.started_at,
                "seconds": round(max(size - HEADER_BYTES, 0) / 2 / take.info.capture_rate, 1),
                "prompt_id": prompt.id if prompt else None,
                "prompt_text": prompt.text if prompt else None,
            }
        )
    return JSONResponse({"takes": found})


def api_recover(request: Request) -> Response:
    """``voiceloop recover``: every take left behind becomes a session."""
    from voiceloop.sessions.takes import recover_takes

    config = _config(request)
    lines: list[str] = []
    outcomes = recover_takes(config.recordings_dir, config.transcribe, lines.append)
    return JSONResponse(
        {
            "recovered": [
                {
                    "status": o.kind,
                    "message": o.message,
                    "session_id": o.folder.name if o.folder else None,
                }
                for o in outcomes
            ],
            "lines": lines,
        }
    )


async def api_take_start(request: Request) -> Response:
    data = await _json_body(request)
    rate = data.get("rate")
    if not isinstance(rate, int):
        raise HTTPException(400, "'rate' (the capture rate in Hz) must be a whole number")
    prompt_id = _text(data, "prompt_id")
    prompt = await run_in_threadpool(resolve_prompt, prompt_id) if prompt_id else None
    round_id = _text(data, "round_id")
    if round_id is not None and not valid_id(round_id):
        raise HTTPException(400, "malformed round id")
    live = await run_in_threadpool(_takes(request).start, prompt, rate)
    if round_id is not None and prompt is not None:
        request.app.state.round_parts[live.id] = RoundPart(
            round_id, _text(data, "follow_up_of"), _text(data, "follow_up_reason", 1000) or ""
        )
    return JSONResponse({"take_id": live.id, "rate": rate})


def _take_id(request: Request) -> str:
    take_id: str = request.path_params["tid"]
    if not valid_id(take_id):
        raise HTTPException(400, "malformed take id")
    return take_id


async def api_take_audio(request: Request) -> Response:
    """One chunk of the answer: int16 little-endian mono at the take's rate."""
    from voiceloop.web.live import MAX_CHUNK_BYTES

    take_id = _take_id(request)
    try:
        seq = int(request.query_params.get("seq", ""))
        known = int(request.query_params.get("known", "0"))
    except ValueError:
        raise HTTPException(400, "'seq' must be a number") from None
    body = bytearray()
    async for piece in request.stream():
        body += piece
        if len(body) > MAX_CHUNK_BYTES:
            raise BadChunk("a chunk must be at most 1 MiB")
    live = await run_in_threadpool(_takes(request).append, take_id, seq, bytes(body))
    return JSONResponse(
        {"seconds": round(live.writer.seconds, 2), "words": live.words_since(known)}
    )


async def api_take_stop(request: Request) -> Response:
    takes = _takes(request)
    take_id = _take_id(request)
    prompt = takes.get(take_id).take.info.prompt
    outcome = await run_in_threadpool(takes.stop, take_id)
    part: RoundPart | None = request.app.state.round_parts.pop(take_id, None)
    if part is not None and prompt is not None:
        with contextlib.suppress(RoundGone):
            _rounds(request).add(part.round_id, prompt, outcome, part.follow_up_of, part.reason)
    return JSONResponse(_outcome_json(outcome, prompt))


async def api_upload(request: Request) -> Response:
    """Analyze an uploaded recording (any format ``voiceloop analyze`` takes) into a session.

    The body is the file itself; ``?name=`` its name (only its extension is used, as a hint
    to the decoder) and ``?prompt=`` the question. Refused unread past the size cap.
    """
    from voiceloop.audio import check_usable, load_audio
    from voiceloop.sessions.analyze import analyze_samples

    config = _config(request)
    cap = config.max_upload_bytes
    declared = request.headers.get("content-length")
    if declared is not None and (not declared.isdigit() or int(declared) > cap):
        raise HTTPException(413, f"the file is larger than {cap // (1024 * 1024)} MB")
    name = Path(request.query_params.get("name", "upload")[:200]).name or "upload"
    suffix = Path(name).suffix.lower()
    suffix = suffix if UPLOAD_SUFFIX.fullmatch(suffix) else ""
    prompt_id = request.query_params.get("prompt") or None
    prompt = await run_in_threadpool(resolve_prompt, prompt_id) if prompt_id else None
    folder = Path(tempfile.mkdtemp(prefix="voiceloop-upload-"))
    try:
        path = folder / f"upload{suffix}"
        size = 0
        with path.open("wb") as handle:
            async for piece in request.stream():
                size += len(piece)
                if size > cap:
                    raise HTTPException(413, f"the file is larger than {cap // (1024 * 1024)} MB")
                handle.write(piece)
        if size == 0:
            raise HTTPException(400, "the upload is empty")

        def analyze() -> SessionResult:
            try:
                audio = load_audio(path)
            except AudioUnreadable as err:
                raise AudioUnreadable(
                    f"{name} cannot be read as audio (not an audio file, or corrupt)"
                ) from err
            check_usable(audio, name)
            return analyze_samples(
                audio.samples,
                source=f"upload: {name}",
                prompt=prompt,
                recordings_dir=config.recordings_dir,
                transcribe_options=config.transcribe,
            )

        result = await run_in_threadpool(analyze)
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    return JSONResponse(verdict_json(result, prompt))


# --- the application ---------------------------------------------------------------------------


def create_app(config: ServeConfig) -> Starlette:
    """The whole app for ``config``; ``uvicorn.run(create_app(...))`` serves it."""

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        own_speech = config.speech_dir is None
        if own_speech:
            config.speech_dir = Path(tempfile.mkdtemp(prefix="voiceloop-speech-"))
        if config.preload and config.ready is None:
            from voiceloop.analysis.star import warm_up
            from voiceloop.transcribe.decode import preload_model

            config.ready = preload_model(
                config.transcribe, "voiceloop.sessions.analyze", then=warm_up
            )
        takes = LiveTakes(
            config.recordings_dir,
            config.transcribe,
            ready=config.ready,
            idle_s=config.idle_take_s,
            incremental=config.incremental,
        )
        app.state.config = config
        app.state.takes = takes
        app.state.rounds = Rounds()
        app.state.round_parts = {}  # take id -> RoundPart

        async def watch() -> None:
            while True:
                await asyncio.sleep(min(1.0, config.idle_take_s / 4))
                if takes.idle():
                    await run_in_threadpool(takes.leave_idle)

        watcher = asyncio.create_task(watch())
        try:
            yield
        finally:
            watcher.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await watcher
            await run_in_threadpool(takes.leave_all)
            if own_speech and config.speech_dir is not None:
                shutil.rmtree(config.speech_dir, ignore_errors=True)
                config.speech_dir = None

    routes = [
        Route("/", practice),
        Route("/sessions", sessions_list),
        Route("/sessions/{sid}", session_report),
        Route("/sessions/{sid}/audio.wav", session_audio),
        Route("/sessions/{sid}/delete", delete_form, methods=["POST"]),
        Route("/sessions/{sid}/reanalyze", reanalyze_form, methods=["POST"]),
        Route("/compare", compare),
        Route("/progress", progress),
        Route("/upload", upload_form),
        Route("/api/sessions", api_sessions),
        Route("/api/sessions/{sid}", api_delete, methods=["DELETE"]),
        Route("/api/sessions/{sid}/reanalyze", api_reanalyze, methods=["POST"]),
        Route("/api/question", api_question, methods=["POST"]),
        Route("/api/round", api_round, methods=["POST"]),
        Route("/api/rounds/{rid}/finish", api_round_finish, methods=["POST"]),
        Route("/api/speech/{pid}", api_speech),
        Route("/api/takes", api_leftover),
        Route("/api/takes", api_take_start, methods=["POST"]),
        Route("/api/takes/recover", api_recover, methods=["POST"]),
        Route("/api/takes/{tid}/audio", api_take_audio, methods=["POST"]),
        Route("/api/takes/{tid}/stop", api_take_stop, methods=["POST"]),
        Route("/api/upload", api_upload, methods=["POST"]),
        Mount("/static", StaticFiles(directory=STATIC_DIR), name="static"),
    ]
    return Starlette(
        routes=routes,
        middleware=[Middleware(SecurityMiddleware, guard=config.guard)],
        exception_handlers={VoiceloopError: _on_voiceloop_error, HTTPException: _on_http_error},
        lifespan=lifespan,
    )
