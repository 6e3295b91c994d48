"""Compare decoding recipes for words and fillers together, set by set.

Usage (from the repository root)::

    python benchmarks/decoding_study.py DATASET [DATASET ...] --recipe pieces --recipe peer
    python benchmarks/decoding_study.py DATASET --recipe pieces-hesitant-beam5 --margins
    python benchmarks/decoding_study.py DATASET --recipe pieces-hesitant-beam5 --rehear
    python benchmarks/decoding_study.py DATASET --suppressed

Each recipe is a set of ``TranscribeOptions`` fields (see ``RECIPES``); every clip of every
dataset (``voiceloop eval``'s sidecar format) is transcribed once per recipe and scored with
``voiceloop eval``'s scoring. Transcripts are cached under ``--cache`` so a recipe is decoded
once. Prints WER, filler precision/recall/F1 and real-time factor per dataset and recipe.
Choose on the development sets (``../shared/data/speech``, ``../shared/data/star``, answers
spoken with ``benchmarks/heldout/make_clips.py``); ``speech-test`` is for reporting the choice.

``--margins`` and ``--rehear`` judge two ways of finding a hesitation that a recipe's cached
transcripts wrote as a word (a forced decoder's preference, a second pass over unsure short
words) against the words said; ``--suppressed`` lists the hesitations among the tokens
Whisper suppresses by default. Figures: docs/accuracy.md, "Decoding: words and fillers".
"""

from __future__ import annotations

import argparse
import hashlib
import json
import time
from pathlib import Path
from typing import Any

from voiceloop.analysis.fillers import hesitation_type
from voiceloop.audio import load_audio
from voiceloop.evaluation.fillers import match_fillers
from voiceloop.evaluation.scoring import EvalOptions, score_clip, summarize
from voiceloop.evaluation.sidecars import load_dataset
from voiceloop.models import Transcript
from voiceloop.transcribe.decode import FILLER_PROMPT, TranscribeOptions, _load, transcribe

# The filler prompt of voiceloop 0.4: a bare list of filler words. FILLER_PROMPT, written as a
# hesitant speaker's words, replaced it.
LIST_PROMPT = "Um, uh, so, like, you know."
# The prompt of evanshlee/speaking-practice-aid (MIT; server/engine.py), which kept real fillers
# at F1 0.83 with tiny.en (issue 23): fifteen hesitation words, then a sentence about them.
PEER_PROMPT = (
    "Um, uh, like, you know, I mean, actually, basically, so, well, "
    "hmm, ah, oh, okay, right, erm. "
    "The speaker may hesitate, repeat words, or use filler words."
)

# A hesitant speaker's words again, most hesitations inside a phrase and without commas around
# them ("the uh the model", "about um two weeks"), as a speaker who hesitates mid-phrase says
# them; FILLER_PROMPT sets every one off with commas.
MIDPHRASE_PROMPT = (
    "Um, so I was uh the data lead and um we, hmm, we had to like er figure out the uh the "
    "model. So um it took uh about um two weeks, you know, and I mean, ah, it was fine."
)

RECIPES: dict[str, dict[str, Any]] = {
    "one-pass": {"chunk_s": 0.0, "initial_prompt": LIST_PROMPT},  # voiceloop 0.4
    "pieces": {"initial_prompt": LIST_PROMPT},
    "pieces-beam5": {"initial_prompt": LIST_PROMPT, "beam_size": 5},
    "pieces-hesitant": {"initial_prompt": FILLER_PROMPT},
    "pieces-hesitant-beam5": {"initial_prompt": FILLER_PROMPT, "beam_size": 5},
    "pieces-hesitant-novad": {"initial_prompt": FILLER_PROMPT, "vad_filter": False},
    "pieces-hesitant-novad-beam5": {
        "initial_prompt": FILLER_PROMPT,
        "vad_filter": False,
        "beam_size": 5,
    },
    "one-pass-beam5": {"chunk_s": 0.0, "initial_prompt": LIST_PROMPT, "beam_size": 5},
    # issue 23: the peer's recipe, alone (one pass, no repair passes) and inside voiceloop's
    "peer-alone": {
        "initial_prompt": PEER_PROMPT,
        "vad_filter": False,
        "suppress_blank": False,
        "chunk_s": 0.0,
        "fill_gaps": False,
        "beam_size": 5,
    },
    "peer": {
        "initial_prompt": PEER_PROMPT,
        "vad_filter": False,
        "suppress_blank": False,
        "beam_size": 5,
    },
    "peer-prompt": {"initial_prompt": PEER_PROMPT, "beam_size": 5},
    "hesitant-noblank": {"initial_prompt": FILLER_PROMPT, "suppress_blank": False, "beam_size": 5},
    "hesitant-notimestamps": {
        "initial_prompt": FILLER_PROMPT,
        "without_timestamps": True,
        "beam_size": 5,
    },
    "midphrase": {"initial_prompt": MIDPHRASE_PROMPT, "beam_size": 5},
    "hesitant-told": {
        "initial_prompt": FILLER_PROMPT + " " + PEER_PROMPT.rsplit(". ", 1)[1],
        "beam_size": 5,
    },
}
# Options added after the first cached transcripts: left out of a cache key while at their
# default, so those transcripts stay valid.
LATER_FIELDS = ("suppress_blank", "without_timestamps")


