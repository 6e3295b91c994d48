"""Accuracy of the whole pipeline against labelled clips (``voiceloop eval DATASET_DIR``).

A dataset folder holds audio files, each with a JSON sidecar of ground truth beside it
(``clip.wav`` + ``clip.json``). Two sidecar formats are read, told apart by their fields:

- speech clips (``reference`` is present): a verbatim reference transcript, optional word
  times (``words[{w, start, end}]``), fillers (``fillers[{text, token_index, start?, end?}]``),
  pauses, ``speech_start_s``/``speech_end_s`` and ``wpm_reference``;
- STAR clips (``sentences`` is present): sentences with a STAR label and timed words,
  ``label_totals`` (time shares), ``missing_sections``, ``quantified_result``,
  ``fillers_inserted``, ``wpm_answer`` and ``pauses``.

Every figure is computed where the sidecar holds its truth and skipped where it does not.
Clips are also summarized per group (:func:`summarize_groups`): a speech clip's
``speech_style`` category, else a STAR clip's ``variant`` (see :func:`sidecar_group`).
How each figure is defined is documented at the function that computes it; the summary:

- WER: word error rate after :func:`normalize_words` (case, punctuation, numbers written as
  digits or words, a few spellings); hesitations (um, uh, ...) are left out of ``wer`` and
  kept in ``wer_verbatim``. ``<cutoff-...>`` and ``[...]`` reference tokens are wildcards.
- WPM error: the pipeline's words per minute against the reference's, in % of the reference.
- Pauses: count of pauses >= the pause threshold and the longest pause, pipeline minus truth.
- Fillers: precision / recall / F1 of filler events matched one to one by type and time
  (:func:`match_fillers`), and the count error per minute of reference speaking time.
- STAR: per-word label accuracy (each reference word takes the label of the predicted
  section covering its midpoint; the gaps between reference words are left out), per-label
  share error in percentage points, missing-section and quantified-Result detection.
- Speed: real-time factor (transcription + analysis time / audio length, the model already
  loaded) and peak memory (see :func:`peak_rss_mb`).
"""

from __future__ import annotations

import json
import re
import sys
import time
from collections.abc import Callable, Iterable, Sequence
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from voiceloop.errors import VoiceloopError
from voiceloop.models import STAR_LABELS, Analysis, FillerEvent, StarLabel, Transcript
from voiceloop.options import AnalysisOptions

if TYPE_CHECKING:
    import numpy as np

AUDIO_SUFFIXES = (".wav", ".flac", ".mp3", ".ogg", ".m4a")
DEFAULT_FILLER_TOLERANCE_S = 0.5

# --- sidecar formats ------------------------------------------------------------------------


class _Loose(BaseModel):
    model_config = ConfigDict(extra="ignore")


class _Grouped(_Loose):
    """The fields a clip is grouped by: ``speech_style`` (speech), ``variant`` (STAR)."""

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
    ``pacing.spoken_length``, over the reference span. Without a reference text or span the
    sidecar's own figure is used.
    """
    from voiceloop.analysis.pacing import spoken_length

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
    """The clip's group: its ``speech_style`` category, else its ``variant``, else none."""
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


# --- word error rate -------------------------------------------------------------------------

WILDCARD = "*"
_WILDCARD_RAW = re.compile(r"^(<cutoff-[^>]*>|\[[^\]]*\])[.,;:!?]*$", re.IGNORECASE)
_UNITS = {
    "zero": 0, "oh": 0, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6,
    "seven": 7, "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13,
    "fourteen": 14, "fifteen": 15, "sixteen": 16, "seventeen": 17, "eighteen": 18,
    "nineteen": 19,
}  # fmt: skip
_TENS = {"twenty": 20, "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60, "seventy": 70,
         "eighty": 80, "ninety": 90}  # fmt: skip
_SCALES = {"thousand": 10**3, "million": 10**6, "billion": 10**9, "trillion": 10**12}
_ORDINALS = {
    "first": 1, "second": 2, "third": 3, "fourth": 4, "fifth": 5, "sixth": 6, "seventh": 7,
    "eighth": 8, "ninth": 9, "tenth": 10, "eleventh": 11, "twelfth": 12, "thirteenth": 13,
    "fourteenth": 14, "fifteenth": 15, "sixteenth": 16, "seventeenth": 17, "eighteenth": 18,
    "nineteenth": 19, "twentieth": 20, "thirtieth": 30,
}  # fmt: skip
_SUFFIX_SCALE = {"k": 10**3, "m": 10**6, "mm": 10**6, "bn": 10**9, "b": 10**9}
_CURRENCY = {"$": "dollars", "\u20ac": "euros", "\u00a3": "pounds"}
_SPELLING = {
    "ok": "okay", "alright": "all right", "mr": "mister", "mrs": "missus", "dr": "doctor",
    "vs": "versus", "v": "versus", "'er": "her", "'em": "them", "'cause": "because",
    "cuz": "because", "yknow": "you know", "y'know": "you know", "dollar": "dollars",
    "euro": "euros", "pound": "pounds", "pct": "percent", "per cent": "percent",
    "pp": "percentage points", "e.g": "for example", "i.e": "that is", "etc": "et cetera",
    "&": "and", "+": "plus", "=": "equals", "<": "less than", ">": "greater than",
}  # fmt: skip
_DIGITS = re.compile(
    r"^(?P<sign>[+\-\u2212]?)(?P<cur>[$\u20ac\u00a3]?)(?P<num>\d[\d,]*(?:\.\d+)?|\.\d+)"
    r"(?P<suf>%|k|m|mm|bn|b|x|st|nd|rd|th)?$"
)
_SPLITTERS = re.compile(r"[/\u2192\u2013\u2014_]|(?<=[\w%])-(?=[\w$])|\.\.\.|\u2026")


