"""The passages the model reads: what dates and places a sentence taken from the middle of a document."""

from rag.context import Passage, Similar, select_passages
from rag.embed import E5Embedder
from rag.lexicon import Lexicon
from rag.question import Question, read
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


MARATHON = (
    "2024滨江国际马拉松鸣枪开跑 肯尼亚选手包揽男子全程前三\n\n"
    "本报讯 11月17日上午7时30分，2024滨江国际马拉松在滨江市民广场鸣枪开跑，来自28个国家和地区的"
    "3万名跑者参加了全程马拉松、半程马拉松和5公里健康跑三个项目的比赛。\n\n"
    "男子全程比赛中，肯尼亚选手基普罗蒂奇以2小时08分31秒的成绩率先冲线，打破了由他本人保持的赛会纪录，"
    "另外两名肯尼亚选手分获亚军和季军。女子全程冠军由中国选手李佳获得，她的成绩是2小时26分05秒，"
    "这也是中国选手连续第二年夺得该项目冠军。"
)


def test_the_sentence_that_answers_outweighs_the_lead_that_repeats_the_headline() -> None:
    # a report's sentences rarely repeat the names its headline gives: those names count for
    # no sentence, and the lead that repeats them no longer fills the window (sport, film, English)
    film = (
        "第十二届海湾电影节闭幕 《远山回声》获最佳影片（2024年）\n"
        "10月20日晚，第十二届海湾电影节在海湾大剧院闭幕，本届海湾电影节共有来自32个国家和地区的"
        "186部影片参与展映，海湾电影节组委会表示观影人次创下新高，达到了27万人次，为历届海湾电影节之最。"
        "闭幕式上，评委会主席林默回顾了本届的入围影片，称新人的作品占到三分之一，题材比往届更加多样。"
        "评委会把最佳导演授予周远，他凭借《灯塔》获奖；最佳女演员由陈雨获得。"
    )
    english = (
        "Binjiang International Marathon 2024: a Kenyan sweep\n"
        "On November 17 the Binjiang International Marathon 2024 started at Binjiang Civic Square, with "
        "30,000 runners from 28 countries taking part in the Binjiang International Marathon's three races. "
        "In the men's race Kiprotich crossed the line first in 2:08:31. Li Jia won the women's race."
    )
    for text, question, answer, lead in [
        (MARATHON, "2024滨江国际马拉松男子全程冠军是谁？", "基普罗蒂奇", "3万名跑者"),
        (film, "2024年第十二届海湾电影节的最佳导演是谁？", "周远", "186部"),
        (
            english,
            "Who won the men's race of the Binjiang International Marathon 2024?",
            "Kiprotich",
            "30,000",
        ),
    ]:
        (got,) = prompt_of(question, hit(text, title=text.split("\n")[0]))
        assert answer in got and lead not in got, got
    (got,) = prompt_of("2024滨江国际马拉松男子全程冠军是谁？", hit(MARATHON, title=MARATHON.split("\n")[0]))
    assert got.startswith("（2024滨江国际马拉松鸣枪开跑 肯尼亚选手包揽男子全程前三）男子全程比赛中")
    # where the headline does not name them, the sentence that does still counts them
    (text,) = prompt_of("2024滨江国际马拉松有多少名跑者参加？", hit(MARATHON, title=""))
    assert "3万名跑者" in text, text


def test_a_heading_line_is_said_by_the_label_not_repeated_in_the_passage() -> None:
    # a policy's section; a notice's section that looks like a list item ("一、5号线"); a
    # section whose title holds every word of the question (the heading line would win the tie)
    for text, heading, question, expected in [
        (
            "第五章 报销流程\n第九条 员工应在出差结束后30日内提交报销申请。",
            "差旅费报销管理办法 > 第五章 报销流程",
            "报销流程是什么？",
            "第九条 员工应在出差结束后30日内提交报销申请。",
        ),
        (
            "一、年休假\n员工累计工作已满1年的，享受带薪年休假。满10年不满20年的，年休假10天。",
            "员工休假管理规定 > 一、年休假",
            "工作满12年的员工每年有几天年假？",
            "员工累计工作已满1年的，享受带薪年休假。满10年不满20年的，年休假10天。",
        ),
        (
            "一、5号线\n1. 工作日首班车时间由6:00提前至5:40。\n2. 周五末班车延后至次日0:30。",
            "关于调整地铁运营时间的公告 > 一、5号线",
            "5号线周五末班车几点？",
            "1. 工作日首班车时间由6:00提前至5:40。 2. 周五末班车延后至次日0:30。",
        ),
    ]:
        (got,) = prompt_of(question, hit(text, title=heading.split(" > ")[0], heading=heading))
        assert got == f"（{heading}）{expected}", got


