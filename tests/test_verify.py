"""Answer checks: novel content, its support, the question's qualifiers; cases from sport, film,
medicine, finance, manuals and English."""

import pytest

from rag.context import Passage
from rag.lexicon import Lexicon
from rag.question import read
from rag.types import Chunk, Hit
from rag.verify import check_sentence, conflict_notes, is_refusal, parse_markers, split_answer
from rag.verify.names import holds_name, holds_word
from rag.verify.support import _constraints

LEX = Lexicon()


def passage(n: int, text: str, heading: str = "", before: str = "", title: str = "t") -> Passage:
    chunk = Chunk(
        chunk_id=f"d{n}#000", doc_id=f"d{n}", title=title, text=text, start=0, end=len(text), heading=heading
    )
    p = Passage(n=n, hit=Hit(chunk=chunk, score=1.0), text=text, start=0, end=len(text), before=before)
    p.sentences = [(a, b) for a, b, _ in p.sentence_texts()]
    return p


def check(sentence: str, question: str, *passages: Passage):
    return check_sentence(sentence, list(passages), read(question), LEX)


FILM = passage(
    1, "10月20日，第十二届海湾电影节闭幕。《远山回声》获得最佳影片，周远凭借《灯塔》获得最佳导演。"
)
SPORT = passage(2, "2023年全英羽毛球公开赛男单决赛中，李诗沣夺冠。女单冠军由山口茜获得。")
MED = passage(3, "口服。成人一次0.5克，每6~8小时1次，一日剂量不超过4克。")
BANK = passage(4, "据江苏银行透露，该行识别成功率达90%以上，每天可节约9.68小时工作量。")
DATE = passage(5, "测试于6月12日完成，上线后识别率提升至95%。")


def test_echo_answers_are_no_answers() -> None:
    for sentence, question, p in [
        ("第十二届海湾电影节最佳影片[1]。", "第十二届海湾电影节最佳影片是哪部？", FILM),
        ("2023年全英羽毛球公开赛男单冠军是[2]。", "2023年全英羽毛球公开赛男单冠军是谁？", SPORT),
        ("阿莫西林成人一日剂量[3]。", "阿莫西林成人一日剂量是多少？", MED),
        ("江苏银行每天节约工作量[4]。", "江苏银行每天节约多少工作量？", BANK),
        ("The maximum daily dose of amoxicillin [3].", "What is the maximum daily dose of amoxicillin?", MED),
    ]:
        c = check(sentence, question, p)
        assert not c.verified and c.reason == "restates the question", (sentence, c.reason)


def test_real_answers_pass_with_their_supporting_sentence() -> None:
    for sentence, question, p, fact in [
        (
            "第十二届海湾电影节最佳影片是《远山回声》[1]。",
            "第十二届海湾电影节最佳影片是哪部？",
            FILM,
            "远山回声",
        ),
        ("男单冠军是李诗沣[2]。", "2023年全英羽毛球公开赛男单冠军是谁？", SPORT, "李诗沣"),
        ("成人一日剂量不超过4克[3]。", "阿莫西林成人一日剂量最多是多少？", MED, "4克"),
        ("江苏银行每天可节约9.68小时工作量[4]。", "江苏银行每天节约多少工作量？", BANK, "9.68"),
        ("Adults take at most 4 g a day [3].", "What is the maximum daily dose for adults?", MED, "4克"),
    ]:
        c = check(sentence, question, p)
        assert c.verified, (sentence, c.reason)
        a, b = c.spans[p.n]
        assert fact in p.text[a:b]


def test_a_name_joined_from_the_question_words_is_an_answer() -> None:
    # the answer's words are all the question's, but the question never joins them: the
    # passage's name is the new content; joined as the question has them, they restate it
    fund = passage(12, "诺安基金推出基于开源框架自主研发的“诺安AI助手”，覆盖投研场景。")
    watch = passage(13, "智行手表推出智行睡眠模式，夜间自动关闭抬腕亮屏。")
    drug = passage(14, "本品的成人维持剂量为每日一次，儿童维持剂量需按体重计算。")
    for sentence, question, p, name in [
        ("诺安AI助手[12]。", "诺安基金推出的AI助手叫什么名字？", fund, "诺安ai助手"),
        ("它叫智行睡眠模式[13]。", "智行手表推出的睡眠模式叫什么？", watch, "智行睡眠模式"),
        (
            "It is called Nova Sleep Mode [1].",
            "What is the sleep mode of the Nova watch called?",
            passage(1, "The Nova watch ships with Nova Sleep Mode."),
            "nova sleep mode",
        ),
    ]:
        c = check(sentence, question, p)
        assert c.verified and c.names == [name], (sentence, c.reason, c.names)
    for sentence, question, p in [
        ("成人维持剂量[14]。", "本品成人的维持剂量是多少？", drug),
        ("《灯塔》导演[1]。", "《灯塔》的导演是谁？", FILM),
        ("第十二届海湾电影节最佳影片[1]。", "第十二届海湾电影节最佳影片是哪部？", FILM),
    ]:
        c = check(sentence, question, p)
        assert not c.verified and c.reason == "restates the question", (sentence, c.reason)
    # a way or a cause is never a name joined from the question's words, even where a
    # troubleshooting table's row writes them that way
    table = passage(
        15, "现象 | 可能原因 | 处理方法 按键无反应 | 童锁已开启 | 同时长按“风速”和“定时”键3秒解锁"
    )
    rash = passage(16, "不良反应 | 处理 服药后皮疹 | 立即停药并就医")
    for sentence, question, p in [
        ("按键无反应[15]。", "清风A3按键按了没有反应怎么办？", table),
        ("服药后皮疹[16]。", "服药后出现皮疹应该如何处理？", rash),
        ("按键无反应[15]。", "按键为什么没有反应？", table),
    ]:
        c = check(sentence, question, p)
        assert not c.verified and c.reason == "restates the question", (sentence, c.reason)
    assert check("同时长按“风速”和“定时”键3秒解锁[15]。", "清风A3按键按了没有反应怎么办？", table).verified


def test_a_figure_inside_another_figure_is_not_support() -> None:
    c = check("测试后每天节约12小时[5]。", "测试每天节约多少小时？", DATE)
    assert not c.verified and "12" in c.reason


def test_invented_names_are_rejected_even_when_cited() -> None:
    c = check("江苏银行采用了华为昇腾服务器[4]。", "江苏银行用了什么服务器？", BANK)
    assert not c.verified and "not in any passage" in c.reason
    c = check("It was produced by DeepMind-X2 [1].", "Who produced it?", FILM)
    assert not c.verified  # a Latin model name is comparable: it is not there
    # an answer that is only a Latin name, to a Chinese question over a Chinese passage, is
    # compared like a Chinese one: no cross-lingual pass for an invented name
    for answer in ["Viktor Axelsen [2].", "Axelsen[2]。"]:
        c = check(answer, "2023年全英羽毛球公开赛男单冠军是谁？", SPORT)
        assert not c.verified, (answer, c.reason)
    named = passage(40, "2023年台北羽毛球公开赛男单决赛中，Wardoyo夺冠。")
    assert check("Wardoyo[40]。", "2023年台北羽毛球公开赛男单冠军是谁？", named).verified


def test_a_fact_in_another_passage_is_recited() -> None:
    c = check("最佳导演是周远[2]。", "第十二届海湾电影节最佳导演是谁？", SPORT, FILM)
    assert c.verified and c.cites == [1]


def test_the_question_year_must_not_be_another_year() -> None:
    # sport: asked about 2022, the passage reports 2023: the winner belongs to another year
    c = check("男单冠军是李诗沣[2]。", "2022年全英羽毛球公开赛男单冠军是谁？", SPORT)
    assert not c.verified and "2023" in c.reason
    # a figure of the question (10米) that the passage lacks while it gives another
    dive = passage(6, "女子双人3米跳板决赛中，张蕊和陈艺文夺冠。")
    c = check("冠军是张蕊和陈艺文[6]。", "女子双人10米跳台冠军是谁？", dive)
    assert not c.verified and "10米" in c.reason