def cached_transcript(
    cache: Path, recipe: str, options: TranscribeOptions, clip: Any
) -> tuple[Transcript, float]:
    defaults = TranscribeOptions()
    at_default = {f for f in LATER_FIELDS if getattr(options, f) == getattr(defaults, f)}
    key = hashlib.sha1(
        (options.model_dump_json(exclude=at_default) + str(clip.audio.resolve())).encode()
    ).hexdigest()[:16]
    path = cache / f"{recipe}-{clip.name.replace('/', '_')}-{key}.json"
    if path.exists():
        raw = json.loads(path.read_text())
        return Transcript.model_validate(raw["transcript"]), raw["seconds"]
    audio = load_audio(clip.audio)
    # Temperature fallback samples from generators seeded when the model loads: reloading
    # before each clip makes a clip's words independent of the clips decoded before it.
    _load.cache_clear()
    t0 = time.perf_counter()
    transcript = transcribe(audio.samples, options)
    seconds = time.perf_counter() - t0
    path.write_text(
        json.dumps({"transcript": transcript.model_dump(mode="json"), "seconds": seconds})
    )
    return transcript, seconds


HESITATION_FORMS = ("um", "uh", "Um", "Uh", "hmm", "Hmm", "er", "ah", "erm", "mm")


def suppressed_hesitations(
    options: TranscribeOptions, forms: tuple[str, ...] = HESITATION_FORMS
) -> list[str]:
    """The ``forms`` (hesitations: "um", " Uh", ...) whose first token is among the tokens
    Whisper suppresses by default (``suppress_tokens=[-1]``: the model config's
    ``suppress_ids``), each tried with and without a leading space."""
    from tokenizers import Tokenizer

    from voiceloop.transcribe.decode import resolve_model

    folder = Path(resolve_model(options.model, options.models_dir).source)
    suppressed = set(json.loads((folder / "config.json").read_text())["suppress_ids"])
    tokenizer = Tokenizer.from_file(str(folder / "tokenizer.json"))
    spelled = [f"{lead}{w}" for w in forms for lead in ("", " ")]
    return [
        f for f in spelled if tokenizer.encode(f, add_special_tokens=False).ids[0] in suppressed
    ]


# What a forced pass compares a written word with: the first tokens of a hesitation.
FORCED_HESITATIONS = (" um", " uh", " Um", " Uh")
FORCED_WINDOW_S = 29.5


def hesitation_margins(
    model: Any, samples: Any, words: list[Any], prompt: str | None
) -> list[float]:
    """For each word: log P(a hesitation next) - log P(the word next), where the decoder is
    forced through the words before it (in windows of at most 30 s starting at a word) with
    ``prompt`` as the text before. A margin above 0 says the model, made to re-read the
    transcript, would rather have written "um"/"uh" there: the "constrained decoding" test
    of a word that may be a misheard hesitation, or of the gap before it."""
    import numpy as np
    from faster_whisper.audio import pad_or_trim
    from faster_whisper.tokenizer import Tokenizer
    from scipy.special import log_softmax, logsumexp

    from voiceloop.audio import SAMPLE_RATE

    tokenizer = Tokenizer(model.hf_tokenizer, model.model.is_multilingual, "transcribe", "en")
    hes = [tokenizer.encode(h)[0] for h in FORCED_HESITATIONS]
    head = [tokenizer.sot_prev] + (tokenizer.encode(" " + prompt.strip()) if prompt else [])
    head = head[-200:] + list(tokenizer.sot_sequence) + [tokenizer.no_timestamps]
    margins: list[float] = []
    i = 0
    while i < len(words):
        lo = max(0.0, words[i].start - 0.3)
        j = i + 1
        while j < len(words) and words[j].end <= lo + FORCED_WINDOW_S:
            j += 1
        ids: list[int] = []
        at: list[int] = []
        for w in words[i:j]:
            at.append(len(ids))
            ids += tokenizer.encode(" " + w.text)
        chunk = samples[int(lo * SAMPLE_RATE) : int((lo + 30) * SAMPLE_RATE)]
        encoded = model.encode(pad_or_trim(model.feature_extractor(chunk)))
        result = model.model.generate(
            encoded, [head + ids], beam_size=1, max_length=448, return_logits_vocab=True,
            suppress_blank=False, suppress_tokens=[],
        )[0]  # fmt: skip
        # one row of logits per token of the sequence, the forced ones included
        logp = log_softmax(np.array(result.logits[0][: len(ids)]), axis=-1)
        margins += [float(logsumexp(logp[k][hes]) - logp[k][ids[k]]) for k in at]
        i = j
    return margins