def test_a_table_row_or_list_item_is_read_with_its_column_names_and_lead_in() -> None:
    # the rows are read with the column names and the line that leads into them, where they fit
    rows = "员工级别 | 一线城市（元/晚） | 其他城市（元/晚）\n" + "\n".join(
        ["普通员工 | 500 | 350", "经理 | 700 | 500", "总监及以上 | 1000 | 700"]
    )
    travel = hit(
        f"第三章 住宿费\n第六条 住宿费按城市类别和员工级别实行限额标准，具体如下：\n{rows}",
        title="差旅费报销管理办法",
        heading="差旅费报销管理办法 > 第三章 住宿费",
    )
    (text,) = prompt_of("经理去上海出差，住宿标准每晚多少钱？", travel)
    assert (
        text
        == "（差旅费报销管理办法 > 第三章 住宿费）第六条 住宿费按城市类别和员工级别实行限额标准，具体如下： "
        + (rows.replace("\n", " "))
    )
    # steps: the fifth is read after the lead-in and the four before it; the heading ("3 更换
    # 滤网") stays in the label
    steps = hit(
        "3 更换滤网\n滤网到期时，指示灯会闪烁红色。更换方法如下：\n1. 关机并拔下电源插头。\n"
        "2. 取下后盖板。\n3. 取出旧滤网。\n4. 装入新滤网，有标签的一面朝外。\n"
        "5. 装回后盖板，开机后长按“定时”键3秒，将滤网寿命复位。",
        title="清风A3空气净化器使用说明书",
        heading="清风A3空气净化器使用说明书 > 3 更换滤网",
    )
    (text,) = prompt_of("清风A3换完滤网后怎样复位滤网寿命？", steps)
    assert text.startswith("（清风A3空气净化器使用说明书 > 3 更换滤网）滤网到期时") and "1. 关机" in text, (
        text
    )


def test_a_passage_that_cannot_reach_its_table_s_column_names_carries_them_in_its_label() -> None:
    prose = (
        "第六条 按城市类别和员工级别实行限额，凭发票和酒店水单在限额以内据实报销，超出"
        "限额的部分一律由员工自行承担，两人同行且性别相同的原则上合住一间房，具体如下："
    )
    rows = "员工级别 | 一线城市（元/晚） | 其他城市（元/晚）\n" + "\n".join(
        f"{who} | {a} | {b}"
        for who, a, b in [
            ("实习生", 300, 200),
            ("见习生", 300, 200),
            ("试用期员工", 350, 250),
            ("初级专员", 400, 300),
            ("专员", 450, 320),
            ("高级专员", 480, 340),
            ("普通员工", 500, 350),
            ("主管", 600, 400),
            ("高级主管", 650, 450),
            ("副经理", 680, 480),
            ("经理", 700, 500),
            ("总监及以上", 1000, 700),
        ]
    )
    travel = hit(f"{prose}\n{rows}", title="差旅费报销管理办法", heading="差旅费报销管理办法 > 第三章 住宿费")
    (p,) = select_passages(read("经理去上海出差，住宿标准每晚多少钱？"), [travel], LEX)
    assert "经理 | 700 | 500" in p.text and "员工级别" not in p.text, p.text
    assert p.label == "差旅费报销管理办法 > 第三章 住宿费 · 员工级别 | 一线城市（元/晚） | 其他城市（元/晚）"
    english = hit(
        "Status LED\nThe LED on the front panel shows the router's state at a glance; if it shows a colour "
        "that is not listed here, restart the router and contact support with the serial number.\n"
        "LED | Meaning\nSolid white | Connected to the internet\n"
        "Blinking white | Starting up or updating firmware\n"
        "Solid blue | Pairing a mesh satellite or a WPS device\nBlinking blue | Pairing failed, try again\n"
        "Solid orange | No internet connection",
        title="NovaLink AX3000 Router Quick Start Guide",
        heading="NovaLink AX3000 Router Quick Start Guide > Status LED",
    )
    (p,) = select_passages(read("What does a solid orange LED mean?"), [english], LEX)
    assert (
        "Solid orange | No internet" in p.text
        and "LED | Meaning" not in p.text
        and p.label.endswith("LED | Meaning")
    ), (p.label, p.text)
    # a chunk that starts inside a table has its column names already (the chunk's lead)
    rest = Chunk(
        chunk_id="d.txt#002",
        doc_id="d.txt",
        title="t",
        text="经理 | 700 | 500\n总监及以上 | 1000 | 700",
        start=0,
        end=30,
        lead="员工级别 | 一线城市（元/晚） | 其他城市（元/晚）",
    )
    (p,) = select_passages(read("总监住宿标准每晚多少钱？"), [Hit(chunk=rest, score=1.0)], LEX)
    assert p.label == "员工级别 | 一线城市（元/晚） | 其他城市（元/晚）", p.label


