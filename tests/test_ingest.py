"""Ingestion on real files of every supported format, generated here with the libraries that
write them (fpdf2, python-docx, openpyxl), and on the seed articles."""

import glob
import logging
import re
from pathlib import Path

import pytest

from rag.chunk import chunk_document
from rag.clean import Cleaner
from rag.errors import CorpusError
from rag.ingest import load_corpus, load_document
from rag.normalize import fold, split_sentences

SEEDS = Path(__file__).resolve().parent.parent / "seeds"
CJK_FONTS = sorted(glob.glob("/usr/share/fonts/**/NotoSansCJK-Regular.tt*", recursive=True))


@pytest.fixture(scope="module")
def docs() -> dict[str, object]:
    return {d.doc_id: d for d in load_corpus(SEEDS)}


def test_all_seeds_load_with_titles_and_ids_that_are_their_file_names(docs: dict) -> None:
    assert sorted(docs) == sorted(p.name for p in SEEDS.glob("[!.]*.txt"))
    assert docs["000_c4a4f23599adab00.txt"].title == "商业银行接入DeepSeek大赛:谁抢先,谁落后"
    assert docs["002_7c08d024b419e123.txt"].date.startswith("2025-02-13")
    assert docs["003_6821db6e00fcbe24.txt"].title.startswith("金融圈加速DeepSeek本地化部署")
    # the spam headline with mojibake at the top of 004 is not taken as its title
    assert "生物混戰" not in docs["004_967d3e782a009d5f.txt"].title


def test_boilerplate_and_artefacts_removed(docs: dict) -> None:
    joined = "\n".join(d.text for d in docs.values())
    for junk in ("(yè)", "(zhàn)", "相关推荐", "上一篇", "打赏", "免責聲明", "![", "https://", "发表回复"):
        assert junk not in joined, junk
    assert "\n\n\n" not in joined


def test_article_bodies_stay_complete_and_removals_are_recorded(docs: dict) -> None:
    assert "而民营银行与互联网银行则可能利用DeepSeek的技术优势" in docs["000_c4a4f23599adab00.txt"].text
    assert "降低人為操作失誤率" in docs["001_52125b8569c8db8d.txt"].text
    assert "是金融业人工智能技术运用方面应严肃面对的重大问题" in docs["002_7c08d024b419e123.txt"].text
    assert "金融智能化进度会大大加快" in docs["003_6821db6e00fcbe24.txt"].text
    assert "為客戶提供更加優質、高效、安全的金融服務" in docs["004_967d3e782a009d5f.txt"].text
    assert "咨詢解決率從70%提升至85%" in docs["004_967d3e782a009d5f.txt"].text  # garbled run cut, facts kept
    for d in docs.values():
        assert d.kept_share > 0.6, (d.doc_id, d.kept_share)
    assert any(r.reason == "pinyin annotations" for d in docs.values() for r in d.removed)


def test_an_article_on_one_line_keeps_its_text_when_furniture_is_cut_from_it(tmp_path: Path) -> None:
    body = "某市马拉松赛昨日举行，男子组冠军成绩为2小时8分。女子组由本地选手夺冠。"
    f = tmp_path / "one-line.html"
    f.write_text(f"<p>{body}（责任编辑：王明）返回搜狐，查看更多 分享到：</p>", encoding="utf-8")
    doc = load_document(f)
    assert body in doc.text and "责任编辑" not in doc.text and "返回搜狐" not in doc.text
    assert {r.reason for r in doc.removed} >= {"editor credit", "portal trailer"}


def test_a_tail_marker_ends_the_article_but_not_before_it() -> None:
    cleaner = Cleaner()
    lines = ["正文第一段。", "上一篇 2025年3月10日", "相关推荐", "另一篇文章的摘要。"]
    assert [cleaner.line(x) for x in lines] == ["正文第一段。", "2025年3月10日", "", ""]


