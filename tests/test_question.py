"""The Question stage: what a question asks for and what constrains it, in any field."""

import pytest

from rag.confidence import evidence
from rag.lexicon import Lexicon
from rag.question import parts, read, resolve, settle


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
        # of two that overlap, the longer counts, else the first read: "在哪一天" holds "在哪"
        # (where), "如何处理" holds "何处" (where)
        ("江苏银行是在哪一天官宣的？", "when"),
        ("服药后出现皮疹应该如何处理？", "how"),
        ("净水器漏水如何处置？", "how"),
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
    # a day is written with a capital and names nothing: not a name the corpus must hold
    q = read("When is salary paid if the 10th is a Sunday?")
    assert q.names == () and "sunday" in q.folded
    assert "wednesday" not in read("Is the Riverside Library open on Wednesday?").names


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
        # a word the segmenter cut ("研磨器" into 研磨 and 器) is replaced whole, not "整机器"
        ([("研磨器的保修期是多久？", "2年")], "那整机呢？", "整机的保修期", ()),
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


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # sport: two years
        (
            "2023年和2024年滨江马拉松的参赛人数分别是多少？",
            ("2023年滨江马拉松的参赛人数是多少？", "2024年滨江马拉松的参赛人数是多少？"),
        ),
        # transport: two numbered lines, the noun repeated after each
        ("5号线的末班车和8号线的末班车分别是几点？", ("5号线的末班车是几点？", "8号线的末班车是几点？")),
        # finance: two names, each with its own product; the partner is the name whose words
        # mirror the other's (工商银行…的工小慧 / 上海银行…的智能客服), not the nearest name
        (
            "工商银行的工小慧和上海银行的智能客服分别取得了什么成效？",
            ("工商银行的工小慧取得了什么成效？", "上海银行的智能客服取得了什么成效？"),
        ),
        # film: a list of three years
        (
            "2022年、2023年和2024年的最佳影片分别是什么？",
            ("2022年的最佳影片是什么？", "2023年的最佳影片是什么？", "2024年的最佳影片是什么？"),
        ),
        # medicine, English
        (
            "What were the recommended doses in 2023 and 2024, respectively?",
            ("What were the recommended doses in 2023?", "What were the recommended doses in 2024?"),
        ),
        (
            "公司2021年和2022年的净利润各是多少？",
            ("公司2021年的净利润是多少？", "公司2022年的净利润是多少？"),
        ),
    ],
)
def test_a_question_about_several_things_asks_each(text: str, expected: tuple[str, ...]) -> None:
    assert parts(read(text)) == expected


@pytest.mark.parametrize(
    "text",
    [
        "2023年和2024年相比参赛人数增加了多少？",  # a comparison asks about both together
        "2023年和2024年的参赛人数一共是多少？",
        "能同时拿一等奖和二等奖吗？",  # yes or no
        "江苏银行和邮储银行签署了什么协议？",  # two names without 分别 may act together
        "Which was larger, the 2023 or the 2024 field?",
        "2024年男子全程冠军是谁？",  # one thing
        "江苏银行应用DeepSeek后识别成功率和每天节约的工作量分别是多少？",  # two measures, one subject
    ],
)
def test_a_question_about_things_together_is_one_question(text: str) -> None:
    assert parts(read(text)) == ()


@pytest.mark.parametrize(
    ("text", "word"),
    [
        ("Summarize the rules for remote work.", "summarize"),
        ("Roughly how long is the probation period?", "roughly"),
        ("Describe the return policy for opened items.", "describe"),
        ("Approximately how many stations does the network have?", "approximately"),
    ],
)
def test_a_capitalised_first_word_the_corpus_never_uses_is_a_plain_word(text: str, word: str) -> None:
    # read as a name that no document holds, it refused the question before the model was
    # asked ("the documents never name roughly")
    corpus = Lexicon.from_token_lists(
        [["rules", "remote", "work", "probation", "period", "return", "network"]]
    )
    q = read(text)
    assert word in q.names and q.initials == (word,)  # the reader alone cannot tell
    assert evidence(q, [], [], corpus).missing == [word]
    settled = settle(q, corpus.known)
    assert word not in settled.names and word in settled.terms
    assert evidence(settled, [], [], corpus).missing == []


def test_a_capitalised_first_word_the_corpus_uses_or_a_possessive_stays_a_name() -> None:
    corpus = Lexicon.from_token_lists([["graphite", "anode"]])
    assert "graphite" in settle(read("Graphite is used for which part?"), corpus.known).names
    tesla = read("Tesla's revenue in 2024?")
    assert tesla.initials == () and "tesla" in settle(tesla, corpus.known).names
    # a name of two capitalised words is no lone initial either
    assert read("Binjiang Marathon winner in 2024?").initials == ()


def test_a_pronoun_written_in_traditional_characters_takes_the_last_subject() -> None:
    # 該行 is found in the folded question (该行) but not in the question as typed: the
    # subject was lost before, and the question was searched without its bank
    q = resolve("該行的員工有多少人？", [("工商银行2024年的净利润是多少？", "……[1]")])
    assert "工商银行" in q.query
