"""The STAR labeller's wording model: what it was trained on, what it leans towards, and how
the labeller uses and explains it."""

from __future__ import annotations

import hashlib
import json
import re
import sys
from pathlib import Path

import pytest

import voiceloop.analysis.wording as wording_module
from sessionkit import timed_sentences
from voiceloop.analysis.star import label_by_cues
from voiceloop.analysis.timeline import norm_tokens
from voiceloop.analysis.wording import MODEL_PATH, load_model, sentence_features, wording

HELDOUT = Path(__file__).resolve().parents[1] / "benchmarks" / "heldout"
sys.path.insert(0, str(HELDOUT))

import train_wording  # noqa: E402  (a script folder, not a package)


def test_the_shipped_model_comes_from_the_current_dev_answers_and_no_blind_test() -> None:
    trained_on = json.loads(MODEL_PATH.read_text(encoding="utf-8"))["trained_on"]
    blind_tests = {p.name for p in HELDOUT.glob("answers_test*.json")} - {"answers_test.json"}
    assert len(blind_tests) >= 5
    assert not set(trained_on) & blind_tests
    assert set(train_wording.DEV_FILES).isdisjoint(blind_tests)
    assert set(trained_on) == set(train_wording.DEV_FILES)
    for name, digest in trained_on.items():  # edited a dev set? run train_wording.py again
        assert hashlib.sha256((HELDOUT / name).read_bytes()).hexdigest()[:16] == digest, name


def test_features_are_words_pairs_and_the_opening_with_numbers_as_one_token() -> None:
    feats = sentence_features(["we", "cut", "costs", "by", "40%"])
    assert {"we", "cut", "<n>", "by <n>", "cut costs", "^we", "^we cut"} <= feats
    assert "40%" not in feats
    assert sentence_features([]) == set()


@pytest.mark.parametrize(
    ("text", "label"),
    [
        ("My job was to get the quarterly reports out on time without adding people.", "task"),
        (
            "I sat down with each of the three leads and rebuilt the schedule from scratch.",
            "action",
        ),
        ("The nurses kept using the new checklist long after the pilot ended.", "result"),
        ("Looking back, I should have asked the finance team for help much earlier.", "reflection"),
        ("These days I always ask who will own a dashboard before I build it.", "reflection"),
    ],
)
def test_the_wording_alone_leans_towards_the_section_the_sentence_belongs_to(
    text: str, label: str
) -> None:
    found = wording(norm_tokens(text))
    assert max(found.score, key=lambda k: found.score[k]) == label
    assert found.score[label] == 0.0
    assert all(v < 0 for k, v in found.score.items() if k != label)
    assert found.words[label], "the words that leaned towards it are named"


def test_named_words_are_never_plain_words_numbers_or_openings() -> None:
    said = "Four weeks later the team adopted the new metric and churn fell by 9%."
    found = wording(norm_tokens(said))
    named = [w for ws in found.words.values() for w in ws]
    assert named
    four = load_model().weights["four"]  # leans towards a label, but says nothing to a reader
    assert max(four) - sum(four) / len(four) >= 0.3
    plain = {"the", "and", "four"}
    assert not any(w.startswith("^") or "<n>" in w or w in plain for w in named), named


def test_a_model_whose_labels_differ_is_refused(tmp_path: Path) -> None:
    bad = json.loads(MODEL_PATH.read_text(encoding="utf-8"))
    bad["labels"] = ["situation", "task", "action", "result"]
    path = tmp_path / "model.json"
    path.write_text(json.dumps(bad), encoding="utf-8")
    with pytest.raises(ValueError, match="labels"):
        load_model(path)


ANSWER = [
    "Two years ago our clinic was losing patients to the new hospital across town.",
    "My job was to get our waiting times down before the winter rush.",
    "I mapped every step a patient took from the front desk to the exam room.",
    "I moved the paperwork online and added a second nurse to the morning shift.",
    "Our patients noticed, and the complaints about waiting mostly stopped.",
]


def test_the_labeller_adds_the_wording_and_names_it_where_no_cue_decided(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    labels = label_by_cues(timed_sentences(ANSWER))
    assert [lab.label for lab in labels] == ["situation", "task", "action", "action", "result"]
    assert re.search(r"wording like '[^']+'", labels[-1].reason), labels[-1].reason
    monkeypatch.setattr(wording_module, "WORDING_WEIGHT", 0.0)
    without = label_by_cues(timed_sentences(ANSWER))
    assert without[-1].label == "action"  # told plainly, with no Result cue: read as a step
    assert "wording" not in without[-1].reason


def test_the_training_script_writes_a_model_the_labeller_can_load(tmp_path: Path) -> None:
    out = tmp_path / "model.json"
    sys_argv = sys.argv
    try:
        sys.argv = ["train_wording.py", "answers_dev2.json", "answers_dev3.json", "--out", str(out)]
        assert train_wording.main() == 0
    finally:
        sys.argv = sys_argv
    model = load_model(out)
    assert set(json.loads(out.read_text())["trained_on"]) == {
        "answers_dev2.json",
        "answers_dev3.json",
    }
    assert 100 < len(model.weights) < len(load_model().weights)
    found = wording(norm_tokens("My job was to cut the backlog in half."), model)
    assert max(found.score, key=lambda k: found.score[k]) == "task"
