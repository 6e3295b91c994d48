"""STAR segmentation on hand-built word timelines with known section labels.

The answers below are written for these tests (different topics and styles from the
development set) so the cue lists are checked for generality, not for one data set.
"""

from __future__ import annotations

import pytest

from voiceloop.analysis.star import (
    BACK_PENALTY,
    label_sentences,
    refine_sentences,
    segment_star,
    sentence_evidence,
    viterbi,
)
from voiceloop.analysis.timeline import split_sentences
from voiceloop.models import StarLabel, Transcript, Word
from voiceloop.options import AnalysisOptions

Answer = list[tuple[StarLabel, str]]

SUPPORT: Answer = [
    ("situation", "At my last company I was working on the support analytics team."),
    ("situation", "We had a backlog of about 400 open tickets and customers were waiting days."),
    ("task", "My goal was to cut the response time before the holiday peak."),
    ("action", "First I pulled three months of ticket data and grouped the tickets by topic."),
    ("action", "Then I built a simple triage model that routed billing questions to one queue."),
    ("action", "I also ran a two week pilot with one team to check the routing."),
    ("result", "As a result, the median response time dropped from five days to 18 hours."),
    ("result", "The backlog went down by 70 percent within a month."),
    ("reflection", "Looking back, I learned that I should have involved the agents earlier."),
]
CRASH: Answer = [
    ("situation", "Our mobile app was crashing for about 3% of users after a release."),
    ("situation", "Leadership was worried because app store ratings were falling."),
    ("task", "I was asked to find the root cause and fix it within a week."),
    ("action", "I reproduced the crash on older Android devices."),
    ("action", "I traced it to a memory leak in the image cache and wrote a patch."),
    ("action", "Then I added a crash-rate alert to our release checklist."),
    ("result", "The crash rate fell to 0.2% in the next release, from 3% before."),
    ("reflection", "Next time I would add older devices to the test plan before launch."),
]
DESIGN: Answer = [
    ("situation", "When I joined the team, designers and engineers disagreed about onboarding."),
    ("situation", "There was a lot of tension in every review."),
    ("task", "I needed to get both sides to agree on one design."),
    ("action", "I set up a short meeting with each group and listened to their concerns."),
    ("action", "Then I proposed a small usability test so the data could decide."),
    ("action", "I shared the recordings with everyone."),
    ("result", "In the end, both teams agreed on a simpler flow and reviews became calmer."),
]
MIGRATION: Answer = [  # stops before any result
    ("situation", "In my previous role we were migrating our billing system to a new vendor."),
    ("task", "My job was to move all the customer records without any downtime."),
    ("action", "I wrote a migration script and tested it on a copy of the database."),
    ("action", "I then scheduled the cutover for a weekend and briefed the on-call team."),
    ("action", "During the cutover I monitored the error logs every hour."),
]
RESUME: Answer = [  # terse resume-speak, no pronouns
    ("situation", "Checkout errors spiked after a payment provider change."),
    ("task", "Restore checkout reliability before the sales event."),
    ("action", "Added retries with backoff; built a provider health dashboard; ran a game day."),
    ("result", "Error rate down 4x; checkout conversion +2.1% versus the prior month."),
]

# Outcomes said without the usual announcements, ending on a cue-less outcome sentence.
PLAIN_OUTCOMES: Answer = [
    ("situation", "Our nightly sales load kept failing and the finance team lost trust in it."),
    ("task", "It was on me to get the numbers right again before quarter close."),
    ("action", "I read through a month of job logs and found a timezone bug in the merge."),
    ("action", "I fixed the merge and added a row count check that blocks a bad load."),
    ("result", "Failed loads went from about six a month to none."),
    ("result", "The check has flagged two bad files since then."),
    ("result", "Two other teams started using the same check for their own loads."),
]


# What other people did late in the answer is its outcome.
OTHERS_ACTED: Answer = [
    ("situation", "Our monthly revenue report kept showing numbers nobody could explain."),
    ("task", "My manager asked me to make the report trustworthy again."),
    ("action", "I traced every figure back to the raw tables and found a double join."),
    ("action", "I fixed the join and added tests that run before each refresh."),
    ("result", "The controller started using the report again in her reviews."),
    ("result", "Two other teams copied the tests for their own reports."),
]
# An announced Result or lesson goes on through sentences without cues of their own.
GOES_ON: Answer = [
    ("situation", "Our team hired a junior analyst who had never touched production data."),
    ("task", "My manager asked me to mentor her through her first quarter."),
    ("action", "I set up a weekly session where she walked me through each query."),
    ("action", "Then I paired her with me on a pricing readout."),
    ("result", "As a result, she ran the retention analysis on her own by spring."),
    ("result", "The product team now asks for her by name."),
    ("reflection", "What I learned is that new analysts rarely lack skill."),
    ("reflection", "They lack a habit of checking their own work."),
    ("reflection", "Once she had that habit, her confidence followed on its own."),
]


# A Result told plainly, then a sentence with no cue that goes on with it.
RUNS_ON: Answer = [
    ("situation", "I was a payments engineer at a small bank."),
    ("task", "My job was to ship refunds and card payments together."),
    ("action", "I wrote the plan and built the refund service myself."),
    ("action", "Then I tested it with the support team every week."),
    ("action", "The partner's engineers agreed to daily calls, and I fixed the differences."),
    ("result", "Card payments launched on the original date, but refunds went live late."),
    ("result", "During that gap, our support team had to process 120 refunds by hand."),
    ("reflection", "I learned to test against production-like data much earlier."),
]


