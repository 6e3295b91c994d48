"""What the STAR labeller looks at in each sentence, as named features for the learned model.

Kept apart from the cue lists (``star.py``) and the model (``sequence.py``) so the trainer and
the labeller compute exactly the same features. A feature is a name and a value; most are
present-or-absent (value 1).

- the sentence's words and adjacent word pairs (numbers as ``<n>``), the same again as crude
  stems (``stem``: "pulled", "pulls" -> "pull", so a story told in another tense shares the
  evidence), its first word and first content word (after "um", "so", "and" ...), and a
  "Label:" prefix when notes are read aloud;
- the hand cue evidence for each section (``cue=<label>``, capped) and which cues fired, so
  the model weighs each cue for every section;
- where it sits: fifths of the answer, first and last sentence, a smooth position term;
- its shape: very short or long, holds a number, says "I" or "we", a question;
- its neighbours: which section the previous and next sentences' cues favour, their first
  content words and (at half weight) their content words' stems, so a sentence can lean on
  the story around it;
- what it means: the sentence encoder's vector (``emb=<k>``, see ``encoder.py``), so a
  sentence worded unlike any the model was trained on still weighs like the sentences that
  say the same kind of thing, and its neighbours' vectors (``pemb=``/``nemb=``).
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Mapping, Sequence

import numpy as np

from voiceloop.analysis.encoder import DIMENSIONS
from voiceloop.analysis.timeline import STOP_WORDS, norm_tokens

_NUMBER = re.compile(r"^[+\-\u2212$]?\d")
_LEAD_IN = frozenset(
    "um uh er ah so and but well like okay ok yeah now then also basically honestly "
    "actually anyway right oh".split()
)
_CUE_CAP = 4.0
# The encoder's vectors have unit length (about 0.05 a dimension), so they are scaled up to
# weigh against the word features; the neighbours' at half. Chosen by leave-one-style-out on
# the development styles among 3, 6 and 10 (neighbours off or at half): see docs/accuracy.md.
EMBEDDING_SCALE = 6.0
NEIGHBOUR_EMBEDDING_SCALE = 3.0
_EMB = tuple(f"emb={k}" for k in range(DIMENSIONS))
_PREV_EMB = tuple(f"pemb={k}" for k in range(DIMENSIONS))
_NEXT_EMB = tuple(f"nemb={k}" for k in range(DIMENSIONS))
_STRONG_CUE = 1.0  # a neighbour's cue counts as favouring a section from this score on


def _words(text: str) -> list[str]:
    return ["<n>" if _NUMBER.match(t) else t for t in norm_tokens(text)]


_STEM_SUFFIXES = ("ing", "ied", "ies", "ed", "es", "s", "e")


def stem(word: str) -> str:
    """A crude common root, so that a word's forms share evidence whatever the tense or
    number the speaker tells the story in: "pulled", "pulling", "pulls" -> "pull"."""
    if len(word) <= 3 or not word.isalpha():
        return word
    for suffix in _STEM_SUFFIXES:
        if suffix == "s" and word.endswith(("ss", "us", "is")):
            break  # "process", "status", "analysis"
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            word = word[: -len(suffix)] + ("y" if suffix in ("ied", "ies") else "")
            break
    if len(word) >= 4 and word[-1] == word[-2] and word[-1] not in "lsz":
        word = word[:-1]  # "running" -> "runn" -> "run"
    return word


def _prefix(text: str) -> str | None:
    """The words before a colon near the start ("Outcome:", "Step one:"), lower-cased."""
    head = text.split()[:4]
    for i, raw in enumerate(head):
        if raw.endswith(":"):
            return " ".join(_words(" ".join(head[: i + 1])))
    return None


def _first_content(words: Sequence[str]) -> str | None:
    return next((w for w in words if w not in _LEAD_IN), None)


def _favoured(scores: Mapping[str, float]) -> str | None:
    label, score = max(scores.items(), key=lambda kv: kv[1])
    return label if score >= _STRONG_CUE else None


def star_features(
    texts: Sequence[str],
    cue_scores: Sequence[Mapping[str, float]],
    positions: Sequence[float],
    fired: Sequence[Sequence[str]] | None = None,
    embeddings: np.ndarray | None = None,
) -> list[dict[str, float]]:
    """Features of each sentence of one answer. ``cue_scores``: the hand cue evidence per
    label; ``positions``: each sentence's midpoint as a fraction of the answer;
    ``embeddings``: the sentence encoder's vector of each sentence."""
    words = [_words(t) for t in texts]
    firsts = [_first_content(w) for w in words]
    favoured = [_favoured(s) for s in cue_scores]
    n = len(texts)
    vectors = None if embeddings is None else np.asarray(embeddings, dtype=np.float64)
    rows: list[dict[str, float]] = []
    for i, (text, ws) in enumerate(zip(texts, words, strict=True)):
        f: dict[str, float] = {"bias": 1.0}
        for w in ws:
            f["w=" + w] = 1.0
        for a, b in itertools.pairwise(ws):
            f[f"b={a} {b}"] = 1.0
        stems = [stem(w) for w in ws]
        for w in stems:
            f["s=" + w] = 1.0
        for a, b in itertools.pairwise(stems):
            f[f"sb={a} {b}"] = 1.0
        if ws:
            f["first=" + ws[0]] = 1.0
        opener = firsts[i]
        if opener:
            f["opens=" + opener] = 1.0
        prefix = _prefix(text)
        if prefix:
            f["prefix=" + prefix] = 1.0
            f["has prefix"] = 1.0
        for label, score in cue_scores[i].items():
            if score > 0:
                f["cue=" + label] = min(score, _CUE_CAP) / 2
        for kind in fired[i] if fired else ():
            f["fired=" + kind] = 1.0
        pos = positions[i]
        f[f"fifth={min(int(pos * 5), 4)}"] = 1.0
        f["pos"] = pos
        f["pos^2"] = pos * pos
        if i == 0:
            f["first sentence"] = 1.0
        if i == n - 1:
            f["last sentence"] = 1.0
        if len(ws) <= 5:
            f["short"] = 1.0
        elif len(ws) >= 30:
            f["long"] = 1.0
        if any(w == "<n>" for w in ws) or "%" in text:
            f["has number"] = 1.0
        if "i" in ws or "my" in ws:
            f["says I"] = 1.0
        if "we" in ws or "our" in ws:
            f["says we"] = 1.0
        if text.rstrip().endswith("?"):
            f["question"] = 1.0
        for side, j in (("prev", i - 1), ("next", i + 1)):
            if 0 <= j < n:
                for w in words[j]:  # what the story around it is about, at half weight
                    if w not in STOP_WORDS:
                        f[f"{side[0]}w={stem(w)}"] = 0.5
                if favoured[j]:
                    f[f"{side} cue={favoured[j]}"] = 1.0
                if (their := firsts[j]) is not None:
                    f[f"{side} opens={their}"] = 1.0
            else:
                f[f"{side}=none"] = 1.0
        if vectors is not None:
            f.update(zip(_EMB, (EMBEDDING_SCALE * vectors[i]).tolist(), strict=True))
            for keys, j in ((_PREV_EMB, i - 1), (_NEXT_EMB, i + 1)):
                if 0 <= j < n:
                    scaled = (NEIGHBOUR_EMBEDDING_SCALE * vectors[j]).tolist()
                    f.update(zip(keys, scaled, strict=True))
        rows.append(f)
    return rows
