"""`voiceloop round`: a mock interview round, several questions one after another.

Each answer is recorded and analyzed into a normal session; after an answer that left out
what the question's follow-up probes, the follow-up is asked. At the end a round report
(round.md and round.json) goes to recordings/rounds/<round-id>/. Heavy modules are imported
inside the command so that ``voiceloop --help`` stays instant.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Annotated, Optional

import typer

from voiceloop.cli.app import (
    BEAM_SIZE,
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
    coach_line,
    countdown,
    note,
    preload_model,
    recording_note,
    settle,
    show_question,
    transcribe_options,
)
from voiceloop.clock import clock
from voiceloop.errors import VoiceloopError

if TYPE_CHECKING:
    from voiceloop.models import Analysis, Prompt, Transcript
    from voiceloop.sessions.round import RoundAnswer


@app.command("round")
def round_command(
    questions: Annotated[
        int, typer.Option("--questions", "-n", min=1, max=10, help="How many questions.")
    ] = 3,
    lp: Annotated[
        Optional[list[str]],  # noqa: UP045 - typer needs Optional on Python 3.10
        typer.Option(
            "--lp",
            metavar="PRINCIPLE",
            help="A principle the round must cover (part of its name); repeatable.",
        ),
    ] = None,
    question_set: Annotated[
        Optional[str],  # noqa: UP045
        typer.Option(
            "--set",
            help="Questions from one prompts file (its name without .toml, e.g. general) "
            "or of one kind (star, deep_dive, intro, project) [default: star and deep_dive].",
            show_default=False,
        ),
    ] = None,
    budget: Annotated[
        Optional[float],  # noqa: UP045
        typer.Option(
            "--budget",
            min=1.0,
            help="Time budget in minutes: questions (and follow-ups) that would overrun it "
            "are left out.",
            show_default=False,
        ),
    ] = None,
    no_speak: NoSpeakOpt = False,
    max_seconds: MaxSecondsOpt = None,
    silence_stop: SilenceStopOpt = 8.0,
    no_speech_stop: NoSpeechStopOpt = 15.0,
    input_device: InputDeviceOpt = None,
    output_device: OutputDeviceOpt = None,
    countdown_s: CountdownOpt = 3,
    model: ModelOpt = "embedded",
    device: DeviceOpt = "cpu",
    beam_size: BeamOpt = BEAM_SIZE,
    recordings: RecordingsOpt = None,
) -> None:
    """Rehearse a whole interview round: several questions, follow-ups, one round report.

    Picks --questions questions covering the --lp principles (then the ones you have
    practised least) within --budget minutes, and asks them one after another. After an
    answer that left out what the question's follow-up probes (a must-include item not
    heard, no result, no reflection), the follow-up is asked. Each answer becomes a normal
    session; the round report (verdicts side by side, principles covered and missed,
    speaking time, the weakest habit across answers, stories reused) is written to
    recordings/rounds/<round-id>/round.md and round.json.

    Needs a microphone: a round cannot be faked with the bundled sample.
    """
    from voiceloop.capture.devices import NoInputDevice, NoPortAudio, pick_input
    from voiceloop.capture.recorder import EnterKey, LiveDisplay, RecordOptions, record
    from voiceloop.capture.speak import Speaker
    from voiceloop.capture.takes import leftover_takes
    from voiceloop.prompts import follow_up_prompt, load_bank
    from voiceloop.render.round import render_round_terminal
    from voiceloop.sessions.index import practice_counts
    from voiceloop.sessions.round import (
        FOLLOW_UP_SECONDS,
        ROUND_MD,
        choose_follow_up,
        new_round_id,
        outcome_entry,
        plan_round,
        resolve_principles,
        select_set,
        summarize_round,
        write_round,
    )
    from voiceloop.sessions.store import default_recordings_dir, ensure_writable
    from voiceloop.sessions.takes import recover_takes
    from voiceloop.transcribe.incremental import IncrementalTranscriber

    recordings_dir = recordings or default_recordings_dir()
    wanted = resolve_principles(lp or [])
    candidates = select_set(load_bank(), question_set)
    budget_s = budget * 60 if budget is not None else None
    plan = plan_round(candidates, questions, wanted, budget_s, practice_counts(recordings_dir))

    try:
        mic = pick_input(input_device)
    except (NoPortAudio, NoInputDevice) as err:
        raise VoiceloopError(
            f"cannot record: {err}; a round needs a microphone and cannot be faked with "
            "the bundled sample (see `voiceloop doctor`)"
        ) from err

    ensure_writable(recordings_dir)
    options = transcribe_options(model, device, beam_size)
    if leftover_takes(recordings_dir):
        note("Recovering answers left by an earlier run that did not finish:")
        recover_takes(recordings_dir, options, note)

    notes: list[str] = []
    if plan.unreachable:
        notes.append("no question in the set targets " + ", ".join(plan.unreachable))
    if plan.note:
        notes.append(plan.note)
    for line in notes:
        note(f"Note: {line}.")
    note(
        f"Round of {len(plan.prompts)} question{'s' if len(plan.prompts) != 1 else ''}, "
        f"about {clock(plan.planned_seconds)} of answers"
        + (f" (budget {clock(budget_s)})" if budget_s is not None else "")
        + "."
    )

    started = datetime.now().astimezone()
    round_id = new_round_id(started)
    preload = preload_model(options)
    speaker = Speaker(not no_speak, output_device, note)
    enter = EnterKey()
    answers: list[RoundAnswer] = []
    transcripts: dict[int, Transcript] = {}
    analyses: dict[int, Analysis] = {}
    spent_s = 0.0  # answer time so far, for the budget
    stopped_early = ""

    def ask(prompt: Prompt, heading: str, parent: Prompt | None, reason: str) -> bool:
        """Ask one question and record its answer; False when the round must end."""
        nonlocal spent_s, stopped_early
        note(heading)
        show_question(prompt)
        speaker.say(prompt.text)
        countdown(countdown_s, speaker)
        limit = max_seconds or max(2 * prompt.target_seconds[1], 120.0)
        recording_note(mic.name, silence_stop, no_speech_stop, limit)
        # transcribed while it is spoken, so the next question need not wait for it
        worker = IncrementalTranscriber(options, ready=preload)
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
            on_block=worker.feed,
            coach=coach_line(worker),
        )
        outcome = settle(recordings_dir, rec, options, preload, worker)
        position = len(answers) + 1
        parent_id = parent.id if parent is not None else None
        answers.append(
            outcome_entry(
                position, prompt, outcome, follow_up_of=parent_id, follow_up_reason=reason
            )
        )
        if outcome.result is not None:
            result = outcome.result
            transcripts[position] = result.transcript
            analyses[position] = result.analysis
            spent_s += result.analysis.pacing.duration_s
            typer.echo(f"  -> {result.analysis.verdict.headline}")
        else:
            note(f"Not analyzed: {outcome.message}")
        if rec.reason in ("interrupt", "device", "disk"):
            stopped_early = f"the round ended early: {rec.reason_text}"
            return False
        return True

    total = len(plan.prompts)
    for number, prompt in enumerate(plan.prompts, start=1):
        if budget_s is not None and number > 1 and spent_s + prompt.target_seconds[0] > budget_s:
            stopped_early = f"the time budget ran out before question {number}"
            break
        if not ask(prompt, f"--- Question {number} of {total} ---", None, ""):
            break
        analysis_done = answers[-1].status == "analyzed"
        if not analysis_done or not prompt.follow_ups:
            continue
        decision = choose_follow_up(prompt, analyses[answers[-1].position])
        if not decision.ask or decision.index is None:
            note(f"No follow-up: {decision.reason}.")
            continue
        if budget_s is not None and spent_s + FOLLOW_UP_SECONDS > budget_s:
            note("No follow-up: the time budget is nearly spent.")
            continue
        note(f"Follow-up, because: {decision.reason}.")
        follow = follow_up_prompt(prompt, decision.index)
        if not ask(follow, f"--- Follow-up to question {number} ---", prompt, decision.reason):
            break

    if stopped_early:
        notes.append(stopped_early)
        note(f"Note: {stopped_early}.")
    if not answers:
        raise VoiceloopError("no answer was recorded; no round report written")
    summary = summarize_round(
        round_id,
        started.isoformat(timespec="seconds"),
        answers,
        transcripts,
        wanted=plan.wanted,
        notes=notes,
    )
    folder = write_round(recordings_dir, summary)
    typer.echo()
    typer.echo(render_round_terminal(summary, str(folder / ROUND_MD)))