# An answer may announce its Task before setting the scene.
TASK_FIRST: Answer = [
    ("task", "My job as shift lead was to cut picking errors on the night shift."),
    ("situation", "I was running a night shift of 22 pickers at a distribution center."),
    ("situation", "There were around 35 mis-picks a week, and each one meant a return."),
    ("action", "First I spent three nights walking the aisles with the pickers."),
    ("action", "Then I moved the look-alike items into separate bays."),
    ("result", "Within a month mis-picks dropped to about eight a week."),
]

TASK_ASKED_FIRST: Answer = [
    ("task", "My principal asked me to get more of our ninth graders passing algebra."),
    ("situation", "I was the math lead at a public high school."),
    ("situation", "At the time, about 45% of freshmen were failing the course."),
    ("action", "First I sat down with the counselors and drafted a double period."),
    ("action", "Then I set up weekly quizzes to regroup students by skill."),
    ("result", "In the first year, the failure rate dropped from 45% to 22%."),
]


def build(answer: Answer, word_s: float = 0.3, gap_s: float = 0.4) -> Transcript:
    """Words at a steady pace with a pause after each sentence."""
    words: list[Word] = []
    t = 0.5
    for _, sentence in answer:
        for token in sentence.split():
            words.append(Word(text=token, start=t, end=t + word_s - 0.05))
            t += word_s
        t += gap_s
    return Transcript(words=words, duration=t + 0.5)


@pytest.mark.parametrize(
    "answer",
    [
        SUPPORT,
        CRASH,
        pytest.param(
            DESIGN,
            marks=pytest.mark.xfail(
                strict=True,
                reason="a known miss since the 0.6.3 model: 'In the end, both teams agreed on a "
                "simpler flow ...' reads as the Action, others agreeing to a step being Action "
                "in the training answers (docs/accuracy.md, 0.6.3)",
            ),
        ),
        MIGRATION,
        RESUME,
        PLAIN_OUTCOMES,
        OTHERS_ACTED,
        GOES_ON,
        RUNS_ON,
        TASK_FIRST,
        TASK_ASKED_FIRST,
    ],
    ids=lambda a: a[0][1][:12],
)
def test_labels_match_hand_labels(answer: Answer) -> None:
    result = segment_star(build(answer), AnalysisOptions())
    assert len(result.labels) == len(answer)
    got = [lab.label for lab in result.labels]
    want = [label for label, _ in answer]
    assert got == want
    assert all(lab.reason for lab in result.labels)


def test_missing_sections_and_shares() -> None:
    result = segment_star(build(MIGRATION), AnalysisOptions())
    assert result.missing == ["result", "reflection"]
    assert result.shares["result"] == 0.0
    assert sum(result.shares.values()) == pytest.approx(1.0)
    full = segment_star(build(SUPPORT), AnalysisOptions())
    assert full.missing == []


def test_section_times_exclude_gaps_between_sections() -> None:
    tr = build(CRASH)
    result = segment_star(tr, AnalysisOptions())
    assert [s.label for s in result.sections] == [
        "situation",
        "task",
        "action",
        "result",
        "reflection",
    ]
    action = result.sections[2]
    # three action sentences: first word of the first to last word of the third
    first_action = sum(len(s.split()) for _, s in CRASH[:3])
    last_action = first_action + sum(len(s.split()) for _, s in CRASH[3:6]) - 1
    assert action.first_word == first_action
    assert action.last_word == last_action
    assert action.start == tr.words[first_action].start
    assert action.end == tr.words[last_action].end
    total = sum(s.duration for s in result.sections)
    assert total < tr.words[-1].end - tr.words[0].start  # the 0.4 s gaps are left out
    assert result.seconds["action"] == pytest.approx(action.duration)
    assert result.shares["action"] == pytest.approx(action.duration / total)


def test_guidance_comes_from_options() -> None:
    opts = AnalysisOptions(star_guidance={"setup": 0.3, "action": 0.5, "outcome": 0.2})
    assert segment_star(build(DESIGN), opts).guidance == opts.star_guidance


def test_reasons_name_the_cue() -> None:
    result = segment_star(build(SUPPORT), AnalysisOptions())
    reasons = [lab.reason for lab in result.labels]
    assert "as a result" in reasons[6]
    assert "my goal was" in reasons[2]
    assert "looking back" in reasons[8] or "i learned" in reasons[8]


def test_order_smoothing_fills_a_sentence_without_cues() -> None:
    answer: Answer = [
        ("situation", "Our team was behind on the quarterly release."),
        ("task", "My goal was to get the release out on schedule."),
        ("action", "I reorganised the board and paired people on the hardest tickets."),
        ("action", "The board had a column for blocked work and a column for review."),
        ("action", "I also held a short standup every afternoon."),
        ("result", "As a result, we shipped on the planned date."),
    ]
    result = segment_star(build(answer), AnalysisOptions())
    assert [lab.label for lab in result.labels] == [label for label, _ in answer]
    assert result.labels[3].reason.startswith("order:")


def spoken_at(sentences: list[tuple[str, float, float]]) -> Transcript:
    """Words spread evenly over each sentence's (start, end) in seconds."""
    words: list[Word] = []
    for text, start, end in sentences:
        tokens = text.split()
        step = (end - start) / len(tokens)
        for k, token in enumerate(tokens):
            words.append(Word(text=token, start=start + k * step, end=start + (k + 1) * step))
    return Transcript(words=words, duration=sentences[-1][2] + 0.5)


