"""The confidence model: signals in, one probability out; a signal a backend lacks is neutral."""

import math

import pytest

from rag.calibrate import _held_out
from rag.confidence import Calibration, choose_threshold, evidence, fit
from rag.generators import GenerationStats
from rag.lexicon import Lexicon, tokens
from rag.metrics import Row
from rag.question import read

from .test_verify import BANK, CLINIC, passage


def test_certainty_is_the_geometric_mean_of_the_token_probabilities() -> None:
    assert GenerationStats().certainty() is None  # a backend that reports none
    stats = GenerationStats(token_probs=[0.9, 0.4, 1.0])
    assert stats.certainty() == pytest.approx((0.9 * 0.4 * 1.0) ** (1 / 3))
    assert GenerationStats(token_probs=[0.0]).certainty() == pytest.approx(1e-9)  # no log of 0


def test_a_missing_signal_moves_the_confidence_neither_way() -> None:
    cal = Calibration(
        weights={"certainty": 2.0}, bias=0.0, threshold=0.5, mean={"certainty": 0.8}, scale={"certainty": 0.1}
    )
    assert cal.probability({}) == pytest.approx(0.5)
    assert cal.probability({"certainty": 0.9}) > 0.5 > cal.probability({"certainty": 0.7})


def test_fitting_puts_a_missing_signal_at_the_average_of_the_rows_that_have_it() -> None:
    rows = [{"certainty": 0.9}, {"certainty": 0.5}, {}, {}]
    cal = fit(rows, [1, 0, 1, 0], steps=200)
    assert cal.mean["certainty"] == pytest.approx(0.7)
    assert cal.weights["certainty"] > 0 and all(math.isfinite(w) for w in cal.weights.values())


def test_a_weight_stays_on_the_side_its_signal_points() -> None:
    # a look-alike word in place of a question's word goes with right answers here, and after
    # flipping the labels similarity and the self-check go with wrong ones: by the data alone
    # those weights would cross zero; the fit holds them there
    rows = [
        {"dense": d, "sibling": s, "self_check": c}
        for d, s, c in [(0.95, 1, 0.9), (0.90, 1, 0.8), (0.80, 0, 0.3), (0.85, 0, 0.2)] * 5
    ]
    labels = [1, 1, 0, 0] * 5
    cal = fit(rows, labels, steps=500)
    assert cal.weights["dense"] > 0 and cal.weights["self_check"] > 0 and cal.weights["sibling"] == 0
    flipped = fit(rows, [1 - y for y in labels], steps=500)
    assert flipped.weights["dense"] == 0 and flipped.weights["self_check"] == 0
    assert flipped.weights["sibling"] < 0  # its own side: allowed


def test_held_out_figures_come_from_a_fit_on_the_other_sets_alone() -> None:
    # set "a": the self-check tells answerable questions (right answers) from unanswerable ones
    # (wrong answers) and certainty is flat; set "b": certainty tells them apart, the self-check
    # does half the time. Fitted on "a" alone, the model knows nothing of certainty and gets
    # half of "b" right; a fit that saw "b" does better there
    def row(name: str, i: int, answerable: bool, check: float, cert: float) -> Row:
        feats = {"self_check": check, "certainty": cert}
        return Row(
            id=f"{name}{i}",
            set=name,
            type="t",
            answerable=answerable,
            features=feats,
            verified=True,
            right_if_answered=answerable,
            citation_precision=1.0 if answerable else 0.0,
        )

    a = [row("a", i, i % 2 == 0, 0.9 if i % 2 == 0 else 0.2, 0.8) for i in range(40)]
    b = [row("b", i, i % 2 == 0, 0.9 if i % 4 < 2 else 0.2, 0.95 if i % 2 == 0 else 0.5) for i in range(40)]
    held = _held_out(a + b, "b", l2=1.0)
    assert "accuracy 0.500 on 20 answerable" in held and "abstention 0.500 on 20 unanswerable" in held
    # the answers kept: b's 10 right ones (citations all supported) and 10 wrong (none)
    assert "citation precision 0.500 of 20 answers" in held
    seen = fit([r.features for r in a + b], [int(bool(r.right_if_answered)) for r in a + b])
    assert seen.weights["certainty"] > 0  # had it seen "b", certainty would have counted


