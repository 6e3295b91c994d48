"""Train the STAR labeller's linear-chain model on the answer-style corpus.

    python benchmarks/styles/train_labeller.py            # writes the shipped model
    python benchmarks/styles/train_labeller.py --out F    # somewhere else

Training data: every development answer (``benchmarks/styles/*.json`` and the typical
blind-dev answers of ``benchmarks/heldout``), never ``benchmarks/styles/blind*/`` nor the
heldout blind tests. Method: an averaged structured perceptron (Collins 2002) over the features
of ``voiceloop.analysis.star_features`` (words, cues, position, neighbours and the sentence
encoder's vectors), learning emission weights and label transitions together. It is trained
with a margin: while training, every wrong label of a sentence gets a head start of ``MARGIN``
times a cost that grows as its true label is rarer (1/sqrt of its share of the sentences,
scaled to average 1), so an answer counts as labelled right only once its true labels win by
that much, and most by the rare sections (the Task, one sentence in most answers, decides
whether the answer "has a Task"). Each feature is also left out of a sentence at random at
each step (dropout, ``DROPOUT``), so no one kind of evidence carries a section alone. ``SEEDS``
runs over orders drawn from fixed seeds are averaged into one model, so the same data gives the
same model (byte for byte on one machine; int8 arithmetic on another CPU may move a sentence
vector's last digits, and with them a weight's).
"""

from __future__ import annotations

import argparse
import hashlib
import itertools
import random
from collections import Counter, defaultdict
from collections.abc import Sequence
from pathlib import Path

import numpy as np
from corpus import Answer, dev_corpus, dev_files, transcript_of

from voiceloop.analysis.sequence import (
    DURATION_BOUNDS,
    OPENING_MARK,
    ChainModel,
    duration_bucket,
    opening_features,
    presence_viterbi,
    sections_of,
    segment_viterbi,
    viterbi,
)
from voiceloop.analysis.star import STAR_MODEL_PATH, sentence_rows
from voiceloop.models import STAR_LABELS, Sentence

EPOCHS = 12
MIN_ANSWERS = 2  # a feature must appear in this many training answers to be kept
MIN_STYLES = 3  # and a word feature in this many styles: words one style uses do not carry
SEED = 20261203
SEEDS = 3  # runs over different orders, averaged into one model
# the margin, in the units of the model's scores: chosen by leaving one style out among 0, 20,
# 60, 150 and 300 (docs/accuracy.md, "STAR by answer style (voiceloop 0.6.2)")
MARGIN = 150.0
# each feature's chance of being left out of a sentence at each training step (its value
# scaled up by 1/(1 - DROPOUT) when kept), so that no single kind of evidence carries a
# section alone: a style the model never saw often lacks the words it leans on. 0.3 was the
# one rate measured (docs/accuracy.md, "STAR by answer style (voiceloop 0.6.3)").
DROPOUT = 0.3
ROOT = Path(__file__).resolve().parents[2]
Rows = list[dict[str, float]]


def answer_rows(answer_sentences: Sequence[str]) -> Rows:
    """Features of the written sentences, timed as the labeller would see them spoken."""
    transcript, owner = transcript_of(answer_sentences)
    sentences: list[Sentence] = []
    for k, text in enumerate(answer_sentences):
        idx = [i for i, o in enumerate(owner) if o == k]
        ws = transcript.words
        first, last = ws[idx[0]], ws[idx[-1]]
        sentences.append(
            Sentence(
                index=k,
                first_word=idx[0],
                last_word=idx[-1],
                start=first.start,
                end=last.end,
                text=text,
            )
        )
    return sentence_rows(sentences)


Example = tuple[Rows, list[int], str]  # features, gold label indices, style


def as_heard(text: str) -> str:
    """A written sentence as a recogniser tends to write it down: no colons (a label read
    aloud, "Outcome: churn fell", comes out as "Outcome, churn fell") and no semicolons."""
    return text.replace(":", ",").replace(";", ",")


def examples(answers: Sequence[Answer]) -> list[Example]:
    out = []
    for a in answers:
        for variant, texts, labels, _ in a.variants():
            if variant == "unquantified":
                continue  # the same structure as the original
            gold = [STAR_LABELS.index(lab) for lab in labels]
            out.append((answer_rows(texts), gold, a.style))
            heard = [as_heard(t) for t in texts]
            if heard != texts:  # also as transcribed, so the model does not lean on colons
                out.append((answer_rows(heard), gold, a.style))
    return out


