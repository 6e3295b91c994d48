"""Where the STAR labeller is unsure, and the tips that rest on such a call.

A sentence's lead is how much the best labelling loses by reading it otherwise; a tip that
another reading of a close call would take away is stated as unsure.
"""

from __future__ import annotations

import itertools

import numpy as np

from sessionkit import timed_sentences
from voiceloop.analysis.combined import analyze
from voiceloop.analysis.quantify import quantify_results
from voiceloop.analysis.sequence import ChainModel, max_marginals, viterbi
from voiceloop.analysis.star import other_readings, star_result
from voiceloop.analysis.verdict import make_verdict, read_otherwise, star_advice
from voiceloop.models import (
    Prompt,
    SentenceLabel,
    StarLabel,
    StarResult,
    Tip,
    Transcript,
    Word,
)
from voiceloop.options import AnalysisOptions


def _total(path: tuple[int, ...], rows: np.ndarray, links: np.ndarray, start: np.ndarray,
           end: np.ndarray) -> float:  # fmt: skip
    return float(
        sum(rows[i, k] for i, k in enumerate(path))
        + start[path[0]]
        + end[path[-1]]
        + sum(links[a, b] for a, b in itertools.pairwise(path))
    )


def test_max_marginals_are_the_best_path_through_each_label() -> None:
    rng = np.random.default_rng(3)
    for _ in range(40):  # against every path of a few sentences
        n, k = int(rng.integers(1, 5)), 3
        rows, links = rng.normal(size=(n, k)), rng.normal(size=(k, k))
        start, end = rng.normal(size=k), rng.normal(size=k)
        paths = list(itertools.product(range(k), repeat=n))
        totals = {p: _total(p, rows, links, start, end) for p in paths}
        got = max_marginals(rows, links, start, end)
        for i in range(n):
            for label in range(k):
                want = max(t for p, t in totals.items() if p[i] == label)
                assert abs(got[i, label] - want) < 1e-9
        best = viterbi(rows.tolist(), links.tolist(), start.tolist(), end.tolist())
        assert list(got.argmax(axis=1)) == best


def test_a_sentences_lead_is_what_reading_it_otherwise_costs() -> None:
    model = ChainModel(
        labels=("a", "b"),
        weights={},
        transitions=((0.0, -1.0), (-1.0, 0.0)),
        start=(0.0, 0.0),
        end=(0.0, 0.0),
        about={},
    )
    rows = [[5.0, 0.0], [0.0, 0.5], [5.0, 0.0]]
    path = model.best_path(rows)
    assert path == [0, 0, 0]  # the middle sentence's 0.5 does not pay for two changes
    doubts = model.doubts(rows, path)
    assert doubts is not None
    # the best path scores 10; read otherwise, an end sentence at best takes the middle with
    # it (0 + 0.5 + 5 less one change: 4.5), the middle pays two changes (5 + 0.5 + 5 - 2)
    assert [d[1] for d in doubts] == [1, 1, 1]
    assert [round(d[0], 6) for d in doubts] == [5.5, 1.5, 5.5]


def _star(labels: list[StarLabel], leads: list[float], others: list[StarLabel]) -> StarResult:
    sentences = timed_sentences(
        [
            "Our nightly data load failed twice a week.",
            "I had to make it reliable before the audit.",
            "I traced the failures to one slow upstream table.",
            "I added retries and an alert and rewrote the slowest query.",
            "After that the load ran every night without a failure.",
        ]
    )
    return star_result(
        sentences,
        [
            SentenceLabel(sentence=i, label=lab, reason="", lead=lead, runner_up=other)
            for i, (lab, lead, other) in enumerate(zip(labels, leads, others, strict=True))
        ],
        AnalysisOptions(),
    )


def test_other_readings_change_each_close_call_then_all() -> None:
    star = _star(
        ["situation", "task", "action", "action", "action"],
        [400.0, 90.0, 300.0, 120.0, 30.0],
        ["task", "situation", "situation", "result", "result"],
    )
    readings = other_readings(star, AnalysisOptions())
    assert [changed for changed, _ in readings] == [[4], [1], [3], [4, 1, 3]]
    assert [lab.label for lab in readings[0][1].labels][-1] == "result"
    assert readings[0][1].missing == ["reflection"]
    every = readings[-1][1]
    assert [lab.label for lab in every.labels] == [
        "situation", "situation", "action", "result", "result"
    ]  # fmt: skip
    assert every.missing == ["task", "reflection"]
    assert other_readings(star, AnalysisOptions(star_doubt_lead=100.0))[0][0] == [4]
    assert other_readings(star, AnalysisOptions(star_doubt_lead=0.0)) == []


