"""Run every analyzer on one transcript and pick the three things to fix next."""

from __future__ import annotations

from voiceloop import __version__
from voiceloop.analysis.acoustic_fillers import merge_acoustic
from voiceloop.analysis.confidence import uncertain_words
from voiceloop.analysis.coverage import check_coverage
from voiceloop.analysis.fillers import detect_fillers
from voiceloop.analysis.language import analyze_language
from voiceloop.analysis.pacing import analyze_pacing
from voiceloop.analysis.quantify import quantify_results
from voiceloop.analysis.shape import analyze_shape
from voiceloop.analysis.star import segment_star
from voiceloop.analysis.verdict import make_verdict, read_otherwise
from voiceloop.models import Analysis, FillerEvent, Prompt, Transcript
from voiceloop.options import KIND_TARGET_SECONDS, AnalysisOptions

ANALYSIS_VERSION = __version__


def analyze(
    transcript: Transcript,
    prompt: Prompt | None = None,
    options: AnalysisOptions | None = None,
    acoustic_fillers: list[FillerEvent] | None = None,
) -> Analysis:
    """Run every analyzer on ``transcript`` and pick the three things to fix next.

    ``acoustic_fillers`` are filled pauses heard in the audio (see
    ``voiceloop.analysis.acoustic_fillers``); the caller finds them, so analysis stays pure.
    The answer is also judged by its prompt kind's shape (``shape``) and, when the prompt
    lists what a strong answer must contain, item by item (``coverage``).
    """
    options = options or AnalysisOptions()
    kind = prompt.kind if prompt else "star"
    target = prompt.target_seconds if prompt else KIND_TARGET_SECONDS[kind]
    pacing = analyze_pacing(transcript, target, options)
    fillers = detect_fillers(transcript, options)
    if acoustic_fillers:
        fillers = merge_acoustic(fillers, acoustic_fillers, transcript.words)
    star = segment_star(transcript, options)
    quantify = quantify_results(transcript, star, options)
    actions = [s for s in star.sections if s.label == "action"]
    span = (actions[0].start, actions[-1].end) if actions else None
    language = analyze_language(transcript, span, options)
    shape = analyze_shape(transcript, prompt, star, language, pacing, options)
    coverage = (
        check_coverage(transcript, prompt, star, shape, options)
        if prompt is not None and prompt.must_include
        else None
    )
    verdict = make_verdict(
        pacing,
        fillers,
        star,
        quantify,
        language,
        kind,
        options,
        shape=shape,
        coverage=coverage,
        readings=read_otherwise(transcript, star, options),
    )
    return Analysis(
        version=ANALYSIS_VERSION,
        prompt_id=prompt.id if prompt else None,
        prompt_kind=kind,
        pacing=pacing,
        fillers=fillers,
        star=star,
        quantify=quantify,
        language=language,
        verdict=verdict,
        shape=shape,
        coverage=coverage,
        uncertain_words=uncertain_words(transcript.words, options.uncertain_probability),
    )
