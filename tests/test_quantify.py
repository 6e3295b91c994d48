"""Quantified-result checks on hand-built word timelines."""

from __future__ import annotations

import pytest

from voiceloop.analysis.quantify import find_quantities, quantify_results
from voiceloop.analysis.star import segment_star
from voiceloop.models import QuantifyResult, Transcript, Word
from voiceloop.options import AnalysisOptions


def words_of(text: str, start: float = 0.0, word_s: float = 0.3) -> list[Word]:
    return [
        Word(text=tok, start=start + i * word_s, end=start + (i + 1) * word_s - 0.05)
        for i, tok in enumerate(text.split())
    ]


def kinds(text: str) -> list[tuple[str, str]]:
    ws = words_of(text)
    return [(" ".join(w.text for w in ws[a : b + 1]), k) for a, b, k in find_quantities(ws)]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("revenue per session +8.4% overall", [("+8.4%", "percent")]),
        ("conversion rose 8 percent", [("8 percent", "percent")]),
        ("conversion rose eight percent", [("eight percent", "percent")]),
        ("plus nine point eight percent", [("nine point eight percent", "percent")]),
        ("margin up 1.1 percentage points", [("1.1 percentage points", "percent")]),
        ("we saved $3.2M last year", [("$3.2M", "currency")]),
        ("we saved 3 million dollars", [("3 million dollars", "currency")]),
        ("about $1.1 million incremental", [("$1.1 million", "currency")]),
        ("two hundred and fifty thousand dollars", [("two hundred and fifty thousand dollars",
                                                     "currency")]),
        ("throughput went up 2x", [("2x", "multiplier")]),
        ("throughput doubled", [("doubled", "multiplier")]),
        ("it ran three times faster", [("three times", "multiplier")]),
        ("we signed 12 customers", [("12 customers", "count")]),
        ("shipped in 6 weeks", [("6 weeks", "duration")]),
        ("from 3 days to 4 hours", [("3 days", "duration"), ("4 hours", "duration")]),
        ("an AUC of 0.78", [("0.78", "number")]),
        ("another three teams adopted it", [("three teams", "count")]),  # more, not which
        ("in the first two weeks", [("two weeks", "duration")]),  # a time span still counts
    ],
)  # fmt: skip
def test_finds_quantities_in_digits_and_words(text: str, expected: list[tuple[str, str]]) -> None:
    assert kinds(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "in 2023 we moved the team",  # a year
        "our p95 latency target",  # a metric name
        "a 90-day retention window",  # a modifier
        "one of the engineers and the one who asked",  # pronoun "one"
        "that one back was the only one left",  # "that won back" misheard; pronoun "one"
        "we had not built the next phase on a false one.",  # "a false one": a pronoun
        "the mobile version, one it's rerun, showed a clear lift",  # "once it's" misheard
        "it was the first release",  # an ordinal word
        "she asked me to present it to our other two hospitals",  # which ones, not how many
        "the other 4 teams asked to join",
        "once the director saw the first ten runbooks",
    ],
)
def test_ignores_things_that_are_not_results(text: str) -> None:
    assert kinds(text) == []


def answer(result_sentence: str | None, reflection: str | None = None) -> Transcript:
    sentences = [
        "At my last company our nightly data jobs were often late.",
        "My goal was to make the reports reliable.",
        "I rewrote the scheduler and added alerts on every job.",
        "Then I trained the on-call team on a new runbook.",
    ]
    if result_sentence:
        sentences.append(result_sentence)
    if reflection:
        sentences.append(reflection)
    words: list[Word] = []
    t = 0.5
    for s in sentences:
        new = words_of(s, start=t)
        words.extend(new)
        t = new[-1].end + 0.6
    return Transcript(words=words, duration=t + 0.5)


def check(tr: Transcript) -> QuantifyResult:
    opts = AnalysisOptions()
    return quantify_results(tr, segment_star(tr, opts), opts)


def test_quantified_result_with_baseline_and_timeframe() -> None:
    res = check(answer("As a result, late jobs dropped from 30% to 4% within two months."))
    assert res.result_present and res.result_quantified is True
    assert [q.text for q in res.quantities] == ["30%", "4%", "two months"]
    assert all(q.has_baseline for q in res.quantities)
    assert all(q.has_timeframe for q in res.quantities)
    assert res.flags == []


def test_numbers_without_baseline_or_timeframe_are_flagged() -> None:
    res = check(answer("As a result, late jobs dropped by 80% and we saved 12 engineer hours."))
    assert res.result_quantified is True
    assert [q.kind for q in res.quantities] == ["percent", "count"]
    assert not any(q.has_baseline for q in res.quantities)
    assert "2 of 2 numbers have no baseline" in res.flags
    assert "no timeframe given for the result" in res.flags


def test_versus_control_counts_as_baseline() -> None:
    res = check(answer("As a result, conversion was up 2.1% versus the control group."))
    assert res.quantities and res.quantities[0].has_baseline
    assert not any("baseline" in f for f in res.flags)


def test_unquantified_result() -> None:
    res = check(answer("As a result, the reports were on time and the team was much calmer."))
    assert res.result_present is True
    assert res.result_quantified is False
    assert res.quantities == []
    assert res.flags == ["Result has no number"]


def test_no_result_section_reads_the_tail() -> None:
    tr = answer(None)
    res = check(tr)
    assert res.result_present is False
    assert res.result_quantified is None
    assert any("No Result section" in f for f in res.flags)


def test_no_result_fallback_still_lists_tail_numbers() -> None:
    tr = answer(None)
    extra = words_of("I checked all 40 jobs every morning.", start=tr.words[-1].end + 0.6)
    tr = Transcript(words=tr.words + extra, duration=extra[-1].end + 0.5)
    opts = AnalysisOptions()
    star = segment_star(tr, opts)
    assert "result" in star.missing
    res = quantify_results(tr, star, opts)
    assert res.result_quantified is None
    assert [q.text for q in res.quantities] == ["40 jobs"]


def test_reflection_numbers_are_listed_but_do_not_quantify_the_result() -> None:
    res = check(
        answer(
            "As a result, the reports were on time and the team was calmer.",
            "Looking back, I would add alerts within 2 days of a new job.",
        )
    )
    assert res.result_quantified is False
    assert [q.text for q in res.quantities] == ["2 days"]
