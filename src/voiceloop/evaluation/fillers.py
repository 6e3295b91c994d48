"""Filler scoring: which filler types count as the same, and one-to-one matching in time."""

from __future__ import annotations

from collections.abc import Sequence

from pydantic import BaseModel

from voiceloop.evaluation.sidecars import TruthFiller
from voiceloop.models import FillerEvent

DEFAULT_FILLER_TOLERANCE_S = 0.5


# Hesitations that sound alike score as one type: British "er"/"erm" are "uh"/"um".
_FILLER_FAMILY = {"erm": "um", "uhm": "um", "er": "uh", "ah": "uh", "hm": "hmm", "mm": "hmm"}
HESITATIONS = frozenset({"um", "uh", "hmm"})
GENERIC_HESITATION = "uh/um"  # an acoustic event that does not say which


def _family(kind: str) -> str:
    # the detector writes "I mean", a reference's canonical type is lower case
    low = kind.lower()
    return _FILLER_FAMILY.get(low, low)


def is_hesitation(kind: str) -> bool:
    """Is a filler type a hesitation sound (um, uh, er, hmm, ...) rather than a word?"""
    return kind == GENERIC_HESITATION or _family(kind) in HESITATIONS


def compatible(ref_type: str, pred_type: str, typed: bool = True) -> bool:
    """Can a predicted filler of ``pred_type`` count as the reference's ``ref_type``?

    Typed: same family (um = erm, uh = er = ah, hmm = hm = mm); a generic "uh/um" matches
    um or uh. Untyped: any hesitation matches any hesitation, discourse fillers still by type.
    """
    ref, pred = _family(ref_type), _family(pred_type)
    if pred == GENERIC_HESITATION:
        return ref in ("um", "uh") or (not typed and ref in HESITATIONS)
    if not typed and ref in HESITATIONS and pred in HESITATIONS:
        return True
    return ref == pred


class FillerCounts(BaseModel):
    tp: int = 0
    fp: int = 0
    fn: int = 0

    def __add__(self, other: FillerCounts) -> FillerCounts:
        return FillerCounts(tp=self.tp + other.tp, fp=self.fp + other.fp, fn=self.fn + other.fn)

    @property
    def precision(self) -> float | None:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else None

    @property
    def recall(self) -> float | None:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else None

    @property
    def f1(self) -> float | None:
        p, r = self.precision, self.recall
        if p is None or r is None:
            return None
        return 2 * p * r / (p + r) if p + r else 0.0


def _gap(ref: TruthFiller, pred: FillerEvent) -> float | None:
    """Seconds between the two intervals (0 when they overlap); None when ref has no time."""
    if ref.start is None:
        return None
    end = ref.end if ref.end is not None else ref.start
    return max(0.0, ref.start - pred.end, pred.start - end)


def match_fillers(
    truth: Sequence[TruthFiller],
    predicted: Sequence[FillerEvent],
    tolerance_s: float = DEFAULT_FILLER_TOLERANCE_S,
    ignore: Sequence[TruthFiller] = (),
    typed: bool = True,
) -> FillerCounts:
    """One-to-one matching of predicted filler events to reference fillers.

    A pair may match when the types are :func:`compatible` and, where the reference has
    times, the two intervals overlap or lie within ``tolerance_s`` of each other; closest
    pairs are matched first. A reference filler without times matches any compatible
    prediction not matched yet. Predictions left over that match an ``ignore`` entry (a
    "you know" the source does not count as a filler) are neither hits nor false alarms.
    """
    pairs: list[tuple[float, int, int]] = []
    for ri, ref in enumerate(truth):
        for pi, pred in enumerate(predicted):
            if not compatible(ref.type, pred.type, typed):
                continue
            gap = _gap(ref, pred)
            if gap is None:
                pairs.append((float("inf"), ri, pi))
            elif gap <= tolerance_s:
                pairs.append((gap, ri, pi))
    used_ref: set[int] = set()
    used_pred: set[int] = set()
    for _, ri, pi in sorted(pairs):
        if ri not in used_ref and pi not in used_pred:
            used_ref.add(ri)
            used_pred.add(pi)
    left = [p for i, p in enumerate(predicted) if i not in used_pred]
    ignorable = list(ignore)
    fp = 0
    for pred in left:
        hit = next(
            (
                k
                for k, ig in enumerate(ignorable)
                if compatible(ig.type, pred.type, typed)
                and ((gap := _gap(ig, pred)) is None or gap <= tolerance_s)
            ),
            None,
        )
        if hit is None:
            fp += 1
        else:
            ignorable.pop(hit)
    return FillerCounts(tp=len(used_ref), fp=fp, fn=len(truth) - len(used_ref))
