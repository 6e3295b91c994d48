"""The question bank: load prompts from TOML files, look them up, filter and choose them.

A bank file holds ``[[prompt]]`` tables (format: ``prompts/README.md``). The default bank is
the copy bundled with the package (``voiceloop/prompts_bank/``) or, in a source checkout,
the repository's ``prompts/`` folder; files in the folder named by ``VOICELOOP_PROMPTS_DIR``
are added to it. Every problem in a file becomes one ``VoiceloopError`` line naming the file,
the prompt and the field.
"""

from __future__ import annotations

import difflib
import os
import random
import re
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, get_args

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from voiceloop.analysis.language import LEADERSHIP_PRINCIPLES
from voiceloop.errors import VoiceloopError
from voiceloop.models import Prompt, PromptKind
from voiceloop.options import KIND_TARGET_SECONDS

if sys.version_info >= (3, 11):
    import tomllib
else:  # Python 3.10: the same parser, from PyPI
    import tomli as tomllib

ENV_VAR = "VOICELOOP_PROMPTS_DIR"
KINDS: tuple[str, ...] = get_args(PromptKind)

OFFICIAL_PRINCIPLES: tuple[str, ...] = tuple(LEADERSHIP_PRINCIPLES)

_ID_PATTERN = re.compile(r"^[a-z0-9][a-z0-9_-]*$")


def _norm(text: str) -> str:
    """Lower-case, drop apostrophes, turn other punctuation into single spaces."""
    text = text.lower().replace("\u2019", "").replace("'", "")
    return " ".join(re.sub(r"[^a-z0-9]+", " ", text).split())


_CANONICAL: dict[str, str] = {_norm(name): name for name in OFFICIAL_PRINCIPLES}
# Half-names people commonly write for the one principle with two halves.
_CANONICAL[_norm("Have Backbone")] = "Have Backbone; Disagree and Commit"
_CANONICAL[_norm("Disagree and Commit")] = "Have Backbone; Disagree and Commit"


def canonical_principle(name: str) -> str | None:
    """The official spelling of a principle name (case and punctuation ignored), or None."""
    return _CANONICAL.get(_norm(name))


def match_principles(query: str) -> list[str]:
    """Official principles whose name contains ``query`` (case and punctuation ignored)."""
    q = _norm(query)
    if not q:
        return []
    return [name for name in OFFICIAL_PRINCIPLES if q in _norm(name)]


def _suggest(word: str, choices: Sequence[str], n: int = 3, cutoff: float = 0.6) -> str:
    """ "; did you mean 'a' or 'b'?" for the choices closest to ``word`` (case ignored)."""
    by_lower = {c.lower(): c for c in choices}
    found = difflib.get_close_matches(word.lower(), list(by_lower), n=n, cutoff=cutoff)
    names = [f"'{by_lower[c]}'" for c in found]
    if not names:
        return ""
    listed = names[0] if len(names) == 1 else ", ".join(names[:-1]) + " or " + names[-1]
    return f"; did you mean {listed}?"


# --- file schema ------------------------------------------------------------------------


