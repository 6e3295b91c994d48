"""How well "the transcriber was not sure of this word" finds the words it got wrong.

Usage::

    python benchmarks/confidence_study.py DATA_DIR [DATA_DIR ...] [--cache DIR]
        [--threshold P] [--list]

Each clip of each folder (audio plus sidecar, as ``voiceloop eval`` reads them) is
transcribed once with the default model (cached as JSON under ``--cache``, so a second run
only aligns). Every transcript word is aligned to the clip's reference transcript
(``voiceloop.evaluation.wer``'s normalisation, then a Levenshtein alignment with its path):
a word is *right* when all its normalised pieces match reference words, *wrong* otherwise
(a substitution or an insertion). Hesitations ("um", "uh") are left out: the marking never
flags them.

Printed: for candidate probability thresholds, the share of wrong words flagged (recall)
and the share of right words flagged (false flags), with the word-shape rules of
``voiceloop.analysis.confidence`` on top; with ``--threshold`` the chosen one per folder;
with ``--list`` every all-capitals or invented run and whether its words were right.

Tune on the development folders (``../shared/data/speech``, ``../shared/data/star``);
report ``speech-test`` once, labelled held out.
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import dataclass
from pathlib import Path

from voiceloop.analysis.confidence import word_doubts
from voiceloop.analysis.fillers import hesitation_type
from voiceloop.evaluation.sidecars import load_dataset
from voiceloop.evaluation.wer import WILDCARD, normalize_words
from voiceloop.models import Transcript

THRESHOLDS = (0.1, 0.2, 0.25, 0.3, 0.35, 0.4, 0.45, 0.5, 0.6, 0.7)


@dataclass
class Scored:
    clip: str
    index: int  # in the transcript's words
    text: str
    probability: float
    right: bool


def align(reference: list[str], hypothesis: list[str]) -> list[bool]:
    """For each hypothesis token, whether the cheapest alignment matches it to a reference
    token (a wildcard reference token matches anything)."""
    rows, cols = len(reference), len(hypothesis)
    cost = [[0] * (cols + 1) for _ in range(rows + 1)]
    for j in range(cols + 1):
        cost[0][j] = j
    for i in range(1, rows + 1):
        wild = reference[i - 1] == WILDCARD
        cost[i][0] = cost[i - 1][0] + (0 if wild else 1)
        for j in range(1, cols + 1):
            same = wild or reference[i - 1] == hypothesis[j - 1]
            cost[i][j] = min(
                cost[i - 1][j - 1] + (0 if same else 1),
                cost[i - 1][j] + (0 if wild else 1),
                cost[i][j - 1] + 1,
            )
    matched = [False] * cols
    i, j = rows, cols
    while i > 0 and j > 0:
        wild = reference[i - 1] == WILDCARD
        same = wild or reference[i - 1] == hypothesis[j - 1]
        if cost[i][j] == cost[i - 1][j - 1] + (0 if same else 1):
            matched[j - 1] = same
            i, j = i - 1, j - 1
        elif cost[i][j] == cost[i - 1][j] + (0 if wild else 1):
            i -= 1
        else:
            j -= 1
    return matched


def score_clip(name: str, transcript: Transcript, reference: str) -> list[Scored]:
    pieces: list[tuple[int, str]] = []
    for k, w in enumerate(transcript.words):
        pieces += [(k, tok) for tok in normalize_words(w.text, keep_hesitations=True)]
    matched = align(normalize_words(reference, keep_hesitations=True), [t for _, t in pieces])
    right: dict[int, bool] = {}
    for (k, _), ok in zip(pieces, matched, strict=True):
        right[k] = right.get(k, True) and ok
    return [
        Scored(name, k, w.text, w.probability, right[k])
        for k, w in enumerate(transcript.words)
        if k in right and hesitation_type(w.text) is None
    ]


def transcripts(folder: Path, cache: Path) -> list[tuple[str, Transcript, str]]:
    from voiceloop.api import _transcribe_options
    from voiceloop.audio import load_audio
    from voiceloop.transcribe.decode import transcribe

    out = []
    where = cache / folder.name
    where.mkdir(parents=True, exist_ok=True)
    for clip in load_dataset(folder):
        cached = where / (Path(clip.name).name + ".json")
        if cached.exists():
            transcript = Transcript.model_validate_json(cached.read_text())
        else:
            transcript = transcribe(load_audio(clip.audio).samples, _transcribe_options("embedded"))
            cached.write_text(transcript.model_dump_json())
        out.append((clip.name, transcript, clip.truth.reference))
    return out


def rates(flagged: list[bool], scored: list[Scored]) -> tuple[int, int, int, int]:
    wrong = [f for f, s in zip(flagged, scored, strict=True) if not s.right]
    right = [f for f, s in zip(flagged, scored, strict=True) if s.right]
    return sum(wrong), len(wrong), sum(right), len(right)


def _row(label: str, counts: tuple[int, int, int, int]) -> str:
    fw, nw, fr, nr = counts
    rec = fw / nw if nw else 0.0
    fal = fr / nr if nr else 0.0
    prec = fw / (fw + fr) if fw + fr else 0.0
    return f"| {label} | {fw}/{nw} ({rec:.0%}) | {fr}/{nr} ({fal:.1%}) | {prec:.0%} |"


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("folders", nargs="+", type=Path)
    ap.add_argument("--cache", type=Path, default=Path("/tmp/voiceloop_confidence_cache"))
    ap.add_argument("--threshold", type=float, default=None)
    ap.add_argument("--list", action="store_true")
    args = ap.parse_args()
    sets: dict[str, tuple[list[Scored], dict[str, dict[int, str]]]] = {}
    for folder in args.folders:
        scored: list[Scored] = []
        doubts_by_clip: dict[str, dict[int, str]] = {}
        for name, transcript, reference in transcripts(folder, args.cache):
            scored += score_clip(name, transcript, reference)
            doubts_by_clip[name] = dict(word_doubts(transcript.words, 0.0))
            if args.list:
                for k, why in sorted(doubts_by_clip[name].items()):
                    ok = next((s.right for s in scored if s.clip == name and s.index == k), None)
                    word = transcript.words[k]
                    print(
                        f"{folder.name}/{name} #{k} {word.text!r} p={word.probability:.2f}"
                        f" {why}: {'right' if ok else 'wrong' if ok is False else '-'}"
                    )
        sets[folder.name] = (scored, doubts_by_clip)
    print("\n| set, rule | wrong words flagged | right words flagged | flagged that are wrong |")
    print("|---|---|---|---|")
    for set_name, (scored, doubts) in sets.items():
        shape = [s.index in doubts[s.clip] for s in scored]
        print(_row(f"{set_name}, word shape only", rates(shape, scored)))
        chosen = THRESHOLDS if args.threshold is None else (args.threshold,)
        for t in chosen:
            flagged = [s.probability < t or f for s, f in zip(scored, shape, strict=True)]
            print(_row(f"{set_name}, p < {t:g} or shape", rates(flagged, scored)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