def test_a_sentence_about_one_of_two_asked_years_is_no_conflict() -> None:
    race = passage(8, "2023年滨江国际马拉松共有2.5万名跑者参赛。")
    c = check("2023年的参赛人数为2.5万名[8]。", "2023年和2024年滨江马拉松的参赛人数分别是多少？", race)
    assert c.verified
    profit = passage(9, "2022年该公司净利润为3.1亿元，同比增长12%。")
    c = check("2022年净利润为3.1亿元[9]。", "该公司2021年和2022年的净利润各是多少？", profit)
    assert c.verified
    c = check("2022年净利润为3.1亿元[9]。", "该公司2021年和2020年的净利润各是多少？", profit)
    assert not c.verified and "2022" in c.reason  # neither asked year: still another year


def test_qualifiers_measure_how_well_the_sentence_fits_the_question() -> None:
    right = check("女单冠军是山口茜[2]。", "2023年全英羽毛球公开赛女单冠军是谁？", SPORT)
    wrong = check("女单冠军是山口茜[2]。", "2023年全英羽毛球公开赛女双冠军是谁？", SPORT)
    assert right.verified and wrong.verified
    assert right.support.terms > wrong.support.terms


def test_markers_refusals_and_sentences() -> None:
    assert parse_markers("甲[1]、[2]，乙[3,4]。") == ("甲，乙。", [1, 2, 3, 4])
    # Markdown around a sentence is not part of it; a list item's number is no figure
    assert parse_markers("1. **低算力要求**：成本更低[1]。") == ("低算力要求：成本更低。", [1])
    assert parse_markers("2、**降本**：更快[2]。")[0] == "降本：更快。"
    assert parse_markers("- `R7` needs 2.4 GHz [1].")[0] == "R7 needs 2.4 GHz."
    assert parse_markers("### 结论")[0] == "结论"
    assert parse_markers("1、2月份销量增长[1]。")[0] == "1、2月份销量增长。"  # January and February
    assert parse_markers("1.5亿元[1]。")[0] == "1.5亿元。"
    assert split_answer("第一句。[1]第二句[2]。") == ["第一句。[1]", "第二句[2]。"]
    assert split_answer("It is 9.68 hours [1]. It saves time [2].") == [
        "It is 9.68 hours [1].",
        "It saves time [2].",
    ]
    # a list's first number after a colon ends no sentence; a score's does
    assert split_answer("流程是：1. 到诊区签到[1]。 2. 进入诊室就诊[1]。") == [
        "流程是：到诊区签到[1]。",
        "2. 进入诊室就诊[1]。",
    ]
    assert split_answer("Steps: 1. Open the app [1].") == ["Steps: 1. Open the app [1]."]
    assert split_answer("The final score was 3:2. Li won.") == ["The final score was 3:2.", "Li won."]
    assert is_refusal("资料中没有提及该公司的数据。") and is_refusal("The passages do not mention it.")
    assert not is_refusal("每天可节约9.68小时工作量。")


def test_no_figure_matches_inside_another_figure_in_any_field() -> None:
    race = passage(7, "比赛于2023年10月13日举行，男子组冠军用时2小时8分13秒。")
    film = passage(8, "影片于6月12日上映，首周票房1.25亿元。")
    dose = passage(9, "儿童一次0.25克，一日3次。")
    fund = passage(10, "该基金2022年收益率为13.5%，规模120亿元。")
    english = passage(11, "The update shipped on June 12, 2024 and cut boot time to 40 seconds.")
    for sentence, question, p in [
        ("男子组冠军用时13分钟[7]。", "男子组冠军用时多少分钟？", race),
        ("首周票房12亿元[8]。", "首周票房是多少？", film),
        ("儿童一次25克[9]。", "儿童一次服用多少克？", dose),
        ("该基金收益率为3.5%[10]。", "该基金2022年收益率是多少？", fund),
        ("Boot time fell to 12 seconds [11].", "How long does booting take after the update?", english),
    ]:
        c = check(sentence, question, p)
        assert not c.verified, (sentence, c.reason)


def test_figures_match_across_numeral_and_date_forms() -> None:
    fund = passage(12, "该行2024年3月8日公告，全年节约成本三千万元，占比两成。")
    for sentence, question in [
        ("节约成本3000万元[12]。", "该行全年节约多少成本？"),
        ("占比20%[12]。", "节约的成本占比多少？"),
        ("公告日期是2024-03-08[12]。", "该行哪天发布的公告？"),
    ]:
        c = check(sentence, question, fund)
        assert c.verified, (sentence, c.reason)


def test_a_yes_or_no_answer_citing_another_passage_is_read_against_the_one_about_the_question() -> None:
    """The model cites a passage about something else: the polarity is read from the passage
    that is about the question, and a "no" there still refuses a "yes"."""
    fire = passage(31, "电器起火须先切断电源，使用二氧化碳灭火器，不得用水扑救。")
    waste = passage(32, "有机废液和无机废液须分开收集，不得倒入下水道。")
    question = "电器着火了能用水灭吗？"
    c = check("电器起火不能用水灭[32]。", question, fire, waste)
    assert c.verified and c.cites == [31], (c.reason, c.cites)
    c = check("电器起火可以用水灭[32]。", question, fire, waste)
    assert not c.verified and c.reason == "says the opposite of the passage", c.reason
    pets = passage(33, "Pets are not allowed in the hotel, except guide dogs.")
    parking = passage(34, "Parking is free for hotel guests.")
    c = check("No, pets are not allowed [34].", "Are pets allowed in the hotel?", pets, parking)
    assert c.verified and c.cites == [33], (c.reason, c.cites)
    # no passage about the question: still refused
    c = check("可以用水灭[32]。", question, waste)
    assert not c.verified and c.reason == "no passage is about what was asked", c.reason
    # a question in another language shares no word with the passage: the yes or no is left to
    # the confidence, cited to the passage in the other language
    hotel = passage(35, "酒店不接待携带宠物的客人，导盲犬除外。")
    c = check("No, pets are not allowed [35].", "Can I bring my dog to the Lanwan hotel?", hotel, parking)
    assert c.verified and c.cites == [35] and c.support.cross_lingual, (c.reason, c.cites)
    assert not check("No, pets are not allowed [34].", "Can I bring my dog to the hotel?", parking).verified


def test_a_fact_cited_from_a_passage_about_another_year_moves_to_the_passage_that_fits() -> None:
    """The model cites the 2023 report, whose headline names the team, for the 2024 runner-up;
    the 2024 report states it: the sentence is supported there, and cites it."""
    y2023 = passage(
        41, "联赛组委会表示，下赛季将把参赛球队扩充到14支。", title="2023赛季江州联赛收官 青山队首次夺冠"
    )
    y2024 = passage(
        42,
        "东湖队反超卫冕冠军青山队夺冠。青山队积56分屈居亚军。",
        title="2024赛季江州联赛落幕 东湖队逆转夺冠",
    )
    question = "2024赛季江州联赛亚军是哪支球队？"
    c = check("2024年的亚军是青山队[41]。", question, y2023, y2024)
    assert c.verified and c.cites == [42], (c.reason, c.cites)
    # finance: the same figure in two years' reports, the wrong year cited
    r2023 = passage(43, "公司全年实现净利润12.5亿元，同比增长8%。", title="2023年年度报告摘要")
    r2024 = passage(44, "公司全年实现净利润12.5亿元，与上年持平。", title="2024年年度报告摘要")
    c = check("2024年净利润为12.5亿元[43]。", "该公司2024年净利润是多少？", r2023, r2024)
    assert c.verified and c.cites == [44], (c.reason, c.cites)
    # only the other year's passage states it: still refused
    c = check("2024年的亚军是青山队[41]。", question, y2023)
    assert not c.verified and "2023" in c.reason, c.reason


def test_a_name_spelt_in_pinyin_is_supported_where_its_characters_are() -> None:
    """An English answer over Chinese passages names a person in pinyin: it is supported by the
    passage that writes the name, not by the one it cited (sport, film)."""
    scorer = passage(61, "东湖队前锋马凯以23个进球获得最佳射手。")
    newcomer = passage(62, "青山队中场李卓当选最佳新人。")
    for sentence, cited in [("The award went to Li Zhuo [61].", 62), ("It was Ma Kai [62].", 61)]:
        c = check(sentence, "Which player won the award?", scorer, newcomer)
        assert c.verified and c.cites == [cited], (sentence, c.reason, c.cites)
    director = passage(63, "周远凭借《灯塔》获得最佳导演。")
    actress = passage(64, "苏晴凭借《雨季》获得最佳女演员。")
    c = check("The prize went to Su Qing [63].", "Who won the prize?", director, actress)
    assert c.verified and c.cites == [64], (c.reason, c.cites)


