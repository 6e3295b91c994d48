"""The evaluation command: sidecar parsing, metric definitions and the CLI on eval_mini."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import transcript_of
from voiceloop.analysis.combined import analyze
from voiceloop.errors import VoiceloopError
from voiceloop.evaluation.fillers import FillerCounts, compatible, match_fillers
from voiceloop.evaluation.scoring import (
    ClipResult,
    EvalOptions,
    EvalReport,
    evaluate_clips,
    score_clip,
    star_tips_scored,
    star_word_accuracy,
    summarize,
    summarize_groups,
)
from voiceloop.evaluation.sidecars import (
    TruthFiller,
    load_dataset,
    parse_sidecar,
    style_category,
)
from voiceloop.evaluation.tables import render_table
from voiceloop.evaluation.wer import WordErrors, normalize_words, word_errors
from voiceloop.models import FillerEvent, StarSection, Word
from voiceloop.options import AnalysisOptions

EVAL_MINI = Path(__file__).parent / "data" / "eval_mini"


def run_cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "voiceloop", *args],
        capture_output=True,
        text=True,
        env=dict(os.environ),
        timeout=600,
    )


# --- WER normalization -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("written", "spoken"),
    [
        ("4%", "four percent"),
        ("$200,000", "two hundred thousand dollars"),
        ("$3.2M", "3.2 million dollars"),
        ("120k users", "one hundred and twenty thousand users"),
        ("+9.8%", "plus nine point eight percent"),
        ("in 2023", "in twenty twenty three"),
        ("0.05", "zero point zero five"),
        ("the 1st and 21st", "the first and twenty first"),
        ("A/B test", "a b test"),
        ("add-to-cart", "add to cart"),
        ("Mr. Dashwood, OK?", "mister dashwood okay"),
        ("I hardly know 'er.", "i hardly know her"),
    ],
)
def test_numbers_and_spellings_compare_equal(written: str, spoken: str) -> None:
    assert normalize_words(written) == normalize_words(spoken)


def test_eight_of_spades_stays_separate_numbers() -> None:
    assert normalize_words("eight of spades four of clubs") == "8 of spades 4 of clubs".split()


def test_hesitations_dropped_unless_verbatim() -> None:
    assert normalize_words("Um, so, uh, we shipped it.") == ["so", "we", "shipped", "it"]
    assert normalize_words("Umm, so, uh", keep_hesitations=True) == ["um", "so", "uh"]


def test_cutoff_and_garbled_tokens_are_wildcards() -> None:
    assert normalize_words("<cutoff-montreal> [adif] aligner") == ["*", "*", "aligner"]


def test_word_errors_counts_edits() -> None:
    errors = word_errors("a b c d".split(), "a x c d e".split())
    assert (errors.n, errors.substitutions, errors.deletions, errors.insertions) == (4, 1, 0, 1)
    assert errors.rate == pytest.approx(0.5)
    assert word_errors("a b".split(), []).deletions == 2


def test_wildcards_cost_nothing_and_do_not_count() -> None:
    ref = normalize_words("<cutoff-mon> montreal <cutoff-for> forced")
    assert word_errors(ref, ["mon", "montreal", "forced"]) == WordErrors(n=2)
    assert word_errors(ref, ["montreal", "x", "forced"]) == WordErrors(n=2)


# --- filler matching ----------------------------------------------------------------------


def event(kind: str, start: float, end: float) -> FillerEvent:
    return FillerEvent(type=kind, start=start, end=end)


def test_fillers_match_by_type_and_time() -> None:
    truth = [TruthFiller(type="um", start=1.0, end=1.3), TruthFiller(type="uh", start=5.0, end=5.2)]
    predicted = [event("um", 1.6, 1.7), event("um", 5.0, 5.2), event("like", 9.0, 9.2)]
    counts = match_fillers(truth, predicted, tolerance_s=0.5)
    assert counts == FillerCounts(tp=1, fp=2, fn=1)  # 5.0 has the wrong type
    assert match_fillers(truth, predicted, tolerance_s=0.2) == FillerCounts(tp=0, fp=3, fn=2)
    untyped = match_fillers(truth, predicted, tolerance_s=0.5, typed=False)
    assert untyped == FillerCounts(tp=2, fp=1, fn=0)


def test_each_filler_matches_once() -> None:
    truth = [TruthFiller(type="uh", start=2.0, end=2.2)]
    counts = match_fillers(truth, [event("uh", 2.0, 2.1), event("uh", 2.1, 2.2)])
    assert counts == FillerCounts(tp=1, fp=1, fn=0)
    assert counts.precision == pytest.approx(0.5)
    assert counts.recall == pytest.approx(1.0)
    assert counts.f1 == pytest.approx(2 / 3)


def test_untimed_reference_fillers_match_by_type() -> None:
    truth = [TruthFiller(type="uh"), TruthFiller(type="hmm")]
    assert match_fillers(truth, [event("uh", 7.0, 7.2)]) == FillerCounts(tp=1, fp=0, fn=1)


def test_uncounted_discourse_markers_are_neither_hit_nor_false_alarm() -> None:
    ignore = [TruthFiller(type="you know", start=3.0, end=3.4)]
    counts = match_fillers([], [event("you know", 3.1, 3.5)], ignore=ignore)
    assert counts == FillerCounts()


@pytest.mark.parametrize(
    ("ref", "pred", "ok"),
    [("uh", "er", True), ("um", "erm", True), ("hmm", "mm", True), ("um", "uh", False),
     ("uh", "uh/um", True), ("like", "uh/um", False), ("you know", "you know", True),
     ("i mean", "I mean", True), ("so", "I mean", False)],
)  # fmt: skip
def test_type_families(ref: str, pred: str, ok: bool) -> None:
    assert compatible(ref, pred) is ok


# --- sidecars and datasets ------------------------------------------------------------------


def test_both_sidecar_formats_load() -> None:
    clips = {c.name: c for c in load_dataset(EVAL_MINI)}
    assert set(clips) == {"speech_um", "star_short"}
    speech = clips["speech_um"].truth
    assert speech.kind == "speech" and speech.wpm and speech.words
    assert [f.type for f in speech.fillers or []] == ["um"]
    star = clips["star_short"].truth
    assert star.kind == "star" and star.has_quantified and star.quantified_result is True
    assert star.missing == ["reflection"]
    assert star.shares is not None and sum(star.shares.values()) == pytest.approx(1.0, abs=0.01)
    assert {w.label for w in star.words or []} == {"situation", "task", "action", "result"}
    assert star.fillers == []


def copy_mini(tmp_path: Path) -> Path:
    folder = tmp_path / "ds"
    shutil.copytree(EVAL_MINI, folder, ignore=shutil.ignore_patterns("*.py"))
    return folder


def test_malformed_sidecar_names_file_and_field(tmp_path: Path) -> None:
    folder = copy_mini(tmp_path)
    sidecar = folder / "star_short.json"
    data = json.loads(sidecar.read_text())
    del data["sentences"][0]["words"][1]["start_s"]
    sidecar.write_text(json.dumps(data))
    with pytest.raises(VoiceloopError) as err:
        load_dataset(folder)
    message = str(err.value)
    assert "star_short.json" in message and "sentences.0.words.1.start_s" in message
    assert "\n" not in message


def test_bad_json_and_unknown_format(tmp_path: Path) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text("{not json")
    with pytest.raises(VoiceloopError, match=r"bad.json is not valid JSON \(line 1"):
        parse_sidecar(bad)
    bad.write_text('{"duration_s": 3}')
    with pytest.raises(VoiceloopError, match="unknown format"):
        parse_sidecar(bad)


def test_json_without_audio_is_not_a_clip(tmp_path: Path) -> None:
    folder = copy_mini(tmp_path)
    (folder / "manifest.json").write_text("[1, 2, 3]")
    assert len(load_dataset(folder)) == 2


@pytest.mark.parametrize(
    ("style", "category"),
    [
        ("read", "read"),
        ("read audiobook (LibriVox, Sense and Sensibility ch. 1)", "read"),
        ("prepared public speech (read), single speaker, some reverberation", "read"),
        ("read poetry (Shakespeare Sonnet 1, LibriVox), title number read first", "read"),
        ("elicited disfluency (performed), single speaker, studio-quiet", "performed disfluency"),
        ("semi-spontaneous monologue, speaker has a cold; fillers", "semi-spontaneous monologue"),
        ("spontaneous two-party telephone-style conversation (2 speakers)", "conversation"),
        ("synthetic (espeak-ng en-us, 175 wpm), project's own text", "synthetic"),
        ("Already spread thin", "Already spread thin"),
    ],
)
def test_speech_styles_fall_into_the_documented_categories(style: str, category: str) -> None:
    assert style_category(style) == category


def edit_sidecar(path: Path, **fields: object) -> None:
    """Set (or, with None, remove) top-level fields of a sidecar."""
    data = json.loads(path.read_text())
    for key, value in fields.items():
        if value is None:
            data.pop(key, None)
        else:
            data[key] = value
    path.write_text(json.dumps(data))


def groups_of(folder: Path) -> dict[str, str | None]:
    return {c.name: c.truth.group for c in load_dataset(folder)}


def test_clips_are_grouped_by_speech_style_else_variant(tmp_path: Path) -> None:
    folder = copy_mini(tmp_path)
    assert groups_of(folder) == {"speech_um": "synthetic", "star_short": "original"}
    edit_sidecar(folder / "speech_um.json", speech_style="read audiobook (LibriVox)")
    edit_sidecar(folder / "star_short.json", variant="fast")
    assert groups_of(folder) == {"speech_um": "read", "star_short": "fast"}
    # speech_style wins over variant, whatever the sidecar format
    edit_sidecar(folder / "star_short.json", speech_style="elicited disfluency (performed)")
    edit_sidecar(folder / "speech_um.json", variant="slow")
    assert groups_of(folder) == {"speech_um": "read", "star_short": "performed disfluency"}
    # an answer style (how a STAR answer is told) wins over both
    edit_sidecar(folder / "star_short.json", answer_style="notes")
    assert groups_of(folder)["star_short"] == "notes"
    # neither field (or only blank ones): no group
    edit_sidecar(folder / "star_short.json", speech_style=None, variant=None, answer_style=None)
    edit_sidecar(folder / "speech_um.json", speech_style=" ", variant=None)
    assert groups_of(folder) == {"speech_um": None, "star_short": None}


def test_folder_without_clips_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(VoiceloopError, match="no clips"):
        load_dataset(tmp_path)
    with pytest.raises(VoiceloopError, match="no such folder"):
        load_dataset(tmp_path / "missing")


# --- scoring ------------------------------------------------------------------------------------


def perfect_transcript(name: str):  # type: ignore[no-untyped-def]
    clip = next(c for c in load_dataset(EVAL_MINI) if c.name == name)
    words = [Word(text=w.text, start=w.start, end=w.end) for w in clip.truth.words or []]
    return clip, transcript_of(words)


def test_a_perfect_transcript_scores_perfectly_where_it_can() -> None:
    clip, transcript = perfect_transcript("star_short")
    result = score_clip(clip, transcript, analyze(transcript), EvalOptions())
    assert result.wer == 0.0 and result.wer_verbatim == 0.0
    assert result.wpm_error_pct == pytest.approx(0.0, abs=1.5)
    assert result.pause_count_ref == 3 and result.pause_count == 3
    assert result.star_words == len(clip.truth.words or [])
    assert result.star_accuracy is not None and 0.0 <= result.star_accuracy <= 1.0
    assert result.share_error_mean_pp is not None and result.missing_ok is not None
    assert result.filler_counts == FillerCounts()


def test_speech_clip_filler_and_rate_figures() -> None:
    clip, transcript = perfect_transcript("speech_um")
    result = score_clip(clip, transcript, analyze(transcript), EvalOptions())
    assert result.filler_counts == FillerCounts(tp=1, fp=0, fn=0)
    assert result.filler_rate_error_per_min == pytest.approx(0.0)
    assert result.star_accuracy is None and result.quantified_ok is None


def test_hesitations_and_filler_words_are_scored_apart() -> None:
    clip, transcript = perfect_transcript("speech_um")
    truth = clip.truth.model_copy(
        update={"fillers": [*(clip.truth.fillers or []), TruthFiller(type="like", start=0.0)]}
    )
    result = score_clip(
        clip.model_copy(update={"truth": truth}), transcript, analyze(transcript), EvalOptions()
    )
    assert result.hesitation_counts == FillerCounts(tp=1, fp=0, fn=0)
    assert result.discourse_counts == FillerCounts(tp=0, fp=0, fn=1)
    assert result.filler_counts == FillerCounts(tp=1, fp=0, fn=1)
    overall = summarize([result, result])
    assert overall.hesitation_counts == FillerCounts(tp=2, fp=0, fn=0)
    assert overall.discourse_counts == FillerCounts(tp=0, fp=0, fn=2)


def test_scores_and_failures_keep_the_clip_group(tmp_path: Path) -> None:
    clip, transcript = perfect_transcript("star_short")
    assert score_clip(clip, transcript, analyze(transcript), EvalOptions()).group == "original"

    def broken(samples):  # type: ignore[no-untyped-def]
        raise VoiceloopError("model broke")

    results = evaluate_clips(load_dataset(EVAL_MINI), broken, EvalOptions())
    assert [(r.name, r.group, r.error) for r in results] == [
        ("speech_um", "synthetic", "model broke"),
        ("star_short", "original", "model broke"),
    ]


def test_word_labels_come_from_the_section_over_their_midpoint() -> None:
    clip, transcript = perfect_transcript("star_short")
    analysis = analyze(transcript)
    words = clip.truth.words or []
    split = next(w for w in words if w.label == "action").start
    sections = [
        StarSection(label="situation", start=0.0, end=split - 0.01, first_word=0, last_word=0,
                    reason="test"),
        StarSection(label="action", start=split, end=99.0, first_word=1, last_word=1,
                    reason="test"),
    ]  # fmt: skip
    analysis.star.sections = sections
    correct, total = star_word_accuracy(words, analysis)
    expected = sum(1 for w in words if w.label in ("situation", "action"))
    assert (correct, total) == (expected, len(words))


def test_star_tips_are_scored_against_the_true_sections_tips() -> None:
    clip, transcript = perfect_transcript("star_short")
    analysis = analyze(transcript)
    words = clip.truth.words or []
    given, earned = star_tips_scored(words, transcript, analysis, AnalysisOptions())
    # the truth's own sections, measured by the same code, earn what the labeller's earn when
    # the labeller agrees with it word for word
    result = score_clip(clip, transcript, analysis, EvalOptions())
    if result.star_accuracy == 1.0:
        assert {t.title for t in given} == set(earned)
        assert result.top_tip_ok is True
    assert result.sure_tips == sum(t.sure for t in given)
    assert result.unsure_tips == sum(not t.sure for t in given)
    assert result.earned_tips == len(earned)
    # a truth with no Result earns "Finish with the Result", which the labeller's sections
    # (a Result found) do not give
    no_result = [
        w.model_copy(update={"label": "action"}) if w.label == "result" else w for w in words
    ]
    assert any(w.label == "result" for w in words)
    _, earned = star_tips_scored(no_result, transcript, analysis, AnalysisOptions())
    assert "Finish with the Result" in earned
    clip.truth.words = no_result
    scored = score_clip(clip, transcript, analysis, EvalOptions())
    assert "result" not in analysis.star.missing
    assert scored.sure_tips_earned is not None and scored.earned_tips is not None
    assert scored.sure_tips_earned < scored.earned_tips
    overall = summarize([result, scored])
    assert overall.top_tip_detection is not None and overall.top_tip_detection.endswith("/2")
    assert overall.sure_tips_earned == (
        f"{(result.sure_tips_earned or 0) + (scored.sure_tips_earned or 0)}/"
        f"{(result.sure_tips or 0) + (scored.sure_tips or 0)}"
    )
    assert "STAR tips against the true sections'" in render_table(
        EvalReport(
            dataset="d", model="m", decoding="x", filler_tolerance_s=0.5,
            acoustic_fillers=False, memory_method="m", clips=[result, scored], overall=overall,
        )
    )  # fmt: skip


def test_summary_pools_counts() -> None:
    a = ClipResult(
        name="a", kind="speech", duration_s=10, word_errors=WordErrors(n=10, substitutions=1),
        filler_counts=FillerCounts(tp=2, fp=1, fn=0), wpm_error_pct=-2.0, transcribe_s=1.0,
        quantified_ref=False, quantified=False, quantified_ok=True,
    )  # fmt: skip
    b = ClipResult(
        name="b", kind="speech", duration_s=30, word_errors=WordErrors(n=30, deletions=3),
        filler_counts=FillerCounts(tp=1, fp=0, fn=2), wpm_error_pct=4.0, transcribe_s=1.0,
    )  # fmt: skip
    failed = ClipResult(name="c", kind="speech", duration_s=0, error="broken")
    overall = summarize([a, b, failed])
    assert overall.failed == 1 and overall.clips == 3
    assert overall.wer == pytest.approx(4 / 40)
    assert overall.filler_counts == FillerCounts(tp=3, fp=1, fn=2)
    assert overall.filler_f1 == pytest.approx(2 * 0.75 * 0.6 / 1.35)
    assert overall.wpm_abs_error_pct_mean == pytest.approx(3.0)
    assert overall.wpm_within_3pct == "1/2"
    assert overall.unquantified_detection == "1/1"
    assert overall.rtf == pytest.approx(2.0 / 40)


def grouped_results() -> list[ClipResult]:
    read_a = ClipResult(
        name="a", kind="speech", duration_s=10, group="read",
        word_errors=WordErrors(n=10, substitutions=1), filler_counts=FillerCounts(tp=2, fp=1),
        wpm_error_pct=-2.0,
    )  # fmt: skip
    read_b = ClipResult(
        name="b", kind="speech", duration_s=30, group="read",
        word_errors=WordErrors(n=30, deletions=3), filler_counts=FillerCounts(tp=1, fn=2),
        wpm_error_pct=4.0,
    )  # fmt: skip
    talk = ClipResult(
        name="c", kind="star", duration_s=20, group="conversation",
        word_errors=WordErrors(n=20, substitutions=10), result_missing_ok=False,
        quantified_ref=True, quantified=True, quantified_ok=True,
    )  # fmt: skip
    talk_failed = ClipResult(name="d", kind="star", duration_s=0, group="conversation", error="x")
    ungrouped = ClipResult(
        name="e", kind="speech", duration_s=5, word_errors=WordErrors(n=10, insertions=10),
        filler_counts=FillerCounts(fp=5), wpm_error_pct=50.0,
    )  # fmt: skip
    return [read_a, read_b, talk, talk_failed, ungrouped]


def test_group_summaries_are_summaries_of_each_groups_clips() -> None:
    results = grouped_results()
    groups = summarize_groups(results)
    assert list(groups) == ["conversation", "read"]  # the ungrouped clip is in neither
    assert groups["read"] == summarize(results[:2])
    assert groups["conversation"] == summarize(results[2:4])
    read, talk = groups["read"], groups["conversation"]
    assert (read.clips, read.failed, talk.clips, talk.failed) == (2, 0, 2, 1)
    assert read.wer == pytest.approx(4 / 40) and talk.wer == pytest.approx(10 / 20)
    assert read.filler_counts == FillerCounts(tp=3, fp=1, fn=2) and talk.filler_counts is None
    assert read.wpm_within_3pct == "1/2" and talk.wpm_within_3pct is None
    assert talk.result_missing_detection == "0/1" and talk.quantified_detection == "1/1"
    assert talk.missing_result_caught is None and talk.result_found is None  # no truth
    assert summarize_groups(results[4:]) == {}


def test_missing_result_calls_are_split_by_what_the_truth_says() -> None:
    def clip(name: str, missing_ref: bool, ok: bool) -> ClipResult:
        return ClipResult(
            name=name, kind="star", duration_s=10, result_missing_ref=missing_ref,
            result_missing_ok=ok,
        )  # fmt: skip

    overall = summarize(
        [clip("a", True, True), clip("b", True, False), clip("c", False, True),
         clip("d", False, True), clip("e", False, False)]
    )  # fmt: skip
    assert overall.result_missing_detection == "3/5"
    assert overall.missing_result_caught == "1/2"  # of the answers without a Result
    assert overall.result_found == "2/3"  # of the answers with one


def report_of(results: list[ClipResult]) -> EvalReport:
    return EvalReport(
        dataset="ds", model="m", decoding="d", filler_tolerance_s=0.5, acoustic_fillers=False,
        memory_method="mm", clips=results, overall=summarize(results),
        groups=summarize_groups(results),
    )  # fmt: skip


def test_table_ends_with_one_line_per_group() -> None:
    text = render_table(report_of(grouped_results()))
    block = text.split("\n\nby group ", 1)[1].splitlines()
    assert block[1].split()[:3] == ["group", "clips", "WER"]
    rows = {line.split()[0]: line.split()[1:] for line in block[2:]}
    assert rows == {
        "conversation": ["2", "50.0%", "-", "-", "-", "-", "-", "-", "0/1", "1/1"],
        "read": ["2", "10.0%", "3.0", "1/2", "0.75/0.60/0.67", "3/1/2", "-", "-", "-", "-"],
    }


def test_no_group_block_with_fewer_than_two_groups() -> None:
    one_group = grouped_results()[:2] + grouped_results()[4:]
    report = report_of(one_group)
    assert list(report.groups) == ["read"]
    text = render_table(report)
    assert "by group" not in text
    assert text == render_table(report.model_copy(update={"groups": {}}))


# --- the command ------------------------------------------------------------------------------


def test_eval_of_a_missing_folder_is_one_line() -> None:
    result = run_cli("eval", "no/such/folder")
    assert result.returncode != 0
    assert result.stderr.strip() == "voiceloop: error: no such folder: no/such/folder"


def test_eval_names_the_bad_sidecar_field(tmp_path: Path) -> None:
    folder = copy_mini(tmp_path)
    data = json.loads((folder / "speech_um.json").read_text())
    data["words"][0]["start"] = "soon"
    (folder / "speech_um.json").write_text(json.dumps(data))
    result = run_cli("eval", str(folder))
    assert result.returncode != 0 and "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "speech_um.json" in lines[0] and "words.0.start" in lines[0]


@pytest.mark.slow
def test_eval_runs_the_pipeline_on_eval_mini(tmp_path: Path) -> None:
    out = tmp_path / "eval.json"
    result = run_cli("eval", str(EVAL_MINI), "--json", str(out), "--filler-tolerance", "0.6")
    assert result.returncode == 0, result.stderr
    assert "speech_um" in result.stdout and "star_short" in result.stdout
    assert "WER" in result.stdout and "STAR: word label accuracy" in result.stdout
    report = json.loads(out.read_text())
    assert report["filler_tolerance_s"] == 0.6
    assert [c["error"] for c in report["clips"]] == [None, None]
    overall = report["overall"]
    assert overall["wer"] < 0.3
    assert overall["wpm_abs_error_pct_mean"] < 25
    assert overall["rtf"] > 0 and overall["peak_rss_mb"] > 50
    star = next(c for c in report["clips"] if c["name"] == "star_short")
    assert star["star_words"] > 0 and star["shares"] is not None
    assert {name: g["clips"] for name, g in report["groups"].items()} == {
        "original": 1,
        "synthetic": 1,
    }
    assert report["groups"]["original"]["star_accuracy"] == overall["star_accuracy"]
    assert "by group (answer_style, else speech_style, else variant)" in result.stdout


@pytest.mark.slow
def test_eval_json_to_stdout_with_a_limit() -> None:
    result = run_cli("eval", str(EVAL_MINI), "--json", "-", "--limit", "1")
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert [c["name"] for c in report["clips"]] == ["speech_um"]
