"""The question bank: the shipped files, the loader's errors, lookup, filtering, choosing."""

from __future__ import annotations

import random
from collections import Counter
from pathlib import Path

import pytest

from voiceloop.errors import VoiceloopError
from voiceloop.models import Prompt
from voiceloop.options import KIND_TARGET_SECONDS
from voiceloop.prompts import (
    ENV_VAR,
    KINDS,
    OFFICIAL_PRINCIPLES,
    canonical_principle,
    choose_prompt,
    default_bank_dirs,
    filter_prompts,
    get_prompt,
    load_bank,
    load_bank_file,
    match_principles,
    normalize_kind,
)

GOOD = """
[[prompt]]
id = "first"
text = "Tell me about a time you made something simpler."
kind = "star"
principles = ["Invent and Simplify"]
follow_ups = ["What did you remove?"]
must_include = ["a baseline number"]

[[prompt]]
id = "second"
text = "Tell me about yourself."
kind = "intro"
"""


@pytest.fixture
def bank(monkeypatch: pytest.MonkeyPatch) -> list[Prompt]:
    monkeypatch.delenv(ENV_VAR, raising=False)
    return load_bank()


def write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


# --- the shipped bank ----------------------------------------------------------------------


def test_shipped_bank_loads_from_default_location(bank: list[Prompt]) -> None:
    assert len(bank) >= 30
    assert {Path(p.source).name for p in bank} == {"amazon_ds_lp.toml", "general.toml"}


def test_shipped_ids_unique_and_slugs(bank: list[Prompt]) -> None:
    ids = [p.id for p in bank]
    assert len(ids) == len(set(ids))
    assert all(p.id == p.id.lower() and " " not in p.id for p in bank)


def test_shipped_bank_has_every_kind(bank: list[Prompt]) -> None:
    kinds = Counter(p.kind for p in bank)
    assert set(kinds) == set(KINDS)
    assert kinds["star"] >= 25


def test_shipped_prompts_are_complete(bank: list[Prompt]) -> None:
    for p in bank:
        assert p.text.strip(), p.id
        assert 1 <= len(p.follow_ups) <= 2, p.id
        assert len(p.must_include) >= 1, p.id
        assert all(item.strip() for item in p.follow_ups + p.must_include), p.id
        low, high = p.target_seconds
        assert 0 < low <= high, p.id


def test_shipped_principles_are_official_and_all_covered(bank: list[Prompt]) -> None:
    used = {name for p in bank for name in p.principles}
    assert used <= set(OFFICIAL_PRINCIPLES)
    assert used == set(OFFICIAL_PRINCIPLES)  # every principle can be practised
    star = [p for p in bank if p.kind == "star"]
    assert all(p.principles for p in star)


def test_shipped_target_seconds_follow_kind(bank: list[Prompt]) -> None:
    for kind in ("intro", "project", "deep_dive"):
        for p in (p for p in bank if p.kind == kind):
            assert p.target_seconds == KIND_TARGET_SECONDS[kind], p.id
    assert get_prompt(bank, "intro-tell-me-about-yourself").target_seconds == (60.0, 90.0)
    assert get_prompt(bank, "project-end-to-end").target_seconds == (300.0, 420.0)
    assert get_prompt(bank, "deep-dive-principle").target_seconds == (240.0, 360.0)


def test_shipped_bank_has_the_required_openers(bank: list[Prompt]) -> None:
    assert get_prompt(bank, "intro-tell-me-about-yourself").kind == "intro"
    assert get_prompt(bank, "project-end-to-end").kind == "project"
    assert get_prompt(bank, "deep-dive-principle").kind == "deep_dive"
    assert get_prompt(bank, "dive-deep-metric-overhaul").kind == "star"


# --- loading and defaults ------------------------------------------------------------------


def test_load_good_file_applies_defaults(tmp_path: Path) -> None:
    prompts = load_bank([write(tmp_path, "mine.toml", GOOD)])
    first, second = prompts
    assert first.principles == ["Invent and Simplify"]
    assert first.target_seconds == KIND_TARGET_SECONDS["star"]
    assert second.target_seconds == KIND_TARGET_SECONDS["intro"]
    assert second.follow_ups == [] and second.principles == []
    assert first.source.endswith("mine.toml")


def test_kind_defaults_to_star_and_target_can_be_set(tmp_path: Path) -> None:
    text = '[[prompt]]\nid = "a"\ntext = "Q?"\ntarget_seconds = [90, 150]\n'
    (prompt,) = load_bank_file(write(tmp_path, "a.toml", text))
    assert prompt.kind == "star"
    assert prompt.target_seconds == (90.0, 150.0)