def test_a_yes_or_no_answer_must_agree_with_the_passage() -> None:
    wifi = passage(13, "注意：机器人不支持5GHz Wi-Fi网络。请连接2.4GHz网络。")
    allergy = passage(14, "【禁忌】青霉素过敏及青霉素皮肤试验阳性患者禁用。")
    assert check("R7扫地机器人不能连5GHz的Wi-Fi[13]。", "R7扫地机器人能连5GHz的Wi-Fi吗？", wifi).verified
    c = check("R7扫地机器人能连5GHz的Wi-Fi[13]。", "R7扫地机器人能连5GHz的Wi-Fi吗？", wifi)
    assert not c.verified and c.reason == "says the opposite of the passage"
    assert check("青霉素过敏的人不能用阿莫西林[14]。", "青霉素过敏的人能用阿莫西林吗？", allergy).verified
    # an item of a list says what its lead-in says of it: "以下情形……不予赔偿：…；…。"
    claims = passage(
        16,
        "以下情形保险公司不予赔偿：驾驶人饮酒或无有效驾驶证；车辆未按规定年检；"
        "发动机进水后仍强行启动造成的发动机损坏。",
    )
    engine = "发动机进水后强行启动导致的损坏保险赔吗？"
    c = check("发动机进水后强行启动导致的损坏保险赔[16]。", engine, claims)
    assert not c.verified and c.reason == "says the opposite of the passage", c.reason
    assert check("发动机进水后强行启动导致的损坏保险不赔[16]。", engine, claims).verified
    # the item's own "无" restates the question; the answer's "no" is what counts
    licence = "无有效驾驶证出了事故保险赔吗？"
    assert check("无有效驾驶证出了事故保险不予赔偿[16]。", licence, claims).verified
    assert not check("无有效驾驶证出了事故保险照赔[16]。", licence, claims).verified
    steps = passage(17, "不予报销的费用如下：\n1. 个人消费的餐饮。\n2. 超出标准的住宿费。")  # policy
    c = check("超出标准的住宿费可以报销[17]。", "超出标准的住宿费可以报销吗？", steps)
    assert not c.verified and c.reason == "says the opposite of the passage", c.reason
    assert check("超出标准的住宿费不能报销[17]。", "超出标准的住宿费可以报销吗？", steps).verified
    cover = passage(18, "The following are not covered: damage from falls; water damage; lost chargers.")
    assert not check("Yes, water damage is covered [18].", "Is water damage covered?", cover).verified
    assert check("No, water damage is not covered [18].", "Is water damage covered?", cover).verified
    # "只开放急诊" says no to 门诊 (medicine), "只设男子组" to 女子组 (sport); "只要" limits nothing
    clinic = passage(20, "周一至周五全天开放门诊；周日及法定节假日只开放急诊。急诊24小时开放。")
    sunday = "周日能看门诊吗？"
    assert not check("周日能看门诊[20]。", sunday, clinic).verified
    sundays = passage(
        20,
        "周一至周五8:00—12:00、13:30—17:00；周六上午8:00—12:00开放部分科室；周日及法定节假日只开放急诊。",
        heading="五、门诊时间",
    )
    c = check("周日能看门诊[20]。", sunday, sundays)
    assert not c.verified and c.reason == "says the opposite of the passage", c.reason
    assert check("周日不能看门诊，只开放急诊[20]。", sunday, clinic).verified
    assert check("周日只开放急诊[20]。", sunday, clinic).verified
    assert check("周日能看急诊[20]。", "周日能看急诊吗？", clinic).verified
    assert check("周一能看门诊[20]。", "周一能看门诊吗？", clinic).verified
    race = passage(21, "本届城市马拉松只设男子组和公开组，报名截止日为3月1日。")
    assert not check("本届比赛有女子组[21]。", "本届城市马拉松有女子组吗？", race).verified
    card = passage(22, "只要出示医保电子凭证，门诊费用即可直接结算。")
    assert check("出示医保电子凭证能直接结算[22]。", "出示医保电子凭证能直接结算吗？", card).verified
    # a clock's colon leads no list: the item says its own no
    hours = passage(19, "周一至周五8:00—17:00；周六上午8:00—12:00开放部分科室；周日及节假日不开放门诊。")
    assert check("周日不开放门诊[19]。", "周日开放门诊吗？", hours).verified
    english = passage(15, "The vacuum does not support 5 GHz Wi-Fi networks.")
    assert check("No, it cannot use 5 GHz Wi-Fi [15].", "Can the vacuum use 5 GHz Wi-Fi?", english).verified
    c = check("Yes, it works with 5 GHz Wi-Fi [15].", "Can the vacuum use 5 GHz Wi-Fi?", english)
    assert not c.verified


def test_a_yes_or_no_answer_says_whether_it_answers_yes_to_the_question() -> None:
    # what the self-check compares with the model's own yes or no: the answer's "no" counts
    # against the question's own, so "是的，全楼禁烟" says yes to "全楼禁烟吗"
    fire = passage(30, "电器起火时须先切断电源，不得用水扑救。")  # lab safety
    smoke = passage(31, "全楼禁烟，在客房内吸烟将收取500元清洁费。停车场对住店客人免费开放。")  # hotel
    allergy = passage(14, "【禁忌】青霉素过敏及青霉素皮肤试验阳性患者禁用。")  # medicine
    race = passage(21, "本届城市马拉松设男子组、女子组和公开组，报名截止日为3月1日。")  # sport
    english = passage(15, "The vacuum does not support 5 GHz Wi-Fi networks.")
    cases = [
        ("不能用水扑救[30]。", "电器起火能用水扑救吗？", fire, False),
        ("是的，酒店全楼禁烟[31]。", "酒店全楼禁烟吗？", smoke, True),
        ("停车场对住店客人免费[31]。", "停车场对住店客人免费吗？", smoke, True),
        ("青霉素过敏的人不能用阿莫西林[14]。", "青霉素过敏的人能用阿莫西林吗？", allergy, False),
        ("本届比赛有女子组[21]。", "本届城市马拉松有没有女子组？", race, True),
        ("No, it cannot use 5 GHz Wi-Fi [15].", "Can the vacuum use 5 GHz Wi-Fi?", english, False),
    ]
    for sentence, question, p, yes in cases:
        c = check(sentence, question, p)
        assert c.verified and c.affirms is yes, (sentence, c.reason, c.affirms)
    # an answer that is no yes or no has none
    assert check("成人一次0.5克[3]。", "阿莫西林成人一次吃多少？", MED).affirms is None


def test_an_english_answer_shows_the_characters_of_a_name_it_spells_from_a_chinese_passage() -> None:
    from rag.answer import _glossed

    scorer = passage(1, "本赛季共有12支球队参赛。青山队前锋李卓以19个进球获得最佳射手。")  # sport
    c = check("The top scorer was Li Zuo, with 19 goals [1].", "Who was the top scorer?", scorer)
    assert c.verified and c.glosses == {"li zuo": "李卓"}, (c.reason, c.glosses)
    assert _glossed(c.text, c.glosses) == "The top scorer was Li Zuo (李卓), with 19 goals."
    director = passage(2, "第十二届海湾电影节闭幕，许岚凭借《灯塔》获得最佳导演。")  # film
    c = check("Best director went to Xu Lang [2].", "Who won best director at the festival?", director)
    assert c.verified and c.glosses == {"xu lang": "许岚"}, (c.reason, c.glosses)
    # a Chinese answer, or an English answer from an English passage, has nothing to add
    assert not check("最佳射手是李卓[1]。", "最佳射手是谁？", scorer).glosses
    squad = passage(3, "The top scorer was Li Zhuo of Qingshan with 19 goals.")
    assert not check("Li Zhuo scored 19 goals [3].", "Who was the top scorer?", squad).glosses


