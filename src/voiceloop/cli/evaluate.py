"""`voiceloop eval DATASET_DIR`: accuracy of the whole pipeline against labelled clips."""

from __future__ import annotations

import sys
import time
from enum import Enum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Optional

import typer

from voiceloop.cli.app import BEAM_SIZE, BeamOpt, DeviceOpt, ModelOpt, app, transcribe_options
from voiceloop.errors import VoiceloopError

if TYPE_CHECKING:
    from voiceloop.evaluation.scoring import AcousticDetector


class AcousticDetectorName(str, Enum):
    rules = "rules"
    learned = "learned"


@app.command("eval")
def eval_dataset(
    dataset: Annotated[
        Path,
        typer.Argument(
            help="Folder of audio files, each with a JSON sidecar of ground truth beside it "
            "(clip.wav + clip.json; searched recursively)."
        ),
    ],
    json_out: Annotated[
        Optional[str],  # noqa: UP045 - typer needs Optional on Python 3.10
        typer.Option(
            "--json",
            metavar="FILE|-",
            help="Also write every figure as JSON to FILE, or to stdout with '-' "
            "(then no table is printed).",
        ),
    ] = None,
    model: ModelOpt = "embedded",
    device: DeviceOpt = "cpu",
    beam_size: BeamOpt = BEAM_SIZE,
    limit: Annotated[
        Optional[int],  # noqa: UP045
        typer.Option("--limit", min=1, help="Evaluate only the first N clips (sorted by name)."),
    ] = None,
    filler_tolerance: Annotated[
        float,
        typer.Option(
            "--filler-tolerance",
            min=0.0,
            metavar="S",
            help="Seconds a detected filler may lie from the reference one and still match.",
        ),
    ] = 0.5,
    acoustic: Annotated[
        bool,
        typer.Option(
            "--acoustic-fillers/--no-acoustic-fillers",
            help="Add filled pauses heard in the audio but missing from the transcript.",
        ),
    ] = False,
    acoustic_detector: Annotated[
        AcousticDetectorName,
        typer.Option(
            "--acoustic-detector",
            help="With --acoustic-fillers: the rule detector, or the learned decision "
            "(docs/accuracy.md, 'Acoustic filled-pause detector').",
        ),
    ] = AcousticDetectorName.rules,
) -> None:
    """Run audio -> transcript -> analysis on every clip of a labelled folder and print how
    far each figure is from the truth: WER, words per minute, pauses, fillers
    (precision/recall/F1), STAR labels and shares, missing and quantified Result, speed and
    memory. Figures a sidecar has no truth for are skipped (shown as '-'). With two or more
    groups (the sidecars' answer_style, else speech_style, else variant) the figures are
    also given per group.
    """
    from voiceloop.evaluation.memory import memory_method
    from voiceloop.evaluation.scoring import (
        EvalOptions,
        EvalReport,
        evaluate_clips,
        summarize,
        summarize_groups,
    )
    from voiceloop.evaluation.sidecars import load_dataset
    from voiceloop.evaluation.tables import render_table
    from voiceloop.transcribe.decode import load_model, transcribe

    clips = load_dataset(dataset)[:limit]
    options = transcribe_options(model, device, beam_size)
    start = time.perf_counter()
    _, resolved = load_model(options)
    load_s = time.perf_counter() - start

    def transcriber(samples):  # type: ignore[no-untyped-def]
        return transcribe(samples, options)

    detector: AcousticDetector | None = None
    if acoustic and acoustic_detector is AcousticDetectorName.learned:
        from voiceloop.analysis.filled_pauses import detect_filled_pauses

        detector = detect_filled_pauses
    elif acoustic:
        from voiceloop.analysis.acoustic_fillers import detect_acoustic_fillers

        detector = detect_acoustic_fillers

    def progress(k: int, n: int, name: str) -> None:
        if sys.stderr.isatty():
            sys.stderr.write(f"\r[{k + 1}/{n}] {name[:60]:<60}")
            sys.stderr.flush()
            if k + 1 == n:
                sys.stderr.write("\n")

    results = evaluate_clips(
        clips, transcriber, EvalOptions(filler_tolerance_s=filler_tolerance), detector, progress
    )
    report = EvalReport(
        dataset=str(dataset),
        model=resolved.label,
        decoding=options.describe(),
        filler_tolerance_s=filler_tolerance,
        acoustic_fillers=acoustic,
        memory_method=memory_method(),
        clips=results,
        overall=summarize(results, model_load_s=load_s),
        groups=summarize_groups(results),
    )
    text = report.model_dump_json(indent=2)
    if json_out == "-":
        typer.echo(text)
        return
    typer.echo(render_table(report))
    if json_out is not None:
        try:
            Path(json_out).write_text(text + "\n", encoding="utf-8")
        except OSError as err:
            raise VoiceloopError(f"cannot write {json_out}: {err.strerror}") from err
