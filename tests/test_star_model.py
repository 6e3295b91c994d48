"""The learned STAR labeller: its shipped model, its features, its engine and its reasons."""

from __future__ import annotations

import hashlib
import importlib
import itertools
import json
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from sessionkit import timed_sentences
from voiceloop.analysis.sequence import (
    DURATION_BOUNDS,
    ChainModel,
    chain_model_from,
    duration_bucket,
    load_chain_model,
    opening_features,
    ordered_transitions,
    presence_viterbi,
    sections_of,
    segment_viterbi,
    viterbi,
)
from voiceloop.analysis.star import STAR_MODEL_PATH, label_sentences, segment_star
from voiceloop.analysis.star_features import star_features
from voiceloop.models import STAR_LABELS, Transcript, Word
from voiceloop.options import AnalysisOptions

ROOT = Path(__file__).resolve().parents[1]
STYLES = ROOT / "benchmarks" / "styles"


def test_the_shipped_model_was_trained_on_the_dev_files_as_they_are() -> None:
    about = load_chain_model(STAR_MODEL_PATH).about
    data = about["data"]
    assert isinstance(data, dict)
    expected = sorted(p.name for p in STYLES.glob("*.json"))
    assert sorted(Path(k).name for k in data if k.startswith("benchmarks/styles/")) == expected
    # never a blind file: the blind styles and the heldout blind tests are for measuring
    assert not any("/blind/" in k or ("answers_test" in k and k[-6].isdigit()) for k in data)
    for rel, digest in data.items():
        assert hashlib.sha256((ROOT / rel).read_bytes()).hexdigest()[:16] == digest, (
            f"{rel} changed since the model was trained: run benchmarks/styles/train_labeller.py"
        )


@pytest.mark.slow
def test_training_is_deterministic_and_reproduces_the_shipped_model(tmp_path: Path) -> None:
    out = tmp_path / "model.json"
    subprocess.run([sys.executable, "train_labeller.py", "--out", str(out)], cwd=STYLES, check=True)
    if out.read_text(encoding="utf-8") == STAR_MODEL_PATH.read_text(encoding="utf-8"):
        return  # byte for byte, as on the machine that trained it
    # another CPU's int8 kernels may move the sentence vectors' last digits: the same model
    # then differs from the shipped one only in the last digits of some weights
    again = chain_model_from(json.loads(out.read_text(encoding="utf-8")))
    shipped = load_chain_model(STAR_MODEL_PATH)
    common = again.weights.keys() & shipped.weights.keys()
    assert len(common) >= 0.99 * len(shipped.weights)
    worst = max(
        abs(a - b)
        for k in common
        for a, b in zip(again.weights[k], shipped.weights[k], strict=True)
    )
    assert worst < 0.05, f"retrained weights differ by {worst}: retrain and ship the model"
    for r1, r2 in zip(again.transitions, shipped.transitions, strict=True):
        assert max(abs(a - b) for a, b in zip(r1, r2, strict=True)) < 0.05


