"""Split an answer into STAR sections: Situation, Task, Action, Result, Reflection.

The method is explainable, so the report can say why each sentence got its label:

1. The transcript is cut into sentences (punctuation, or a pause when punctuation is
   missing) by :func:`voiceloop.analysis.timeline.split_sentences`; very long runs are cut
   again (:func:`refine_sentences`).
2. Each sentence gets hand cue evidence per label from generic interview phrases ("as a
   result", "my goal was", "I learned", "I built", signed changes like "+8%" ...), with a
   stable id for every cue that fired (:func:`sentence_evidence`).
3. The learned model (``star_model.json``, trained by ``benchmarks/styles/train_labeller.py``
   on answers told in many styles) scores every label from the sentence's features
   (:mod:`voiceloop.analysis.star_features`: words, the cues, position, neighbours, and the
   path the hand-cue labeller alone would choose), and one search
   (:func:`voiceloop.analysis.sequence.viterbi`) picks the best label sequence under its
   learned transitions (:func:`label_sentences`).

The hand-cue labeller (:func:`label_by_cues`: cue and wording evidence, a position prior and
the Situation -> Task -> Action -> Result -> Reflection order with a cost for going back) is
kept as evidence for the model and for comparison. Each label carries a short ``reason``: the
cues that decided it, the ordering rule, or the words that pushed it.
"""

from __future__ import annotations

import dataclasses
import itertools
import math
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from voiceloop.analysis import sequence
from voiceloop.analysis.encoder import default_encoder, embed
from voiceloop.analysis.numbers import CARDINAL_WORDS
from voiceloop.analysis.sequence import (
    OPENING_MARK,
    ChainModel,
    load_chain_model,
    opening_features,
)
from voiceloop.analysis.star_features import star_features
from voiceloop.analysis.timeline import norm, norm_tokens, split_sentences
from voiceloop.analysis.wording import wording
from voiceloop.models import (
    STAR_LABELS,
    Sentence,
    SentenceLabel,
    StarLabel,
    StarResult,
    StarSection,
    Transcript,
    Word,
)
from voiceloop.options import AnalysisOptions

STAR_MODEL_PATH = Path(__file__).with_name("star_model.json")
# Words too plain to explain a label on their own: a feature made only of these still counts,
# but the report does not quote it.
_PLAIN_WORDS = CARDINAL_WORDS | frozenset(
    """a an the and or but so of to in on at for with by from as that this it its is was
    were be been i we my our me us you he she they them his her their there which who what
    when then than just also very really all some any hundred thousand million um uh""".split()
)
NICE: dict[str, str] = {
    "situation": "Situation",
    "task": "Task",
    "action": "Action",
    "result": "Result",
    "reflection": "Reflection",
}

# --- word classes -----------------------------------------------------------------------

# Words skipped at a sentence start before looking at its first content word.
_LEADING_SKIP = frozenset(
    "um uh er ah erm hmm mm so and but then like okay ok well yeah also basically".split()
)
_LEADING_PAIRS = ("you know", "i mean", "and then", "so then")

# Irregular past tenses of doing verbs (what a candidate did).
_IRREGULAR_PAST = frozenset(
    """built ran led made took found wrote chose got gave brought sent put met spoke told
    taught drove kept spent sought went won drew fought bought caught dug hid hung lit
    paid read rewrote rebuilt rode sat shot showed shut sold split spun stood stuck swept
    threw understood undertook withdrew overrode oversaw broke began did said heard came
    held left lost dealt saw""".split()
)
# Past tenses that describe a state or a thought, not an action: evidence for Situation.
_STATE_PAST = frozenset(
    """was were had lacked wanted needed believed thought felt knew noticed seemed
    looked appeared existed owned faced struggled suffered relied""".split()
)
# Past tenses of change verbs with a metric as subject: evidence for Result.
_CHANGE_PAST = frozenset(
    """rose fell dropped dipped declined grew increased decreased improved doubled tripled
    quadrupled halved recovered jumped climbed shrank soared plummeted reduced cut saved
    lifted boosted raised lowered stabilized stabilised normalized normalised went became
    reached hit exceeded beat surpassed""".split()
)
# "-ed" words that are not past tenses.
_NOT_PAST = frozenset(
    """need speed feed seed proceed exceed succeed bleed breed indeed red bed shed hundred
    embed weed deed greed based related limited detailed dedicated skilled experienced
    interested supposed advanced automated""".split()
)
# Base forms that open goal statements and lessons ("Ship an MVP", "Define guardrails").
_BASE_VERBS = frozenset(
    """align ship improve reduce cut increase ensure create build deliver stabilize
    stabilise own elevate voice fix find make get launch design migrate lead help decide
    convince hit meet recover prevent define establish understand identify raise lower
    grow keep protect replace automate simplify scale speed figure bring move turn
    unblock resolve close win save support enable drive set start stop run test check
    measure validate prove avoid minimize minimise maximize maximise optimize optimise
    deliver integrate consolidate standardize standardise rebuild redesign rewrite
    communicate escalate negotiate persuade onboard hire train mentor coach document
    phase pilot invest prioritize prioritise focus ask involve share write talk""".split()
)


# Prefixes that keep a hyphenated word a verb ("re-implemented"); other compounds ending in
# "-ed" are adjectives ("skip-related tickets", "data-driven", "well-designed").
_VERB_PREFIXES = frozenset("pre re co de un over under mis out double cross back".split())


def _is_past(tok: str) -> bool:
    if "-" in tok:
        prefix, tok = tok.rsplit("-", 1)
        if prefix.rsplit("-", 1)[-1] not in _VERB_PREFIXES:
            return False
    if tok in _IRREGULAR_PAST or tok in _CHANGE_PAST:
        return True
    if tok in _NOT_PAST or tok in _STATE_PAST:
        return False
    return len(tok) >= 4 and tok.endswith("ed") and tok.isalpha()


# Verbs whose past tense is their base form: past only after a subject ("we cut costs"),
# a goal or an order without one ("cut cycle time").
_SAME_PAST_AND_BASE = frozenset("cut set put hit let shut split spread cost".split())
_SUBJECTS = frozenset("i we they he she it you team".split())


def _past_here(tokens: list[str], i: int) -> bool:
    tok = tokens[i]
    if tok in _SAME_PAST_AND_BASE:
        return i > 0 and tokens[i - 1] in _SUBJECTS
    return _is_past(tok)


# Words that may stand between a subject and its verb ("I then built", "she later asked").
_BETWEEN_SUBJECT_AND_VERB = frozenset(
    """then also quickly personally first finally later just eventually immediately actually
    even still never not soon again already really basically literally ultimately simply
    carefully""".split()
)
# ... those of them that leave the deed undone ("we never got the chance", "I did not")
_NEGATIONS = frozenset({"never", "not"})
# Words before a past tense that say nothing about who did it: a clause joined to the one
# before ("and built"), an auxiliary ("had built", "was caught", "gets used"), an infinitive.
_NO_SUBJECT_BEFORE = frozenset(
    "and then so but or to had have has was were been be being is are get gets got".split()
)
_OTHER_PRONOUNS = frozenset("she he they it everyone everybody nobody someone people".split())
_DETERMINERS = frozenset(
    "the our their his her my your a an this that these those every each some most".split()
)


def _subject_is_other(tokens: list[str], k: int, start: int) -> bool:
    """Whether the word at ``k``, just before a verb, ends a subject that is not the speaker:
    a pronoun ("she asked"), the sentence's first word ("Analysts began"), or a noun phrase
    opened by a determiner that is not the object of a verb before it ("the team decided",
    "our head of analytics made"; not "reused the existing features, trained")."""
    if tokens[k] in _OTHER_PRONOUNS or k == start:
        return True
    for j in range(k, max(start, k - 3) - 1, -1):
        if tokens[j] in _DETERMINERS:
            return j == start or not _is_past(tokens[j - 1])
    return False


_SPEAKER_WOULD = frozenset({"i'd", "we'd", "i'll", "we'll", "i'm", "we're"})


