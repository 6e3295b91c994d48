from __future__ import annotations

import pytest

from conftest import timeline, transcript_of
from voiceloop.analysis.fillers import detect_fillers, hesitation_type
from voiceloop.models import FillerResult, Word
from voiceloop.options import AnalysisOptions

OPTIONS = AnalysisOptions()


def fillers_in(text: str) -> list[str]:
    """Filler types found in ``text`` spoken as one continuous stretch (no pauses)."""
    return [e.type for e in detect(text).events]


def detect(text: str) -> FillerResult:
    return detect_fillers(transcript_of(timeline(text, word_s=0.3, gap_s=0.05)), OPTIONS)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Um, I built the model.", ["um"]),
        ("We umm tuned it and uh shipped it", ["um", "uh"]),
        ("Uhm, erm, er, ah, hmm, hm, mm.", ["um", "um", "er", "ah", "hmm", "hmm", "mm"]),
        ("Uh, uh, uh, forced aligner.", ["uh", "uh", "uh"]),
        ("So, um, we shipped it.", ["so", "um"]),
        ("So um we shipped it.", ["so", "um"]),
        ("I'd like, um, to thank the team.", ["um"]),
        ("It was, like, really slow.", ["like"]),
        ("Like, the data was stale.", ["like"]),
        ("You know, the model drifted.", ["you know"]),
        ("The metric, you know, was noisy.", ["you know"]),
        ("It was noisy, you know?", ["you know"]),
        ("I mean, the test failed.", ["I mean"]),
        ("Actually the baseline was wrong.", ["actually"]),
        ("The baseline was, basically, wrong.", ["basically"]),
        ("We rebuilt it. Literally, every job.", ["literally"]),
        ("It kind of worked.", ["kind of"]),
        ("The test was sort of flaky.", ["sort of"]),
        ("We shipped it, right?", ["right"]),
        ("Well, the launch slipped.", ["well"]),
        ("Okay, so, the situation was bad.", ["okay", "so"]),
    ],
)
def test_fillers_counted(text: str, expected: list[str]) -> None:
    assert fillers_in(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "I'd like to walk you through it.",
        "We would like more data.",
        "It looks like the data was stale.",
        "We built a tool like this one.",
        "It was like 20% faster.",
        "I refactored it so that the tests ran faster.",
        "The decision stood, so I committed.",
        "There were so many edge cases and so on.",
        "It was so much faster so far.",
        "What I mean is simple.",
        "I mean it.",
        "What kind of data did you use?",
        "It was a different sort of problem.",
        "Revenue per session was the right North Star.",
        "How I stayed right, a lot under uncertainty.",
        "Is that right?",
        "I actually fixed the bug.",
        "It basically doubled the load.",
        "Do you know what the baseline was?",
        "As you know, the team was small.",
        "You know the dashboard we built.",
        "The contact rate fell well below baseline.",
        "Okay.",
        "So.",
        "I hardly know 'er.",
        "Mm-hmm, that is correct.",
    ],
)
def test_ordinary_uses_not_counted(text: str) -> None:
    assert fillers_in(text) == []


def test_pause_marks_a_clause_start() -> None:
    # No punctuation at all: the 1 s pause before "actually" makes it a clause opener.
    words = timeline("we shipped the model", word_s=0.3)
    words += timeline("actually the results held", start=words[-1].end + 1.0, word_s=0.3)
    result = detect_fillers(transcript_of(words), OPTIONS)
    assert [(e.type, e.word_index) for e in result.events] == [("actually", 4)]

    # The same words with no pause: "actually" is mid-clause and carries meaning.
    same = timeline("we shipped the model actually the results held", word_s=0.3)
    assert detect_fillers(transcript_of(same), OPTIONS).events == []


def test_pause_threshold_comes_from_options() -> None:
    words = timeline("we shipped", word_s=0.3)
    words += timeline("actually it held", start=words[-1].end + 0.5, word_s=0.3)
    assert detect_fillers(transcript_of(words), AnalysisOptions()).count == 0  # 0.5 < 0.6
    loose = AnalysisOptions(sentence_pause_s=0.4)
    assert detect_fillers(transcript_of(words), loose).count == 1


def test_two_word_filler_is_one_event_spanning_both_words() -> None:
    words = timeline("The metric, you know, was noisy.", start=2.0, word_s=0.5)
    result = detect_fillers(transcript_of(words), OPTIONS)
    assert result.count == 1
    event = result.events[0]
    assert event.type == "you know"
    assert event.word_index == 2
    assert event.start == pytest.approx(words[2].start)
    assert event.end == pytest.approx(words[3].end)
    assert result.by_type == {"you know": 1}


def test_rates_over_speaking_span_and_word_count() -> None:
    # 20 words from 1.0 s to 31.0 s (span 30 s) holding 3 fillers.
    texts = ["Um,"] + ["word"] * 8 + ["uh"] + ["word"] * 8 + ["um"] + ["word."]
    step = 30.0 / len(texts)
    words = [
        Word(text=t, start=1.0 + k * step, end=1.0 + (k + 1) * step) for k, t in enumerate(texts)
    ]
    result = detect_fillers(transcript_of(words, duration=40.0), OPTIONS)
    assert result.count == 3
    assert result.per_minute == pytest.approx(3 / 30.0 * 60.0)  # 6.0 per minute
    assert result.per_100_words == pytest.approx(3 / 20 * 100.0)  # 15 per 100 words
    assert result.by_type == {"um": 2, "uh": 1}
    assert [e.word_index for e in result.events] == [0, 9, 18]


def test_empty_transcript() -> None:
    result = detect_fillers(transcript_of([]), OPTIONS)
    assert result.count == 0
    assert result.per_minute == 0.0
    assert result.per_100_words == 0.0
    assert result.by_type == {}


def test_hesitation_type_spellings() -> None:
    assert hesitation_type("Ummm,") == "um"
    assert hesitation_type("Uhh...") == "uh"
    assert hesitation_type("Hmmm?") == "hmm"
    assert hesitation_type("'er") is None
    assert hesitation_type("her") is None
    assert hesitation_type("m") is None
