"""Changes of the STAR labeller's method that were measured and not shipped.

    python benchmarks/styles/method_study.py crf --l2 1     # a CRF instead of the perceptron
    python benchmarks/styles/method_study.py dropped        # train also on answers lacking one

Both are measured as ``loso.py`` measures the shipped method: for each development style, train
on the other styles and label the left-out style's answers (words, share error, missing
sections, missing Result, quantified Result; worst style first). The ``crf`` run also prints
the missing-section figures when the sections said are decided first, from the model's own
probability that each section occurs anywhere in the answer (said when above one half), and
the best labelling that uses exactly those sections is taken (the perceptron's scores are not
probabilities). ``docs/accuracy.md`` ("Tried after 0.6") has the results: neither change is
better on the styles left out.

- ``crf``: a linear-chain conditional random field (Lafferty et al. 2001) over the same
  features, fitted by L-BFGS with an L2 prior. Same parameters as the perceptron's (emission
  weights, transitions, start, end), so it would ship in the same ``star_model.json``; its
  scores are log-probabilities, which the section probabilities need.
- ``dropped``: the perceptron as shipped, its training answers joined by a copy of each with one
  of its Situation, Task, Result or Reflection taken out (drawn with a fixed seed), so the model
  also learns from answers that lack a section.
"""

from __future__ import annotations

import argparse
import itertools
import random
import tempfile
import time
from collections import Counter
from collections.abc import Sequence
from pathlib import Path

import numpy as np
from corpus import Answer, dev_corpus, transcript_of
from loso import analyzer, score, table
from scipy.optimize import minimize
from scipy.sparse import csr_matrix
from scipy.special import logsumexp
from train_labeller import (
    MIN_ANSWERS,
    MIN_STYLES,
    Example,
    answer_rows,
    examples,
    kept_features,
    train,
)

from voiceloop.analysis import star
from voiceloop.analysis.sequence import ChainModel, viterbi
from voiceloop.analysis.timeline import split_sentences
from voiceloop.models import STAR_LABELS
from voiceloop.options import AnalysisOptions

ITERATIONS = 300
K = len(STAR_LABELS)
SETS = 1 << K  # every set of sections, as a bit mask


def train_crf(examples: Sequence[Example], l2: float, iterations: int = ITERATIONS) -> ChainModel:
    names = kept_features(examples)
    crf = _Chains(examples, names)
    found = minimize(
        crf.loss, np.zeros(crf.size), args=(l2,), jac=True, method="L-BFGS-B",
        options={"maxiter": iterations},
    )  # fmt: skip
    weights, transitions, start, end = crf.unpack(np.round(found.x, 4))

    def row(values: np.ndarray) -> tuple[float, ...]:
        return tuple(float(x) for x in values)

    return ChainModel(
        labels=STAR_LABELS,
        weights={name: row(weights[i]) for i, name in enumerate(names) if weights[i].any()},
        transitions=tuple(row(r) for r in transitions),
        start=row(start),
        end=row(end),
        about={
            "method": f"linear-chain CRF, L2 {l2}, L-BFGS for at most {iterations} iterations",
            "features": f"voiceloop.analysis.star_features, kept if in >= {MIN_ANSWERS} answers"
            f" (words: and >= {MIN_STYLES} styles); sentence vectors from"
            " voiceloop.analysis.encoder (all-MiniLM-L6-v2, int8)",
            "answers": len(examples),
        },
    )


