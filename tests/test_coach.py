"""The live coach's figures and nudges (pure: words so far, how far they are known, options)."""

from __future__ import annotations

from conftest import timeline
from voiceloop.analysis.coach import (
    FILLER_NUDGE_MIN_SPAN_S,
    PACE_NUDGE_AFTER_S,
    live_coach,
    pace_out_of_band,
)
from voiceloop.models import Word
from voiceloop.options import AnalysisOptions

OPTIONS = AnalysisOptions()  # band 120-160 wpm, fillers goal 3 per minute, 15 s windows
SENTENCE = "we rebuilt the pipeline and checked every source against the payment system "


def speech(seconds: float, wpm: float, start: float = 0.0, text: str = SENTENCE) -> list[Word]:
    """Words at ``wpm`` from ``start`` for ``seconds`` (no pauses)."""
    word_s = 60.0 / wpm
    tokens = (text * (int(seconds / word_s / len(text.split())) + 2)).split()
    return timeline(" ".join(tokens[: int(seconds / word_s)]), start=start, word_s=word_s)


def end_of(words: list[Word]) -> float:
    return words[-1].end


def test_steady_pace_in_the_band_gets_figures_and_no_nudge() -> None:
    words = speech(90, 140)
    reading = live_coach(words, end_of(words), OPTIONS)
    assert round(reading.wpm or 0) == 140
    assert reading.fillers == 0 and reading.nudge is None
    assert reading.text() == "140 wpm, 0 fillers"


def test_fast_pace_is_nudged_only_after_twenty_seconds_out_of_the_band() -> None:
    words = speech(80, 190)
    # one pace window plus the 20 s it must stay out of the band
    needed = OPTIONS.window_s + PACE_NUDGE_AFTER_S
    early = [w for w in words if w.end <= needed - 1]
    assert pace_out_of_band(early, end_of(early), OPTIONS) is None
    late = [w for w in words if w.end <= needed + 1]
    assert pace_out_of_band(late, end_of(late), OPTIONS) == "fast"
    reading = live_coach(words, end_of(words), OPTIONS)
    assert reading.nudge == "fast"
    assert reading.text() == "190 wpm, 0 fillers - slow down a little"


def test_slow_pace_is_nudged_and_a_fast_burst_is_not() -> None:
    slow = speech(60, 90)
    assert live_coach(slow, end_of(slow), OPTIONS).nudge == "slow"
    # 12 s at 200 wpm inside steady speech: out of the band for less than 20 s
    calm = speech(40, 140)
    burst = speech(12, 200, start=end_of(calm))
    after = speech(30, 140, start=end_of(burst))
    words = calm + burst + after
    heard = [w for w in words if w.end <= end_of(burst) + 8]
    assert live_coach(heard, end_of(heard), OPTIONS).nudge is None
    assert live_coach(words, end_of(words), OPTIONS).nudge is None


def test_pace_judged_as_shown_a_pace_that_prints_160_is_in_the_band() -> None:
    words = speech(60, 160.3)  # printed "160": the band's edge, not over it
    assert pace_out_of_band(words, end_of(words), OPTIONS) is None


def test_fillers_over_the_goal_are_nudged_once_there_is_enough_speech() -> None:
    text = "um I rebuilt the pipeline and uh checked every source against payments "
    words = speech(60, 140, text=text)  # 2 fillers in 12 words: about 23 a minute
    short = [w for w in words if w.end <= FILLER_NUDGE_MIN_SPAN_S - 5]
    early = live_coach(short, end_of(short), OPTIONS)
    assert early.fillers >= 4 and early.nudge is None and early.fillers_per_minute is None
    reading = live_coach(words, end_of(words), OPTIONS)
    assert reading.nudge == "fillers"
    assert reading.fillers_per_minute is not None and reading.fillers_per_minute > 3
    assert reading.text().endswith(f"{reading.fillers} fillers - fillers: try a pause")
    few = speech(60, 140)
    few[10] = few[10].model_copy(update={"text": "um"})  # one filler in a minute: under goal
    calm = live_coach(few, end_of(few), OPTIONS)
    assert calm.fillers == 1 and calm.nudge is None
    assert calm.text() == "140 wpm, 1 filler"


def test_nothing_to_say_before_two_words() -> None:
    assert live_coach([], 5.0, OPTIONS).text() == ""
    assert live_coach(timeline("hello"), 5.0, OPTIONS).wpm is None
