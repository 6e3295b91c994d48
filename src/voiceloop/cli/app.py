"""The Typer app and what every command shares: options, prompt lookup, progress, and the
terminal side of asking a question and settling its answer.

The command modules (analyze, practice, round, sessions, evaluate) register their commands on
``app`` and import helpers only from here, never from each other. Heavy libraries are
imported inside functions so ``--help`` stays instant.
"""

from __future__ import annotations

import os
import signal
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Optional

import typer

from voiceloop import transcribe
from voiceloop.clock import clock

if TYPE_CHECKING:
    from voiceloop.capture.recorder import Recording
    from voiceloop.capture.speak import Speaker
    from voiceloop.models import Prompt, Transcript
    from voiceloop.sessions.takes import Outcome
    from voiceloop.transcribe.decode import ProgressFn, TranscribeOptions
    from voiceloop.transcribe.incremental import IncrementalTranscriber

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
        "models/, a path to a CTranslate2 model folder, 'base' (from its registry packages, "
        "offline), or a size name such as base.en (downloads once; needs the internet).",
    ),
]
RecordingsOpt = Annotated[
    Optional[Path],  # noqa: UP045 - typer needs Optional on Python 3.10
    typer.Option(
        "--recordings",
        help="Folder for sessions [default: $VOICELOOP_RECORDINGS, else recordings/ of the "
        "voiceloop source checkout it runs from, else recordings/ in your user data folder].",
        show_default=False,
    ),
]
DeviceOpt = Annotated[str, typer.Option("--device", help="Where the model runs: cpu or cuda.")]
BeamOpt = Annotated[int, typer.Option("--beam-size", min=1, max=10, help="Decoder beam size.")]
BEAM_SIZE = transcribe.BEAM_SIZE  # every command's --beam-size default


def _show_version(value: bool) -> None:
    if value:
        from voiceloop import __version__

        typer.echo(f"voiceloop {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: Annotated[
        bool,
        typer.Option(
            "--version",
            callback=_show_version,
            is_eager=True,
            help="Show the version and exit.",
        ),
    ] = False,
) -> None:
    """voiceloop: a local, offline spoken mock-interview coach."""