def test_training_wants_a_wider_margin_for_rarer_sections(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.syspath_prepend(str(STYLES))
    trainer = importlib.import_module("train_labeller")
    # true labels: 3 Situation, 1 Task, 6 Action, 1 Result, 1 Reflection
    costs = trainer.label_costs([[0, 0, 0, 1, 2, 2, 2, 2, 2, 2, 3, 4]], 5, 10.0)
    assert (np.diag(costs) == 0).all()
    assert costs[1, 0] == costs[1, 2] > costs[0, 1] > costs[2, 0] > 0  # Task > Situation > Action
    assert costs.max(axis=1).mean() == pytest.approx(10.0)  # the margin is the mean head start
    assert trainer.label_costs([[0, 1, 2]], 3, 0.0).sum() == 0.0  # margin 0: the plain perceptron
    # on a toy corpus the margin leaves the Task's sentence further ahead of the other labels
    rows = [{"bias": 1.0, "fired=s": 1.0}, {"bias": 1.0, "fired=t": 1.0}]
    rows += [{"bias": 1.0, "fired=a": 1.0}] * 2
    toy = [(rows, [0, 1, 2, 2], f"style{i}") for i in range(4)]
    task = {"bias": 1.0, "fired=t": 1.0}

    def lead(margin: float) -> float:
        e = trainer.train(toy, epochs=5, seeds=1, margin=margin, dropout=0.0).emission(task)
        return float(e[1] - max(e[:1] + e[2:]))

    assert lead(10.0) > lead(0.0) > 0
    assert f"margin {trainer.MARGIN}" in load_chain_model(STAR_MODEL_PATH).about["method"]


def test_feature_dropout_in_training_is_seeded(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.syspath_prepend(str(STYLES))
    trainer = importlib.import_module("train_labeller")
    rows = [{"bias": 1.0, "fired=s": 1.0}, {"bias": 1.0, "fired=t": 1.0, "fired=goal": 1.0}]
    rows += [{"bias": 1.0, "fired=a": 1.0}] * 2
    toy = [(rows, [0, 1, 2, 2], f"style{i}") for i in range(4)]
    once, again = (trainer.train(toy, epochs=5, seeds=1, dropout=0.3) for _ in range(2))
    assert once == again  # the same data gives the same model
    assert once.weights != trainer.train(toy, epochs=5, seeds=1, dropout=0.0).weights
    shipped = load_chain_model(STAR_MODEL_PATH).about["method"]
    assert f"feature dropout {trainer.DROPOUT}" in shipped


def test_training_can_leave_out_whole_kinds_of_evidence_and_weigh_styles_alike(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Two training options of the method study (``method_study.py kinds`` and ``balanced``)."""
    monkeypatch.syspath_prepend(str(STYLES))
    trainer = importlib.import_module("train_labeller")
    names = ("w=churn", "^opens=so", "cue=task", "prev cue=task", "emb=3", "nemb=1", "pos", "says")
    assert [trainer.evidence_kind(n) for n in names] == [1, 1, 2, 2, 3, 3, 0, 0]
    kinds = np.array([0, 1, 2, 3])
    answer = [(np.arange(4), np.ones(4))] * 3
    rng = np.random.default_rng(0)
    seen = set()
    for _ in range(30):
        out = trainer._without_kinds(answer, 0.5, kinds, rng)
        kept = {tuple(idx.tolist()) for idx, _ in out}
        assert len(kept) == 1  # one draw for the whole answer, not one per sentence
        (idx,) = kept
        assert idx[0] == 0  # place and shape are never left out
        seen.add(idx)
        for i, v in zip(*out[0], strict=True):  # the kept kinds scaled by 1/(1 - 0.5)
            assert v == (1.0 if i == 0 else 2.0)
    assert len(seen) > 4  # kinds are left out in different combinations
    rows = [{"bias": 1.0, "fired=s": 1.0}, {"bias": 1.0, "w=goal": 1.0}]
    rows += [{"bias": 1.0, "emb=0": 1.0}] * 2
    toy = [(rows, [0, 1, 2, 2], "big")] * 3 + [(rows[:2] + rows[:1], [0, 1, 0], "small")]
    plain = trainer.train(toy, epochs=5, seeds=1, dropout=0.0)
    alike = trainer.train(toy, epochs=5, seeds=1, dropout=0.0, balance=True)
    assert "every style weighing the same" in str(alike.about["method"])
    assert alike.weights != plain.weights
    without = trainer.train(toy, epochs=5, seeds=1, dropout=0.0, group_dropout=0.5)
    assert "each kind of evidence dropped at 0.5" in str(without.about["method"])
    assert without.weights != plain.weights


def test_the_model_round_trips_through_its_json() -> None:
    model = load_chain_model(STAR_MODEL_PATH)
    again = chain_model_from(json.loads(model.to_json()))
    assert again == model
    assert model.labels == STAR_LABELS
    assert len(model.transitions) == len(STAR_LABELS)


def test_viterbi_weighs_emissions_against_transitions_start_and_end() -> None:
    links = [[0.0, -5.0], [-5.0, 0.0]]  # changing label is dear
    rows = [[1.0, 0.0], [0.0, 2.0], [1.0, 0.0]]
    assert viterbi(rows, links) == [0, 0, 0]
    assert viterbi(rows, [[0.0, 0.0], [0.0, 0.0]]) == [0, 1, 0]
    assert viterbi(rows, [[0.0, 0.0], [0.0, 0.0]], start=[0.0, 3.0]) == [1, 1, 0]
    assert viterbi(rows, [[0.0, 0.0], [0.0, 0.0]], end=[0.0, 3.0]) == [0, 1, 1]
    # an opening transition applies between the first two sentences only
    free_back = [[0.0, 0.0], [0.0, 0.0]]
    ordered = ordered_transitions(2, back_penalty=9.0, skip_cost=0.0)
    back_rows = [[0.0, 1.0], [1.0, 0.0], [1.0, 0.0]]
    assert viterbi(back_rows, ordered) == [0, 0, 0]
    assert viterbi(back_rows, ordered, opening=free_back) == [1, 0, 0]


def _path_total(
    path: tuple[int, ...],
    rows: np.ndarray,
    links: np.ndarray,
    start: np.ndarray,
    end: np.ndarray,
    lengths: np.ndarray,
) -> float:
    """A label path's score under a section-length model, added up section by section."""
    runs = sections_of(path)
    return float(
        sum(rows[i, label] for i, label in enumerate(path))
        + start[path[0]]
        + end[path[-1]]
        + sum(lengths[label, duration_bucket(size)] for label, size in runs)
        + sum(links[a, b] for (a, _), (b, _) in itertools.pairwise(runs))
    )


def test_section_by_section_search_finds_the_best_series_of_sections() -> None:
    rng = np.random.default_rng(7)
    for _ in range(60):  # against every path of a few sentences
        n, k = int(rng.integers(1, 6)), 3
        model = (
            rng.normal(size=(n, k)),
            rng.normal(size=(k, k)),
            rng.normal(size=k),
            rng.normal(size=k),
            rng.normal(size=(k, len(DURATION_BOUNDS))),
        )
        best = max(itertools.product(range(k), repeat=n), key=lambda p: _path_total(p, *model))
        rows, links, start, end, lengths = model
        found = segment_viterbi(rows.tolist(), links.tolist(), start, end, lengths.tolist())
        assert _path_total(tuple(found), *model) == pytest.approx(_path_total(best, *model))
    assert segment_viterbi([], [[0.0]], [0.0], [0.0], [[0.0] * 7]) == []


def test_a_length_score_lets_a_section_run_on_where_a_chain_cuts_it() -> None:
    # sentence 2 leans to "b"; a chain charges -2 for each extra "a" sentence and so gives it
    # up, a section-length model that does not mind a long "a" keeps it
    rows = [[4.0, 0.0], [3.0, 0.0], [3.0, 3.5], [0.0, 3.0]]
    chain = viterbi(rows, [[-2.0, 0.0], [0.0, 0.0]])
    assert chain == [0, 0, 1, 1]
    lengths = [[0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0], [0.0, -1.0, -1.0, -1.0, -1.0, -1.0, -1.0]]
    by_section = segment_viterbi(rows, [[0.0, 0.0], [0.0, 0.0]], [0, 0], [0, 0], lengths)
    assert by_section == [0, 0, 0, 1]
    assert [duration_bucket(m) for m in (1, 2, 4, 5, 6, 7, 9, 10, 40)] == [
        0,
        1,
        3,
        4,
        4,
        5,
        5,
        6,
        6,
    ]
    assert sections_of([2, 2, 0, 2]) == [(2, 2), (0, 1), (2, 1)]


def test_training_section_by_section_learns_how_long_sections_run(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.syspath_prepend(str(STYLES))
    trainer = importlib.import_module("train_labeller")
    # the goal sentences look alike whatever their number: only a length score tells
    goal = {"bias": 1.0, "fired=goal": 1.0}
    rows = [{"bias": 1.0, "fired=s": 1.0}, goal, goal, goal, {"bias": 1.0, "fired=a": 1.0}]
    toy = [(rows, [0, 1, 1, 1, 2], f"style{i}") for i in range(4)]
    model = trainer.train(toy, epochs=5, seeds=1, dropout=0.0, segments=True)
    assert len(model.durations) == len(STAR_LABELS)
    assert model.decode(rows) == [0, 1, 1, 1, 2]
    assert chain_model_from(json.loads(model.to_json())) == model
    assert trainer.train(toy, epochs=5, seeds=1, dropout=0.0).durations == ()
    opened = trainer.train(toy, epochs=5, seeds=1, dropout=0.0, segments=True, openings=True)
    # a section's first sentence is also weighed by how it opens, under its own names
    assert opened.weights["^fired=goal"][1] > opened.weights["^fired=goal"][0]
    assert not any(name.startswith("^") for name in model.weights)
    assert opened.decode(rows) == [0, 1, 1, 1, 2]


def test_a_sections_opening_sentence_can_decide_where_it_begins() -> None:
    rows = [[1.0, 0.0], [1.0, 1.0], [0.0, 1.0]]  # sentence 1 could go either way
    plain = ([[0.0, 0.0], [0.0, 0.0]], [0.0, 0.0], [0.0, 0.0], [[0.0] * 7, [0.0] * 7])
    assert segment_viterbi(rows, *plain) in ([0, 0, 1], [0, 1, 1])
    assert segment_viterbi(rows, *plain, openings=[[0, 0], [0, 2.0], [0, 0]]) == [0, 1, 1]
    assert segment_viterbi(rows, *plain, openings=[[0, 0], [0, 0], [0, 2.0]]) == [0, 0, 1]
    assert opening_features({"bias": 1.0, "first=so": 1.0, "w=so": 1.0, "cue=task": 0.5}) == {
        "^bias": 1.0,
        "^first=so": 1.0,
        "^cue=task": 0.5,
    }


def _presence_total(
    path: tuple[int, ...],
    rows: np.ndarray,
    links: np.ndarray,
    start: np.ndarray,
    end: np.ndarray,
    bonus: np.ndarray,
) -> float:
    """A label path's chain score plus each label's bonus once if the path uses it."""
    return float(
        sum(rows[i, label] for i, label in enumerate(path))
        + sum(links[a, b] for a, b in itertools.pairwise(path))
        + start[path[0]]
        + end[path[-1]]
        + sum(bonus[label] for label in set(path))
    )


def test_the_presence_search_finds_the_best_path_with_each_label_counted_once() -> None:
    rng = np.random.default_rng(11)
    for _ in range(80):  # against every path of a few sentences
        n, k = int(rng.integers(1, 6)), int(rng.integers(2, 5))
        # the bonuses larger than the rest, so that they often decide the path
        scale = (1.0, 1.0, 1.0, 1.0, 3.0)
        shapes = ((n, k), (k, k), k, k, k)
        model = tuple(x * rng.normal(size=shape) for x, shape in zip(scale, shapes, strict=True))
        best = max(itertools.product(range(k), repeat=n), key=lambda p: _presence_total(p, *model))
        rows, links, start, end, bonus = model
        found = presence_viterbi(rows.tolist(), links.tolist(), start, end, bonus)
        assert _presence_total(tuple(found), *model) == pytest.approx(_presence_total(best, *model))
        # no bonus: the plain chain's path
        plain = viterbi(rows.tolist(), links.tolist(), start.tolist(), end.tolist())
        assert presence_viterbi(rows.tolist(), links.tolist(), start, end, [0.0] * k) == plain
    assert presence_viterbi([], [[0.0]], [0.0], [0.0], [1.0]) == []


def test_a_model_scores_features_and_names_what_pushed_a_label() -> None:
    model = ChainModel(
        labels=("a", "b"),
        weights={"w=shipped": (0.0, 2.0), "w=goal": (1.5, 0.0), "bias": (0.1, 0.0)},
        transitions=((0.0, 0.0), (0.0, 0.0)),
        start=(0.0, 0.0),
        end=(0.0, 0.0),
        about={},
    )
    feats = {"w=shipped": 1.0, "bias": 1.0, "w=unknown": 1.0}
    assert model.emission(feats) == [0.1, 2.0]
    assert model.pushed(feats, 1, 0) == [(2.0, "w=shipped")]
    assert model.decode([{"w=goal": 1.0}, feats]) == [0, 1]


def test_features_see_words_cues_position_notes_prefixes_and_neighbours() -> None:
    texts = ["Context: churn up 4 points.", "Outcome: churn back to baseline by June."]
    cues = [{"situation": 1.5, "result": 0.0}, {"result": 9.0}]
    rows = star_features(texts, cues, [0.25, 0.75], [["cue3"], []])
    first, second = rows
    assert first["prefix=context"] == 1.0 and second["prefix=outcome"] == 1.0
    assert first["w=<n>"] == 1.0 and first["has number"] == 1.0  # numbers are one word
    assert first["cue=situation"] == 0.75 and second["cue=result"] == 2.0  # capped at 4
    assert first["fired=cue3"] == 1.0
    assert first["first sentence"] == 1.0 and second["last sentence"] == 1.0
    assert first["next cue=result"] == 1.0 and second["prev cue=situation"] == 1.0
    assert first["fifth=1"] == 1.0 and second["fifth=3"] == 1.0


def test_a_result_told_first_is_still_a_result_and_the_story_follows() -> None:
    texts = [
        "The short version is that we cut checkout failures by forty percent in six weeks.",
        "Let me back up: I was the analyst on the payments team at a furniture retailer.",
        "Checkout failures had doubled after a gateway migration and nobody knew why.",
        "My manager asked me to find the cause before the holiday sale.",
        "I pulled a month of gateway logs and joined them to the order table.",
        "I found that one card network timed out whenever a retry fired.",
        "I wrote a fix for the retry logic with the platform team and we shipped it.",
    ]
    labels = [lab.label for lab in label_sentences(timed_sentences(texts))]
    assert labels[0] == "result"
    assert labels[1] == "situation"
    assert "action" in labels[4:]


def test_notes_read_aloud_are_labelled_by_their_roles() -> None:
    texts = [
        "Context: mobile game studio, two million monthly players.",
        "Problem: sessions per user rising, revenue flat.",
        "Ask from my director: explain the gap before the roadmap review.",
        "Pulled twelve months of session logs.",
        "Split sessions by trigger, organic versus push notification.",
        "Built a new metric and validated it against retention.",
        "Outcome: new metric adopted as the team north star the next quarter.",
        "Lesson: any metric one team can move cheaply needs a guardrail.",
    ]
    labels = [lab.label for lab in label_sentences(timed_sentences(texts))]
    assert labels[0] == "situation"
    assert labels[3:6] == ["action"] * 3
    assert labels[6] == "result"
    assert labels[7] == "reflection"


def test_every_label_has_a_reason_a_cue_the_order_or_the_words() -> None:
    words = []
    t = 0.0
    text = (
        "I was a data scientist at a grocery app. My goal was to stop the churn. "
        "I pulled the logs and built a model. Churn fell from nine to six percent. "
        "I learned to involve finance early."
    )
    for token in text.split():
        words.append(Word(text=token, start=t, end=t + 0.3))
        t += 0.4
    star = segment_star(Transcript(words=words, duration=t + 1.0), AnalysisOptions())
    assert [lab.label for lab in star.labels] == list(STAR_LABELS)
    for lab in star.labels:
        assert lab.reason.startswith(("cue", "order", "position")), lab.reason


def test_a_word_is_named_once_in_a_reason() -> None:
    texts = [
        "At my last company, I was a data scientist on the checkout team.",
        "In March, our conversion rate on mobile had dropped from 4% to 3.2%.",
        "And nobody knew why.",
        "My task was to find the root cause within two weeks before the holiday sale.",
        "So, um, first I split the drop by device, browser and payment method.",
        "I found that almost all of it came from one payment provider.",
        "I wrote a short report and we agreed on a fix and a rollback plan.",
        "Conversion went back up to 4.1% within 10 days.",
        "Since then, looking back, I learned to check the data pipeline first.",
    ]
    labels = label_sentences(timed_sentences(texts))
    assert "'nobody'" in labels[2].reason  # its word and its opening word: two features
    for lab in labels:
        quoted = re.findall(r"'([^']+)'", lab.reason.partition("wording like")[2])
        assert len(quoted) == len(set(quoted)), lab.reason


def test_options_choose_another_model(tmp_path: Path) -> None:
    """A retrained or leave-one-style-out model is passed through the options."""
    only_action = ChainModel(
        labels=STAR_LABELS,
        weights={"bias": (0.0, 0.0, 5.0, 0.0, 0.0)},
        transitions=tuple(tuple(0.0 for _ in STAR_LABELS) for _ in STAR_LABELS),
        start=(0.0,) * 5,
        end=(0.0,) * 5,
        about={},
    )
    path = tmp_path / "m.json"
    path.write_text(only_action.to_json(), encoding="utf-8")
    words = [
        Word(text=w, start=i * 0.4, end=i * 0.4 + 0.3)
        for i, w in enumerate("I was the analyst there. Churn fell by half.".split())
    ]
    star = segment_star(Transcript(words=words, duration=5.0), AnalysisOptions(star_model=path))
    assert {lab.label for lab in star.labels} == {"action"}


def test_a_words_forms_share_one_stem_whatever_the_tense() -> None:
    from voiceloop.analysis.star_features import stem

    assert {stem(w) for w in ("pulled", "pulling", "pulls", "pull")} == {"pull"}
    assert stem("studies") == stem("studied") == "study"
    assert stem("processes") == stem("process") == "process"
    assert stem("status") == "status" and stem("analysis") == "analysis"
    assert stem("ran") == "ran" and stem("<n>") == "<n>"  # short words and numbers as they are


def test_a_reason_says_when_the_sentence_meaning_agreed_with_its_label() -> None:
    texts = [
        "Back in 2022 I ran analytics for a regional bus operator.",
        "Ridership data came in three weeks late every month.",
        "Leadership wanted weekly numbers before the budget cycle.",
        "So I wrote a pipeline off the fare-card feed.",
        "Then I sat with the planners every Friday to walk through it.",
        "Looking back, I would have brought the drivers in sooner.",
    ]
    labels = label_sentences(timed_sentences(texts))
    # no cue names a goal here: the order and the words decide it
    assert labels[2].label == "task"
    # no cue sets the scene either: the second sentence's meaning does, with the order
    assert labels[1].label == "situation"
    assert "what it says reads like the Situation" in labels[1].reason
    for lab in labels:  # the phrase only ever names the label the sentence got
        said = re.search(r"reads like the (\w+)", lab.reason)
        assert said is None or said.group(1).lower() == lab.label, lab.reason
