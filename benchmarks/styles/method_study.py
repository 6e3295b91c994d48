"""Changes of the STAR labeller's method that were measured and not shipped.

    python benchmarks/styles/method_study.py crf --l2 1     # a CRF instead of the perceptron
    python benchmarks/styles/method_study.py dropped --margin 0    # also answers lacking one
    python benchmarks/styles/method_study.py skeleton --margin 0   # add function-word frames
    python benchmarks/styles/method_study.py stacked --margin 0    # add a small network's guesses
    python benchmarks/styles/method_study.py nocues --margin 0     # without the hand cues
    python benchmarks/styles/method_study.py margin --margin 0     # the perceptron of 0.6.1
    python benchmarks/styles/method_study.py dropout --rate 0.3    # feature dropout (0.6.3)
    python benchmarks/styles/method_study.py segments              # section-length scores
    python benchmarks/styles/method_study.py openings              # and how sections open
    python benchmarks/styles/method_study.py moved                 # also sections moved
    python benchmarks/styles/method_study.py presence --models DIR # a bonus per section used
    python benchmarks/styles/method_study.py balanced              # every style weighs alike
    python benchmarks/styles/method_study.py kinds                 # whole kinds of evidence out
    python benchmarks/styles/method_study.py centred               # vectors less the answer's mean
    python benchmarks/styles/method_study.py order --models DIR    # the learned order weakened
    python benchmarks/styles/method_study.py presencecost         # a cost per section said wrong

Each is measured as ``loso.py`` measures the shipped method: for each development style, train
on the other styles and label the left-out style's answers (words, share error, missing
sections, missing Result, quantified Result; worst style first). The ``crf`` run also prints
the missing-section figures when the sections said are decided first, from the model's own
probability that each section occurs anywhere in the answer (said when above one half), and
the best labelling that uses exactly those sections is taken (the perceptron's scores are not
probabilities). ``docs/accuracy.md`` ("Tried after 0.6" and "Tried after 0.6.3") has the
results: of these only ``margin`` (0.6.2) and ``dropout`` (0.6.3) were shipped.

- ``crf``: a linear-chain conditional random field (Lafferty et al. 2001) over the same
  features, fitted by L-BFGS with an L2 prior. Same parameters as the perceptron's (emission
  weights, transitions, start, end), so it would ship in the same ``star_model.json``; its
  scores are log-probabilities, which the section probabilities need.
- ``dropped``: the perceptron as shipped, its training answers joined by a copy of each with one
  of its Situation, Task, Result or Reflection taken out (drawn with a fixed seed), so the model
  also learns from answers that lack a section.
- ``skeleton``: the features as shipped plus the sentence's function-word frame ("I was _ to
  _", "my _ was to _": every word outside ``timeline.STOP_WORDS`` becomes ``_``, fillers
  dropped), its word pairs and triples, kept like word features (in 3 styles or more).
- ``stacked``: the features as shipped plus a small network's probability of each section
  (one hidden layer of 64 over the sentence's and its neighbours' encoder vectors and its
  place; Adam, 30 epochs). Its guesses for the training answers come from networks that did
  not see their style (the training styles in 4 groups), as they will be for a new style.
- ``nocues``: the features as shipped without any hand-cue feature (``cue=``, ``fired=``,
  ``prev cue=``, ``next cue=``, ``cue order says=``): do the cue lists still earn a place?
- ``margin``: the perceptron with a given ``--margin`` (``train_labeller.MARGIN`` ships; the
  other perceptron variants take it too, and were measured at 0, the margin of 0.6.1).
  Every variant but ``dropout`` trains without feature dropout, as 0.6.2 did.
- ``dropout``: the perceptron as shipped since 0.6.3: each feature of a sentence left out at
  random with the chance ``--rate`` at each training step (kept ones scaled by 1/(1 - rate)),
  so that no single kind of evidence carries a section alone.
- ``segments``: the perceptron as shipped since 0.6.3 (dropout ``--rate``), decoding section
  by section (a semi-Markov chain, ``sequence.segment_viterbi``): a learned score for each
  section type's length in sentences replaces the same-label transitions.
- ``openings``: ``segments`` and a second set of weights for the opening features of the
  sentence that begins a section (its first word and first content word, a "Label:" prefix,
  the hand cues that fire on it: ``sequence.OPENING_KINDS``).
- ``moved``: the perceptron as shipped (dropout ``--rate``), its training answers joined by a
  copy of each with one of its sections (drawn with a fixed seed) moved to another place in
  the answer, so a section is learned from what it says wherever it is told (a Task stated
  after the first steps, a Result told first), not from where answers usually put it.

- ``presence``: the model as shipped since 0.6.3, decoded with a bonus for each section the
  answer uses at all (``sequence.presence_viterbi``), which moves the threshold of the "is this
  section said?" decision. Every bonus of a grid fixed before measuring (Task 0-300, Result
  -50-100, Situation and Reflection together -50-100, Action none) labels every left-out
  style; each style is then reported with the bonus that does best on the *other* 28 styles'
  left-out answers (the sum of their words, missing-section, missing-Result and quantified
  rates), so no style's figures come from a bonus chosen on it. The bonus chosen on all 29
  is printed for shipping.

- ``presencecost``: the model as shipped since 0.6.3, its loss-augmented decoding also giving
  a wrong labelling a head start of ``--presence-cost`` for each section it says that the
  answer lacks or lacks that the answer says (``train_labeller.train(presence_cost=...)``):
  the sentence margin alone charges dropping a one-sentence Task little more than moving a
  sentence between two Actions.

- ``balanced``: the model as shipped since 0.6.3, every style's training answers weighing the
  same in total (``train_labeller.train(balance=True)``): the typical answers are a third of
  the training calls, so their habits (a Task in one sentence, said in most answers) set the
  model's idea of a section; weighted alike, the other styles count as much.

- ``kinds``: the model as shipped since 0.6.3, and at each training step each kind of
  evidence (the words of the sentence and its neighbours, the hand cues, the sentence
  vectors: ``train_labeller.EVIDENCE_KINDS``) left out of the whole answer at the chance
  ``--kinds-rate`` (0.25). Dropout feature by feature never takes away a whole kind, and a
  style never seen lacks a kind at once (its words), so each kind should be able to label an
  answer alone.

- ``centred``: the model as shipped since 0.6.3, each sentence's encoder vector (and its
  neighbours') less the mean vector of its own answer. Where a whole answer's wording sits in
  the encoder's space (notes, casual talk, one field's jargon) moves every sentence of it
  alike; less that, what is left is how the sentence differs from the rest of its story.

- ``order``: the model as shipped since 0.6.3, decoded with its learned order (transitions,
  start and end) scaled down (``ORDER_SCALES``; 1 is the shipped decoding). Feature dropout
  made the transitions grow (Action to Action 151 against 74), and whole Results and
  Reflections of failure stories are labelled Action: is the order weighing too much against
  a sentence's own evidence? Chosen per style on the other styles, as ``presence`` is.

``--styles a,b`` runs only those styles' folds (two processes can share the work);
``--models DIR`` keeps each fold's model there and reuses one already there.
"""

