"""The one labelling engine: a linear-chain model over a sequence of sentences.

Each sentence has features (words, cue evidence, position, its neighbours' evidence); a label's
emission score is the sum of its feature weights, and a transition score links consecutive
labels. :func:`viterbi` finds the best-scoring label sequence. The STAR labeller learns its
weights and transitions from labelled answers (``benchmarks/styles/train_labeller.py``); the
answer-shape judge uses the same search with fixed ordered transitions
(:func:`ordered_transitions`).
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cache, cached_property
from pathlib import Path

import numpy as np

Features = Mapping[str, float]


def ordered_transitions(n: int, back_penalty: float, skip_cost: float) -> list[list[float]]:
    """Transition scores for labels that should follow their index order: moving forward costs
    ``skip_cost`` per label skipped, going back costs ``back_penalty``."""
    return [
        [-back_penalty if b < a else -skip_cost * max(b - a - 1, 0) for b in range(n)]
        for a in range(n)
    ]


def viterbi(
    emissions: Sequence[Sequence[float]],
    transitions: Sequence[Sequence[float]],
    start: Sequence[float] | None = None,
    end: Sequence[float] | None = None,
    opening: Sequence[Sequence[float]] | None = None,
) -> list[int]:
    """The label-index path with the highest total of emission, transition, start and end
    scores. ``transitions[a][b]`` scores label ``b`` right after label ``a``; ``opening``, when
    given, replaces them between the first and the second sentence."""
    if not emissions:
        return []
    n = len(emissions[0])
    best = [e + (start[k] if start else 0.0) for k, e in enumerate(emissions[0])]
    back: list[list[int]] = []
    for step, row in enumerate(emissions[1:]):
        links = opening if opening is not None and step == 0 else transitions
        new = [-math.inf] * n
        ptr = [0] * n
        for b in range(n):
            for a in range(n):
                s = best[a] + links[a][b]
                if s > new[b]:
                    new[b], ptr[b] = s, a
            new[b] += row[b]
        back.append(ptr)
        best = new
    if end:
        best = [s + end[k] for k, s in enumerate(best)]
    path = [max(range(n), key=lambda i: best[i])]
    for ptr in reversed(back):
        path.append(ptr[path[-1]])
    return path[::-1]


@dataclass(frozen=True)
class ChainModel:
    """Weights of a linear-chain labeller.

    ``weights[feature][k]``: how much the feature counts for label ``k``; ``transitions[a][b]``,
    ``start[k]`` and ``end[k]``: scores of label ``b`` following ``a``, of opening and of closing
    on label ``k``. ``about``: how the model was made (data, features, training), for people.
    """

    labels: tuple[str, ...]
    weights: dict[str, tuple[float, ...]]
    transitions: tuple[tuple[float, ...], ...]
    start: tuple[float, ...]
    end: tuple[float, ...]
    about: dict[str, object]

    @cached_property
    def _matrix(self) -> tuple[dict[str, int], np.ndarray]:
        """The weights as one array (a row per feature), so that a sentence's hundreds of
        sentence-vector features are summed in one step instead of one by one."""
        index = {name: i for i, name in enumerate(self.weights)}
        matrix = np.array(list(self.weights.values()), dtype=np.float64).reshape(
            len(index), len(self.labels)
        )
        return index, matrix

    def emission(self, feats: Features) -> list[float]:
        index, matrix = self._matrix
        rows, values = [], []
        for name, value in feats.items():
            if (i := index.get(name)) is not None:
                rows.append(i)
                values.append(value)
        if not rows:
            return [0.0] * len(self.labels)
        total = np.asarray(values, dtype=np.float64) @ matrix[rows]
        return [float(x) for x in total]

    def decode(self, rows: Sequence[Features]) -> list[int]:
        return viterbi([self.emission(f) for f in rows], self.transitions, self.start, self.end)

    def pushed(self, feats: Features, label: int, versus: int) -> list[tuple[float, str]]:
        """The features that favoured ``label`` over ``versus`` most, strongest first."""
        out = []
        for name, value in feats.items():
            ws = self.weights.get(name)
            if ws is not None and (gain := (ws[label] - ws[versus]) * value) > 0:
                out.append((gain, name))
        return sorted(out, reverse=True)

    def group_gain(
        self, feats: Features, label: int, versus: int, prefixes: tuple[str, ...]
    ) -> float:
        """How much the features named with ``prefixes`` favour ``label`` over ``versus``
        together (negative: they favour ``versus``)."""
        total = 0.0
        for name, value in feats.items():
            if name.startswith(prefixes) and (ws := self.weights.get(name)) is not None:
                total += (ws[label] - ws[versus]) * value
        return total

    def to_json(self) -> str:
        lines = [
            "{",
            f'"labels": {json.dumps(list(self.labels))},',
            f'"about": {json.dumps(self.about)},',
            f'"transitions": {json.dumps([list(r) for r in self.transitions])},',
            f'"start": {json.dumps(list(self.start))},',
            f'"end": {json.dumps(list(self.end))},',
            '"weights": {',
        ]
        items = sorted(self.weights.items())
        for i, (name, ws) in enumerate(items):  # one feature a line: a retrain diffs readably
            comma = "," if i + 1 < len(items) else ""
            lines.append(f"{json.dumps(name)}: {json.dumps(list(ws))}{comma}")
        lines += ["}", "}"]
        return "\n".join(lines) + "\n"


def chain_model_from(data: Mapping[str, object]) -> ChainModel:
    def rows(value: object) -> tuple[tuple[float, ...], ...]:
        return tuple(tuple(float(x) for x in r) for r in value)  # type: ignore[attr-defined]

    weights = data["weights"]
    if not isinstance(weights, dict):
        raise ValueError("a chain model's weights must be an object of feature -> scores")
    return ChainModel(
        labels=tuple(str(x) for x in data["labels"]),  # type: ignore[attr-defined]
        weights={str(k): tuple(float(x) for x in v) for k, v in weights.items()},
        transitions=rows(data["transitions"]),
        start=tuple(float(x) for x in data["start"]),  # type: ignore[attr-defined]
        end=tuple(float(x) for x in data["end"]),  # type: ignore[attr-defined]
        about=dict(data.get("about") or {}),  # type: ignore[call-overload]
    )


@cache
def load_chain_model(path: Path) -> ChainModel:
    return chain_model_from(json.loads(path.read_text(encoding="utf-8")))
