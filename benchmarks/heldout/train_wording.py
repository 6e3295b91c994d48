"""Train the STAR labeller's wording model from the blind dev answers.

    python benchmarks/heldout/train_wording.py            # writes the packaged model
    python benchmarks/heldout/train_wording.py answers_dev2.json answers_dev3.json --out m.json

The model is a multinomial logistic regression from a sentence's words and word pairs (and
its first word or two) to its STAR label, trained on every sentence of the blind *dev*
answers (never the blind tests, `answers_test2.json` and later).
The labeller adds a small share of its log-probabilities to the cue evidence; see
`voiceloop.analysis.wording`. Training is full-batch and starts from zeros, so the same
files give the same model.
"""

from __future__ import annotations

import argparse
import hashlib
import json
from collections import defaultdict
from pathlib import Path
from typing import Any

import numpy as np

from voiceloop.analysis.timeline import norm_tokens
from voiceloop.analysis.wording import FEATURE_RULE, MODEL_PATH, sentence_features
from voiceloop.models import STAR_LABELS

HERE = Path(__file__).resolve().parent
DEV_FILES = (
    "answers.json",
    "answers_test.json",  # the first blind test, retired to dev on 2026-11-25
    "answers_dev2.json",
    "answers_dev3.json",
    *(f"answers_dev{i}.json" for i in range(5, 15)),
)
MIN_ANSWERS = 2  # a feature must appear in this many answers to get a weight
L2 = 0.3
EPOCHS = 200
STEP = 0.05
KEEP = 0.1  # features whose largest weight is below this are left out of the file


def labelled_sentences(path: Path) -> list[tuple[str, str, str]]:
    """(answer id, label, text) for every sentence of an answers file; the number-free
    rewrite of a Result is one more Result."""
    rows = []
    for answer in json.loads(path.read_text(encoding="utf-8")):
        for section in answer["sections"]:
            rows += [(answer["id"], section["label"], s) for s in section["sentences"]]
        rows += [(answer["id"], "result", s) for s in answer.get("unquantified_result") or []]
    return rows


def features(text: str) -> set[str]:
    return sentence_features(norm_tokens(text))


def train(rows: list[tuple[str, str, str]]) -> tuple[list[str], np.ndarray, np.ndarray]:
    """Vocabulary, weights (features x labels) and biases of the fitted model."""
    feats = [features(text) for _, _, text in rows]
    answers: dict[str, set[str]] = defaultdict(set)
    for (answer_id, _, _), fs in zip(rows, feats, strict=True):
        for f in fs:
            answers[f].add(answer_id)
    vocab = sorted(f for f, ids in answers.items() if len(ids) >= MIN_ANSWERS)
    index = {f: i for i, f in enumerate(vocab)}
    x = np.zeros((len(rows), len(vocab)), np.float32)
    for r, fs in enumerate(feats):
        x[r, [index[f] for f in fs if f in index]] = 1.0
    y = np.eye(len(STAR_LABELS))[[STAR_LABELS.index(lab) for _, lab, _ in rows]]
    n = len(rows)
    w = np.zeros((len(vocab), len(STAR_LABELS)))
    b = np.zeros(len(STAR_LABELS))
    moments = [(np.zeros_like(w), np.zeros_like(w)), (np.zeros_like(b), np.zeros_like(b))]
    for epoch in range(1, EPOCHS + 1):  # Adam on the full batch
        z = x @ w + b
        p = np.exp(z - z.max(axis=1, keepdims=True))
        p /= p.sum(axis=1, keepdims=True)
        grads = (x.T @ (p - y) / n + L2 * w / n, (p - y).mean(axis=0))
        for param, grad, (m, v) in zip((w, b), grads, moments, strict=True):
            m *= 0.9
            m += 0.1 * grad
            v *= 0.999
            v += 0.001 * grad * grad
            param -= STEP * (m / (1 - 0.9**epoch)) / (np.sqrt(v / (1 - 0.999**epoch)) + 1e-8)
    return vocab, w, b


def _one_feature_a_line(model: dict[str, Any]) -> str:
    """The model as JSON with one weight row a line, so a retrained model diffs readably."""
    head = {k: v for k, v in model.items() if k != "weights"}
    rows = [f"  {json.dumps(f)}: {json.dumps(ws)}" for f, ws in sorted(model["weights"].items())]
    body = json.dumps(head, indent=1, sort_keys=True)[:-2]
    return body + ',\n "weights": {\n' + ",\n".join(rows) + "\n }\n}\n"


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("files", nargs="*", default=list(DEV_FILES), help="answers files here")
    ap.add_argument("--out", type=Path, default=MODEL_PATH)
    args = ap.parse_args()
    files: list[str] = args.files
    rows = [row for f in files for row in labelled_sentences(HERE / f)]
    vocab, w, b = train(rows)
    kept = {f: [round(float(v), 3) for v in w[i]] for i, f in enumerate(vocab)}
    kept = {f: ws for f, ws in kept.items() if max(abs(v) for v in ws) >= KEEP}
    model = {
        "labels": list(STAR_LABELS),
        "features": FEATURE_RULE,
        "trained_on": {f: hashlib.sha256((HERE / f).read_bytes()).hexdigest()[:16] for f in files},
        "sentences": len(rows),
        "settings": {"min_answers": MIN_ANSWERS, "l2": L2, "epochs": EPOCHS, "keep": KEEP},
        "bias": [round(float(v), 3) for v in b],
        "weights": kept,
    }
    args.out.write_text(_one_feature_a_line(model), encoding="utf-8")
    print(f"{len(rows)} sentences from {len(files)} files -> {len(kept)} features, {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