def test_principle_names_are_canonicalised(tmp_path: Path) -> None:
    text = (
        '[[prompt]]\nid = "a"\ntext = "Q?"\n'
        'principles = ["dive deep", "ARE RIGHT A LOT", "Disagree and Commit",'
        ' "strive to be earths best employer"]\n'
    )
    (prompt,) = load_bank_file(write(tmp_path, "a.toml", text))
    assert prompt.principles == [
        "Dive Deep",
        "Are Right, A Lot",
        "Have Backbone; Disagree and Commit",
        "Strive to be Earth's Best Employer",
    ]


def test_folder_loads_every_toml_in_name_order(tmp_path: Path) -> None:
    write(tmp_path, "b.toml", '[[prompt]]\nid = "bee"\ntext = "B?"\n')
    write(tmp_path, "a.toml", '[[prompt]]\nid = "ay"\ntext = "A?"\n')
    write(tmp_path, "notes.txt", "not a bank")
    assert [p.id for p in load_bank([tmp_path])] == ["ay", "bee"]


def test_same_file_twice_is_loaded_once(tmp_path: Path) -> None:
    path = write(tmp_path, "a.toml", GOOD)
    assert len(load_bank([path, tmp_path])) == 2


def test_env_dir_adds_user_prompts(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write(tmp_path, "mine.toml", GOOD)
    monkeypatch.setenv(ENV_VAR, str(tmp_path))
    prompts = load_bank()
    assert get_prompt(prompts, "first").source.endswith("mine.toml")
    assert any(Path(p.source).name == "general.toml" for p in prompts)
    assert default_bank_dirs()[-1] == tmp_path


def test_env_dir_missing_is_one_line_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(ENV_VAR, str(tmp_path / "nope"))
    with pytest.raises(VoiceloopError, match=ENV_VAR) as err:
        load_bank()
    assert "\n" not in str(err.value)


def test_env_dir_clashing_with_bundled_id(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write(tmp_path, "mine.toml", '[[prompt]]\nid = "project-end-to-end"\ntext = "Q?"\n')
    monkeypatch.setenv(ENV_VAR, str(tmp_path))
    with pytest.raises(VoiceloopError) as err:
        load_bank()
    message = str(err.value)
    assert "mine.toml" in message and "project-end-to-end" in message
    assert "general.toml" in message


def test_env_dir_same_as_default_bank_is_not_a_duplicate(
    bank: list[Prompt], monkeypatch: pytest.MonkeyPatch
) -> None:
    plain = bank
    monkeypatch.setenv(ENV_VAR, str(default_bank_dirs()[0]))
    assert len(load_bank()) == len(plain)


def test_missing_path_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(VoiceloopError, match="no such prompt file"):
        load_bank([tmp_path / "missing.toml"])


# --- broken files: one line naming the file and the field ----------------------------------

HEADER = '[[prompt]]\nid = "ok"\ntext = "Fine?"\n\n'

BROKEN = {
    "bad TOML syntax": ('[[prompt]]\nid = "x"\ntext = "unterminated\n', ["not valid TOML", "line"]),
    "missing text": (
        HEADER + '[[prompt]]\nid = "foo"\n',
        ["prompt #2 ('foo')", "'text'", "missing"],
    ),
    "missing id": (HEADER + '[[prompt]]\ntext = "Q?"\n', ["prompt #2", "'id'", "missing"]),
    "wrong type text": (
        HEADER + '[[prompt]]\nid = "foo"\ntext = 3\n',
        ["prompt #2 ('foo')", "'text'", "must be a string"],
    ),
    "wrong type list": (
        HEADER + '[[prompt]]\nid = "foo"\ntext = "Q?"\nfollow_ups = "one"\n',
        ["'follow_ups'", "must be a list"],
    ),
    "wrong item type": (
        HEADER + '[[prompt]]\nid = "foo"\ntext = "Q?"\nmust_include = ["a", 2]\n',
        ["'must_include' item 2", "must be a string"],
    ),
    "unknown kind": (
        HEADER + '[[prompt]]\nid = "foo"\ntext = "Q?"\nkind = "behavioural"\n',
        ["prompt #2 ('foo')", "field 'kind'", "must be one of intro, star, project, deep_dive"],
    ),
    "duplicate id in file": (
        HEADER + '[[prompt]]\nid = "ok"\ntext = "Again?"\n',
        ["prompt #2 ('ok')", "'id'", "duplicate id 'ok'"],
    ),
    "unknown field": (
        HEADER + '[[prompt]]\nid = "foo"\ntext = "Q?"\nfollow_up = ["x"]\n',
        ["unknown field 'follow_up'", "did you mean 'follow_ups'"],
    ),
    "unknown principle": (
        HEADER + '[[prompt]]\nid = "foo"\ntext = "Q?"\nprinciples = ["Custmer Obsession"]\n',
        ["'principles'", "not an Amazon Leadership Principle", "Customer Obsession"],
    ),
    "bad target": (
        HEADER + '[[prompt]]\nid = "foo"\ntext = "Q?"\ntarget_seconds = [200, 100]\n',
        ["'target_seconds'", "min <= max"],
    ),
    "target not numbers": (
        HEADER + '[[prompt]]\nid = "foo"\ntext = "Q?"\ntarget_seconds = ["a", "b"]\n',
        ["'target_seconds' item 1", "must be a number"],
    ),
    "bad id": (HEADER + '[[prompt]]\nid = "Foo Bar"\ntext = "Q?"\n', ["'id'", "slug"]),
    "empty text": (HEADER + '[[prompt]]\nid = "foo"\ntext = "  "\n', ["'text'", "empty"]),
    "single table": ('[prompt]\nid = "foo"\ntext = "Q?"\n', ["[[prompt]]"]),
    "no prompts": ("# nothing here\n", ["no prompts"]),
    "stray top-level key": ('title = "mine"\n' + HEADER, ["top-level key 'title'"]),
}


@pytest.mark.parametrize("case", sorted(BROKEN))
def test_broken_file_gives_one_line_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, case: str
) -> None:
    text, expected = BROKEN[case]
    path = write(tmp_path, "mine.toml", text)
    monkeypatch.chdir(tmp_path)
    with pytest.raises(VoiceloopError) as err:
        load_bank([path])
    message = str(err.value)
    assert "\n" not in message
    assert message.startswith("mine.toml: ")
    for part in expected:
        assert part in message, (part, message)


def test_error_path_is_relative_to_cwd(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    folder = tmp_path / "prompts"
    folder.mkdir()
    path = write(folder, "mine.toml", '[[prompt]]\nid = "foo"\ntext = "Q?"\nkind = "x"\n')
    monkeypatch.chdir(tmp_path)
    with pytest.raises(VoiceloopError) as err:
        load_bank([path])
    assert str(err.value) == (
        "prompts/mine.toml: prompt #1 ('foo'): field 'kind': "
        "must be one of intro, star, project, deep_dive"
    )


def test_duplicate_across_files_names_both(tmp_path: Path) -> None:
    write(tmp_path, "a.toml", GOOD)
    write(tmp_path, "b.toml", '[[prompt]]\nid = "second"\ntext = "Q?"\n')
    with pytest.raises(VoiceloopError) as err:
        load_bank([tmp_path])
    message = str(err.value)
    assert "b.toml: prompt #1 ('second')" in message and "a.toml" in message


def test_not_utf8_is_an_error(tmp_path: Path) -> None:
    path = tmp_path / "bad.toml"
    path.write_bytes(b'[[prompt]]\nid = "a"\ntext = "\xff"\n')
    with pytest.raises(VoiceloopError, match=r"bad\.toml"):
        load_bank([path])


# --- lookup --------------------------------------------------------------------------------


@pytest.fixture
def small(tmp_path: Path) -> list[Prompt]:
    text = """
[[prompt]]
id = "dd-metric"
text = "Tell me about a metric you rebuilt."
principles = ["Dive Deep", "Are Right, A Lot"]

[[prompt]]
id = "dd-root-cause"
text = "Tell me about a root cause you found."
principles = ["Dive Deep"]

[[prompt]]
id = "dd-deep"
text = "Go deep on one story."
kind = "deep_dive"
principles = ["Dive Deep"]

[[prompt]]
id = "frugal"
text = "Tell me about doing more with less."
principles = ["Frugality"]

[[prompt]]
id = "me"
text = "Tell me about yourself."
kind = "intro"
"""
    return load_bank([write(tmp_path, "small.toml", text)])


def test_get_prompt(small: list[Prompt]) -> None:
    assert get_prompt(small, "frugal").id == "frugal"
    assert get_prompt(small, "FRUGAL").id == "frugal"


def test_get_prompt_unknown_suggests(small: list[Prompt]) -> None:
    with pytest.raises(VoiceloopError) as err:
        get_prompt(small, "dd-metrc")
    message = str(err.value)
    assert message.startswith("unknown prompt id 'dd-metrc' (see `voiceloop prompts`)")
    assert "'dd-metric'" in message
    with pytest.raises(VoiceloopError, match="'frugal'"):
        get_prompt(small, "frug")
    with pytest.raises(VoiceloopError) as err:
        get_prompt(small, "zzzzzz")
    assert "did you mean" not in str(err.value)


# --- filtering -----------------------------------------------------------------------------


def ids(prompts: list[Prompt]) -> list[str]:
    return [p.id for p in prompts]


def test_filter_by_principle_is_case_insensitive_and_partial(small: list[Prompt]) -> None:
    assert ids(filter_prompts(small, principle="dive deep")) == [
        "dd-metric",
        "dd-root-cause",
        "dd-deep",
    ]
    assert ids(filter_prompts(small, principle="DIVE")) == ["dd-metric", "dd-root-cause", "dd-deep"]
    assert ids(filter_prompts(small, principle="right a lot")) == ["dd-metric"]
    assert ids(filter_prompts(small, principle="frugal")) == ["frugal"]
    assert filter_prompts(small, principle="think big") == []


def test_filter_by_kind_and_text(small: list[Prompt]) -> None:
    assert ids(filter_prompts(small, kind="intro")) == ["me"]
    assert ids(filter_prompts(small, kind="deep dive")) == ["dd-deep"]
    assert ids(filter_prompts(small, kind="Deep-Dive", principle="dive")) == ["dd-deep"]
    assert ids(filter_prompts(small, text="ROOT cause")) == ["dd-root-cause"]
    assert ids(filter_prompts(small, text="metric", principle="dive")) == ["dd-metric"]
    assert ids(filter_prompts(small)) == ids(small)


def test_filter_unknown_kind_is_an_error(small: list[Prompt]) -> None:
    with pytest.raises(VoiceloopError, match="must be one of intro, star, project, deep_dive"):
        filter_prompts(small, kind="behavioral")
    assert normalize_kind("STAR") == "star"


def test_principle_helpers() -> None:
    assert canonical_principle("have backbone") == "Have Backbone; Disagree and Commit"
    assert canonical_principle("nonsense") is None
    assert match_principles("best") == [
        "Hire and Develop the Best",
        "Strive to be Earth's Best Employer",
    ]
    assert match_principles("") == []


# --- choosing ------------------------------------------------------------------------------


def test_choose_prefers_least_practised(small: list[Prompt]) -> None:
    counts = {"dd-metric": 3, "dd-root-cause": 1, "dd-deep": 2}
    for seed in range(20):
        chosen = choose_prompt(small, counts, principle="dive deep", rng=random.Random(seed))
        assert chosen.id == "dd-root-cause"


def test_choose_random_among_ties(small: list[Prompt]) -> None:
    counts = {"dd-metric": 1, "dd-root-cause": 1, "dd-deep": 1, "frugal": 5, "me": 5}
    seen = {choose_prompt(small, counts, rng=random.Random(seed)).id for seed in range(60)}
    assert seen == {"dd-metric", "dd-root-cause", "dd-deep"}


def test_choose_is_reproducible_with_seed(small: list[Prompt]) -> None:
    first = choose_prompt(small, {}, rng=random.Random(7))
    assert choose_prompt(small, {}, rng=random.Random(7)).id == first.id


def test_choose_unpractised_counts_as_zero(small: list[Prompt]) -> None:
    counts = {p.id: 2 for p in small if p.id != "frugal"}
    assert choose_prompt(small, counts).id == "frugal"


def test_choose_filters_by_kind(small: list[Prompt]) -> None:
    assert choose_prompt(small, {}, kind="intro").id == "me"


def test_choose_without_match_explains(small: list[Prompt]) -> None:
    with pytest.raises(VoiceloopError, match="no prompt matches principle 'think big'"):
        choose_prompt(small, {}, principle="think big")
    with pytest.raises(VoiceloopError, match="did you mean 'Frugality'"):
        choose_prompt(small, {}, principle="frugalty")
    with pytest.raises(VoiceloopError, match="and kind 'project'"):
        choose_prompt(small, {}, principle="dive", kind="project")
    with pytest.raises(VoiceloopError, match="empty"):
        choose_prompt([], {})