def _clean_token(tok: str) -> list[str]:
    """One raw token to lower-case pieces; keeps $ + - at the front and % at the back."""
    tok = tok.lower().replace("\u2019", "'").replace("\u2212", "-")
    out: list[str] = []
    for piece in _SPLITTERS.sub(" ", tok).split():
        if piece in _SPELLING:
            out += _SPELLING[piece].split()
            continue
        piece = re.sub(r"^[^\w$\u20ac\u00a3+\-'.]+|[^\w%']+$", "", piece)
        piece = re.sub(r"^\.(?!\d)", "", piece).rstrip("'")
        if piece.startswith("'") and piece not in _SPELLING:
            piece = piece.lstrip("'")
        if piece in _SPELLING:
            out += _SPELLING[piece].split()
        elif piece and piece not in ("-", "+"):
            out.append(piece)
    return out


def _fmt(value: Decimal) -> str:
    text = format(value.normalize(), "f")
    return text.rstrip("0").rstrip(".") if "." in text else text


class _Number:
    """A spelled-out number being read word by word ("two hundred and five point three")."""

    def __init__(self) -> None:
        self.total = Decimal(0)
        self.current = Decimal(0)
        self.last = ""  # "unit", "teen", "tens", "hundred", "scale", "decimal", "digit"
        self.decimals = ""
        self.words = 0

    @property
    def value(self) -> Decimal:
        base = self.total + self.current
        return base + Decimal("0." + self.decimals) if self.decimals else base

    def take(self, word: str, nxt: str | None) -> bool:
        """Add ``word``; False when it cannot continue this number."""
        if self.last == "decimal" or (self.last == "point" and word in _UNITS):
            if word in _UNITS and _UNITS[word] < 10:
                self.decimals += str(_UNITS[word])
                self.last = "decimal"
                return True
            if self.last == "point":
                return False
        if word in _UNITS:
            value = _UNITS[word]
            if self.words and self.last in ("unit", "teen", "digit"):
                return False
            if self.words and self.last == "tens" and value >= 10:
                return False
            self.current += value
            self.last = "teen" if value >= 10 else "unit"
        elif word in _TENS:
            if self.words and self.last in ("unit", "teen", "tens", "digit"):
                return False
            self.current += _TENS[word]
            self.last = "tens"
        elif word == "hundred":
            if self.last == "hundred" or (self.words and self.current == 0):
                return False
            self.current = (self.current or Decimal(1)) * 100
            self.last = "hundred"
        elif word in _SCALES:
            if self.words and self.current == 0:
                return False
            self.total += (self.current or Decimal(1)) * _SCALES[word]
            self.current = Decimal(0)
            self.last = "scale"
        elif word == "point":
            if not self.words or nxt not in _UNITS or self.decimals:
                return False
            self.last = "point"
        elif word == "and":
            if self.last not in ("hundred", "scale") or nxt not in {*_UNITS, *_TENS}:
                return False
        else:
            return False
        self.words += 1
        return True


