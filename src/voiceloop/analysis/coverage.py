"""Check a prompt's "a strong answer must contain" items against what was said.

Each item of ``Prompt.must_include`` is short free text ("dates", "the root cause", "results
with numbers"). It is read by a list of explainable rules: a rule is picked when its
*trigger* matches the item's text, and then looks for its own evidence in the answer: cue
phrases (a "trade-off" item listens for "instead of", "rather than", "trade-off" ...),
quantities (:func:`voiceloop.analysis.quantify.find_quantities`), dates, or a section
another analyzer already found (a STAR Reflection, an intro's why-this-role line, a
walkthrough stage).

An item read by several rules needs all of them ("results with numbers": a result *and* a
number), unless the item says "or" ("dollar or customer impact": either). An item that no
rule understands falls back to word overlap: it counts as heard when at least half of its
content words (or words sharing their stem) were said, and the evidence says so.

Every item comes back with the evidence heard (quoted, with its time) or with what was
looked for and not found, so the report can say "asked for and not heard" and why.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from voiceloop.analysis.confidence import uncertain_set
from voiceloop.analysis.language import principles_named
from voiceloop.analysis.quantify import find_quantities
from voiceloop.analysis.shape import (
    TextIndex,
    find_dates,
    heard_nearly,
    named_shown,
    phrase_re,
)
from voiceloop.analysis.star import sentence_evidence
from voiceloop.analysis.timeline import content_words, norm
from voiceloop.clock import clock
from voiceloop.models import (
    CoverageItem,
    CoverageResult,
    Prompt,
    ShapeResult,
    StarResult,
    Transcript,
)
from voiceloop.options import AnalysisOptions


@dataclass(frozen=True)
class Context:
    index: TextIndex
    star: StarResult
    shape: ShapeResult | None
    principles: Sequence[str]  # the principles the prompt targets
    options: AnalysisOptions


@dataclass(frozen=True)
class Found:
    heard: bool
    evidence: str  # a quote with its time, or what was looked for
    start: float | None = None


Check = Callable[[Context, str], Found]


@dataclass(frozen=True)
class Rule:
    name: str
    trigger: re.Pattern[str]  # searched in the item's text (lower case)
    looked_for: str  # shown when nothing was heard
    check: Check


def _trigger(*patterns: str) -> re.Pattern[str]:
    return re.compile(r"(?<![\w-])(?:" + "|".join(patterns) + r")", re.IGNORECASE)


def _phrases(looked_for: str, *patterns: str) -> Check:
    pattern = phrase_re(*patterns)

    def check(ctx: Context, item: str) -> Found:
        del item
        hit = ctx.index.search(pattern)
        if hit is None:
            return Found(False, f"listened for {looked_for}")
        a, b = hit
        return Found(True, ctx.index.quote(a, b), ctx.index.words[a].start)

    return check


def _first_sentence(ctx: Context, first_word: int) -> tuple[str, float]:
    for s in ctx.star.sentences:
        if s.first_word <= first_word <= s.last_word:
            return ctx.index.opening(s.first_word, s.last_word), s.start
    return ctx.index.quote(first_word, first_word, around=0), ctx.index.words[first_word].start


# A cue phrase of the section, not only a weak hint such as a sentence with no past-tense verb
_WORDED = 1.0


def _star_section(label: str, what: str, fallback: Check | None = None) -> Check:
    """Heard when the STAR analysis found this section and one of its sentences has words of
    it (the labeller may place a sentence by its position alone: a closing "thanks for
    listening" is not a Reflection), or when the fallback cues match."""

    def check(ctx: Context, item: str) -> Found:
        worded = [
            s
            for s in ctx.star.sentences
            if any(
                sec.label == label and sec.first_word <= s.first_word <= sec.last_word
                for sec in ctx.star.sections
            )
            and sentence_evidence(s.text).score[label] >= _WORDED
        ]
        if worded:
            first = worded[0]
            quote, start = _first_sentence(ctx, first.first_word)
            return Found(True, f"{what} section from {clock(first.start)}: {quote}", start)
        if fallback is not None:
            return fallback(ctx, item)
        return Found(False, f"listened for a {what} section")

    return check


def _shape_part(part: str, what: str, fallback: Check) -> Check:
    """Heard when the shape analysis labelled sentences with ``part``.

    When the answer was labelled by a shape that has this part (an intro's arc, a
    walkthrough's stage), the shape decides, so the report's two views agree; otherwise
    (a STAR answer) the fallback cues are searched.
    """

    def check(ctx: Context, item: str) -> Found:
        if ctx.shape is not None and any(p.name == part for p in ctx.shape.parts):
            # a part placed by position only (no words of it heard) is not present
            present = any(p.name == part and p.present for p in ctx.shape.parts)
            hits = [lab for lab in ctx.shape.labels if lab.label == part]
            if hits and present:
                s = ctx.star.sentences[hits[0].sentence]
                quote = ctx.index.opening(s.first_word, s.last_word)
                return Found(True, f"{what}: {quote}", s.start)
            return Found(False, f"no {what} was found among the answer's sentences")
        return fallback(ctx, item)

    return check


def _in_part(part: str, what: str, cues: Check) -> Check:
    """The cues, but only when the answer's shape found ``part`` (when it has such parts).

    A walkthrough with no data stage has not covered its data risks, even if "drift"
    comes up in the monitoring at the end.
    """

    def check(ctx: Context, item: str) -> Found:
        shaped = ctx.shape is not None and any(p.name == part for p in ctx.shape.parts)
        if shaped and ctx.shape and not any(p.name == part and p.present for p in ctx.shape.parts):
            return Found(False, f"no {what} was found among the answer's sentences")
        return cues(ctx, item)

    return check


def _any_of(*checks: Check) -> Check:
    def check(ctx: Context, item: str) -> Found:
        found = [c(ctx, item) for c in checks]
        for f in found:
            if f.heard:
                return f
        return found[0]

    return check


# --- rules that count or read other analyses --------------------------------------------


_OUTCOME_LABELS = frozenset({"result", "reflection", "results", "highlight"})
_KIND_RANK = {"percent": 0, "currency": 0, "multiplier": 0, "duration": 1, "count": 2}


def _outcome_words(ctx: Context) -> set[int]:
    """Word indexes of the sentences labelled as outcomes (Result, results stage, highlight)."""
    spans = [(s.first_word, s.last_word) for s in ctx.star.sections if s.label in _OUTCOME_LABELS]
    if ctx.shape is not None and ctx.shape.labels:
        spans = [
            (
                ctx.star.sentences[lab.sentence].first_word,
                ctx.star.sentences[lab.sentence].last_word,
            )
            for lab in ctx.shape.labels
            if lab.label in _OUTCOME_LABELS
        ]
    return {i for a, b in spans for i in range(a, b + 1)}


def _numbers(ctx: Context, item: str) -> Found:
    """A figure anywhere; shown from the outcome part first, percentages and money first."""
    del item
    words = ctx.index.words
    outcome = _outcome_words(ctx)
    found = []
    for a, b, kind in find_quantities(words):
        text = " ".join(w.text for w in words[a : b + 1])
        if kind == "number" and not any(ch.isdigit() for ch in text):
            continue
        # a figure the transcriber was sure of is shown first (the quote of any other says so)
        found.append((not ctx.index.sure(a, b), a not in outcome, _KIND_RANK.get(kind, 3), a, b))
    if not found:
        return Found(False, "listened for a figure: a percentage, an amount, a count or a duration")
    *_, a, b = min(found)
    return Found(True, ctx.index.quote(a, b, around=2), words[a].start)


def _currency(ctx: Context, item: str) -> Found:
    del item
    words = ctx.index.words
    amounts = [(a, b) for a, b, kind in find_quantities(words) if kind == "currency"]
    if not amounts:
        return Found(False, "listened for an amount of money ($, dollars, euros)")
    a, b = next((x for x in amounts if ctx.index.sure(*x)), amounts[0])
    return Found(True, ctx.index.quote(a, b, around=2), words[a].start)


def _dates(ctx: Context, item: str) -> Found:
    del item
    dates = find_dates(ctx.index)
    if not dates:
        return Found(False, "listened for a month, year, quarter, season or 'weeks before'")
    shown = "; ".join(ctx.index.quote(a, b, around=1, limit=6) for a, b in dates[:3])
    return Found(True, shown, ctx.index.words[dates[0][0]].start)


def _principle(ctx: Context, item: str) -> Found:
    del item
    named = principles_named(ctx.index.words)
    if not named:
        for name in ctx.principles:
            near = heard_nearly(ctx.index.words, name, ctx.options)
            if near is not None:
                at, phrase = near
                word = ctx.index.words[at]
                return Found(
                    True,
                    f'probably {name}: heard "{phrase}" at {clock(word.start)} '
                    "(the transcriber may have misheard it)",
                    word.start,
                )
        return Found(False, "listened for a leadership principle by name")
    hit = [p for p in named if p in ctx.principles] or named
    return Found(True, "named " + named_shown(hit, ctx.index.words, ctx.options))


_REFLECTION_CUES = _phrases(
    "what you learned or would do differently",
    r"i (?:learned|learnt|realized|realised)|lessons?|learnings?|takeaway|in hindsight|"
    r"what i (?:took|take) (?:away )?from|i took away|"
    r"looking back|next time|differently|i would (?:have|do|change|start)|"
    r"i'd (?:have|do|change|start)|should have|since then i|now i always",
)


def _actions(ctx: Context, item: str) -> Found:
    """Enough Action sentences: three for "three to five actions", two for "each step"."""
    low = item.lower()
    need = 3 if re.search(r"three|3", low) else 2 if re.search(r"\beach\b", low) else 1
    labels = [lab for lab in ctx.star.labels if lab.label == "action"]
    if ctx.shape is not None and ctx.shape.labels:
        labels = []  # an intro or walkthrough: count the speaker's own doing instead
    if not labels:
        count = [s for s in ctx.star.sentences if sentence_evidence(s.text).score["action"] >= 1.5]
        if len(count) >= need:
            quote = ctx.index.opening(count[0].first_word, count[0].last_word)
            return Found(
                True, f"{len(count)} sentence(s) of what you did, first {quote}", count[0].start
            )
        return Found(False, f"listened for at least {need} sentence(s) of what you did")
    if len(labels) < need:
        return Found(False, f"only {len(labels)} Action sentence(s); looked for {need}")
    first = ctx.star.sentences[labels[0].sentence]
    quote = ctx.index.opening(first.first_word, first.last_word)
    return Found(True, f"{len(labels)} Action sentences, first {quote}", first.start)


_RESULT_CUES = _phrases(
    "a result: what changed (as a result, increased, reduced, saved ...)",
    r"as a result|in the end|the (?:result|outcome|impact) (?:was|is)|resulting in|"
    r"(?:increased|decreased|reduced|improved|grew|lifted|raised|saved|cut|dropped|rose|fell|"
    r"went (?:from|up|down)|doubled|halved|prevented|avoided|unblocked|enabled)",
)


def _highlights(ctx: Context, item: str) -> Found:
    del item
    if ctx.shape is None or ctx.shape.kind != "intro":
        return _numbers(ctx, "")
    hs = ctx.shape.highlights
    quantified = [h for h in hs if h.numbers]
    if len(quantified) >= 3:
        return Found(
            True,
            f"{len(quantified)} highlights with numbers: "
            + ", ".join(h.numbers[0] for h in quantified[:3]),
            quantified[0].start,
        )
    return Found(
        False,
        f"{len(hs)} highlight(s) heard, {len(quantified)} with a number; "
        "looked for three with numbers",
    )


# --- the rules, with the item wording that calls them ---------------------------------------

RULES: list[Rule] = [
    Rule(
        "highlights",
        _trigger(r"highlights?"),
        "three highlights with numbers",
        _highlights,
    ),
    Rule(
        "who you are",
        _trigger(r"who you are"),
        "a line on who you are",
        _shape_part(
            "arc",
            "arc",
            _phrases(
                "'I'm a ...' or your years and field",
                r"i'?m an?|i am an?|my name is|years (?:of experience|in|as)",
            ),
        ),
    ),
    Rule(
        "why this role",
        _trigger(r"why this (?:role|job|team|company|position)"),
        "why this role",
        _shape_part(
            "why_role",
            "why-this-role line",
            _phrases(
                "why this role (this role, excited, your team ...)",
                r"this (?:role|position|job|team)|your (?:team|company|mission)|"
                r"i'?m (?:really |very )?(?:excited|drawn|keen)|i'?d love|why i",
            ),
        ),
    ),
    Rule(
        "numbers",
        _trigger(
            r"numbers?",
            r"quantif\w*",
            r"measured (?:gain|improvement|result|impact)",
            r"(?:the|fix's) measured",
            r"measurable",
            r"how far",
            r"metrics? (?:that moved|before)",
            r"baseline metrics",
            r"and metrics",
        ),
        "a figure",
        _numbers,
    ),
    Rule("money", _trigger(r"dollars?"), "an amount of money", _currency),
    Rule(
        "baseline",
        _trigger(
            r"baselines?",
            r"before(?:/| and )after",
            r"where they started",
            r"already at",
            r"versus expected",
            r"the complexity before",
        ),
        "a before figure or comparison",
        _phrases(
            "a comparison: from X to Y, baseline, compared to, before, versus",
            r"from \S+ (?:\S+ ){0,3}to",
            r"baseline|compared (?:to|with)|versus|vs|relative to|up from|down from|"
            r"before|previously|used to|had been|was at|were at|started at|than (?:last|the)|"
            r"control|expected|originally|at first",
        ),
    ),
    Rule(
        "dates",
        _trigger(r"dates?", r"timeline", r"when it hit"),
        "dates",
        _dates,
    ),
    Rule(
        "deadline",
        _trigger(
            r"deadline",
            r"time pressure",
            r"pressure",
            r"on schedule",
            r"against the date",
            r"days or weeks",
        ),
        "a deadline or time limit",
        _phrases(
            "a deadline (deadline, due, launch date, N weeks, by Friday ...)",
            r"deadlines?|due (?:date|on|by|in)|launch date|go-live|on time|on schedule|"
            r"ahead of schedule|behind schedule|"
            r"(?:\d+|a|one|two|three|four|five|six|seven|eight|nine|ten|a few) "
            r"(?:days?|weeks?|hours?|months?|sprints?)|"
            r"by (?:monday|tuesday|wednesday|thursday|friday|the end|end of|q[1-4])|"
            r"before (?:the )?(?:launch|release|review|demo|holiday|event|end|deadline)|"
            r"weeks? left|days? left|time pressure|tight",
        ),
    ),
    Rule(
        "root cause",
        _trigger(r"root cause", r"the cause", r"isolated the cause", r"why you missed"),
        "the cause",
        _phrases(
            "a cause (root cause, caused by, traced to, turned out, because ...)",
            r"root cause|caused by|the cause|cause (?:was|is)|because of|"
            r"traced (?:it |the \w+ |this )?(?:back )?to|came (?:down )?(?:from|to)|due to|"
            r"turned out|the reason (?:was|is)|culprit|source of|stemmed from|"
            r"boiled down to|because",
        ),
    ),
    Rule(
        "isolating",
        _trigger(r"isolated", r"each layer", r"each step of the investigation", r"confounders?"),
        "how the cause was isolated",
        _phrases(
            "isolation steps (segmented, split by, ruled out, compared, reproduced ...)",
            r"segment\w*|split (?:it |the \w+ )?by|broke (?:it |the \w+ )?down|"
            r"drill\w* (?:down|into)|"
            r"ruled out|reproduc\w+|narrow\w*|isolat\w+|compared|one by one|a/?a test|"
            r"controlled for|confound\w*|seasonality|checked (?:the|each|whether|if)|"
            r"first (?:i|we) (?:looked|checked)|then (?:i|we) (?:looked|checked)|layer",
        ),
    ),
    Rule(
        "reflection",
        _trigger(
            r"reflection",
            r"differently",
            r"looking back",
            r"what you learned",
            r"lessons?",
            r"change looking back",
        ),
        "a reflection",
        _star_section("reflection", "Reflection", _REFLECTION_CUES),
    ),
    Rule(
        "trade-off",
        _trigger(r"trade-?offs?"),
        "a trade-off",
        _phrases(
            "a trade-off (instead of, rather than, at the cost of, gave up, trade-off ...)",
            r"trade-?offs?|traded|at the (?:cost|expense) of|instead of|rather than|"
            r"gave up|giving up|give up|in exchange|sacrific\w+|downside|cost (?:us|me|them)|"
            r"chose \w+ (?:\w+ )?over|over the|accepted|not worth|compromis\w+|balanc\w+|"
            r"deferred|dropped|left out|meant (?:giving|losing|accepting|a|we|that)|"
            r"even though|at the price|price of|slower|simpler",
        ),
    ),
    Rule(
        "concession",
        _trigger(r"concession"),
        "a concession won",
        _phrases(
            "a concession (agreed to, in exchange, compromise, they accepted ...)",
            r"agreed to|concession|compromis\w+|in exchange|(?:they|he|she|my manager) "
            r"(?:agreed|accepted)|got (?:them|him|her|my manager|the team) to|meet \w* ?(?:middle|"
            r"halfway)|on (?:the )?condition",
        ),
    ),
    Rule("principle", _trigger(r"principle"), "a principle by name", _principle),
    Rule(
        "stakeholders",
        _trigger(r"stakeholders?"),
        "stakeholders",
        _phrases(
            "who else was involved (stakeholders, product manager, engineers, legal ...)",
            r"stakeholders?|(?:product|program|engineering|general) managers?|pm|engineers?|"
            r"designers?|legal|finance|marketing|sales|operations|ops|leadership|directors?|"
            r"vp|partners?|worked (?:closely )?with|teams?|my manager|executives?|customers?",
        ),
    ),
    Rule(
        "role",
        _trigger(
            r"your role",
            r"your specific responsibility",
            r"pieces you owned",
            r"your part",
            r"role in",
            r"not strictly yours",
            r"outside your role",
            r"why you stepped in",
        ),
        "your own role",
        _shape_part(
            "role",
            "role stage",
            _phrases(
                "your role (my role, I was the ..., I owned, I was responsible ...)",
                r"my role|i was (?:the|a|an|responsible|asked|tasked)|responsib\w+|i owned|"
                r"i led|my (?:job|part|task|responsibility)|i took (?:on|over|ownership)|"
                r"not (?:my|our) (?:job|team|role|area|project|responsibility)|outside (?:my|our)|"
                r"no one|nobody|stepped in|volunteered|i personally|as the",
            ),
        ),
    ),
    Rule(
        "problem or goal",
        _trigger(
            r"problem",
            r"goal",
            r"original (?:ask|request)",
            r"the ask",
            r"underlying need",
            r"about to happen",
            r"what the conflict",
            r"symptom",
            r"why you needed",
            r"side effect",
            r"internal target",
        ),
        "the problem or goal",
        _shape_part(
            "problem",
            "problem stage",
            _phrases(
                "the problem or goal (problem, goal, asked to, needed, the plan was ...)",
                r"problems?|issues?|goal|objective|target|asked (?:me |us )?to|requests?|"
                r"requested|wanted|needed|challenge|struggl\w+|complain\w+|pain|"
                r"was about to|(?:the|our) plan|decided to|the need|the question|symptoms?|"
                r"my (?:job|task) was|had to|have to|has to|decide whether|"
                r"conflict|disagree\w*|side effects?|concern\w*",
            ),
        ),
    ),
    Rule(
        "evaluation",
        _trigger(
            r"evaluat\w*",
            r"validat\w*",
            r"checked your work",
            r"measured it",
            r"checks you use",
            r"how you checked",
            r"experiments?",
        ),
        "how it was checked",
        _shape_part(
            "experiments",
            "experiments stage",
            _phrases(
                "a check (A/B test, experiment, holdout, validated, compared, backtest ...)",
                r"a/?b(?: tests?)?|experiments?|tests?|tested|holdout|control|validat\w+|"
                r"evaluat\w+|offline|backtest\w*|checked|compared|precision|recall|accuracy|"
                r"auc|measured|monitor\w+|verified|sanity|spot-check\w*|cross-validation|"
                r"pilot|reviewed|correlat\w+",
            ),
        ),
    ),
    Rule(
        "guardrails",
        _trigger(r"guardrails?"),
        "guardrail metrics",
        _phrases(
            "a guardrail (guardrail, latency, without hurting, kept X under ...)",
            r"guardrails?|latency|counter-?metrics?|(?:without|didn't|did not|no) "
            r"(?:hurting|harm\w*|regress\w*|drop\w*|increase)|kept \w+ (?:\w+ )?(?:under|below|"
            r"above)|thresholds?|kill switch|bounce|error rate|watch\w*|monitor\w*|alerts?",
        ),
    ),
    Rule(
        "rollback",
        _trigger(r"roll-?back", r"roll back"),
        "a rollback plan",
        _phrases(
            "a way back (roll back, revert, feature flag, kill switch ...)",
            r"roll(?:ed|ing)? ?back|rollback|revert\w*|kill switch|feature flags?|flags?|"
            r"switch (?:it )?off|turn (?:it )?off|fall ?back|undo|back out",
        ),
    ),
    Rule(
        "data risks",
        _trigger(r"data quality", r"data risks?", r"quality risks"),
        "data risks",
        _in_part(
            "data",
            "data stage",
            _phrases(
                "a data risk (leakage, missing, bias, noisy, delayed, privacy ...)",
                r"data quality|leak\w*|missing|missingness|bias\w*|noisy|noise|duplicat\w+|"
                r"outliers?|delayed|late-arriving|sparse|sparsity|incomplete|stale|mislabel\w+|"
                r"drift|privacy|pii|gaps?|skew\w*|errors? in the data|dirty|inconsisten\w+",
            ),
        ),
    ),
    Rule(
        "evidence",
        _trigger(r"evidence", r"the data you", r"methods and data", r"how you measured"),
        "evidence",
        _any_of(
            _phrases(
                "evidence (data, analysis, logs, survey, showed, found ...)",
                # not a job or a team ("I was a data scientist")
                r"data(?! (?:scien\w+|engineer\w*|analysts?|teams?|org\w*|platform))|"
                r"analys[ie]s|analy[sz]ed|showed|found|logs?|dashboards?|surveys?|"
                r"interviews?|tickets?|complaints?|feedback|numbers|metrics?|quer(?:y|ied)|"
                r"samples?|a/?b|experiments?|tests?|measured|reviews?|ratings?|nps|records",
            ),
            _numbers,
        ),
    ),
    Rule(
        "mechanism",
        _trigger(
            r"mechanism",
            r"check you added",
            r"process change",
            r"made it last",
            r"adoption lasted",
            r"keeps it",
            r"stayed fixed",
            r"checks you use",
        ),
        "a lasting mechanism",
        _phrases(
            "something that lasts (alert, dashboard, checklist, runbook, automated, now runs ...)",
            r"mechanisms?|alerts?|dashboards?|checklists?|runbooks?|playbooks?|automat\w+|"
            r"monitor\w*|now (?:runs|checks|part|every|a|an|the|we|i)|every (?:test|release|"
            r"launch|experiment|week|month|quarter|sprint|review|change|deploy\w*)|"
            r"still (?:use|used|running|in use|uses)|templates?|standard\w*|process|weekly|"
            r"monthly|added (?:a|an) (?:\w+ )?checks?|documented|documentation|wiki|"
            r"adopted|adoption|handed (?:it )?(?:over|off)|ci|pipeline|gate",
        ),
    ),
    Rule(
        "actions",
        _trigger(
            r"actions?",
            r"what you did",
            r"each step",
            r"each layer",
            r"what you (?:built|changed|added)",
            r"the fix\b",
            r"the pieces",
            r"a specific example",
        ),
        "your actions",
        _actions,
    ),
    Rule(
        "result",
        _trigger(
            r"results?",
            r"outcome",
            r"impact",
            r"improvement",
            r"gain",
            r"benefit",
            r"value created",
            r"what it (?:unblocked|enabled)",
            r"moved",
            r"the change",
            r"how far",
            r"growth",
            r"saved",
            r"how you recovered",
            r"enabled",
        ),
        "the result",
        _any_of(
            _shape_part(
                "results", "results stage", _star_section("result", "Result", _RESULT_CUES)
            ),
            _RESULT_CUES,
        ),
    ),
    Rule(
        "risk",
        _trigger(
            r"(?<!quality )(?<!data )risks?",
            r"downside",
            r"what was about to happen",
            r"the stakes",
            r"stakes",
        ),
        "the risk",
        _phrases(
            "the risk (risk, could have, would have, prevented, loss, downside ...)",
            r"risks?|risky|could have|would have|might have|prevent\w*|avoid\w*|loss|lose|"
            r"would (?:cost|lose|hurt|break|mean|cause)|lost|"
            r"losing|exposure|downside|mitigat\w+|danger\w*|threat|worst case|at stake|"
            r"stakes|jeopard\w+|penalt\w+|harm",
        ),
    ),
    Rule(
        "customer",
        _trigger(r"customers?", r"end-customer", r"users?"),
        "customers",
        _phrases(
            "customers (customer, users, clients, shoppers, sellers ...)",
            r"customers?|users?|clients?|shoppers?|buyers?|sellers?|riders?|drivers?|"
            r"patients?|members?|subscribers?|merchants?|advertisers?|consumers?|people",
        ),
    ),
    Rule(
        "decision",
        _trigger(r"decisions?", r"decided", r"the call\b"),
        "the decision",
        _phrases(
            "a decision (decided, chose, went with, made the call, approved ...)",
            r"decided|decision|decid\w+|chose|choice|went with|made the call|agreed|approved|"
            r"launch\w*|ship\w*|paus\w+|stopp?\w*|greenlit|signed off|go/no-go|call",
        ),
    ),
    Rule(
        "communication",
        _trigger(
            r"communicat\w*",
            r"buy-?in",
            r"raised it",
            r"how you committed",
            r"resolved",
            r"earned trust",
            r"accountability",
            r"the feedback",
            r"their perspective",
            r"conviction",
            r"humility",
        ),
        "how you worked with people",
        _phrases(
            "talking it through (met, explained, presented, listened, wrote a doc, agreed ...)",
            r"i (?:met|talked|spoke|presented|wrote|shared|explained|walked|showed|sent|"
            r"escalated|raised|asked|listened|called|scheduled|set up|brought|reached out|"
            r"told|committed|apologi[sz]ed|admitted)|meetings?|one-on-ones?|1:1|docs?|memo|"
            r"emails?|slack|aligned|alignment|agreed|commit\w*|buy-?in|present\w*|updates?|"
            r"listen\w*|feedback|conversation|their (?:view|perspective|concerns?|point)|"
            r"open to|changed my mind|trust",
        ),
    ),
    Rule(
        "scope",
        _trigger(r"scop\w*", r"re-scop\w*", r"prioriti[sz]\w*", r"core stayed"),
        "scoping",
        _phrases(
            "scoping (scope, MVP, first version, phase, cut, deferred, prioritised, promised ...)",
            r"scop\w*|descop\w*|re-?scop\w*|mvp|first version|v1|phases?|phased|cut|dropped|"
            r"deferred|smaller|narrow\w*|prioriti[sz]\w*|must-haves?|nice-to-haves?|core|"
            # the scope of a commitment is what was promised
            r"promised|committed to|signed up (?:for|to)|agreed to deliver|deliverables?",
        ),
    ),
    Rule(
        "hypothesis",
        _trigger(r"hypothes\w+"),
        "a first hypothesis",
        _phrases(
            "a hypothesis (I thought, I assumed, suspected, turned out, ruled out ...)",
            r"hypothes\w+|i (?:first )?(?:thought|assumed|suspected|guessed|expected)|"
            r"first guess|my guess|theory|turned out|ruled out|was wrong",
        ),
    ),
    Rule(
        "flaw",
        _trigger(r"flaw", r"lagging", r"gameable", r"noisy", r"what was wrong"),
        "the flaw",
        _phrases(
            "a flaw (lagging, gamed, noisy, misleading, did not reflect ...)",
            r"lagg\w+|gam(?:e|ed|able|ing)|noisy|noise|flaw\w*|misleading|wrong|broken|"
            r"didn't (?:capture|reflect|track|measure)|did not (?:capture|reflect|track|measure)|"
            r"proxy|biased|delayed|weeks? late|too late|inflated",
        ),
    ),
    Rule(
        "setback",
        _trigger(
            r"off plan",
            r"fell short",
            r"obstacle",
            r"went wrong",
            r"problem you caught",
            r"unknown",
            r"uncertain",
        ),
        "the setback",
        _phrases(
            "what went wrong (realized, went wrong, slipped, unexpected, didn't know ...)",
            r"realiz\w+|realis\w+|noticed|went wrong|off (?:track|plan)|behind|slipp\w+|"
            r"fell short|missed|fail\w*|didn't work|did not work|broke|turned out|surpris\w+|"
            r"unexpected\w*|suddenly|blocked|obstacle|bug|quit|left|lost|caught|"
            r"discovered|found (?:that|a|an|out)|delay\w*|unknown|didn't know|did not know|"
            r"unclear|uncertain\w*|not sure|no data|assum\w+",
        ),
    ),
    Rule(
        "vision",
        _trigger(r"vision", r"10x", r"bigger"),
        "the bigger vision",
        _phrases(
            "a bigger vision (vision, 10x, long term, platform, every team ...)",
            r"vision|10x|ten ?x|ten times|long-?term|years? from now|platforms?|"
            r"company-?wide|every team|roadmap|ambitio\w+|north star|at scale|whole company",
        ),
    ),
    Rule(
        "learning method",
        _trigger(r"how you learned"),
        "how you learned it",
        _phrases(
            "how you learned (read, course, papers, taught myself, practised, asked ...)",
            r"read|reading|courses?|papers?|tutorials?|books?|documentation|docs|"
            r"taught myself|self-taught|practi[cs]\w+|prototyp\w+|asked|mentors?|experts?|"
            r"colleagues?|online|studied|learn\w*",
        ),
    ),
    Rule(
        "handoff",
        _trigger(r"hand-?off", r"handed"),
        "the handoff",
        _phrases(
            "a handoff (handed over, transition, new owner, documented, trained ...)",
            r"hand(?:ed)? ?(?:it |them |this )?(?:over|off)|handoff|transition\w*|new owner|"
            r"documented|runbooks?|trained|onboard\w*",
        ),
    ),
    Rule(
        "adoption",
        _trigger(r"adoption"),
        "adoption",
        _phrases(
            "adoption (adopted, teams use, usage, rolled out, still used ...)",
            r"adopt\w*|teams? (?:use|used|uses|using|now)|usage|rolled (?:it )?out|roll-?out|"
            r"everyone|default|still (?:use|used|uses)|weekly active|users",
        ),
    ),
    Rule(
        "standard",
        _trigger(r"\bbar\b", r"standard"),
        "the standard",
        _phrases(
            "a standard (bar, standard, threshold, would not ship, insisted ...)",
            r"bar|standards?|threshold|quality|would not|wouldn't|refused|insisted|required|"
            r"requirement|must|every|review\w*|checklists?",
        ),
    ),
    Rule(
        "proxy chain",
        _trigger(r"proxy"),
        "the link from proxy to outcome",
        _phrases(
            "a link (proxy, leading indicator, which drives, translates into, downstream ...)",
            r"prox(?:y|ies)|leading indicators?|correlat\w+|linked|ties? (?:to|into|back)|"
            r"which (?:drives|led to|leads to|means)|chain|translat\w+|downstream|ultimately|"
            r"in turn|connect\w*",
        ),
    ),
    Rule(
        "alternative",
        _trigger(r"alternative", r"your position", r"stance"),
        "your alternative",
        _phrases(
            "your position (alternative, proposed, instead, I argued, I believed ...)",
            r"alternatives?|proposed|proposal|instead|rather than|suggested|i argued|"
            r"i believed|i pushed|my (?:position|view|stance|case)|option",
        ),
    ),
]


def _stem(word: str) -> str:
    return word[: max(4, len(word) - 3)] if len(word) > 5 else word


def _by_words(ctx: Context, item: str) -> Found:
    """Fallback: at least half of the item's content words (by stem) were said.

    "Half" is ``options.coverage_word_share``.
    """
    content = [w for w in content_words(item) if len(w) > 1]
    if not content:
        return Found(True, "nothing to check in the item's words")
    tokens = [norm(w.text) for w in ctx.index.words]
    heard: list[tuple[str, int]] = []
    for word in content:
        stem = _stem(word)
        said = [i for i, t in enumerate(tokens) if t.startswith(stem)]
        # shown where the transcriber was sure of the word, when it was anywhere
        at = next((i for i in said if i not in ctx.index.uncertain), said[0] if said else None)
        if at is not None:
            heard.append((word, at))
    need = math.ceil(len(content) * ctx.options.coverage_word_share)
    if len(heard) >= need:
        a = heard[0][1]
        shown = ", ".join(f"'{w}'" for w, _ in heard)
        return Found(
            True,
            f"no rule for this item; its words {shown} were heard, first "
            + ctx.index.quote(a, a, around=2),
            ctx.index.words[a].start,
        )
    missing = [w for w in content if w not in {h for h, _ in heard}]
    return Found(
        False,
        "no rule for this item; fewer than half of its words were heard (not heard: "
        + ", ".join(f"'{w}'" for w in missing)
        + ")",
    )


def rules_for(item: str) -> list[Rule]:
    """The rules an item's text calls for, in rule order (empty: the word fallback)."""
    text = item.lower()
    return [rule for rule in RULES if rule.trigger.search(text)]


def check_item(item: str, ctx: Context) -> CoverageItem:
    rules = rules_for(item)
    if not rules:
        found = _by_words(ctx, item)
        return CoverageItem(
            item=item,
            heard=found.heard,
            rules=["words"],
            unheard=[] if found.heard else ["words"],
            evidence=found.evidence,
            start=found.start,
        )
    results = [(rule, rule.check(ctx, item)) for rule in rules]
    either = re.search(r"\bor\b", item.lower()) is not None
    heard = (any if either else all)(f.heard for _, f in results)
    if heard:
        shown = [(r, f) for r, f in results if f.heard]
    else:
        shown = [(r, f) for r, f in results if not f.heard] + [
            (r, f) for r, f in results if f.heard
        ]
    parts = []
    for rule, found in shown:
        prefix = rule.name if found.heard else f"{rule.name} not heard"
        parts.append(f"{prefix}: {found.evidence}")
    start = next((f.start for _, f in shown if f.heard and f.start is not None), None)
    return CoverageItem(
        item=item,
        heard=heard,
        rules=[rule.name for rule in rules],
        unheard=[rule.name for rule, found in results if not found.heard],
        evidence="; ".join(parts),
        start=start,
    )


def check_coverage(
    transcript: Transcript,
    prompt: Prompt,
    star: StarResult,
    shape: ShapeResult | None,
    options: AnalysisOptions,
) -> CoverageResult:
    """Each ``prompt.must_include`` item, heard or not, with its evidence."""
    ctx = Context(
        index=TextIndex(transcript.words, uncertain_set(transcript.words, options)),
        star=star,
        shape=shape,
        principles=list(prompt.principles),
        options=options,
    )
    items = [check_item(item, ctx) for item in prompt.must_include]
    return CoverageResult(items=items, missing=[it.item for it in items if not it.heard])