def test_ordinals_and_counts_written_in_chinese_are_figures() -> None:
    race = passage(16, "小组赛结束后，中国女篮以4胜1负排名第二。美联储预计加息四次。")
    assert check("中国女篮排名第二[16]。", "中国女篮小组赛最终排名？", race).verified
    assert not check("中国女篮排名第三[16]。", "中国女篮小组赛最终排名？", race).verified
    assert check("预计加息四次[16]。", "美联储预计加息几次？", race).verified


def test_a_date_does_not_answer_who_or_where() -> None:
    from rag.verify import answers_the_type

    funeral = passage(6, "据报道，前总统的葬礼将于9月3日在莫斯科圆柱大厅举行。")
    for sentence, question, expected in [
        ("葬礼将在9月3日举行[6]。", "前总统的葬礼将在哪里举行？", False),
        ("葬礼将在莫斯科圆柱大厅举行[6]。", "前总统的葬礼将在哪里举行？", True),
        ("葬礼将在9月3日举行[6]。", "前总统的葬礼什么时候举行？", True),
        (
            "The funeral is on 3 September [6].",
            "Where will the funeral of the former president be held?",
            False,
        ),
    ]:
        c = check(sentence, question, funeral)
        assert c.verified, (sentence, c.reason)
        assert answers_the_type([c], read(question)) is expected, sentence
    race = passage(7, "2023年滨江马拉松于4月9日开跑，男子全程冠军由肯尼亚选手基普罗普获得。")
    c = check("男子全程冠军是4月9日[7]。", "2023年滨江马拉松男子全程冠军是谁？", race)
    assert c.verified and not answers_the_type([c], read("2023年滨江马拉松男子全程冠军是谁？"))
    c = check("男子全程冠军是基普罗普[7]。", "2023年滨江马拉松男子全程冠军是谁？", race)
    assert answers_the_type([c], read("2023年滨江马拉松男子全程冠军是谁？"))


def test_a_day_without_a_figure_answers_when() -> None:
    """ "每月最后一个周六" says when (a museum, in traditional Chinese too; a clinic; an English
    payroll rule); a day the question itself names is no answer."""
    from rag.verify import answers_the_type

    museum = passage(51, "每月最後一個週六全館免費參觀，每週一休館。")
    payroll = passage(52, "If the 10th falls on a weekend, pay arrives on the working day before.")
    clinic = passage(53, "周日及法定节假日只开放急诊，急诊科全年无休。")
    for sentence, question, p, expected in [
        ("每月最后一个周六全馆免费参观[51]。", "什么时候可以免费参观博物馆？", museum, True),
        ("每月最後一個週六全館免費參觀[51]。", "什麼時候可以免費參觀博物館？", museum, True),
        ("Pay arrives on the working day before a weekend [52].", "When is pay sent?", payroll, True),
        ("周日只开放急诊[53]。", "周日什么时候开放门诊？", clinic, False),
        ("急诊科全年无休[53]。", "急诊什么时候开放？", clinic, False),
    ]:
        c = check(sentence, question, p)
        assert c.verified, (sentence, c.reason)
        assert answers_the_type([c], read(question)) is expected, sentence


def test_a_question_without_a_question_word_wants_what_its_last_word_names() -> None:
    from rag.verify import answers_the_type

    summit = passage(8, "2023年海湾峰会于11月8日开幕，举行数字公益论坛，介绍减贫经验。")
    for sentence, question, expected in [
        ("海湾峰会举行数字公益论坛[8]。", "海湾峰会开幕时间", False),  # says what, not when
        ("海湾峰会于11月8日开幕[8]。", "海湾峰会开幕时间", True),
        ("峰会举行数字公益论坛[8]。", "2023年海湾峰会参会人数", False),
    ]:
        c = check(sentence, question, summit)
        assert c.verified, (sentence, c.reason)
        assert answers_the_type([c], read(question)) is expected, sentence


def test_a_passage_that_never_names_a_quoted_title_does_not_answer_about_it() -> None:
    other = passage(9, "专访导演杨冬：从《重生》到《重生之门》，他拍了三部刑侦片。")
    c = check("《胡同儿》的导演是杨冬[9]。", "《胡同儿》的导演是谁", other)  # film
    assert not c.verified and c.reason == "does not name 胡同儿", c.reason
    c = check("“智慧小苏”的识别率达到90%[4]。", "“智慧小苏”的识别率是多少？", BANK)  # finance
    assert not c.verified and c.reason == "does not name 智慧小苏", c.reason
    c = check(
        "The “Quiet” mode runs at 22 dB [10].",
        "How loud is the “Quiet” mode?",
        passage(10, "In Turbo mode the fan runs at 22 dB."),
    )  # manual, English
    assert not c.verified and c.reason == "does not name quiet", c.reason
    # stated in the passage, or in its document's title: it is about the title
    c = check("《胡同儿》的导演是杨冬[9]。", "《胡同儿》的导演是谁", passage(9, "《胡同儿》由杨冬执导。"))
    assert c.verified, c.reason
    titled = passage(11, "本片导演为杨冬，主演为张三。", title="《胡同儿》影片资料")
    c = check("《胡同儿》的导演是杨冬[11]。", "《胡同儿》的导演是谁", titled)
    assert c.verified, c.reason
    c = check(
        "The Quiet mode runs at 22 dB [12].",
        "How loud is the “Quiet” mode?",
        passage(12, "In Quiet mode the fan runs at 22 dB."),
    )
    assert c.verified, c.reason


def test_a_passage_dated_by_its_document_title_is_about_that_year() -> None:
    race = passage(
        13, "今年首次设置半程项目，半程男子冠军由中国选手刘洋获得。", title="2023滨江国际马拉松落幕"
    )
    c = check("2024年滨江马拉松半程男子冠军是刘洋[13]。", "2024年滨江马拉松半程男子冠军是谁？", race)  # sport
    assert not c.verified and c.reason == "about 2023, not 2024", c.reason
    c = check("2023年滨江马拉松半程男子冠军是刘洋[13]。", "2023年滨江马拉松半程男子冠军是谁？", race)
    assert c.verified, c.reason
    report = passage(14, "本公司实现净利润3.2亿元，同比增长12%。", title="星河科技2022年年度报告")
    c = check("星河科技2023年净利润为3.2亿元[14]。", "星河科技2023年净利润是多少？", report)  # finance
    assert not c.verified and c.reason == "about 2022, not 2023", c.reason
    # a year by the sentence itself outranks the title's
    dated = passage(15, "2024年本公司实现净利润4.1亿元。", title="星河科技2022年年度报告")
    c = check("星河科技2024年净利润为4.1亿元[15]。", "星河科技2024年净利润是多少？", dated)
    assert c.verified, c.reason


def test_a_list_item_number_is_not_a_figure_to_find() -> None:
    manual = passage(7, "为保持净化效果，滤网每6个月更换一次，更换后长按复位键3秒。")
    c = check("1. **定期更换滤网**：滤网每6个月更换一次[7]。", "滤网多久换一次？", manual)
    assert c.verified and c.text.startswith("定期更换滤网")


CLINIC = passage(
    6,
    "After the injection, stay in the clinic for 30 minutes. Adults aged 65 and over are offered "
    "the high-dose vaccine. It requires Android 12 or later.",
)


def test_english_answers_are_checked_like_chinese_ones() -> None:
    # a capitalised word that only starts the sentence is no name to find in the passage
    c = check(
        "According to the guide, you should stay for 30 minutes [6].", "How long should I stay?", CLINIC
    )
    assert c.verified, c.reason
    # a function word after a number is no unit: "65 years" is the passage's "65 and over"
    c = check(
        "People aged 65 years and older get the high-dose vaccine [6].",
        "Who gets the high-dose vaccine?",
        CLINIC,
    )
    assert c.verified, c.reason
    c = check("You need Android 12 [6].", "Which Android version does it need?", CLINIC)
    assert c.verified, c.reason
    # ... but a name that starts a sentence and is in the passage stays a fact found there
    theme = passage(7, 'A new dark theme called "Graphite" arrives in version 4.2.')
    c = check("Graphite is the new dark theme [7].", "What is the new dark theme called?", theme)
    assert c.verified and c.names == ["graphite"], (c.reason, c.names)
    # still checked: a figure the passage lacks, and a name of several capitalised words
    c = check("You should stay for 45 minutes [6].", "How long should I stay?", CLINIC)
    assert not c.verified and "45" in c.reason
    c = check(
        "Adults aged 65 get it from Harbour Health Clinic [6].", "Who gets the high-dose vaccine?", CLINIC
    )
    assert not c.verified and "harbour health clinic" in c.reason