def test_a_file_that_is_only_furniture_is_kept_rather_than_lost(tmp_path: Path) -> None:
    f = tmp_path / "notice.html"
    f.write_text("<p>相关推荐</p><p>本站公告：周六停机维护。</p>", encoding="utf-8")
    doc = load_document(f)
    assert "周六停机维护" in doc.text


def test_markdown_front_matter_headings_and_lists(tmp_path: Path) -> None:
    f = tmp_path / "note.md"
    f.write_text(
        '---\ntitle: "设备手册"\ndate: "2025-03-01"\nsource: "内部"\n---\n\n'
        "# 安装\n\n![img](http://x/y.png)\n安装前请断电。\n\n## 步骤\n\n1. 打开包装。\n2. **固定**底座。\n",
        encoding="utf-8",
    )
    doc = load_document(f)
    assert (doc.title, doc.date, doc.source) == ("设备手册", "2025-03-01", "内部")
    assert [s.title for s in doc.sections] == ["安装", "步骤"]
    assert "![" not in doc.text and "**" not in doc.text and "固定底座" in doc.text


def test_hard_wrapped_lines_are_joined_into_their_sentences(tmp_path: Path) -> None:
    # English Markdown wrapped at 90 columns, and Chinese text cut at a page width: a line break
    # inside a sentence must not cut the sentence in two
    f = tmp_path / "reference.md"
    f.write_text(
        "# tarsync reference\n\n"
        "tarsync copies directory trees between machines as compressed streams. This page covers\n"
        "version 2.3, released on March 14, 2025. Version 2.3 requires Python 3.10 or newer; version\n"
        "2.2 still runs on Python 3.8.\n\n"
        "Settings are read from `~/.config/tarsync/config.toml`. A command-line option always\n"
        "overrides the same setting in the file, and an environment variable overrides both.\n\n"
        "- short list item\n- another item\n",
        encoding="utf-8",
    )
    doc = load_document(f)
    sentences = [doc.text[a:b] for a, b in split_sentences(doc.text)]
    assert "Version 2.3 requires Python 3.10 or newer;" in " ".join(sentences)
    assert any(s.startswith("version 2.2 still runs on Python 3.8") for s in sentences), sentences
    assert any("A command-line option always overrides the same setting" in s for s in sentences), sentences
    assert "- short list item" in doc.text and "- another item" in doc.text
    g = tmp_path / "notice.txt"
    g.write_text(
        "天穹二号遥四火箭发射成功\n"
        "2025年4月8日，天穹二号遥四运载火箭在东海发射场成功发射，将5颗低轨通信卫星送入预\n"
        "定轨道。本次任务是天穹二号运载火箭的第4次飞行，也是该型火箭一子级首次实现海上\n"
        "回收，一子级在发射约8分钟后降落在距发射场约300公里的回收船上。\n"
        "一、回收的一子级经检测后计划在2026年复用。\n",
        encoding="utf-8",
    )
    doc = load_document(g)
    assert "将5颗低轨通信卫星送入预定轨道。" in doc.text
    assert "一子级首次实现海上回收，" in doc.text
    assert doc.title == "天穹二号遥四火箭发射成功"  # the title line is not joined to the text
    assert "\n一、回收的一子级" in doc.text  # a numbered item starts its own line


def test_text_of_whole_paragraph_lines_is_not_joined(tmp_path: Path) -> None:
    # one paragraph per line, a headline and a by-line without full stops: nothing is wrapped
    f = tmp_path / "news.txt"
    lines = [
        "滨江马拉松落幕 肯尼亚选手夺冠",
        "记者 王明 摄影 李华",
        "男子全程比赛中，肯尼亚选手基普罗蒂奇以2小时08分31秒的成绩率先冲线，打破了赛会纪录。",
        "女子全程冠军由中国选手李佳获得，她的成绩是2小时26分05秒。",
        "本届赛事共有3万名跑者参赛，其中全程1.2万人，半程1.8万人。",
    ]
    f.write_text("\n".join(lines) + "\n", encoding="utf-8")
    doc = load_document(f)
    for line in lines[1:]:
        assert line in doc.text.split("\n"), line