class PromptEntry(BaseModel):
    """One ``[[prompt]]`` table as written in a bank file (strict: no unknown keys)."""

    model_config = ConfigDict(extra="forbid", strict=True)

    id: str
    text: str
    kind: PromptKind = "star"
    principles: list[str] = Field(default_factory=list)
    target_seconds: list[float] | None = None
    follow_ups: list[str] = Field(default_factory=list)
    must_include: list[str] = Field(default_factory=list)

    @field_validator("id")
    @classmethod
    def _check_id(cls, value: str) -> str:
        if not _ID_PATTERN.match(value):
            raise ValueError("must be a short slug of lowercase letters, digits, '-' or '_'")
        return value

    @field_validator("text")
    @classmethod
    def _check_text(cls, value: str) -> str:
        value = " ".join(value.split())
        if not value:
            raise ValueError("must not be empty")
        return value

    @field_validator("follow_ups", "must_include")
    @classmethod
    def _check_items(cls, value: list[str]) -> list[str]:
        cleaned = [" ".join(item.split()) for item in value]
        if any(not item for item in cleaned):
            raise ValueError("items must not be empty")
        return cleaned

    @field_validator("principles")
    @classmethod
    def _check_principles(cls, value: list[str]) -> list[str]:
        out: list[str] = []
        for name in value:
            official = canonical_principle(name)
            if official is None:
                close = difflib.get_close_matches(name, OFFICIAL_PRINCIPLES, n=1, cutoff=0.5)
                hint = f" (did you mean '{close[0]}'?)" if close else ""
                raise ValueError(f"'{name}' is not an Amazon Leadership Principle name{hint}")
            if official not in out:
                out.append(official)
        return out

    @field_validator("target_seconds")
    @classmethod
    def _check_target(cls, value: list[float] | None) -> list[float] | None:
        if value is None:
            return None
        if len(value) != 2 or not 0 < value[0] <= value[1]:
            raise ValueError("must be [min, max] seconds with 0 < min <= max")
        return value

    def to_prompt(self, source: str) -> Prompt:
        if self.target_seconds is not None:
            target = (float(self.target_seconds[0]), float(self.target_seconds[1]))
        else:
            target = KIND_TARGET_SECONDS[self.kind]
        return Prompt(
            id=self.id,
            text=self.text,
            kind=self.kind,
            principles=self.principles,
            target_seconds=target,
            follow_ups=self.follow_ups,
            must_include=self.must_include,
            source=source,
        )


_FIELDS = tuple(PromptEntry.model_fields)

_TYPE_MESSAGES = {
    "string_type": "must be a string",
    "list_type": "must be a list",
    "float_type": "must be a number",
    "int_type": "must be a number",
    "literal_error": "must be one of " + ", ".join(KINDS),
}


def _describe_error(error: Mapping[str, Any]) -> str:
    """One pydantic error as "field 'x': what is wrong"."""
    loc = error.get("loc", ())
    kind = error.get("type", "")
    field = str(loc[0]) if loc else "?"
    where = f"field '{field}'"
    if len(loc) > 1 and isinstance(loc[1], int):
        where += f" item {loc[1] + 1}"
    if kind == "missing":
        return f"{where}: required but missing"
    if kind == "extra_forbidden":
        return f"unknown field '{field}'" + _suggest(field, _FIELDS, n=1)
    if kind == "value_error":
        ctx = error.get("ctx") or {}
        return f"{where}: {ctx.get('error', error.get('msg', 'invalid value'))}"
    message = _TYPE_MESSAGES.get(kind, str(error.get("msg", "invalid value")))
    if field == "kind" and kind == "string_type":
        message = _TYPE_MESSAGES["literal_error"]
    return f"{where}: {message}"


def _display(path: Path) -> str:
    """The path as the user would type it: relative to the working directory when inside it."""
    try:
        cwd = Path.cwd().resolve()
        if cwd.parent == cwd:  # the filesystem root: a relative path would read oddly
            return str(path)
        return str(path.resolve().relative_to(cwd))
    except (ValueError, OSError):
        return str(path)


def _one_line(text: str) -> str:
    return " ".join(str(text).split())