def _meaning(e5: E5Embedder, q: Question) -> Similar:
    def similar(texts: list[str]) -> list[float]:
        return [float(x) for x in e5.embed_passages(texts) @ e5.embed_queries([q.folded])[0]]

    return similar


def test_a_passage_in_another_language_is_read_where_its_meaning_matches_the_question(e5: E5Embedder) -> None:
    # no word of the question is in the passage, so its words choose nothing: the embedder's
    # similarity of each sentence and the question does ("top scorer" is "最佳射手")
    cases = [
        (  # sport
            "Who was the top scorer of the league this season?",
            "本赛季共有12支球队参赛，全年比赛总观众人数达到18.6万人次，场均观众约1400人。"
            "联赛组委会表示，下赛季将把参赛球队扩充到14支，并引入视频助理裁判。"
            "冠军奖金为80万元，亚军奖金为40万元，季军奖金为20万元。"
            "决赛在市体育中心举行，现场观众超过两万人，比赛通过本地电视台和网络平台同步直播。"
            "青山队前锋李卓以19个进球获得最佳射手，东湖队门将孙泽获得最佳守门员。",
            "最佳射手",
        ),
        (  # medicine
            "Can I drink alcohol while taking this medicine?",
            "本品为白色片，味微苦，请置于儿童不能接触的地方，密封保存于阴凉干燥处。"
            "成人每次1片，若持续发热或疼痛，可间隔4至6小时重复用药一次，24小时内不得超过4片。"
            "对本品过敏者禁用，过敏体质者慎用；本品性状发生改变时禁止使用；如正在使用其他药品，使用本品前请咨询医师或药师。"
            "服药期间不得饮酒或饮用含有酒精的饮料，肝肾功能不全者慎用。",
            "不得饮酒",
        ),
        (  # an employee handbook in English, asked in Chinese
            "新员工的试用期有多长？",
            "Please arrive at the reception desk on the 3rd floor at 9:30 am on your first day. "
            "Bring a government-issued photo ID and your signed offer letter. "
            "Laptops are replaced every 4 years, and monitors when they fail. "
            "Your building badge is printed on your first day; reception issues a visitor pass until then. "
            "The probation period is 3 months for all full-time employees.",
            "probation period",
        ),
    ]
    for question, text, answer in cases:
        q = read(question)
        (blind,) = select_passages(q, [hit(text, title="t")], LEX)
        (p,) = select_passages(q, [hit(text, title="t")], LEX, similar=_meaning(e5, q))
        assert answer in p.text, (question, p.text)
        assert answer not in blind.text, (question, blind.text)  # words alone miss it
