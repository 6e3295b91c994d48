"""Does the wording model help on answers it was not trained on?  Leave-one-set-out check.

    python benchmarks/heldout/wording_cv.py

For each blind dev answers file, trains the wording model on the other dev files, then
labels that file's answers (their written sentences, timed at 2.5 words a second) with the
cues alone and with the cues plus that model, and prints per file and overall: sentences
labelled right, and answers whose missing sections are all called right. Text only: no
audio, so it measures the labeller, not the recogniser (`voiceloop eval` on the spoken
clips measures both). Takes a few minutes.
"""

from __future__ import annotations

import json
from pathlib import Path

import train_wording

import voiceloop.analysis.wording as wording_module
from voiceloop.analysis.star import label_sentences
from voiceloop.analysis.wording import WordingModel
from voiceloop.models import STAR_LABELS, Sentence

HERE = Path(__file__).resolve().parent
WORDS_PER_SECOND = 2.5


def _answers(name: str) -> list[tuple[list[str], list[str]]]:
    """(sentences, labels) of each answer in a file."""
    out = []
    for answer in json.loads((HERE / name).read_text(encoding="utf-8")):
        texts = [s for sec in answer["sections"] for s in sec["sentences"]]
        labels = [sec["label"] for sec in answer["sections"] for _ in sec["sentences"]]
        out.append((texts, labels))
    return out


def _timed(texts: list[str]) -> list[Sentence]:
    out, t = [], 0.0
    for i, text in enumerate(texts):
        end = t + len(text.split()) / WORDS_PER_SECOND
        out.append(Sentence(index=i, first_word=0, last_word=0, start=t, end=end, text=text))
        t = end + 0.4
    return out


def _score(answers: list[tuple[list[str], list[str]]]) -> tuple[int, int, int]:
    """(sentences right, sentences, answers with every missing section called right)."""
    right = total = sections_right = 0
    for texts, truth in answers:
        got = [lab.label for lab in label_sentences(_timed(texts))]
        right += sum(g == t for g, t in zip(got, truth, strict=True))
        total += len(truth)
        sections_right += all((lab in got) == (lab in truth) for lab in STAR_LABELS)
    return right, total, sections_right


def main() -> None:
    default_load = wording_module.load_model
    weight = wording_module.WORDING_WEIGHT
    sums = [0, 0, 0, 0, 0, 0]  # right and all-sections-right without/with the model, answers
    print(f"{'left out':22s} {'answers':>7s} {'cues only':>16s} {'cues + wording':>16s}")
    for name in train_wording.DEV_FILES:
        others = [f for f in train_wording.DEV_FILES if f != name]
        rows = [row for f in others for row in train_wording.labelled_sentences(HERE / f)]
        vocab, w, b = train_wording.train(rows)
        model = WordingModel(
            labels=STAR_LABELS,
            bias=tuple(float(v) for v in b),
            weights={f: tuple(float(v) for v in w[i]) for i, f in enumerate(vocab)},
        )
        answers = _answers(name)
        wording_module.WORDING_WEIGHT = 0.0
        try:
            base = _score(answers)
        finally:
            wording_module.WORDING_WEIGHT = weight
        wording_module.load_model = lambda *_, m=model: m  # type: ignore[assignment,misc]
        try:
            with_model = _score(answers)
        finally:
            wording_module.load_model = default_load
        print(
            f"{name:22s} {len(answers):7d} {base[0] / base[1]:9.1%} {base[2]:3d}/{len(answers):<3d}"
            f" {with_model[0] / with_model[1]:9.1%} {with_model[2]:3d}/{len(answers):<3d}",
            flush=True,
        )
        counts = (base[0], with_model[0], base[2], with_model[2], len(answers), base[1])
        sums = [total + n for total, n in zip(sums, counts, strict=True)]
    right, right_with, whole, whole_with, n_answers, sentences = sums
    print(
        f"{'all':22s} {n_answers:7d} {right / sentences:9.1%} {whole:3d}/{n_answers:<3d}"
        f" {right_with / sentences:9.1%} {whole_with:3d}/{n_answers:<3d}"
    )


if __name__ == "__main__":
    main()
