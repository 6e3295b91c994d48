"""Leave-one-style-out: how the STAR labeller does on a way of answering it never trained on.

    python benchmarks/styles/loso.py                 # every development style, worst first
    python benchmarks/styles/loso.py --blind         # once: the blind styles, the shipped model
    python benchmarks/styles/loso.py --blind2        # the second blind set, likewise
    python benchmarks/styles/loso.py --blind-set blind3   # any later blind set, likewise
    python benchmarks/styles/loso.py --cues          # the hand-cue labeller, for comparison
    python benchmarks/styles/loso.py --group new=terse,suspense   # also a subtotal of a group
    python benchmarks/styles/loso.py --confusion     # also which labels words get, per style

For each style of the development corpus (``benchmarks/styles/*.json`` plus the typical
blind-dev answers), trains the model on every other style and labels the left-out style's
answers; ``--blind`` instead labels ``benchmarks/styles/blind`` and the heldout blind tests
with the model trained on all development answers (the shipped one). Figures per style, as
``voiceloop eval`` defines them, on text timed as speech (see ``corpus.py``): STAR words right,
mean share error, missing sections right, missing Result right, quantified Result right; then
the STAR and Result tips against those the true sections earn: the first tip the same, tips
stated as sure that are earned, earned tips stated as sure, and tips stated as unsure (how
many, and the share earned). ``--doubt-lead 0`` states every tip as sure.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from collections import defaultdict
from collections.abc import Callable, Sequence
from pathlib import Path
from types import SimpleNamespace
from typing import Any

from corpus import Answer, Tally, blind_corpus, dev_corpus, score_answer, typical_tests
from train_labeller import examples, train

from voiceloop.analysis import star
from voiceloop.analysis.quantify import quantify_results
from voiceloop.models import STAR_LABELS, Transcript
from voiceloop.options import AnalysisOptions


def analyzer(options: AnalysisOptions, method: str = "learned") -> Callable[[Transcript], Any]:
    def run(transcript: Transcript) -> Any:
        if method == "cues":
            saved = star.label_sentences
            star.label_sentences = lambda s, m=None: star.label_by_cues(s)  # type: ignore[assignment,misc]
            try:
                result = star.segment_star(transcript, options)
            finally:
                star.label_sentences = saved  # type: ignore[assignment]
        else:
            result = star.segment_star(transcript, options)
        quantify = quantify_results(transcript, result, options)
        return SimpleNamespace(star=result, quantify=quantify, options=options)

    return run


def parse_group(text: str) -> tuple[str, list[str]]:
    """``--group NAME=style,style,...``: a subtotal row for those styles."""
    name, sep, styles = text.partition("=")
    if not sep or not name or not styles:
        raise argparse.ArgumentTypeError(f"a group is NAME=style,style,... (got {text!r})")
    return name, styles.split(",")


def table(rows: dict[str, Tally], groups: Sequence[tuple[str, list[str]]] = ()) -> str:
    """A line per style, worst STAR words first, then the total and each group's subtotal."""
    unknown = sorted({s for _, styles in groups for s in styles} - rows.keys())
    if unknown:
        raise SystemExit(f"--group names styles not in this run: {', '.join(unknown)}")
    lines = [f"{'style':18s} {'answers':>7s} {'STAR words':>10s} {'share err':>9s} "
             f"{'missing sect':>12s} {'missing R':>9s} {'quantified':>10s} {'top tip':>7s} "
             f"{'sure tips':>9s} {'told':>6s} {'unsure tips':>11s}"]  # fmt: skip
    ordered = sorted(rows.items(), key=lambda kv: kv[1].row()["star_words"])
    total = Tally()
    for _, t in ordered:
        total.add(t)
    subtotals = []
    for name, styles in groups:
        subtotal = Tally()
        for style in styles:
            subtotal.add(rows[style])
        subtotals.append((f"all {name}", subtotal))
    for style, t in [*ordered, ("all", total), *subtotals]:
        r = t.row()
        lines.append(
            f"{style:18s} {t.sections_calls:7d} {r['star_words']:10.1%} "
            f"{r['share_error_pp']:7.1f}pp {r['missing_sections']:12.1%} "
            f"{r['missing_result']:9.1%} {r['quantified']:10.1%} {r['top_tip']:7.1%} "
            f"{r['sure_tips_right']:9.1%} {r['earned_told']:6.1%} "
            f"{t.unsure_tips:4d} {r['unsure_tips_right']:6.1%}"
        )
    return "\n".join(lines)