def test_an_answer_from_the_clause_of_a_look_alike_the_passage_tells_apart_is_rejected() -> None:
    # the passage names the asked word beside a look-alike ("生茶和熟茶"); the clause that states
    # the answer names only the look-alike: the answer is about the other one
    tea = passage(
        16,
        "普洱茶分为生茶和熟茶两类。生茶是晒青毛茶直接压制而成；熟茶则需经过渥堆工艺，"
        "这一工艺于1973年在昆明茶厂试制成功。",
    )
    c = check("生茶的渥堆工艺是1973年试制成功的[16]。", "普洱茶生茶的渥堆工艺是哪一年试制成功的？", tea)
    assert not c.verified and c.reason == "about 熟茶, not 生茶", c.reason
    c = check("熟茶的渥堆工艺是1973年试制成功的[16]。", "普洱茶熟茶的渥堆工艺是哪一年试制成功的？", tea)
    assert c.verified, c.reason
    race = passage(17, "本届赛事设男子全程和半程两个项目。半程冠军由刘洋获得。")  # sport
    c = check("男子全程冠军是刘洋[17]。", "男子全程冠军是谁？", race)
    assert not c.verified and c.reason == "about 半程, not 全程", c.reason
    # a look-alike the question asks about too is no rival
    c = check("半程冠军是刘洋[17]。", "男子全程和半程冠军分别是谁？", race)
    assert c.verified, c.reason
    label = passage(18, "成人和老人剂量不同。成人一次2片，一日3次。")  # medicine
    c = check("老人一次吃2片[18]。", "老人一次吃几片？", label)
    assert not c.verified and c.reason == "about 成人, not 老人", c.reason
    report = passage(19, "公司2024年毛利率和净利率均有提升。净利率为12.5%，同比提高1.2个百分点。")
    c = check("公司2024年毛利率为12.5%[19]。", "公司2024年毛利率是多少？", report)  # finance
    assert not c.verified and c.reason == "about 净利率, not 毛利率", c.reason
    film = passage(20, "本届最佳男主角和最佳女主角同时揭晓。最佳女主角由林岚获得。")
    c = check("最佳男主角是林岚[20]。", "第十二届海湾电影节最佳男主角是谁？", film)
    assert not c.verified and c.reason == "about 女主角, not 男主角", c.reason


def test_a_number_of_the_question_the_passage_pairs_with_a_rival_must_head_the_answer() -> None:
    # a notice about two lines: the interval stands in the list under "一、5号线"
    notice = passage(
        21,
        "高峰时段行车间隔缩短至2分30秒。",
        heading="关于调整5号线和8号线运营时间的公告 > 一、5号线",
        title="关于调整5号线和8号线运营时间的公告",
    )
    c = check("8号线高峰时段行车间隔为2分30秒[21]。", "8号线高峰时段行车间隔是多少？", notice)
    assert not c.verified and c.reason == "about 5号, not 8号", c.reason
    c = check("5号线高峰时段行车间隔为2分30秒[21]。", "5号线高峰时段行车间隔是多少？", notice)
    assert c.verified, c.reason
    c = check("5号线高峰时段行车间隔为2分30秒[21]。", "5号线和8号线的高峰行车间隔各是多少？", notice)
    assert c.verified, c.reason


def test_an_answer_from_an_item_of_a_list_whose_later_item_names_the_asked_thing_is_rejected() -> None:
    # "A……；B……；C……": the item stating the answer is about A or B when only a later item
    # names what the question asks about
    report = passage(
        27,
        "速冻食品收入26.4亿元，毛利率为31.2%；调味品收入14.8亿元，毛利率为38.5%；"
        "休闲食品收入7.4亿元，同比下降4.6%。",
    )  # finance
    c = check("休闲食品的毛利率为38.5%[27]。", "休闲食品的毛利率是多少？", report)
    assert not c.verified and c.reason == "休闲 is another item of the list", c.reason
    c = check("调味品的毛利率为38.5%[27]。", "调味品的毛利率是多少？", report)
    assert c.verified, c.reason
    race = passage(28, "男子组冠军由王浩获得；女子组冠军由李佳获得；青少年组比赛因雨取消。")  # sport
    c = check("青少年组冠军是李佳[28]。", "青少年组冠军是谁？", race)
    assert not c.verified and "another item" in c.reason, c.reason
    c = check("女子组冠军是李佳[28]。", "女子组冠军是谁？", race)
    assert c.verified, c.reason
    label = passage(29, "成人一次1片，一日3次；儿童用量请咨询医师。")  # medicine
    c = check("儿童一次吃1片[29]。", "儿童一次吃几片？", label)
    assert not c.verified and c.reason == "儿童 is another item of the list", c.reason
    c = check("成人一次吃1片[29]。", "成人一次吃几片？", label)
    assert c.verified, c.reason
    awards = passage(30, "最佳影片由《远山》获得；最佳纪录片奖项本届空缺。")  # film
    c = check("最佳纪录片是《远山》[30]。", "最佳纪录片是哪部？", awards)
    assert not c.verified and "another item" in c.reason, c.reason
    plans = passage(31, "The Pro plan allows attachments up to 200 MB; the Free plan has no attachments.")
    c = check(
        "The Free plan allows attachments up to 200 MB [31].",
        "What is the attachment limit of the Free plan?",
        plans,
    )
    assert not c.verified and "another item" in c.reason, c.reason
    c = check(
        "The Pro plan allows attachments up to 200 MB [31].",
        "What is the attachment limit of the Pro plan?",
        plans,
    )
    assert c.verified, c.reason
    # the asked thing in an earlier item is the list's subject, not a rival
    report = passage(32, "休闲食品收入7.4亿元；毛利率为20.1%，同比下降1.2个百分点。")
    c = check("休闲食品的毛利率为20.1%[32]。", "休闲食品的毛利率是多少？", report)
    assert c.verified, c.reason


def test_a_look_alike_the_passage_never_pairs_with_the_asked_word_may_be_a_synonym() -> None:
    news = passage(22, "2022年全国旅游收入2872.1亿元，同比减少26.2%。")
    c = check("2022年我国旅游收入为2872.1亿元[22]。", "2022年我国旅游收入是多少？", news)
    assert c.verified, c.reason


def test_a_longer_word_no_document_names_is_not_its_look_alike() -> None:
    # the corpus names 主任医师 and never 主治医师: the fee of the one is not the other's
    fees = passage(23, "挂号费：普通门诊10元，副主任医师专家门诊25元，主任医师专家门诊40元。")
    lex = Lexicon({"挂号费": 1, "门诊": 3, "主任医师": 1, "副": 1, "专家门诊": 2}, n_chunks=5)
    c = check_sentence("主治医师门诊的挂号费为40元[23]。", [fees], read("主治医师门诊的挂号费是多少？"), lex)
    assert not c.verified and c.reason == "about 主任医师, not 主治医师", c.reason
    c = check_sentence(
        "主任医师专家门诊挂号费40元[23]。", [fees], read("主任医师专家门诊挂号费多少钱？"), lex
    )
    assert c.verified, c.reason
    # a word another document names may be told apart there; a corpus of unknown words proves nothing
    known = Lexicon(lex.df | {"主治医师": 1}, n_chunks=5)
    for lexicon in (known, Lexicon()):
        c = check_sentence(
            "主治医师门诊的挂号费为40元[23]。", [fees], read("主治医师门诊的挂号费是多少？"), lexicon
        )
        assert c.verified, c.reason
    # the look-alike must be a word of the corpus: "多大面积" cut as 多/大面积 is not about "用面积"
    # (a piece of 适用面积)
    spec = passage(24, "适用面积 | 29~50 平方米\n额定功率 | 45 W")
    lex = Lexicon({"适用": 1, "面积": 1, "额定功率": 1, "平方米": 1}, n_chunks=5)
    question = read("这台清风A3适合多大面积的房间使用？")
    c = check_sentence("这台清风A3适合29~50平方米的房间使用[24]。", [spec], question, lex)
    assert c.verified, c.reason


