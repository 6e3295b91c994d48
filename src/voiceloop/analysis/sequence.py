"""The one labelling engine: a linear-chain model over a sequence of sentences.

Each sentence has features (words, cue evidence, position, its neighbours' evidence); a label's
emission score is the sum of its feature weights, and a transition score links consecutive
labels. :func:`viterbi` finds the best-scoring label sequence. The STAR labeller learns its
weights and transitions from labelled answers (``benchmarks/styles/train_labeller.py``); the
answer-shape judge uses the same search with fixed ordered transitions
(:func:`ordered_transitions`).

A model may also score how long a section runs (:func:`segment_viterbi`, a semi-Markov chain):
the path is then a series of sections, each a run of one label scored by its sentences, its
length and the label before it. A plain chain can only say "one more sentence of the same
label" at a fixed price per sentence, so a section type that is usually one sentence long (the
Task) gets dearer with every sentence it runs on; a length score need not grow that way.

:func:`presence_viterbi` also gives each label a bonus for being used at all: whether an
answer says a section is a decision about the whole answer, and a bonus moves that decision's
threshold without touching how any one sentence is scored (measured, not shipped: see
``benchmarks/styles/method_study.py presence``).
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cache, cached_property
from pathlib import Path
from typing import TypeVar

import numpy as np

Features = Mapping[str, float]
L = TypeVar("L")  # a label: its index or its name


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


def max_marginals(
    emissions: Sequence[Sequence[float]],
    transitions: Sequence[Sequence[float]],
    start: Sequence[float],
    end: Sequence[float],
) -> np.ndarray:
    """``[i, k]``: the best total score of any path that gives sentence ``i`` label ``k``.

    Each row's largest entry is the best path's score, at that path's label; how far a
    sentence's other labels fall below it is how much the best labelling would lose by reading
    that one sentence otherwise, neighbours free to follow."""
    e = np.asarray(emissions, dtype=np.float64)
    if e.size == 0:
        return e
    links = np.asarray(transitions, dtype=np.float64)
    ahead = np.zeros_like(e)  # the best score up to and including sentence i, labelled k
    rest = np.zeros_like(e)  # the best score after sentence i, given it is labelled k
    ahead[0] = e[0] + np.asarray(start, dtype=np.float64)
    for i in range(1, len(e)):
        ahead[i] = (ahead[i - 1][:, None] + links).max(axis=0) + e[i]
    rest[-1] = np.asarray(end, dtype=np.float64)
    for i in range(len(e) - 2, -1, -1):
        rest[i] = (links + (e[i + 1] + rest[i + 1])[None, :]).max(axis=1)
    return ahead + rest


def presence_viterbi(
    emissions: Sequence[Sequence[float]],
    transitions: Sequence[Sequence[float]],
    start: Sequence[float],
    end: Sequence[float],
    presence: Sequence[float],
) -> list[int]:
    """The label-index path with the highest total of emission, transition, start and end
    scores plus ``presence[k]`` once for every label ``k`` the path uses. Exact: the search
    runs over (label, set of labels used so far) states, 2^k sets of k labels."""
    if len(emissions) == 0:
        return []
    e = np.asarray(emissions, dtype=np.float64)
    n, k = e.shape
    links = np.asarray(transitions, dtype=np.float64)
    members = (np.arange(1 << k)[:, None] >> np.arange(k)) & 1  # [set, label]: 1 if in the set
    # best[b, m]: the best score of the sentences so far, the last labelled b, the labels used m
    best = np.full((k, 1 << k), -np.inf)
    best[np.arange(k), 1 << np.arange(k)] = np.asarray(start, dtype=np.float64) + e[0]
    before = np.zeros((n, k, 1 << k, 2), dtype=np.int64)  # (label, set) one sentence back
    for i in range(1, n):
        new = np.full((k, 1 << k), -np.inf)
        for b in range(k):
            options = best + links[:, b][:, None]  # [a, m]: label a before, labels used m
            a_best = options.argmax(axis=0)
            into = options[a_best, np.arange(1 << k)]
            sets = np.flatnonzero(members[:, b])  # the sets a path ending on b can have used
            # into a set holding b: from the same set, or from it without b (b used afresh)
            fresh = into[sets ^ (1 << b)] > into[sets]
            came = np.where(fresh, sets ^ (1 << b), sets)
            new[b, sets] = into[came] + e[i, b]
            before[i, b, sets, 0], before[i, b, sets, 1] = a_best[came], came
        best = new
    final = best + np.asarray(end, dtype=np.float64)[:, None] + members @ np.asarray(presence)
    b, m = (int(x) for x in np.unravel_index(int(np.argmax(final)), final.shape))
    path = [b]
    for i in range(n - 1, 0, -1):
        b, m = (int(x) for x in before[i, b, m])
        path.append(b)
    return path[::-1]


# the features (star_features' names) that describe how a sentence opens: a model that scores
# sections also weighs them, under their own names, for the sentence that begins a section
OPENING_KINDS = ("bias", "first=", "opens=", "prefix=", "has prefix", "fired=", "cue=")
OPENING_MARK = "^"


def opening_features(feats: Features) -> dict[str, float]:
    """A sentence's opening features under the names a section's first sentence weighs."""
    return {OPENING_MARK + k: v for k, v in feats.items() if k.startswith(OPENING_KINDS)}


# the lengths, in sentences, at which a new length score begins: 1, 2, 3, 4, 5-6, 7-9, 10 or more
DURATION_BOUNDS = (1, 2, 3, 4, 5, 7, 10)


def duration_bucket(length: int) -> int:
    """The index of the length score that a section of ``length`` sentences takes."""
    return max(i for i, bound in enumerate(DURATION_BOUNDS) if length >= bound)


def sections_of(path: Sequence[L]) -> list[tuple[L, int]]:
    """A label path as its sections: (label, number of sentences) runs, in order."""
    out: list[tuple[L, int]] = []
    for k in path:
        if out and out[-1][0] == k:
            out[-1] = (k, out[-1][1] + 1)
        else:
            out.append((k, 1))
    return out


def segment_viterbi(
    emissions: Sequence[Sequence[float]],
    transitions: Sequence[Sequence[float]],
    start: Sequence[float],
    end: Sequence[float],
    durations: Sequence[Sequence[float]],
    openings: Sequence[Sequence[float]] | None = None,
) -> list[int]:
    """The label path of the best series of sections: each section scores the sum of its
    sentences' emissions plus ``durations[k][duration_bucket(length)]``; ``transitions[a][b]``
    scores a section of label ``b`` right after one of ``a`` (never ``a`` itself: two sections
    in a row with one label would be one section); ``start``/``end``: the first and last.
    ``openings[i][k]``, when given, is added when a section of label ``k`` opens on sentence
    ``i`` (what a sentence that begins a section says, such as "let me back up")."""
    if not emissions:
        return []
    e = np.asarray(emissions, dtype=np.float64)
    n, k = e.shape
    links = np.asarray(transitions, dtype=np.float64) + np.diag(np.full(k, -np.inf))
    by_length = np.asarray(durations, dtype=np.float64).T[
        [duration_bucket(m) for m in range(1, n + 1)]
    ]  # row m - 1: each label's score for a section of m sentences
    totals = np.vstack([np.zeros(k), np.cumsum(e, axis=0)])
    # entry[i][b]: the best score of sentences before i, with a section of label b starting at i
    entry = np.empty((n, k))
    came_from = np.zeros((n, k), dtype=np.int64)
    opens = np.zeros((n, k)) if openings is None else np.asarray(openings, dtype=np.float64)
    entry[0] = np.asarray(start, dtype=np.float64) + opens[0]
    best = np.empty((n + 1, k))  # best[j][b]: sentences before j, the last section b
    began = np.zeros((n + 1, k), dtype=np.int64)
    for j in range(1, n + 1):
        starts = np.arange(j)
        scores = totals[j] - totals[:j] + by_length[j - 1 - starts] + entry[:j]
        began[j] = scores.argmax(axis=0)
        best[j] = scores[began[j], np.arange(k)]
        if j < n:
            options = best[j][:, None] + links
            came_from[j] = options.argmax(axis=0)
            entry[j] = options[came_from[j], np.arange(k)] + opens[j]
    label = int(np.argmax(best[n] + np.asarray(end, dtype=np.float64)))
    path: list[int] = []
    j = n
    while j > 0:
        i = int(began[j][label])
        path[:0] = [label] * (j - i)
        if i > 0:
            label = int(came_from[i][label])
        j = i
    return path


@dataclass(frozen=True)
class ChainModel:
    """Weights of a linear-chain labeller.

    ``weights[feature][k]``: how much the feature counts for label ``k``; ``transitions[a][b]``,
    ``start[k]`` and ``end[k]``: scores of label ``b`` following ``a``, of opening and of closing
    on label ``k``. ``about``: how the model was made (data, features, training), for people.
    ``durations[k][d]``, when given, scores a section of label ``k`` whose length falls in
    bucket ``d`` (:data:`DURATION_BOUNDS`): the path is then found section by section
    (:func:`segment_viterbi`) and ``transitions`` only link different labels.
    """

    labels: tuple[str, ...]
    weights: dict[str, tuple[float, ...]]
    transitions: tuple[tuple[float, ...], ...]
    start: tuple[float, ...]
    end: tuple[float, ...]
    about: dict[str, object]
    durations: tuple[tuple[float, ...], ...] = ()

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

    def best_path(
        self,
        emissions: Sequence[Sequence[float]],
        openings: Sequence[Sequence[float]] | None = None,
    ) -> list[int]:
        """The best label path for a sentence sequence's emission scores (and, for a model
        that scores sections, the scores of each sentence as a section's first)."""
        if self.durations:
            return segment_viterbi(
                emissions, self.transitions, self.start, self.end, self.durations, openings
            )
        return viterbi(emissions, self.transitions, self.start, self.end)

    def opening_scores(self, rows: Sequence[Features]) -> list[list[float]] | None:
        """Each sentence's scores as the first of a section, for a model that scores
        sections (None for a plain chain)."""
        return [self.emission(opening_features(f)) for f in rows] if self.durations else None

    def doubts(
        self, emissions: Sequence[Sequence[float]], path: Sequence[int]
    ) -> list[tuple[float, int]] | None:
        """For each sentence of the best ``path``: (how much that labelling loses by giving
        the sentence its next-best label instead, that label), neighbours free to follow.
        None for a model that scores sections (its paths are not a plain chain)."""
        if self.durations:
            return None
        out = []
        best = max_marginals(emissions, self.transitions, self.start, self.end)
        for row, k in zip(best, path, strict=True):
            other = max((j for j in range(len(row)) if j != k), key=lambda j: row[j])
            out.append((float(row[k] - row[other]), other))
        return out

    def decode(self, rows: Sequence[Features]) -> list[int]:
        return self.best_path([self.emission(f) for f in rows], self.opening_scores(rows))

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
            *(
                [f'"durations": {json.dumps([list(r) for r in self.durations])},']
                if self.durations
                else []
            ),
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
        durations=rows(data.get("durations") or []),
    )


@cache
def load_chain_model(path: Path) -> ChainModel:
    return chain_model_from(json.loads(path.read_text(encoding="utf-8")))
