"""The Typer app and what every command shares: options, prompt lookup, progress.

Command modules (cli.py, cli_practice.py, cli_sessions.py, cli_eval.py) register their
commands on ``app``. Heavy libraries are imported inside functions so ``--help`` stays instant.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Optional

import typer

if TYPE_CHECKING:
    from voiceloop.models import Prompt
    from voiceloop.transcribe.decode import ProgressFn, TranscribeOptions

SAMPLE_ANSWER = Path(__file__).parent.parent / "samples" / "sample_answer.flac"
SAMPLE_PROMPT_ID = "dive-deep-root-cause"

app = typer.Typer(
    help="voiceloop: a local, offline spoken mock-interview coach. "
    "Everything runs on this computer; nothing is uploaded.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,  # plain help: rich's renderer costs ~70 ms of start-up
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


def transcribe_options(model: str, device: str, beam_size: int) -> TranscribeOptions:
    from voiceloop.transcribe.decode import TranscribeOptions

    compute = "int8" if device == "cpu" else "int8_float16"
    return TranscribeOptions(model=model, device=device, beam_size=beam_size, compute_type=compute)


def find_prompt(prompt_id: str | None) -> Prompt | None:
    if prompt_id is None:
        return None
    from voiceloop.prompts import get_prompt, load_bank

    return get_prompt(load_bank(), prompt_id)


def progress_printer(label: str) -> ProgressFn | None:
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


# Options shared by the commands that record (practice, round).
NoSpeakOpt = Annotated[
    bool, typer.Option("--no-speak", help="Show the question without reading it aloud.")
]
MaxSecondsOpt = Annotated[
    Optional[float],  # noqa: UP045
    typer.Option(
        "--max-seconds",
        min=1.0,
        help="Stop an answer after this long [default: twice the question's target].",
        show_default=False,
    ),
]
SilenceStopOpt = Annotated[
    float,
    typer.Option(
        "--silence-stop",
        min=0.0,
        help="Stop an answer after this many seconds of silence once it has started (0: never).",
    ),
]
InputDeviceOpt = Annotated[
    Optional[str],  # noqa: UP045
    typer.Option(
        "--input-device",
        "--mic",
        help="Microphone: number or part of the name (see `voiceloop devices`).",
    ),
]
OutputDeviceOpt = Annotated[
    Optional[str],  # noqa: UP045
    typer.Option("--output-device", help="Where the question is played."),
]
CountdownOpt = Annotated[
    int,
    typer.Option("--countdown", min=0, max=30, help="Seconds of countdown before recording."),
]