class _Chains:
    """The training answers as one sparse matrix (a row per sentence) and a padded grid of
    answers by sentences, so the CRF's loss and gradient are array operations."""

    def __init__(self, examples: Sequence[Example], names: list[str]) -> None:
        index = {name: i for i, name in enumerate(names)}
        values: list[float] = []
        columns: list[int] = []
        starts = [0]
        gold: list[int] = []
        for rows, labels, _ in examples:
            for f in rows:
                for name, value in f.items():
                    if (i := index.get(name)) is not None:
                        columns.append(i)
                        values.append(value)
                starts.append(len(columns))
            gold += labels
        self.k = k = len(STAR_LABELS)
        self.features = len(names)
        self.x = csr_matrix((values, columns, starts), shape=(len(gold), len(names)))
        self.xt = self.x.T.tocsr()
        self.gold = np.array(gold)
        self.onehot = np.eye(k)[self.gold]
        self.lengths = np.array([len(labels) for _, labels, _ in examples])
        self.answer = np.repeat(np.arange(len(examples)), self.lengths)
        self.step = np.concatenate([np.arange(n) for n in self.lengths])
        self.last = self.lengths - 1
        self.inside = np.arange(self.lengths.max())[None, :] < self.lengths[:, None]
        self.gold_links = np.zeros((k, k))
        self.gold_start = np.zeros(k)
        self.gold_end = np.zeros(k)
        for _, labels, _ in examples:
            self.gold_start[labels[0]] += 1
            self.gold_end[labels[-1]] += 1
            for a, b in itertools.pairwise(labels):
                self.gold_links[a, b] += 1
        self.size = self.features * k + k * k + 2 * k

    def unpack(self, theta: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        k, n = self.k, self.features * self.k
        return (
            theta[:n].reshape(self.features, k),
            theta[n : n + k * k].reshape(k, k),
            theta[n + k * k : n + k * k + k],
            theta[n + k * k + k :],
        )

    def loss(self, theta: np.ndarray, l2: float) -> tuple[float, np.ndarray]:
        """The answers' negative log-likelihood plus the L2 penalty, and its gradient."""
        weights, links, start, end = self.unpack(theta)
        answers, steps = self.inside.shape
        scores = self.x @ weights
        emit = np.zeros((answers, steps, self.k))
        emit[self.answer, self.step] = scores
        alpha = np.zeros_like(emit)  # forward: log-sum of the paths up to a sentence
        alpha[:, 0] = start + emit[:, 0]
        for t in range(1, steps):
            here = logsumexp(alpha[:, t - 1, :, None] + links, axis=1) + emit[:, t]
            alpha[:, t] = np.where(self.inside[:, t, None], here, alpha[:, t - 1])
        every = np.arange(answers)
        log_z = logsumexp(alpha[every, self.last] + end, axis=1)
        beta = np.zeros_like(emit)  # backward: log-sum of the paths after a sentence
        beta[every, self.last] = end
        for t in range(steps - 2, -1, -1):
            here = logsumexp(links + (beta[:, t + 1] + emit[:, t + 1])[:, None, :], axis=2)
            beta[:, t] = np.where(self.inside[:, t + 1, None], here, beta[:, t])
        marginal = np.exp(alpha + beta - log_z[:, None, None]) * self.inside[:, :, None]
        pairs = np.zeros((self.k, self.k))
        for t in range(1, steps):
            on = self.inside[:, t]
            pairs += np.exp(
                alpha[on, t - 1, :, None]
                + links
                + (emit[on, t] + beta[on, t])[:, None, :]
                - log_z[on, None, None]
            ).sum(axis=0)
        gold_score = (
            scores[np.arange(len(self.gold)), self.gold].sum()
            + (self.gold_links * links).sum()
            + self.gold_start @ start
            + self.gold_end @ end
        )
        value = log_z.sum() - gold_score + 0.5 * l2 * ((weights**2).sum() + (links**2).sum())
        gradient = np.concatenate(
            [
                (self.xt @ (marginal[self.answer, self.step] - self.onehot) + l2 * weights).ravel(),
                (pairs - self.gold_links + l2 * links).ravel(),
                marginal[:, 0].sum(axis=0) - self.gold_start,
                marginal[every, self.last].sum(axis=0) - self.gold_end,
            ]
        )
        return float(value), gradient


def dropped(answers: Sequence[Answer], seed: int = 7) -> list[Example]:
    """A copy of each answer with one of its sections other than the Action taken out."""
    rng = random.Random(seed)
    out = []
    for a in answers:
        said = [lab for lab in STAR_LABELS if lab in a.labels and lab != "action"]
        if not said:
            continue
        gone = rng.choice(said)
        keep = [i for i, lab in enumerate(a.labels) if lab != gone]
        if len(keep) >= 2:
            texts = [a.sentences[i] for i in keep]
            gold = [STAR_LABELS.index(a.labels[i]) for i in keep]
            out.append((answer_rows(texts), gold, a.style))
    return out


def section_sets(emissions: np.ndarray, model: ChainModel) -> np.ndarray:
    """log P(the answer uses exactly the sections in mask m), for every mask m."""
    links = np.asarray(model.transitions)
    alpha = np.full((K, SETS), -np.inf)
    for k in range(K):
        alpha[k, 1 << k] = model.start[k] + emissions[0, k]
    for row in emissions[1:]:
        new = np.full((K, SETS), -np.inf)
        for b in range(K):
            into = logsumexp(alpha + links[:, b][:, None], axis=0) + row[b]
            for m in range(SETS):
                new[b, m | 1 << b] = np.logaddexp(new[b, m | 1 << b], into[m])
        alpha = new
    final = logsumexp(alpha + np.asarray(model.end)[:, None], axis=0)
    return np.asarray(final - logsumexp(final))


def best_using(emissions: np.ndarray, model: ChainModel, sections: int) -> list[int] | None:
    """The best labelling that uses every section in the mask ``sections`` and no other."""
    allowed = [k for k in range(K) if sections >> k & 1]
    best = np.full((K, SETS), -np.inf)
    for k in allowed:
        best[k, 1 << k] = model.start[k] + emissions[0, k]
    back: list[dict[tuple[int, int], tuple[int, int]]] = []
    for row in emissions[1:]:
        new = np.full((K, SETS), -np.inf)
        came: dict[tuple[int, int], tuple[int, int]] = {}
        for b, a in itertools.product(allowed, allowed):
            for m in range(SETS):
                if best[a, m] > -np.inf and not m & ~sections:
                    s = best[a, m] + model.transitions[a][b] + row[b]
                    if s > new[b, m | 1 << b]:
                        new[b, m | 1 << b] = s
                        came[(b, m | 1 << b)] = (a, m)
        back.append(came)
        best = new
    ends = [(best[k, sections] + model.end[k], k) for k in allowed if best[k, sections] > -np.inf]
    if not ends:
        return None
    k, m = max(ends)[1], sections
    path = [k]
    for came in reversed(back):
        k, m = came[(k, m)]
        path.append(k)
    return path[::-1]


def decided_first(answers: Sequence[Answer], model: ChainModel) -> Counter[str]:
    """Missing-section calls when the sections said are decided from their probabilities."""
    tally: Counter[str] = Counter()
    pause = AnalysisOptions().sentence_pause_s
    for a in answers:
        for _, texts, labels, _ in a.variants():
            words = transcript_of(texts)[0].words
            sentences = star.refine_sentences(words, split_sentences(words, pause))
            emissions = np.array([model.emission(f) for f in star.sentence_rows(sentences)])
            p = np.exp(section_sets(emissions, model))
            sections = sum(
                1 << k for k in range(K) if sum(p[m] for m in range(SETS) if m >> k & 1) > 0.5
            )
            path = best_using(emissions, model, sections) if p[sections] > 0 else None
            if path is None:
                path = viterbi(emissions.tolist(), model.transitions, model.start, model.end)
            got = {STAR_LABELS[k] for k in path}
            truth = set(labels)
            tally["calls"] += 1
            tally["sections"] += got == truth
            tally["result"] += ("result" in got) == ("result" in truth)
    return tally


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("method", choices=["crf", "dropped"])
    parser.add_argument("--l2", type=float, default=1.0, help="the CRF's L2 prior")
    args = parser.parse_args()
    started = time.time()
    corpus = dev_corpus()
    every = examples(corpus)
    extra = dropped(corpus) if args.method == "dropped" else []
    rows, decided = {}, {}
    with tempfile.TemporaryDirectory() as tmp:
        for style in sorted({a.style for a in corpus}):
            rest = [e for e in every if e[2] != style]
            if args.method == "crf":
                model = train_crf(rest, args.l2)
            else:
                model = train(rest + [e for e in extra if e[2] != style])
            path = Path(tmp) / f"{style}.json"
            path.write_text(model.to_json(), encoding="utf-8")
            held = [a for a in corpus if a.style == style]
            rows.update(score(held, analyzer(AnalysisOptions(star_model=path))))
            if args.method == "crf":
                decided[style] = decided_first(held, model)
            print(f"  {style}: {time.time() - started:.0f} s", flush=True)
    print(table(rows))
    if not decided:
        return
    print("\nsections decided first from their probabilities:")
    total: Counter[str] = Counter()
    for style, t in sorted(decided.items(), key=lambda kv: kv[1]["sections"] / kv[1]["calls"]):
        total.update(t)
        print(f"{style:18s} missing sections {t['sections'] / t['calls']:6.1%}  "
              f"missing Result {t['result'] / t['calls']:6.1%}")  # fmt: skip
    print(f"{'all':18s} missing sections {total['sections'] / total['calls']:6.1%}  "
          f"missing Result {total['result'] / total['calls']:6.1%}")  # fmt: skip


if __name__ == "__main__":
    main()