# Someone saying yes to the plan ("she approved the rollout and assigned two analysts") is a
# step in the Action: what came of the work is told after it.
_CONSENT = re.compile(
    r"(?<![\w'-])(?:agreed|agrees?|approved|approves?|signed off|said yes|okayed|liked the idea|"
    r"let (?:me|us)|gave (?:me|us) the (?:go-ahead|green light)|"
    # ... or a go-ahead given as an instruction: "the director said to hold the launch",
    # "she told me to keep it running"
    r"said to(?= (?!(?:me|us|them|him|her|be)(?![\w']))\w)|told (?:me|us) to|"
    r"backed (?:the|my|our|that|this) (?:decision|plan|call|proposal|idea))(?![\w'])"
)


def _speaker_acts_now(tokens: list[str]) -> bool:
    """The speaker is a subject outside the past tense: "afterward I'd give her two things",
    "I thank them in the channel"."""
    for i, tok in enumerate(tokens):
        if tok in _SPEAKER_WOULD:
            return True
        if tok not in ("i", "we"):
            continue
        k = i + 1
        while k < len(tokens) and tokens[k] in _BETWEEN_SUBJECT_AND_VERB:
            k += 1
        if k < len(tokens) and not _past_here(tokens, k) and tokens[k] not in _STATE_PAST:
            return True
    return False


_MODALS = frozenset("would could might should must may".split())


def _after_modal_have(tokens: list[str], i: int) -> bool:
    """A participle that only might have been: "our model would have left us short"."""
    return i >= 2 and tokens[i - 1] == "have" and tokens[i - 2] in _MODALS


def _doers(tokens: list[str], start: int) -> tuple[int, int, int]:
    """(own, others, all): past-tense doing verbs whose subject is "I"/"we", those whose
    subject is someone or something else ("the team decided", "she asked"), and all of them.

    Verbs whose subject cannot be told (resume-speak "Built a dashboard, added tests"; "had
    been sized"; "and shipped") count only in the last; states ("was", "had") in none.
    """
    own = others = total = 0
    for i, tok in enumerate(tokens):
        if tok in _STATE_PAST and i > 0 and tokens[i - 1] in ("i", "we"):
            if i + 1 < len(tokens) and tokens[i + 1] == "to":
                own += 1  # "I had to defend the delay", "we needed to"
            continue
        if i < start or tok in _STATE_PAST or not _past_here(tokens, i):
            continue
        if tok == "turned" and i + 1 < len(tokens) and tokens[i + 1] == "out":
            continue  # "it turned out": a finding, not a deed
        if tok == "took" and "as" in tokens[i + 1 : i + 3]:
            continue  # "which I took as a sign": a reading, not a deed
        if i > 0 and tokens[i - 1] == "what":
            continue  # "what stuck with me", "what made it work": a cleft, no doer
        total += 1
        if i == start:  # opens the sentence: resume-speak "Shipped the model"
            continue
        k = i - 1
        while k > start and tokens[k] in _BETWEEN_SUBJECT_AND_VERB:
            k -= 1
        if tokens[k] in ("i", "we") and _NEGATIONS & set(tokens[k + 1 : i]):
            continue  # "but we never got the chance": a deed left undone ("it never failed
            # again" is still what came of the work)
        if tokens[k] in _NO_SUBJECT_BEFORE:
            continue
        if tokens[k] in ("i", "we"):
            own += 1
        elif _subject_is_other(tokens, k, start):
            others += 1
    return own, others, total


# --- cue phrases -------------------------------------------------------------------------


@dataclass(frozen=True)
class Cue:
    label: StarLabel
    pattern: re.Pattern[str]
    weight: float
    name: str = ""  # shown instead of the matched text when set
    unless: re.Pattern[str] | None = None  # the cue says nothing in a sentence matching this


def _cues(label: StarLabel, weight: float, *patterns: str, unless: str | None = None) -> list[Cue]:
    skip = re.compile(r"(?<![\w'-])(?:" + unless + r")(?![\w'])") if unless else None
    return [
        Cue(label, re.compile(r"(?<![\w'-])(?:" + p + r")(?![\w'])"), weight, unless=skip)
        for p in patterns
    ]


# What the work cost is part of doing it ("total cost was about $9,000"), not its outcome.
_COST_OF_WORK = (
    r"(?:total|overall|the) cost (?:was|came to)|"
    r"cost (?:us )?(?:nothing|anything|very little|almost nothing)"
)

# Setting oneself a question to answer: "I decided to find out what had gone wrong"
_FIND_OUT = (
    r"(?:find out|figure out|work out|get to the bottom|find the (?:actual |real |root )?cause)"
)
# What "decided to" takes on when it is the Task, not a step: "I decided to take it on", "to
# own the migration", "to find out what had gone wrong"
_TAKING_ON = r"(?:take (?:it|this|that) on|own |" + _FIND_OUT + r")"
# The speaker setting the Task: "so I decided to find out why", "so I set out to learn how big
# the gap was"; after "so" or "then" too, these are not a step
_SETS_THE_TASK = r"(?:decided to " + _TAKING_ON + r"|set out to )"

# Past tenses of thinking and having ("I learned", "I had"), missing ("we missed the window"),
# taking a task on ("I volunteered to"), noticing ("I started noticing") and reading ("I took
# it as a sign") are not actions.
_NOT_DOING = (
    r"(?!(?:learned|learnt|realized|realised|thought|felt|believed|knew|understood|noticed|wanted|"
    r"needed|had|was|lost|missed)(?![\w'])|(?:volunteered|offered|signed up|stepped up) to |"
    + _SETS_THE_TASK
    + r"|(?:started|began) (?:noticing|seeing|hearing|getting)|stopped (?:\w+ing|having to)|"
    r"took (?:\w+ )?as (?:a |an )?(?:sign|signal|compliment|win|lesson)|"
    r"took (?:away )?from (?:it|this|that)|took (?:it|this|that) on)"
)
# ... but a deed left undone is not a step
_SUBJECT_ADVERB = r"(?:(?:" + "|".join(sorted(_BETWEEN_SUBJECT_AND_VERB - _NEGATIONS)) + r") )?"
_NUM = r"(?:[+\-\u2212]?\$?\d[\d,.]*%?|plus \S+|minus \S+)"
_PAST_RE = r"\w+ed|" + "|".join(sorted(_IRREGULAR_PAST | _CHANGE_PAST))
_MOVED = (
    r"(?:went|dropped|fell|rose|grew|moved|climbed|shrank|jumped|improved|increased|"
    r"decreased|declined|came down|went down|went up|changed|shifted)"
)
_NUMBER_WORDS = "|".join(sorted(CARDINAL_WORDS | {"hundred"}, key=len, reverse=True))

_SCENE_SET = 1.5  # the weight of one scene-setting cue ("at a payments company")
_TASK_CUE = 1.8  # the weight of a Task cue ("asked me to", "I needed to"), not a hint