def test_a_sentence_without_cues_where_a_task_would_go_is_not_a_task() -> None:
    # blind dev 11 as transcribed, with its sentence times: the third Situation sentence, a
    # fifth into the answer, was taken for a Task on position alone
    sentences = [
        ("I was assistant principal at a middle school of about 700 students, and the "
         "district was moving us to an online grade reporting system.", 0.5, 7.6),
        ("A roll-out at a nearby school had gone badly, and our teachers had heard all "
         "about it.", 8.0, 12.3),
        ("At the first staff meeting, several teachers said they would stick with paper.",
         12.5, 16.1),
        ("Instead of pushing the deadline, I asked for volunteers to try it with just one "
         "class and six teachers signed up.", 16.9, 23.1),
        ("I sat with each of them after school to set it up, and I logged every problem "
         "they hit.", 23.5, 28.0),
        ("Then I took that log to the district and got the two biggest issues fixed before "
         "anyone else had to switch.", 28.3, 33.7),
        ("I also held two evening sessions for parents so that teachers wouldn't be "
         "fielding every login question when the pilot teachers shared their experience "
         "at the next staff meeting some of the lot of skeptics asked to join.", 34.0, 45.4),
        ("By the end of the school year all 42 teachers were reporting grades through the "
         "system about 80% of families now check grades online at least once a term up "
         "from almost none.", 46.2, 56.4),
        ("These days I start most changes with a few volunteers, because people trust "
         "colleagues far more than announcements.", 57.2, 63.2),
    ]  # fmt: skip
    result = segment_star(spoken_at(sentences), AnalysisOptions())
    assert result.labels[2].label != "task"  # Situation or Action: the order decides
    assert "task" in result.missing


def test_viterbi_keeps_order_unless_evidence_beats_the_penalty() -> None:
    # label indexes: 0 situation, 1 task, 2 action, 3 result, 4 reflection
    def rows(back_margin: float) -> list[list[float]]:
        s, a = [2.0, 0.0, 0.0, 0.0, 0.0], [0.0, 0.0, 3.0, 0.0, 0.0]
        middle = [0.0] * 5
        middle[0] = back_margin  # the middle sentence leans to Situation by this much
        return [s, a, middle, a]

    assert BACK_PENALTY > 2.0
    assert viterbi(rows(2.0)) == [0, 2, 2, 2]  # a mild lean back is smoothed away
    assert viterbi(rows(7.0)) == [0, 2, 0, 2]  # strong evidence goes back
    assert viterbi([[0.0, 0.0, 0.0, 1.0, 0.0], [0.0, 0.0, 0.0, 0.0, 0.5]]) == [
        3,
        4,
    ]  # forward is free


def test_strong_evidence_can_go_back_in_order() -> None:
    answer: Answer = [
        ("situation", "At my last company our nightly reports were often late."),
        ("task", "My task was to make them reliable."),
        ("action", "I rewrote the scheduler and added alerts."),
        ("result", "As a result, late reports dropped by 90% in two months."),
        ("action", "Then I also built a runbook and trained the on-call team on it."),
        ("reflection", "I learned that alerts without a runbook only move the problem."),
    ]
    result = segment_star(build(answer), AnalysisOptions())
    assert [lab.label for lab in result.labels] == [label for label, _ in answer]


def test_unpunctuated_pauses_still_split_sentences() -> None:
    tr = build(SUPPORT, gap_s=0.8)  # pauses of 0.85 s between sentences, no punctuation
    bare = [w.model_copy(update={"text": w.text.strip(".,;").lower()}) for w in tr.words]
    result = segment_star(Transcript(words=bare, duration=tr.duration), AnalysisOptions())
    assert len(result.sentences) == len(SUPPORT)
    assert result.labels[0].label == "situation"
    assert result.labels[-1].label == "reflection"


def test_run_on_transcript_is_split_at_capitals() -> None:
    # No punctuation and no pauses, as Whisper sometimes returns: capitals mark sentences.
    tr = build(SUPPORT, gap_s=0.0)
    bare = [w.model_copy(update={"text": w.text.strip(".,;")}) for w in tr.words]
    assert len(split_sentences(bare, 0.6)) == 1
    pieces = refine_sentences(bare, split_sentences(bare, 0.6))
    assert len(pieces) > 4
    assert all(p.last_word - p.first_word + 1 <= 30 for p in pieces)
    result = segment_star(Transcript(words=bare, duration=tr.duration), AnalysisOptions())
    labels = [lab.label for lab in result.labels]
    assert labels[0] == "situation"
    assert "action" in labels and "result" in labels
    assert result.missing == [] or result.missing == ["task"]


def test_lowercase_run_on_is_chunked() -> None:
    tr = build(SUPPORT, gap_s=0.0)
    bare = [w.model_copy(update={"text": w.text.strip(".,;").lower()}) for w in tr.words]
    result = segment_star(Transcript(words=bare, duration=tr.duration), AnalysisOptions())
    assert len(result.sentences) >= len(bare) // 30
    assert all(s.last_word - s.first_word + 1 <= 45 for s in result.sentences)
    covered = [i for s in result.sentences for i in range(s.first_word, s.last_word + 1)]
    assert covered == list(range(len(bare)))  # every word once, in order
    labels = [lab.label for lab in result.labels]
    assert labels[0] == "situation" and labels[-1] in ("result", "reflection")


def test_opening_verb_is_task_early_and_reflection_late() -> None:
    ev = sentence_evidence("Um, improve accuracy and cut cycle time.")
    assert ev.score["task"] > ev.score["situation"]
    assert any("improve" in c for c in ev.cues["task"])
    ev = sentence_evidence("So, um, I built a registry.")
    assert ev.score["action"] > ev.score["task"]


