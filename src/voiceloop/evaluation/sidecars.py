"""Labelled clips: the two sidecar formats, read into one :class:`Truth` per clip.

A dataset folder holds audio files, each with a JSON sidecar of ground truth beside it
(``clip.wav`` + ``clip.json``). Two sidecar formats are read, told apart by their fields:

- speech clips (``reference`` is present): a verbatim reference transcript, optional word
  times (``words[{w, start, end}]``), fillers (``fillers[{text, token_index, start?, end?}]``),
  pauses, ``speech_start_s``/``speech_end_s`` and ``wpm_reference``;
- STAR clips (``sentences`` is present): sentences with a STAR label and timed words,
  ``label_totals`` (time shares), ``missing_sections``, ``quantified_result``,
  ``fillers_inserted``, ``wpm_answer`` and ``pauses``.

A clip's group (:func:`sidecar_group`) is its speech clip's ``speech_style`` category, else
its STAR clip's ``variant``.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from voiceloop.analysis.numbers import spoken_length
from voiceloop.errors import VoiceloopError
from voiceloop.models import StarLabel

AUDIO_SUFFIXES = (".wav", ".flac", ".mp3", ".ogg", ".m4a")

# --- sidecar formats ------------------------------------------------------------------------


class _Loose(BaseModel):
    model_config = ConfigDict(extra="ignore")


class _Grouped(_Loose):
    """The fields a clip is grouped by: ``answer_style`` (how a STAR answer is told: notes,
    spontaneous, out of order, ...), ``speech_style`` (speech), ``variant`` (STAR)."""

    answer_style: str | None = None
    speech_style: str | None = None
    variant: str | None = None


class SpeechWord(_Loose):
    w: str
    start: float
    end: float


class SpeechFiller(_Loose):
    text: str
    token_index: int | None = None
    start: float | None = None
    end: float | None = None


class SpeechPause(_Loose):
    start: float
    end: float
    duration: float | None = None


class SpeechSidecar(_Grouped):
    """A real-speech clip: verbatim reference, word times, fillers, pauses (speech/ README)."""

    reference: str
    word_count: int | None = None
    fillers: list[SpeechFiller] | None = None
    filler_count: int | None = None
    discourse_markers_not_counted: list[SpeechFiller] = Field(default_factory=list)
    words: list[SpeechWord] | None = None
    pauses: list[SpeechPause] | None = None
    pause_min_s: float | None = None
    speech_start_s: float | None = None
    speech_end_s: float | None = None
    wpm_reference: float | None = None


class StarWord(_Loose):
    w: str
    start_s: float
    end_s: float
    filler: bool = False


class StarSentence(_Loose):
    label: StarLabel
    words: list[StarWord]
    tts_text: str | None = None


class StarPause(_Loose):
    start_s: float
    end_s: float
    duration_s: float | None = None


class LabelTotal(_Loose):
    present: bool = True
    share: float


class InsertedFiller(_Loose):
    token: str
    start_s: float
    end_s: float
    units: dict[str, int] = Field(default_factory=dict)


class StarSidecar(_Grouped):
    """A synthetic STAR answer: labelled, timed sentences and section truth (star/ README)."""

    sentences: list[StarSentence]
    transcript: str | None = None
    label_totals: dict[StarLabel, LabelTotal] | None = None
    missing_sections: list[StarLabel] | None = None
    quantified_result: bool | None = None
    fillers_inserted: list[InsertedFiller] | None = None
    filler_count: int | None = None
    wpm_answer: float | None = None
    answer_start_s: float | None = None
    answer_end_s: float | None = None
    pauses: list[StarPause] | None = None


# --- ground truth in one shape -------------------------------------------------------------


class TruthWord(BaseModel):
    text: str
    start: float
    end: float
    label: StarLabel | None = None


class TruthFiller(BaseModel):
    type: str
    start: float | None = None
    end: float | None = None


class Truth(BaseModel):
    """What a sidecar says, in one shape; ``None`` where the sidecar does not say."""

    kind: Literal["speech", "star"]
    reference: str | None = None
    words: list[TruthWord] | None = None
    fillers: list[TruthFiller] | None = None
    not_fillers: list[TruthFiller] = Field(default_factory=list)  # neither hit nor false alarm
    pauses: list[float] | None = None  # durations in seconds
    pause_min_s: float = 0.0
    speech_start: float | None = None
    speech_end: float | None = None
    wpm: float | None = None
    shares: dict[str, float] | None = None
    missing: list[StarLabel] | None = None
    quantified_result: bool | None = None
    has_quantified: bool = False  # the sidecar states quantified_result (null included)
    group: str | None = None  # see sidecar_group; None: the clip is in no group


class Clip(BaseModel):
    name: str
    audio: Path
    sidecar: Path
    truth: Truth


def filler_type(text: str) -> str:
    """Canonical type of a reference filler token ("Um," -> "um", "yknow" -> "you know")."""
    from voiceloop.analysis.fillers import hesitation_type

    low = re.sub(r"[^\w' ]+", " ", text.lower()).strip()
    if low in ("yknow", "y'know", "you know"):
        return "you know"
    return hesitation_type(low) or low


def spoken_wpm(
    reference: str | None, start: float | None, end: float | None, fallback: float | None
) -> float | None:
    """Reference pace counted the way voiceloop counts it: words as said ("9.8%" is four).

    The sidecars count written tokens, and an ASR transcript writes numbers differently from
    a reference (digits versus words), so both sides are counted with the same rule,
    :func:`~voiceloop.analysis.numbers.spoken_length`, over the reference span. Without a
    reference text or span the sidecar's own figure is used.
    """
    if not reference or start is None or end is None or end <= start:
        return fallback
    tokens = [t for t in reference.split() if re.search(r"[^\W_]", t)]
    return sum(spoken_length(t) for t in tokens) / (end - start) * 60.0


# The speech_style categories the speech READMEs define; the sidecars write them as free text
# ("read audiobook (LibriVox, ...)", "elicited disfluency (performed), single speaker"), so
# the first category whose pattern the text matches names the group (checked in this order).
_STYLE_CATEGORIES = (
    ("conversation", re.compile(r"\bconversation", re.IGNORECASE)),
    ("performed disfluency", re.compile(r"\bdisfluen", re.IGNORECASE)),
    ("semi-spontaneous monologue", re.compile(r"\bmonologue|\bspontaneous", re.IGNORECASE)),
    ("read", re.compile(r"\bread\b", re.IGNORECASE)),
)


def style_category(style: str) -> str:
    """The category of a free-text ``speech_style``: read, semi-spontaneous monologue,
    performed disfluency or conversation; other text is kept up to its first , ; : or (
    ("synthetic (espeak-ng ...), ..." -> "synthetic").
    """
    for category, pattern in _STYLE_CATEGORIES:
        if pattern.search(style):
            return category
    return re.split(r"[,;:(]", style, maxsplit=1)[0].strip() or style.strip()


def sidecar_group(sc: _Grouped) -> str | None:
    """The clip's group: its answer style, else its ``speech_style`` category, else its
    ``variant``, else none. STAR figures are reported per answer style when clips carry one:
    a labeller can do well on one way of answering and badly on another."""
    if sc.answer_style and sc.answer_style.strip():
        return sc.answer_style.strip()
    if sc.speech_style and sc.speech_style.strip():
        return style_category(sc.speech_style)
    if sc.variant and sc.variant.strip():
        return sc.variant.strip()
    return None


def _speech_truth(sc: SpeechSidecar) -> Truth:
    words = (
        [TruthWord(text=w.w, start=w.start, end=w.end) for w in sc.words]
        if sc.words is not None
        else None
    )

    def timed(f: SpeechFiller) -> TruthFiller:
        start, end = f.start, f.end
        index = f.token_index
        if (
            start is None
            and sc.words is not None
            and index is not None
            and 0 <= index < len(sc.words)
        ):
            start, end = sc.words[index].start, sc.words[index].end
        return TruthFiller(type=filler_type(f.text), start=start, end=end)

    fillers = [timed(f) for f in sc.fillers] if sc.fillers is not None else None
    if fillers is None and sc.filler_count == 0:
        fillers = []
    pauses = [p.duration if p.duration is not None else p.end - p.start for p in sc.pauses or []]
    return Truth(
        kind="speech",
        reference=sc.reference,
        words=words,
        fillers=fillers,
        not_fillers=[timed(f) for f in sc.discourse_markers_not_counted],
        pauses=pauses if sc.pauses is not None else None,
        pause_min_s=sc.pause_min_s or 0.0,
        speech_start=sc.speech_start_s,
        speech_end=sc.speech_end_s,
        wpm=spoken_wpm(sc.reference, sc.speech_start_s, sc.speech_end_s, sc.wpm_reference),
        group=sidecar_group(sc),
    )


def _star_fillers(sc: StarSidecar) -> list[TruthFiller] | None:
    if sc.fillers_inserted is not None:
        out: list[TruthFiller] = []
        for ins in sc.fillers_inserted:
            units = ins.units or {filler_type(ins.token): 1}
            for unit, n in units.items():  # "so, um" is two events: "so" and "um"
                out += [TruthFiller(type=filler_type(unit), start=ins.start_s, end=ins.end_s)] * n
        return out
    flagged = [w for s in sc.sentences for w in s.words if w.filler]
    if flagged:
        out, i = [], 0
        while i < len(flagged):
            w = flagged[i]
            nxt = flagged[i + 1] if i + 1 < len(flagged) else None
            if nxt is not None and filler_type(w.w + " " + nxt.w) == "you know":
                out.append(TruthFiller(type="you know", start=w.start_s, end=nxt.end_s))
                i += 2
                continue
            out.append(TruthFiller(type=filler_type(w.w), start=w.start_s, end=w.end_s))
            i += 1
        return out
    return [] if sc.filler_count == 0 else None


def _star_truth(sc: StarSidecar) -> Truth:
    words = [
        TruthWord(text=w.w, start=w.start_s, end=w.end_s, label=s.label)
        for s in sc.sentences
        for w in s.words
    ]
    reference = sc.transcript
    if reference is None and all(s.tts_text is not None for s in sc.sentences):
        reference = " ".join(s.tts_text or "" for s in sc.sentences)
    if reference is None:
        reference = " ".join(w.text for w in words)
    shares = (
        {str(label): total.share for label, total in sc.label_totals.items()}
        if sc.label_totals is not None
        else None
    )
    pauses = [
        p.duration_s if p.duration_s is not None else p.end_s - p.start_s for p in sc.pauses or []
    ]
    start = (
        sc.answer_start_s if sc.answer_start_s is not None else (words[0].start if words else None)
    )
    end = sc.answer_end_s if sc.answer_end_s is not None else (words[-1].end if words else None)
    return Truth(
        kind="star",
        reference=reference,
        words=words,
        fillers=_star_fillers(sc),
        pauses=pauses if sc.pauses is not None else None,
        speech_start=start,
        speech_end=end,
        wpm=spoken_wpm(reference, start, end, sc.wpm_answer),
        shares=shares,
        missing=sc.missing_sections,
        quantified_result=sc.quantified_result,
        has_quantified="quantified_result" in sc.model_fields_set,
        group=sidecar_group(sc),
    )


def _describe_validation(err: ValidationError) -> str:
    first = err.errors()[0]
    loc = ".".join(str(part) for part in first["loc"]) or "(top level)"
    more = len(err.errors()) - 1
    extra = f" (and {more} more problem{'s' if more > 1 else ''})" if more else ""
    return f"field '{loc}': {first['msg']}{extra}"


def parse_sidecar(path: Path) -> Truth:
    """Read one sidecar; a malformed one raises a one-line VoiceloopError naming file and field."""
    try:
        data: Any = json.loads(path.read_text(encoding="utf-8"))
    except OSError as err:
        raise VoiceloopError(f"cannot read sidecar {path}: {err.strerror}") from err
    except UnicodeDecodeError as err:
        raise VoiceloopError(f"sidecar {path} is not UTF-8 text") from err
    except json.JSONDecodeError as err:
        raise VoiceloopError(
            f"sidecar {path} is not valid JSON (line {err.lineno}, column {err.colno}: {err.msg})"
        ) from err
    if not isinstance(data, dict):
        raise VoiceloopError(f"sidecar {path}: expected a JSON object, found {type(data).__name__}")
    try:
        if "sentences" in data:
            return _star_truth(StarSidecar.model_validate(data))
        if "reference" in data:
            return _speech_truth(SpeechSidecar.model_validate(data))
    except ValidationError as err:
        raise VoiceloopError(f"sidecar {path}: {_describe_validation(err)}") from err
    raise VoiceloopError(
        f"sidecar {path}: unknown format: needs a 'reference' field (speech clips) "
        "or a 'sentences' field (STAR clips)"
    )


def load_dataset(folder: Path) -> list[Clip]:
    """Every audio file under ``folder`` (recursively) that has a ``.json`` sidecar beside it.

    JSON files without audio beside them (a manifest, answer texts) are not clips and are
    ignored; audio without a sidecar has no truth and is ignored too.
    """
    if not folder.exists():
        raise VoiceloopError(f"no such folder: {folder}")
    if not folder.is_dir():
        raise VoiceloopError(f"{folder} is not a folder; give a dataset folder")
    clips: list[Clip] = []
    for audio in sorted(p for p in folder.rglob("*") if p.suffix.lower() in AUDIO_SUFFIXES):
        sidecar = audio.with_suffix(".json")
        if audio.is_file() and sidecar.is_file():
            name = str(audio.relative_to(folder).with_suffix(""))
            clips.append(
                Clip(name=name, audio=audio, sidecar=sidecar, truth=parse_sidecar(sidecar))
            )
    if not clips:
        raise VoiceloopError(
            f"no clips in {folder}: expected audio files (wav, flac, ...) each with a "
            "JSON sidecar of the same name"
        )
    return clips
