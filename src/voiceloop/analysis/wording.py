"""Wording evidence for the STAR labeller: how much a sentence's words sound like each section.

The cue lists in :mod:`voiceloop.analysis.star` name the phrases that announce a section
("as a result", "my goal was"); answers also tell a Result or a Task in words no list
names. This module holds a small logistic regression from a sentence's words, word pairs
and opening word(s) to its STAR label, trained on the blind development answers in
``benchmarks/heldout`` (never the blind tests) by ``benchmarks/heldout/train_wording.py``.
Its log-probabilities, scaled down by :data:`WORDING_WEIGHT`, are added to the cue
evidence, so a cue still outweighs it; the report names the words that leaned a sentence
towards its label when no cue did.
"""

from __future__ import annotations

import itertools
import json
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from voiceloop.analysis.numbers import CARDINAL_WORDS
from voiceloop.models import STAR_LABELS

MODEL_PATH = Path(__file__).with_name("wording_model.json")
FEATURE_RULE = "words, adjacent word pairs, first word, first two words; numbers as <n>"
# Share of the wording model's log-probabilities added to the cue evidence; chosen by
# leaving each blind dev set out of training in turn and labelling its transcripts
# (0.1-0.25 all helped; 0.15 best).
WORDING_WEIGHT = 0.15
# A word needs at least this weight towards a label (over its mean weight) to be named.
_NAMED_WEIGHT = 0.3
_NUMBER = re.compile(r"^[+\-\u2212$]?\d")
# Words too plain to explain a label on their own ("the", "a", "four"): a feature made only
# of these still counts, but the report does not name it.
_PLAIN = CARDINAL_WORDS | frozenset(
    """a an the and or but so of to in on at for with by from as that this it its is was
    were be been i we my our me us you he she they them his her their there which who what
    when then than just also very really all some any hundred thousand million""".split()
)


def _nameable(feat: str) -> bool:
    words = feat.split()
    return not feat.startswith("^") and "<n>" not in words and any(w not in _PLAIN for w in words)


def sentence_features(tokens: list[str]) -> set[str]:
    """The model's features of a sentence's normalized tokens."""
    words = ["<n>" if _NUMBER.match(t) else t for t in tokens]
    feats = set(words) | {f"{a} {b}" for a, b in itertools.pairwise(words)}
    if words:
        feats.add("^" + words[0])
    if len(words) > 1:
        feats.add(f"^{words[0]} {words[1]}")
    return feats


@dataclass(frozen=True)
class WordingModel:
    labels: tuple[str, ...]
    bias: tuple[float, ...]
    weights: dict[str, tuple[float, ...]]


@cache
def load_model(path: Path = MODEL_PATH) -> WordingModel:
    data = json.loads(path.read_text(encoding="utf-8"))
    if tuple(data["labels"]) != STAR_LABELS:
        raise ValueError(f"{path.name}: labels {data['labels']} are not {list(STAR_LABELS)}")
    return WordingModel(
        labels=tuple(data["labels"]),
        bias=tuple(data["bias"]),
        weights={f: tuple(ws) for f, ws in data["weights"].items()},
    )


@dataclass(frozen=True)
class Wording:
    """``score``: per label, WORDING_WEIGHT times the log-probability less the best one's
    (0 for the label the words favour most, negative for the others); ``words``: per label,
    the features that leaned towards it most, strongest first."""

    score: dict[str, float]
    words: dict[str, list[str]]


def wording(tokens: list[str], model: WordingModel | None = None) -> Wording:
    if model is None:
        model = load_model()
    logits = list(model.bias)
    leaning: dict[str, list[tuple[float, str]]] = {lab: [] for lab in STAR_LABELS}
    for feat in sorted(sentence_features(tokens)):  # a fixed order: the same sums every run
        ws = model.weights.get(feat)
        if ws is None:
            continue
        mean = sum(ws) / len(ws)
        for k, lab in enumerate(STAR_LABELS):
            logits[k] += ws[k]
            if ws[k] - mean >= _NAMED_WEIGHT and _nameable(feat):
                leaning[lab].append((ws[k] - mean, feat))
    top = max(logits)  # log-probability less the best one's is logit less the top logit
    return Wording(
        score={lab: WORDING_WEIGHT * (z - top) for lab, z in zip(STAR_LABELS, logits, strict=True)},
        words={lab: [f for _, f in sorted(leaning[lab], reverse=True)] for lab in STAR_LABELS},
    )