def _number_runs(tokens: list[str]) -> list[str]:
    """Spelled numbers to digits, digit tokens to one canonical spelling.

    "four percent" and "4%" both become ``4 percent``; "$200,000" and "two hundred thousand
    dollars" both become ``200000 dollars``; "3.2 million" and "$3.2M" become ``3200000``
    (the latter followed by ``dollars``); "twenty twenty three" becomes ``2023``; ordinals
    become ``<n>th``.
    """
    out: list[str] = []
    i = 0
    while i < len(tokens):
        tok = tokens[i]
        m = _DIGITS.match(tok)
        if m and m["num"] != ".":
            try:
                value = Decimal(m["num"].replace(",", ""))
            except InvalidOperation:
                out.append(tok)
                i += 1
                continue
            suffix = m["suf"] or ""
            if m["sign"]:
                out.append("minus" if m["sign"] in "-\u2212" else "plus")
            if suffix in _SUFFIX_SCALE:
                value *= _SUFFIX_SCALE[suffix]
            nxt = tokens[i + 1] if i + 1 < len(tokens) else ""
            if nxt == "hundred" and not suffix:
                value *= 100
                i += 1
                nxt = tokens[i + 1] if i + 1 < len(tokens) else ""
            if nxt in _SCALES and not suffix:
                value *= _SCALES[nxt]
                i += 1
            if suffix in ("st", "nd", "rd", "th"):
                out.append(f"{_fmt(value)}th")
            else:
                out.append(_fmt(value))
            if m["cur"]:
                out.append(_CURRENCY[m["cur"]])
            if suffix == "%":
                out.append("percent")
            elif suffix == "x":
                out.append("x")
            i += 1
            continue
        if tok in _ORDINALS:
            out.append(f"{_ORDINALS[tok]}th")
            i += 1
            continue
        starts = (
            tok in _UNITS
            or tok in _TENS
            or (tok == "a" and i + 1 < len(tokens) and tokens[i + 1] in ("hundred", *_SCALES))
        )
        if tok == "oh" or not starts:  # "oh" only inside a number ("point oh five")
            out.append(tok)
            i += 1
            continue
        number = _Number()
        j = i + 1 if tok == "a" else i
        while j < len(tokens) and number.take(
            tokens[j], tokens[j + 1] if j + 1 < len(tokens) else None
        ):
            j += 1
        if number.words == 0:
            out.append(tok)
            i += 1
            continue
        if j < len(tokens) and number.last in ("unit", "teen", "tens") and tokens[j] in _ORDINALS:
            out.append(f"{_fmt(number.value + _ORDINALS[tokens[j]])}th")  # "twenty first"
            i = j + 1
            continue
        value = number.value
        # "twenty twenty three", "nineteen ninety": a year said as two pairs
        if (
            number.words <= 2
            and 10 <= value <= 99
            and number.last in ("teen", "tens", "unit")
            and j < len(tokens)
        ):
            second = _Number()
            k = j
            while k < len(tokens) and second.take(
                tokens[k], tokens[k + 1] if k + 1 < len(tokens) else None
            ):
                if second.last in ("hundred", "scale", "point", "decimal"):
                    break
                k += 1
            if (
                second.words
                and 10 <= second.value <= 99
                and second.last in ("teen", "tens", "unit")
            ):
                value = value * 100 + second.value
                j = k
        out.append(_fmt(value))
        i = j
    return out


def normalize_words(text: str, keep_hesitations: bool = False) -> list[str]:
    """Words for WER scoring.

    Lower case; punctuation dropped (apostrophes inside words kept: "don't"); "/", "-"
    between words and dashes split words ("add-to-cart" -> add to cart); a few spellings
    unified ("ok" -> okay, "mr" -> mister, "'er" -> her, "vs" -> versus, "&" -> and);
    numbers as in :func:`_number_runs` (digits and spelled numbers compare equal, "%" ->
    percent, "$" -> dollars). ``<cutoff-...>`` and ``[...]`` tokens become the wildcard ``*``.
    Hesitations (um, uh, er, ah, hmm, mm, erm, ...) are dropped, or with
    ``keep_hesitations`` written in their canonical form ("umm" -> um).
    """
    from voiceloop.analysis.fillers import hesitation_type

    pieces: list[str] = []
    for raw in text.split():
        if _WILDCARD_RAW.match(raw):
            pieces.append(WILDCARD)
        else:
            pieces += _clean_token(raw)
    out: list[str] = []
    for tok in _number_runs(pieces):
        kind = hesitation_type(tok) if tok != WILDCARD else None
        if kind is None:
            out.append(tok)
        elif keep_hesitations:
            out.append(kind)
    return out


class WordErrors(BaseModel):
    """Edit counts of a hypothesis against a reference; ``n`` counts non-wildcard words."""

    n: int = 0
    substitutions: int = 0
    deletions: int = 0
    insertions: int = 0

    @property
    def errors(self) -> int:
        return self.substitutions + self.deletions + self.insertions

    @property
    def rate(self) -> float | None:
        return self.errors / self.n if self.n else None

    def __add__(self, other: WordErrors) -> WordErrors:
        return WordErrors(
            n=self.n + other.n,
            substitutions=self.substitutions + other.substitutions,
            deletions=self.deletions + other.deletions,
            insertions=self.insertions + other.insertions,
        )


def word_errors(reference: Sequence[str], hypothesis: Sequence[str]) -> WordErrors:
    """Levenshtein alignment of word lists. A wildcard reference word matches any one
    hypothesis word, or nothing, at no cost, and is not counted in ``n``."""
    rows, cols = len(reference), len(hypothesis)
    # cost, substitutions, deletions, insertions
    prev = [(j, 0, 0, j) for j in range(cols + 1)]
    for i in range(1, rows + 1):
        r = reference[i - 1]
        wild = r == WILDCARD
        del_cost = 0 if wild else 1
        up = prev[0]
        cur = [(up[0] + del_cost, up[1], up[2] + del_cost, up[3])]
        for j in range(1, cols + 1):
            diag, above, left = prev[j - 1], prev[j], cur[j - 1]
            same = wild or r == hypothesis[j - 1]
            options = (
                (diag[0] + (0 if same else 1), diag[1] + (0 if same else 1), diag[2], diag[3]),
                (above[0] + del_cost, above[1], above[2] + del_cost, above[3]),
                (left[0] + 1, left[1], left[2], left[3] + 1),
            )
            cur.append(min(options))
        prev = cur
    _, subs, dels, ins = prev[cols]
    n = sum(1 for w in reference if w != WILDCARD)
    return WordErrors(n=n, substitutions=subs, deletions=dels, insertions=ins)