def transcribe_options(model: str, device: str, beam_size: int) -> TranscribeOptions:
    from voiceloop.transcribe.decode import options_for

    return options_for(model, device, beam_size)


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
NoSpeechStopOpt = Annotated[
    float,
    typer.Option(
        "--no-speech-stop",
        min=0.0,
        help="Stop an answer nobody has started after this many seconds (0: wait until "
        "--max-seconds).",
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


# --- the terminal side of one answer (practice and round) ---------------------------------


def echo(text: str = "") -> None:
    typer.echo(text)


def note(text: str) -> None:
    """Status lines go to stderr so stdout carries only questions, verdicts and data."""
    sys.stderr.write(text + "\n")
    sys.stderr.flush()


def offer_import(history: Path) -> None:
    """One stderr line when ./recordings holds sessions the history in ``history`` lacks.

    Before one history per user, sessions went to ./recordings of whatever folder a command
    ran in; this finds them. Only a courtesy: a failure to look is silent.
    """
    import sqlite3

    from voiceloop.errors import VoiceloopError
    from voiceloop.sessions.location import stray_sessions

    try:
        stray = stray_sessions(history)
    except (VoiceloopError, OSError, sqlite3.Error):
        return
    if stray is not None:
        plural = "s are" if stray.count != 1 else " is"
        note(
            f"voiceloop: {stray.count} session{plural} in ./{stray.folder} but not in this "
            f"history ({history.resolve()}): `voiceloop import ./{stray.folder}` copies them in"
        )


def show_question(prompt: Prompt, to_stderr: bool = False) -> None:
    """The question and its target; on stderr when stdout carries JSON."""
    out = note if to_stderr else echo
    low, high = prompt.target_seconds
    tags = [prompt.id, prompt.kind]
    if prompt.principles:
        tags.append(", ".join(prompt.principles))
    tags.append(f"aim for {clock(low)}-{clock(high)}")
    out("")
    out(f"Question ({'; '.join(tags)}):")
    out(f"  {prompt.text}")
    out("")


def countdown(seconds: int, speaker: Speaker) -> None:
    if seconds > 0:
        for left in range(seconds, 0, -1):
            sys.stderr.write(f"\rStarting in {left}... ")
            sys.stderr.flush()
            time.sleep(1)
        sys.stderr.write("\r" + " " * 20 + "\r")
    speaker.beep()


def recording_note(mic: str, silence_stop: float, no_speech_stop: float, limit: float) -> None:
    """How the take about to start stops."""
    note(
        f"Recording from {mic}: press Enter to stop"
        + (f" (or stay silent {silence_stop:.0f} s)" if silence_stop else "")
        + (f"; stops after {no_speech_stop:.0f} s if you say nothing" if no_speech_stop else "")
        + f"; limit {clock(limit)}."
    )


def coach_line(worker: IncrementalTranscriber) -> Callable[[], str]:
    """The live coach's part of the recorder's line, from the words transcribed so far.

    Worked out again only when the transcriber has committed more (every few seconds);
    between, the last text is returned at once, so the recorder's loop never waits.
    """
    from voiceloop.analysis.coach import live_coach
    from voiceloop.options import AnalysisOptions

    options = AnalysisOptions()
    seen: tuple[int, float] = (-1, -1.0)
    shown = ""

    def text() -> str:
        nonlocal seen, shown
        words = worker.words_so_far()
        key = (len(words), worker.committed_s)
        if key != seen:
            seen, shown = key, live_coach(words, worker.committed_s, options).text()
        return shown

    return text


def preload_model(options: TranscribeOptions) -> threading.Thread:
    """Load the model (and the analysis code, the STAR model and its sentence encoder) while
    the user speaks, not after."""
    from voiceloop.transcribe.decode import preload_model as preload

    return preload(options, "voiceloop.sessions.analyze", then=_warm_star)


def _warm_star() -> None:
    from voiceloop.analysis.star import warm_up  # on the preload thread, not before recording

    warm_up()


def report_recording(rec: Recording) -> None:
    from voiceloop.capture.recorder import WARNING_TEXT

    note(f"Recorded {rec.seconds:.1f} s from {rec.device.name}: {rec.reason_text}.")
    for kind in rec.warnings:
        note(f"warning: {WARNING_TEXT.get(kind, kind)}")
    if rec.overflows:
        note(f"warning: the input overflowed {rec.overflows} times; a few frames may be missing")


def finish_incremental(worker: IncrementalTranscriber | None, rec: Recording) -> Transcript | None:
    """The transcript made while recording, or None (then the whole take is transcribed)."""
    if worker is None:
        return None
    transcript = worker.finish(duration=rec.seconds)
    if transcript is None:
        note(f"Background transcription failed ({worker.error}); transcribing the whole answer.")
    return transcript


def settle(
    recordings_dir: Path,
    rec: Recording,
    options: TranscribeOptions,
    preload: threading.Thread,
    worker: IncrementalTranscriber | None = None,
) -> Outcome:
    """Analyze the take; a second Ctrl-C saves it unanalyzed and ends the command.

    With ``worker`` (transcription during recording) only the tail since its last cut is
    transcribed now; if it failed, the whole take is transcribed as without it.

    Libraries can turn a KeyboardInterrupt into an error of their own (an interrupted
    import becomes a RuntimeError), so the press itself is noted by a signal handler.
    """
    from voiceloop.capture.recorder import sigint_deferred
    from voiceloop.capture.takes import read_take
    from voiceloop.sessions.takes import settle_take, write_unanalyzed

    pressed = [rec.second_interrupt]

    def on_sigint(_signum: int, _frame: object) -> None:
        pressed[0] = True
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGINT, on_sigint)
    try:
        report_recording(rec)
        if pressed[0]:
            raise KeyboardInterrupt
        note("Transcribing and analyzing...")
        preload.join()
        transcript = finish_incremental(worker, rec)
        return settle_take(recordings_dir, rec.take, options, transcript)
    except BaseException:
        if worker is not None:
            worker.abandon()
        if not pressed[0]:
            raise
        if not rec.take.wav.exists():  # analyzed just before the press: nothing to save
            raise typer.Exit(130) from None
        with sigint_deferred():
            folder = write_unanalyzed(recordings_dir, rec.take, read_take(rec.take))
        note(f"Saved without analysis: {folder}")
        note("`voiceloop recover --unanalyzed` analyzes it later.")
        if worker is not None:
            # The interpreter's shutdown can crash (SIGSEGV in native code) after a decode on
            # the background thread was interrupted this way; everything is saved: leave now.
            sys.stdout.flush()
            sys.stderr.flush()
            os._exit(130)
        raise typer.Exit(130) from None
    finally:
        signal.signal(signal.SIGINT, previous)


def ask_next(prompt: Prompt, follow_ups_done: int) -> str:
    """'f' (follow-up), 'n' (next question) or 'q'; only asked on a terminal."""
    if not sys.stdin.isatty():
        return "q"
    from voiceloop.capture.recorder import EnterKey

    EnterKey().discard_typeahead()  # an Enter pressed as the take stopped is no answer
    choices = []
    if follow_ups_done < len(prompt.follow_ups):
        echo(f'Follow-up: "{prompt.follow_ups[follow_ups_done]}"')
        choices.append("[f] answer the follow-up")
    choices += ["[n] another question", "[q] quit"]
    while True:
        try:
            answer = input("  ".join(choices) + ": ").strip().lower()[:1]
        except EOFError:
            return "q"
        if answer in ("n", "q") or (answer == "f" and "[f]" in choices[0]):
            return answer  # anything else (a stray Enter included) asks again