from __future__ import annotations

import argparse
import itertools
import pickle
import random
import re
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path

import numpy as np
import train_labeller
from corpus import Answer, Tally, dev_corpus, transcript_of
from loso import add_report_options, analyzer, report, score, table
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
from voiceloop.analysis.encoder import DIMENSIONS
from voiceloop.analysis.sequence import (
    ChainModel,
    load_chain_model,
    presence_viterbi,
    sections_of,
    viterbi,
)
from voiceloop.analysis.star_features import EMBEDDING_SCALE, NEIGHBOUR_EMBEDDING_SCALE
from voiceloop.analysis.timeline import STOP_WORDS, norm_tokens, split_sentences
from voiceloop.models import STAR_LABELS, Sentence, SentenceLabel
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


def moved(answers: Sequence[Answer], seed: int = 11) -> list[Example]:
    """A copy of each answer of two sections or more with one section (a run of sentences
    with one label) taken out and put back between two other sentences of the answer."""
    rng = random.Random(seed)
    out = []
    for a in answers:
        sections = sections_of(a.labels)
        ends = itertools.accumulate(size for _, size in sections)
        runs = [list(range(e - size, e)) for e, (_, size) in zip(ends, sections, strict=True)]
        if len(runs) < 2:
            continue
        taken = rng.choice(runs)
        rest = [i for i in range(len(a.labels)) if i not in taken]
        # anywhere but back where it was, nor next to a sentence of its own label
        places = [
            k for k in range(len(rest) + 1)
            if k != taken[0]
            and (k == 0 or a.labels[rest[k - 1]] != a.labels[taken[0]])
            and (k == len(rest) or a.labels[rest[k]] != a.labels[taken[0]])
        ]  # fmt: skip
        if not places:
            continue
        k = rng.choice(places)
        order = rest[:k] + taken + rest[k:]
        texts = [a.sentences[i] for i in order]
        gold = [STAR_LABELS.index(a.labels[i]) for i in order]
        out.append((answer_rows(texts), gold, a.style))
    return out