def test_empty_transcript() -> None:
    result = segment_star(Transcript(words=[], duration=3.0), AnalysisOptions())
    assert result.sentences == [] and result.sections == []
    assert result.missing == ["situation", "task", "action", "result", "reflection"]
    assert all(v == 0.0 for v in result.shares.values())
    assert label_sentences([]) == []


def test_risk_avoided_is_a_result_and_a_lesson_is_a_reflection() -> None:
    from voiceloop.analysis.star import sentence_evidence

    risk = sentence_evidence("That would have cost us 400,000 dollars a quarter.")
    assert max(risk.score, key=lambda k: risk.score[k]) == "result"
    lesson = sentence_evidence("Looking back, I would have involved legal earlier.")
    assert max(lesson.score, key=lambda k: lesson.score[k]) == "reflection"


def test_a_disruption_to_the_team_sets_the_scene() -> None:
    ev = sentence_evidence(
        "Two weeks before the release, our only designer left the company and the build "
        "server stopped working."
    )
    assert ev.score["situation"] > ev.score["task"]
    assert ev.score["situation"] > ev.score["action"]


def test_a_change_that_lasted_is_a_result() -> None:
    ev = sentence_evidence("The review step I introduced still runs on every release.")
    assert ev.cues["result"]
    assert ev.score["result"] > ev.score["reflection"]
    plural = sentence_evidence("We kept the same retention gains across all regions.")
    assert "gains" in plural.cues["result"]


def test_a_verb_whose_past_is_its_base_is_past_only_after_a_subject() -> None:
    goal = sentence_evidence("Improve accuracy and cut cycle time.")
    assert "no past-tense verb (a goal or a lesson)" in goal.cues["task"]
    done = sentence_evidence("Then we cut cycle time.")
    assert "no past-tense verb (a goal or a lesson)" not in done.cues["task"]


@pytest.mark.parametrize(
    "sentence",
    [
        "Handling time went from about nine minutes to roughly five.",
        "We got two tickets a week, compared with ten a week before the change.",
        "Within a quarter, three other teams started using the dashboard.",
        "The alert has caught four broken loads since then.",
        "The forecast tracked the spikes much better than the old model.",
        "Our estimates shifted by 12% once the duplicates were gone.",
    ],
)
def test_outcomes_without_announcements_are_result_evidence(sentence: str) -> None:
    ev = sentence_evidence(sentence)
    assert ev.cues["result"], sentence
    assert ev.score["result"] > ev.score["reflection"]


def test_since_then_is_a_lesson_only_when_it_opens_a_habit() -> None:
    habit = sentence_evidence("Since then, I always check the raw events first.")
    assert max(habit.score, key=lambda k: habit.score[k]) == "reflection"
    lasting = sentence_evidence("The check has stopped three bad releases since then.")
    assert "since then" not in lasting.cues["reflection"]


def test_taking_the_problem_on_is_the_task() -> None:
    ev = sentence_evidence("It was on me to decide whether the test could ship.")
    assert ev.cues["task"]
    assert ev.score["task"] > ev.score["action"]


def test_what_other_people_did_late_in_the_answer_is_its_outcome() -> None:
    reaction = sentence_evidence("Not long after, the finance lead asked me to build their report.")
    assert "someone else acted" in reaction.cues["result"]
    adoption = sentence_evidence("Analysts began writing tests without being asked.")
    assert "someone else acted" in adoption.cues["result"]
    mine = sentence_evidence("The lead pushed back, so I rebuilt the join and reran the test.")
    assert "someone else acted" not in mine.cues["result"]
    # resume-speak has no subject to tell: its verbs stay the candidate's
    terse = sentence_evidence("Centralized definitions in dbt added data tests, wrote a guide.")
    assert "someone else acted" not in terse.cues["result"]
    # a garbled run-on where one verb of three seems to have a subject stays the candidate's
    run_on = sentence_evidence(
        "asked to deliver a propensity model deliver the model shipped to the model plus a "
        "dashboard with cohort drill downs and see an SDR outreach cadence playbook added "
        "explainability"
    )
    assert "someone else acted" not in run_on.cues["result"]
    passive = sentence_evidence("The test had been sized for four weeks.")
    assert "someone else acted" not in passive.cues["result"]
    also_mine = sentence_evidence("That slowed the release, and I had to defend the delay.")
    assert "someone else acted" not in also_mine.cues["result"]
    finding = sentence_evidence("In every case the old manual version turned out to be wrong.")
    assert "someone else acted" not in finding.cues["result"]
    # saying yes to the plan is a step in the Action, not what came of it
    agreed = sentence_evidence("She had a launch date in mind already, but she agreed.")
    assert "someone else acted" not in agreed.cues["result"]
    approved = sentence_evidence("The director approved it, and the coordinator lined up trucks.")
    assert "someone else acted" not in approved.cues["result"]
    # the speaker still acting ("I'd give her", "I thank them") keeps the sentence theirs
    habit = sentence_evidence("Afterward I'd give her two things that went well.")
    assert "someone else acted" not in habit.cues["result"]
    present = sentence_evidence("When the check fired, I thank them in our shared channel.")
    assert "someone else acted" not in present.cues["result"]
    # ... but a past "we" with an adverb between ("we never had to") does not
    outcome = sentence_evidence("We never had to use the rollback and the review team cleared")
    assert "someone else acted" in outcome.cues["result"]