MATCH_S = 0.5  # voiceloop eval's filler tolerance


def over_lost_hesitations(clip: Any, words: list[Any]) -> list[bool]:
    """For each word: whether it is written over or next to a hesitation said in ``clip``
    that the words lack (no hesitation within ``MATCH_S`` of it)."""
    said = [
        (f.start, f.end if f.end is not None else f.start)
        for f in clip.truth.fillers or []
        if hesitation_type(f.type) and f.start is not None
    ]
    kept = [(w.start, w.end) for w in words if hesitation_type(w.text)]
    lost = [
        (lo, hi)
        for lo, hi in said
        if not any(a - MATCH_S <= hi and lo <= b + MATCH_S for a, b in kept)
    ]
    return [any(w.start - 0.1 <= hi and lo <= w.end + 0.1 for lo, hi in lost) for w in words]


def margins_study(datasets: list[Path], recipe: str, cache: Path, limit: int | None) -> None:
    """How the forced margins of the words written over a hesitation the transcript lost
    (a miss heard as a word, or next to a miss heard as nothing) compare with those of all
    other words, over ``recipe``'s cached transcripts."""
    from voiceloop.transcribe.decode import load_model

    options = TranscribeOptions(**RECIPES[recipe])
    model, _ = load_model(options)
    missed: list[tuple[str, str, float]] = []
    others: list[float] = []
    for dataset in datasets:
        for clip in load_dataset(dataset)[:limit]:
            words = cached_transcript(cache, recipe, options, clip)[0].words
            samples = load_audio(clip.audio).samples
            margins = hesitation_margins(model, samples, words, FILLER_PROMPT)
            for w, m, lost in zip(words, margins, over_lost_hesitations(clip, words), strict=True):
                if hesitation_type(w.text):
                    continue
                if lost:
                    missed.append((clip.name, w.text, m))
                else:
                    others.append(m)
    print(f"{len(others)} other words; {len(missed)} written over or next to a lost hesitation:")
    for name, text, m in sorted(missed, key=lambda x: -x[2]):
        above = sum(o >= m for o in others)
        print(f"  {name:28} {text:14} margin {m:+6.2f}  other words at or above: {above}")


# The targeted second pass tried for misheard hesitations: short function words that tiny.en
# writes for a real "um"/"uh", when unsure or long, heard again alone with a prompt of
# hesitations; the pass would turn the word into a hesitation when that is all it hears.
MISHEARD_AS = frozenset({"a", "an", "and", "i", "the", "on", "oh", "ah", "ooh"})
UNSURE_P = 0.7
LONG_S = 0.4
HESITATIONS_PROMPT = "Um, uh, um, uh, hmm, uh, um."


def rehear_study(datasets: list[Path], recipe: str, cache: Path, limit: int | None) -> None:
    """Which words the targeted second pass would turn into hesitations, among the words
    written over a lost hesitation and among the others, over ``recipe``'s cached
    transcripts."""
    from voiceloop.analysis.timeline import norm
    from voiceloop.audio import SAMPLE_RATE
    from voiceloop.transcribe.decode import load_model, merge_pieces

    options = TranscribeOptions(**RECIPES[recipe])
    model, _ = load_model(options)
    tally = {True: [0, 0], False: [0, 0]}  # over a lost hesitation: [turned, candidates]
    for dataset in datasets:
        for clip in load_dataset(dataset)[:limit]:
            words = cached_transcript(cache, recipe, options, clip)[0].words
            samples = load_audio(clip.audio).samples
            for w, lost in zip(words, over_lost_hesitations(clip, words), strict=True):
                if norm(w.text) not in MISHEARD_AS or (
                    w.probability >= UNSURE_P and w.end - w.start < LONG_S
                ):
                    continue
                lo = max(0, int((w.start - 0.3) * SAMPLE_RATE))
                hi = int((w.end + 0.3) * SAMPLE_RATE)
                segments, _ = model.transcribe(
                    samples[lo:hi], language="en", beam_size=options.beam_size,
                    word_timestamps=True, vad_filter=False, condition_on_previous_text=False,
                    initial_prompt=HESITATIONS_PROMPT,
                )  # fmt: skip
                heard = merge_pieces(
                    (p.word, p.start, p.end, p.probability) for g in segments for p in g.words or []
                )
                turned = bool(heard) and all(hesitation_type(h.text) for h in heard)
                tally[lost][0] += turned
                tally[lost][1] += 1
                if turned or lost:
                    said = " ".join(h.text for h in heard)
                    mark = "lost hesitation" if lost else "a word"
                    print(f"  {clip.name:28} {w.text:8} {w.start:7.2f} ({mark}): heard {said!r}")
    print(
        f"turned into a hesitation: {tally[True][0]} of {tally[True][1]} candidates over a "
        f"lost hesitation, {tally[False][0]} of {tally[False][1]} other candidates"
    )


