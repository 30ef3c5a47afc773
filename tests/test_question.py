"""The Question stage: what a question asks for and what constrains it, in any field."""

import pytest

from rag.question import read, resolve


@pytest.mark.parametrize(
    ("text", "asks"),
    [
        ("2024年滨江马拉松男子全程冠军是谁？", "who"),
        ("第十二届海湾电影节什么时候开幕？", "when"),
        ("戈尔巴乔夫的葬礼将在哪里举行？", "where"),
        ("阿莫西林胶囊成人一天最多吃多少克？", "quantity"),
        ("怎么更换滤网？", "how"),
        ("青霉素过敏的人能用阿莫西林吗？", "yesno"),
        ("Who won the men's marathon?", "who"),
        ("How many hours does the robot take to charge?", "quantity"),
        ("2023年温网女单亚军", "what"),
        # no question word: the last word names what is asked for
        ("第十二届海湾电影节开幕时间", "when"),
        ("2023年滨江马拉松报名人数", "quantity"),
        ("阿莫西林胶囊的价格", "quantity"),
        ("净水器滤网更换日期？", "when"),
        # a question word inside a longer one does not count: "哪几" asks which, "几" how many
        ("哪几位选手进入了男子单打决赛？", "which"),
        ("哪几种药不能和阿莫西林同时服用？", "which"),
        ("今年有哪几家公司的净利润超过百亿？", "which"),
        ("布洛芬用于退烧最多可以连续吃几天？", "quantity"),
        ("哪几部影片入围了最佳影片？", "which"),
    ],
)
def test_what_is_asked(text: str, asks: str) -> None:
    assert read(text).asks == asks


def test_names_years_and_figures_are_read_without_word_lists() -> None:
    q = read("2023年全国跳水冠军赛女子双人10米跳台冠军是谁？")  # sport
    assert q.years == (2023,) and [f.text for f in q.figures] == ["10米"]
    q = read("《远山回声》的导演是谁？")  # film
    assert "远山回声" in q.names
    q = read("NovaLink AX3000路由器5GHz的最高速率是多少？")  # a product, Latin names
    assert "novalink ax3000" in q.names and "ghz" not in q.names
    q = read("微众银行2024年净利润是多少？")  # finance: a bank no list knows
    assert "微众" in q.terms and q.years == (2024,)
    q = read("中国银行的远程银行坐席助手叫什么？")  # "中国" does not hide the bank
    assert "中国银行" in q.names
    q = read("How much did Sushang Bank improve its fraud-risk label accuracy?")
    assert "sushang bank" in q.names and q.english


def test_focus_is_the_measure_next_to_the_question_word() -> None:
    assert "亚军" in read("2023年温网女单亚军").focus
    assert "净利润" in read("微众银行2024年净利润是多少？").focus


@pytest.mark.parametrize(
    ("history", "followup", "expect", "years"),
    [
        # sport: a year swapped in
        (
            [("2024年滨江马拉松男子全程冠军是谁？", "基普罗蒂奇")],
            "那2023年呢？",
            "2023年滨江马拉松男子全程冠军",
            (2023,),
        ),
        # finance: a relative year
        ([("江苏银行2024年净利润是多少？", "…")], "那去年呢？", "江苏银行2023年净利润", (2023,)),
        # manual: a sibling word swapped in
        ([("清风A3净化器整机保修几年？", "2年")], "电机呢？", "清风a3净化器电机保修几年", ()),
        # medicine: a pronoun takes the last question's name
        ([("布洛芬缓释胶囊成人一次吃几粒？", "1粒")], "它一天吃几次？", "布洛芬", ()),
        # policy: a plain word takes the place of the first one
        ([("经理在一线城市出差住宿标准每晚多少？", "700元")], "总监呢？", "总监在一线城市出差住宿标准", ()),
        # English
        (
            [("Who won the 2024 Binjiang Marathon?", "Kiprotich")],
            "What about 2023?",
            "2023 binjiang marathon",
            (2023,),
        ),
    ],
)
def test_followups_are_resolved_against_the_conversation(
    history: list[tuple[str, str]], followup: str, expect: str, years: tuple[int, ...]
) -> None:
    q = resolve(followup, history)
    assert expect in q.folded, q.query
    assert q.years == years and q.is_followup and q.text == followup


def test_other_ones_exclude_the_last_subject() -> None:
    q = resolve("其他银行呢？", [("江苏银行部署了哪些模型？", "VL2和R1")])
    assert "其他银行" in q.query and "江苏银行" not in q.query and q.exclude == ("江苏",)


def test_a_pronoun_is_a_word_not_a_character() -> None:
    # 其 of 其他 is no pronoun: "其他" questions are not rewritten with the last subject
    q = resolve("其他选手的成绩如何？", [("王浩的成绩是多少？", "1小时04分12秒")])
    assert q.query.count("王浩") <= 1 and "其他选手" in q.query


def test_a_question_that_names_nothing_inherits_the_subject() -> None:
    q = resolve("尽调报告生成效率提升了多少？", [("苏商银行是怎么用DeepSeek的？", "…")])
    assert "苏商银行" in q.query
    standalone = resolve("第十二届海湾电影节最佳导演是谁？", [("布洛芬怎么吃？", "…")])
    assert standalone.query == "第十二届海湾电影节最佳导演是谁？"