# --- fillers ---------------------------------------------------------------------------------

# Hesitations that sound alike score as one type: British "er"/"erm" are "uh"/"um".
_FILLER_FAMILY = {"erm": "um", "uhm": "um", "er": "uh", "ah": "uh", "hm": "hmm", "mm": "hmm"}
HESITATIONS = frozenset({"um", "uh", "hmm"})
GENERIC_HESITATION = "uh/um"  # an acoustic event that does not say which


def _family(kind: str) -> str:
    return _FILLER_FAMILY.get(kind, kind)


def compatible(ref_type: str, pred_type: str, typed: bool = True) -> bool:
    """Can a predicted filler of ``pred_type`` count as the reference's ``ref_type``?

    Typed: same family (um = erm, uh = er = ah, hmm = hm = mm); a generic "uh/um" matches
    um or uh. Untyped: any hesitation matches any hesitation, discourse fillers still by type.
    """
    ref, pred = _family(ref_type), _family(pred_type)
    if pred == GENERIC_HESITATION:
        return ref in ("um", "uh") or (not typed and ref in HESITATIONS)
    if not typed and ref in HESITATIONS and pred in HESITATIONS:
        return True
    return ref == pred


class FillerCounts(BaseModel):
    tp: int = 0
    fp: int = 0
    fn: int = 0

    def __add__(self, other: FillerCounts) -> FillerCounts:
        return FillerCounts(tp=self.tp + other.tp, fp=self.fp + other.fp, fn=self.fn + other.fn)

    @property
    def precision(self) -> float | None:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else None

    @property
    def recall(self) -> float | None:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else None

    @property
    def f1(self) -> float | None:
        p, r = self.precision, self.recall
        if p is None or r is None:
            return None
        return 2 * p * r / (p + r) if p + r else 0.0


def _gap(ref: TruthFiller, pred: FillerEvent) -> float | None:
    """Seconds between the two intervals (0 when they overlap); None when ref has no time."""
    if ref.start is None:
        return None
    end = ref.end if ref.end is not None else ref.start
    return max(0.0, ref.start - pred.end, pred.start - end)


def match_fillers(
    truth: Sequence[TruthFiller],
    predicted: Sequence[FillerEvent],
    tolerance_s: float = DEFAULT_FILLER_TOLERANCE_S,
    ignore: Sequence[TruthFiller] = (),
    typed: bool = True,
) -> FillerCounts:
    """One-to-one matching of predicted filler events to reference fillers.

    A pair may match when the types are :func:`compatible` and, where the reference has
    times, the two intervals overlap or lie within ``tolerance_s`` of each other; closest
    pairs are matched first. A reference filler without times matches any compatible
    prediction not matched yet. Predictions left over that match an ``ignore`` entry (a
    "you know" the source does not count as a filler) are neither hits nor false alarms.
    """
    pairs: list[tuple[float, int, int]] = []
    for ri, ref in enumerate(truth):
        for pi, pred in enumerate(predicted):
            if not compatible(ref.type, pred.type, typed):
                continue
            gap = _gap(ref, pred)
            if gap is None:
                pairs.append((float("inf"), ri, pi))
            elif gap <= tolerance_s:
                pairs.append((gap, ri, pi))
    used_ref: set[int] = set()
    used_pred: set[int] = set()
    for _, ri, pi in sorted(pairs):
        if ri not in used_ref and pi not in used_pred:
            used_ref.add(ri)
            used_pred.add(pi)
    left = [p for i, p in enumerate(predicted) if i not in used_pred]
    ignorable = list(ignore)
    fp = 0
    for pred in left:
        hit = next(
            (
                k
                for k, ig in enumerate(ignorable)
                if compatible(ig.type, pred.type, typed)
                and ((gap := _gap(ig, pred)) is None or gap <= tolerance_s)
            ),
            None,
        )
        if hit is None:
            fp += 1
        else:
            ignorable.pop(hit)
    return FillerCounts(tp=len(used_ref), fp=fp, fn=len(truth) - len(used_ref))


# --- STAR -------------------------------------------------------------------------------------


def star_word_accuracy(words: Sequence[TruthWord], analysis: Analysis) -> tuple[int, int]:
    """(correct, total) over reference words that carry a label.

    Each word takes the label of the predicted section covering its midpoint, or of the
    nearest section when its midpoint falls between sections. Only word times are scored,
    so the silent gaps between the reference's sentences and sections are left out.
    """
    sections = analysis.star.sections
    correct = total = 0
    for word in words:
        if word.label is None:
            continue
        total += 1
        if not sections:
            continue
        mid = (word.start + word.end) / 2
        best = min(sections, key=lambda s: max(0.0, s.start - mid, mid - s.end))
        correct += best.label == word.label
    return correct, total