def _general(name: str) -> bool:
    """Word features must be seen in several styles to be kept; the rest in several answers."""
    return name.removeprefix(OPENING_MARK).split("=", 1)[0] in _WORDY


# features named by words (a cue's id, "fired=...", is not one)
_WORDY = {"w", "b", "s", "sb", "pw", "nw", "first", "opens", "prefix", "prev opens", "next opens"}


def kept_features(examples: Sequence[Example]) -> list[str]:
    """The features seen often enough to be weighed, sorted by name."""
    seen: Counter[str] = Counter()
    styles: dict[str, set[str]] = defaultdict(set)
    for rows, _, style in examples:
        names = {name for f in rows for name in f}
        seen.update(names)
        for name in names:
            styles[name].add(style)
    return sorted(
        name for name, c in seen.items()
        if c >= MIN_ANSWERS and (not _general(name) or len(styles[name]) >= MIN_STYLES)
    )  # fmt: skip


def train(
    examples: Sequence[Example],
    epochs: int = EPOCHS,
    seeds: int = SEEDS,
    margin: float = MARGIN,
    dropout: float = DROPOUT,
    segments: bool = False,
    openings: bool = False,
    balance: bool = False,
    group_dropout: float = 0.0,
    presence_cost: float = 0.0,
) -> ChainModel:
    """``segments``: decode section by section with length scores; ``openings`` (with it):
    also weigh how a section's first sentence opens (``sequence.opening_features``);
    ``balance``: every style's answers weigh the same in total (an answer's updates are scaled
    by the answers per style over its style's count), so the largest style's habits do not
    set the model's idea of a section; ``group_dropout``: each kind of evidence (the words, the
    cues, the sentence vectors: :data:`EVIDENCE_KINDS`) left out of a whole answer at this
    chance at each step, so that each can label an answer alone; ``presence_cost``: the
    loss-augmented decoding also gives a wrong labelling this head start for each section it
    says that the answer lacks or lacks that the answer says, so an answer keeps teaching
    until its true set of sections wins by that margin too."""
    n = len(STAR_LABELS)
    if openings:
        examples = [
            ([f | opening_features(f) for f in rows], gold, style) for rows, gold, style in examples
        ]
    names = kept_features(examples)
    index = {name: i for i, name in enumerate(names)}

    def sparse(f: dict[str, float], opening: bool) -> tuple[np.ndarray, np.ndarray]:
        keys = [k for k in f if k in index and k.startswith(OPENING_MARK) == opening]
        return (
            np.array([index[k] for k in keys], dtype=np.int64),
            np.array([f[k] for k in keys], dtype=np.float64),
        )

    # each sentence as (feature indexes, values): numpy sums and updates, same arithmetic;
    # a section's first sentence also has its opening features, kept apart
    data = [
        (
            [sparse(f, False) for f in rows],
            [sparse(f, True) for f in rows] if openings else [],
            gold,
        )
        for rows, gold, _ in examples
    ]
    costs = label_costs([g for _, _, g in data], n, margin)
    per_style = Counter(style for _, _, style in examples)
    scale = (
        [len(examples) / (len(per_style) * per_style[style]) for _, _, style in examples]
        if balance
        else None
    )
    by_kind = (
        (group_dropout, np.array([evidence_kind(name) for name in names], dtype=np.int64))
        if group_dropout
        else None
    )
    runs = [
        _perceptron(
            data,
            len(names),
            n,
            epochs,
            seed,
            costs,
            dropout,
            segments,
            scale,
            by_kind,
            presence_cost,
        )
        for seed in range(SEED, SEED + seeds)
    ]
    # the mean of runs that saw the answers in different orders: one linear model, steadier
    # than any of them (a single perceptron's weights swing with the order of its updates)
    weight_sum = sum(r[0] for r in runs)
    trans_sum, start_sum, end_sum, length_sum = (sum(r[k] for r in runs) for k in (1, 2, 3, 4))
    averaged = np.round(weight_sum / seeds, 4)
    weights = {
        name: tuple(float(x) for x in averaged[i])
        for i, name in enumerate(names)
        if averaged[i].any()
    }

    def mean(values: np.ndarray) -> tuple[float, ...]:
        return tuple(float(x) for x in np.round(values / seeds, 4))

    return ChainModel(
        labels=STAR_LABELS,
        weights=weights,
        transitions=tuple(mean(row) for row in trans_sum),
        start=mean(start_sum),
        end=mean(end_sum),
        durations=tuple(mean(row) for row in length_sum) if segments else (),
        about={
            "method": f"averaged structured perceptron, {epochs} epochs, margin {margin} "
            f"(cost 1/sqrt of the true label's share), feature dropout {dropout}, mean of "
            f"{seeds} orders (seeds "
            f"{SEED}..{SEED + seeds - 1})"
            + (", section by section with length scores (semi-Markov)" if segments else "")
            + (" and opening features" if openings else "")
            + (", every style weighing the same" if balance else "")
            + (f", each kind of evidence dropped at {group_dropout}" if group_dropout else "")
            + (f", presence cost {presence_cost}" if presence_cost else ""),
            "features": f"voiceloop.analysis.star_features, kept if in >= {MIN_ANSWERS} answers"
            f" (words: and >= {MIN_STYLES} styles); sentence vectors from"
            " voiceloop.analysis.encoder (all-MiniLM-L6-v2, int8)",
            "answers": len(data),
        },
    )