def test_html_visible_text_headings_and_tables(tmp_path: Path) -> None:
    f = tmp_path / "page.html"
    f.write_text(
        "<html><head><title>网页标题</title><script>var x=1;</script></head><body>"
        "<nav>首页 | 新闻</nav><h2>收费</h2><p>第一段正文内容。</p>"
        "<table><tr><th>项目</th><th>价格</th></tr><tr><td>年卡</td><td>300元</td></tr></table>"
        "<footer>版权所有</footer></body></html>",
        encoding="utf-8",
    )
    doc = load_document(f)
    assert doc.title == "网页标题"
    assert "var x" not in doc.text and "首页 | 新闻" not in doc.text
    assert "第一段正文内容。" in doc.text and [s.title for s in doc.sections] == ["收费"]
    assert "项目: 年卡；价格: 300元" in doc.text or "年卡 | 300元" in doc.text


@pytest.mark.parametrize("encoding", ["gb18030", "big5", "utf-16", "utf-8-sig"])
def test_text_encodings_are_detected(tmp_path: Path, encoding: str) -> None:
    text = "國有銀行加速部署大模型，這是一段足夠長的正文，用來檢測編碼。" * 3
    f = tmp_path / f"{encoding}.txt"
    f.write_bytes(text.encode(encoding))
    assert "國有銀行加速部署大模型" in load_document(f).text


def _pdf(path: Path, pages: list[str], font: str | None) -> None:
    from fpdf import FPDF

    pdf = FPDF()
    if font:
        pdf.add_font("cjk", fname=font)
    for page in pages:
        pdf.add_page()
        pdf.set_font("cjk" if font else "Helvetica", size=12)
        pdf.multi_cell(0, 8, page)
    pdf.output(str(path))


def test_pdf_text_layer_with_page_locators(tmp_path: Path) -> None:
    f = tmp_path / "guide.pdf"
    _pdf(f, ["Router guide\nReset: hold the button for 10 seconds.", "Warranty lasts 24 months."], None)
    doc = load_document(f)
    assert "hold the button for 10 seconds" in doc.text and "24 months" in doc.text
    chunks = chunk_document(doc, chunk_chars=40)
    by_text = {c.text: c.locator for c in chunks}
    assert any("24 months" in t and loc == "第2页" for t, loc in by_text.items())


@pytest.mark.skipif(not CJK_FONTS, reason="needs fonts-noto-cjk (installed by `make browser`)")
def test_chinese_pdf(tmp_path: Path) -> None:
    f = tmp_path / "制度.pdf"
    _pdf(f, ["第一章 总则\n员工出差住宿费标准为每晚500元。"], CJK_FONTS[0])
    doc = load_document(f)
    assert "员工出差住宿费标准为每晚500元。" in doc.text and "\x00" not in doc.text