# --- speed and memory ------------------------------------------------------------------------

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


# --- results ------------------------------------------------------------------------------------


class ClipResult(BaseModel):
    """Every figure for one clip; ``None`` where the sidecar has no truth for it."""

    name: str
    kind: Literal["speech", "star"]
    duration_s: float
    group: str | None = None  # Truth.group
    error: str | None = None  # the pipeline failed on this clip
    hypothesis: str = ""
    wer: float | None = None
    word_errors: WordErrors | None = None
    wer_verbatim: float | None = None
    word_errors_verbatim: WordErrors | None = None
    wpm_ref: float | None = None
    wpm: float | None = None
    wpm_error_pct: float | None = None
    pause_count_ref: int | None = None
    pause_count: int | None = None
    longest_pause_ref_s: float | None = None
    longest_pause_s: float | None = None
    fillers_ref: int | None = None
    fillers_found: int | None = None
    filler_counts: FillerCounts | None = None
    filler_counts_untyped: FillerCounts | None = None
    acoustic_fillers: int = 0
    filler_rate_error_per_min: float | None = None
    star_words_correct: int | None = None
    star_words: int | None = None
    star_accuracy: float | None = None
    shares_ref: dict[str, float] | None = None
    shares: dict[str, float] | None = None
    share_error_mean_pp: float | None = None
    share_error_max_pp: float | None = None
    missing_ref: list[str] | None = None
    missing: list[str] | None = None
    missing_ok: bool | None = None
    result_missing_ref: bool | None = None
    result_missing_ok: bool | None = None
    quantified_ref: bool | None = None
    quantified: bool | None = None
    quantified_ok: bool | None = None
    transcribe_s: float = 0.0
    acoustic_s: float = 0.0
    analysis_s: float = 0.0
    rtf: float | None = None
    peak_rss_mb: float | None = None


class Overall(BaseModel):
    """Pooled figures: rates over summed counts, errors as means over the clips that have them."""

    clips: int
    failed: int
    audio_s: float
    wer: float | None = None
    wer_verbatim: float | None = None
    wpm_abs_error_pct_mean: float | None = None
    wpm_abs_error_pct_max: float | None = None
    wpm_within_3pct: str | None = None
    pause_count_abs_error_mean: float | None = None
    longest_pause_abs_error_mean_s: float | None = None
    filler_counts: FillerCounts | None = None
    filler_precision: float | None = None
    filler_recall: float | None = None
    filler_f1: float | None = None
    filler_f1_untyped: float | None = None
    filler_rate_abs_error_per_min_mean: float | None = None
    star_accuracy: float | None = None
    share_error_mean_pp: float | None = None
    share_error_max_pp: float | None = None
    missing_detection: str | None = None  # "k/n" clips whose missing sections all match
    result_missing_detection: str | None = None
    missing_result_caught: str | None = None  # over clips with no Result: called missing
    result_found: str | None = None  # over clips with a Result: not called missing
    quantified_detection: str | None = None  # over clips with a Result (true or false)
    unquantified_detection: str | None = None  # over clips whose Result has no number
    rtf: float | None = None
    model_load_s: float | None = None
    peak_rss_mb: float | None = None


class EvalReport(BaseModel):
    dataset: str
    model: str
    decoding: str
    filler_tolerance_s: float
    acoustic_fillers: bool
    memory_method: str
    clips: list[ClipResult]
    overall: Overall
    groups: dict[str, Overall] = Field(default_factory=dict)  # by ClipResult.group


# --- running ------------------------------------------------------------------------------------

Transcriber = Callable[["np.ndarray"], Transcript]
AcousticDetector = Callable[["np.ndarray", Transcript], list[FillerEvent]]


class EvalOptions(BaseModel):
    filler_tolerance_s: float = DEFAULT_FILLER_TOLERANCE_S
    pause_min_s: float = 0.25


def _mean(values: Iterable[float | None]) -> float | None:
    vals = [v for v in values if v is not None]
    return sum(vals) / len(vals) if vals else None


