"""The answer-style corpus: load it, turn an answer into a timed transcript, score the STAR calls.

Files: ``benchmarks/styles/<style>.json`` (development: train and leave-one-style-out) and
``benchmarks/styles/blind/<style>.json`` and ``blind2/`` (each written by a session that
saw nothing of the labeller; measured, never read or trained on). Each answer lists its
sections in the order spoken, sentence by sentence, as in ``benchmarks/heldout``.

Text only: an answer's written sentences become a transcript at an even speaking rate with the
same short pause after every sentence (a longer pause between sections would tell the
labeller where sections change). So these figures measure the labeller, not the recogniser;
``voiceloop eval`` on spoken clips measures both.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from voiceloop.evaluation.scoring import star_tips_scored
from voiceloop.evaluation.sidecars import TruthWord
from voiceloop.models import STAR_LABELS, Transcript, Word

HERE = Path(__file__).resolve().parent
# What counts as a number in a Result, as benchmarks/heldout/make_clips.py writes the truth.
_DIGIT = re.compile(r"\d")
_NUMBER_WORD = re.compile(
    r"\b((?<!the )(?<!this )(?<!that )one|two|three|four|five|six|seven|eight|nine|ten|"
    r"eleven|twelve|twenty|thirty|forty|fifty|hundred|thousand|million|billion|half|twice|"
    r"dozen|percent)\b",
    re.IGNORECASE,
)
HELDOUT = HERE.parent / "heldout"
SECONDS_PER_WORD = 0.38
SENTENCE_GAP_S = 0.45

# The blind dev files of benchmarks/heldout: typical full-sentence answers.
TYPICAL_FILES = (
    "answers.json", "answers_test.json", "answers_dev2.json", "answers_dev3.json",
    "answers_dev5.json", "answers_dev6.json", "answers_dev7.json", "answers_dev8.json",
    "answers_dev9.json", "answers_dev10.json", "answers_dev11.json", "answers_dev12.json",
    "answers_dev13.json", "answers_dev14.json",
)  # fmt: skip
# Typical answers kept for measuring only (the blind tests of benchmarks/heldout).
TYPICAL_TEST_FILES = tuple(f"answers_test{n}.json" for n in range(2, 8))


@dataclass
class Answer:
    id: str
    style: str
    sentences: list[str]
    labels: list[str]
    unquantified: list[str] | None = None  # the Result's sentences with every number removed
    extra: dict[str, Any] = field(default_factory=dict)

    def variants(self) -> Iterator[tuple[str, list[str], list[str], bool | None]]:
        """(variant, sentences, labels, result quantified) as the held-out clips have them."""
        has_result = "result" in self.labels
        pairs = zip(self.sentences, self.labels, strict=True)
        said = " ".join(s for s, lab in pairs if lab == "result")
        quantified = bool(_DIGIT.search(said) or _NUMBER_WORD.search(said)) if has_result else None
        yield "original", self.sentences, self.labels, quantified
        if has_result:
            keep = [i for i, lab in enumerate(self.labels) if lab != "result"]
            yield (
                "noresult",
                [self.sentences[i] for i in keep],
                [self.labels[i] for i in keep],
                None,
            )
        if self.unquantified:
            rewritten = iter(self.unquantified)
            texts = [
                next(rewritten) if lab == "result" else text
                for text, lab in zip(self.sentences, self.labels, strict=True)
            ]
            yield "unquantified", texts, self.labels, False


def read_answers(path: Path, style: str | None = None) -> list[Answer]:
    out = []
    for raw in json.loads(path.read_text(encoding="utf-8")):
        texts = [s for sec in raw["sections"] for s in sec["sentences"]]
        labels = [sec["label"] for sec in raw["sections"] for _ in sec["sentences"]]
        unq = raw.get("unquantified_result")
        if unq is not None and len(unq) != labels.count("result"):
            raise ValueError(f"{path.name} {raw['id']}: unquantified_result does not match")
        out.append(
            Answer(
                id=raw["id"],
                style=style or raw.get("style") or "typical",
                sentences=texts,
                labels=labels,
                unquantified=unq,
            )
        )
    return out


def dev_files() -> list[Path]:
    """The development answer files: the style files and the typical blind-dev answers."""
    return sorted(HERE.glob("*.json")) + [HELDOUT / f for f in TYPICAL_FILES]


def dev_corpus() -> list[Answer]:
    """Every development answer (the only answers the shipped model is trained on)."""
    return [
        a for p in dev_files() for a in read_answers(p, None if p.parent == HERE else "typical")
    ]


def blind_corpus(folder: str = "blind") -> list[Answer]:
    return [a for p in sorted((HERE / folder).glob("*.json")) for a in read_answers(p)]


def typical_tests() -> list[Answer]:
    return [a for f in TYPICAL_TEST_FILES for a in read_answers(HELDOUT / f, "typical-test")]


def transcript_of(sentences: Sequence[str]) -> tuple[Transcript, list[int]]:
    """A transcript at an even rate, and for each word the index of its sentence."""
    words: list[Word] = []
    owner: list[int] = []
    t = 0.5
    for k, text in enumerate(sentences):
        for token in text.split():
            words.append(Word(text=token, start=t, end=t + SECONDS_PER_WORD - 0.05))
            owner.append(k)
            t += SECONDS_PER_WORD
        t += SENTENCE_GAP_S
    return Transcript(words=words, duration=t + 0.5), owner


@dataclass
class Tally:
    """STAR figures over a set of answers, as ``voiceloop eval`` defines them."""

    words_right: int = 0
    words: int = 0
    share_errors: list[float] = field(default_factory=list)
    sections_right: int = 0
    sections_calls: int = 0
    result_right: int = 0
    result_calls: int = 0
    quantified_right: int = 0
    quantified_calls: int = 0
    # the STAR and Result tips (``verdict.star_advice``) from the labeller's sections against
    # those the true sections earn: the first tip alike; tips stated as sure, and how many of
    # them are earned (so also the earned tips stated as sure); earned tips; tips stated as
    # unsure, and how many earned
    top_tip_right: int = 0
    sure_tips: int = 0
    sure_tips_right: int = 0
    earned_tips: int = 0
    unsure_tips: int = 0
    unsure_tips_right: int = 0
    failures: list[str] = field(default_factory=list)
    # (true label, label given) over the words of the original answers
    confusion: Counter[tuple[str, str]] = field(default_factory=Counter)
    # "task said, found missing", "reflection missing, found said", ... over every call
    presence_errors: Counter[str] = field(default_factory=Counter)

    def add(self, other: Tally) -> None:
        for name in ("words_right", "words", "sections_right", "sections_calls", "result_right",
                     "result_calls", "quantified_right", "quantified_calls", "top_tip_right",
                     "sure_tips", "sure_tips_right", "earned_tips", "unsure_tips",
                     "unsure_tips_right"):  # fmt: skip
            setattr(self, name, getattr(self, name) + getattr(other, name))
        self.share_errors += other.share_errors
        self.failures += other.failures
        self.confusion.update(other.confusion)
        self.presence_errors.update(other.presence_errors)

    def row(self) -> dict[str, float]:
        def ratio(a: int, b: int) -> float:
            return a / b if b else float("nan")

        return {
            "star_words": ratio(self.words_right, self.words),
            "share_error_pp": 100 * sum(self.share_errors) / max(len(self.share_errors), 1),
            "missing_sections": ratio(self.sections_right, self.sections_calls),
            "missing_result": ratio(self.result_right, self.result_calls),
            "quantified": ratio(self.quantified_right, self.quantified_calls),
            "top_tip": ratio(self.top_tip_right, self.sections_calls),
            "sure_tips_right": ratio(self.sure_tips_right, self.sure_tips),
            "earned_told": ratio(self.sure_tips_right, self.earned_tips),
            "unsure_tips_right": ratio(self.unsure_tips_right, self.unsure_tips),
        }


# returns an Analysis-like object: .star, .quantify and the .options it was analysed with
Labeller = Callable[[Transcript], Any]


def score_answer(answer: Answer, analyze: Labeller) -> Tally:
    tally = Tally()
    for variant, texts, labels, quantified in answer.variants():
        transcript, owner = transcript_of(texts)
        result = analyze(transcript)
        star = result.star
        got = ["?"] * len(transcript.words)
        for lab in star.labels:
            sent = star.sentences[lab.sentence]
            for i in range(sent.first_word, sent.last_word + 1):
                got[i] = lab.label
        truth = [labels[k] for k in owner]
        if variant == "original":
            right = sum(g == t for g, t in zip(got, truth, strict=True))
            tally.words_right += right
            tally.words += len(truth)
            tally.confusion.update(zip(truth, got, strict=True))
            n = len(truth)
            for lab in STAR_LABELS:
                tally.share_errors.append(abs(got.count(lab) - truth.count(lab)) / n)
        present_truth = {lab for lab in STAR_LABELS if lab in labels}
        present_got = {lab for lab in STAR_LABELS if lab in got}
        ok = present_truth == present_got
        for lab in present_truth ^ present_got:
            said = lab in present_truth
            tally.presence_errors[
                f"{lab} {'said, found missing' if said else 'missing, found said'}"
            ] += 1
        tally.sections_right += ok
        tally.sections_calls += 1
        # the tips as `voiceloop eval` scores them: the true sections' from each sentence's words
        said = [
            TruthWord(text=w.text, start=w.start, end=w.end, label=labels[k])  # type: ignore[arg-type]
            for w, k in zip(transcript.words, owner, strict=True)
        ]
        given, earned = star_tips_scored(said, transcript, result, result.options)
        tally.top_tip_right += [t.title for t in given[:1]] == earned[:1]
        sure = {t.title for t in given if t.sure}
        unsure = {t.title for t in given if not t.sure}
        tally.sure_tips += len(sure)
        tally.sure_tips_right += len(sure & set(earned))
        tally.earned_tips += len(earned)
        tally.unsure_tips += len(unsure)
        tally.unsure_tips_right += len(unsure & set(earned))
        r_ok = ("result" in present_truth) == ("result" in present_got)
        tally.result_right += r_ok
        tally.result_calls += 1
        if not r_ok:
            tally.failures.append(f"{answer.id}_{variant}: result")
        if quantified is not None:
            q_ok = result.quantify.result_quantified is quantified
            tally.quantified_right += q_ok
            tally.quantified_calls += 1
            if not q_ok:
                tally.failures.append(f"{answer.id}_{variant}: quantified")
    return tally