CUES: list[Cue] = [
    # Situation: context, the state of things, the problem.
    *_cues(
        "situation",
        _SCENE_SET,
        r"at (?:a|an) (?:\S+ ){0,3}?(?:company|startup|firm|bank|retailer|hospital|clinic|"
        r"agency|school|university|lender|insurer|manufacturer|marketplace|nonprofit|charity|"
        r"store|shop|mall|warehouse|restaurant|hotel|factory|plant|lab|chain)",
        # the speaker's role: "I managed a clothing store with about 25 part-time staff"
        r"i (?:managed|ran|led|supervised) (?:a|an|the) (?:\S+ ){0,3}?(?:store|shop|restaurant|"
        r"warehouse|unit|ward|department|branch|clinic|crew|shift|kitchen|classroom)",
        r"(?:at|in) my (?:last|previous|current|old|first|former) "
        r"(?:company|job|role|team|employer|position)",
        r"(?:when|while) i was",
        r"at the time|back then",
        r"i was working",
        # "this was at a subscription business where I sat on the analytics side"
        r"(?:this|that|it) was (?:at|back (?:at|in|when)|during|when i)",
        r"i (?:started|began) (?:noticing|seeing|hearing|getting)",
        r"i (?:joined|worked at|worked for)",
        # how it was usually done: "the usual fix was restarting the service"
        r"the (?:usual|normal|standard|default|old|existing) (?:fix|way|approach|process|"
        r"practice|workaround|routine) (?:was|is|had been)",
        # the time around the speaker's arrival: "the year before I arrived, the store had"
        r"(?:before|when|after|until|by the time) i (?:arrived|joined|started there|took over|"
        r"got there|came in|came on board)",
        r"(?:the|our|a|one) (?:problem|challenge|issue|situation|context|background) "
        r"(?:was|is|were)",
        r"there (?:was|were|had been)",
    ),
    *_cues(
        "situation",
        0.8,
        r"we had",
        r"(?:was|were) (?:\w+ing)",
        r"(?:the|our) (?:company|team|org|organization|business|product) (?:was|had|is)",
        r"complaints?",
        r"lacked|struggl\w+|suffer\w*|backlog|pain points?",
        r"began|had been|used to",
        r"baseline (?:was|of)",
        # a disruption that happened to the team sets the scene ("our engineer left")
        r"left the company|quit|resigned|(?:was|were|got) laid off|went on leave|outage|"
        r"went down|broke down|stopped (?:working|updating|running|responding)|"
        r"(?:had|have) (?:basically |largely |mostly |all but )?stopped \w+ing",
        r"(?:\w+ )?(?:days?|weeks?|months?) (?:before|ahead of) (?:the )?\w+",
    ),
    *_cues("situation", 0.4, r"was|were|had|wanted|believed|thought"),
    # Task: the goal, the ask, the responsibility.
    *_cues(  # explicit announcements of the task
        "task",
        3.0,
        r"(?:my|our|the) (?:goal|task|job|mission|objective|mandate|ask|assignment|role|"
        r"responsibility|priority|brief|remit) (?:was|is|became|here)",
        # ... as the recogniser sometimes hears "my" before it: "So, um, I task was to lead"
        r"i (?:goal|task|job|mission) was to",
        # ... with words between: "my task, which I volunteered for, was to", "my job that
        # month was"
        r"(?:my|our|the) (?:goal|task|job|mission|objective|mandate|assignment)(?: \S+){1,8}? "
        r"(?:was|is) (?:to|pretty|fairly|simple|clear)",
        # the question the work had to answer: "the question I kept asking myself was, can
        # we", "what I had to figure out was whether"
        r"(?:the|my|our) (?:real |big |main |key )?question (?:\S+ ){0,5}?(?:was|is|became)",
        r"what (?:i|we) (?:had|needed|wanted) to (?:figure out|work out|find out|decide|"
        r"understand|answer|solve|prove)",
        # "I was originally asked to improve the forecast"
        r"i was (?:\w+ly )?(?:asked|tasked|responsible|accountable|expected|supposed|"
        r"brought in|hired|charged)",
        # "the challenge for me was keeping same-day shipping on track" (not "the challenge
        # was that the data was stale": the scene)
        r"(?:my|our|the) (?:\w+ )?challenge (?:for (?:me|us) |here )?(?:was|became) "
        r"(?:to |(?!(?:some|no|any|every)thing)\w+ing)",
        # "I felt it was my job to make sure", not "it wasn't my job"
        r"(?:it|this|that) (?:was|is|became) (?:my|our) (?:job|responsibility|problem|call)",
        # what others wanted from the speaker: "what the client needed from me was simple"
        r"what (?:\w+ ){1,3}?(?:wanted|needed|expected|asked) (?:from|for|of) (?:me|us) "
        r"(?:was|is)",
    ),
    *_cues(
        "task",
        _TASK_CUE,
        r"(?:i|we) (?:also |really |still |just )?(?:needed|had|wanted) to|"
        r"i (?:also |really |still |just )?needed (?!to)(?:\w+ ){1,2}?(?:to|on board)",
        r"(?:i|we) had (?:about |only |just |roughly )?(?:\w+ ){0,2}?"
        r"(?:days?|weeks?|months?|hours?) to",
        # the ask, reported: "my director asked whether I could deliver something within a
        # quarter", "the owners told me they needed people to stop quitting"
        r"asked (?:me )?(?:whether|if) (?:i|we) could|"
        # ... or a question to answer: "the lab manager asked me to find out whether"
        r"(?:asked|tasked) (?:me|us) (?:to|with) (?:find out|figure out|work out|look into|"
        r"investigate|dig into|get to the bottom of)|"
        r"told (?:me|us) (?:\w+ )?(?:that )?(?:they|we|i|the \w+) (?:needed|wanted|had)"
        r"(?: \S+){0,2}? to",
        # "I still own delivering the model" (not "I own a fraud model": a role, the scene)
        r"i owned|i (?:still |also )?own \w+ing|responsible for",
        # a deadline the speaker set: "I gave myself two sprints to do it"
        r"gave (?:myself|ourselves|us|me) (?:\S+ ){1,3}?to",
        # taking the problem on: "it was on me to say", "so I took it on"
        # ("hitting the date was squarely on me")
        r"(?:was|fell) (?:\w+ly |all )?(?:on|to) me|(?:was|is) up to me|"
        r"(?:take|took|taking) (?:it|this|that) on",
        # a problem handed over, a bar to reach, an answer to find: "the problem landed on my
        # desk", "success meant a model the controllers trusted", "my manager wanted a clear
        # answer to a simple question"
        r"(?:landed|ended up) on my (?:desk|plate|lap)|landed (?:on|with) me|"
        r"success (?:meant|means|would mean|looked like|would look like|had to look like|"
        r"was defined as)|(?:wanted|needed) (?:a |an )?(?:\w+ )?answer",
        # asked of the speaker, not others asking ("several parents asked to keep the books")
        r"(?:asked|tasked) me (?:to|with)|(?:i|we|was|were|been|got) (?:asked|tasked) (?:to|with)",
        # volunteering for it or setting the goal: "I volunteered to find where the money went"
        r"i (?:volunteered|offered|signed up|stepped up|set out) to|i decided to " + _FIND_OUT + "|"
        r"set (?:myself|ourselves|us|me) (?:a |the |an )?(?:\w+ )?(?:goal|target|deadline)",
    ),
    *_cues(
        "task",
        0.8,
        # the speaker's own need, not the support team's ("they had to process refunds")
        r"(?<!they )(?<!team )(?<!he )(?<!she )(?<!everyone )(?<!people )(?<!staff )"
        r"(?<!never )(?:needed|had) to|in order to|so that we could",
        r"(?<!ahead of the )(?<!before the )(?<!met the )(?<!beat the )deadline|"
        r"target (?:was|of)",
        # a constraint on the goal ("cut costs without breaking reports"), not a complaint
        # about others ("they changed schemas without telling anyone")
        r"without (?!telling|asking|warning|checking|consulting|notice|knowing|understanding|"
        r"realizing|realising|reading|looking)(?:\w+ing)",
        r"before (?:the )?(?:re-?launch|deadline|release|demo|end)",
    ),
    # Action: what I did.
    *_cues(
        "action",
        1.5,
        # not a free relative: "whatever we decided, I was the one on call for it"
        r"(?<!whatever )i " + _SUBJECT_ADVERB + _NOT_DOING + r"(?:" + _PAST_RE + r")",
        r"(?:so|first|then|next|after that),? i(?! " + _SETS_THE_TASK + ")",
        r"i (?:decided(?! to " + _TAKING_ON + r")|"
        r"(?:started|began)(?! (?:noticing|seeing|hearing|getting))|set up|"
        r"reached out|worked with|partnered|proposed)",
        r"i(?:'ve| have) (?:been )?\w+ed",
    ),
    *_cues(
        "action",
        0.8,
        _COST_OF_WORK,
        # not "the first four months" or "our next step"
        r"(?<!the )(?<!a )(?<!our )(?<!my )(?<!their )(?<!that )(?<!this )(?<!his )(?<!her )"
        r"first(?:ly)?|(?<!by )(?<!until )(?<!till )(?<!since )(?<!back )then|"
        r"(?<!the )(?<!her )(?<!his )(?<!their )(?<!our )(?<!my )(?<!a )next(?! to)|"
        r"(?<!one )(?<!day )(?<!week )(?<!month )(?<!year )after that|afterwards|secondly|"
        r"finally i",
        r"(?<!whatever )we " + _SUBJECT_ADVERB + _NOT_DOING + r"(?:" + _PAST_RE + r")",
        r"my approach|step (?:one|two|three|\d)",
    ),
    # Result: what changed, with or without numbers.
    *_cues(  # explicit announcements of the result
        "result",
        3.0,
        r"as a result|the (?:result|outcome|impact|upshot) (?:was|is|:)|in the end|"
        r"ultimately|resulting in|which (?:led to|meant|resulted)|end result",
        r"(?:was|is) the (?:real |actual |biggest |main |best )?(?:result|outcome|payoff|win)",
    ),
    *_cues(
        "result",
        2.0,
        r"(?:we|i) (?:reduced|increased|cut|saved|grew|improved|doubled|halved|shipped|"
        r"launched|delivered|hit|beat|exceeded|recovered)",
        r"(?:was|were|got) (?:adopted|rolled out|approved|launched|shipped|promoted|"
        r"recognized|extended|expanded|paid|resolved|restored|delivered|completed|renewed)",
        r"(?:up|down) (?:by )?" + _NUM + r"|(?:up|down) from (?:about |around )?\$?\d|"
        r"up from (?:almost |nearly |virtually |practically )?(?:nobody|none|nothing|zero)",
        # "two weeks ahead of time" (not "we printed the packets ahead of time": in advance)
        r"(?:days?|weeks?|months?) (?:early|ahead of (?:schedule|time))",
        r"(?:\+|-|\u2212|plus |minus )\d[\d,.]*",
        # a metric that moved: "went from about six hours to roughly 40 minutes", "shifted by
        # 12%" (not "purchases were dropped from the metric")
        _MOVED + r" from (?:\S+ ){1,6}?to",
        # ... or its change verb with what changed between: "increased click-through by 7%"
        r"(?:" + _MOVED + r"|(?:reduced|lifted|boosted|raised|lowered|cut)(?: \S+){1,6}?|"
        r"(?:increased|decreased|improved|grew)(?: \S+){0,3}?)"
        r" by (?:about |roughly |around |nearly |almost |over |more than )?"
        r"(?:\$?\d[\d,.]*%?|a (?:third|quarter|half|fifth|tenth)|half|" + _NUMBER_WORDS + r")",
        r"percentage points?|pp",
        # a before/after in one breath: "about four minutes to file instead of 25"
        r"(?:\d[\d,.]*|" + _NUMBER_WORDS + r") (?:\S+ ){0,4}?instead of (?:about |roughly |almost |"
        r"nearly |around |over |the )?(?:\d[\d,.]*%?|once|twice|" + _NUMBER_WORDS + r")",
        # risk avoided is an outcome: "that would have cost us $400,000"
        r"(?:would|could|might) have (?:cost|lost|caused|hurt|broken|failed|been)|"
        # ... whatever it would have done, when the speaker is not its subject ("the leaky
        # version would have sent $200,000 of discounts")
        r"(?<!\bi )(?<!we )(?<!you )would have "
        r"(?:happened|(?:sent|\w+ed) (?:\S+ ){0,5}?\$?\d)",
    ),
    *_cues(
        "result",
        1.0,
        # time after the work, unless the speaker goes on doing ("after a month, I wrote")
        r"(?:by|within|after) the end of|by the end|after (?:\d+|a|two|three|one) "
        r"(?:days?|weeks?|months?|quarters?|years?)(?!,? (?:i|we) )",
        r"adopted|shipped|launched|rolled (?:it |this )?out|went (?:live|up|down)|saved|"
        r"cut \w+ (?:by )?(?:\d|half|substantially|significantly|dramatically)|"
        r"on (?:time|budget|schedule)|ahead of (?:the )?(?:schedule|deadline|plan)|"
        r"(?:met|beat|made) the deadline|"
        r"back (?:in line|on track|under control|to normal|to where)|ended up",
        # a metric that moved, not a rival that won ("where the vendor beat us")
        r"(?:" + "|".join(sorted(_CHANGE_PAST - {"went", "hit", "cut"})) + r")(?! (?:us|me))",
        r"lifts?|uplifts?|gains?|improvements?|reductions?|increases?|decreases?|impact",
        r"disappeared|vanished|went away|(?:was|were) gone",
        # late or short: "we still finished that stage eight days late", "ran out of stock"
        r"(?:\d+|a|an|a few|" + _NUMBER_WORDS + r") (?:\w+ )?(?:days?|weeks?|months?) late|"
        r"ran out of",
        # a habit other people took up: "the supervisor started calling me before ..."
        r"(?<!i )(?<!we )(?:started|began) \w+ing (?:me|us|our|my)",
        # ... or keep up now: "the department now uses the same spreadsheet"
        r"now (?:\w+ly )?(?!(?:this|its|his|us|as|was|yes|less|unless|plus)(?![\w']))\w{2,}s|"
        # ... or what a step takes now: "releases now take about 20 minutes"
        r"now (?:take|cost|need|run) (?:about |around |roughly |under |less than |only |just )?"
        r"(?:\$?\d[\d,.]*|a|an|" + _NUMBER_WORDS + r")",
        # what it cost: "we still lost about $47,000 to fraud" (not "had lost their id")
        r"(?<!had )lost (?:only |about |roughly |nearly |almost |around )?"
        r"(?:\$?\d[\d,.]*\w*|our|a|an|some|money|customers)",
        # a change that lasted: "the check I added now runs on every experiment"
        r"now (?:runs|used|in use|part of|standard|live)|still (?:runs|running|used|in use)|"
        r"(?:has|have) (?:since )?been (?:used|running|adopted)|"
        r"(?:has|have) (?:since )?(?:caught|prevented|saved|flagged|stopped|avoided)",
        r"from " + _NUM + r" to " + _NUM,
        r"(?:above|below|over|versus|vs|compared to) (?:the )?(?:baseline|control|target|prior)",
        # a before/after comparison: "compared with three or four a month before"
        r"compared (?:with|to)|than (?:before|last (?:year|quarter|month))",
        # time after the work: "over the next quarter", "within the year"
        r"over the (?:next|following)|"
        r"(?<!know )(?<!see )(?<!decide )(?<!tell )"
        r"within (?:the|a) (?:day|week|month|quarter|year)|"
        r"over time(?! (?:i|we) )|"
        r"within (?:about )?(?:\d+|a few|a couple of|two|three|four|five|six) "
        r"(?:days|weeks|months|quarters|years)(?!,? (?:i|we) )",
        # adoption by others: "teams started using it", "picked up the guide"
        r"(?:started|began|kept) using|picked (?:it |them |this |that )?up|"
        r"(?:is|are|was|were) still (?:using|used)|asking (?:me |us |her |him )?for",
        # a state that lasted: "two years later, the dashboard is still the first thing"
        r"(?:is|are) still (?:the|our|how|what|in use|running|live)|"
        r"(?:\w+ )?(?:years?|months?) later,?(?! (?:i|we) )|later on,?(?! (?:i|we) )|"
        # "later that season she came back for her next pair" (not "later that week I")
        r"later that (?:year|season|spring|summer|fall|autumn|winter|semester|term),?"
        r"(?! (?:i|we) )|"
        # a measure that came up: "his grades came up steadily over the spring"
        r"(?:grades|scores?|ratings?|marks|sales|revenue|margins?|attendance|morale|"
        r"numbers) (?:\w+ )?came (?:back )?up|"
        r"(?:has|had|have) (?:since )?become",
        # a share of the whole: "we archived 12 of the 14 dashboards"
        r"\d[\d,.]* of (?:the|our|all) (?:\w+ )?\d[\d,.]*",
        # what stopped happening: "finance stopped asking me whether a number was real"
        r"(?:basically |mostly |completely |almost |largely )?stopped "
        r"(?:asking|complaining|happening|breaking|escalating|calling|coming in)",
        # ... or what the speaker no longer had to do: "I stopped spending my Sunday nights on
        # the schedule", "we no longer had to reconcile by hand"
        r"(?:i|we) (?:\S+ )?stopped (?:\w+ing|having to)|"
        r"(?:i|we) (?:\S+ )?no longer (?:had|have|needed|need) to|"
        # ... or what was spared: "he never had to be moved to critical care"
        r"(?<!had )(?<!'d )never (?:had|needed) to|(?:didn't|did not) (?:have|need) to",
        # an outcome said without a number: "much better", "far fewer errors"
        r"(?:much|far|significantly|noticeably|substantially|dramatically) "
        r"(?:better|faster|fewer|less|lower|higher|more|shorter|cheaper|smaller|slower|worse|"
        r"longer)",
        # ... or as a state things got into: "onboarding got easier", "freed up four analysts"
        r"(?:got|became|felt) (?:\w+ ){0,2}?(?:easier|faster|simpler|cheaper|better|quicker|"
        r"smoother|shorter|calmer)|freed up|"
        r"turned out to be (?:really |very |genuinely )?(?:valuable|useful|worth it|the right)",
        # what people said afterwards: "the client later told my manager they were glad"
        r"(?<!i )(?<!we )later (?:told|said|asked|thanked|admitted|mentioned|wrote)",
        # what the work did: "the next version removed most of the screen switching", "it
        # finally felt like part of their day"; or a miss: "we missed the window", "the
        # migration slipped by another week"
        r"(?<!i )(?<!we )(?:removed|eliminated) (?:most|all|much|nearly all|almost all) of|"
        r"(?<!i )(?<!we )finally (?:felt|worked|trusted|matched|made sense|became)|"
        r"missed (?:the|our) (?:\w+ )?(?:window|deadline|target|date|goal|number)|"
        r"slipped (?:by|another)",
        # a stretch without the problem: "we went four months without an escaped bug"
        r"(?:went|gone|go) (?:\S+ ){0,3}?without (?:a|an|any)",
        # whether it paid for itself: "the cache didn't pay off"; what was lost anyway: "we
        # wrote off under $8,000 of product", "which cost us roughly 1,800 checkouts"
        # (past only: "an investment that keeps paying off" is a lesson)
        r"paid off|(?:didn't|did not|never) pay off|(?:wrote|written) off|write-?offs?|"
        r"(?<!would )(?<!could )(?<!might )(?<!will )(?<!had )cost (?:us|the company|them)"
        r"(?! (?:nothing|anything|very little|almost nothing)(?![\w']))",
        # more of what it was built to catch: "the new model caught 18% more of the customers
        # who later cancelled"; a fix that landed ("the bars were fixed overnight", not "a daily
        # update until it was fixed"); what has not happened since, or was not lost
        r"caught (?:about |roughly |nearly |around |over )?(?:\d[\d,.]*%?|more|far more|twice|"
        + _NUMBER_WORDS
        + r")(?![\w'])|(?<!until it )(?<!once it )(?:was|were|got) fixed|"
        r"(?:haven't|have not|hasn't|has not) (?:had|seen) (?:a single|any|another)|"
        r"(?:didn't|did not|never) los[et] (?:any|a single)",
        # a season after the work, opening the sentence: "By the spring assessment, 58% of my
        # students were reading at grade level" (not "a budget to spend by spring")
        r"^by (?:the )?(?:spring|summer|autumn|fall|winter)(?![\w'])",
        # a customer staying: "they renewed two months later" (not "whether someone renewed")
        r"(?:they|client|customer|customers|account) renewed|"
        # a level reached: "11 of the 14 children had moved up at least one reading level"
        r"moved (?:up|down) (?:\S+ ){0,4}?(?:levels?|grades?|places?|spots?|ranks?|tiers?|bands?)",
    ),
    *_cues(
        "result",
        0.8,
        r"\$\d[\d,.]*\w*|\d[\d,.]* (?:(?:thousand|million|billion|k) )?(?:dollars|euros|pounds)",
        unless=_COST_OF_WORK,
    ),
    *_cues(
        "result",
        0.8,
        r"incremental|additional (?:revenue|savings|profit)|per year|a year|annuali[sz]ed",
    ),
    *_cues("result", 0.5, r"\d[\d,.]*%|\d[\d,.]* percent|percent"),
    # Reflection: what I learned, what I would do differently.
    *_cues(
        "reflection",
        3.0,
        r"i (?:also |really |quickly )?(?:learned|learnt|realized|realised)|"
        r"i took (?:away )?from (?:it|this|that)|"
        r"(?:taught|showed|reminded) me|(?:it|this|that) (?:also )?taught|"
        r"(?:made|makes) me (?:realize|realise|see|understand|rethink)|"
        # "what I keep from that experience is", "what I've carried from it" (the recogniser
        # sometimes drops the "I": "what keep from that experience")
        r"what (?:i(?:'ve)? )?(?:took|take|taken|keep|kept|carry|carried) (?:away )?from|"
        r"i took away|"
        r"(?:the|my|a|one|biggest|bigger|key|main|real) (?:\w+ )?"
        r"(?:lesson|lessons|learning|learnings|takeaway)",
        r"in (?:hindsight|retrospect)|looking back|(?<!for )(?<!for the )next time|"
        r"if i (?:did|were|had) (?:it|to)|"
        r"do (?:it |things )?differently|would (?:do|start|push|involve|ask)|"
        # "would have" is a lesson unless a consequence follows ("would have cost ...")
        r"(?:i|we|you) would have(?! (?:cost|lost|caused|hurt|broken|failed|been))|"
        r"should have|i'd (?:do|have|start|push|involve|ask)|going forward|since then,? i|"
        # a habit since: "now I ask a colleague to cover" (not "now I had to")
        r"(?:now|these days|nowadays),? i (?!(?:had|was|got|\w+ed)(?![\w']))\w+|"
        r"what i would change|stuck with me|stayed with me|"
        r"(?:make|made|take|took) the same (?:call|decision|choice) again",
    ),
    # what made the difference, looking back: "what worked was asking basic questions early"
    *_cues(
        "reflection",
        1.5,
        r"what (?:really |actually )?(?:worked|helped|made the difference|made it work)"
        r"(?: most| best)? (?:was|is)",
    ),
    # "I'd" is "I would", not "I had" before a participle ("I'd also fixed the deck")
    *_cues(
        "reflection",
        0.8,
        r"i would|i'd(?! (?:(?:also|already|just|since|even) )?\w+ed(?![\w']))|always|"
        r"never again|important to|it's worth",
    ),
    # a judgement looking back: "for me, the hardest part of mentoring turned out to be"
    # (not "I think": "so I think the trust came back" is a hedged Result)
    *_cues(
        "reflection",
        1.5,
        r"for me,? the (?:hardest|biggest|most \w+|real|best|main) (?:part|thing|lesson|surprise)",
    ),
]


