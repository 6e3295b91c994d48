from __future__ import annotations

import pytest

from conftest import timeline, transcript_of
from voiceloop.analysis.pacing import analyze_pacing, find_pauses, pace_windows, spoken_words
from voiceloop.models import Word
from voiceloop.options import AnalysisOptions

OPTIONS = AnalysisOptions()


def test_wpm_over_speaking_span_excludes_lead_and_tail_silence() -> None:
    # 60 words, 0.5 s each, back to back, starting at 10 s: span 30 s -> 120 wpm
    words = timeline(" ".join(["word"] * 60), start=10.0, word_s=0.5)
    result = analyze_pacing(transcript_of(words, duration=50.0), (20.0, 40.0), OPTIONS)
    assert result.word_count == 60
    assert result.speaking_span_s == pytest.approx(30.0)
    assert result.wpm == pytest.approx(120.0)
    assert result.articulation_wpm == pytest.approx(120.0)
    assert result.silent_time_s == pytest.approx(20.0)
    assert result.pause_count == 0
    assert result.duration_verdict == "on target"


def test_pauses_counted_and_articulation_rate_leaves_them_out() -> None:
    words = timeline("one two three", word_s=1.0)
    words += timeline("four five six", start=words[-1].end + 3.0, word_s=1.0)  # a 3 s pause
    words += timeline("seven eight", start=words[-1].end + 0.5, word_s=1.0)  # a 0.5 s pause
    result = analyze_pacing(transcript_of(words), (1.0, 100.0), OPTIONS)
    assert result.pause_count == 2
    assert result.longest_pause_s == pytest.approx(3.0)
    assert result.mean_pause_s == pytest.approx(1.75)
    assert [round(p.start, 2) for p in result.long_pauses] == [3.0]
    span = 8 * 1.0 + 3.5
    assert result.wpm == pytest.approx(8 / span * 60)
    assert result.articulation_wpm == pytest.approx(8 / 8.0 * 60)


def test_gap_below_pause_threshold_is_not_a_pause() -> None:
    words = timeline("a b c d", word_s=0.3, gap_s=0.2)
    assert find_pauses(words, 0.25) == []
    assert len(find_pauses(words, 0.15)) == 3


def test_tokens_without_letters_or_digits_do_not_count() -> None:
    words = [
        Word(text=t, start=i, end=i + 0.5) for i, t in enumerate(["Hello", "-", "9.8%", "..."])
    ]
    assert [w.text for w in spoken_words(words)] == ["Hello", "9.8%"]


def test_pace_windows_split_and_merge_a_short_tail() -> None:
    words = timeline(" ".join(["w"] * 100), word_s=0.35)  # 35 s at about 171 wpm
    windows = pace_windows(words, 0.0, 35.0, 15.0)
    # 0-15, 15-35: the 5 s tail is shorter than half a window, so it joins the one before
    assert [(w.start, w.end) for w in windows] == [(0.0, 15.0), (15.0, 35.0)]
    assert sum(w.words for w in windows) == 100
    assert windows[0].wpm == pytest.approx(100 / 35 * 60, rel=0.03)
    assert len(pace_windows(words, 0.0, 40.0, 15.0)) == 3  # a 10 s tail stands on its own


def test_duration_and_pace_verdicts() -> None:
    fast = timeline(" ".join(["w"] * 100), word_s=0.25)  # 25 s, 240 wpm
    result = analyze_pacing(transcript_of(fast), (60.0, 90.0), OPTIONS)
    assert result.pace_verdict == "fast"
    assert result.duration_verdict == "short"
    slow = timeline(" ".join(["w"] * 100), word_s=1.0)  # 100 s, 60 wpm
    result = analyze_pacing(transcript_of(slow), (60.0, 90.0), OPTIONS)
    assert result.pace_verdict == "slow"
    assert result.duration_verdict == "long"


def test_empty_transcript_gives_zero_figures() -> None:
    result = analyze_pacing(transcript_of([], duration=5.0), (60.0, 90.0), OPTIONS)
    assert result.word_count == 0
    assert result.wpm == 0.0
    assert result.windows == []


@pytest.mark.parametrize(
    ("token", "words"),
    [("the", 1), ("9.8%", 4), ("+8.4%", 5), ("$200,000", 4), ("add-to-cart", 3),
     ("1,250", 5), ("1998", 3), ("2023", 4), ("120k", 4), ("<cutoff-mont>", 1), ("6%.", 2)],
)  # fmt: skip
def test_spoken_length_counts_words_as_said(token: str, words: int) -> None:
    from voiceloop.analysis.numbers import spoken_length

    assert spoken_length(token) == words


def test_numbers_count_as_spoken_in_the_pace() -> None:
    # "grew 8.4%" is said as five words: grew eight point four percent
    words = timeline("revenue grew 8.4% today", word_s=0.5)
    result = analyze_pacing(transcript_of(words), (1.0, 100.0), OPTIONS)
    assert result.word_count == 7
    assert result.wpm == pytest.approx(7 / 2.0 * 60)


def _answer(seconds: float, words: int = 100) -> list[Word]:
    """``words`` words back to back over exactly ``seconds`` seconds."""
    return timeline(" ".join(["w"] * words), word_s=seconds / words)


@pytest.mark.parametrize(
    ("wpm", "verdict"),
    [
        (160.28, "on target"),  # shown as "160 wpm": within 120-160, so not "fast"
        (160.6, "fast"),  # shown as "161"
        (119.6, "on target"),  # shown as "120"
        (119.4, "slow"),  # shown as "119"
    ],
)
def test_pace_verdict_judges_the_pace_as_shown(wpm: float, verdict: str) -> None:
    result = analyze_pacing(transcript_of(_answer(100 / wpm * 60)), (1.0, 600.0), OPTIONS)
    assert result.wpm == pytest.approx(wpm)
    assert result.pace_verdict == verdict, f"{result.wpm:.0f} wpm ({result.pace_verdict})"


@pytest.mark.parametrize(
    ("seconds", "verdict"),
    [
        (119.6, "on target"),  # shown as 2:00 against a 2:00-3:00 target
        (116.0, "on target"),  # 1:56: four seconds short is about right, not "say more"
        (114.0, "on target"),  # 5% of 2:00 is 6 s
        (113.0, "short"),
        (188.0, "on target"),  # 3:08: 5% of 3:00 is 9 s
        (190.0, "long"),
    ],
)
def test_length_verdict_has_a_tolerance_at_the_target_edges(seconds: float, verdict: str) -> None:
    result = analyze_pacing(transcript_of(_answer(seconds, 300)), (120.0, 180.0), OPTIONS)
    assert result.duration_s == pytest.approx(seconds)
    assert result.duration_verdict == verdict


def test_length_tolerance_is_at_least_five_seconds_on_a_short_target() -> None:
    # 5% of 0:40 is 2 s; 5 s is the floor.
    def verdict(seconds: float) -> str:
        return analyze_pacing(
            transcript_of(_answer(seconds)), (40.0, 60.0), OPTIONS
        ).duration_verdict

    assert [verdict(s) for s in (34.0, 35.5, 65.0, 66.0)] == [
        "short",
        "on target",
        "on target",
        "long",
    ]