Rows = list[dict[str, float]]
Transform = Callable[[Rows, list[str]], Rows]  # a sentence's features, given the texts


@contextmanager
def features(transform: Transform) -> Iterator[None]:
    """Every feature row, the trainer's and the labeller's, passed through ``transform``."""
    original = star.sentence_rows

    def rows(sentences: list[Sentence], evidence: list[star.Evidence] | None = None) -> Rows:
        return transform(original(sentences, evidence), [s.text for s in sentences])

    for module in (star, train_labeller):  # the trainer imported the function by name
        vars(module)["sentence_rows"] = rows
    try:
        yield
    finally:
        for module in (star, train_labeller):
            vars(module)["sentence_rows"] = original


_FILLERS = frozenset(
    "um uh like know mean okay well actually basically sort kind thing things".split()
)
_NUMBER = re.compile(r"^[+\-\u2212$]?\d")  # as star_features writes a number
_FRAME_WORDS = (STOP_WORDS - _FILLERS) | {"<n>", "percent"}


def with_frames(rows: Rows, texts: list[str]) -> Rows:
    """``skeleton``: each sentence's function-word frame as word pairs and triples."""
    out = []
    for f, text in zip(rows, texts, strict=True):
        frame = ["^"]
        for w in norm_tokens(text):
            w = "<n>" if _NUMBER.match(w) else w
            if w in _FILLERS:
                continue
            t = w if w in _FRAME_WORDS else "_"
            if not (t == "_" and frame[-1] == "_"):
                frame.append(t)
        frame.append("$")
        f = dict(f)
        for n in (2, 3):
            for i in range(len(frame) - n + 1):
                f["k=" + " ".join(frame[i : i + n])] = 1.0
        out.append(f)
    return out


_CUE_FEATURES = ("cue=", "fired=", "prev cue=", "next cue=", "cue order says=")


def without_cues(rows: Rows, texts: list[str]) -> Rows:
    """``nocues``: the features without any of the hand cues'."""
    return [{k: v for k, v in f.items() if not k.startswith(_CUE_FEATURES)} for f in rows]


_VECTORS = tuple(
    tuple(f"{kind}={k}" for k in range(DIMENSIONS)) for kind in ("emb", "pemb", "nemb")
)


def centred(rows: Rows, texts: list[str]) -> Rows:
    """``centred``: each sentence's vector (and its neighbours') less the answer's mean vector,
    so what the sentence says is measured against the rest of its own answer, not against
    where the whole answer's wording (notes, casual talk, a field's jargon) sits."""
    if not rows or _VECTORS[0][0] not in rows[0]:
        return rows
    mean = np.mean([[f.get(k, 0.0) for k in _VECTORS[0]] for f in rows], axis=0)
    half = NEIGHBOUR_EMBEDDING_SCALE / EMBEDDING_SCALE
    out = []
    for f in rows:
        f = dict(f)
        for keys, share in zip(_VECTORS, (1.0, half, half), strict=True):
            if keys[0] in f:
                for k, m in zip(keys, mean, strict=True):
                    f[k] -= share * float(m)
        out.append(f)
    return out


def network_inputs(rows: Rows) -> np.ndarray:
    """The sentence's and its neighbours' encoder vectors (zeros at the ends) and its place."""
    x = np.zeros((len(rows), 3 * DIMENSIONS + 4))
    for i, f in enumerate(rows):
        for j, keys in enumerate(_VECTORS):
            if keys[0] in f:
                x[i, j * DIMENSIONS : (j + 1) * DIMENSIONS] = [f[k] for k in keys]
        x[i, -4:] = [f.get(k, 0.0) for k in ("pos", "pos^2", "first sentence", "last sentence")]
    return x


