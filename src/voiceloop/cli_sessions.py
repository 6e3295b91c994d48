"""Session history: sessions, show, report, delete, export, reanalyze, progress, compare."""

from __future__ import annotations

from voiceloop.cli_app import app  # noqa: F401  (commands register on it)