@pytest.mark.parametrize(
    "sentence",
    [
        "Glass claims now take customers about four minutes to file instead of 25.",
        "The ledger launched on schedule and for the first four months it ran cleanly.",
        "Later on, the checks caught a batch of duplicated entries.",
        "By spring it had become the standard handoff for every transfer.",
        "The wall passed its tests, but that stage still finished eight days late.",
        "The supervisor started calling me before things escalated.",
        "The department now uses the same spreadsheet for every year group.",
        "The client grumbled, but later told my manager they were glad.",
        "Regression time held, and the team went four months without an escaped bug.",
    ],
)
def test_more_outcomes_told_plainly(sentence: str) -> None:
    ev = sentence_evidence(sentence)
    assert ev.score["result"] > ev.score["action"], ev.cues


def test_someone_elses_obligation_is_not_the_task() -> None:
    ev = sentence_evidence("During that gap, our support team had to process refunds by hand.")
    assert not ev.cues["task"]
    assert sentence_evidence("I had to find the savings with what we had.").cues["task"]


def test_a_habit_since_or_a_lesson_taught_is_reflection() -> None:
    habit = sentence_evidence("Now I ask a colleague to cover the counter whenever I am stuck.")
    assert habit.score["reflection"] >= 3.0
    assert not sentence_evidence("Now I had to tell the client.").cues["reflection"]
    # "it taught me", the recogniser dropping "me"
    taught = sentence_evidence("It also taught that a rehearsal is worth more than planning.")
    assert taught.score["reflection"] >= 3.0


def test_a_plain_result_runs_on_into_a_sentence_without_cues() -> None:
    result = segment_star(build(RUNS_ON), AnalysisOptions())
    assert result.labels[6].label == "result"
    assert result.labels[6].reason.startswith("order:")  # no cue of its own


def test_ordinals_and_the_one_after_that_are_not_sequencing() -> None:
    assert not sentence_evidence("For the first four months it ran cleanly.").cues["action"]
    ev = sentence_evidence("The next close finished in six days and the one after that in five.")
    assert not ev.cues["action"]
    assert sentence_evidence("After that, I rebuilt the join.").cues["action"]


def test_what_the_work_cost_is_not_its_outcome() -> None:
    cost = sentence_evidence("Total cost was the overtime and some new labels, about $9,000.")
    assert not cost.cues["result"]
    assert cost.score["action"] > 0
    loss = sentence_evidence("We still lost about $47,000 to fraud during those eight days.")
    assert loss.score["result"] > loss.score["action"]
    rival = sentence_evidence("I presented the segments where the vendor beat us.")
    assert "beat" not in rival.cues["result"]
    metric = sentence_evidence("Our model beat the vendor on every segment.")
    assert metric.cues["result"]


@pytest.mark.parametrize(
    "sentence",
    [
        "The bigger lesson for me was that accuracy is not the same as usefulness.",
        "I also learned to ask the domain expert first.",
        "For me, the hardest part of mentoring turned out to be letting her struggle a bit.",
    ],
)
def test_lessons_said_in_other_words_are_reflection(sentence: str) -> None:
    ev = sentence_evidence(sentence)
    assert max(ev.score, key=lambda k: ev.score[k]) == "reflection"


def test_a_headline_result_can_open_the_answer() -> None:
    answer: Answer = [
        ("result", "The short version is that we cut refund fraud by 40% in two weeks."),
        (
            "situation",
            "Right before the holidays, a fraud ring started using stolen cards on our site.",
        ),
        ("task", "I had to stop it before the peak without blocking good customers."),
        ("action", "I pulled three weeks of confirmed fraud cases and found strong signals."),
        ("action", "I turned them into simple rules and tested them on past orders."),
        ("result", "The review team cleared held orders within their normal service level."),
    ]
    result = segment_star(build(answer), AnalysisOptions())
    assert [lab.label for lab in result.labels] == [label for label, _ in answer]
    assert "the short version" in result.labels[0].reason


@pytest.mark.parametrize(
    ("sentence", "label"),
    [
        ("Once the backfill ran, the conversion gap disappeared.", "result"),
        ("What stuck with me is that reading about a method is not enough.", "reflection"),
        ("Other analysts started asking me for help with similar questions.", "result"),
        ("I stopped spending my Sunday nights rebuilding the schedule.", "result"),
        ("We no longer had to reconcile the invoices by hand.", "result"),
        ("I stopped the rollout and reverted the flag.", "action"),
    ],
)
def test_more_ways_to_say_an_outcome_or_a_lesson(sentence: str, label: str) -> None:
    assert sentence_evidence(sentence).cues[label]


def test_next_as_an_adjective_is_not_a_step() -> None:
    assert (
        "next" not in sentence_evidence("Marketing used it for the next campaign.").cues["action"]
    )
    beside = sentence_evidence("We put a definition next to each metric.")
    assert "next" not in beside.cues["action"]
    assert "next" in sentence_evidence("Next, I rebuilt the join.").cues["action"]


def test_a_passive_drop_is_not_a_metric_moving() -> None:
    passive = sentence_evidence("Those purchases were silently dropped from the metric.")
    assert not any(c.startswith("dropped from") for c in passive.cues["result"])
    moved = sentence_evidence("Churn dropped from about nine percent to six.")
    assert any(c.startswith("dropped from") for c in moved.cues["result"])


