"""The sessions' headline figures for a spreadsheet (CSV) or a script (JSON Lines).

Figures are rounded to what they can tell (``PRECISION``): 155.8 wpm, not 155.82905320282975.
A list (principles, missing sections, problems) is a JSON array in its CSV cell, because a
principle's own name can hold a separator ("Have Backbone; Disagree and Commit").
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Sequence
from typing import Any

from voiceloop.sessions.index import SessionRow

# Decimal places per float column; a float column not listed keeps 3.
PRECISION: dict[str, int] = {
    "created_ts": 0,  # seconds since the epoch: session.json has whole seconds
    "duration_s": 1,
    "target_lo": 1,
    "target_hi": 1,
    "audio_seconds": 1,
    "wpm": 1,
    "fillers_per_min": 2,
    "action_share": 3,
}
DEFAULT_PRECISION = 3


def export_record(row: SessionRow) -> dict[str, Any]:
    """Every ``SessionRow`` field, floats rounded to their column's precision."""
    values = row.model_dump()
    for column, value in values.items():
        if isinstance(value, float):
            digits = PRECISION.get(column, DEFAULT_PRECISION)
            values[column] = round(value, digits) if digits else round(value)
    return values


def _cell(value: Any) -> Any:
    if isinstance(value, list):
        return json.dumps(value, ensure_ascii=False)
    if value is None:
        return ""
    return value


def sessions_csv(rows: Sequence[SessionRow]) -> str:
    """Every ``SessionRow`` field as a column; lists as JSON arrays, None left empty."""
    columns = list(SessionRow.model_fields)
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(columns)
    for row in rows:
        values = export_record(row)
        writer.writerow([_cell(values[col]) for col in columns])
    return buffer.getvalue()


def sessions_jsonl(rows: Sequence[SessionRow]) -> str:
    """One JSON object per session a line, with the same fields and rounding as the CSV."""
    return "".join(json.dumps(export_record(row), ensure_ascii=False) + "\n" for row in rows)
