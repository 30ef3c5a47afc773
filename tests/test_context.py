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
