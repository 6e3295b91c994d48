"""Durations as a person reads them: one formatter for every m:ss in the terminal and reports."""

from __future__ import annotations


def clock(seconds: float | None, *, running: bool = False) -> str:
    """Seconds as m:ss, or "-" when there is no figure.

    Figures are rounded to the nearest second. ``running`` truncates instead, for a timer that
    counts up while recording: it should not show 0:01 before a whole second has passed.
    """
    if seconds is None:
        return "-"
    whole = max(0, int(seconds) if running else round(seconds))
    return f"{whole // 60}:{whole % 60:02d}"