def test_numbered_lines_are_headings_where_the_format_has_no_heading_styles(tmp_path: Path) -> None:
    # a hospital guide in plain text: "一、挂号" heads its part; a numbered sentence does not
    f = tmp_path / "门诊指南.txt"
    f.write_text(
        "市第三人民医院门诊就医指南（2026年版）\n\n一、挂号\n普通门诊挂号费10元，主任医师专家门诊40元。\n"
        "二、就诊流程\n1. 提前15分钟到达诊区签到。\n2. 叫号后进入诊室。\n"
        "（一）复诊\n复诊患者可直接签到。\n三、门诊时间\n周日只开放急诊。\n",
        encoding="utf-8",
    )
    doc = load_document(f)
    assert doc.title == "市第三人民医院门诊就医指南（2026年版）"
    assert [(s.title, s.level) for s in doc.sections] == [
        ("一、挂号", 10),
        ("二、就诊流程", 10),
        ("（一）复诊", 11),
        ("三、门诊时间", 10),
    ]
    chunk = next(c for c in chunk_document(doc) if "急诊" in c.text)
    assert chunk.heading == "三、门诊时间" and "挂号费" not in chunk.text
    nested = next(c for c in chunk_document(doc) if "复诊患者" in c.text)
    assert nested.heading == "二、就诊流程 > （一）复诊"
    # below a Markdown heading, in a report written without "#" for its parts, and in English
    f = tmp_path / "report.md"
    f.write_text(
        "# 2025年年度报告摘要\n\n一、主要财务数据\n\n营业收入48.6亿元。\n\n"
        "2.3 Late work\n\nLate work loses 10% per day.\n",
        encoding="utf-8",
    )
    doc = load_document(f)
    assert [s.title for s in doc.sections] == ["2025年年度报告摘要", "一、主要财务数据", "2.3 Late work"]
    assert chunk_document(doc)[1].heading == "2025年年度报告摘要 > 一、主要财务数据"
    # sentences, list steps, lead-ins and measures that begin with a number are no headings
    f = tmp_path / "rules.txt"
    f.write_text(
        "垃圾分类须知\n一、垃圾分为三类：一般垃圾、资源垃圾及厨余。\n第一条 为规范管理，制定本办法。\n"
        "1. 取下包装\n（一）收入：\n2.4 GHz\n3.5 mm\n一、\n",
        encoding="utf-8",
    )
    assert load_document(f).sections == []
    # items of a list after its lead-in, a table of contents: short numbered lines, no headings
    f = tmp_path / "materials.txt"
    f.write_text(
        "办理须知\n办理时需携带以下材料：\n一、身份证原件\n二、户口本\n外地户籍另需：\n一、居住证\n"
        "请于工作日办理。\n目录\n第一章 总则\n第二章 申请\n"
        "第一章 总则\n本办法适用于全市。\n第二章 申请\n申请人须年满18周岁。\n一、材料\n二、流程\n",
        encoding="utf-8",
    )
    assert [s.title for s in load_document(f).sections] == ["第一章 总则", "第二章 申请"]


def test_docx_headings_paragraphs_and_tables(tmp_path: Path) -> None:
    import docx

    d = docx.Document()
    d.add_heading("差旅管理办法", level=1)
    d.add_heading("第三章 住宿", level=2)
    d.add_paragraph("住宿费按城市分级报销。")
    table = d.add_table(rows=2, cols=2)
    table.rows[0].cells[0].text, table.rows[0].cells[1].text = "城市", "标准"
    table.rows[1].cells[0].text, table.rows[1].cells[1].text = "一线城市", "每晚600元"
    f = tmp_path / "policy.docx"
    d.save(str(f))
    doc = load_document(f)
    assert doc.title == "差旅管理办法"
    assert [s.title for s in doc.sections] == ["差旅管理办法", "第三章 住宿"]
    assert "住宿费按城市分级报销。" in doc.text and "每晚600元" in doc.text
    row_chunk = next(c for c in chunk_document(doc, chunk_chars=60) if "每晚600元" in c.text)
    assert "第三章 住宿" in row_chunk.heading and "城市" in row_chunk.text + row_chunk.lead


def test_xlsx_and_csv_rows_name_their_columns(tmp_path: Path) -> None:
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "费用表"
    sheet.append(["项目", "金额"])
    sheet.append(["打印机维修", 350])
    sheet.append(["耗材", 120.0])
    f = tmp_path / "costs.xlsx"
    book.save(str(f))
    doc = load_document(f)
    assert "项目: 打印机维修；金额: 350" in doc.text and "金额: 120" in doc.text
    chunk = next(c for c in chunk_document(doc) if "打印机维修" in c.text)
    assert "费用表" in chunk.locator

    c = tmp_path / "名单.csv"
    c.write_bytes("姓名,部门\n张三,财务部\n李四,技术部\n".encode("gb18030"))
    assert "姓名: 李四；部门: 技术部" in load_document(c).text


