"""Must-include coverage: each prompt item read by explainable rules, with its evidence."""

from __future__ import annotations

import glob
from pathlib import Path

import pytest

from conftest import timeline, transcript_of
from test_shape import COMPLETE, DEEP, INTRO_GAPS, PROJECT_GAPS, STAR, STAR_GAPS, build
from voiceloop.analysis.combined import analyze
from voiceloop.analysis.coverage import RULES, check_coverage, rules_for
from voiceloop.analysis.star import segment_star
from voiceloop.models import CoverageItem, Prompt
from voiceloop.options import AnalysisOptions
from voiceloop.prompts import get_prompt, load_bank, load_bank_file

OPTIONS = AnalysisOptions()
BANK_DIR = Path(__file__).parents[1] / "prompts"


@pytest.fixture(scope="module")
def bank() -> list[Prompt]:
    return load_bank()


def item_of(text: str, item: str, principles: list[str] | None = None) -> CoverageItem:
    """Check one must-include item against ``text`` spoken one word per 0.4 s."""
    transcript = transcript_of(timeline(text))
    prompt = Prompt(id="p", text="q", must_include=[item], principles=principles or [])
    star = segment_star(transcript, OPTIONS)
    return check_coverage(transcript, prompt, star, None, OPTIONS).items[0]


@pytest.mark.parametrize(
    ("item", "rules"),
    [
        ("dates", ["dates"]),
        ("results with numbers", ["numbers", "result"]),
        ("the trade-off", ["trade-off"]),
        ("the root cause", ["root cause"]),
        ("a reflection", ["reflection"]),
        ("what you would do differently", ["reflection"]),
        ("baseline metrics", ["numbers", "baseline"]),
        ("dollar or customer impact", ["money", "result", "customer"]),
        ("data quality risks", ["data risks"]),
        ("how you avoided burnout", []),
    ],
)
def test_items_are_read_by_named_rules(item: str, rules: list[str]) -> None:
    assert [r.name for r in rules_for(item)] == rules


def test_almost_every_bank_item_has_a_rule() -> None:
    items = [
        item
        for path in sorted(glob.glob(str(BANK_DIR / "*.toml")))
        for prompt in load_bank_file(Path(path))
        for item in prompt.must_include
    ]
    assert len(items) > 100
    unread = [item for item in items if not rules_for(item)]
    assert len(unread) <= 3, unread
    assert len({r.name for r in RULES}) == len(RULES)


@pytest.mark.parametrize(
    ("text", "heard"),
    [
        ("It started in March 2023 when the pipeline broke.", True),
        ("By Q3 we had shipped it.", True),
        ("Three weeks before launch the engineer left.", True),
        ("Last spring the numbers dropped.", True),
        ("We may ship it later and march on.", False),
        ("The pipeline broke and we fixed it.", False),
    ],
)
def test_dates_rule(text: str, heard: bool) -> None:
    item = item_of(text, "dates")
    assert item.heard is heard
    if not heard:
        assert "listened for a month, year, quarter" in item.evidence


def test_evidence_is_quoted_with_its_time() -> None:
    item = item_of("We tried many things. I chose trees instead of a neural net.", "the trade-off")
    assert item.heard
    assert item.evidence.startswith('trade-off: "')
    assert "instead of" in item.evidence and "at 0:0" in item.evidence
    assert item.start is not None


def test_a_job_title_is_not_evidence() -> None:
    item = item_of(
        "I was a data scientist on the checkout team. I found that one provider failed.",
        "methods and data used",
    )
    assert item.heard
    assert "found" in item.evidence and "scientist" not in item.evidence
    title_only = item_of("I was a data scientist on the checkout team.", "methods and data used")
    assert not title_only.heard


def test_both_rules_must_hold_unless_the_item_says_or() -> None:
    text = "As a result the team was much happier with the tool."
    both = item_of(text, "results with numbers")
    assert not both.heard
    assert both.unheard == ["numbers"]
    assert both.evidence.startswith("numbers not heard: listened for a figure")
    assert "result: " in both.evidence  # what was heard is still shown
    either = item_of("Customers loved it and churn fell.", "dollar or customer impact")
    assert either.heard