def main() -> None:
    from voiceloop.analysis.combined import analyze

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("datasets", nargs="+", type=Path)
    parser.add_argument("--recipe", action="append", choices=sorted(RECIPES))
    parser.add_argument("--cache", type=Path, default=Path("/tmp/voiceloop-decoding-study"))
    parser.add_argument("--limit", type=int)
    parser.add_argument(
        "--margins", action="store_true",
        help="forced-decoding margins of hesitations over the written words (first recipe)",
    )  # fmt: skip
    parser.add_argument(
        "--suppressed", action="store_true",
        help="list the hesitations among the tokens Whisper suppresses by default",
    )  # fmt: skip
    parser.add_argument(
        "--rehear", action="store_true",
        help="the targeted second pass over unsure short words, judged on the first recipe",
    )  # fmt: skip
    args = parser.parse_args()
    args.cache.mkdir(parents=True, exist_ok=True)
    recipes = args.recipe or list(RECIPES)
    if args.suppressed:
        print("suppressed hesitations:", suppressed_hesitations(TranscribeOptions()) or "none")
        return
    if args.margins or args.rehear:
        study = margins_study if args.margins else rehear_study
        study(args.datasets, recipes[0], args.cache, args.limit)
        return
    rows = []
    for dataset in args.datasets:
        clips = load_dataset(dataset)[: args.limit]
        for recipe in recipes:
            options = TranscribeOptions(**RECIPES[recipe])
            results = []
            hes_tp = hes_fp = hes_fn = 0
            decode_s = audio_s = 0.0
            for clip in clips:
                transcript, seconds = cached_transcript(args.cache, recipe, options, clip)
                analysis = analyze(transcript, None, None)
                results.append(score_clip(clip, transcript, analysis, EvalOptions()))
                # hesitations alone (um, uh, er, hmm...): what decoding keeps or drops, apart
                # from the words ("like", "you know") the analyzer judges as fillers in context
                if clip.truth.fillers is not None:
                    truth = [f for f in clip.truth.fillers if hesitation_type(f.type)]
                    said = [e for e in analysis.fillers.events if hesitation_type(e.type)]
                    counts = match_fillers(truth, said, typed=False)
                    hes_tp, hes_fp, hes_fn = (
                        hes_tp + counts.tp,
                        hes_fp + counts.fp,
                        hes_fn + counts.fn,
                    )
                decode_s += seconds
                audio_s += transcript.duration
            o = summarize(results)
            fc = o.filler_counts
            row = {
                "dataset": dataset.name, "recipe": recipe, "clips": len(clips),
                "wer": o.wer, "wer_verbatim": o.wer_verbatim, "filler_p": o.filler_precision,
                "filler_r": o.filler_recall, "filler_f1": o.filler_f1,
                "fillers": fc.model_dump() if fc else None,
                "rtf": decode_s / audio_s if audio_s else None,
                "star": o.star_accuracy, "hesitations": [hes_tp, hes_fp, hes_fn],
            }  # fmt: skip
            rows.append(row)

            def f(v: float | None, spec: str = ".3f") -> str:
                return "-" if v is None else format(v, spec)

            print(
                f"{dataset.name:14} {recipe:22} n={len(clips):3} WER {f(o.wer, '.1%')} "
                f"verbatim {f(o.wer_verbatim, '.1%')} fillers P {f(o.filler_precision, '.2f')} "
                f"R {f(o.filler_recall, '.2f')} F1 {f(o.filler_f1, '.2f')} "
                f"hesitations {hes_tp}/{hes_tp + hes_fn} +{hes_fp} "
                f"STAR {f(o.star_accuracy, '.1%')} RTF {f(row['rtf'], '.3f')}",
                flush=True,
            )
    (args.cache / "last.json").write_text(json.dumps(rows, indent=1))


if __name__ == "__main__":
    main()