class Network:
    """One hidden layer of ReLU units and a softmax over the sections, fitted by Adam."""

    def __init__(self, examples: Sequence[Example], hidden: int = 64, epochs: int = 30) -> None:
        x = np.concatenate([network_inputs(rows) for rows, _, _ in examples])
        y = np.concatenate([np.asarray(gold) for _, gold, _ in examples])
        rng = np.random.default_rng(0)
        self.mean, self.scale = x.mean(axis=0), x.std(axis=0) + 1e-6
        x = (x - self.mean) / self.scale
        d = x.shape[1]
        self.params = [
            rng.normal(0, 1 / np.sqrt(d), (d, hidden)), np.zeros(hidden),
            rng.normal(0, 1 / np.sqrt(hidden), (hidden, K)), np.zeros(K),
        ]  # fmt: skip
        moments = [(np.zeros_like(q), np.zeros_like(q)) for q in self.params]
        step = 0
        for _ in range(epochs):
            order = rng.permutation(len(y))
            for at in range(0, len(y), 128):
                batch = order[at : at + 128]
                w1, b1, w2, b2 = self.params
                h = np.maximum(x[batch] @ w1 + b1, 0)
                g = self._softmax(h @ w2 + b2)
                g[np.arange(len(batch)), y[batch]] -= 1
                g /= len(batch)
                gh = (g @ w2.T) * (h > 0)
                grads = [x[batch].T @ gh + 1e-4 * w1, gh.sum(0), h.T @ g + 1e-4 * w2, g.sum(0)]
                step += 1
                for q, dq, (m, v) in zip(self.params, grads, moments, strict=True):
                    m *= 0.9
                    m += 0.1 * dq
                    v *= 0.999
                    v += 0.001 * dq * dq
                    q -= 1e-3 * (m / (1 - 0.9**step)) / (np.sqrt(v / (1 - 0.999**step)) + 1e-8)

    @staticmethod
    def _softmax(z: np.ndarray) -> np.ndarray:
        e = np.exp(z - z.max(axis=1, keepdims=True))
        return np.asarray(e / e.sum(axis=1, keepdims=True))

    def add_guesses(self, rows: Rows, texts: list[str] | None = None) -> Rows:
        w1, b1, w2, b2 = self.params
        x = (network_inputs(rows) - self.mean) / self.scale
        p = self._softmax(np.maximum(x @ w1 + b1, 0) @ w2 + b2)
        return [
            {**f, **{f"net={lab}": 3.0 * float(q) for lab, q in zip(STAR_LABELS, pk, strict=True)}}
            for f, pk in zip(rows, p, strict=True)
        ]


def cross_fitted(examples: Sequence[Example], groups: int = 4) -> list[Example]:
    """Each training answer with the guesses of a network that did not see its style."""
    styles = sorted({style for _, _, style in examples})
    group = {style: i % groups for i, style in enumerate(styles)}
    out: list[Example | None] = [None] * len(examples)
    for g in range(groups):
        net = Network([e for e in examples if group[e[2]] != g])
        for i, (rows, gold, style) in enumerate(examples):
            if group[style] == g:
                out[i] = (net.add_guesses(rows), gold, style)
    return [e for e in out if e is not None]


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


# the variants trained as 0.6.2 was, without feature dropout (the rest train as 0.6.3 does)
WITHOUT_DROPOUT = ("dropped", "skeleton", "nocues", "margin")
# the variants that train as shipped and change only how the fold models decode
DECODING = ("presence", "order")

# the presence bonuses tried (Task, Result, Situation and Reflection together; Action none),
# fixed before measuring: wide enough to find where the threshold helps and where it hurts
TASK_BONUS = (0.0, 25.0, 50.0, 100.0, 150.0, 200.0, 300.0)
RESULT_BONUS = (-50.0, 0.0, 50.0, 100.0)
OTHER_BONUS = (-50.0, 0.0, 50.0, 100.0)
# the scales of the learned order tried (transitions, start and end), fixed before measuring
ORDER_SCALES = (0.25, 0.5, 0.75, 1.0)
Bonus = tuple[float, ...]
Setting = tuple[Bonus, float]  # a presence bonus for each label, and the order's scale
SHIPPED: Setting = ((0.0,) * K, 1.0)