def score_clip(
    clip: Clip,
    transcript: Transcript,
    analysis: Analysis,
    options: EvalOptions,
) -> ClipResult:
    """Compare one clip's transcript and analysis with its truth (no timing figures)."""
    truth = clip.truth
    res = ClipResult(
        name=clip.name,
        kind=truth.kind,
        duration_s=transcript.duration,
        group=truth.group,
        hypothesis=transcript.text,
    )
    if truth.reference is not None:
        we = word_errors(normalize_words(truth.reference), normalize_words(transcript.text))
        wev = word_errors(
            normalize_words(truth.reference, keep_hesitations=True),
            normalize_words(transcript.text, keep_hesitations=True),
        )
        res.word_errors, res.wer = we, we.rate
        res.word_errors_verbatim, res.wer_verbatim = wev, wev.rate
    pacing = analysis.pacing
    if truth.wpm is not None:
        res.wpm_ref, res.wpm = truth.wpm, pacing.wpm
        res.wpm_error_pct = (pacing.wpm - truth.wpm) / truth.wpm * 100 if truth.wpm else None
    if truth.pauses is not None:
        floor = max(truth.pause_min_s, options.pause_min_s) - 1e-9
        ref = [d for d in truth.pauses if d >= floor]
        pred = [p.duration for p in pacing.pauses if p.duration >= floor]
        res.pause_count_ref, res.pause_count = len(ref), len(pred)
        res.longest_pause_ref_s, res.longest_pause_s = max(ref, default=0.0), max(pred, default=0.0)
    if truth.fillers is not None:
        events = analysis.fillers.events
        tol = options.filler_tolerance_s
        res.fillers_ref, res.fillers_found = len(truth.fillers), len(events)
        res.filler_counts = match_fillers(truth.fillers, events, tol, truth.not_fillers)
        res.filler_counts_untyped = match_fillers(
            truth.fillers, events, tol, truth.not_fillers, typed=False
        )
        res.acoustic_fillers = sum(1 for e in events if e.source == "acoustic")
        span = (
            truth.speech_end - truth.speech_start
            if truth.speech_start is not None and truth.speech_end is not None
            else transcript.duration
        )
        if span > 0:  # events matching an ignored "you know" count on neither side
            found = res.filler_counts.tp + res.filler_counts.fp
            res.filler_rate_error_per_min = (found - len(truth.fillers)) / span * 60
    if truth.words is not None and any(w.label for w in truth.words):
        correct, total = star_word_accuracy(truth.words, analysis)
        res.star_words_correct, res.star_words = correct, total
        res.star_accuracy = correct / total if total else None
    if truth.shares is not None:
        res.shares_ref = {k: round(v, 4) for k, v in truth.shares.items()}
        res.shares = {k: round(analysis.star.shares.get(k, 0.0), 4) for k in STAR_LABELS}
        errors = [
            abs(analysis.star.shares.get(k, 0.0) - truth.shares.get(k, 0.0)) * 100
            for k in STAR_LABELS
        ]
        res.share_error_mean_pp, res.share_error_max_pp = sum(errors) / len(errors), max(errors)
    if truth.missing is not None:
        res.missing_ref = sorted(truth.missing)
        res.missing = sorted(analysis.star.missing)
        res.missing_ok = res.missing_ref == res.missing
        res.result_missing_ref = "result" in truth.missing
        res.result_missing_ok = res.result_missing_ref == ("result" in analysis.star.missing)
    if truth.has_quantified:
        res.quantified_ref = truth.quantified_result
        res.quantified = analysis.quantify.result_quantified
        res.quantified_ok = res.quantified_ref == res.quantified
    return res


def _ratio(flags: Iterable[bool | None]) -> str | None:
    vals = [f for f in flags if f is not None]
    return f"{sum(vals)}/{len(vals)}" if vals else None


def summarize(results: Sequence[ClipResult], model_load_s: float | None = None) -> Overall:
    ok = [r for r in results if r.error is None]
    we = [r.word_errors for r in ok if r.word_errors is not None]
    wev = [r.word_errors_verbatim for r in ok if r.word_errors_verbatim is not None]
    fc = [r.filler_counts for r in ok if r.filler_counts is not None]
    fcu = [r.filler_counts_untyped for r in ok if r.filler_counts_untyped is not None]
    wpm_errs = [abs(r.wpm_error_pct) for r in ok if r.wpm_error_pct is not None]
    star_ok = sum(r.star_words_correct or 0 for r in ok)
    star_n = sum(r.star_words or 0 for r in ok)
    total_fc = sum(fc, FillerCounts()) if fc else None
    audio = sum(r.duration_s for r in ok)
    busy = sum(r.transcribe_s + r.acoustic_s + r.analysis_s for r in ok)
    with_result = [r for r in ok if r.quantified_ref is not None]
    return Overall(
        clips=len(results),
        failed=len(results) - len(ok),
        audio_s=audio,
        wer=sum(we, WordErrors()).rate if we else None,
        wer_verbatim=sum(wev, WordErrors()).rate if wev else None,
        wpm_abs_error_pct_mean=_mean(wpm_errs),
        wpm_abs_error_pct_max=max(wpm_errs, default=None),
        wpm_within_3pct=_ratio(e <= 3.0 for e in wpm_errs),
        pause_count_abs_error_mean=_mean(
            abs(r.pause_count - r.pause_count_ref)
            for r in ok
            if r.pause_count is not None and r.pause_count_ref is not None
        ),
        longest_pause_abs_error_mean_s=_mean(
            abs(r.longest_pause_s - r.longest_pause_ref_s)
            for r in ok
            if r.longest_pause_s is not None and r.longest_pause_ref_s is not None
        ),
        filler_counts=total_fc,
        filler_precision=total_fc.precision if total_fc else None,
        filler_recall=total_fc.recall if total_fc else None,
        filler_f1=total_fc.f1 if total_fc else None,
        filler_f1_untyped=sum(fcu, FillerCounts()).f1 if fcu else None,
        filler_rate_abs_error_per_min_mean=_mean(
            abs(r.filler_rate_error_per_min) for r in ok if r.filler_rate_error_per_min is not None
        ),
        star_accuracy=star_ok / star_n if star_n else None,
        share_error_mean_pp=_mean(r.share_error_mean_pp for r in ok),
        share_error_max_pp=max(
            (r.share_error_max_pp for r in ok if r.share_error_max_pp is not None), default=None
        ),
        missing_detection=_ratio(r.missing_ok for r in ok),
        result_missing_detection=_ratio(r.result_missing_ok for r in ok),
        missing_result_caught=_ratio(r.result_missing_ok for r in ok if r.result_missing_ref),
        result_found=_ratio(r.result_missing_ok for r in ok if r.result_missing_ref is False),
        quantified_detection=_ratio(r.quantified_ok for r in with_result),
        unquantified_detection=_ratio(r.quantified_ok for r in with_result if not r.quantified_ref),
        rtf=busy / audio if audio else None,
        model_load_s=model_load_s,
        peak_rss_mb=max((r.peak_rss_mb for r in ok if r.peak_rss_mb is not None), default=None),
    )


