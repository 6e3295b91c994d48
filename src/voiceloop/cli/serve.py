"""`voiceloop serve`: the local web app (practise, review, progress, upload) in a browser.

Starlette and uvicorn are imported inside the command so that ``voiceloop --help`` stays
instant.
"""

from __future__ import annotations

import socket
from typing import Annotated

import typer

from voiceloop.cli.app import (
    BEAM_SIZE,
    BeamOpt,
    DeviceOpt,
    ModelOpt,
    RecordingsOpt,
    app,
    echo,
    note,
    transcribe_options,
)
from voiceloop.errors import VoiceloopError

DEFAULT_PORT = 8765


def _check_port(host: str, port: int) -> int:
    """The port to serve on (a free one for 0); a clear error when it is taken."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        try:
            probe.bind((host, port))
        except OSError as err:
            raise VoiceloopError(
                f"cannot listen on {host}:{port} ({err.strerror}); "
                "another program uses it: try --port 0 for any free port"
            ) from err
        bound: int = probe.getsockname()[1]
        return bound


@app.command()
def serve(
    port: Annotated[
        int,
        typer.Option("--port", min=0, max=65535, help="Port to listen on (0: any free port)."),
    ] = DEFAULT_PORT,
    host: Annotated[
        str,
        typer.Option(
            "--host",
            help="Address to listen on. Only this computer can reach the default; another "
            "address exposes your recordings to the network (the secret still guards them).",
        ),
    ] = "127.0.0.1",
    no_browser: Annotated[
        bool, typer.Option("--no-browser", help="Print the address; do not open a browser.")
    ] = False,
    model: ModelOpt = "embedded",
    device: DeviceOpt = "cpu",
    beam_size: BeamOpt = BEAM_SIZE,
    recordings: RecordingsOpt = None,
) -> None:
    """Practise and review in your web browser: a local page on this computer.

    Starts a server on 127.0.0.1 and opens its page: pick a question (it is read aloud),
    answer with the browser's microphone while a timer, a level meter and the words so far
    show, and get the verdict when you press Stop; then the full report, your sessions with
    filters, two side by side, progress charts, re-analyze, delete, and upload a recording.
    Sessions are the same as the CLI's (`voiceloop sessions` lists them).

    The address carries a secret made for this launch; only pages from this server are
    served. Stop the server with Ctrl-C.
    """
    import uvicorn

    from voiceloop.sessions.store import default_recordings_dir, ensure_writable
    from voiceloop.web.app import ServeConfig, create_app
    from voiceloop.web.security import Guard, new_secret

    recordings_dir = recordings or default_recordings_dir()
    ensure_writable(recordings_dir)
    port = _check_port(host, port)
    if host not in ("127.0.0.1", "localhost", "::1"):
        note(f"warning: listening on {host}: other computers can reach this server")
    guard = Guard(secret=new_secret(), port=port, bind=host)
    config = ServeConfig(
        recordings_dir=recordings_dir,
        transcribe=transcribe_options(model, device, beam_size),
        guard=guard,
    )
    url = guard.url()
    echo(f"voiceloop is serving {recordings_dir.resolve()} at {url}")
    echo("Open that address (it holds this launch's secret); Ctrl-C stops the server.")
    if not no_browser:
        import webbrowser

        webbrowser.open(url)
    uvicorn.run(create_app(config), host=host, port=port, log_level="warning", access_log=False)