def bonus_grid() -> list[Setting]:
    out = []
    for t, r, o in itertools.product(TASK_BONUS, RESULT_BONUS, OTHER_BONUS):
        by_label = {"situation": o, "task": t, "result": r, "reflection": o}
        out.append((tuple(by_label.get(lab, 0.0) for lab in STAR_LABELS), 1.0))
    return out


def order_grid() -> list[Setting]:
    return [((0.0,) * K, scale) for scale in ORDER_SCALES]


class Recorder:
    """``star.label_sentences`` for the decoding studies: each fold model's emissions of each
    left-out call are found once, then decoded under any presence bonus and order scale."""

    def __init__(self) -> None:
        self.emissions: dict[tuple[object, ...], list[list[float]]] = {}
        self.models: dict[str, ChainModel] = {}
        self.style = ""
        self.bonus: Bonus = ()
        self.order = 1.0

    def __call__(
        self, sentences: list[Sentence], model: ChainModel | None = None
    ) -> list[SentenceLabel]:
        key = (self.style, *((s.first_word, s.last_word, s.text) for s in sentences))
        if key not in self.emissions:
            assert model is not None
            self.emissions[key] = [model.emission(f) for f in star.sentence_rows(sentences)]
            self.models[self.style] = replace(model, weights={})  # only its chain is needed now
        chain, k = self.models[self.style], self.order
        path = presence_viterbi(
            self.emissions[key],
            [[k * x for x in row] for row in chain.transitions],
            [k * x for x in chain.start],
            [k * x for x in chain.end],
            self.bonus,
        )
        return [
            SentenceLabel(sentence=i, label=STAR_LABELS[k], reason="") for i, k in enumerate(path)
        ]


def merit(t: Tally) -> float:
    """What a setting is chosen by: words, missing sections, missing Result, quantified."""
    r = t.row()
    return r["star_words"] + r["missing_sections"] + r["missing_result"] + r["quantified"]


def chosen(by_setting: dict[Setting, dict[str, Tally]], styles: Sequence[str]) -> Setting:
    """The setting that does best over ``styles`` together (on a tie, the one nearer the
    shipped decoding: the smaller bonus, the order's scale nearer 1)."""

    def pooled(setting: Setting) -> tuple[float, float]:
        total = Tally()
        for style in styles:
            total.add(by_setting[setting][style])
        bonus, order = setting
        return merit(total), -sum(abs(x) for x in bonus) - abs(1.0 - order)

    return max(by_setting, key=pooled)