def test_money_and_baseline_rules() -> None:
    assert item_of("It saved $2 million a year.", "dollar or customer impact").heard
    assert item_of("Latency went from 120 ms to 40 ms.", "before/after numbers").heard
    flat = item_of("Latency is now 40 ms.", "before/after numbers")
    assert not flat.heard and flat.unheard == ["baseline"]


def test_principle_rule_accepts_a_misheard_name() -> None:
    assert item_of("This is what Dive Deep means to me.", "the principle, by name").heard
    near = item_of("This is what five deep means to me.", "the principle, by name", ["Dive Deep"])
    assert near.heard and "misheard" in near.evidence
    assert not item_of("This is what I mean.", "the principle, by name", ["Dive Deep"]).heard


def test_unknown_items_fall_back_to_word_overlap_and_say_so() -> None:
    heard = item_of("I protected my evenings so burnout never set in.", "how you avoided burnout")
    assert heard.heard and heard.rules == ["words"]
    assert heard.evidence.startswith("no rule for this item; its words 'burnout' were heard")
    missing = item_of("I worked late every night.", "how you avoided burnout")
    assert not missing.heard
    assert "no rule for this item" in missing.evidence and "'burnout'" in missing.evidence


def test_reflection_comes_from_the_star_reflection(bank: list[Prompt]) -> None:
    prompt = get_prompt(bank, "deliver-results-unexpected-obstacle")
    prompt = prompt.model_copy(update={"must_include": ["a reflection"]})
    analysis = analyze(build(STAR), prompt)
    assert analysis.coverage is not None
    assert analysis.coverage.items[0].evidence.startswith("reflection: Reflection section from")
    cut = analyze(build(STAR[:-1]), prompt)
    assert cut.coverage is not None and cut.coverage.missing == ["a reflection"]


@pytest.mark.parametrize(("name", "prompt_id", "answer"), COMPLETE, ids=[c[0] for c in COMPLETE])
def test_complete_answers_miss_nothing(
    bank: list[Prompt], name: str, prompt_id: str, answer: list[tuple[str, str]]
) -> None:
    analysis = analyze(build(answer), get_prompt(bank, prompt_id))
    assert analysis.coverage is not None
    assert analysis.coverage.missing == [], [
        (it.item, it.evidence) for it in analysis.coverage.items if not it.heard
    ]
    assert all(it.evidence for it in analysis.coverage.items)


@pytest.mark.parametrize(
    ("prompt_id", "answer", "missing"),
    [
        ("intro-tell-me-about-yourself", INTRO_GAPS,
         ["three quantified highlights", "why this role"]),
        ("project-end-to-end", PROJECT_GAPS, ["data quality risks", "how it was evaluated"]),
        ("deliver-results-unexpected-obstacle", STAR_GAPS,
         ["the obstacle and when it hit", "dates"]),
    ],
)  # fmt: skip
def test_answers_with_parts_taken_out_report_exactly_those(
    bank: list[Prompt], prompt_id: str, answer: list[tuple[str, str]], missing: list[str]
) -> None:
    analysis = analyze(build(answer), get_prompt(bank, prompt_id))
    assert analysis.coverage is not None
    assert analysis.coverage.missing == missing


def test_verdict_lists_what_no_shape_check_already_reports(bank: list[Prompt]) -> None:
    prompt = get_prompt(bank, "deep-dive-dive-deep")
    answer = [x for x in DEEP if "real cause" not in x[1]]
    answer.insert(5, ("action", "I worked with an engineer to compare client and server logs."))
    analysis = analyze(build(answer, word_s=0.9), prompt)
    assert analysis.coverage is not None
    assert analysis.coverage.missing == ["the root cause"]
    tip = next(t for t in analysis.verdict.tips if t.title == "Cover what the question asks for")
    assert tip.detail == "Not heard: the root cause."
    assert tip.figure == "1 of 6 asked-for items not heard"
    # an intro's missing close is told once, by the shape tip, not again as coverage
    intro = analyze(build(INTRO_GAPS, word_s=0.6), get_prompt(bank, "intro-tell-me-about-yourself"))
    titles = [t.title for t in intro.verdict.tips]
    assert "Close with why this role" in titles
    assert "Cover what the question asks for" not in titles


def test_no_coverage_without_must_include(bank: list[Prompt]) -> None:
    prompt = get_prompt(bank, "deep-dive-dive-deep").model_copy(update={"must_include": []})
    assert analyze(build(DEEP), prompt).coverage is None
