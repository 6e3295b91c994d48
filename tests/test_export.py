"""`voiceloop export`: CSV a spreadsheet reads right, and JSON Lines beside it.

Real session folders, the real SQLite index, and the command run as a user runs it.
"""

from __future__ import annotations

import csv
import json
import re
from pathlib import Path

import pytest

from sessionkit import BASE, answer_text, days, make_session, ok
from sessionkit import run_cli as run
from voiceloop.prompts import get_prompt, load_bank

SEMICOLON_PROMPT = "customer-obsession-push-back-request"  # "Have Backbone; Disagree and Commit"


@pytest.fixture(scope="module")
def rec(tmp_path_factory: pytest.TempPathFactory) -> Path:
    bank = load_bank()
    folder = tmp_path_factory.mktemp("rec")
    for day, pid, word_s in ((0, SEMICOLON_PROMPT, 0.37), (1, "dive-deep-root-cause", 0.41)):
        make_session(
            folder,
            prompt=get_prompt(bank, pid),
            created=BASE + days(day),
            text=answer_text(4, 3, True),
            word_s=word_s,
        )
    return folder


def listed(rec: Path) -> list[dict[str, object]]:
    """The sessions as `voiceloop sessions --json` gives them (full precision), oldest first."""
    rows: list[dict[str, object]] = json.loads(ok(run(rec, "sessions", "--json")))
    return list(reversed(rows))


def decimals(cell: str) -> int:
    return len(cell.partition(".")[2])


def test_csv_rounds_figures_and_keeps_principle_names_whole(rec: Path, tmp_path: Path) -> None:
    target = tmp_path / "sessions.csv"
    assert "2 sessions written to" in ok(run(rec, "export", "--csv", str(target)))
    rows = list(csv.DictReader(target.open(encoding="utf-8")))
    full = listed(rec)
    assert [r["id"] for r in rows] == [r["id"] for r in full]
    for mine, theirs in zip(rows, full, strict=True):
        assert json.loads(mine["principles"]) == theirs["principles"]
        assert json.loads(mine["missing_sections"]) == theirs["missing_sections"]
        for column, places in (
            ("wpm", 1),
            ("duration_s", 1),
            ("audio_seconds", 1),
            ("fillers_per_min", 2),
            ("action_share", 3),
        ):
            assert re.fullmatch(r"-?\d+(\.\d+)?", mine[column]), (column, mine[column])
            assert decimals(mine[column]) <= places, (column, mine[column])
            assert float(mine[column]) == pytest.approx(theirs[column], abs=0.51 * 10**-places)
    principles = json.loads(rows[0]["principles"])
    assert "Have Backbone; Disagree and Commit" in principles
    assert len(principles) == len(get_prompt(load_bank(), SEMICOLON_PROMPT).principles)
    # The raw figures really are long floats: the rounding is the export's doing.
    assert any(decimals(repr(r["wpm"])) > 1 for r in full)


def test_jsonl_beside_the_csv(rec: Path, tmp_path: Path) -> None:
    table, lines = tmp_path / "s.csv", tmp_path / "s.jsonl"
    ok(run(rec, "export", str(table), "--jsonl", str(lines)))
    records = [json.loads(line) for line in lines.read_text(encoding="utf-8").splitlines()]
    rows = list(csv.DictReader(table.open(encoding="utf-8")))
    full = listed(rec)
    assert [r["id"] for r in records] == [r["id"] for r in rows] == [r["id"] for r in full]
    for record, row, theirs in zip(records, rows, full, strict=True):
        assert record["principles"] == theirs["principles"]  # a real list, not a joined string
        assert record["wpm"] == float(row["wpm"])  # the same rounding as the CSV
        assert record["result_quantified"] is theirs["result_quantified"]
    assert "Have Backbone; Disagree and Commit" in records[0]["principles"]

    # --jsonl - streams JSON Lines alone; the figures match the file's.
    streamed = ok(run(rec, "export", "--jsonl", "-"))
    assert [json.loads(line) for line in streamed.splitlines()] == records
    # With a CSV file too, stdout still carries only the JSON Lines.
    both = run(rec, "export", str(tmp_path / "t.csv"), "--jsonl", "-")
    assert [json.loads(line) for line in ok(both).splitlines()] == records
    assert "2 sessions written to" in both.stderr
    # Only one of them can go to stdout.
    clash = run(rec, "export", "--csv", "--jsonl", "-")
    assert clash.returncode == 2
    assert "cannot both go to stdout" in clash.stderr
