"""The live coach: pace and fillers so far while an answer is being spoken, and a gentle nudge.

Pure functions over the words transcribed so far (``heard_until``: how far into the answer
they are known, the end of the last transcribed chunk) and the same options the analysis
uses: the pace band is ``AnalysisOptions.pace_range_wpm`` and the filler goal
``fillers_per_minute_flag``, compared as the reports show them (whole words per minute,
fillers per minute to one decimal), so the live line and the verdict after it agree.

- Pace so far counts words as the pace figure of the analysis does (numbers as said,
  from the first word's start to the last word's end). Fillers so far are those in the
  words; the ones heard only in the audio (``acoustic_fillers``) are added after stop.
- The pace nudge needs the pace over the last ``window_s`` (the analysis's pace window)
  to have stayed on one side of the band at every second of the last ``PACE_NUDGE_AFTER_S``:
  a fast sentence is no reason to interrupt anyone.
- The filler nudge waits for ``FILLER_NUDGE_MIN_SPAN_S`` of speech, so one early "um" is
  not already "over the goal".
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from voiceloop.analysis.fillers import detect_fillers
from voiceloop.analysis.numbers import spoken_length
from voiceloop.analysis.pacing import pace_verdict, spoken_words
from voiceloop.analysis.verdict import shown_fillers_per_minute
from voiceloop.models import Transcript, Word
from voiceloop.options import AnalysisOptions

PACE_NUDGE_AFTER_S = 20.0  # the pace must stay out of the band this long before a nudge
FILLER_NUDGE_MIN_SPAN_S = 30.0  # fillers per minute mean little over less speech than this

NUDGES: dict[str, str] = {  # short: the live line must fit an 80-column terminal
    "fast": "slow down a little",
    "slow": "a little faster",
    "fillers": "fillers: try a pause",
}


@dataclass(frozen=True)
class CoachReading:
    """What the live line says about the answer so far."""

    wpm: float | None  # pace so far; None before there are two words to time
    fillers: int
    fillers_per_minute: float | None  # as reports print it; None before the span is long enough
    nudge: Literal["fast", "slow", "fillers"] | None

    def text(self) -> str:
        """The live line's coach part, e.g. ``172 wpm, 2 fillers - slow down a little``."""
        if self.wpm is None:
            return ""
        filler = f"{self.fillers} filler" + ("" if self.fillers == 1 else "s")
        line = f"{self.wpm:.0f} wpm, {filler}"
        return line + (f" - {NUDGES[self.nudge]}" if self.nudge else "")


def window_wpm(words: list[Word], at: float, window_s: float) -> float:
    """Words per minute over the ``window_s`` before ``at`` (numbers counted as said)."""
    count = sum(spoken_length(w.text) for w in words if at - window_s <= w.start < at)
    return count / window_s * 60.0


def pace_out_of_band(
    words: list[Word], heard_until: float, options: AnalysisOptions
) -> Literal["fast", "slow"] | None:
    """Which side of the band ("fast" or "slow") the pace over the last window was on at
    every whole second of the last ``PACE_NUDGE_AFTER_S`` up to ``heard_until``; else None."""
    spoken = spoken_words(words)
    if not spoken:
        return None
    window = options.window_s
    # every window judged must lie after the first word: silence before it is no pace
    if heard_until - PACE_NUDGE_AFTER_S - window < spoken[0].start:
        return None
    low, high = options.pace_range_wpm
    sides = {
        pace_verdict(window_wpm(spoken, heard_until - k, window), low, high)
        for k in range(int(PACE_NUDGE_AFTER_S) + 1)
    }
    if sides == {"fast"}:
        return "fast"
    if sides == {"slow"}:
        return "slow"
    return None


def live_coach(words: list[Word], heard_until: float, options: AnalysisOptions) -> CoachReading:
    """Pace and fillers so far, and the nudge to show (pace first: it is the louder habit)."""
    spoken = spoken_words(words)
    if len(spoken) < 2 or spoken[-1].end <= spoken[0].start:
        return CoachReading(None, 0, None, None)
    span = spoken[-1].end - spoken[0].start
    wpm = sum(spoken_length(w.text) for w in spoken) / span * 60.0
    fillers = detect_fillers(Transcript(words=words, duration=heard_until), options)
    per_minute = shown_fillers_per_minute(fillers) if span >= FILLER_NUDGE_MIN_SPAN_S else None
    nudge: Literal["fast", "slow", "fillers"] | None = pace_out_of_band(words, heard_until, options)
    if nudge is None and per_minute is not None and per_minute > options.fillers_per_minute_flag:
        nudge = "fillers"
    return CoachReading(wpm, fillers.count, per_minute, nudge)
