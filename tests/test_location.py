"""One history per user whatever the current folder: where sessions live, and `import`.

Real session folders, the real SQLite index, platformdirs pointed at a temporary data folder
through $XDG_DATA_HOME, and the commands run as a user runs them from another folder.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from sessionkit import BASE, days, make_session, ok
from voiceloop.sessions import location
from voiceloop.sessions.importer import import_sessions
from voiceloop.sessions.index import open_index

REPO = Path(__file__).resolve().parents[1]


def noise(seed: int) -> np.ndarray:
    return (0.05 * np.random.default_rng(seed).standard_normal(8000)).astype(np.float32)


def fake_checkout(root: Path, name: str = "voiceloop") -> Path:
    """A folder laid out as voiceloop's source checkout; returns its src/voiceloop."""
    package = root / "src" / "voiceloop"
    package.mkdir(parents=True)
    (root / "pyproject.toml").write_text(f'[project]\nname = "{name}"\nversion = "9"\n')
    return package


def run_in(cwd: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    """``voiceloop ARGS`` run from ``cwd`` with ``env`` on top of the test environment."""
    return subprocess.run(
        [sys.executable, "-m", "voiceloop", *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        env={**os.environ, **env},
        timeout=300,
    )


# --- where the history is -------------------------------------------------------------------


def test_resolution_order_flag_env_checkout_user_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    monkeypatch.setenv("VOICELOOP_RECORDINGS", str(tmp_path / "env"))
    monkeypatch.setattr(location, "PACKAGE_DIR", fake_checkout(tmp_path / "checkout"))
    monkeypatch.chdir(tmp_path)

    assert location.recordings_dir(tmp_path / "flag") == tmp_path / "flag"  # 1. the flag
    assert location.recordings_dir() == tmp_path / "env"  # 2. the environment
    monkeypatch.delenv("VOICELOOP_RECORDINGS")
    checkout = tmp_path / "checkout" / "recordings"
    assert location.recordings_dir() == checkout  # 3. the source checkout
    assert location.default_recordings_dir() == checkout
    # an installed copy (site-packages) is no checkout: 4. the user data folder
    installed = tmp_path / "site-packages" / "voiceloop"
    installed.mkdir(parents=True)
    monkeypatch.setattr(location, "PACKAGE_DIR", installed)
    assert location.recordings_dir() == tmp_path / "data" / "voiceloop" / "recordings"
    # the same from any current folder: never ./recordings
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    assert location.recordings_dir() == tmp_path / "data" / "voiceloop" / "recordings"


def test_only_voiceloops_own_checkout_counts(tmp_path: Path) -> None:
    assert location.source_checkout(fake_checkout(tmp_path / "ours")) == tmp_path / "ours"
    assert location.source_checkout(fake_checkout(tmp_path / "other", "notvoiceloop")) is None
    broken = fake_checkout(tmp_path / "broken")
    (tmp_path / "broken" / "pyproject.toml").write_text("[project\nname=")
    assert location.source_checkout(broken) is None
    bare = tmp_path / "bare" / "src" / "voiceloop"
    bare.mkdir(parents=True)  # no pyproject.toml
    assert location.source_checkout(bare) is None
    # this repository, as the layout has it
    assert location.source_checkout(REPO / "src" / "voiceloop") == REPO


AS_INSTALLED = """
import sys
from pathlib import Path
from voiceloop.sessions import location
location.PACKAGE_DIR = Path(sys.argv.pop(1))  # as pip installs it: site-packages/voiceloop
from voiceloop.cli import main
sys.argv[0] = "voiceloop"
main()
"""


def test_an_installed_voiceloop_keeps_one_history_in_the_user_data_folder(tmp_path: Path) -> None:
    """End to end as an installed voiceloop runs (its package in site-packages, no setting):
    `analyze --sample` run in one folder keeps its session in the user data folder, and
    `sessions` run in another folder finds it there."""
    data = tmp_path / "data"
    installed = tmp_path / "site-packages" / "voiceloop"
    env = {**os.environ, "XDG_DATA_HOME": str(data)}
    env.pop("VOICELOOP_RECORDINGS", None)

    def run(cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
        cmd = [sys.executable, "-c", AS_INSTALLED, str(installed), *args]
        return subprocess.run(cmd, capture_output=True, text=True, cwd=cwd, env=env, timeout=300)

    one, two = tmp_path / "one", tmp_path / "two"
    one.mkdir()
    two.mkdir()
    made = json.loads(ok(run(one, "analyze", "--sample", "--json")))
    history = data / "voiceloop" / "recordings"
    assert (history / made["session"]["id"] / "analysis.json").is_file()
    assert not (one / "recordings").exists()
    listed = run(two, "sessions", "--json")
    assert [s["id"] for s in json.loads(ok(listed))] == [made["session"]["id"]]
    assert f"reading sessions from {history}" in listed.stderr


# --- stray ./recordings folders ---------------------------------------------------------------


@pytest.fixture
def stray(tmp_path: Path) -> Path:
    """A project folder whose ./recordings holds three sessions left by an older voiceloop."""
    project = tmp_path / "project"
    for i in range(3):
        make_session(project / "recordings", created=BASE + days(i), samples=noise(i))
    return project


def test_history_commands_offer_to_import_a_stray_recordings_folder(
    tmp_path: Path, stray: Path
) -> None:
    home = tmp_path / "home-history"
    make_session(home, created=BASE + days(10), samples=noise(10))
    env = {"VOICELOOP_RECORDINGS": str(home)}
    offer = "`voiceloop import ./recordings` copies them in"
    for args in (("sessions",), ("progress", "--no-chart"), ("export",)):
        result = run_in(stray, *args, **env)
        ok(result)
        lines = result.stderr.splitlines()
        offers = [x for x in lines if offer in x]
        assert len(offers) == 1, (args, result.stderr)
        assert "3 sessions are in ./recordings" in offers[0]
        assert f"voiceloop: reading sessions from {home.resolve()}" in lines  # still said
        assert offer not in result.stdout
    # a history not started yet (the first run after an upgrade) gets the offer too
    for args in (("sessions",), ("progress",), ("show", "last")):
        fresh = run_in(stray, *args, VOICELOOP_RECORDINGS=str(tmp_path / "not-yet"))
        assert [x for x in fresh.stderr.splitlines() if offer in x], (args, fresh.stderr)
    # run from the stray folder's own history (the flag names it): nothing to offer
    same = run_in(stray, "sessions", "--recordings", "recordings", **env)
    assert offer not in ok(same) + same.stderr
    # once imported, the offer is gone
    ok(run_in(stray, "import", "./recordings", **env))
    after = run_in(stray, "sessions", **env)
    assert offer not in after.stderr
    assert len(json.loads(ok(run_in(stray, "sessions", "--json", **env)))) == 4


def test_import_copies_sessions_skips_duplicates_and_is_safe_to_rerun(
    tmp_path: Path, stray: Path
) -> None:
    home = tmp_path / "home-history"
    strays = sorted(p for p in (stray / "recordings").iterdir() if p.is_dir())
    # the history already holds the first stray session's recording, analyzed again later
    dup = make_session(home, created=BASE + days(20), samples=noise(0))
    env = {"VOICELOOP_RECORDINGS": str(home)}
    # written by voiceloop 0.4.0, which kept no audio hash in session.json
    for folder in strays:
        meta = json.loads((folder / "session.json").read_text())
        del meta["audio_sha256"]
        (folder / "session.json").write_text(json.dumps(meta))
    assert "3 sessions are in ./recordings" in run_in(stray, "sessions", **env).stderr

    first = run_in(stray, "import", "./recordings", **env)
    out = ok(first)
    assert "Imported 2 sessions" in out and "skipped 1: 1 already there (same recording)" in out
    for folder in strays[1:]:
        copied = home / folder.name
        assert sorted(p.name for p in copied.iterdir()) == sorted(p.name for p in folder.iterdir())
        assert (copied / "audio.wav").read_bytes() == (folder / "audio.wav").read_bytes()
    assert not (home / strays[0].name).exists()
    assert not [p for p in home.iterdir() if p.name.startswith(".tmp-")]  # no staging left
    assert (stray / "recordings").is_dir() and len(list((stray / "recordings").glob("*/"))) >= 3
    with open_index(home) as index:
        assert {r.id for r in index.query()} == {dup.name, strays[1].name, strays[2].name}

    # the duplicate's recording is known now: no offer is left
    assert "voiceloop import" not in run_in(stray, "sessions", **env).stderr
    again = ok(run_in(stray, "import", "./recordings", **env))
    assert "Imported 0 sessions" in again
    assert "1 already there (same recording)" in again
    assert "2 already there (same session)" in again
    assert len([p for p in home.iterdir() if p.is_dir()]) == 3


def test_import_in_process_reports_and_refuses_bad_sources(tmp_path: Path, stray: Path) -> None:
    from voiceloop.errors import VoiceloopError

    home = tmp_path / "home"
    source = stray / "recordings"
    (source / "junk").mkdir()
    (source / "junk" / "session.json").write_text("{ not json")
    shutil.copytree(source / sorted(os.listdir(source))[0], source / "renamed-copy")
    report = import_sessions(source, home)
    assert len(report.imported) == 3
    assert sorted(report.unreadable) == ["junk", "renamed-copy"]
    assert report.skipped == 2
    with pytest.raises(VoiceloopError, match="history folder itself"):
        import_sessions(home, home)
    with pytest.raises(VoiceloopError, match="no folder"):
        import_sessions(tmp_path / "nope", home)
    (tmp_path / "empty").mkdir()
    with pytest.raises(VoiceloopError, match="no sessions"):
        import_sessions(tmp_path / "empty", home)
    bad = run_in(tmp_path, "import", str(tmp_path / "nope"), VOICELOOP_RECORDINGS=str(home))
    assert bad.returncode != 0 and "Traceback" not in bad.stderr
    assert bad.stderr.strip().splitlines() == [
        f"voiceloop: error: no folder {tmp_path / 'nope'} to import from"
    ]


@pytest.mark.slow
def test_practice_offers_the_import_once(tmp_path: Path, stray: Path) -> None:
    """`practice` on a machine with no sound card (it analyzes the sample answer) run where an
    older voiceloop left ./recordings: one offer line, and the session goes to the history."""
    from fakemic import alsa_env

    home = tmp_path / "home-history"
    env = {**alsa_env(tmp_path / "alsa", None, devices=False), "VOICELOOP_RECORDINGS": str(home)}
    result = run_in(stray, "practice", **env)
    ok(result)
    offers = [x for x in result.stderr.splitlines() if "`voiceloop import ./recordings`" in x]
    assert len(offers) == 1, result.stderr
    assert "3 sessions are in ./recordings" in offers[0]
    assert len([p for p in home.iterdir() if p.is_dir() and not p.name.startswith(".")]) == 1
    assert len([p for p in (stray / "recordings").iterdir() if p.is_dir()]) == 3
