"""Pace, pauses and answer length from the word timeline."""

from __future__ import annotations

import itertools
import re

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

_NUMBER = re.compile(r"(\d[\d,]*)(?:\.(\d+))?")
_SMALL = 20  # one..nineteen are one word each
_SCALE_SUFFIX = {"k": 1, "m": 1, "b": 1, "bn": 1, "x": 1, "st": 0, "nd": 0, "rd": 0, "th": 0,
                 "s": 0, "h": 1, "pp": 2, "ms": 1}  # fmt: skip


def _below_thousand(n: int) -> int:
    words = 0
    if n >= 100:
        words += 2  # "three hundred"
        n %= 100
    if n >= _SMALL:
        words += 1 if n % 10 == 0 else 2  # "forty" / "forty two"
    elif n > 0:
        words += 1
    return words


def integer_words(n: int) -> int:
    """How many words it takes to say ``n``; 1100-1999 read as years ("nineteen ninety")."""
    if 1100 <= n <= 1999 and n % 100 != 0:
        return _below_thousand(n // 100) + _below_thousand(n % 100)
    return _plain_words(n)


def _plain_words(n: int) -> int:
    """Words of ``n`` read in full ("1,250" -> one thousand two hundred fifty: 5)."""
    if n == 0:
        return 1
    words = 0
    scale = 0
    while n:
        group = n % 1000
        if group:
            words += _below_thousand(group) + (1 if scale else 0)
        n //= 1000
        scale += 1
    return words


def spoken_length(token: str) -> int:
    """Words a token takes to say: "9.8%" -> 4, "$200,000" -> 4, "add-to-cart" -> 3, "the" -> 1."""
    text = token.strip().lower()
    if text.startswith(("<", "[")):  # transcript markup such as <cutoff-...> is one token
        return 1
    total = 0
    for part in re.split(r"[-/\u2013]", text):
        if not _HAS_ALNUM.search(part):
            continue
        match = _NUMBER.search(part)
        if match is None:
            total += 1
            continue
        whole, decimals = match.groups()
        digits = whole.replace(",", "")
        count = integer_words(int(digits)) if "," not in whole else _plain_words(int(digits))
        count += 1 if match.start() > 0 and part[: match.start()].isalpha() else 0  # "q3"
        if decimals:
            count += 1 + len(decimals)  # "point" and one word per digit
        rest = part[match.end() :].strip(".,;:!?\"')")
        count += _SCALE_SUFFIX.get(rest, 1 if rest.isalpha() else 0)
        count += part.count("%") + part.count("$") + part.count("+")
        total += count
    return max(total, 1)


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


def _verdict(value: float, low: float, high: float, words: tuple[str, str]) -> str:
    if value < low:
        return words[0]
    if value > high:
        return words[1]
    return "on target"


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
        duration_verdict=_verdict(span, *target_seconds, ("short", "long")),  # type: ignore[arg-type]
        pace_verdict=_verdict(wpm, low, high, ("slow", "fast")),  # type: ignore[arg-type]
        definition=WPM_DEFINITION.format(pause=options.pause_min_s),
    )
