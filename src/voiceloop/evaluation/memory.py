"""Peak memory per clip for ``voiceloop eval``, native allocations included."""

from __future__ import annotations

import sys
from pathlib import Path

_CLEAR_REFS = Path("/proc/self/clear_refs")
_STATUS = Path("/proc/self/status")


def reset_peak_rss() -> bool:
    """Reset the kernel's peak-RSS mark for this process (Linux); False where not possible."""
    try:
        _CLEAR_REFS.write_text("5")
        return True
    except OSError:
        return False


def peak_rss_mb() -> float:
    """Peak resident memory of this process in MB, native allocations included.

    On Linux: ``VmHWM`` from /proc/self/status, which :func:`reset_peak_rss` resets between
    clips, so each clip's figure is its own peak (model weights included, since they stay
    loaded). Elsewhere: ``resource.getrusage(RUSAGE_SELF).ru_maxrss``, the peak since the
    process started (so a clip shows the highest peak so far). tracemalloc is not used: it
    sees only Python allocations, not CTranslate2's or numpy's native memory.
    """
    try:
        for line in _STATUS.read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    import resource  # Unix only, like the figure itself

    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return rss / (1024 * 1024) if sys.platform == "darwin" else rss / 1024


def memory_method() -> str:
    """How :func:`peak_rss_mb` measures on this machine, for the report."""
    if reset_peak_rss():
        return "peak RSS per clip, VmHWM reset between clips"
    return "peak RSS of the process so far, getrusage ru_maxrss"