def test_the_threshold_separates_scores_that_can_be_separated() -> None:
    scores = [0.93382, 0.06617] * 10
    answerable = [True, False] * 10
    t = choose_threshold(scores, [1, 0] * 10, answerable)
    assert 0.06617 < t <= 0.93382


def test_each_set_weighs_as_much_as_another_in_the_fit() -> None:
    # set "big" (100 answers): certainty tells right from wrong, the self-check says nothing;
    # set "small" (10): the self-check tells them apart, certainty is flat. Pooled, the big set
    # decides and the self-check barely counts; with each set weighing the same it counts
    big = [
        ({"certainty": 0.5 + 0.04 * (i % 10), "self_check": 0.3 + 0.4 * ((i // 10) % 2)}, int(i % 10 >= 5))
        for i in range(100)
    ]
    small = [({"certainty": 0.7, "self_check": 0.1 + 0.08 * i}, int(i >= 5)) for i in range(10)]
    rows = [f for f, _ in big + small]
    labels = [y for _, y in big + small]
    pooled = fit(rows, labels, steps=500)
    grouped = fit(rows, labels, steps=500, groups=["big"] * 100 + ["small"] * 10)
    assert grouped.weights["self_check"] > 2 * pooled.weights["self_check"] > 0
    right, wrong = {"certainty": 0.7, "self_check": 0.9}, {"certainty": 0.7, "self_check": 0.2}

    def gap(cal: Calibration) -> float:
        return cal.probability(right) - cal.probability(wrong)

    assert gap(grouped) > gap(pooled)


def test_the_threshold_serves_each_set_not_the_largest() -> None:
    # set "a": 50 right answers at 0.7, 10 wrong answers to unanswerable questions at 0.4 and 10
    # at 0.1; set "b": 10 right answers at 0.35, 10 wrong ones at 0.2. Pooled, 0.55 is best (a's
    # answers outnumber b's); set by set, a threshold between b's answers (0.2 to 0.35) keeps
    # all of b's right answers and costs a only half of its abstention
    scores = [0.7] * 50 + [0.4] * 10 + [0.1] * 10 + [0.35] * 10 + [0.2] * 10
    answerable = [True] * 50 + [False] * 20 + [True] * 10 + [False] * 10
    correct = [int(a) for a in answerable]
    groups = ["a"] * 70 + ["b"] * 20
    assert choose_threshold(scores, correct, answerable) == pytest.approx(0.55)
    assert 0.2 < choose_threshold(scores, correct, answerable, groups) < 0.35


def test_a_narrow_peak_does_not_pull_the_threshold_from_a_broad_plateau() -> None:
    # 10 right answers at 0.600 just above 10 wrong answers to unanswerable questions at 0.597:
    # only a threshold between the two (0.003 wide) keeps the one and refuses the other, and
    # the figure there (0.917) falls to 0.667 and 0.5 either side; below 0.4 it is 0.75 all along
    scores = [0.600] * 10 + [0.597] * 10 + [0.4] * 2 + [0.2] * 10
    answerable = [True] * 10 + [False] * 10 + [True] * 2 + [False] * 10
    correct = [int(a) for a in answerable]
    assert choose_threshold(scores, correct, answerable, window=0) == pytest.approx(0.5985)
    assert choose_threshold(scores, correct, answerable) == pytest.approx(0.3)


def test_a_question_is_cross_lingual_only_when_no_passage_is_in_its_language() -> None:
    q = read("Who gets the high-dose vaccine?")
    mixed = evidence(q, [CLINIC.hit, BANK.hit], [CLINIC, BANK], Lexicon())
    assert not mixed.cross_lingual  # one Chinese passage among English ones (a mixed corpus)
    assert evidence(q, [BANK.hit], [BANK], Lexicon()).cross_lingual
    assert not evidence(read("江苏银行每天节约多少工作量？"), [BANK.hit], [BANK], Lexicon()).cross_lingual


def test_a_name_is_missing_only_when_the_passages_and_the_corpus_never_use_it() -> None:
    plans = passage(
        40,
        "套餐名称: 畅享59；月费(元): 59。套餐名称: 畅享99；月费(元): 99。套餐名称: 青春卡；月费(元): 19。",
    )
    lexicon = Lexicon.from_token_lists([tokens(plans.text)])
    # a name the segmenter cut off its neighbour ("青春卡月费" read as 青春 and 卡月费) is there
    q = read("青春卡月费多少钱？")
    assert evidence(q, [plans.hit], [plans], lexicon).missing == []
    # a model number the passages state only for its siblings is not there (畅享59, 畅享99)
    q = read("畅享199套餐的月费是多少？")
    assert evidence(q, [plans.hit], [plans], lexicon).missing == ["畅享199"]
    assert evidence(read("畅享99套餐的月费是多少？"), [plans.hit], [plans], lexicon).missing == []
    notes = passage(
        41, "Lumen Notes 4.2 needs Android 12; Lumen Notes 4.0 ran on Android 10. Adults 65 and over."
    )
    lexicon = Lexicon.from_token_lists([tokens(notes.text)])
    q = read("Which Android version does Lumen Notes 4.1 need?")
    assert evidence(q, [notes.hit], [notes], lexicon).missing == ["notes 4.1"]
    for text in ("Which Android version does Lumen Notes 4.2 need?", "What do adults over 65 get?"):
        assert evidence(read(text), [notes.hit], [notes], lexicon).missing == [], text
    # an English question whose best passage is Chinese may name its subject in pinyin; a month
    # belongs to its date
    launch = passage(42, "2025年4月8日，天穹二号遥四运载火箭成功发射，将5颗低轨通信卫星送入预定轨道。")
    lexicon = Lexicon.from_token_lists([tokens(launch.text), tokens(notes.text)])
    q = read("How many satellites did the Tianqiong-2 launch of April 8, 2025 carry into orbit?")
    assert q.names == ("tianqiong-2",)
    assert evidence(q, [launch.hit, notes.hit], [launch, notes], lexicon).missing == []
    assert evidence(q, [notes.hit], [notes], lexicon).missing == ["tianqiong-2"]
    # a name written with or without a hyphen between its letters and digits is the same name
    model = passage(43, "GPT-4是OpenAI于2023年3月14日发布的大模型。")
    lexicon = Lexicon.from_token_lists([tokens(model.text)])
    assert evidence(read("GPT4发布时间"), [model.hit], [model], lexicon).missing == []


def test_a_chinese_name_spelt_in_pinyin_is_found_where_its_characters_are() -> None:
    """A mixed corpus: the best passage of an English question is English, and the hotel it
    names in pinyin ("Lanwan") is written 澜湾 in a Chinese one; a name spelt nowhere (a brand)
    is still missing."""
    staff = passage(44, "Please arrive at the reception desk at 9:30 am on your first day.")
    hotel = passage(45, "澜湾酒店不接待携带宠物的客人，导盲犬除外。", title="澜湾酒店入住须知")
    lexicon = Lexicon.from_token_lists([tokens(staff.text), tokens(hotel.text)])
    q = read("Can I bring my dog to the Lanwan hotel?")
    assert q.names == ("lanwan",)
    found = evidence(q, [staff.hit, hotel.hit], [staff, hotel], lexicon)
    assert found.missing == [] and found.names_found == 1.0
    q = read("Can I bring my dog to the Zephyra hotel?")
    assert evidence(q, [staff.hit, hotel.hit], [staff, hotel], lexicon).missing == ["zephyra"]
