"""The command line: parse options, call the library, render the result.

Heavy libraries (faster-whisper, librosa, sounddevice, numpy) are imported inside the
commands so that ``voiceloop --help`` stays instant.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Optional

import typer

from voiceloop.errors import VoiceloopError

if TYPE_CHECKING:
    from voiceloop.models import Prompt
    from voiceloop.transcribe import ProgressFn, TranscribeOptions

SAMPLE_ANSWER = Path(__file__).parent / "samples" / "sample_answer.flac"
SAMPLE_PROMPT_ID = "dive-deep-root-cause"

app = typer.Typer(
    help="voiceloop: a local, offline spoken mock-interview coach. "
    "Everything runs on this computer; nothing is uploaded.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

ModelOpt = Annotated[
    str,
    typer.Option(
        "--model",
        help="Whisper model: 'embedded' (tiny.en, default, no download), a folder under "
        "models/, a path to a CTranslate2 model folder, or a size name such as base.en "
        "(downloads once; needs the internet).",
    ),
]
RecordingsOpt = Annotated[
    Optional[Path],  # noqa: UP045 - typer needs Optional on Python 3.10
    typer.Option(
        "--recordings",
        help="Folder for sessions [default: $VOICELOOP_RECORDINGS or ./recordings].",
        show_default=False,
    ),
]
DeviceOpt = Annotated[str, typer.Option("--device", help="Where the model runs: cpu or cuda.")]
BeamOpt = Annotated[int, typer.Option("--beam-size", min=1, max=10, help="Decoder beam size.")]


@app.callback()
def _root() -> None:
    """voiceloop: a local, offline spoken mock-interview coach."""


def _transcribe_options(model: str, device: str, beam_size: int) -> TranscribeOptions:
    from voiceloop.transcribe import TranscribeOptions

    compute = "int8" if device == "cpu" else "int8_float16"
    return TranscribeOptions(model=model, device=device, beam_size=beam_size, compute_type=compute)


def _find_prompt(prompt_id: str | None) -> Prompt | None:
    if prompt_id is None:
        return None
    from voiceloop.prompts import get_prompt, load_bank

    return get_prompt(load_bank(), prompt_id)


def _progress_printer(label: str) -> ProgressFn | None:
    """Progress on stderr for long files, only when a person is watching."""
    if not sys.stderr.isatty():
        return None

    def show(done: float, total: float) -> None:
        if total < 30:
            return
        pct = 100 * done / total if total else 100
        end = "\n" if done >= total else ""
        sys.stderr.write(f"\r{label}: {pct:3.0f}% ({done:.0f}/{total:.0f} s of audio){end}")
        sys.stderr.flush()

    return show


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
    beam_size: BeamOpt = 1,
    recordings: RecordingsOpt = None,
) -> None:
    """Analyze a recorded answer: transcript, pace, fillers, pauses, STAR split, report.

    Writes recordings/<session-id>/ with audio.wav, transcript.json, analysis.json and
    report.md, and prints a short verdict.
    """
    from voiceloop.pipeline import analyze_file
    from voiceloop.report import render_json, render_terminal
    from voiceloop.store import REPORT_NAME, default_recordings_dir

    if sample and file is not None:
        raise VoiceloopError("give either a FILE or --sample, not both")
    if sample:
        file = SAMPLE_ANSWER
        prompt = prompt or SAMPLE_PROMPT_ID
    if file is None:
        raise VoiceloopError("no audio file given: voiceloop analyze FILE (or --sample)")
    chosen = _find_prompt(prompt)
    result = analyze_file(
        file,
        prompt=chosen,
        recordings_dir=recordings or default_recordings_dir(),
        transcribe_options=_transcribe_options(model, device, beam_size),
        progress=_progress_printer("transcribing"),
    )
    if json_out:
        typer.echo(render_json(result.meta, result.transcript, result.analysis))
    else:
        typer.echo(render_terminal(result.meta, result.analysis, str(result.folder / REPORT_NAME)))


def main() -> None:
    """Console entry point: user errors become one line on stderr and a non-zero exit."""
    try:
        app()
    except VoiceloopError as err:
        sys.stderr.write(f"voiceloop: error: {err}\n")
        sys.exit(err.exit_code)
    except KeyboardInterrupt:
        sys.stderr.write("voiceloop: interrupted\n")
        sys.exit(130)
    except OSError as err:  # e.g. a full disk outside the places that already explain it
        from voiceloop.fsutil import describe_os_error

        sys.stderr.write(f"voiceloop: error: {describe_os_error(err, 'files')}\n")
        sys.exit(1)
    except MemoryError:
        sys.stderr.write("voiceloop: error: out of memory\n")
        sys.exit(1)
