"""What an analysis prints to stdout: the short verdict, or the whole session as JSON."""

from __future__ import annotations

import json
from typing import Any

from voiceloop.models import Analysis, SessionMeta, Transcript


def render_json(meta: SessionMeta, transcript: Transcript, analysis: Analysis) -> str:
    payload: dict[str, Any] = {
        "session": meta.model_dump(mode="json"),
        "analysis": analysis.model_dump(mode="json"),
        "transcript": transcript.model_dump(mode="json"),
    }
    return json.dumps(payload, indent=2, ensure_ascii=False)


def render_terminal(meta: SessionMeta, analysis: Analysis, report_path: str) -> str:
    """The short verdict printed after an analysis."""
    lines = [analysis.verdict.headline]
    if analysis.verdict.tips:
        lines.append("Fix next:")
        for i, tip in enumerate(analysis.verdict.tips, 1):
            lines.append(f"  {i}. {tip.title} - {tip.figure}. {tip.detail}")
    lines.append(f"Report: {report_path}")
    return "\n".join(lines)