def test_a_rival_date_is_noted_as_the_answers_language_writes_dates() -> None:
    # another source's date written the English way is said in Chinese, not as folded text
    # ("另有资料的说法是dec 9, 2022")
    first = passage(23, "东航表示，首架C919飞机于2022年11月21日完成交付前的最后试飞。")
    other = passage(24, "Dec 9, 2022 ... 国产大飞机首架C919正式交付东航。")
    question = "首架C919的交付日期是哪天？"
    c = check("首架C919于2022年11月21日完成交付[23]。", question, first, other)
    assert c.verified, c.reason
    notes = conflict_notes([c], [first, other], [], read(question))
    assert notes == ["另有资料的说法是2022年12月9日[24]。"], notes
    english = read("When was the first C919 delivered?")
    first = passage(25, "The first C919 was delivered to China Eastern on December 9, 2022.")
    other = passage(26, "The first C919 was delivered on 2022-12-26, the airline said.")
    c = check_sentence("The first C919 was delivered on December 9, 2022 [25].", [first, other], english, LEX)
    assert c.verified, c.reason
    notes = conflict_notes([c], [first, other], [], english)
    assert notes == ["Another source gives December 26, 2022[26]."], notes


def test_the_questions_figures_count_as_figures_by_the_supporting_sentence() -> None:
    # the question's own figures are qualifiers: "exit code 2" stands in "- 2: some files
    # failed", 第一次 in 首次, and 第3次 does not stand in 第13次 (a substring would)
    for sentence, question, p, share in [
        (
            "Exit code 2 means some files failed after all retries [1].",
            "What does exit code 2 mean?",
            passage(1, "Exit codes. - 0: every file was copied. - 2: some files failed after all retries."),
            1.0,
        ),
        (
            "2025年实现[1]。",
            "该型火箭第一次海上回收是在哪一年？",
            passage(1, "2025年4月8日，该型火箭首次实现海上回收。"),
            1.0,
        ),
        (
            "She won it in 2019 [3].",  # sport: a title's second win
            "When did she win the title for the 2nd time?",
            passage(3, "She won the title for the 2nd time in 2019."),
            1.0,
        ),
    ]:
        c = check(sentence, question, p)
        assert c.verified, (sentence, c.reason)
        assert c.support.constraints == share, (sentence, c.support)
    # medicine: the 3rd inspection is not the 13th, though "3次" is in "第13次"
    assert _constraints(read("第3次抽检在几月进行？"), "第13次抽检在5月进行") == 0.0
    assert _constraints(read("第3次抽检在几月进行？"), "第3次抽检在5月进行") == 1.0


def test_english_words_of_the_question_count_in_any_inflection() -> None:
    # "code" is in "exit codes", "require" in "requires"; a name stays a whole word
    c = check(
        "Version 2.3 requires Python 3.10 [1].",
        "Which Python version does tarsync 2.3 require?",
        passage(1, "Version 2.3 of tarsync requires Python 3.10 or newer."),
    )
    assert c.verified and c.support.terms == 1.0, c.support
    assert holds_word("exit codes - 2: failed", "code") and holds_word("it was released", "release")
    assert not holds_word("a coder wrote it", "code") and not holds_name("exit codes", "code")


def test_a_sentence_is_cited_to_the_passage_whose_figure_is_about_what_was_asked() -> None:
    # the model cites a passage holding the same figure about something else; another passage
    # states it beside what the question names: that one supports the sentence
    library = passage(1, "图书借期为30天，到期前可续借一次。", heading="二、借阅期限")
    lease = passage(2, "乙方提前退租的，应提前30日书面通知甲方。", heading="第六条 提前解约")
    c = check("提前退租要提前30天通知[1]。", "提前退租要提前几天通知？", library, lease)
    assert c.verified and c.cites == [2], (c.cites, c.reason)
    # sport: the 10 km race's time, cited to the half marathon's report
    half = passage(3, "半程马拉松男子组冠军用时1小时05分，女子组冠军用时1小时12分。")
    ten = passage(4, "10公里男子组冠军王磊用时31分钟，女子组冠军用时35分钟。")
    c = check("10公里男子组冠军用时31分钟[3]。", "10公里男子组冠军用时多少？", half, ten)
    assert c.verified and c.cites == [4], (c.cites, c.reason)
    # where both passages go with the question alike, the model's citation stands
    a = passage(5, "该药成人一次0.5克，每日3次。")
    b = passage(6, "本品成人一次0.5克，饭后服用。")
    c = check("成人一次0.5克[6]。", "成人一次服用多少？", a, b)
    assert c.verified and c.cites == [6], (c.cites, c.reason)


def test_a_fact_stated_after_another_year_belongs_to_that_year() -> None:
    # education news: the sentence before names the year asked, the figure is 2021's
    exam = passage(10, "报告关注2022年考研人的情况。2021年考研报考人数377万，较2020年341万增加36万。")
    c = check("2022年考研报名人数为377万[10]。", "2022年考研报名人数是多少？", exam)
    assert not c.verified and "2021" in c.reason
    # "较2020年341万": the year nearest before the figure places it
    assert check("2020年考研报名人数为341万[10]。", "2020年考研报名人数是多少？", exam).verified
    # sport: the winner of another year's final
    final = passage(11, "克利夫兰站历史回顾：2021年女单冠军是萨斯诺维奇，2022年冠军是萨姆索诺娃。")
    assert check("女单冠军是萨姆索诺娃[11]。", "2022年克利夫兰站女单冠军是谁？", final).verified
    c = check("女单冠军是萨斯诺维奇[11]。", "2022年克利夫兰站女单冠军是谁？", final)
    assert not c.verified and "2021" in c.reason
    # finance: a fact stated before the year it is compared with stays the asked year's
    profit = passage(12, "2022年公司营收100亿元。净利润10亿元，比2021年增长5%。")
    assert check("净利润为10亿元[12]。", "2022年公司净利润是多少？", profit).verified
    # English
    report = passage(13, "In 2022 the clinic treated 4,000 patients. In 2021, it treated 3,100 patients.")
    asked = "How many patients did the clinic treat in 2022?"
    c = check("The clinic treated 3,100 patients [13].", asked, report)
    assert not c.verified and "2021" in c.reason
    # the fact's own clause names the asked year, after it: an earlier year does not place it
    league = passage(
        14, "2021赛季中国足球协会超级联赛是自2004年中超联赛创立以来的第18届，山东泰山队夺得2021赛季冠军。"
    )
    assert check("2021赛季中超冠军是山东泰山队[14]。", "2021赛季中超冠军是哪支球队？", league).verified


def test_only_a_sentence_about_the_same_event_gives_a_rival_date() -> None:
    question = "神舟十六号发射时间？"
    first = passage(30, "神舟十六号载人飞船于2023年5月30日在酒泉卫星发射中心发射。")
    c = check("神舟十六号于2023年5月30日发射[30]。", question, first)
    assert c.verified, c.reason
    for text in [
        "新华社酒泉5月29日电 我国瞄准北京时间5月30日9时31分发射神舟十六号载人飞船。",  # a dateline
        "2016年10月17日，景海鹏和陈冬搭载神舟十一号成功发射升空。",  # another flight
        "2020年12月21日，神舟十六号的试验舱由敦煌转场至武汉。",  # not its launch
    ]:
        assert conflict_notes([c], [first, passage(31, text)], [], read(question)) == [], text
    rival = passage(32, "May 31, 2023 ... 另据报道，神舟十六号于2023年5月31日发射。")  # said once
    assert conflict_notes([c], [first, rival], [], read(question)) == ["另有资料的说法是2023年5月31日[32]。"]
    # a question that asks for a figure, not a date, has no rival dates (the months are qualifiers)
    rate = passage(33, "2022年8月，欧元区年通胀率预计为9.1%，高于7月的8.9%。")
    other = passage(34, "10月欧元区通胀率按年率计算达10.6%，再创历史新高。")
    asked = "欧元区的通胀率是多少？"
    c = check("2022年8月欧元区通胀率为9.1%[33]。", asked, rate, other)
    assert c.verified and conflict_notes([c], [rate, other], [], read(asked)) == []


