from __future__ import annotations

import pytest

from conftest import timeline, transcript_of
from voiceloop.analysis.language import LEADERSHIP_PRINCIPLES, analyze_language
from voiceloop.models import LanguageResult
from voiceloop.options import AnalysisOptions

OPTIONS = AnalysisOptions()


def analyze(text: str, span: tuple[float, float] | None = None) -> LanguageResult:
    # Each word is 1 s long, so word k starts at k seconds.
    return analyze_language(transcript_of(timeline(text, word_s=1.0)), span, OPTIONS)


def test_i_and_we_over_whole_answer() -> None:
    result = analyze("I'm sure we tried. I built my own model and our team used it with me.")
    # I'm, I, my, me = 4; we, our = 2
    assert (result.i_count, result.we_count) == (4, 2)
    assert result.i_share == pytest.approx(4 / 6)


def test_counts_only_within_action_span() -> None:
    text = "We had a problem. I wrote the fix and we shipped it with our team."
    # words: We(0) had(1) a(2) problem.(3) I(4) wrote(5) the(6) fix(7) and(8) we(9) ...
    result = analyze(text, span=(4.0, 9.0))
    assert (result.i_count, result.we_count) == (1, 1)
    whole = analyze(text)
    assert (whole.i_count, whole.we_count) == (1, 3)


def test_i_share_none_when_neither_said() -> None:
    result = analyze("The model shipped on time.")
    assert (result.i_count, result.we_count, result.i_share) == (0, 0, None)


def test_country_us_is_not_we() -> None:
    result = analyze("The US market and the U.S. team helped us.")
    assert result.we_count == 1


def test_leadership_principles_list() -> None:
    assert len(LEADERSHIP_PRINCIPLES) == 16
    assert len(set(LEADERSHIP_PRINCIPLES)) == 16
    assert "Have Backbone; Disagree and Commit" in LEADERSHIP_PRINCIPLES


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("That was customer obsession.", ["Customer Obsession"]),
        ("I was customer-obsessed there.", ["Customer Obsession"]),
        ("I took ownership and showed a bias for action.", ["Ownership", "Bias for Action"]),
        ("I had to disagree and commit.", ["Have Backbone; Disagree and Commit"]),
        ("It took backbone.", ["Have Backbone; Disagree and Commit"]),
        ("Leaders are right, a lot.", ["Are Right, A Lot"]),
        ("I had to dive deep into the logs.", ["Dive Deep"]),
        ("We earned their trust and delivered results.", ["Earn Trust", "Deliver Results"]),
        ("Insist on the highest standards.", ["Insist on the Highest Standards"]),
        ("Strive to be Earth\u2019s best employer.", ["Strive to be Earth's Best Employer"]),
        ("I did a deep dive with the product owner.", []),
        ("I was right a lot of the time.", []),
        ("We think it is big.", []),
    ],
)
def test_principles_named(text: str, expected: list[str]) -> None:
    assert analyze(text).principles_named == expected


def test_principles_reported_in_canonical_order() -> None:
    result = analyze("Dive deep, then think big, with customer obsession.")
    assert result.principles_named == ["Customer Obsession", "Think Big", "Dive Deep"]


def test_hedges_with_times() -> None:
    result = analyze("I think maybe we should just wait. I'm not sure, probably.")
    assert [(h.phrase, h.start) for h in result.hedges] == [
        ("i think", 0.0),
        ("maybe", 2.0),
        ("just", 5.0),
        ("i'm not sure", 7.0),
        ("probably", 10.0),
    ]


def test_kind_of_as_a_type_is_not_a_hedge() -> None:
    assert analyze("What kind of data did you use?").hedges == []
    assert [h.phrase for h in analyze("It was kind of slow.").hedges] == ["kind of"]
