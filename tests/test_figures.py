"""Figures match as whole values with units, dates by parts, in any numeral system."""

import pytest

from rag.figures import cn_to_number, figures, matches, supported


def one(text: str):
    found = figures(text)
    assert len(found) == 1, found
    return found[0]


def test_a_number_inside_a_date_is_no_number() -> None:
    claim = one("每天节约12小时")
    assert not supported(claim, figures("测试于6月12日完成，每天节约9.68小时"))
    assert supported(claim, figures("上线后每天节约12小时"))


def test_whole_numbers_only() -> None:
    assert not supported(one("16个"), figures("2016年共有160个"))
    assert not supported(one("1.5万"), figures("共15万人"))


@pytest.mark.parametrize(
    ("claim", "passage"),
    [
        ("三千万元", "投入3000万元"),  # finance
        ("两成", "占比20%"),
        ("百分之三十五", "提升35%"),
        ("第十二届", "第12届电影节"),  # film
        ("2:08:31", "以2小时08分31秒的成绩"),  # sport
        ("0.5克", "成人一次0.5克"),  # medicine
        ("3473.6万人次", "共发送旅客3473.6万人次"),
        ("1,200家", "共1200家"),
    ],
)
def test_one_value_in_any_notation(claim: str, passage: str) -> None:
    assert supported(one(claim), figures(passage)), (claim, figures(passage))


def test_units_must_agree_when_both_have_one() -> None:
    assert not supported(one("12小时"), figures("密码至少12位"))
    assert supported(one("420"), figures("CADR 420 m³/h"))  # the claim gives no unit


@pytest.mark.parametrize(
    "written", ["2024-03-08", "2024年3月8日", "2024/3/8", "March 8, 2024", "8 March 2024"]
)
def test_every_common_date_form_is_one_date(written: str) -> None:
    assert one(written).date == (2024, 3, 8)
    assert matches(one(written), one("2024年3月8日"))


def test_dates_match_by_the_parts_the_claim_gives() -> None:
    assert matches(one("3月8日"), one("2024年3月8日"))
    assert matches(one("2024年3月"), one("2024年3月8日"))
    assert not matches(one("2024年3月8日"), one("3月8日"))  # the passage does not give the year
    assert matches(one("2024年3月8日"), one("3月8日"), frozenset({2024}))  # ... unless its context does
    assert not matches(one("3月9日"), one("2024年3月8日"))


def test_years_written_without_the_character() -> None:
    assert one("2024滨江国际马拉松").date == (2024, None, None)
    assert one("in 2023 the race").date == (2023, None, None)
    assert one("约2000小时").kind == "number"  # a figure with a unit is no year


def test_chinese_numerals() -> None:
    assert cn_to_number("三千万") == 30_000_000
    assert cn_to_number("十二") == 12
    assert cn_to_number("二〇二四") == 2024
    assert cn_to_number("一亿二千万") == 120_000_000
    assert figures("统一部署，一般情况") == []  # numerals inside words are no figures


def test_identifiers_match_exactly() -> None:
    assert supported(one("192.168.8.1"), figures("go to 192.168.8.1 to"))
    assert not supported(one("192.168.1.1"), figures("go to 192.168.8.1 to"))


def test_counts_match_across_classifiers_and_omitted_ones_but_measures_do_not() -> None:
    def pairs(a: str, b: str) -> list[bool]:
        return [matches(x, y) for x in figures(a) for y in figures(b)]

    assert pairs("赋能20多个业务领域", "赋能20余类核心业务") == [True]  # both count things
    assert pairs("落地200余个场景", "覆盖200余个实际应用场景") == [True]  # noun, no classifier
    assert pairs("每天节约12小时", "6月12日完成") == [False]
    assert not any(pairs("用时13分钟", "成绩2小时8分13秒"))
    assert pairs("运量12吨", "长12米") == [False]


def test_a_number_hyphenated_to_a_word_is_part_of_a_name() -> None:
    # Tianqiong-2, COVID-19: no figure "2 launch" with the unit "launch"
    assert [f.text for f in figures("the tianqiong-2 launch carried 5 satellites", folded=True)] == [
        "5 satellites"
    ]
    assert [f.text for f in figures("covid-19 cases rose 12%", folded=True)] == ["12%"]
    assert [f.kind for f in figures("2024-03-08")] == ["date"]  # a date keeps its hyphens


def test_a_rank_is_no_count() -> None:
    # "第二条 租赁期限" states no "2颗", and "第3次飞行" no "3次"
    assert not supported(one("2颗卫星"), figures("第二条 租赁期限"))
    assert not supported(one("飞了3次"), figures("这是该型火箭的第3次飞行"))
    assert supported(one("第3次飞行"), figures("这是该型火箭的第3次飞行"))
    assert supported(one("第二条"), figures("依据第二条规定"))


def test_a_word_that_ranks_first_is_the_rank_one() -> None:
    # 首次 is 第一次 (a launch, a final, a dose, a listing); 一首歌 and 首都 hold no figure
    assert supported(one("第一次海上回收"), figures("该型火箭一子级首次实现海上回收"))
    assert supported(one("首届"), figures("第一届电影节在海口举行"))
    assert supported(one("首次服用"), figures("第1次服用加倍"))
    assert not supported(one("首次"), figures("这是第2次上市"))
    assert not supported(one("一次"), figures("首次实现"))  # a rank is no count
    assert figures("唱了一首歌") == [] and figures("首都北京") == [] and figures("首先") == []


def test_days_written_either_way_are_one_unit() -> None:
    # a lease's 30日 notice is 30天; 30天 is still no 30小时 and no 30个
    assert supported(one("提前30天"), figures("应提前30日书面通知甲方"))
    assert supported(one("within 30 days"), figures("30日内退还"))  # another script: not compared
    assert not supported(one("30天"), figures("续借期为30小时"))


def test_counts_of_books_sets_and_pieces_are_units_of_their_own() -> None:
    # a unit the language data did not know matched any other: "10册" was found in "10元"
    assert not supported(one("10册"), figures("每本售价10元"))
    assert not supported(one("3套"), figures("3毫升"))
    assert supported(one("10册"), figures("共借出10本"))  # both count things
    assert one("2000套").value == 2000  # a count, not a year