# A headline before the story: "the short version is that we shipped in nine days".
_HEADLINE = re.compile(
    r"(?<![\w'-])(?:the short version|long story short|the bottom line|in a nutshell)(?![\w'])"
)

# --- position prior -----------------------------------------------------------------------

# Centre and spread (fractions of the answer) of where each section tends to sit, following
# the coaching shape: about 20% setup, 60% action, 20% outcome.
_POSITION: dict[str, tuple[float, float]] = {
    "situation": (0.0, 0.2),
    "task": (0.2, 0.15),
    "action": (0.5, 0.3),
    "result": (0.85, 0.2),
    "reflection": (1.0, 0.15),
}
POSITION_WEIGHT = 1.0
_DESCRIPTIVE = ("opens ", "no past")
# Sections that need their own evidence: a cue-less sentence late in an answer is more
# likely Action continuing than an unannounced Result, and one a fifth of the way in is more
# likely the scene going on ("At the first staff meeting, several teachers said they would
# stick with paper") than a Task said without any of the words for one.
_NO_EVIDENCE_COST: dict[str, float] = {"task": 0.8, "result": 1.5, "reflection": 2.0}
_ANNOUNCED = 3.0  # evidence this strong announces a section ("what I learned is")
# After a sentence whose best evidence is an outcome ("refunds went live eleven days late"),
# a cue-less sentence pays only this share of the Result's no-evidence cost: Results told
# plainly run on ("During that gap, our support team had to process refunds by hand").
_AFTER_RESULT_SHARE = 0.5
_ANNOUNCED_OTHER = 2.0  # evidence this strong for another label ends an announced section
BACK_PENALTY = 2.5  # cost of returning to an earlier label (S->T->A->R->Refl order)
SKIP_COST = 0.1  # small cost per label skipped when moving forward


