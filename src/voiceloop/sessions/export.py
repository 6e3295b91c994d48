"""The sessions' headline figures as CSV, one session a row, for a spreadsheet."""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence

from voiceloop.sessions.index import SessionRow


def sessions_csv(rows: Sequence[SessionRow]) -> str:
    """Every ``SessionRow`` field as a column; lists joined with '; ', None left empty."""
    columns = list(SessionRow.model_fields)
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(columns)
    for row in rows:
        values = row.model_dump()
        out = []
        for col in columns:
            value = values[col]
            if isinstance(value, list):
                value = "; ".join(str(v) for v in value)
            elif value is None:
                value = ""
            out.append(value)
        writer.writerow(out)
    return buffer.getvalue()
