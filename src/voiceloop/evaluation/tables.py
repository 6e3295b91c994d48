"""The ``voiceloop eval`` report as plain text: per-clip rows, overall figures, groups."""

from __future__ import annotations

from voiceloop.evaluation.fillers import FillerCounts
from voiceloop.evaluation.scoring import EvalReport, Overall


def _f(value: float | None, spec: str, suffix: str = "") -> str:
    return "-" if value is None else f"{value:{spec}}{suffix}"


def _fc(counts: FillerCounts | None) -> str:
    return "-" if counts is None else f"{counts.tp}/{counts.fp}/{counts.fn}"


def _kind_prf(counts: FillerCounts | None) -> str:
    """Precision, recall and F1 of one kind of filler, with its tp/fp/fn."""
    if counts is None or counts.tp + counts.fp + counts.fn == 0:
        return "-"
    return (
        f"P {_f(counts.precision, '.2f')} R {_f(counts.recall, '.2f')} "
        f"F1 {_f(counts.f1, '.2f')} ({_fc(counts)})"
    )


def _yn(flag: bool | None) -> str:
    return "-" if flag is None else ("ok" if flag else "WRONG")


def _prf(o: Overall) -> str:
    prf = (o.filler_precision, o.filler_recall, o.filler_f1)
    return "-" if all(v is None for v in prf) else "/".join(_f(v, ".2f") for v in prf)


def render_groups(groups: dict[str, Overall]) -> list[str]:
    """One compact line per group: clips, WER, WPM, fillers, STAR, missing and quantified Result."""
    head = (
        f"  {'group':<28} {'clips':>5} {'WER':>6} {'WPM%':>5} {'<=3%':>5} "
        f"{'fill P/R/F1':>14} {'tp/fp/fn':>9} {'STAR':>6} {'share':>5} {'noRes':>5} "
        f"{'quant':>5}"
    )
    lines = [
        "by group (answer_style, else speech_style, else variant): WPM% mean abs error, "
        "<=3% clips within 3%; noRes/quant: missing/quantified Result right",
        head,
    ]
    for name, o in groups.items():
        lines.append(
            f"  {name[:28]:<28} {o.clips:>5} {_f(o.wer, '.1%'):>6} "
            f"{_f(o.wpm_abs_error_pct_mean, '.1f'):>5} {o.wpm_within_3pct or '-':>5} "
            f"{_prf(o):>14} {_fc(o.filler_counts):>9} {_f(o.star_accuracy, '.1%'):>6} "
            f"{_f(o.share_error_mean_pp, '.1f'):>5} {o.result_missing_detection or '-':>5} "
            f"{o.quantified_detection or '-':>5}"
        )
    return lines


def render_table(report: EvalReport) -> str:
    """Per-clip rows, then the overall figures, then per-group lines where there are two or
    more groups, as plain text."""
    head = (
        f"{'clip':<28} {'dur':>6} {'WER':>6} {'WPM%':>6} {'pauses':>7} {'longest':>11} "
        f"{'fill tp/fp/fn':>13} {'STAR':>5} {'share':>6} {'miss':>5} {'quant':>5} "
        f"{'RTF':>5} {'MB':>5}"
    )
    legend = (
        "WPM%: pipeline vs reference words per minute; pauses, longest: pipeline/reference; "
        "fill: fillers matched/false/missed;\nSTAR: word label accuracy; share: mean share "
        "error (pp); miss: missing sections match; quant: quantified-Result match"
    )
    lines = [legend, "", head, "-" * len(head)]
    for r in report.clips:
        if r.error is not None:
            lines.append(f"{r.name[:28]:<28} failed: {r.error}")
            continue
        pauses = f"{r.pause_count}/{r.pause_count_ref}" if r.pause_count_ref is not None else "-"
        longest = (
            f"{r.longest_pause_s:.2f}/{r.longest_pause_ref_s:.2f}"
            if r.longest_pause_ref_s is not None and r.longest_pause_s is not None
            else "-"
        )
        lines.append(
            f"{r.name[:28]:<28} {r.duration_s:>6.1f} {_f(r.wer, '.1%'):>6} "
            f"{_f(r.wpm_error_pct, '+.1f'):>6} {pauses:>7} {longest:>11} "
            f"{_fc(r.filler_counts):>13} {_f(r.star_accuracy, '.0%'):>5} "
            f"{_f(r.share_error_mean_pp, '.1f'):>6} {_yn(r.missing_ok):>5} "
            f"{_yn(r.quantified_ok):>5} {_f(r.rtf, '.3f'):>5} {_f(r.peak_rss_mb, '.0f'):>5}"
        )
    o = report.overall
    fc = o.filler_counts
    lines += [
        "",
        f"dataset {report.dataset}: {o.clips} clips ({o.failed} failed), "
        f"{o.audio_s:.1f} s of audio; model {report.model} ({report.decoding}); acoustic "
        f"fillers {'on' if report.acoustic_fillers else 'off'}",
        f"  WER {_f(o.wer, '.1%')} (hesitations left out), {_f(o.wer_verbatim, '.1%')} verbatim",
        f"  WPM error: mean {_f(o.wpm_abs_error_pct_mean, '.1f', '%')}, "
        f"max {_f(o.wpm_abs_error_pct_max, '.1f', '%')}, within 3%: {o.wpm_within_3pct or '-'}",
        f"  pauses: count error {_f(o.pause_count_abs_error_mean, '.2f')} per clip, "
        f"longest-pause error {_f(o.longest_pause_abs_error_mean_s, '.2f', ' s')}",
        f"  fillers (tolerance {report.filler_tolerance_s:g} s): "
        f"P {_f(o.filler_precision, '.2f')} R {_f(o.filler_recall, '.2f')} "
        f"F1 {_f(o.filler_f1, '.2f')} (tp/fp/fn {_fc(fc)}), F1 any hesitation type "
        f"{_f(o.filler_f1_untyped, '.2f')}, rate error "
        f"{_f(o.filler_rate_abs_error_per_min_mean, '.2f')}/min",
        f"    hesitation sounds (any type for any): {_kind_prf(o.hesitation_counts)}; "
        f"filler words: {_kind_prf(o.discourse_counts)}",
        f"  STAR: word label accuracy {_f(o.star_accuracy, '.1%')}, share error mean "
        f"{_f(o.share_error_mean_pp, '.1f', ' pp')} "
        f"(worst label {_f(o.share_error_max_pp, '.1f', ' pp')})",
        f"  missing sections right: {o.missing_detection or '-'}, missing Result right: "
        f"{o.result_missing_detection or '-'} (no-Result answers caught: "
        f"{o.missing_result_caught or '-'}, Results found: {o.result_found or '-'}), "
        "quantified Result right: "
        f"{o.quantified_detection or '-'} (unquantified caught: {o.unquantified_detection or '-'})",
        f"  STAR tips against the true sections': first tip right {o.top_tip_detection or '-'}, "
        f"sure tips earned {o.sure_tips_earned or '-'}, earned tips stated as sure "
        f"{o.earned_tips_told or '-'}, unsure tips earned {o.unsure_tips_earned or '-'}",
        f"  speed: RTF {_f(o.rtf, '.3f')} (model load {_f(o.model_load_s, '.1f', ' s')} apart), "
        f"peak memory {_f(o.peak_rss_mb, '.0f', ' MB')} ({report.memory_method})",
    ]
    if len(report.groups) >= 2:
        lines += ["", *render_groups(report.groups)]
    return "\n".join(lines)
