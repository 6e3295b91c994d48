"""`voiceloop serve` over HTTP: the security layer, bad input, and one store with the CLI.

Starlette's TestClient drives the real application (routes, middleware, lifespan) in
process; sessions are real folders and a real SQLite index (``sessionkit``). Every refusal
is checked to leave the recordings folder as it was.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from starlette.testclient import TestClient

from sessionkit import BASE, days, make_session, ok, run_cli, transcript_for
from voiceloop.prompts import get_prompt, load_bank
from voiceloop.transcribe.decode import options_for
from voiceloop.web.app import ServeConfig, create_app
from voiceloop.web.security import Guard

SECRET = "test-secret-for-this-launch"
PORT = 8765
ORIGIN = f"http://127.0.0.1:{PORT}"
CAP = 256 * 1024  # the upload cap for these tests


def snapshot(folder: Path) -> list[str]:
    """Every file under the recordings folder except the index (which a read may refresh)."""
    return sorted(
        str(p.relative_to(folder))
        for p in folder.rglob("*")
        if p.is_file() and not p.name.startswith("index.sqlite")
    )


@pytest.fixture
def recordings(tmp_path: Path) -> Path:
    folder = tmp_path / "recordings"
    folder.mkdir()
    prompt = get_prompt(load_bank(), "dive-deep-metric-overhaul")
    make_session(folder, prompt=prompt, created=BASE)
    make_session(folder, created=BASE + days(1), transcript=transcript_for(
        "Situation one. I said <script>document.title='pwned'</script> & \"quoted\" words here."
    ))  # fmt: skip
    return folder


def _client(recordings: Path, **config: object) -> TestClient:
    settings = ServeConfig(
        recordings_dir=recordings,
        transcribe=options_for("embedded", "cpu", 1),
        guard=Guard(SECRET, PORT),
        max_upload_bytes=CAP,
        preload=False,
        incremental=False,
        speech_dir=recordings.parent / "speech",
    )
    for name, value in config.items():
        setattr(settings, name, value)
    (recordings.parent / "speech").mkdir(exist_ok=True)
    return TestClient(create_app(settings), base_url=ORIGIN)


@pytest.fixture
def anonymous(recordings: Path) -> Iterator[TestClient]:
    """A client that has not been given the secret."""
    with _client(recordings) as client:
        yield client


@pytest.fixture
def client(recordings: Path) -> Iterator[TestClient]:
    """A browser that opened the printed address: it holds the secret's cookie."""
    with _client(recordings) as c:
        opened = c.get(f"/?token={SECRET}")
        assert opened.status_code == 200, opened.text
        yield c


def session_ids(recordings: Path) -> list[str]:
    return sorted(p.name for p in recordings.iterdir() if (p / "session.json").is_file())


# --- the secret ---------------------------------------------------------------------------


def test_the_address_hands_over_the_secret_once(anonymous: TestClient) -> None:
    first = anonymous.get(f"/sessions?lp=&token={SECRET}", follow_redirects=False)
    assert first.status_code == 303
    assert first.headers["location"] == "/sessions?lp="  # the secret leaves the address
    cookie = first.headers["set-cookie"].lower()
    assert f"voiceloop_token_{PORT}=" in cookie
    assert "httponly" in cookie and "samesite=strict" in cookie
    assert anonymous.get("/sessions").status_code == 200


@pytest.mark.parametrize(
    "path", ["/", "/sessions", "/progress", "/api/sessions", "/api/takes", "/static/practice.js"]
)
def test_no_secret_no_answer(anonymous: TestClient, path: str) -> None:
    response = anonymous.get(path)
    assert response.status_code == 403
    assert "secret" in response.text
    assert "session" not in response.text.replace("voiceloop serve", "")


def test_a_wrong_secret_is_refused(anonymous: TestClient, recordings: Path) -> None:
    assert anonymous.get("/?token=guess").status_code == 403
    assert anonymous.get("/api/sessions", headers={"x-voiceloop-token": "guess"}).status_code == 403
    anonymous.cookies.set(f"voiceloop_token_{PORT}", "guess")
    assert anonymous.get("/api/sessions").status_code == 403
    ok = anonymous.get("/api/sessions", headers={"x-voiceloop-token": SECRET})
    assert ok.status_code == 200 and len(ok.json()) == 2