@pytest.mark.parametrize(
    ("sentence", "label"),
    [
        ("The new ranking increased click-through by about 7% in two weeks.", "result"),
        ("The recalibrated model went live, and within three months losses were steady.", "result"),
        ("All twelve invoices were paid that evening.", "result"),
        ("We shipped the refunds ahead of the deadline.", "result"),
        ("I volunteered to find out where the cloud money was going.", "task"),
        ("So I set myself the goal of one forecast for every category.", "task"),
        ("I felt it was my job to stop a wrong number reaching the board.", "task"),
        ("I had about three weeks to give them an answer.", "task"),
        ("I needed finance to actually trust the model.", "task"),
        ("At the time, each store kept its own spreadsheet.", "situation"),
        ("This was at a grocery chain where I sat on the pricing team.", "situation"),
        ("I started noticing customers coming back angry.", "situation"),
        ("To me that was the real result.", "result"),
        ("I would make the same call again, but sooner.", "reflection"),
        ("Onboarding new hires got a lot easier after that.", "result"),
        ("It also freed up two analysts for the pricing work.", "result"),
        ("We finished three days early.", "result"),
        ("Her managers rated her talks 4.6 out of five, up from 3.8 the quarter before.", "result"),
        ("We archived 12 of the 14 dashboards.", "result"),
        ("Two years later, the dashboard is still the first thing finance opens.", "result"),
        ("My task, which I more or less volunteered for, was to find the slow query.", "task"),
        ("I built the fraud scoring model at a mid-sized payments company.", "situation"),
        ("The thing I took from it is that normal numbers deserve a look too.", "reflection"),
        ("My responsibility was to sign off on the analysis before it went up.", "task"),
        ("The goal I agreed on with my lead was to get a release under half an hour.", "task"),
        ("What I had to figure out was whether the jump came from us or the carriers.", "task"),
        ("I managed a clothing store in a big shopping mall with about 25 staff.", "situation"),
        ("The year before I arrived, the store had lost most of its staff.", "situation"),
        ("Releases now take about 20 minutes.", "result"),
        ("The team ships three times a week instead of twice a month.", "result"),
        ("The new box cut shipping cost on that whole product line by 22%.", "result"),
        ("What worked was asking basic questions early instead of pretending.", "reflection"),
        ("Because treatment started early, he never had to be moved to intensive care.", "result"),
        ("So the question I kept asking myself was, can we give a tighter window?", "task"),
        ("I gave myself two sprints to find the actual cause.", "task"),
        ("I still own delivering the model finance relied on.", "task"),
        ("It made me realize that drawing the flow is the hardest part.", "reflection"),
        ("I had those 6 weeks to get the latency down.", "task"),
        ("So, um, I task was to lead the migration without a failed renewal.", "task"),  # "my"
        ("My director asked whether I could deliver something useful in a month.", "task"),
        ("The owners told me plainly that they needed people to stop quitting.", "task"),
        ("The route by staging is still how that site loads its trucks.", "result"),
        ("Most families check grades online now, up from almost nobody.", "result"),
        ("The lab manager asked me to find out whether the problem was inside our lab.", "task"),
        ("We needed it for grant reporting, but I also needed Denise on board.", "task"),
        (
            "The usual workaround was a restart, and then someone reran the job by hand.",
            "situation",
        ),
        ("I was an analyst at a clothing chain, and I'd been asked to fix our sizes.", "situation"),
        ("We missed the maintenance window and the migration slipped by another week.", "result"),
        # knowing is not a deed, "that first week" is not a step
        (
            "What helped most was asking questions that first week, not pretending I understood.",
            "reflection",
        ),
    ],
)
def test_cues_found_on_the_blind_dev_answers(sentence: str, label: str) -> None:
    ev = sentence_evidence(sentence)
    assert max(ev.score, key=lambda k: ev.score[k]) == label, ev.cues


@pytest.mark.parametrize(
    ("sentence", "label", "cue"),
    [
        ("These days I start most changes with a few volunteers.", "reflection", "these days i"),
        ("The next version removed most of the screen switching.", "result", "removed most of"),
        ("The radiologist said it finally felt like part of her day.", "result", "finally felt"),
        ("At full scale the copy ran far slower than on staging.", "result", "far slower"),
        ("It brought our shipping spend back to where it had been.", "result", "back to where"),
        ("We missed the window, and customers were locked out.", "result", "missed the window"),
        ("The cache didn't pay off, so I removed it.", "result", "didn't pay off"),
        ("We wrote off under $8,000 of product.", "result", "wrote off"),
        ("We had to roll back, which cost us 1,800 checkouts.", "result", "cost us"),
        ("She approved the report, and they renewed two months later.", "result", "they renewed"),
        ("Most of the children had moved up a reading level.", "result", "moved up a reading"),
        ("With the new model we caught 30% more fraud.", "result", "caught 30%"),
        ("The bars were fixed overnight.", "result", "were fixed"),
        ("Since then we haven't had a single near miss.", "result", "haven't had a single"),
        ("Every customer got a refund and we did not lose any of them.", "result", "did not lose"),
        ("By the spring assessment, most students read at grade level.", "result", "by the spring"),
    ],
)
def test_a_habit_these_days_and_what_the_work_did_are_named(
    sentence: str, label: str, cue: str
) -> None:
    assert any(c.startswith(cue) for c in sentence_evidence(sentence).cues[label])


def test_others_asking_to_take_part_is_not_the_speakers_task() -> None:
    asked_of_others = sentence_evidence("Several parents asked to keep borrowing the books.")
    assert not asked_of_others.cues["task"]
    for ask in ("My manager asked me to fix it.", "I was asked to fix it.", "We got asked to."):
        assert sentence_evidence(ask).cues["task"], ask
    # a request to the team in the scene is not the Task either
    assert not sentence_evidence("Finance asked us to explain the bill.").cues["task"]
    # what the speaker said is not an instruction to the speaker
    assert (
        "someone else acted" in sentence_evidence("She said to me that it worked.").cues["result"]
    )