def test_a_word_of_the_question_replaced_in_its_frame_is_another_thing() -> None:
    for text, answer, question, rival in [
        # sport: the same tournament frame with another city
        (
            "Wardoyo成功夺得2023年台北羽毛球公开赛男单冠军！",
            "Wardoyo",
            "2023年全英羽毛球公开赛男单冠军？",
            "台北",
        ),
        # film: another award's best film
        ("2023年百花奖最佳影片是《长津湖》。", "《长津湖》", "2023年金鸡奖最佳影片是哪部？", "百花奖"),
        # medicine: another drug's dose
        (
            "儿童对乙酰氨基酚混悬液每次服用5毫升，每日不超过4次。",
            "每次服用5毫升",
            "儿童布洛芬混悬液每次服用多少毫升？",
            "对乙酰氨基酚",
        ),
        # finance: another company's revenue
        ("2023年中信证券营业收入为600亿元。", "营业收入为600亿元", "2023年招商证券营业收入是多少？", "中信"),
        # technology: another congress, named by a model's name
        ("2022世界5G大会在黑龙江哈尔滨举行。", "在哈尔滨举行", "2022年世界互联网大会在哪里举办？", "5g"),
        # English: another tournament's final
        (
            "Akane Yamaguchi won the 2023 India Open women's singles title.",
            "Akane Yamaguchi",
            "Who won the 2023 Malaysia Open women's singles?",
            "india",
        ),
        # a name's frame holds with question words between its left side and the name
        (
            "2023年达拉斯公开赛是2023年ATP巡回赛之一，于2月4-12日在美国达拉斯举行。",
            "在美国达拉斯举行",
            "2023年ATP中国公开赛在哪举行？",
            "达拉斯",
        ),
        ("2023年百花奖最佳影片是《长津湖》。", "《长津湖》", "2023年第36届金鸡奖最佳影片是哪部？", "百花奖"),
        # a word that ends the question is framed by the end of a clause, where a look-alike stands
        ("中国选手张蕊以337.95分拿下女子跳台亚军。", "张蕊", "2023年跳水冠军赛女子双人10米跳台冠军", "亚军"),
        ("演员李梅凭借《远山》获得第36届金鸡奖最佳女主角。", "李梅", "第36届金鸡奖最佳男主角", "女主角"),
        # English: one word for one between the question's words on both sides
        (
            "The maximum attachment size for Pro accounts was 25 MB.",
            "The maximum attachment size for free accounts is 25 MB",
            "What is the maximum attachment size for free accounts?",
            "pro",
        ),
        ("Kiprotich won the full marathon in 2:08:31.", "Kiprotich", "Who won the half marathon?", "full"),
        (
            "The recommended dose for adult patients is 500 mg twice a day.",
            "500 mg twice a day",
            "What is the recommended dose for child patients?",
            "adult",
        ),
        # a list of other things in two or more clauses, the one asked never named: a product's
        # parts, a drug's age groups, companies
        ("整机保修2年，电机保修5年。", "滤网保修5年", "清风A3的滤网保修几年？", "整机、电机"),
        ("成人每次0.4克，老人每次0.2克。", "每次0.2克", "布洛芬儿童每次吃多少？", "成人、老人"),
        ("华能2023年营收10亿元，大唐2023年营收8亿元。", "营收8亿元", "国电2023年营收多少？", "华能、大唐"),
    ]:
        c = check(f"{answer}[40]。", question, passage(40, text))
        assert not c.verified and rival in c.reason, (question, c.reason)
    gold = passage(43, "陈艺文和昌雅妮以307.65分夺得女子双人3米跳板金牌。")
    assert check("陈艺文和昌雅妮[43]。", "女子双人3米跳板冠军", gold).verified  # a synonym, no look-alike
    # ...a plain word's only next to it: "政府" stands for no "新任" with the year between
    premier = passage(49, "1月31日，李克强致电克里斯·希普金斯，祝贺他就任新西兰政府总理。")
    c = check("克里斯·希普金斯[49]。", "新西兰2023年新任总理是谁？", premier)
    assert "政府" not in c.reason, c.reason
    # one side alone frames nothing: a clause's subject may drop or reword a qualifier
    jobs = passage(51, "2021年经济运行稳中加固。全年城镇新增就业1269万人。")
    assert check("新增就业1269万人[51]。", "2021年中国城镇新增就业了多少人？", jobs).verified
    # the asked word in a longer form, or words inserted beside it, is the same thing
    for text in ["2023年招商证券全年营业收入为600亿元。", "2023年招商证券公司营业收入为600亿元。"]:
        c = check("营业收入为600亿元[45]。", "2023年招商证券营业收入是多少？", passage(45, text))
        assert c.verified, (text, c.reason)
    city = passage(52, "2023年北京GDP为4.4万亿元。")
    assert check("4.4万亿元[52]。", "2023年北京市GDP是多少？", city).verified
    full = passage(46, "2023年全英羽毛球公开锦标赛男单冠军是李诗沣。")
    assert check("李诗沣[46]。", "2023年全英公开赛男单冠军？", full).verified
    # a word that refers back ("我国" for "中国") or a verb phrase in the frame is a paraphrase
    exports = passage(47, "据协会数据显示，2022年8月中国汽车出口量达30.8万辆。")
    assert check("出口量达30.8万辆[47]。", "2022年8月我国汽车出口量是多少？", exports).verified
    growth = passage(50, "2022年中国GDP增速为3%。")
    assert check("增速为3%[50]。", "2022年中国经济增速是多少？", growth).verified
    saudi = passage(48, "24岁的阿卜迪是沙特阿拉伯在冬奥会上的唯一代表，将出战高山滑雪项目。")
    assert check("高山滑雪[48]。", "沙特参加冬奥会的项目是什么？", saudi).verified


def test_a_sentence_that_lists_other_things_in_the_place_of_the_one_asked_does_not_answer() -> None:
    # rejected in the frame cases above: 整机、电机 for 滤网, 成人、老人 for 儿童, 华能、大唐 for
    # 国电; the thing asked among them, or one clause alone, answers
    assert check(
        "电机保修5年[54]。", "清风A3的电机保修几年？", passage(54, "整机保修2年，电机保修5年。")
    ).verified
    single = passage(55, "2021年经济运行稳中加固。全年城镇新增就业1269万人，比上年增加83万人。")
    assert check("新增就业1269万人[55]。", "2021年中国城镇新增就业多少人？", single).verified


def test_an_english_word_replaced_between_the_question_s_words_is_another_thing() -> None:
    # one word for one between the question's words on both sides is rejected in the frame
    # cases above (Pro for free, full for half, adult for child); a function word, more words,
    # or one side alone is no rival
    for text in [
        "The maximum attachment size for all accounts is 25 MB.",
        "The maximum attachment size for accounts on the free plan is 25 MB.",
        "Free accounts keep the 25 MB limit.",
    ]:
        c = check(
            "It is 25 MB [42].", "What is the maximum attachment size for free accounts?", passage(42, text)
        )
        assert c.verified, (text, c.reason)
    # an inflection is the same word ("ran" for "run"); a function word frames nothing ("she
    # won the" for "she claim the")
    c = check(
        "He ran 10 km [44].", "How far did he run yesterday?", passage(44, "He ran yesterday for 10 km.")
    )
    assert c.verified, c.reason
    title = passage(44, "She won the title in 2021.")
    assert check("She won it in 2021 [44].", "When did she claim the title?", title).verified


def test_a_figure_of_a_part_of_the_year_does_not_answer_for_the_whole_year() -> None:
    question = "2022年中国经济增速是多少？"
    forecast = passage(60, "经济学家预计2022年四季度中国经济大幅放缓，GDP同比增速的预测均值为1.8%。")
    c = check("增速为1.8%[60]。", question, forecast)
    assert not c.verified and "四季度" in c.reason, c.reason
    annual = passage(61, "2022年全年国内生产总值增长3%，其中四季度增长2.9%。")
    assert check("增长3%[61]。", question, annual).verified
    c = check("增长2.9%[61]。", question, annual)  # the part named in the fact's own clause
    assert not c.verified and "四季度" in c.reason, c.reason
    assert check("增长2.9%[61]。", "2022年四季度中国经济增速是多少？", annual).verified
    # industry: months of the year, unless they are all twelve
    exports = "2022年我国新能源汽车出口了多少辆？"
    c = check("出口34万辆[62]。", exports, passage(62, "2022年1-8月我国新能源汽车累计出口34万辆。"))
    assert not c.verified and "1-8月" in c.reason, c.reason
    whole = passage(63, "2022年1-12月我国新能源汽车累计出口68万辆。")
    assert check("出口68万辆[63]。", exports, whole).verified
    month = passage(64, "2022年8月中国汽车出口量达30.8万辆。")
    c = check("30.8万辆[64]。", "2022年我国汽车出口量是多少？", month)
    assert not c.verified and "8月" in c.reason, c.reason
    # a company's half year; medicine: a report's quarter
    revenue = passage(65, "2022年上半年公司营收10亿元，全年营收25亿元。")
    assert not check("营收10亿元[65]。", "2022年公司营收多少？", revenue).verified
    assert check("营收25亿元[65]。", "2022年公司营收多少？", revenue).verified
    cases = passage(66, "2023年第一季度全国共报告流感病例120万例。")
    assert not check("120万例[66]。", "2023年全国报告了多少流感病例？", cases).verified
    assert check("120万例[66]。", "2023年第一季度全国报告了多少流感病例？", cases).verified