@dataclass
class Evidence:
    score: dict[str, float] = field(default_factory=lambda: dict.fromkeys(STAR_LABELS, 0.0))
    cues: dict[str, list[str]] = field(default_factory=lambda: {lab: [] for lab in STAR_LABELS})
    headline: bool = False  # announces the outcome before the story: position says nothing
    # the label the sentence's words favour and the words that leaned towards it (the wording
    # model in the hand-cue labeller, the learned model's word features in label_sentences);
    # set by the labellers, not by sentence_evidence
    wording_label: str | None = None
    wording_words: list[str] = field(default_factory=list)
    # the sentence encoder's vector leaned towards the chosen label (set by label_sentences)
    meaning_agrees: bool = False
    # which cues fired, by a stable id (a cue's place in CUES, or the kind of a descriptive
    # cue): the learned model weighs each cue for every label instead of trusting its weight
    fired: list[str] = field(default_factory=list)

    def add(self, label: str, weight: float, name: str, kind: str = "") -> None:
        if kind and kind not in self.fired:
            self.fired.append(kind)
        if name in self.cues[label]:
            return
        self.score[label] += weight
        self.cues[label].append(name)


# Openings of a sentence about how things are, not a goal: "The small failures just pile
# up", "You know how it goes", "And nobody owns it".
_DESCRIBES_THINGS = (
    (_DETERMINERS - {"my", "our"})
    | _OTHER_PRONOUNS
    | frozenset("and but so there you nobody things how".split())
)