def test_every_document_is_kept_and_bad_files_are_named(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    (tmp_path / "sub").mkdir()
    (tmp_path / "good.txt").write_text("这是一篇可以读取的正常文章。", encoding="utf-8")
    (tmp_path / "sub" / "good.txt").write_text("同名但在子文件夹里的另一篇。", encoding="utf-8")
    (tmp_path / "short.md").write_text("停电通知：明日9点。", encoding="utf-8")
    (tmp_path / "binary.txt").write_bytes(b"\x00\x01\x02binary")
    (tmp_path / "empty.md").write_text("", encoding="utf-8")
    (tmp_path / "broken.pdf").write_bytes(b"%PDF-1.4 not really")
    (tmp_path / ".hidden.txt").write_text("不应被索引。", encoding="utf-8")
    with caplog.at_level(logging.WARNING):
        docs = load_corpus(tmp_path)
    assert [d.doc_id for d in docs] == ["good.txt", "short.md", "sub/good.txt"]
    for name in ("binary.txt", "empty.md", "broken.pdf"):
        assert name in caplog.text


@pytest.mark.parametrize(
    ("name", "raw", "message"),
    [
        # found by scripts/bad_inputs.py: each escaped as a traceback or was indexed as text
        ("fake.docx", b"PK\x03\x04 not a zip", r"not a readable \.docx"),
        ("mark.txt", b"\xff\xfe\xfa\xff" * 60, "does not decode to readable text"),
        (
            "pua.txt",
            "\ue000\ue001\ue002".encode() * 40 + "正文。".encode(),
            "does not decode to readable text",
        ),
    ],
)
def test_damaged_files_are_named_not_crashed_on_or_indexed(
    tmp_path: Path, name: str, raw: bytes, message: str
) -> None:
    path = tmp_path / name
    path.write_bytes(raw)
    with pytest.raises(CorpusError, match=message) as err:
        load_document(path)
    assert err.value.zh


def test_a_parser_failure_of_any_kind_is_a_corpus_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from rag import ingest

    class Exploding:
        suffixes = (".txt",)

        def load(self, raw: bytes, name: str) -> None:
            raise RuntimeError("parser bug")

    monkeypatch.setitem(ingest.LOADERS, ".txt", Exploding())
    path = tmp_path / "a.txt"
    path.write_text("正文。", encoding="utf-8")
    with pytest.raises(CorpusError, match=r"a\.txt could not be read as \.txt \(RuntimeError: parser bug\)"):
        load_document(path)


def test_text_cut_off_mid_character_is_still_read(tmp_path: Path) -> None:
    path = tmp_path / "cut.txt"
    path.write_bytes("中国工商银行上线了大模型。".encode("gbk") * 20 + b"\xd6")
    assert "工商银行上线了大模型" in load_document(path).text


def test_missing_corpus_folder_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(CorpusError, match="does not exist"):
        load_corpus(tmp_path / "nope")


def test_unsupported_format_is_a_clear_error(tmp_path: Path) -> None:
    f = tmp_path / "slides.pptx"
    f.write_bytes(b"PK\x03\x04")
    with pytest.raises(CorpusError, match=r"\.pptx files cannot be indexed; use .*\.docx"):
        load_document(f)


def test_fold_of_cleaned_seed_finds_simplified_phrase(docs: dict) -> None:
    assert "江苏银行将deepseek率先应用于" in fold(docs["004_967d3e782a009d5f.txt"].text)


def _one_line_article(i: int) -> tuple[str, str]:
    """A news article written on one line, ending with a portal trailer, as scraped pages are."""
    import random

    rng = random.Random(i)
    places = ["临江", "北湖", "南岭", "东屿", "西川"]
    body = "".join(
        f"{rng.choice(places)}市第{rng.randint(1, 30)}次会议"
        f"于{rng.randint(1, 12)}月{rng.randint(1, 28)}日召开，"
        f"会上通报了{rng.randint(2, 99)}个项目的进展，总投资{rng.randint(1, 900)}亿元。"
        for _ in range(rng.randint(1, 6))
    )
    trailer = rng.choice(
        ["返回搜狐，查看更多责任编辑：", "返回搜狐，查看更多 (责任编辑：李明)", "分享到：微信"]
    )
    return body, body + trailer


def test_one_line_articles_with_trailers_are_all_kept_whole(tmp_path: Path) -> None:
    bodies = {}
    for i in range(120):
        body, line = _one_line_article(i)
        (tmp_path / f"{i:03d}.txt").write_text(line + "\n", encoding="utf-8")
        bodies[f"{i:03d}.txt"] = body
    docs = {d.doc_id: d for d in load_corpus(tmp_path)}
    assert sorted(docs) == sorted(bodies)  # no article dropped
    kept = sum(len(b) for i, b in bodies.items() if b in docs[i].text)
    assert kept / sum(len(b) for b in bodies.values()) >= 0.99
    assert not any("返回搜狐" in d.text or "分享到" in d.text for d in docs.values())


def test_a_corpus_of_messy_shapes_keeps_exactly_the_article_text(tmp_path: Path) -> None:
    """Each file's expected kept text is written out; the counts are checked exactly."""
    article = "滨江市今年新建公园12座，绿地面积增加了300公顷。市民满意度达到91%。"
    notice = "停电通知：明日9点至12点检修。"
    files: dict[str, bytes] = {
        "one-line.txt": (article + "返回搜狐，查看更多责任编辑：").encode(),
        "page.html": (
            f"<html><body><nav>首页 | 新闻 | 体育</nav><p>{article}</p>"
            "<p>分享到：</p><footer>版权所有 © 2025 滨江日报</footer></body></html>"
        ).encode(),
        "pinyin.txt": article.replace("公园", "公(gōng)园(yuán)").encode(),
        "gbk.txt": notice.encode("gb18030"),
        "big5.txt": "停電通知：明日9點至12點檢修。".encode("big5"),
        "zero.txt": b"",
        "renamed.txt": bytes(range(256)) * 4,
    }
    for name, raw in files.items():
        (tmp_path / name).write_bytes(raw)
    docs = {d.doc_id: d for d in load_corpus(tmp_path)}
    assert sorted(docs) == ["big5.txt", "gbk.txt", "one-line.txt", "page.html", "pinyin.txt"]
    size = len(re.sub(r"\s", "", article))
    for name in ("one-line.txt", "page.html", "pinyin.txt"):
        assert docs[name].text == article, name
        assert docs[name].chars_kept == size, name
    assert docs["one-line.txt"].chars_in == size + len("返回搜狐，查看更多责任编辑：")
    assert docs["pinyin.txt"].chars_in == size  # the annotations were never text
    assert docs["gbk.txt"].text == notice and docs["gbk.txt"].kept_share == 1.0
    assert docs["big5.txt"].text == "停電通知：明日9點至12點檢修。"


def test_text_with_invisible_marks_or_a_few_broken_characters_is_kept(tmp_path: Path) -> None:
    # found on real news files: web copies carry zero-width spaces between items, and a short
    # file cut from a longer one may start with a broken character; both were refused once
    spaced = "获奖名单： 最佳影片：甲 \u200b最佳导演：乙 \u200b 颁奖日期为6月\u200b12日，共\u00ad有12个奖项。"
    (tmp_path / "spaced.txt").write_text(spaced, encoding="utf-8")
    doc = load_document(tmp_path / "spaced.txt")
    assert "\u200b" not in doc.text and "\u00ad" not in doc.text
    assert "6月12日" in doc.text and "共有12个奖项" in doc.text
    cut = "\ufffd\ufffd宣言倡议全球的信息科技业者抵制第二届大会。"
    (tmp_path / "cut.txt").write_text(cut, encoding="utf-8")
    assert "第二届大会" in load_document(tmp_path / "cut.txt").text
