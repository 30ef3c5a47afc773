"""The passages the model reads: what dates and places a sentence taken from the middle of a document."""

from rag.context import Passage, select_passages
from rag.lexicon import Lexicon
from rag.question import read
from rag.types import Chunk, Hit

LEX = Lexicon()


def hit(text: str, title: str, heading: str = "", doc_id: str = "d.txt") -> Hit:
    chunk = Chunk(
        chunk_id=f"{doc_id}#001",
        doc_id=doc_id,
        title=title,
        text=text,
        start=0,
        end=len(text),
        heading=heading,
    )
    return Hit(chunk=chunk, score=1.0)


def prompt_of(question: str, *hits: Hit) -> list[str]:
    return [p.prompt_text for p in select_passages(read(question), list(hits), LEX)]


def test_a_passage_from_a_dated_report_carries_its_headline() -> None:
    # sport
    race = hit("今年首次设置半程项目，半程男子冠军由中国选手刘洋获得。", title="2023滨江国际马拉松落幕")
    film = hit("周远凭借《灯塔》获得最佳导演。", title="2024年海湾电影节闭幕 《远山回声》获最佳影片")  # film
    (text,) = prompt_of("滨江马拉松半程男子冠军是谁？", race)
    assert text == "（2023滨江国际马拉松落幕）今年首次设置半程项目，半程男子冠军由中国选手刘洋获得。"
    (text,) = prompt_of("海湾电影节最佳导演是谁？", film)
    assert text.startswith("（2024年海湾电影节闭幕 《远山回声》获最佳影片）周远")
    english = hit("The half marathon was won by Wang Hao.", title="Binjiang Marathon 2024: a Kenyan sweep")
    (text,) = prompt_of("Who won the half marathon?", english)
    assert text.startswith("（Binjiang Marathon 2024: a Kenyan sweep）")


def test_a_title_that_dates_nothing_or_is_only_a_first_sentence_is_left_out() -> None:
    undated = hit("成人一次0.5克，每6~8小时1次。", title="阿莫西林胶囊说明书")  # medicine
    sentence = hit("营业收入增长12%。", title="公司2022年实现营业收入1051.4亿元，同比增长…")  # finance
    english = hit("The fan runs at 22 dB in Quiet mode.", title="In 2024 the A3 air purifier was tested.")
    assert prompt_of("阿莫西林成人一次吃多少？", undated) == ["成人一次0.5克，每6~8小时1次。"]
    assert prompt_of("营业收入增长多少？", sentence) == ["营业收入增长12%。"]
    assert prompt_of("How loud is the fan in Quiet mode?", english) == [
        "The fan runs at 22 dB in Quiet mode."
    ]


def test_a_headline_is_said_once() -> None:
    # the passage holds it already
    lead = hit("2024滨江国际马拉松鸣枪开跑。3万名跑者参加了比赛。", title="2024滨江国际马拉松鸣枪开跑")
    assert prompt_of("2024滨江马拉松有多少名跑者参加？", lead) == [
        "2024滨江国际马拉松鸣枪开跑。3万名跑者参加了比赛。"
    ]
    # the section path starts with it
    policy = hit(
        "工作满10年的员工每年有10天年假。",
        title="2024年员工休假规定",
        heading="2024年员工休假规定 > 一、年休假",
    )
    (p,) = select_passages(read("工作满10年的员工有几天年假？"), [policy], LEX)
    assert isinstance(p, Passage) and p.label == "2024年员工休假规定 > 一、年休假"
    # the same words written another way (full-width figures) are said once, not dropped
    width = hit(
        "工作满10年的员工每年有10天年假。", title="2024年员工休假规定", heading="２０２４年员工休假规定"
    )
    (p,) = select_passages(read("工作满10年的员工有几天年假？"), [width], LEX)
    assert p.label == "2024年员工休假规定"


def test_the_row_of_a_table_that_names_the_item_asked_is_in_the_passage() -> None:
    # a table's row names its item in one cell and the figure asked for in another: the header,
    # which names every column, must not push the row asked about out of the window
    header = "套餐名称 | 月费(元) | 国内通用流量(GB) | 国内通话(分钟) | 合约期(月) | 适用人群"
    rows = [
        f"套餐名称: 畅享{fee}；月费(元): {fee}；国内通用流量(GB): {gb}；"
        f"国内通话(分钟): {mins}；合约期(月): 12；适用人群: 所有用户"
        for fee, gb, mins in ((59, 30, 300), (99, 60, 500), (129, 100, 1000))
    ]
    plans = hit("\n".join([header, *rows]), title="phone_plans")
    (text,) = prompt_of("畅享99套餐每月有多少国内通用流量？", plans)
    assert "畅享99；月费(元): 99；国内通用流量(GB): 60；" in text, text
    # medicine: a dosage table's row for children
    doses = hit(
        "人群 | 每次剂量 | 每日次数\n人群: 成人；每次剂量: 0.5克；每日次数: 3次\n"
        "人群: 儿童（6-12岁）；每次剂量: 0.25克；每日次数: 3次\n"
        "人群: 老年人；每次剂量: 0.25克；每日次数: 2次\n"
        "人群: 孕妇；每次剂量: 遵医嘱；每日次数: 遵医嘱",
        title="剂量表",
    )
    (text,) = prompt_of("儿童每次剂量是多少？", doses)
    assert "儿童（6-12岁）；每次剂量: 0.25克" in text, text
    # prose keeps its best sentence and the one before it
    report = hit(
        "2024年赛事共有3万人参赛。\n全程男子冠军由王磊获得，成绩2小时08分。女子冠军由李娜获得。", title="t"
    )
    (text,) = prompt_of("全程男子冠军是谁？", report)
    assert "王磊" in text, text


def test_a_year_asked_about_two_sentences_back_is_kept_in_the_passage() -> None:
    report = hit(
        "1月17日，国家统计局发布2021年中国经济数据。数据显示，就业形势总体稳定。"
        "全年城镇新增就业1269万人，比上年增加83万人。",
        title="",
    )
    (text,) = prompt_of("2021年城镇新增就业多少人？", report)
    assert "2021年" in text and "1269万人" in text
    # a sentence that names nothing the passage lacks is not reached for
    (text,) = prompt_of("城镇新增就业多少人？", report)
    assert "2021年" not in text