def _content_tokens(tokens: list[str]) -> list[str]:
    """Drop fillers and connectives at the start of a sentence."""
    i = 0
    while i < len(tokens):
        pair = " ".join(tokens[i : i + 2])
        if pair in _LEADING_PAIRS:
            i += 2
        elif tokens[i] in _LEADING_SKIP:
            i += 1
        else:
            break
    return tokens[i:]


# Where an outcome phrase says nothing about what came of the work: in a purpose ("so their
# books could close on time", "to show it tracked cash far better"; not the state reached,
# "so the team can now close in two days"), a condition ("if conversion dropped more than
# 15% in the first day, we'd roll it back"), or a time clause before the speaker's next step
# ("Once the fix shipped, I wrote up the incident").
_AIM = re.compile(
    r"(?<![\w'-])(?:so (?:that )?(?:\S+ ){1,4}?(?:could|would|might|never had to|"
    r"(?:didn't|did not|wouldn't) have to)|in order to|"
    r"to (?:show|prove|demonstrate|check|test|confirm|make sure|ensure|see if|see whether))"
    r"(?![\w'])"
)
# ... or a launch that was itself a step: "we shipped in shadow mode for four weeks", "we
# launched for only the two simplest claim types"
_STAGED_LAUNCH = re.compile(
    r"(?<![\w'-])(?:(?:i|we|they) )?"
    r"(?:shipped|launched|released|deployed|rolled (?:it |this )?out|went live)"
    r"(?: it| this| the \w+)? (?:in shadow mode|in shadow|as a pilot|in (?:a )?pilot|in beta|"
    r"to beta|behind a (?:feature )?flag|as a canary|to (?:a )?(?:small |test |pilot )group|"
    r"(?:for|to|in|on) (?:only|just)|only (?:for|to|in|on))"
    r"(?![\w'])"
)
_CONDITIONS = frozenset({"if", "unless", "whenever"})
_TIME_OPENERS = frozenset({"once", "after", "when"})
_CLAUSE_END = (",", ";", ":")


def _token_at(joined: str, offset: int) -> int:
    """Index of the token at character ``offset`` of the space-joined tokens."""
    return joined.count(" ", 0, offset)


# Talking the audience through an outcome is a step: "me walking through the retention
# impact", "I presented the savings" (an estimate of it is not: "finance estimated it saved")
_TALKS_ABOUT = re.compile(
    r"(?<![\w'])(?:walk(?:ed|ing)? (?:\w+ )?through|explain(?:ed|ing)?|present(?:ed|ing))"
    r"(?![\w'])"
)


def _not_outcome_tokens(tokens: list[str], joined: str, clause_ends: list[bool]) -> set[int]:
    """Indexes of ``tokens`` (``joined`` with spaces; ``clause_ends[k]`` when punctuation
    closes a clause after token k) inside an aim, a staged launch, a condition, a clause
    that talks an outcome through, or a time clause that leads into the speaker's next
    step."""

    def clause_from(i: int) -> range:
        end = next((k for k in range(i, len(tokens)) if clause_ends[k]), len(tokens) - 1)
        return range(i, end + 1)

    out: set[int] = set()
    aim = _AIM.search(joined)
    if aim:
        out.update(range(_token_at(joined, aim.start()), len(tokens)))
    for staged in _STAGED_LAUNCH.finditer(joined):
        first = _token_at(joined, staged.start())
        out.update(range(first, _token_at(joined, staged.end()) + 1))
    for i, tok in enumerate(tokens):
        if tok in _CONDITIONS:
            out.update(clause_from(i))
    for talk in _TALKS_ABOUT.finditer(joined):
        out.update(clause_from(_token_at(joined, talk.start())))
    if tokens and tokens[0] in _TIME_OPENERS:
        clause = clause_from(0)
        if clause.stop < len(tokens) and tokens[clause.stop] in ("i", "we"):
            out.update(clause)
    return out


def sentence_evidence(text: str) -> Evidence:
    """Cue evidence for each label in one sentence's text (no position involved)."""
    said = [(w, t) for w in text.split() if (t := norm(w))]
    tokens = [t for _, t in said]
    joined = " ".join(tokens)
    ev = Evidence()
    headline = _HEADLINE.search(joined)
    if headline:  # first, so that the report names it
        ev.add("result", 3.0, headline.group(0), "headline")
        ev.headline = True
    clause_ends = [w.endswith(_CLAUSE_END) for w, _ in said]
    not_outcome = _not_outcome_tokens(tokens, joined, clause_ends)
    for k, cue in enumerate(CUES):
        if cue.unless and cue.unless.search(joined):
            continue
        m = next(
            (
                m
                for m in cue.pattern.finditer(joined)
                if cue.label != "result" or _token_at(joined, m.start()) not in not_outcome
            ),
            None,
        )
        if m:
            ev.add(cue.label, cue.weight, cue.name or m.group(0), f"cue{k}")
    content = _content_tokens(tokens)
    if content:
        first = content[0]
        if first in _BASE_VERBS:
            # Resume-speak goal ("Ship an MVP") or lesson ("Define guardrails"); ASR also
            # drops "-ed", so it is weak evidence for Action too. Position decides.
            ev.add("task", 1.3, f"opens with verb '{first}'", "opens base verb")
            ev.add("action", 0.8, f"opens with verb '{first}'")
            ev.add("reflection", 0.6, f"opens with verb '{first}'")
        elif first in _CHANGE_PAST:
            ev.add("result", 1.0, f"opens with change verb '{first}'", "opens change verb")
            # early on, "Improved accuracy and cut cycle time" is a goal whose "improve" the
            # recogniser heard as "improved"; position decides
            ev.add("task", 0.8, f"opens with change verb '{first}'")
        elif _is_past(first):
            ev.add("action", 1.5, f"opens with past-tense verb '{first}'", "opens past verb")
    n_past = sum(
        _is_past(t) and t not in _CHANGE_PAST and not _after_modal_have(tokens, i)
        for i, t in enumerate(tokens)
    )
    own, others, doings = _doers(tokens, len(tokens) - len(content))
    if (
        others
        and not own
        and 2 * others >= doings
        and not _speaker_acts_now(tokens)
        and not _CONSENT.search(joined)
    ):
        # "The controller started using the dashboard", "analysts began writing tests": late
        # in an answer, what other people did because of the work is its outcome
        ev.add("result", 0.5, "someone else acted", "others acted")
    elif n_past >= 3:
        kind = f"past verbs {min(n_past, 5)}"
        ev.add("action", 0.3 * min(n_past, 6), f"{n_past} past-tense verbs", kind)
    has_past = any(_past_here(tokens, i) or t in _STATE_PAST for i, t in enumerate(tokens))
    if not has_past and len(tokens) >= 3:
        # a goal is an order ("Restore checkout reliability") or the speaker's own ("I want
        # to know whether"); "The small failures just pile up" is how things were
        if content and content[0] not in _DESCRIBES_THINGS:
            ev.add("task", 0.3, "no past-tense verb (a goal or a lesson)")
        ev.add("reflection", 0.3, "no past-tense verb (a goal or a lesson)", "no past verb")
    return ev


def add_wording(ev: Evidence, text: str) -> Evidence:
    """The sentence's cue evidence plus the wording model's (scaled) evidence, as a new record:
    ``ev`` itself stays the cue evidence alone, which the learned model reads as features."""
    found = wording(norm_tokens(text))
    label = max(STAR_LABELS, key=lambda k: found.score[k])
    return dataclasses.replace(
        ev,
        score={lab: ev.score[lab] + found.score[lab] for lab in STAR_LABELS},
        wording_label=label,
        wording_words=found.words[label],
    )


def position_prior(label: str, pos: float) -> float:
    centre, spread = _POSITION[label]
    return -POSITION_WEIGHT * 0.5 * ((pos - centre) / spread) ** 2


