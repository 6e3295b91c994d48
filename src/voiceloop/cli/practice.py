"""`voiceloop practice` and the microphone commands: prompts, devices, doctor, recover.

Heavy modules (recorder, numpy, sounddevice, faster-whisper) are imported inside the
commands so that ``voiceloop --help`` stays instant.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Optional

import typer

from voiceloop.cli.app import (
    BEAM_SIZE,
    SAMPLE_ANSWER,
    SAMPLE_PROMPT_ID,
    BeamOpt,
    CountdownOpt,
    DeviceOpt,
    InputDeviceOpt,
    MaxSecondsOpt,
    ModelOpt,
    NoSpeakOpt,
    NoSpeechStopOpt,
    OutputDeviceOpt,
    RecordingsOpt,
    SilenceStopOpt,
    app,
    ask_next,
    coach_line,
    countdown,
    echo,
    find_prompt,
    note,
    offer_import,
    preload_model,
    progress_printer,
    recording_note,
    settle,
    show_question,
    transcribe_options,
)
from voiceloop.clock import clock
from voiceloop.errors import VoiceloopError

if TYPE_CHECKING:
    from voiceloop.transcribe.decode import TranscribeOptions

LpOpt = Annotated[
    Optional[str],  # noqa: UP045 - typer needs Optional on Python 3.10
    typer.Option("--lp", help="Leadership principle, or part of its name (e.g. 'dive deep')."),
]
KindOpt = Annotated[
    Optional[str],  # noqa: UP045
    typer.Option("--kind", help="Question kind: intro, star, project or deep_dive."),
]


def sample_fallback(
    reason: str, recordings_dir: Path, options: TranscribeOptions, json_out: bool
) -> None:
    """No microphone: analyze the bundled sample answer so the command still shows its work."""
    from voiceloop.render.terminal import render_json, render_terminal
    from voiceloop.sessions.analyze import analyze_file
    from voiceloop.sessions.store import REPORT_NAME

    note(f"Cannot record: {reason}. Analyzing the bundled sample answer instead.")
    prompt = find_prompt(SAMPLE_PROMPT_ID)
    if prompt is not None:
        show_question(prompt, to_stderr=json_out)
    result = analyze_file(
        SAMPLE_ANSWER,
        prompt=prompt,
        recordings_dir=recordings_dir,
        transcribe_options=options,
        progress=progress_printer("transcribing"),
    )
    if json_out:
        echo(render_json(result.meta, result.transcript, result.analysis))
    else:
        echo(render_terminal(result.meta, result.analysis, str(result.folder / REPORT_NAME)))


# --- commands ------------------------------------------------------------------------------


@app.command()
def practice(
    prompt_id: Annotated[
        Optional[str],  # noqa: UP045
        typer.Argument(
            help="Id of the question (see `voiceloop prompts`); default: one you "
            "have practised least."
        ),
    ] = None,
    lp: LpOpt = None,
    kind: KindOpt = None,
    no_speak: NoSpeakOpt = False,
    max_seconds: MaxSecondsOpt = None,
    silence_stop: SilenceStopOpt = 8.0,
    no_speech_stop: NoSpeechStopOpt = 15.0,
    input_device: InputDeviceOpt = None,
    output_device: OutputDeviceOpt = None,
    countdown_s: CountdownOpt = 3,
    json_out: Annotated[
        bool, typer.Option("--json", help="Print each session as JSON instead of the verdict.")
    ] = False,
    no_incremental: Annotated[
        bool,
        typer.Option(
            "--no-incremental",
            help="Transcribe only after you stop, in one pass, instead of while you speak.",
        ),
    ] = False,
    model: ModelOpt = "embedded",
    device: DeviceOpt = "cpu",
    beam_size: BeamOpt = BEAM_SIZE,
    recordings: RecordingsOpt = None,
) -> None:
    """Answer an interview question out loud and get a verdict.

    Picks a question (by id, --lp, --kind, or the one you have practised least), reads it
    aloud, counts down, then records from the microphone with a live level meter. Press
    Enter to stop (or stay silent for --silence-stop seconds, or reach --max-seconds).
    Ctrl-C also stops and keeps the answer; a second Ctrl-C saves it without analysis.
    The answer is written to disk as it is recorded, so a crash loses at most about a
    second: `voiceloop recover` (or the next practice) turns it into a session.

    The answer is transcribed while you speak (so the verdict comes about two seconds
    after you stop); --no-incremental transcribes it in one pass after you stop.

    With no microphone at all, analyzes the bundled sample answer instead.
    """
    from voiceloop.capture.devices import NoInputDevice, NoPortAudio, pick_input
    from voiceloop.capture.recorder import EnterKey, LiveDisplay, RecordOptions, record
    from voiceloop.capture.speak import Speaker
    from voiceloop.capture.takes import leftover_takes
    from voiceloop.prompts import follow_up_prompt
    from voiceloop.render.terminal import render_json, render_terminal
    from voiceloop.sessions.round import pick_prompt
    from voiceloop.sessions.store import REPORT_NAME, default_recordings_dir, ensure_writable
    from voiceloop.sessions.takes import recover_takes
    from voiceloop.transcribe.incremental import IncrementalTranscriber

    recordings_dir = recordings or default_recordings_dir()
    offer_import(recordings_dir)  # before ensure_writable creates a new, empty history
    ensure_writable(recordings_dir)
    options = transcribe_options(model, device, beam_size)

    if leftover_takes(recordings_dir):
        note("Recovering answers left by an earlier run that did not finish:")
        recover_takes(recordings_dir, options, note)

    try:
        mic = pick_input(input_device)
    except (NoPortAudio, NoInputDevice) as err:
        if input_device is not None and not isinstance(err, NoPortAudio):
            raise
        sample_fallback(str(err), recordings_dir, options, json_out)
        return

    prompt = pick_prompt(prompt_id, lp, kind, recordings_dir)
    preload = preload_model(options)
    speaker = Speaker(not no_speak, output_device, note)
    enter = EnterKey()
    parent, follow_ups_done = prompt, 0
    while True:
        show_question(prompt, to_stderr=json_out)
        speaker.say(prompt.text)
        countdown(countdown_s, speaker)
        limit = max_seconds or max(2 * prompt.target_seconds[1], 120.0)
        recording_note(mic.name, silence_stop, no_speech_stop, limit)
        worker = None if no_incremental else IncrementalTranscriber(options, ready=preload)
        rec = record(
            recordings_dir,
            RecordOptions(
                device=str(mic.index),
                max_seconds=limit,
                silence_stop_s=silence_stop or None,
                no_speech_stop_s=no_speech_stop or None,
                target_seconds=prompt.target_seconds,
            ),
            prompt=prompt,
            display=LiveDisplay(),
            enter=enter,
            on_block=worker.feed if worker is not None else None,
            coach=coach_line(worker) if worker is not None else None,
        )
        outcome = settle(recordings_dir, rec, options, preload, worker)
        if outcome.result is not None:
            result = outcome.result
            if json_out:
                echo(render_json(result.meta, result.transcript, result.analysis))
            else:
                echo()
                echo(
                    render_terminal(result.meta, result.analysis, str(result.folder / REPORT_NAME))
                )
        else:
            note(f"Not analyzed: {outcome.message}")
            if outcome.kind == "kept":
                raise typer.Exit(1)
        if rec.reason in ("interrupt", "device", "disk"):
            from voiceloop.capture.recorder import HUNG_STREAMS

            if HUNG_STREAMS:  # PortAudio would wait for the hung device at exit: do not
                sys.stdout.flush()
                sys.stderr.flush()
                os._exit(0)
            return
        choice = ask_next(parent, follow_ups_done)
        if choice == "f":
            prompt = follow_up_prompt(parent, follow_ups_done)
            follow_ups_done += 1
        elif choice == "n":
            prompt = pick_prompt(None, lp, kind, recordings_dir)
            parent, follow_ups_done = prompt, 0
        else:
            return


@app.command("prompts")
def prompts_command(
    lp: LpOpt = None,
    kind: KindOpt = None,
    search: Annotated[
        Optional[str],  # noqa: UP045
        typer.Option("--search", "-s", help="Words that must appear in the question."),
    ] = None,
    ids: Annotated[bool, typer.Option("--ids", help="Print only the ids.")] = False,
    json_out: Annotated[bool, typer.Option("--json", help="Print the prompts as JSON.")] = False,
    recordings: RecordingsOpt = None,
) -> None:
    """List the interview questions, optionally filtered by principle, kind or words.

    Add your own questions in a folder of .toml files named by $VOICELOOP_PROMPTS_DIR
    (format: prompts/README.md).
    """
    from voiceloop.prompts import filter_prompts, load_bank, match_principles
    from voiceloop.sessions.index import practice_counts
    from voiceloop.sessions.store import default_recordings_dir

    found = filter_prompts(load_bank(), principle=lp, kind=kind, text=search)
    if json_out:
        echo(json.dumps([p.model_dump(mode="json") for p in found], indent=2))
        return
    if not found:
        hint = ""
        if lp and not match_principles(lp):
            hint = f" ('{lp}' is not part of any leadership principle name)"
        raise VoiceloopError(f"no prompt matches{hint}")
    if ids:
        for p in found:
            echo(p.id)
        return
    counts = practice_counts(recordings or default_recordings_dir())
    for p in found:
        low, high = p.target_seconds
        done = counts.get(p.id, 0)
        echo(
            f"{p.id}  [{p.kind}, {clock(low)}-{clock(high)}"
            + (f", practised {done}x" if done else "")
            + "]"
        )
        echo(f"    {p.text}")
        if p.principles:
            echo(f"    principles: {', '.join(p.principles)}")
    echo(f"{len(found)} prompt{'s' if len(found) != 1 else ''}")


@app.command()
def devices() -> None:
    """List the audio devices (microphones and outputs) PortAudio can see."""
    from voiceloop.capture.devices import format_devices, list_devices

    echo(format_devices(list_devices()))


@app.command()
def doctor(
    model: ModelOpt = "embedded",
    recordings: RecordingsOpt = None,
) -> None:
    """Check what practice needs (PortAudio, microphone, speaker, TTS, model, folder)."""
    from voiceloop.doctor import run_checks

    results = run_checks(model, recordings)
    for check in results:
        echo(check.line())
    failed = [c for c in results if c.status == "FAIL"]
    if failed:
        echo(f"{len(failed)} problem{'s' if len(failed) != 1 else ''} found; the fixes are above.")
        raise typer.Exit(1)
    warned = [c for c in results if c.status == "warn"]
    if warned:
        echo(f"Passed with {len(warned)} warning{'s' if len(warned) != 1 else ''}; see above.")
    else:
        echo("All checks passed.")


@app.command()
def recover(
    unanalyzed: Annotated[
        bool,
        typer.Option("--unanalyzed", help="Also analyze sessions saved without analysis."),
    ] = False,
    model: ModelOpt = "embedded",
    device: DeviceOpt = "cpu",
    beam_size: BeamOpt = BEAM_SIZE,
    recordings: RecordingsOpt = None,
) -> None:
    """Turn answers left behind by a crash, kill or power cut into sessions.

    Each unfinished take in recordings/.takes/ is analyzed into a session (or, when it
    holds no usable speech, saved unanalyzed). Takes still being recorded are left alone.
    """
    from voiceloop.sessions.index import record_quietly
    from voiceloop.sessions.reanalyze import reanalyze_folder
    from voiceloop.sessions.store import default_recordings_dir
    from voiceloop.sessions.takes import recover_takes, unanalyzed_sessions

    recordings_dir = recordings or default_recordings_dir()
    options = transcribe_options(model, device, beam_size)
    outcomes = recover_takes(recordings_dir, options, echo)
    pending = list(unanalyzed_sessions(recordings_dir))
    done = 0
    if unanalyzed:
        for folder, _meta in pending:
            try:
                reanalyze_folder(folder, retranscribe=options)
            except VoiceloopError as err:
                echo(f"  {folder.name}: {err}; left unanalyzed")
                continue
            record_quietly(folder)
            echo(f"  {folder.name}: analyzed")
            done += 1
    recovered = sum(1 for o in outcomes if o.kind in ("analyzed", "unanalyzed"))
    kept = sum(1 for o in outcomes if o.kind == "kept")
    if not outcomes and not done:
        echo("Nothing to recover.")
    else:
        echo(
            f"Recovered {recovered} take{'s' if recovered != 1 else ''}"
            + (f", analyzed {done} saved session{'s' if done != 1 else ''}" if done else "")
            + "."
        )
    if pending and not unanalyzed:
        echo(
            f"{len(pending)} session{'s' if len(pending) != 1 else ''} saved without analysis: "
            "`voiceloop recover --unanalyzed` analyzes them."
        )
    if kept:  # a take that could not be turned into a session waits for the next try
        raise typer.Exit(1)
