"""The answer-style corpus is well formed: what training and measuring rely on."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from voiceloop.models import STAR_LABELS

STYLES = Path(__file__).resolve().parents[1] / "benchmarks" / "styles"
FILES = (
    sorted(STYLES.glob("*.json"))
    + sorted(STYLES.glob("blind*/*.json"))
    + sorted(STYLES.glob("heldback/*.json"))
)
_NUMBER = re.compile(
    r"\d|\b(one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|twenty|thirty|"
    r"forty|fifty|hundred|thousand|million|billion|half|twice|dozen|percent)\b",
    re.IGNORECASE,
)


def test_there_are_development_and_blind_styles() -> None:
    assert len(list(STYLES.glob("*.json"))) >= 8
    assert list(STYLES.glob("blind/*.json"))


@pytest.mark.parametrize("path", FILES, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_answers_are_labelled_sentence_by_sentence(path: Path) -> None:
    answers = json.loads(path.read_text(encoding="utf-8"))
    assert answers, path
    for a in answers:
        assert a["style"] == answers[0]["style"], a["id"]
        labels = [sec["label"] for sec in a["sections"] for _ in sec["sentences"]]
        assert labels and set(labels) <= set(STAR_LABELS), a["id"]
        for sec in a["sections"]:
            for sentence in sec["sentences"]:
                assert sentence.strip() and "\n" not in sentence, a["id"]
        rewrite = a.get("unquantified_result")
        if rewrite is not None:
            assert len(rewrite) == labels.count("result"), a["id"]
            assert not any(_NUMBER.search(s) for s in rewrite), a["id"]


def test_ids_are_unique_across_the_corpus() -> None:
    ids = [a["id"] for p in FILES for a in json.loads(p.read_text(encoding="utf-8"))]
    assert len(ids) == len(set(ids))