Sparse = list[tuple[np.ndarray, np.ndarray]]  # a sentence's feature indexes and values


def label_costs(golds: Sequence[Sequence[int]], n: int, margin: float) -> np.ndarray:
    """``costs[g][k]``: the head start label ``k`` gets in training on a sentence whose true
    label is ``g``: 0 for ``g`` itself, else ``margin`` times 1/sqrt(g's share of the
    sentences), those weights scaled to average 1 over the labels."""
    counts = np.bincount(np.concatenate([np.asarray(g) for g in golds]), minlength=n)
    weight = 1 / np.sqrt(np.maximum(counts, 1) / counts.sum())
    weight *= n / weight.sum()
    return (margin * weight)[:, None] * (1 - np.eye(n))


# the kinds of evidence a sentence has (star_features' names by prefix): the words it and its
# neighbours say, the hand cues, the sentence encoder's vectors; 0 for the rest (place, shape)
EVIDENCE_KINDS = (
    ("w=", "b=", "s=", "sb=", "first=", "opens=", "prefix=", "pw=", "nw=", "prev opens=",
     "next opens="),
    ("cue=", "fired=", "prev cue=", "next cue=", "cue order says="),
    ("emb=", "pemb=", "nemb="),
)  # fmt: skip


def evidence_kind(name: str) -> int:
    """1 + the index of a feature's kind in :data:`EVIDENCE_KINDS`, or 0."""
    bare = name.removeprefix(OPENING_MARK)
    return next((i + 1 for i, kind in enumerate(EVIDENCE_KINDS) if bare.startswith(kind)), 0)


def _without_kinds(
    rows: Sparse, rate: float, kinds: np.ndarray, rng: np.random.Generator
) -> Sparse:
    """``rows`` with each kind of evidence left out of every sentence at the chance ``rate``
    (one draw per kind for the whole answer), the kept kinds scaled by 1/(1 - rate)."""
    lost = np.concatenate([[False], rng.random(len(EVIDENCE_KINDS)) < rate])
    out = []
    for idx, val in rows:
        kind = kinds[idx]
        keep = ~lost[kind]
        out.append((idx[keep], np.where(kind > 0, val / (1 - rate), val)[keep]))
    return out


def _dropped(rows: Sparse, rate: float, rng: np.random.Generator) -> Sparse:
    """``rows`` with each feature left out at the chance ``rate``, the kept ones scaled by
    1/(1 - rate) so a sentence's expected score stays as it was."""
    out = []
    for idx, val in rows:
        keep = rng.random(len(idx)) >= rate
        out.append((idx[keep], val[keep] / (1 - rate)))
    return out


