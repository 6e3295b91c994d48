"""Where a user's sessions live: one recordings folder, whatever the current folder is.

The folder is, first match wins:

1. ``--recordings DIR`` (the caller passes it);
2. ``$VOICELOOP_RECORDINGS``;
3. the project's own ``recordings/`` when voiceloop runs from its source checkout (the
   package is imported from ``<root>/src/voiceloop`` and ``<root>/pyproject.toml`` names the
   project "voiceloop"), as the repository's layout has it;
4. ``recordings/`` in the per-user data folder (``platformdirs.user_data_dir("voiceloop")``:
   ``~/.local/share/voiceloop`` on Linux, ``~/Library/Application Support/voiceloop`` on
   macOS).

A history kept in ``./recordings`` of whatever folder a command ran in (voiceloop 0.4 and
earlier) is found by ``stray_sessions`` and offered for ``voiceloop import``.
"""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass
from pathlib import Path

ENV_VAR = "VOICELOOP_RECORDINGS"
APP_NAME = "voiceloop"
# src/voiceloop: where the running package was imported from
PACKAGE_DIR = Path(__file__).resolve().parent.parent


def source_checkout(package_dir: Path | None = None) -> Path | None:
    """The root of voiceloop's own source checkout the package runs from, else None.

    ``package_dir``: the imported package's folder (default: this one's). An installed copy
    (site-packages) is no checkout, so its sessions go to the user data folder.
    """
    package = package_dir or PACKAGE_DIR
    if package.name != "voiceloop" or package.parent.name != "src":
        return None
    root = package.parent.parent
    try:
        text = (root / "pyproject.toml").read_text(encoding="utf-8")
    except OSError:
        return None
    if sys.version_info >= (3, 11):
        import tomllib
    else:  # pragma: no cover - Python 3.10
        import tomli as tomllib
    try:
        name = tomllib.loads(text).get("project", {}).get("name")
    except tomllib.TOMLDecodeError:
        return None
    return root if name == APP_NAME else None


def user_recordings_dir() -> Path:
    """``recordings/`` in the per-user data folder (platformdirs; honours $XDG_DATA_HOME)."""
    import platformdirs

    return Path(platformdirs.user_data_dir(APP_NAME, appauthor=False)) / "recordings"


def recordings_dir(flag: Path | None = None) -> Path:
    """The recordings folder: ``flag``, else $VOICELOOP_RECORDINGS, else the source
    checkout's ``recordings/``, else the user data folder's (see the module docstring)."""
    if flag is not None:
        return flag
    env = os.environ.get(ENV_VAR)
    if env:
        return Path(env)
    root = source_checkout()
    if root is not None:
        return root / "recordings"
    return user_recordings_dir()


def default_recordings_dir() -> Path:
    """``recordings_dir`` with no ``--recordings``: where a command reads and writes."""
    return recordings_dir(None)


@dataclass(frozen=True)
class StraySessions:
    """Sessions in a folder other than the history's that the history does not hold."""

    folder: Path  # as the user would type it (``recordings`` of the current folder)
    count: int


def stray_sessions(history: Path, cwd: Path | None = None) -> StraySessions | None:
    """``./recordings`` of ``cwd`` (default: the current folder) when it is not ``history``
    and holds sessions that ``history`` lacks (by id or by recording), else None.

    Reads only session.json files and the history's index, except for a session written
    before the audio hash was kept, whose audio is hashed to tell whether it was imported.
    """
    from voiceloop.sessions.importer import missing_from

    here = (cwd or Path.cwd()) / "recordings"
    if not here.is_dir():
        return None
    try:
        if history.exists() and here.resolve() == history.resolve():
            return None
    except OSError:
        return None
    missing = missing_from(here, history)
    return StraySessions(Path("recordings"), len(missing)) if missing else None