def _advice(star: StarResult) -> list[Tip]:
    options = AnalysisOptions()
    words = [
        Word(text=w, start=s.start + j * 0.4, end=s.start + j * 0.4 + 0.3)
        for s in star.sentences
        for j, w in enumerate(s.text.split())
    ]
    transcript = Transcript(words=words, duration=words[-1].end + 0.5)
    readings = read_otherwise(transcript, star, options)
    return star_advice(
        star, quantify_results(transcript, star, options), options, readings=readings
    )


def test_a_tip_resting_on_a_close_call_is_unsure_and_says_which_sentence() -> None:
    # no Result found, but the last sentence only narrowly reads as an Action
    close = _star(
        ["situation", "task", "action", "action", "action"],
        [400.0, 400.0, 400.0, 400.0, 30.0],
        ["task", "situation", "situation", "result", "result"],
    )
    tips = {t.title: t for t in _advice(close)}
    missing = tips["Finish with the Result"]
    assert not missing.sure
    assert missing.detail.startswith('Not sure: "After that the load ran every night')
    assert "may belong to the Result rather than the Action" in missing.detail
    assert missing.figure == "no Result section heard"
    # the same call made clearly: the tip is sure and worded as before
    clear = _star(
        ["situation", "task", "action", "action", "action"],
        [400.0] * 5,
        ["task", "situation", "situation", "result", "result"],
    )
    tip = next(t for t in _advice(clear) if t.title == "Finish with the Result")
    assert tip.sure and not tip.detail.startswith("Not sure")


def test_the_verdict_words_an_unsure_tip_as_unsure_in_its_place() -> None:
    options = AnalysisOptions()
    transcript = Transcript(
        words=[
            Word(text=w, start=i * 0.4, end=i * 0.4 + 0.3)
            for i, w in enumerate(
                (
                    "Our nightly data load failed twice a week. "
                    "I had to make it reliable before the audit. "
                    "I traced the failures to one slow upstream table. "
                    "I added retries and an alert and rewrote the slowest query. "
                    "After that the load ran every night without a failure."
                ).split()
            )
        ],
        duration=21.0,
    )
    # a length the answer meets, so pace leaves the first place to the STAR tips
    a = analyze(
        transcript, Prompt(id="p", text="Tell me.", kind="star", target_seconds=(15.0, 30.0))
    )
    star = a.star.model_copy(deep=True)
    labels: list[StarLabel] = ["situation", "task", "action", "action", "action"]
    assert len(star.labels) == len(labels)
    star = star_result(
        star.sentences,
        [
            lab.model_copy(
                update={
                    "label": want,
                    "lead": 10.0 if i == 4 else 500.0,
                    "runner_up": "result" if i == 4 else lab.runner_up,
                }
            )
            for i, (lab, want) in enumerate(zip(star.labels, labels, strict=True))
        ],
        options,
    )
    quantify = quantify_results(transcript, star, options)
    readings = read_otherwise(transcript, star, options)
    sure = make_verdict(a.pacing, a.fillers, star, quantify, a.language, "star", options)
    unsure = make_verdict(
        a.pacing, a.fillers, star, quantify, a.language, "star", options, readings=readings
    )
    assert sure.tips[0].title == "Finish with the Result" and sure.tips[0].sure
    # the same tip, in the same place, now saying which sentence could take it away
    first = unsure.tips[0]
    assert first.title == "Finish with the Result" and not first.sure
    assert first.detail.startswith('Not sure: "After that the load ran')
    assert [t.title for t in unsure.tips] == [t.title for t in sure.tips]
    assert all(t.sure for t in unsure.tips[1:])


def test_the_shipped_labeller_says_how_sure_each_label_is() -> None:
    a = analyze(
        Transcript(
            words=[
                Word(text=w, start=i * 0.4, end=i * 0.4 + 0.3)
                for i, w in enumerate(
                    "Sales dropped in the spring. I was asked to find out why. "
                    "I split the drop by region and channel. "
                    "Returns fell by a third after we fixed the sizing chart.".split()
                )
            ],
            duration=14.0,
        )
    )
    assert a.star.labels
    for lab in a.star.labels:
        assert lab.lead is not None and lab.lead >= 0
        assert lab.runner_up is not None and lab.runner_up != lab.label