def load_bank_file(path: Path) -> list[Prompt]:
    """Read and validate one bank file. Raises ``VoiceloopError`` (one line) on any problem."""
    shown = _display(path)
    try:
        raw = path.read_bytes().decode("utf-8")
    except OSError as err:
        raise VoiceloopError(f"{shown}: cannot read: {err.strerror or err}") from err
    except UnicodeDecodeError as err:
        raise VoiceloopError(f"{shown}: not UTF-8 text ({err.reason})") from err
    try:
        data = tomllib.loads(raw)
    except tomllib.TOMLDecodeError as err:
        raise VoiceloopError(f"{shown}: not valid TOML: {_one_line(str(err))}") from err

    extra = sorted(key for key in data if key != "prompt")
    if extra:
        raise VoiceloopError(
            f"{shown}: unknown top-level key '{extra[0]}' "
            "(a bank file holds only [[prompt]] tables)"
        )
    entries = data.get("prompt")
    if entries is None:
        raise VoiceloopError(f"{shown}: no prompts found (add [[prompt]] tables)")
    if not isinstance(entries, list):
        raise VoiceloopError(f"{shown}: 'prompt' must be written [[prompt]] (an array of tables)")

    prompts: list[Prompt] = []
    for number, entry in enumerate(entries, start=1):
        if not isinstance(entry, dict):
            raise VoiceloopError(f"{shown}: prompt #{number}: must be a [[prompt]] table")
        label = f"prompt #{number}"
        if isinstance(entry.get("id"), str):
            label += f" ('{entry['id']}')"
        try:
            parsed = PromptEntry.model_validate(entry)
        except ValidationError as err:
            problems = err.errors()
            extra_count = len(problems) - 1
            more = ""
            if extra_count:
                more = f" (and {extra_count} more problem{'s' if extra_count > 1 else ''})"
            detail = _one_line(_describe_error(problems[0]))
            raise VoiceloopError(f"{shown}: {label}: {detail}{more}") from err
        prompts.append(parsed.to_prompt(source=shown))
    return prompts


# --- where banks live --------------------------------------------------------------------


def default_bank_dirs() -> list[Path]:
    """The bundled bank (or a checkout's ``prompts/``), then ``$VOICELOOP_PROMPTS_DIR``."""
    dirs: list[Path] = []
    bundled = Path(__file__).parent / "prompts_bank"
    checkout = Path(__file__).resolve().parents[2] / "prompts"
    if bundled.is_dir():
        dirs.append(bundled)
    elif checkout.is_dir():
        dirs.append(checkout)
    user = os.environ.get(ENV_VAR, "").strip()
    if user:
        user_dir = Path(user).expanduser()
        if not user_dir.is_dir():
            raise VoiceloopError(f"{ENV_VAR} is set to '{user}', which is not a directory")
        dirs.append(user_dir)
    if not dirs:
        raise VoiceloopError(
            f"no prompt bank found: the package has no bundled prompts; set {ENV_VAR} "
            "to a folder of .toml prompt files"
        )
    return dirs


def _bank_files(paths: Sequence[Path]) -> list[Path]:
    files: list[Path] = []
    seen: set[Path] = set()
    for path in paths:
        path = Path(path)
        if path.is_dir():
            found = sorted(p for p in path.glob("*.toml") if p.is_file())
        elif path.is_file():
            found = [path]
        else:
            raise VoiceloopError(f"{_display(path)}: no such prompt file or folder")
        for file in found:
            key = file.resolve()
            if key not in seen:
                seen.add(key)
                files.append(file)
    return files


def load_bank(paths: Sequence[Path] | None = None) -> list[Prompt]:
    """Load every prompt from ``paths`` (files, or folders of ``*.toml``), in order.

    With ``paths`` None, load the default bank plus ``$VOICELOOP_PROMPTS_DIR`` (see
    ``default_bank_dirs``). Ids must be unique across all files loaded together.
    """
    files = _bank_files(default_bank_dirs() if paths is None else paths)
    prompts: list[Prompt] = []
    first_seen: dict[str, str] = {}
    for file in files:
        for number, prompt in enumerate(load_bank_file(file), start=1):
            if prompt.id in first_seen:
                where = first_seen[prompt.id]
                elsewhere = "earlier in this file" if where == prompt.source else f"in {where}"
                raise VoiceloopError(
                    f"{prompt.source}: prompt #{number} ('{prompt.id}'): field 'id': "
                    f"duplicate id '{prompt.id}' (already used {elsewhere})"
                )
            first_seen[prompt.id] = prompt.source
            prompts.append(prompt)
    return prompts


# --- lookup, filtering, choosing -----------------------------------------------------------