# --- Host and Origin ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "host", ["rebound.example.com:8765", "127.0.0.1:9999", "localhost", "192.168.1.5:8765", ""]
)
def test_a_foreign_host_is_refused_even_with_the_secret(client: TestClient, host: str) -> None:
    """DNS rebinding: the browser sends the attacker's name in Host, with our cookie."""
    response = client.get("/api/sessions", headers={"host": host})
    assert response.status_code == 403
    assert "answers only to 127.0.0.1" in response.text


@pytest.mark.parametrize("host", ["127.0.0.1:8765", "localhost:8765", "[::1]:8765"])
def test_own_names_are_served(client: TestClient, host: str) -> None:
    assert client.get("/api/sessions", headers={"host": host}).status_code == 200


def test_another_site_can_neither_read_nor_change(client: TestClient, recordings: Path) -> None:
    before = snapshot(recordings)
    victim = session_ids(recordings)[0]
    evil = {"origin": "http://evil.example"}
    assert client.get("/api/sessions", headers=evil).status_code == 403
    assert client.get(f"/sessions/{victim}", headers=evil).status_code == 403
    assert client.delete(f"/api/sessions/{victim}", headers=evil).status_code == 403
    assert client.post(f"/sessions/{victim}/delete", headers=evil).status_code == 403
    start = client.post("/api/takes", json={"rate": 16000}, headers=evil)
    assert start.status_code == 403  # no recording can be started
    # a look-alike: same host, other port or scheme
    for origin in (f"http://127.0.0.1:{PORT + 1}", f"https://127.0.0.1:{PORT}", "null"):
        assert client.get("/api/sessions", headers={"origin": origin}).status_code == 403
    assert snapshot(recordings) == before
    assert not (recordings / ".takes").exists()


def test_a_change_without_origin_needs_the_header(client: TestClient, recordings: Path) -> None:
    victim = session_ids(recordings)[0]
    assert client.post(f"/sessions/{victim}/delete").status_code == 403  # cookie alone
    assert victim in session_ids(recordings)
    done = client.post(f"/sessions/{victim}/delete", headers={"origin": ORIGIN})
    assert done.status_code == 200 and "Sessions" in done.text  # redirected to the list
    assert victim not in session_ids(recordings)


def test_answers_carry_hardening_headers(client: TestClient) -> None:
    page = client.get("/sessions")
    assert page.headers["x-frame-options"] == "DENY"
    assert page.headers["referrer-policy"] == "same-origin"
    assert "default-src 'self'" in page.headers["content-security-policy"]
    assert "https:" not in page.headers["content-security-policy"]


# --- ids -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "sid",
    ["..%2F..%2Fetc%2Fpasswd", "a.b", "%2E%2E", ".takes", "x" * 200, "-rf", "id%00x"],
)
def test_malformed_session_ids_are_refused(client: TestClient, recordings: Path, sid: str) -> None:
    before = snapshot(recordings)
    for response in (
        client.get(f"/sessions/{sid}"),
        client.get(f"/sessions/{sid}/audio.wav"),
        client.delete(f"/api/sessions/{sid}", headers={"origin": ORIGIN}),
        client.post(f"/api/sessions/{sid}/reanalyze", headers={"origin": ORIGIN}),
    ):
        assert response.status_code in (400, 404), (sid, response.status_code)
    assert snapshot(recordings) == before


def test_unknown_session_is_404_and_nothing_changes(client: TestClient, recordings: Path) -> None:
    before = snapshot(recordings)
    gone = "20260101-000000-answer-abcd"
    assert client.get(f"/sessions/{gone}").status_code == 404
    response = client.delete(f"/api/sessions/{gone}", headers={"origin": ORIGIN})
    assert response.status_code == 404
    assert response.json() == {"error": f"no session '{gone}'"}
    assert client.get("/compare?id=a&id=" + gone).status_code == 404
    assert client.get(f"/compare?id={gone}").status_code == 400
    assert snapshot(recordings) == before


# --- uploads -----------------------------------------------------------------------------------