def test_a_fix_still_awaited_is_not_an_outcome() -> None:
    promise = sentence_evidence("I promised a daily update until it was fixed.")
    assert not promise.cues["result"]
    deadline = sentence_evidence("We had a small budget to spend by spring.")
    assert not deadline.cues["result"]


def test_deciding_to_find_out_is_the_task_not_a_step() -> None:
    question = sentence_evidence("I decided to find the actual cause, and gave myself two weeks.")
    assert "i decided to find the actual cause" in question.cues["task"]
    assert "i decided" not in question.cues["action"]
    assert "i decided" in sentence_evidence("I decided to learn it properly.").cues["action"]


def test_setting_the_task_after_so_is_not_a_step() -> None:
    find_out = sentence_evidence(
        "It wasn't my model, but I used it more than anyone, so I decided to find out what "
        "had gone wrong."
    )
    assert "so i" not in find_out.cues["action"]
    assert find_out.score["task"] > find_out.score["action"]
    set_out = sentence_evidence("So I set out to learn how big the gap really was.")
    assert "i set out to" in set_out.cues["task"]
    assert not set_out.cues["action"]
    assert "so i" in sentence_evidence("So I set up a weekly review.").cues["action"]


@pytest.mark.parametrize(
    "sentence",
    [
        "I was originally asked to improve the produce forecast.",
        "I was accountable for the model and the handoff to their membership team.",
        "The challenge for me was keeping same-day shipping on track.",
        "I own both the model and the pipeline, so hitting the date was squarely on me.",
        # what others wanted from the speaker, what landed on them, what success meant
        "What they wanted from me was a better weekly forecast by the end of the quarter.",
        "The problem landed on my desk because the account manager was on leave.",
        "Success meant a model that the regional controllers trusted.",
        "My manager wanted a clear answer to a simple question before the planning cycle.",
    ],
)
def test_tasks_said_in_other_words(sentence: str) -> None:
    assert sentence_evidence(sentence).cues["task"], sentence


def test_the_challenge_as_the_scene_is_not_a_task() -> None:
    assert not sentence_evidence("The challenge was that the data was stale.").cues["task"]
    assert not sentence_evidence("The challenge was something nobody had solved.").cues["task"]


def test_taking_it_on_yourself_is_the_task_not_a_step() -> None:
    ev = sentence_evidence(
        "I took it on myself to figure out whether we were even measuring the right thing."
    )
    assert "i took" not in ev.cues["action"]
    assert ev.score["task"] > ev.score["action"]


def test_what_i_keep_from_it_is_a_lesson() -> None:
    ev = sentence_evidence("What I keep from that experience is the written list of deferred work.")
    assert ev.cues["reflection"]
    heard = sentence_evidence("What keep from that experience as the written list.")  # "I" lost
    assert "what keep from" in heard.cues["reflection"]


def test_i_had_before_a_participle_is_not_i_would() -> None:
    assert not sentence_evidence("I'd also fixed the training deck.").cues["reflection"]
    assert "i'd" in sentence_evidence("I'd bring the team in earlier.").cues["reflection"]


def test_by_then_is_not_a_step_and_a_deed_left_undone_is_not_a_deed() -> None:
    by_then = sentence_evidence(
        "By then, though, the pilot was over and the client chose not to renew."
    )
    assert "then" not in by_then.cues["action"]
    undone = sentence_evidence(
        "A few locations did keep using the list and their manager said it helped, but we "
        "never got the chance to show it at scale."
    )
    assert not undone.cues["action"]
    assert "someone else acted" in undone.cues["result"]
    # someone else's "never" is still what came of the work
    lasting = sentence_evidence("Since then the job has almost never failed.")
    assert lasting.cues["result"]


def test_a_season_later_and_a_measure_that_came_up_are_outcomes() -> None:
    later = sentence_evidence(
        "Later that season she came back for her next pair and brought in two friends."
    )
    assert "later that season" in later.cues["result"]
    assert not sentence_evidence("Later that week I presented it to the VP.").cues["result"]
    grades = sentence_evidence("His grades came up steadily over the spring.")
    assert "grades came up" in grades.cues["result"]
    topic = sentence_evidence("The topic came up in our planning meeting.")
    assert not any("came up" in cue for cue in topic.cues["result"])


def test_others_wanting_something_done_is_still_the_scene() -> None:
    ev = sentence_evidence("The district wanted us to move to standards-based grading.")
    assert not ev.cues["task"]


def test_talking_through_an_outcome_and_doing_it_in_advance_are_steps() -> None:
    talk = sentence_evidence(
        "We presented it to the director together, with me walking through the retention impact."
    )
    assert not talk.cues["result"]
    early = sentence_evidence("We printed the packets ahead of time and set up an express counter.")
    assert not early.cues["result"]
    assert sentence_evidence("We delivered two weeks ahead of time.").cues["result"]


def test_what_keeps_paying_off_is_a_lesson_not_an_outcome() -> None:
    lesson = sentence_evidence("Learning is a small investment that keeps paying off.")
    assert not lesson.cues["result"]


def test_a_free_relative_is_not_a_deed() -> None:
    owned = sentence_evidence("I owned the scripts, and whatever we decided, I was on call for it.")
    assert "we decided" not in owned.cues["action"]
    assert "we decided" in sentence_evidence("Then we decided to wait.").cues["action"]