def get_prompt(prompts: Sequence[Prompt], prompt_id: str) -> Prompt:
    """The prompt with this id (exact, then case-insensitive), or a ``VoiceloopError``."""
    for prompt in prompts:
        if prompt.id == prompt_id:
            return prompt
    wanted = prompt_id.strip().lower()
    for prompt in prompts:
        if prompt.id.lower() == wanted:
            return prompt
    containing = [p.id for p in prompts if wanted and wanted in p.id]
    if containing:
        hint = _suggest(wanted, containing[:3], n=3, cutoff=0.0)
    else:
        hint = _suggest(wanted, [p.id for p in prompts])
    raise VoiceloopError(f"unknown prompt id '{prompt_id}' (see `voiceloop prompts`){hint}")


def normalize_kind(kind: str) -> str:
    """``"deep dive"``/``"Deep-Dive"`` -> ``"deep_dive"``; ``VoiceloopError`` if not a kind."""
    value = re.sub(r"[\s-]+", "_", kind.strip().lower())
    if value not in KINDS:
        raise VoiceloopError(
            f"unknown prompt kind '{kind}': must be one of {', '.join(KINDS)}"
            + _suggest(value, KINDS, n=1)
        )
    return value


def filter_prompts(
    prompts: Sequence[Prompt],
    principle: str | None = None,
    kind: str | None = None,
    text: str | None = None,
) -> list[Prompt]:
    """Prompts matching every given filter, in bank order.

    ``principle``: part of a principle name, case and punctuation ignored ("dive deep",
    "right a lot"). ``kind``: one of the kinds ("deep dive" is accepted). ``text``: every
    word must appear in the prompt's id or text (case-insensitive).
    """
    wanted_kind = normalize_kind(kind) if kind else None
    q_principle = _norm(principle) if principle else ""
    terms = text.lower().split() if text else []
    out: list[Prompt] = []
    for prompt in prompts:
        if wanted_kind and prompt.kind != wanted_kind:
            continue
        if q_principle and not any(q_principle in _norm(p) for p in prompt.principles):
            continue
        if terms:
            haystack = f"{prompt.id} {prompt.text}".lower()
            if not all(term in haystack for term in terms):
                continue
        out.append(prompt)
    return out


def choose_prompt(
    prompts: Sequence[Prompt],
    practice_counts: Mapping[str, int],
    principle: str | None = None,
    kind: str | None = None,
    rng: random.Random | None = None,
) -> Prompt:
    """One of the least-practised prompts matching the filters, at random among ties.

    ``practice_counts`` maps prompt id to how many sessions used it (missing ids count 0).
    """
    if not prompts:
        raise VoiceloopError("the prompt bank is empty")
    matches = filter_prompts(prompts, principle=principle, kind=kind)
    if not matches:
        wanted = []
        if principle:
            wanted.append(f"principle '{principle}'")
        if kind:
            wanted.append(f"kind '{normalize_kind(kind)}'")
        hint = ""
        if principle and not match_principles(principle):
            hint = _suggest(principle, OFFICIAL_PRINCIPLES, n=1)
            if not hint:
                hint = " (not part of any Amazon Leadership Principle name)"
        raise VoiceloopError(f"no prompt matches {' and '.join(wanted)}{hint}")
    fewest = min(practice_counts.get(p.id, 0) for p in matches)
    least = [p for p in matches if practice_counts.get(p.id, 0) == fewest]
    return (rng or random.Random()).choice(least)


FOLLOW_UP_TARGET_S = (30.0, 90.0)  # a follow-up asks for one point, not a whole story


def follow_up_prompt(parent: Prompt, index: int) -> Prompt:
    """A bank question's follow-up, as a short prompt of its own."""
    return Prompt(
        id=f"{parent.id}-followup-{index + 1}",
        text=parent.follow_ups[index],
        kind=parent.kind if parent.kind != "intro" else "star",
        principles=parent.principles,
        target_seconds=FOLLOW_UP_TARGET_S,
        source=parent.source,
    )