def _perceptron(
    data: Sequence[tuple[Sparse, Sparse, list[int]]],
    features: int,
    n: int,
    epochs: int,
    seed: int,
    costs: np.ndarray,
    dropout: float = 0.0,
    segments: bool = False,
    scale: Sequence[float] | None = None,
    by_kind: tuple[float, np.ndarray] | None = None,
    presence_cost: float = 0.0,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """One averaged perceptron run (Collins 2002) over ``data`` in the order ``seed`` draws:
    averaged emission weights, transitions, start, end and section-length scores (the last
    all zero unless ``segments``: then answers are decoded section by section and transitions
    link sections, not sentences). Each answer is decoded with ``costs`` added
    (loss-augmented decoding), so it is updated until its true labelling wins by that
    margin. ``scale[k]``, when given, multiplies answer ``k``'s updates; ``by_kind``, when
    given, is (chance, each feature's kind): whole kinds of evidence left out of an answer."""
    w = np.zeros((features, n))
    wa = np.zeros((features, n))  # c-weighted updates
    trans, trans_a = np.zeros((n, n)), np.zeros((n, n))
    start, start_a, end, end_a = np.zeros(n), np.zeros(n), np.zeros(n), np.zeros(n)
    length, length_a = np.zeros((n, len(DURATION_BOUNDS))), np.zeros((n, len(DURATION_BOUNDS)))
    c = 1
    order = list(range(len(data)))
    rng = random.Random(seed)
    drop = np.random.default_rng(seed)
    drop_kinds = np.random.default_rng(seed + 1)  # its own draws: the other dropout unchanged
    for _ in range(epochs):
        rng.shuffle(order)
        for k in order:
            rows, opening_rows, gold = data[k]
            if dropout:
                rows = _dropped(rows, dropout, drop)
                opening_rows = _dropped(opening_rows, dropout, drop)
            if by_kind is not None:
                rows = _without_kinds(rows, *by_kind, drop_kinds)
            emissions = [
                ((w[idx] * val[:, None]).sum(axis=0) + costs[g]).tolist()
                for (idx, val), g in zip(rows, gold, strict=True)
            ]
            if segments:
                opens = [(w[idx] * val[:, None]).sum(axis=0) for idx, val in opening_rows]
                pred = segment_viterbi(emissions, trans, start, end, length, opens or None)
            elif presence_cost:
                said = np.zeros(n, dtype=bool)
                said[gold] = True
                head = np.where(said, -presence_cost, presence_cost)
                pred = presence_viterbi(emissions, trans, start, end, head)
            else:
                pred = viterbi(emissions, trans.tolist(), start.tolist(), end.tolist())
            if pred != gold:
                u = 1.0 if scale is None else scale[k]
                for (idx, val), g, p in zip(rows, gold, pred, strict=True):
                    if g != p:  # a sentence's feature names are distinct: no repeated index
                        w[idx, g] += u * val
                        w[idx, p] -= u * val
                        wa[idx, g] += c * u * val
                        wa[idx, p] -= c * u * val
                for seq, base in ((gold, 1.0), (pred, -1.0)):
                    sign = u * base
                    start[seq[0]] += sign
                    start_a[seq[0]] += sign * c
                    end[seq[-1]] += sign
                    end_a[seq[-1]] += sign * c
                    if segments:
                        runs = sections_of(seq)
                        first = 0
                        for label, size in runs:
                            length[label, duration_bucket(size)] += sign
                            length_a[label, duration_bucket(size)] += sign * c
                            if opening_rows:
                                idx, val = opening_rows[first]
                                w[idx, label] += sign * val
                                wa[idx, label] += sign * c * val
                            first += size
                        seq = [label for label, _ in runs]
                    for a, b in itertools.pairwise(seq):
                        trans[a, b] += sign
                        trans_a[a, b] += sign * c
            c += 1
    return (
        w - wa / c,
        trans - trans_a / c,
        start - start_a / c,
        end - end_a / c,
        length - length_a / c,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=STAR_MODEL_PATH)
    args = parser.parse_args()
    answers = dev_corpus()
    model = train(examples(answers))
    styles = Counter(a.style for a in answers)
    model.about["styles"] = dict(sorted(styles.items()))
    # a test checks these against the files, so an edited dev set fails until retrained
    model.about["data"] = {
        p.relative_to(ROOT).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()[:16]
        for p in dev_files()
    }
    args.out.write_text(model.to_json(), encoding="utf-8")
    print(f"{len(model.weights)} features from {len(answers)} answers -> {args.out}")


if __name__ == "__main__":
    main()
