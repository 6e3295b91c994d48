"""Train the STAR labeller's linear-chain model on the answer-style corpus.

    python benchmarks/styles/train_labeller.py            # writes the shipped model
    python benchmarks/styles/train_labeller.py --out F    # somewhere else

Training data: every development answer (``benchmarks/styles/*.json`` and the typical
blind-dev answers of ``benchmarks/heldout``), never ``benchmarks/styles/blind`` nor the heldout
blind tests. Method: an averaged structured perceptron (Collins 2002) over the features of
``voiceloop.analysis.star_features``, learning emission weights and label transitions together,
with a fixed seed, so the same data gives the same model byte for byte.
"""

from __future__ import annotations

import argparse
import hashlib
import itertools
import random
from collections import Counter, defaultdict
from collections.abc import Sequence
from pathlib import Path

from corpus import Answer, dev_corpus, dev_files, transcript_of

from voiceloop.analysis.sequence import ChainModel, viterbi
from voiceloop.analysis.star import STAR_MODEL_PATH, sentence_rows
from voiceloop.models import STAR_LABELS, Sentence

EPOCHS = 12
MIN_ANSWERS = 2  # a feature must appear in this many training answers to be kept
MIN_STYLES = 3  # and a word feature in this many styles: words one style uses do not carry
SEED = 20261203
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
    return name.split("=", 1)[0] in _WORDY


_WORDY = {"w", "b", "first", "opens", "prefix", "prev opens", "next opens"}  # not "fired"


def train(examples: Sequence[Example], epochs: int = EPOCHS) -> ChainModel:
    n = len(STAR_LABELS)
    seen: Counter[str] = Counter()
    styles: dict[str, set[str]] = defaultdict(set)
    for rows, _, style in examples:
        names = {name for f in rows for name in f}
        seen.update(names)
        for name in names:
            styles[name].add(style)
    keep = {
        name for name, c in seen.items()
        if c >= MIN_ANSWERS and (not _general(name) or len(styles[name]) >= MIN_STYLES)
    }  # fmt: skip
    data = [([{k: v for k, v in f.items() if k in keep} for f in rows], gold)
            for rows, gold, _ in examples]  # fmt: skip
    w: dict[str, list[float]] = defaultdict(lambda: [0.0] * n)
    wa: dict[str, list[float]] = defaultdict(lambda: [0.0] * n)  # c-weighted updates
    trans = [[0.0] * n for _ in range(n)]
    trans_a = [[0.0] * n for _ in range(n)]
    start, start_a, end, end_a = [0.0] * n, [0.0] * n, [0.0] * n, [0.0] * n
    c = 1
    order = list(range(len(data)))
    rng = random.Random(SEED)
    for _ in range(epochs):
        rng.shuffle(order)
        for k in order:
            rows, gold = data[k]
            emissions = [[sum(w[name][j] * v for name, v in f.items() if name in w)
                          for j in range(n)] for f in rows]  # fmt: skip
            pred = viterbi(emissions, trans, start, end)
            if pred != gold:
                for f, g, p in zip(rows, gold, pred, strict=True):
                    if g != p:
                        for name, v in f.items():
                            w[name][g] += v
                            w[name][p] -= v
                            wa[name][g] += c * v
                            wa[name][p] -= c * v
                for seq, sign in ((gold, 1.0), (pred, -1.0)):
                    start[seq[0]] += sign
                    start_a[seq[0]] += sign * c
                    end[seq[-1]] += sign
                    end_a[seq[-1]] += sign * c
                    for a, b in itertools.pairwise(seq):
                        trans[a][b] += sign
                        trans_a[a][b] += sign * c
            c += 1

    def avg(x: float, xa: float) -> float:
        return round(x - xa / c, 4)

    weights = {
        name: tuple(avg(x, xa) for x, xa in zip(w[name], wa[name], strict=True))
        for name in sorted(w)
    }
    weights = {name: ws for name, ws in weights.items() if any(ws)}
    return ChainModel(
        labels=STAR_LABELS,
        weights=weights,
        transitions=tuple(
            tuple(avg(x, xa) for x, xa in zip(r, ra, strict=True))
            for r, ra in zip(trans, trans_a, strict=True)
        ),
        start=tuple(avg(x, xa) for x, xa in zip(start, start_a, strict=True)),
        end=tuple(avg(x, xa) for x, xa in zip(end, end_a, strict=True)),
        about={
            "method": f"averaged structured perceptron, {epochs} epochs, seed {SEED}",
            "features": f"voiceloop.analysis.star_features, kept if in >= {MIN_ANSWERS} answers"
            f" (words: and >= {MIN_STYLES} styles)",
            "answers": len(data),
        },
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