def _positions(sentences: list[Sentence]) -> list[tuple[float, float]]:
    """(start, midpoint) of each sentence as fractions of the answer's span."""
    start = sentences[0].start
    span = max(sentences[-1].end - start, 1e-6)
    return [((s.start - start) / span, ((s.start + s.end) / 2 - start) / span) for s in sentences]


def _emissions(sentences: list[Sentence], evidence: list[Evidence]) -> list[list[float]]:
    rows = []
    # A Result or a lesson that was announced ("as a result", "what I learned is") and
    # nothing else strongly since: cue-less sentences may go on with it.
    going_on = {"result": False, "reflection": False}
    after_result = False  # the sentence before had more Result evidence than any other
    for (begin, mid), ev in zip(_positions(sentences), evidence, strict=True):
        row = []
        for lab in STAR_LABELS:
            # The Situation opens an answer: judge it by where the sentence starts, so a
            # long first sentence is not pushed towards Task.
            pos = begin if lab == "situation" else mid
            score = ev.score[lab]
            if not (lab == "result" and ev.headline):
                score += position_prior(lab, pos)
            if not ev.cues[lab] and not going_on.get(lab, False):
                share = _AFTER_RESULT_SHARE if lab == "result" and after_result else 1.0
                score -= share * _NO_EVIDENCE_COST.get(lab, 0.0)
            row.append(score)
        rows.append(row)
        after_result = ev.score["result"] >= 1.0 and all(
            ev.score["result"] > ev.score[k] for k in STAR_LABELS if k != "result"
        )
        for announced in going_on:
            if ev.score[announced] >= _ANNOUNCED:
                going_on[announced] = True
            elif any(ev.score[k] >= _ANNOUNCED_OTHER for k in STAR_LABELS if k != announced):
                going_on[announced] = False
    return rows


_TASK, _SITUATION = STAR_LABELS.index("task"), STAR_LABELS.index("situation")
_ORDERED = sequence.ordered_transitions(len(STAR_LABELS), BACK_PENALTY, SKIP_COST)
# An answer that opens with its Task ("My job as shift lead was to cut picking errors", "My
# principal asked me to ...") may set the scene right after it without the cost of going back.
_TASK_THEN_SCENE = [
    [0.0 if (a, b) == (_TASK, _SITUATION) else cost for b, cost in enumerate(row)]
    for a, row in enumerate(_ORDERED)
]


def viterbi(emissions: list[list[float]], task_first: bool = False) -> list[int]:
    """The cue labeller's best path: labels in S -> T -> A -> R -> Reflection order unless the
    evidence beats the cost of going back (``task_first``: an opening Task may be followed by
    the scene for free)."""
    opening = _TASK_THEN_SCENE if task_first else None
    return sequence.viterbi(emissions, _ORDERED, opening=opening)


def _quote(cues: list[str]) -> str:
    """ "cue 'as a result'" for phrases; descriptive cues ("opens with ...") unquoted."""
    shown = [c if c.startswith(_DESCRIPTIVE) or c.endswith("verbs") else f"'{c}'" for c in cues[:2]]
    return ("cue " if len(shown) == 1 else "cues ") + ", ".join(shown)


def order_reason(labels: Sequence[str], i: int, name: str, pos: float) -> str:
    """Why sentence ``i`` got its label when no cue of its own says so: its neighbours
    carry the same label, or else where it sits in the answer. ``name`` is the label's
    name as the report shows it."""
    lab = labels[i]
    prev = labels[i - 1] if i > 0 else None
    nxt = labels[i + 1] if i + 1 < len(labels) else None
    if prev == lab and nxt == lab:
        return f"order: between two {name} sentences"
    if prev == lab:
        return f"order: continues the {name}"
    if nxt == lab:
        return f"order: leads into the {name}"
    return f"position: {pos:.0%} into the answer"


def _reason(i: int, labels: list[StarLabel], evidence: list[Evidence], pos: float) -> str:
    lab = labels[i]
    ev = evidence[i]
    if ev.cues[lab]:
        reason = _quote(ev.cues[lab])
    else:
        reason = order_reason(labels, i, NICE[lab], pos)
        if ev.wording_label == lab and ev.wording_words:
            reason += "; wording like " + ", ".join(f"'{w}'" for w in ev.wording_words[:2])
        if ev.meaning_agrees:
            reason += f"; what it says reads like the {NICE[lab]}"
    strongest = max(STAR_LABELS, key=lambda k: ev.score[k])
    own = set(ev.cues[lab])
    other = [c for c in ev.cues[strongest] if c not in own]
    if strongest != lab and ev.score[strongest] > ev.score[lab] + 0.5 and other:
        reason += f"; {NICE[strongest]} {_quote(other)} overruled by the order"
    return reason


def sentence_rows(
    sentences: list[Sentence], evidence: list[Evidence] | None = None
) -> list[dict[str, float]]:
    """The learned model's features of each sentence (the trainer calls this too)."""
    if evidence is None:
        evidence = [sentence_evidence(s.text) for s in sentences]
    texts = [s.text for s in sentences]
    rows = star_features(
        texts,
        [ev.score for ev in evidence],
        [mid for _, mid in _positions(sentences)],
        [ev.fired for ev in evidence],
        embed(texts),
    )
    for f, lab in zip(rows, label_by_cues(sentences, evidence), strict=True):
        f["cue order says=" + lab.label] = 1.0
    return rows


_MEANING = ("emb=", "pemb=", "nemb=")  # the sentence encoder's features (star_features)


def _named(feature: str) -> str | None:
    """A word feature as the report may quote it ("w=stopped" -> "stopped"), or None."""
    kind, _, value = feature.removeprefix(OPENING_MARK).partition("=")
    if kind not in ("w", "b", "opens", "prefix") or "<n>" in value:
        return None
    return value if any(w not in _PLAIN_WORDS for w in value.split()) else None


def warm_up() -> None:
    """Load the shipped model and the sentence encoder now (about half a second), e.g. while
    the user is still answering, so the verdict after stop does not wait for them."""
    load_chain_model(STAR_MODEL_PATH)
    default_encoder()


def label_sentences(
    sentences: list[Sentence], model: ChainModel | None = None
) -> list[SentenceLabel]:
    """Label each sentence with a STAR section and a human-readable reason.

    The learned model (``star_model.json``) scores every label from the sentence's features,
    the hand cues among them, and the best sequence under its learned transitions wins.
    """
    if not sentences:
        return []
    model = model or load_chain_model(STAR_MODEL_PATH)
    evidence = [sentence_evidence(s.text) for s in sentences]
    positions = _positions(sentences)
    rows = sentence_rows(sentences, evidence)
    emissions = [model.emission(f) for f in rows]
    openings = model.opening_scores(rows)
    path = model.best_path(emissions, openings)
    labels = [STAR_LABELS[k] for k in path]
    doubts = model.doubts(emissions, path)  # None for a section-scoring model
    for i, (ev, f, row, k) in enumerate(zip(evidence, rows, emissions, path, strict=True)):
        if openings is not None and (i == 0 or path[i - 1] != k):
            # it opens its section: how it opens was weighed too, and may be what decided
            f = f | opening_features(f)
            row = [a + b for a, b in zip(row, openings[i], strict=True)]
        runner_up = max((j for j in range(len(row)) if j != k), key=lambda j: row[j])
        ev.wording_label = STAR_LABELS[k]
        named = (_named(feat) for _, feat in model.pushed(f, k, runner_up))
        # a word is one feature, its place as the opening word another: name it once
        ev.wording_words = list(dict.fromkeys(w for w in named if w is not None))[:2]
        ev.meaning_agrees = model.group_gain(f, k, runner_up, _MEANING) > 0
    return [
        SentenceLabel(
            sentence=i,
            label=labels[i],
            reason=_reason(i, labels, evidence, mid),
            lead=doubts[i][0] if doubts else None,
            runner_up=STAR_LABELS[doubts[i][1]] if doubts else None,
        )
        for i, (_, mid) in enumerate(positions)
    ]


