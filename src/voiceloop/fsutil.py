"""Atomic file writes: a temporary file in the same folder, flushed, then renamed over."""

from __future__ import annotations

import errno
import os
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import BinaryIO

from voiceloop.errors import VoiceloopError


def _file_mode() -> int:
    """The mode a plain new file gets under the current umask (mkstemp would give 0600)."""
    mask = os.umask(0)
    os.umask(mask)
    return 0o666 & ~mask


FILE_MODE = _file_mode()


def atomic_write_with(path: Path, write: Callable[[BinaryIO], object]) -> None:
    """``write`` fills a temporary file beside ``path``, which then replaces ``path`` whole;
    on any failure the temporary file is removed and ``path`` is untouched."""
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as handle:
            write(handle)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(tmp, FILE_MODE)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def atomic_write_bytes(path: Path, data: bytes) -> None:
    atomic_write_with(path, lambda handle: handle.write(data))


def atomic_write_text(path: Path, text: str) -> None:
    atomic_write_bytes(path, text.encode("utf-8"))


def describe_os_error(err: OSError, what: str) -> VoiceloopError:
    """One line for a failed write: disk full, read-only, permission."""
    if err.errno == errno.ENOSPC:
        return VoiceloopError(f"disk full while writing {what}; nothing was saved")
    if err.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
        return VoiceloopError(f"cannot write {what}: {err.strerror} ({err.filename or ''})")
    return VoiceloopError(f"cannot write {what}: {err.strerror or err}")