def test_an_oversized_upload_is_refused_unread(client: TestClient, recordings: Path) -> None:
    before = snapshot(recordings)
    big = b"RIFF" + bytes(CAP + 10)
    response = client.post("/api/upload?name=big.wav", content=big, headers={"origin": ORIGIN})
    assert response.status_code == 413
    assert "larger than" in response.json()["error"]

    def chunks() -> Iterator[bytes]:  # no Content-Length: the cap holds while streaming
        for _ in range(CAP // 4096 + 2):
            yield bytes(4096)

    streamed = client.post("/api/upload?name=s.wav", content=chunks(), headers={"origin": ORIGIN})
    assert streamed.status_code == 413
    assert snapshot(recordings) == before


@pytest.mark.parametrize(
    ("name", "body"),
    [
        ("notes.txt", b"this is not audio at all\n" * 200),
        ("fake.wav", b"RIFF\x00\x00\x00\x00WAVEjunkjunkjunk" * 50),
        ("answer.m4a", bytes(range(256)) * 40),
    ],
)
def test_non_audio_upload_is_a_clear_4xx(
    client: TestClient, recordings: Path, name: str, body: bytes
) -> None:
    before = snapshot(recordings)
    response = client.post(f"/api/upload?name={name}", content=body, headers={"origin": ORIGIN})
    assert response.status_code == 415, response.text
    message = response.json()["error"]
    assert name in message and "\n" not in message and "Traceback" not in message
    assert snapshot(recordings) == before


def test_empty_and_silent_uploads(client: TestClient, recordings: Path, tmp_path: Path) -> None:
    import soundfile as sf

    before = snapshot(recordings)
    empty = client.post("/api/upload?name=a.wav", content=b"", headers={"origin": ORIGIN})
    assert empty.status_code == 400
    silent = tmp_path / "silent.wav"
    sf.write(str(silent), np.zeros(16000 * 4, dtype=np.float32), 16000)
    response = client.post(
        "/api/upload?name=silent.wav", content=silent.read_bytes(), headers={"origin": ORIGIN}
    )
    assert response.status_code == 422
    assert "silent" in response.json()["error"]
    assert snapshot(recordings) == before


# --- takes -----------------------------------------------------------------------------------


def test_take_chunks_are_checked(recordings: Path) -> None:
    with _client(recordings, idle_take_s=0.6) as client:
        client.get(f"/?token={SECRET}")
        post = {"headers": {"origin": ORIGIN}}
        assert client.post("/api/takes", json={"rate": 100}, **post).status_code == 400
        assert client.post("/api/takes", json={"rate": "fast"}, **post).status_code == 400
        assert client.post("/api/takes", content=b"[1]", **post).status_code == 400
        unknown = client.post("/api/takes/nope/audio?seq=0", content=b"\0\0", **post)
        assert unknown.status_code == 404
        bad_id = client.post("/api/takes/..%2Fx/audio?seq=0", content=b"\0\0", **post)
        assert bad_id.status_code in (400, 404)

        start = client.post(
            "/api/takes", json={"rate": 16000, "prompt_id": "dive-deep-metric-overhaul"}, **post
        )
        assert start.status_code == 200, start.text
        take_id = start.json()["take_id"]
        wav = recordings / ".takes" / f"{take_id}.wav"
        pcm = (np.sin(np.arange(8000) / 5) * 8000).astype("<i2").tobytes()
        url = f"/api/takes/{take_id}/audio"
        assert client.post(f"{url}?seq=0", content=pcm, **post).json()["seconds"] == 0.5
        assert client.post(f"{url}?seq=0", content=pcm, **post).status_code == 200  # a retry
        assert client.post(f"{url}?seq=2", content=pcm, **post).status_code == 400  # a gap
        assert client.post(f"{url}?seq=1", content=pcm[:-1], **post).status_code == 400
        assert client.post(f"{url}?seq=x", content=pcm, **post).status_code == 400
        assert wav.stat().st_size == 44 + len(pcm)  # only the first chunk, once

        # the page went away: the take is left for recovery, whole and playable
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            left = client.get("/api/takes").json()["takes"]
            if left:
                break
            time.sleep(0.2)
        assert [t["id"] for t in left] == [take_id]
        assert left[0]["seconds"] == 0.5 and left[0]["prompt_id"] == "dive-deep-metric-overhaul"
        assert client.post(f"{url}?seq=1", content=pcm, **post).status_code == 404
        import soundfile as sf

        assert sf.info(str(wav)).frames == 8000

    # `voiceloop recover` takes it like one the CLI left (too short to analyze: kept unanalyzed)
    out = ok(run_cli(recordings, "recover"))
    assert f"{take_id}.wav (0.5 s, question dive-deep-metric-overhaul)" in out
    assert "Recovered 1 take" in out
    assert not wav.exists()
    rows = json.loads(ok(run_cli(recordings, "sessions", "--json")))
    kept = [r for r in rows if r["status"] != "analyzed"]
    assert len(kept) == 1 and kept[0]["prompt_id"] == "dive-deep-metric-overhaul"
    assert kept[0]["audio_seconds"] == pytest.approx(0.5)


# --- pages and the one store ---------------------------------------------------------------------


def test_transcript_words_are_escaped(client: TestClient, recordings: Path) -> None:
    hostile = session_ids(recordings)[1]
    page = client.get(f"/sessions/{hostile}").text
    assert "<script>document.title" not in page
    assert "&lt;script&gt;document.title=&#x27;pwned&#x27;&lt;/script&gt;" in page
    assert "&amp;" in page and "&quot;quoted&quot;" in page
    assert f'action="/sessions/{hostile}/delete"' in page  # the toolbar is there
    assert f'src="/sessions/{hostile}/audio.wav"' in page
    audio = client.get(f"/sessions/{hostile}/audio.wav")
    assert audio.status_code == 200 and audio.content[:4] == b"RIFF"


def test_sessions_page_and_cli_read_one_store(client: TestClient, recordings: Path) -> None:
    ids = session_ids(recordings)
    listed = [r["id"] for r in client.get("/api/sessions").json()]
    cli = [r["id"] for r in json.loads(ok(run_cli(recordings, "sessions", "--json")))]
    assert sorted(listed) == sorted(cli) == ids
    page = client.get("/sessions").text
    assert all(f'href="/sessions/{sid}"' in page for sid in ids)
    only = client.get("/sessions?lp=Dive+Deep").text
    assert f'href="/sessions/{ids[0]}"' in only and f'href="/sessions/{ids[1]}"' not in only
    assert client.get("/sessions?since=yesterday").status_code == 400
    # deleted here: gone from the CLI's list too
    assert client.delete(f"/api/sessions/{ids[0]}", headers={"origin": ORIGIN}).status_code == 200
    cli = [r["id"] for r in json.loads(ok(run_cli(recordings, "sessions", "--json")))]
    assert cli == [ids[1]]


def test_reanalyze_compare_and_progress(client: TestClient, recordings: Path) -> None:
    a, b = session_ids(recordings)
    post = {"headers": {"origin": ORIGIN}}
    done = client.post(f"/api/sessions/{a}/reanalyze", **post)
    assert done.status_code == 200, done.text
    meta = json.loads((recordings / a / "session.json").read_text())
    assert (
        meta["previous_analysis_versions"]
        and meta["analysis_version"] == done.json()["analysis_version"]
    )
    side = client.get(f"/compare?id={a}&id={b}")
    assert side.status_code == 200
    assert "Words per minute" in side.text or "wpm" in side.text.lower()
    progress = client.get("/progress?last=10")
    assert progress.status_code == 200
    assert "Progress over 2 sessions" in progress.text and "<svg" in progress.text
    assert client.get("/progress?last=abc").status_code == 400


def test_questions_and_their_voice(client: TestClient) -> None:
    post = {"headers": {"origin": ORIGIN}}
    intro = client.post("/api/question", json={"kind": "intro"}, **post).json()
    assert intro["kind"] == "intro" and intro["text"]
    follow = client.post(
        "/api/question", json={"prompt_id": "dive-deep-metric-overhaul-followup-1"}, **post
    ).json()
    parent = get_prompt(load_bank(), "dive-deep-metric-overhaul")
    assert follow["text"] == parent.follow_ups[0]
    assert client.post("/api/question", json={"lp": "no such principle"}, **post).status_code == 400
    plan = client.post("/api/round", json={"count": 2, "lp": "ownership"}, **post).json()
    assert len(plan["questions"]) == 2
    assert any("Ownership" in q["principles"] for q in plan["questions"])
    voice = client.get("/api/speech/dive-deep-metric-overhaul")
    assert voice.status_code == 200 and voice.headers["content-type"] == "audio/wav"
    import io

    import soundfile as sf

    data, rate = sf.read(io.BytesIO(voice.content))
    assert len(data) / rate > 2.0 and np.abs(data).max() > 0.1  # a spoken sentence
    assert client.get("/api/speech/no-such-question").status_code == 400


# --- mock rounds ----------------------------------------------------------------------------


def test_a_round_collects_its_answers_into_the_round_report(
    client: TestClient, recordings: Path
) -> None:
    from voiceloop.sessions.analyze import SessionResult
    from voiceloop.sessions.store import read_analysis, read_session_meta, read_transcript
    from voiceloop.sessions.takes import Outcome

    post = {"headers": {"origin": ORIGIN}}
    plan = client.post("/api/round", json={"count": 2}, **post).json()
    round_id = plan["round_id"]
    assert len(plan["questions"]) == 2
    assert client.post("/api/rounds/nope/finish", **post).status_code == 404
    empty = client.post(f"/api/rounds/{round_id}/finish", **post)
    assert empty.status_code == 400 and "no answer" in empty.json()["error"]

    # two answers (sessions already analyzed), noted as the stop handler notes them
    rounds = client.app.state.rounds  # type: ignore[attr-defined]
    state = rounds.start([])
    prompt = get_prompt(load_bank(), "dive-deep-metric-overhaul")
    for folder in (recordings / sid for sid in session_ids(recordings)):
        transcript, analysis = read_transcript(folder), read_analysis(folder)
        assert transcript is not None and analysis is not None
        result = SessionResult(folder, read_session_meta(folder), transcript, analysis)
        rounds.add(state.round_id, prompt, Outcome("analyzed", "ok", result, folder))
    rounds.add(state.round_id, prompt, Outcome("removed", "no audio was recorded"))
    done = client.post(f"/api/rounds/{state.round_id}/finish", **post)
    assert done.status_code == 200, done.text
    text = done.json()["text"]
    assert (
        "#1 dive-deep-metric-overhaul" in text and "#3 dive-deep-metric-overhaul: removed" in text
    )
    report = recordings / "rounds" / state.round_id / "round.json"
    summary = json.loads(report.read_text())
    assert [a["status"] for a in summary["answers"]] == ["analyzed", "analyzed", "removed"]
    assert f"Round report: {report.with_name('round.md')}" in text
    assert client.post(f"/api/rounds/{state.round_id}/finish", **post).status_code == 404


def test_stopping_the_server_leaves_open_takes_for_recovery(recordings: Path) -> None:
    from voiceloop.capture.takes import is_locked, leftover_takes

    with _client(recordings) as client:
        client.get(f"/?token={SECRET}")
        post = {"headers": {"origin": ORIGIN}}
        take_id = client.post("/api/takes", json={"rate": 48000}, **post).json()["take_id"]
        pcm = (np.sin(np.arange(24000) / 7) * 6000).astype("<i2").tobytes()
        client.post(f"/api/takes/{take_id}/audio?seq=0", content=pcm, **post)
        wav = recordings / ".takes" / f"{take_id}.wav"
        assert is_locked(wav)  # being recorded: `voiceloop recover` must leave it alone
        assert leftover_takes(recordings) == []
    left = leftover_takes(recordings)
    assert [t.wav for t in left] == [wav]
    assert left[0].info.capture_rate == 48000 and wav.stat().st_size == 44 + len(pcm)


def test_serve_says_in_one_line_when_its_port_is_taken(tmp_path: Path) -> None:
    import socket

    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        run = run_cli(tmp_path / "rec", "serve", "--no-browser", "--port", str(port), timeout=60)
    assert run.returncode != 0
    assert "Traceback" not in run.stderr
    lines = run.stderr.strip().splitlines()
    assert len(lines) == 1 and f"cannot listen on 127.0.0.1:{port}" in lines[0]
    assert "--port 0" in lines[0]