def label_by_cues(
    sentences: list[Sentence], evidence: list[Evidence] | None = None
) -> list[SentenceLabel]:
    """The hand-cue labeller: cue and wording evidence, a position prior and the S-T-A-R order.

    Its path is one of the learned model's features (the model learns when to trust it), and
    ``benchmarks/styles/loso.py --cues`` measures it alone.
    """
    if not sentences:
        return []
    if evidence is None:  # the sentences' cue evidence, when the caller has not found it yet
        evidence = [sentence_evidence(s.text) for s in sentences]
    evidence = [add_wording(ev, s.text) for ev, s in zip(evidence, sentences, strict=True)]
    # "My job as shift lead was to cut picking errors", "My principal asked me to get more
    # ninth graders passing algebra", not "At my last company, I was asked to build a
    # forecast" (a scene-setting cue: the Situation has begun)
    opening = evidence[0].score
    task_first = opening["task"] >= _TASK_CUE and opening["situation"] < _SCENE_SET
    path = viterbi(_emissions(sentences, evidence), task_first)
    labels = [STAR_LABELS[k] for k in path]
    return [
        SentenceLabel(sentence=i, label=labels[i], reason=_reason(i, labels, evidence, mid))
        for i, (_, mid) in enumerate(_positions(sentences))
    ]


def build_sections(sentences: list[Sentence], labels: list[SentenceLabel]) -> list[StarSection]:
    """Merge consecutive sentences with the same label into sections.

    A section's reason is that of its first sentence decided by a cue (else its first).
    """
    sections: list[StarSection] = []
    for sent, lab in zip(sentences, labels, strict=True):
        if sections and sections[-1].label == lab.label:
            last = sections[-1]
            update: dict[str, object] = {"end": sent.end, "last_word": sent.last_word}
            if last.reason.startswith(("order", "position")) and lab.reason.startswith("cue"):
                update["reason"] = lab.reason
            sections[-1] = last.model_copy(update=update)
        else:
            sections.append(
                StarSection(
                    label=lab.label,
                    start=sent.start,
                    end=sent.end,
                    first_word=sent.first_word,
                    last_word=sent.last_word,
                    reason=lab.reason,
                )
            )
    return sections


MAX_SENTENCE_WORDS = 30  # longer runs are split at capitalised words, then at ; and :
_MIN_PIECE_WORDS = 4
_CHUNK_WORDS = 20
_RUN_ON_WORDS = 45  # only runs this long are cut blindly into chunks


def _starts_like_sentence(text: str) -> bool:
    """A capitalised word ("They", "Pre-aligned"), not "I" and not an acronym ("CTR")."""
    t = text.lstrip("\"'([")
    return len(t) >= 2 and t[0].isupper() and t[1].islower() and not t.startswith("I'")


def _cut(words: list[Word], first: int, last: int, test: Callable[[int], bool]) -> list[int]:
    """Indexes in (first, last] where a new piece starts, keeping pieces >= 4 words."""
    cuts: list[int] = []
    prev = first
    for i in range(first + _MIN_PIECE_WORDS, last - _MIN_PIECE_WORDS + 2):
        if i - prev >= _MIN_PIECE_WORDS and test(i):
            cuts.append(i)
            prev = i
    return cuts


def _chunk(words: list[Word], first: int, last: int) -> list[int]:
    """Last resort for a run with no capitals or clause marks: cut about every
    ``_CHUNK_WORDS`` words, at the widest gap between words near each cut."""
    n = last - first + 1
    k = math.ceil(n / _CHUNK_WORDS)
    cuts = []
    for j in range(1, k):
        nominal = first + round(j * n / k)
        window = range(max(nominal - 5, first + 1), min(nominal + 5, last) + 1)
        cuts.append(
            max(window, key=lambda i: (words[i].start - words[i - 1].end, -abs(i - nominal)))
        )
    return sorted(set(cuts))


def refine_sentences(words: list[Word], sentences: list[Sentence]) -> list[Sentence]:
    """Split run-on "sentences" that an unpunctuated transcript leaves behind.

    Whisper sometimes returns a whole answer without punctuation and with word timestamps
    that swallow the pauses, so one "sentence" spans every STAR section. Runs longer than
    ``MAX_SENTENCE_WORDS`` are split before capitalised words (Whisper still capitalises
    sentence starts), pieces still too long at ``;`` and ``:``, and what is left (an
    all-lower-case run over 45 words) into chunks of about 20 words cut at the widest gaps.
    """

    def capital(i: int) -> bool:  # a sentence start after a word that is not one
        return _starts_like_sentence(words[i].text) and not _starts_like_sentence(words[i - 1].text)

    def clause(i: int) -> bool:
        return words[i - 1].text.endswith((";", ":"))

    def by_capital(a: int, b: int) -> list[int]:
        return _cut(words, a, b, capital)

    def by_clause(a: int, b: int) -> list[int]:
        return _cut(words, a, b, clause)

    def by_size(a: int, b: int) -> list[int]:
        return _chunk(words, a, b)

    spans: list[tuple[int, int]] = []
    for sent in sentences:
        pieces = [(sent.first_word, sent.last_word)]
        for cutter, limit in (
            (by_capital, MAX_SENTENCE_WORDS),
            (by_clause, MAX_SENTENCE_WORDS),
            (by_size, _RUN_ON_WORDS),
        ):
            nxt: list[tuple[int, int]] = []
            for a, b in pieces:
                if b - a + 1 <= limit:
                    nxt.append((a, b))
                    continue
                bounds = [a, *cutter(a, b), b + 1]
                nxt.extend((x, y - 1) for x, y in itertools.pairwise(bounds))
            pieces = nxt
        spans.extend(pieces)
    return [
        Sentence(
            index=k,
            first_word=a,
            last_word=b,
            start=words[a].start,
            end=words[b].end,
            text=" ".join(w.text for w in words[a : b + 1]),
        )
        for k, (a, b) in enumerate(spans)
    ]


def segment_star(transcript: Transcript, options: AnalysisOptions) -> StarResult:
    """Label the answer's sentences with STAR sections and measure each section's time.

    Section time runs from its first word's start to its last word's end; the gaps between
    sections belong to none. ``shares`` divide by the sum of section seconds.
    """
    words = transcript.words
    sentences = refine_sentences(words, split_sentences(words, options.sentence_pause_s))
    labels = label_sentences(sentences, load_chain_model(options.star_model or STAR_MODEL_PATH))
    return star_result(sentences, labels, options)


# the closest calls read otherwise, one at a time: more would cost time for readings the
# labeller is surer of
MAX_DOUBTED = 8


def other_readings(
    star: StarResult, options: AnalysisOptions
) -> list[tuple[list[int], StarResult]]:
    """The answer read otherwise where the labeller was unsure: each sentence whose label leads
    its next-best reading by less than ``options.star_doubt_lead`` given that reading alone
    (closest call first, :data:`MAX_DOUBTED` at most), then all of them at once; each with the
    indices of the sentences read otherwise."""
    doubted = sorted(
        (
            lab
            for lab in star.labels
            if lab.lead is not None
            and lab.runner_up is not None
            and lab.lead < options.star_doubt_lead
        ),
        key=lambda lab: lab.lead or 0.0,
    )[:MAX_DOUBTED]

    def read(changed: set[int]) -> StarResult:
        labels = [
            lab.model_copy(update={"label": lab.runner_up}) if lab.sentence in changed else lab
            for lab in star.labels
        ]
        return star_result(star.sentences, labels, options)

    readings = [([lab.sentence], read({lab.sentence})) for lab in doubted]
    if len(doubted) > 1:
        every = [lab.sentence for lab in doubted]
        readings.append((every, read(set(every))))
    return readings


def star_result(
    sentences: list[Sentence], labels: list[SentenceLabel], options: AnalysisOptions
) -> StarResult:
    """Sections, their time, shares and which are missing, from labelled sentences (the
    labeller's, or a benchmark's true labels, so both are measured alike)."""
    sections = build_sections(sentences, labels)
    seconds: dict[str, float] = dict.fromkeys(STAR_LABELS, 0.0)
    for sec in sections:
        seconds[sec.label] += sec.duration
    total = sum(seconds.values())
    shares = {lab: (sec / total if total > 0 else 0.0) for lab, sec in seconds.items()}
    present = {lab.label for lab in labels}
    missing: list[StarLabel] = [lab for lab in STAR_LABELS if lab not in present]
    return StarResult(
        sentences=sentences,
        labels=labels,
        sections=sections,
        shares=shares,
        seconds=seconds,
        missing=missing,
        guidance=dict(options.star_guidance),
    )