def summarize_groups(results: Sequence[ClipResult]) -> dict[str, Overall]:
    """:func:`summarize` over each group's clips, by group name; ungrouped clips are left out."""
    by_group: dict[str, list[ClipResult]] = {}
    for r in results:
        if r.group is not None:
            by_group.setdefault(r.group, []).append(r)
    return {name: summarize(by_group[name]) for name in sorted(by_group)}


def evaluate_clip(
    clip: Clip,
    transcriber: Transcriber,
    options: EvalOptions,
    acoustic: AcousticDetector | None = None,
    analysis_options: AnalysisOptions | None = None,
) -> ClipResult:
    """Run audio -> transcript -> analysis on one clip, timed, and score it."""
    from voiceloop.analysis.combined import analyze
    from voiceloop.audio import load_audio

    audio = load_audio(clip.audio)
    reset_peak_rss()
    t0 = time.perf_counter()
    transcript = transcriber(audio.samples)
    t1 = time.perf_counter()
    events = acoustic(audio.samples, transcript) if acoustic is not None else None
    t2 = time.perf_counter()
    analysis = analyze(transcript, None, analysis_options, acoustic_fillers=events)
    t3 = time.perf_counter()
    result = score_clip(clip, transcript, analysis, options)
    result.transcribe_s, result.acoustic_s, result.analysis_s = t1 - t0, t2 - t1, t3 - t2
    result.rtf = (t3 - t0) / audio.seconds if audio.seconds else None
    result.peak_rss_mb = peak_rss_mb()
    return result


def evaluate_clips(
    clips: Sequence[Clip],
    transcriber: Transcriber,
    options: EvalOptions,
    acoustic: AcousticDetector | None = None,
    progress: Callable[[int, int, str], None] | None = None,
) -> list[ClipResult]:
    """Evaluate every clip; a clip the pipeline fails on is reported, not fatal."""
    results: list[ClipResult] = []
    for k, clip in enumerate(clips):
        if progress is not None:
            progress(k, len(clips), clip.name)
        try:
            results.append(evaluate_clip(clip, transcriber, options, acoustic))
        except VoiceloopError as err:
            results.append(
                ClipResult(
                    name=clip.name,
                    kind=clip.truth.kind,
                    duration_s=0.0,
                    group=clip.truth.group,
                    error=str(err),
                )
            )
    return results


# --- rendering ------------------------------------------------------------------------------------


def _f(value: float | None, spec: str, suffix: str = "") -> str:
    return "-" if value is None else f"{value:{spec}}{suffix}"


def _fc(counts: FillerCounts | None) -> str:
    return "-" if counts is None else f"{counts.tp}/{counts.fp}/{counts.fn}"


def _yn(flag: bool | None) -> str:
    return "-" if flag is None else ("ok" if flag else "WRONG")


def _prf(o: Overall) -> str:
    prf = (o.filler_precision, o.filler_recall, o.filler_f1)
    return "-" if all(v is None for v in prf) else "/".join(_f(v, ".2f") for v in prf)


def render_groups(groups: dict[str, Overall]) -> list[str]:
    """One compact line per group: clips, WER, WPM, fillers, STAR, missing and quantified Result."""
    head = (
        f"  {'group':<28} {'clips':>5} {'WER':>6} {'WPM%':>5} {'<=3%':>5} "
        f"{'fill P/R/F1':>14} {'tp/fp/fn':>9} {'STAR':>6} {'share':>5} {'noRes':>5} "
        f"{'quant':>5}"
    )
    lines = [
        "by group (speech_style, else variant): WPM% mean abs error, <=3% clips within 3%; "
        "noRes/quant: missing/quantified Result right",
        head,
    ]
    for name, o in groups.items():
        lines.append(
            f"  {name[:28]:<28} {o.clips:>5} {_f(o.wer, '.1%'):>6} "
            f"{_f(o.wpm_abs_error_pct_mean, '.1f'):>5} {o.wpm_within_3pct or '-':>5} "
            f"{_prf(o):>14} {_fc(o.filler_counts):>9} {_f(o.star_accuracy, '.1%'):>6} "
            f"{_f(o.share_error_mean_pp, '.1f'):>5} {o.result_missing_detection or '-':>5} "
            f"{o.quantified_detection or '-':>5}"
        )
    return lines


