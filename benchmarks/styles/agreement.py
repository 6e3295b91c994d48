"""How far a reader who understands the answer agrees with the corpus labels, against the model.

    python benchmarks/styles/agreement.py            # the annotator against the labels
    python benchmarks/styles/agreement.py --model    # and the model, each style left out
    python benchmarks/styles/agreement.py --model --models DIR   # reuse fold models kept in DIR

``agreement/annotated.json`` holds 102 development answers (6 drawn from each of the 17
styles, original wording) with a second, independent labelling: a separate session labelled
every sentence from the answer's text and question alone, with the textbook definitions of the
five sections and no access to the corpus labels, the labeller or any other file. Where it
agrees with the corpus labels, those labels are what a careful reader would say, so the
figures are a ceiling the labeller could reach from the text, not an artefact of how one
writer labelled.

``--model`` labels the same answers with the method ``loso.py`` measures: for each style, a
model trained on every other style (about 15 minutes on 2 cores). Both are scored as
``voiceloop eval`` scores STAR: words in the right section (the annotator's label of a
sentence covers its words), and the set of sections said (missing sections right).
"""

from __future__ import annotations

import argparse
import json
import tempfile
from collections import Counter
from collections.abc import Sequence
from pathlib import Path

from corpus import HERE, Answer, dev_corpus, transcript_of
from train_labeller import Example, examples, train

from voiceloop.analysis import star
from voiceloop.models import STAR_LABELS
from voiceloop.options import AnalysisOptions

ANNOTATED = HERE / "agreement" / "annotated.json"


def word_labels(answer: Answer, labels: Sequence[str]) -> list[str]:
    """A label per sentence spread over that sentence's words."""
    return [labels[k] for k in transcript_of(answer.sentences)[1]]


def model_words(answer: Answer, options: AnalysisOptions) -> list[str]:
    transcript, _ = transcript_of(answer.sentences)
    result = star.segment_star(transcript, options)
    got = ["?"] * len(transcript.words)
    for lab in result.labels:
        sent = result.sentences[lab.sentence]
        got[sent.first_word : sent.last_word + 1] = [lab.label] * (
            sent.last_word - sent.first_word + 1
        )
    return got


def tally(pairs: Sequence[tuple[Answer, list[str]]]) -> tuple[Counter[str], Counter[str]]:
    """Words and section calls right, and which sections were missed or added."""
    right: Counter[str] = Counter()
    wrong: Counter[str] = Counter()
    for answer, got in pairs:
        truth = word_labels(answer, answer.labels)
        right["words"] += sum(g == t for g, t in zip(got, truth, strict=True))
        right["of words"] += len(truth)
        said, heard = set(truth), set(got) - {"?"}
        right["sections"] += said == heard
        right["answers"] += 1
        for lab in STAR_LABELS:
            if (lab in said) != (lab in heard):
                wrong[f"{lab} {'missed' if lab in said else 'added'}"] += 1
    return right, wrong


def report(name: str, right: Counter[str], wrong: Counter[str]) -> None:
    words = right["words"] / right["of words"]
    sections = right["sections"] / right["answers"]
    print(f"{name:26s} words {words:6.1%}  sections said {right['sections']:3d}/"
          f"{right['answers']} ({sections:.1%})  wrong: {dict(sorted(wrong.items()))}")  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", action="store_true", help="also the model, style left out")
    parser.add_argument(
        "--models",
        type=Path,
        help="with --model: keep each fold's model here and reuse it (the same folds as "
        "method_study.py's --models, so its fold models serve)",
    )
    args = parser.parse_args()
    corpus = {a.id: a for a in dev_corpus()}
    annotated = json.loads(ANNOTATED.read_text(encoding="utf-8"))
    answers = [corpus[item["id"]] for item in annotated]
    for item, answer in zip(annotated, answers, strict=True):
        if item["sentences"] != answer.sentences:
            raise SystemExit(f"{item['id']}: the corpus answer changed since it was annotated")
    reader = [
        (a, word_labels(a, item["annotator"])) for a, item in zip(answers, annotated, strict=True)
    ]
    report("independent annotator", *tally(reader))
    if not args.model:
        return
    every: list[Example] | None = None  # found only when a fold must be trained
    labelled = []
    with tempfile.TemporaryDirectory() as tmp:
        for style in sorted({a.style for a in answers}):
            path = (args.models or Path(tmp)) / f"{style}.json"
            if not path.exists():
                if every is None:
                    every = examples(list(corpus.values()))
                path.write_text(train([e for e in every if e[2] != style]).to_json(), "utf-8")
            options = AnalysisOptions(star_model=path)
            labelled += [(a, model_words(a, options)) for a in answers if a.style == style]
            print(f"  {style}: done", flush=True)
    report("model, style left out", *tally(labelled))


if __name__ == "__main__":
    main()
