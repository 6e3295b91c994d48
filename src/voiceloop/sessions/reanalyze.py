"""Re-analyze a stored session with the current analysis (and, on request, transcribe again).

The audio is kept; session.json notes the analysis version it replaced. A session with no
analysis whose audio turns out to hold no answer becomes a failed take; one analyzed at last
stops being one.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from voiceloop.errors import NoSpeech, VoiceloopError
from voiceloop.sessions.store import (
    mark_failed,
    read_analysis,
    read_session_meta,
    read_transcript,
    replace_analysis,
)

if TYPE_CHECKING:
    from voiceloop.models import Analysis, Prompt, SessionMeta
    from voiceloop.options import AnalysisOptions
    from voiceloop.transcribe.decode import TranscribeOptions


def _prompt_for(meta: SessionMeta, old: Analysis | None) -> Prompt | None:
    """The session's question from the bank, or rebuilt from what the session kept."""
    from voiceloop.models import Prompt
    from voiceloop.options import KIND_TARGET_SECONDS
    from voiceloop.prompts import load_bank

    if meta.prompt_id is None:
        return None
    try:
        for prompt in load_bank():
            if prompt.id == meta.prompt_id:
                return prompt
    except VoiceloopError:
        pass
    kind = old.prompt_kind if old else "star"
    target = old.pacing.target_seconds if old else KIND_TARGET_SECONDS[kind]
    return Prompt(
        id=meta.prompt_id, text=meta.prompt_text or meta.prompt_id, kind=kind, target_seconds=target
    )


def reanalyze_folder(
    folder: Path,
    retranscribe: TranscribeOptions | None = None,
    options: AnalysisOptions | None = None,
) -> SessionMeta:
    """Rerun the analysis (and, with ``retranscribe``, the transcription) of one session.

    The audio is kept; the old analysis version is noted in session.json. Files are
    replaced one by one atomically, session.json last. ``options`` are the analysis's
    (default: the defaults); the Markdown report is written with the same ones.

    When a session with no analysis is transcribed and its audio holds no answer, it is
    marked a failed take (``store.mark_failed``) and the ``NoSpeech`` raised says so; an
    analyzed session keeps its analysis and is not marked.
    """
    from voiceloop.analysis.combined import analyze
    from voiceloop.render.markdown import render_markdown

    meta = read_session_meta(folder)
    old = read_analysis(folder)
    if retranscribe is not None:
        from voiceloop.audio import check_usable, load_audio
        from voiceloop.sessions.analyze import require_speech
        from voiceloop.transcribe.decode import transcribe

        audio_path = folder / meta.audio_file
        if not audio_path.is_file():
            raise VoiceloopError(
                f"session {meta.id} has no audio ({meta.audio_file}) to transcribe"
            )
        audio = load_audio(audio_path)
        try:
            check_usable(audio, str(audio_path))
            transcript = transcribe(audio.samples, retranscribe)
            require_speech(transcript, str(audio_path))
        except NoSpeech as err:
            if old is not None:
                raise
            from voiceloop.sessions.takes import failed_take_advice

            mark_failed(folder, err.reason)
            raise NoSpeech(
                f"{err}; marked as a failed take ({failed_take_advice(meta.id)})", err.reason
            ) from err
    else:
        found = read_transcript(folder)
        if found is None:
            raise VoiceloopError(
                f"session {meta.id} has no readable transcript.json; use --retranscribe"
            )
        transcript = found
    analysis = analyze(transcript, _prompt_for(meta, old), options)
    previous = [*meta.previous_analysis_versions, old.version if old else meta.analysis_version]
    new_meta = meta.model_copy(
        update={
            "analysis_version": analysis.version,
            "previous_analysis_versions": previous,
            "status": "analyzed",
            "failure": None,
            "model": transcript.model if retranscribe is not None else meta.model,
        }
    )
    replace_analysis(
        folder,
        new_meta,
        analysis,
        render_markdown(new_meta, transcript, analysis, options),
        transcript if retranscribe is not None else None,
    )
    return new_meta
