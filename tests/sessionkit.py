"""Build real session folders without a microphone or a model: for index, CLI and report tests.

A session is made from a hand-written STAR answer laid on a word timeline, run through the
real analyzers, and written with ``store.write_session`` exactly as the pipeline writes it.
"""

from __future__ import annotations

import os
import subprocess
import sys
import zlib
from datetime import datetime, timedelta
from pathlib import Path

import numpy as np

from voiceloop.analysis.combined import analyze
from voiceloop.models import Analysis, Prompt, Sentence, SessionMeta, Transcript, Word
from voiceloop.render.markdown import render_markdown
from voiceloop.sessions.store import SessionFiles, new_session_id, write_session

SITUATION = "Last spring I was the data scientist on our search team and the click rate fell."
TASK = "My task was to find out why before the quarterly review."
ACTIONS = [
    "First I split the drop by country and by device.",
    "I found that it came from one app version.",
    "Then I rebuilt the ranking features myself.",
    "I ran an experiment against the old model for two weeks.",
    "I wrote a dashboard so the team could watch the metric every day.",
    "I reviewed the logging code with the app engineers.",
]
RESULT_QUANTIFIED = (
    "As a result the click rate went from four percent to five percent in two weeks."
)
RESULT_VAGUE = "As a result the click rate recovered and the team was happy."
REFLECTION = "Looking back I learned to check the logs before the model."
BASE = datetime(2026, 1, 5, 19, 0, 0).astimezone()


def answer_text(actions: int = 4, fillers: int = 2, quantified: bool = True) -> str:
    """A STAR answer with ``actions`` Action sentences and ``fillers`` "um"s sprinkled in."""
    sentences = [SITUATION, TASK, *ACTIONS[:actions]]
    sentences.append(RESULT_QUANTIFIED if quantified else RESULT_VAGUE)
    sentences.append(REFLECTION)
    words = " ".join(sentences).split()
    if fillers:
        step = max(1, len(words) // (fillers + 1))
        for k in range(fillers, 0, -1):
            words.insert(k * step, "um,")
    return " ".join(words)


def words_of(
    text: str, word_s: float = 0.38, gap_s: float = 0.04, stop_s: float = 0.5
) -> list[Word]:
    """Lay ``text`` on a timeline: each word ``word_s`` long, a longer gap after a full stop."""
    words: list[Word] = []
    t = 0.6
    for token in text.split():
        words.append(Word(text=token, start=round(t, 3), end=round(t + word_s, 3)))
        t += word_s + (stop_s if token.endswith(".") else gap_s)
    return words


def transcript_for(text: str, word_s: float = 0.38) -> Transcript:
    words = words_of(text, word_s=word_s)
    return Transcript(words=words, duration=words[-1].end + 0.6, model="handmade", decoding="test")


def make_session(
    recordings: Path,
    *,
    prompt: Prompt | None = None,
    created: datetime | None = None,
    text: str | None = None,
    word_s: float = 0.38,
    samples: np.ndarray | None = None,
    analysis: Analysis | None = None,
    transcript: Transcript | None = None,
) -> Path:
    """Write one complete session folder and return its path (``analysis`` skips analyzing)."""
    transcript = transcript or transcript_for(text or answer_text(), word_s)
    analysis = analysis or analyze(transcript, prompt)
    if prompt is not None and analysis.prompt_id != prompt.id:
        analysis = analysis.model_copy(update={"prompt_id": prompt.id})
    when = (created or BASE).astimezone()
    if samples is None:
        # 0.1 s of faint noise, its own for each session (by time and words): the history
        # counts one session per recording, so identical audio would make them one
        seed = zlib.crc32(f"{when.isoformat()} {transcript.text}".encode())
        samples = (np.random.default_rng(seed).standard_normal(1600) * 1e-3).astype(np.float32)
    meta = SessionMeta(
        id=new_session_id(prompt.id if prompt else None, when),
        created_at=when.isoformat(timespec="seconds"),
        prompt_id=prompt.id if prompt else None,
        prompt_text=prompt.text if prompt else None,
        source="handmade",
        audio_file="audio.wav",
        audio_seconds=len(samples) / 16_000,
        model=transcript.model,
        analysis_version=analysis.version,
    )
    files = SessionFiles(meta, transcript, analysis, render_markdown(meta, transcript, analysis))
    return write_session(recordings, files, samples)


def days(n: float) -> timedelta:
    return timedelta(days=n)


def timed_sentences(texts: list[str]) -> list[Sentence]:
    """Sentences spoken at 2.5 words a second with half a second between them."""
    out, t = [], 0.0
    for i, text in enumerate(texts):
        n = len(text.split())
        out.append(
            Sentence(index=i, text=text, start=t, end=t + n / 2.5, first_word=0, last_word=0)
        )
        t += n / 2.5 + 0.5
    return out


def run_cli(
    rec: Path, *args: str, stdin: str | None = None, timeout: float = 120
) -> subprocess.CompletedProcess[str]:
    """``voiceloop ARGS`` in a child process with ``rec`` as the recordings folder, run from
    ``rec``'s parent folder (so a ./recordings where the tests started plays no part)."""
    env = {**os.environ, "VOICELOOP_RECORDINGS": str(rec)}
    return subprocess.run(
        [sys.executable, "-m", "voiceloop", *args],
        capture_output=True,
        text=True,
        env=env,
        input=stdin,
        timeout=timeout,
        cwd=rec.parent if rec.parent.is_dir() else None,
    )


def ok(result: subprocess.CompletedProcess[str]) -> str:
    """The stdout of a command that must have succeeded without a traceback."""
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    return result.stdout