def render_table(report: EvalReport) -> str:
    """Per-clip rows, then the overall figures, then per-group lines where there are two or
    more groups, as plain text."""
    head = (
        f"{'clip':<28} {'dur':>6} {'WER':>6} {'WPM%':>6} {'pauses':>7} {'longest':>11} "
        f"{'fill tp/fp/fn':>13} {'STAR':>5} {'share':>6} {'miss':>5} {'quant':>5} "
        f"{'RTF':>5} {'MB':>5}"
    )
    legend = (
        "WPM%: pipeline vs reference words per minute; pauses, longest: pipeline/reference; "
        "fill: fillers matched/false/missed;\nSTAR: word label accuracy; share: mean share "
        "error (pp); miss: missing sections match; quant: quantified-Result match"
    )
    lines = [legend, "", head, "-" * len(head)]
    for r in report.clips:
        if r.error is not None:
            lines.append(f"{r.name[:28]:<28} failed: {r.error}")
            continue
        pauses = f"{r.pause_count}/{r.pause_count_ref}" if r.pause_count_ref is not None else "-"
        longest = (
            f"{r.longest_pause_s:.2f}/{r.longest_pause_ref_s:.2f}"
            if r.longest_pause_ref_s is not None and r.longest_pause_s is not None
            else "-"
        )
        lines.append(
            f"{r.name[:28]:<28} {r.duration_s:>6.1f} {_f(r.wer, '.1%'):>6} "
            f"{_f(r.wpm_error_pct, '+.1f'):>6} {pauses:>7} {longest:>11} "
            f"{_fc(r.filler_counts):>13} {_f(r.star_accuracy, '.0%'):>5} "
            f"{_f(r.share_error_mean_pp, '.1f'):>6} {_yn(r.missing_ok):>5} "
            f"{_yn(r.quantified_ok):>5} {_f(r.rtf, '.3f'):>5} {_f(r.peak_rss_mb, '.0f'):>5}"
        )
    o = report.overall
    fc = o.filler_counts
    lines += [
        "",
        f"dataset {report.dataset}: {o.clips} clips ({o.failed} failed), "
        f"{o.audio_s:.1f} s of audio; model {report.model} ({report.decoding}); acoustic "
        f"fillers {'on' if report.acoustic_fillers else 'off'}",
        f"  WER {_f(o.wer, '.1%')} (hesitations left out), {_f(o.wer_verbatim, '.1%')} verbatim",
        f"  WPM error: mean {_f(o.wpm_abs_error_pct_mean, '.1f', '%')}, "
        f"max {_f(o.wpm_abs_error_pct_max, '.1f', '%')}, within 3%: {o.wpm_within_3pct or '-'}",
        f"  pauses: count error {_f(o.pause_count_abs_error_mean, '.2f')} per clip, "
        f"longest-pause error {_f(o.longest_pause_abs_error_mean_s, '.2f', ' s')}",
        f"  fillers (tolerance {report.filler_tolerance_s:g} s): "
        f"P {_f(o.filler_precision, '.2f')} R {_f(o.filler_recall, '.2f')} "
        f"F1 {_f(o.filler_f1, '.2f')} (tp/fp/fn {_fc(fc)}), F1 any hesitation type "
        f"{_f(o.filler_f1_untyped, '.2f')}, rate error "
        f"{_f(o.filler_rate_abs_error_per_min_mean, '.2f')}/min",
        f"  STAR: word label accuracy {_f(o.star_accuracy, '.1%')}, share error mean "
        f"{_f(o.share_error_mean_pp, '.1f', ' pp')} "
        f"(worst label {_f(o.share_error_max_pp, '.1f', ' pp')})",
        f"  missing sections right: {o.missing_detection or '-'}, missing Result right: "
        f"{o.result_missing_detection or '-'} (no-Result answers caught: "
        f"{o.missing_result_caught or '-'}, Results found: {o.result_found or '-'}), "
        "quantified Result right: "
        f"{o.quantified_detection or '-'} (unquantified caught: {o.unquantified_detection or '-'})",
        f"  speed: RTF {_f(o.rtf, '.3f')} (model load {_f(o.model_load_s, '.1f', ' s')} apart), "
        f"peak memory {_f(o.peak_rss_mb, '.0f', ' MB')} ({report.memory_method})",
    ]
    if len(report.groups) >= 2:
        lines += ["", *render_groups(report.groups)]
    return "\n".join(lines)


def memory_method() -> str:
    if reset_peak_rss():
        return "peak RSS per clip, VmHWM reset between clips"
    return "peak RSS of the process so far, getrusage ru_maxrss"
