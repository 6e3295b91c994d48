"""Pace, pauses and answer length from the word timeline."""

from __future__ import annotations

import itertools
import re

from voiceloop.analysis.numbers import spoken_length
from voiceloop.models import PaceWindow, PacingResult, Pause, Transcript, Word
from voiceloop.options import AnalysisOptions

_HAS_ALNUM = re.compile(r"[^\W_]", re.UNICODE)

WPM_DEFINITION = (
    "words per minute = words spoken (fillers included; numbers counted as said, so "
    "'8.4%' is four words: eight point four percent) / time from the first word's start "
    "to the last word's end (word edges checked against the audio's energy, so silence the "
    "recogniser's timestamps include is not counted); leading and trailing silence are left "
    "out, pauses inside count. "
    "Articulation rate leaves out pauses of {pause:.2f} s or more as well."
)


def spoken_words(words: list[Word]) -> list[Word]:
    """Words that count: tokens with at least one letter or digit ("9.8%" counts, "-" does not)."""
    return [w for w in words if _HAS_ALNUM.search(w.text)]


def find_pauses(words: list[Word], min_s: float) -> list[Pause]:
    return [
        Pause(start=a.end, end=b.start)
        for a, b in itertools.pairwise(words)
        if b.start - a.end >= min_s
    ]


def pace_windows(words: list[Word], start: float, end: float, window_s: float) -> list[PaceWindow]:
    """Words per minute in consecutive windows; a short last window joins the one before."""
    edges: list[float] = []
    t = start
    while t < end:
        edges.append(t)
        t += window_s
    edges.append(end)
    if len(edges) > 2 and edges[-1] - edges[-2] < window_s / 2:
        del edges[-2]
    windows = []
    for lo, hi in itertools.pairwise(edges):
        count = sum(1 for w in words if lo <= w.start < hi or (hi == end and w.start == end))
        length = max(hi - lo, 1e-6)
        windows.append(PaceWindow(start=lo, end=hi, words=count, wpm=count / length * 60.0))
    return windows


# An answer a few seconds outside its target range is about right, not something to fix:
# within this many seconds, or this share of the nearer edge (whichever is more), it is on
# target ("1:56 spoken, target 2:00-3:00" is no reason to say more).
LENGTH_TOLERANCE_S = 5.0
LENGTH_TOLERANCE_SHARE = 0.05


def _verdict(value: float, low: float, high: float, words: tuple[str, str]) -> str:
    if value < low:
        return words[0]
    if value > high:
        return words[1]
    return "on target"


def pace_verdict(wpm: float, low: float, high: float) -> str:
    """Slow, on target or fast, judged on the pace as shown (whole words per minute).

    Every report prints ``f"{wpm:.0f}"``; comparing the unrounded figure said "160 wpm
    (fast)" for 160.28 wpm against a 120-160 range. ``round`` rounds as that format does.
    """
    return _verdict(round(wpm), low, high, ("slow", "fast"))


def length_verdict(seconds: float, low: float, high: float) -> str:
    """Short, on target or long, judged on the length as shown (whole seconds, m:ss), with
    ``LENGTH_TOLERANCE_S`` or ``LENGTH_TOLERANCE_SHARE`` of slack at each edge."""
    shown = round(seconds)
    slack_low = max(LENGTH_TOLERANCE_S, LENGTH_TOLERANCE_SHARE * low)
    slack_high = max(LENGTH_TOLERANCE_S, LENGTH_TOLERANCE_SHARE * high)
    return _verdict(shown, low - slack_low, high + slack_high, ("short", "long"))


def analyze_pacing(
    transcript: Transcript,
    target_seconds: tuple[float, float],
    options: AnalysisOptions,
) -> PacingResult:
    words = spoken_words(transcript.words)
    if not words:
        start = end = 0.0
    else:
        start, end = words[0].start, words[-1].end
    span = max(end - start, 0.0)
    pauses = find_pauses(words, options.pause_min_s)
    paused = sum(p.duration for p in pauses)
    speaking = max(span - paused, 0.0)
    count = sum(spoken_length(w.text) for w in words)
    wpm = count / span * 60.0 if span > 0 else 0.0
    articulation = count / speaking * 60.0 if speaking > 0 else 0.0
    longest = max((p.duration for p in pauses), default=0.0)
    low, high = options.pace_range_wpm
    return PacingResult(
        word_count=count,
        speech_start=start,
        speech_end=end,
        speaking_span_s=span,
        wpm=wpm,
        articulation_wpm=articulation,
        speaking_time_s=speaking,
        silent_time_s=max(transcript.duration - speaking, 0.0),
        pauses=pauses,
        pause_count=len(pauses),
        longest_pause_s=longest,
        mean_pause_s=paused / len(pauses) if pauses else 0.0,
        long_pauses=[p for p in pauses if p.duration > options.long_pause_s],
        windows=pace_windows(words, start, end, options.window_s) if span > 0 else [],
        duration_s=span,
        target_seconds=target_seconds,
        duration_verdict=length_verdict(span, *target_seconds),  # type: ignore[arg-type]
        pace_verdict=pace_verdict(wpm, low, high),  # type: ignore[arg-type]
        definition=WPM_DEFINITION.format(pause=options.pause_min_s),
    )