def confusion(rows: dict[str, Tally]) -> str:
    """Per style (worst first): the words of each true label by the label they were given,
    and which sections were wrongly found said or missing."""
    short = {lab: lab[:4] for lab in STAR_LABELS}
    lines = []
    for style, t in sorted(rows.items(), key=lambda kv: kv[1].row()["star_words"]):
        lines.append(f"{style}: true \\ given " + " ".join(f"{short[g]:>6s}" for g in STAR_LABELS))
        for true in STAR_LABELS:
            counts = " ".join(f"{t.confusion[(true, g)]:6d}" for g in STAR_LABELS)
            lines.append(f"  {true:12s} {counts}")
        errors = ", ".join(f"{k} {n}" for k, n in t.presence_errors.most_common())
        lines.append(f"  sections wrongly said or missing: {errors or 'none'}")
    return "\n".join(lines)


def add_report_options(parser: argparse.ArgumentParser) -> None:
    """The options of what is printed after the folds (``loso.py`` and ``method_study.py``)."""
    parser.add_argument(
        "--confusion", action="store_true", help="also the labels words got, per style"
    )
    parser.add_argument(
        "--doubt-lead",
        type=float,
        default=AnalysisOptions().star_doubt_lead,
        help="a label leading its next-best reading by less is in doubt (0: every tip sure)",
    )
    parser.add_argument(
        "--group",
        type=parse_group,
        action="append",
        default=[],
        metavar="NAME=STYLE,...",
        help="also print the figures over these styles together (repeatable)",
    )


def report(rows: dict[str, Tally], args: argparse.Namespace) -> str:
    """The table, with the groups' subtotals, and the confusion when asked for."""
    return table(rows, args.group) + ("\n" + confusion(rows) if args.confusion else "")


def score(answers: Sequence[Answer], run: Callable[[Transcript], Any]) -> dict[str, Tally]:
    out: dict[str, Tally] = defaultdict(Tally)
    for a in answers:
        out[a.style].add(score_answer(a, run))
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--blind", action="store_true")
    parser.add_argument(
        "--blind2", action="store_true", help="the second blind style set, the shipped model"
    )
    parser.add_argument(
        "--blind-set", help="a blind style set by folder name (blind3, ...), the shipped model"
    )
    parser.add_argument("--cues", action="store_true")
    parser.add_argument(
        "--model", type=Path, help="with --blind/--blind2: this model instead of the shipped one"
    )
    parser.add_argument("--failures", action="store_true", help="list wrong calls by clip")
    add_report_options(parser)
    args = parser.parse_args()
    began = time.perf_counter()
    method = "cues" if args.cues else "learned"
    lead = args.doubt_lead
    shipped = AnalysisOptions(star_model=args.model, star_doubt_lead=lead)
    if args.blind:
        rows = score(blind_corpus() + typical_tests(), analyzer(shipped, method))
    elif args.blind2 or args.blind_set:
        rows = score(blind_corpus(args.blind_set or "blind2"), analyzer(shipped, method))
    elif args.cues:
        rows = score(dev_corpus(), analyzer(AnalysisOptions(star_doubt_lead=lead), method))
    else:
        corpus = dev_corpus()
        every = examples(corpus)  # features once: a fold only leaves some out
        rows = {}
        with tempfile.TemporaryDirectory() as tmp:
            for style in sorted({a.style for a in corpus}):
                model = train([e for e in every if e[2] != style])
                path = Path(tmp) / f"{style}.json"
                path.write_text(model.to_json(), encoding="utf-8")
                held = [a for a in corpus if a.style == style]
                options = AnalysisOptions(star_model=path, star_doubt_lead=lead)
                rows.update(score(held, analyzer(options)))
                print(f"  {style}: done", flush=True)
    print(report(rows, args))
    if args.failures:
        for style, t in rows.items():
            print(style, ", ".join(t.failures))
    print(f"({time.perf_counter() - began:.0f} s)")


if __name__ == "__main__":
    main()
