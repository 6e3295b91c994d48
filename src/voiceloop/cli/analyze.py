"""`voiceloop analyze`: transcribe and analyze a recording that already exists."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer

from voiceloop.cli.app import (
    BEAM_SIZE,
    SAMPLE_ANSWER,
    SAMPLE_PROMPT_ID,
    BeamOpt,
    DeviceOpt,
    ModelOpt,
    RecordingsOpt,
    app,
    find_prompt,
    progress_printer,
    transcribe_options,
)
from voiceloop.errors import VoiceloopError


@app.command()
def analyze(
    file: Annotated[
        Optional[Path],  # noqa: UP045
        typer.Argument(help="Audio file: wav, flac, mp3, ogg, m4a, ... any rate, mono or stereo."),
    ] = None,
    prompt: Annotated[
        Optional[str],  # noqa: UP045
        typer.Option(
            "--prompt", "-p", help="Id of the question answered (see `voiceloop prompts`)."
        ),
    ] = None,
    sample: Annotated[
        bool, typer.Option("--sample", help="Analyze the sample answer bundled with voiceloop.")
    ] = False,
    json_out: Annotated[
        bool, typer.Option("--json", help="Print the session, analysis and transcript as JSON.")
    ] = False,
    model: ModelOpt = "embedded",
    device: DeviceOpt = "cpu",
    beam_size: BeamOpt = BEAM_SIZE,
    recordings: RecordingsOpt = None,
) -> None:
    """Analyze a recorded answer: transcript, pace, fillers, pauses, STAR split, report.

    Writes recordings/<session-id>/ with audio.wav, transcript.json, analysis.json and
    report.md, and prints a short verdict.
    """
    from voiceloop.render.terminal import render_json, render_terminal
    from voiceloop.sessions.analyze import analyze_file
    from voiceloop.sessions.store import REPORT_NAME, default_recordings_dir

    if sample and file is not None:
        raise VoiceloopError("give either a FILE or --sample, not both")
    if sample:
        file = SAMPLE_ANSWER
        prompt = prompt or SAMPLE_PROMPT_ID
    if file is None:
        raise VoiceloopError("no audio file given: voiceloop analyze FILE (or --sample)")
    chosen = find_prompt(prompt)
    result = analyze_file(
        file,
        prompt=chosen,
        recordings_dir=recordings or default_recordings_dir(),
        transcribe_options=transcribe_options(model, device, beam_size),
        progress=progress_printer("transcribing"),
    )
    if result.same_audio:
        # stderr: --json keeps stdout one JSON document
        earlier = result.same_audio[0]
        more = f" and {len(result.same_audio) - 1} more" if len(result.same_audio) > 1 else ""
        typer.echo(
            f"voiceloop: this recording is already in the history (session {earlier}{more}); "
            "saved again, progress counts it once",
            err=True,
        )
    if json_out:
        typer.echo(render_json(result.meta, result.transcript, result.analysis))
    else:
        typer.echo(render_terminal(result.meta, result.analysis, str(result.folder / REPORT_NAME)))