def test_a_whole_years_figure_does_not_answer_for_a_part_of_it() -> None:
    # finance: a year's target for one quarter's growth, beside other quarters' news
    target = passage(
        70,
        "从环比看，四季度国内生产总值与三季度持平。去年3月，总理在政府工作报告中表示，"
        "2022年发展主要预期目标是5.5%左右的经济增长率。",
    )
    c = check("增长率是5.5%左右[70]。", "2022年一季度中国经济增长率是多少？", target)
    assert not c.verified and "一季度" in c.reason, c.reason
    assert check("增长率是5.5%左右[70]。", "2022年中国经济增长率目标是多少？", target).verified
    # medicine: a year's count for its first quarter
    cases = passage(71, "2023年全国共报告流感病例500万例。")
    assert not check("500万例[71]。", "2023年第一季度全国报告了多少流感病例？", cases).verified
    # the part written otherwise, or as months, is the part asked
    quarter = passage(72, "2023年一季度全国共报告流感病例120万例。")
    assert check("120万例[72]。", "2023年第一季度全国报告了多少流感病例？", quarter).verified
    half = passage(73, "根据财报披露，公司在2022年的1月至6月份的营业收入为42.21亿元。")
    assert check("42.21亿元[73]。", "公司2022年上半年的营收为多少？", half).verified


def test_the_sentence_before_a_passage_places_it_even_when_it_ends_the_line() -> None:
    # the subject stands in the sentence before the passage, which ends with "；" and a line break
    before = "上海银行构建“大模型+微模型”协同体系，识别用户潜在需求；\n"
    p = passage(1, "大模型嵌入风控流程，智能客服接通率从86%提升至95%。", before=before)
    c = check("接通率提升至95%[1]。", "上海银行智能客服接通率提升到了多少？", p)
    assert c.verified and c.support.constraints == 1.0, c.support
    # English: a report's subject in the sentence before, closed by a full stop
    p = passage(2, "Its revenue rose 12% to $4.1 billion.", before="Acme Corp reported results on Monday.\n")
    c = check("Revenue rose 12% [2].", "How much did Acme's revenue rise?", p)
    assert c.verified and c.support.constraints == 1.0, c.support


def test_an_item_of_a_list_is_about_what_it_opens_with() -> None:
    patch = passage(
        1,
        "- Vela: base health increased from 520 to 560. Her ultimate's cooldown is reduced from 90 to 80 "
        "seconds.\n- Korr: shield duration reduced from 4 to 3 seconds.\n- Ashling: fixed a bug where her "
        "dash could pass through walls.",
        heading="Heroes",
        title="Patch 3.2 Notes",
    )
    warranty = passage(
        2, "保修政策如下：\n- 研磨器：保修2年，需凭发票。\n- 整机：保修1年。\n- 水箱：不在保修范围内。"
    )
    dose = passage(3, "用法用量：\n1. 成人：一次0.5克，一日3次。\n2. 儿童：按体重一日20~40毫克/千克。")
    hours = passage(4, "门诊时间：\n- 周一至周五 8:00-17:00\n- 周六：8:00-12:00，只看专家门诊。")
    for sentence, question, p, verified in [
        (
            "Ashling's base health increased from 520 to 560[1].",
            "What is Ashling's base health in patch 3.2?",
            patch,
            False,
        ),
        ("Vela's base health is now 560[1].", "What is Vela's base health after patch 3.2?", patch, True),
        ("Ashling's dash no longer passes through walls[1].", "What was fixed for Ashling?", patch, True),
        ("水箱保修2年[2]。", "水箱保修几年？", warranty, False),
        ("研磨器保修2年[2]。", "研磨器保修几年？", warranty, True),
        ("儿童一次0.5克[3]。", "儿童一次吃多少克？", dose, False),
        ("成人一次0.5克[3]。", "成人一次吃多少克？", dose, True),
        ("研磨器保修2年，比整机多1年[2]。", "研磨器和整机的保修哪个长？", warranty, True),
        ("周一至周五8:00开诊[4]。", "周一至周五几点开诊？", hours, True),
    ]:
        c = check(sentence, question, p)
        assert c.verified == verified, (sentence, c.reason)
        assert verified or c.reason.endswith("is another item of the list"), c.reason
    # the item the answer is taken from opens with another thing, and the name asked is
    # nowhere before it (the chunk ends before Ashling's item)
    two = passage(
        1,
        "- Vela: base health increased from 520 to 560.\n- Korr: shield duration cut from 4 to 3 seconds.",
        heading="Heroes",
    )
    c = check("Ashling's base health increased from 520 to 560[1].", "What is Ashling's base health?", two)
    assert not c.verified and c.reason == "the item is about Vela, not ashling", c.reason
    assert check("Korr's shield now lasts 3 seconds[1].", "How long does Korr's shield last?", two).verified
    hours = passage(5, "Dr. Chen's clinic hours:\n- Monday: 9 am to 5 pm.\n- Friday: 9 am to noon.")
    assert check(
        "Dr. Chen sees patients from 9 am to 5 pm on Monday[5].", "What are Dr. Chen's hours?", hours
    ).verified


@pytest.mark.parametrize(
    ("text", "answer", "question", "other"),
    [
        (
            "从江苏银行方面提供的数据来看，每天可减少9.68小时工作量。",
            "兴业银行每天节约9.68小时工作量[1]。",
            "兴业银行每天节约多少小时工作量？",
            "江苏银行",
        ),
        (
            "复旦大学今年录取新生3800人。",
            "东华大学今年录取新生3800人[1]。",
            "东华大学今年录取多少新生？",
            "复旦大学",
        ),
        (
            "协和医院的日均门诊量约为1.5万人次。",
            "同仁医院日均门诊量约为1.5万人次[1]。",
            "同仁医院的日均门诊量是多少？",
            "协和医院",
        ),
    ],
)
def test_an_answer_about_another_thing_of_the_same_kind_is_rejected(
    text: str, answer: str, question: str, other: str
) -> None:
    got = check(answer, question, passage(1, text))
    assert not got.verified and got.reason.startswith(f"about {other}, not ")


def test_the_asked_name_earlier_in_the_passage_does_not_place_a_sentence_about_another() -> None:
    news = passage(1, "工商银行推出了新的风控系统。其他银行也在跟进。苏商银行的欺诈风险标签准确率提升35%。")
    got = check(
        "工商银行的欺诈风险标签准确率提升了35%[1]。", "工商银行的欺诈风险标签准确率提升了多少？", news
    )
    assert not got.verified and got.reason == "about 苏商银行, not 工商银行"


def test_a_longer_form_or_a_passage_that_names_the_asked_thing_is_no_other_thing() -> None:
    # "储蓄银行" of 中国邮政储蓄银行 is no name: the long form of 邮储银行 is not another bank
    long_form = passage(1, "中国邮政储蓄银行通过集成大模型，每天可减少5小时工作量。")
    assert check("邮储银行每天节约5小时工作量[1]。", "邮储银行每天节约多少小时工作量？", long_form).verified
    # the document is about the bank asked for; the sentence compares it with another
    titled = passage(2, "与江苏银行相比，每天可减少9.68小时工作量。", title="兴业银行年报")
    assert check("兴业银行每天节约9.68小时工作量[2]。", "兴业银行每天节约多少小时工作量？", titled).verified