def test_a_miss_is_not_a_deed() -> None:
    assert not sentence_evidence("We missed the window.").cues["action"]
    assert sentence_evidence("We moved the window.").cues["action"]


def test_agreement_to_the_speakers_step_is_not_an_outcome() -> None:
    for step in (
        "The project manager backed the decision and moved the crane booking.",
        "Two are keen straight away, and the other two agree to join the pilot.",
        # a go-ahead given as an instruction
        "The director said to hold the launch and rerun the test.",
        "The district manager came in to see it and told me to keep it running.",
    ):
        assert "someone else acted" not in sentence_evidence(step).cues["result"], step
    adoption = sentence_evidence("The project managers moved every crane booking to Monday.")
    assert "someone else acted" in adoption.cues["result"]


def test_readings_and_complaints_are_not_deeds_or_goals() -> None:
    reading = sentence_evidence("The lead asked me to present it, which I took as a sign of trust.")
    assert not any(c.startswith("i took") for c in reading.cues["action"])
    assert "someone else acted" in reading.cues["result"]
    complaint = sentence_evidence("Engineers changed the schemas without telling anyone.")
    assert not complaint.cues["task"]
    unclear = sentence_evidence("A director had left my review without knowing what I proposed.")
    assert not unclear.cues["task"]
    constraint = sentence_evidence("I had to cut the bill without breaking any report.")
    assert any(c.startswith("without") for c in constraint.cues["task"])
    # an adjective compound is not a verb; a prefixed verb still is
    assert not sentence_evidence("Skip-related tickets fell noticeably.").cues["action"]
    assert sentence_evidence("Re-implemented the parser in a week.").cues["action"]
    # an adverb between "I" and the verb keeps the deed the speaker's
    mine = sentence_evidence("I basically turned all of that into a checklist the team now uses.")
    assert "someone else acted" not in mine.cues["result"]
    assert mine.cues["action"]


def test_what_only_would_have_happened_is_not_a_deed() -> None:
    sentence = (
        "The survey number would have left us with too much stock, our old model "
        "would have left us short, and we might have missed the holiday peak."
    )
    ev = sentence_evidence(sentence)
    assert not any("past-tense verbs" in c for c in ev.cues["action"])
    done = sentence_evidence("I checked the survey, tested the model and fixed the join.")
    assert any("past-tense verbs" in c for c in done.cues["action"])


@pytest.mark.parametrize(
    ("aim", "outcome"),
    [
        (  # a purpose
            "I back-tested it on 40 cohorts to show it tracked cash far better than the old one.",
            "The new forecast tracked cash far better than the old number.",
        ),
        (
            "My team reconciled their invoices by hand so their books could close on time.",
            "Their books closed on time for the first time that year.",
        ),
        (  # a purpose in the past, not a state reached ("so the team can now")
            "I rebuilt the pipeline so the team could finish the close much faster.",
            "We automated the close, so the team can now finish it much faster.",
        ),
        (  # a condition
            "I agreed with the lead that if conversion dropped more than 15%, we'd roll it back.",
            "Conversion dropped more than 15% on the first day.",
        ),
        (  # a launch that was itself a step
            "We shipped in shadow mode for four weeks before blocking anything.",
            "We shipped the new model to every store in March.",
        ),
        (  # a purpose: what the speaker's step was meant to spare others
            "I sent planning a note twice a week, so they never had to chase me for status.",
            "After the fix, he never had to chase us for status again.",
        ),
        (  # a launch scoped down as a step
            "She agreed, and we launched for only the two simplest claim types.",
            "We launched the new claims flow to every region in March.",
        ),
        (  # a time clause before the speaker's next step
            "Once the fix shipped, I wrote up the incident and handed the alerts over.",
            "Once the fix shipped, the alerts stopped paging us.",
        ),
    ],
)
def test_an_outcome_phrase_in_an_aim_a_step_a_condition_or_a_lead_in_is_not_an_outcome(
    aim: str, outcome: str
) -> None:
    outcome_cues = sentence_evidence(outcome).cues["result"]
    phrases = [c for c in outcome_cues if c != "someone else acted"]
    assert phrases
    assert not set(phrases) & set(sentence_evidence(aim).cues["result"])


def test_writing_it_up_for_next_time_is_not_a_lesson() -> None:
    handover = (
        "After the sale, I wrote it up and shared it with the team as a template for next time."
    )
    assert not sentence_evidence(handover).cues["reflection"]
    assert sentence_evidence("Next time I'd bring finance in on day one.").cues["reflection"]


def test_only_the_step_back_from_an_opening_task_to_the_situation_is_free() -> None:
    rows = [[0.0, 3.0, 0.0, 0.0, 0.0], [2.0, 0.0, 0.0, 0.0, 0.0], [0.0, 0.0, 2.0, 0.0, 0.0]]
    assert viterbi(rows) == [1, 1, 2]
    assert viterbi(rows, task_first=True) == [1, 0, 2]
    assert viterbi([rows[0], *rows], task_first=True) == [1, 1, 1, 2]


def test_how_things_are_is_not_a_goal() -> None:
    # a role, the scene: "I own the fraud model" (the goal is "I own delivering ...")
    assert not sentence_evidence("I own the fraud model our payments team relied on.").cues["task"]
    for sentence in ("The small failures just pile up.", "You know how it goes with a long list."):
        assert not sentence_evidence(sentence).cues["task"], sentence
    for goal in ("Restore checkout reliability before the sales event.", "I want to know why."):
        assert sentence_evidence(goal).cues["task"], goal
