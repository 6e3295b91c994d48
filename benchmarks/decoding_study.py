"""Compare decoding recipes for words and fillers together, set by set.

Usage (from the repository root)::

    python benchmarks/decoding_study.py DATASET [DATASET ...] --recipe baseline --recipe pieces

Each recipe is a set of ``TranscribeOptions`` fields (see ``RECIPES``); every clip of every
dataset (``voiceloop eval``'s sidecar format) is transcribed once per recipe and scored with
``voiceloop eval``'s scoring. Transcripts are cached under ``--cache`` so a recipe is decoded
once. Prints WER, filler precision/recall/F1 and real-time factor per dataset and recipe.
Choose on the development sets (``../shared/data/speech``, ``../shared/data/star``, answers
spoken with ``benchmarks/heldout/make_clips.py``); ``speech-test`` is for reporting the choice.
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
}


def cached_transcript(
    cache: Path, recipe: str, options: TranscribeOptions, clip: Any
) -> tuple[Transcript, float]:
    key = hashlib.sha1(
        (options.model_dump_json() + str(clip.audio.resolve())).encode()
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


def main() -> None:
    from voiceloop.analysis.combined import analyze

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("datasets", nargs="+", type=Path)
    parser.add_argument("--recipe", action="append", choices=sorted(RECIPES))
    parser.add_argument("--cache", type=Path, default=Path("/tmp/voiceloop-decoding-study"))
    parser.add_argument("--limit", type=int)
    args = parser.parse_args()
    args.cache.mkdir(parents=True, exist_ok=True)
    recipes = args.recipe or list(RECIPES)
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
