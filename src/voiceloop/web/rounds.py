"""Mock rounds answered in the browser: the answers gathered until the page finishes the round.

The questions come from ``sessions.round.plan_round`` and each answer is a normal session;
this only keeps, per round, the ``RoundAnswer`` entries and transcripts that
``summarize_round`` and ``write_round`` need, exactly as `voiceloop round` does in its loop.
A round lives in the server's memory: its answers are sessions either way, and a round left
unfinished simply has no round report.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from voiceloop.errors import VoiceloopError
from voiceloop.models import Prompt, Transcript
from voiceloop.sessions.round import (
    RoundAnswer,
    RoundSummary,
    new_round_id,
    outcome_entry,
    summarize_round,
    write_round,
)
from voiceloop.sessions.takes import Outcome


class RoundGone(VoiceloopError):
    """No such round in this server (never started, or already finished)."""


@dataclass
class RoundState:
    round_id: str
    started_at: str
    wanted: list[str]  # the principles asked for
    answers: list[RoundAnswer] = field(default_factory=list)
    transcripts: dict[int, Transcript] = field(default_factory=dict)


class Rounds:
    """The rounds under way in one server."""

    def __init__(self) -> None:
        self._rounds: dict[str, RoundState] = {}
        self._lock = threading.Lock()

    def start(self, wanted: list[str]) -> RoundState:
        now = datetime.now().astimezone()
        state = RoundState(new_round_id(now), now.isoformat(timespec="seconds"), wanted)
        with self._lock:
            self._rounds[state.round_id] = state
        return state

    def add(
        self,
        round_id: str,
        prompt: Prompt,
        outcome: Outcome,
        follow_up_of: str | None = None,
        reason: str = "",
    ) -> None:
        """Note one answer of the round (analyzed or not), in the order spoken."""
        with self._lock:
            state = self._rounds.get(round_id)
            if state is None:
                raise RoundGone(f"no round '{round_id}' is under way")
            position = len(state.answers) + 1
            entry = outcome_entry(
                position, prompt, outcome, follow_up_of=follow_up_of, follow_up_reason=reason
            )
            if outcome.result is not None:
                state.transcripts[position] = outcome.result.transcript
            state.answers.append(entry)

    def finish(self, recordings_dir: Path, round_id: str) -> tuple[RoundSummary, Path]:
        """Write the round report (round.md, round.json) and forget the round."""
        with self._lock:
            state = self._rounds.pop(round_id, None)
        if state is None:
            raise RoundGone(f"no round '{round_id}' is under way")
        if not state.answers:
            raise VoiceloopError("no answer was recorded; no round report written")
        summary = summarize_round(
            state.round_id,
            state.started_at,
            state.answers,
            state.transcripts,
            wanted=state.wanted,
        )
        return summary, write_round(recordings_dir, summary)