def decoding_study(
    corpus: Sequence[Answer], models: dict[str, Path], args: argparse.Namespace
) -> None:
    """``presence`` and ``order``: every setting of the variant's grid labels every left-out
    style; each style is reported with the setting chosen on the other styles."""
    recorder = Recorder()
    by_setting: dict[Setting, dict[str, Tally]] = {}
    saved = star.label_sentences
    star.label_sentences = recorder  # type: ignore[assignment]
    grid = bonus_grid() if args.method == "presence" else order_grid()
    held = {style: [a for a in corpus if a.style == style] for style in models}
    try:
        for n, setting in enumerate(grid, 1):
            if n % 16 == 0:
                print(f"  setting {n} of {len(grid)}", flush=True)
            recorder.bonus, recorder.order = setting
            by_setting[setting] = {}
            for style, path in models.items():
                recorder.style = style
                run = analyzer(AnalysisOptions(star_model=path, star_doubt_lead=args.doubt_lead))
                by_setting[setting].update(score(held[style], run))
    finally:
        star.label_sentences = saved  # type: ignore[assignment]
    if args.models:  # every setting's figures, for a closer look without labelling again
        with open(args.models / f"{args.method}.pkl", "wb") as out:
            pickle.dump(by_setting, out)
    styles = sorted(models)
    rows = {}
    for style in styles:
        bonus, order = chosen(by_setting, [s for s in styles if s != style])
        rows[style] = by_setting[bonus, order][style]
        print(f"  {style}: bonus {bonus}, order x{order} (chosen on the other styles)")
    print("each style with the setting chosen on the other styles:")
    print(report(rows, args))
    bonus, order = chosen(by_setting, styles)
    every = dict(zip(STAR_LABELS, bonus, strict=True))
    print(f"chosen on every style (to ship): bonus {every}, order x{order}")
    if args.method == "order":
        for setting in grid:
            print(f"order x{setting[1]}, every style:")
            print(table(by_setting[setting], []).splitlines()[-1])
    print("the shipped decoding, for comparison:")
    print(report(by_setting[SHIPPED], args))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "method",
        choices=[
            "crf",
            "dropped",
            "skeleton",
            "stacked",
            "nocues",
            "margin",
            "dropout",
            "segments",
            "openings",
            "moved",
            "presence",
            "balanced",
            "kinds",
            "centred",
            "order",
            "presencecost",
        ],
    )
    parser.add_argument("--models", type=Path, help="keep each fold's model here; reuse it")
    parser.add_argument(
        "--kinds-rate", type=float, default=0.25, help="kinds: a kind of evidence's chance"
    )
    parser.add_argument("--l2", type=float, default=1.0, help="the CRF's L2 prior")
    parser.add_argument(
        "--presence-cost", type=float, default=300.0, help="presencecost: a section's head start"
    )
    parser.add_argument("--styles", help="only these styles' folds, comma-separated")
    add_report_options(parser)
    parser.add_argument(
        "--margin", type=float, default=train_labeller.MARGIN, help="the perceptron's margin"
    )
    parser.add_argument(
        "--rate", type=float, default=train_labeller.DROPOUT, help="dropout: a feature's chance"
    )
    args = parser.parse_args()
    started = time.time()
    corpus = dev_corpus()
    transform = {"skeleton": with_frames, "nocues": without_cues, "centred": centred}.get(
        args.method
    )
    if transform is not None:
        train_labeller._WORDY.add("k")  # frames are kept like words: seen in 3 styles or more
        with features(transform):
            every = examples(corpus)
    else:
        every = examples(corpus)
    extra = {"dropped": dropped, "moved": moved}.get(args.method, lambda _: [])(corpus)
    rows, decided = {}, {}
    fold_models: dict[str, Path] = {}
    with tempfile.TemporaryDirectory() as tmp:
        folds = sorted({a.style for a in corpus})
        for style in args.styles.split(",") if args.styles else folds:
            path = (args.models or Path(tmp)) / f"{style}.json"
            fold_models[style] = path
            rest = [e for e in every if e[2] != style]
            if path.exists() and args.models:
                model = load_chain_model(path)
            elif args.method == "crf":
                model = train_crf(rest, args.l2)
            elif args.method == "stacked":
                transform = Network(rest).add_guesses
                model = train(cross_fitted(rest), margin=args.margin, dropout=0.0)
            else:
                model = train(
                    rest + [e for e in extra if e[2] != style],
                    margin=args.margin,
                    dropout=0.0 if args.method in WITHOUT_DROPOUT else args.rate,
                    segments=args.method in ("segments", "openings"),
                    openings=args.method == "openings",
                    balance=args.method == "balanced",
                    group_dropout=args.kinds_rate if args.method == "kinds" else 0.0,
                    presence_cost=args.presence_cost if args.method == "presencecost" else 0.0,
                )
            if not path.exists():
                path.write_text(model.to_json(), encoding="utf-8")
            if args.method in DECODING:
                print(f"  {style}: {time.time() - started:.0f} s", flush=True)
                continue  # scored below, under every setting
            held = [a for a in corpus if a.style == style]
            run = analyzer(AnalysisOptions(star_model=path, star_doubt_lead=args.doubt_lead))
            if transform is not None:
                with features(transform):
                    rows.update(score(held, run))
            else:
                rows.update(score(held, run))
            if args.method == "crf":
                decided[style] = decided_first(held, model)
            print(f"  {style}: {time.time() - started:.0f} s", flush=True)
        if args.method in DECODING:
            decoding_study(corpus, fold_models, args)
            return
    print(report(rows, args))
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
