"""Label accuracy and false "missing" calls on the project's own spoken answers (issue 8).

Usage::

    python benchmarks/shape_eval.py [--rates 150 175] [--verbose]

The answers are the complete ones in ``tests/test_shape.py`` (two intros, two project
walkthroughs, five behavioral/deep-dive answers, three of them never tuned on), spoken
sentence by sentence with espeak-ng at each rate, transcribed by the embedded tiny.en and
analyzed with their bank prompt. Printed per answer and pooled per kind:

- sentence labels right (a predicted sentence is right when its label is that of the spoken
  sentence at its middle): intro parts, walkthrough stages, or STAR sections;
- false alarms: shape checks that failed (length aside), shape parts named missing, and
  must-include items not heard, none of which should happen on a complete answer.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

import soundfile as sf

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

import test_shape as answers  # the answers live with their tests
from voiceloop.prompts import get_prompt, load_bank
from voiceloop.transcribe.decode import TranscribeOptions, transcribe


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rates", type=int, nargs="+", default=[150, 175])
    parser.add_argument("--verbose", action="store_true", help="print every wrong sentence")
    args = parser.parse_args()
    bank = load_bank()
    for rate in args.rates:
        by_kind: dict[str, list[int]] = {}
        alarms = 0
        print(f"espeak-ng at {rate} wpm")
        for name, prompt_id, answer in answers.COMPLETE:
            with tempfile.TemporaryDirectory() as folder:
                wav, bounds = answers.spoken(answer, Path(folder), rate_wpm=rate)
                samples, _ = sf.read(str(wav), dtype="float32")
            transcript = transcribe(samples, TranscribeOptions())
            analysis = answers.analyze(transcript, get_prompt(bank, prompt_id))
            right, total = answers.label_counts(analysis, bounds)
            counts = by_kind.setdefault(answers.answer_kind(name), [0, 0])
            counts[0] += right
            counts[1] += total
            assert analysis.shape is not None and analysis.coverage is not None
            false = [c.name for c in analysis.shape.checks if not c.ok and c.name != "length"]
            false += [f"missing {m}" for m in analysis.shape.missing]
            false += [f"not heard: {m}" for m in analysis.coverage.missing]
            alarms += len(false)
            share = f"{right:2d}/{total:<2d} {right / total:6.1%}"
            print(f"  {name:10s} {share}  false alarms: {false}")
            if args.verbose:
                sentences = analysis.star.sentences
                pairs = [(x.sentence, x.label) for x in analysis.shape.labels] or [
                    (x.sentence, str(x.label)) for x in analysis.star.labels
                ]
                for index, label in pairs:
                    s = sentences[index]
                    mid = (s.start + s.end) / 2
                    truth = next((b[2] for b in bounds if b[0] <= mid < b[1]), bounds[-1][2])
                    if truth != label:
                        print(f"      {truth} -> {label}: {s.text[:80]}")
        pooled = ", ".join(f"{k} {r}/{n} = {r / n:.1%}" for k, (r, n) in by_kind.items())
        print(f"  per kind: {pooled}; false alarms on complete answers: {alarms}")


if __name__ == "__main__":
    main()
