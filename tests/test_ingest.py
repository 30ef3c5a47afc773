import logging
from pathlib import Path

import pytest

from rag.errors import CorpusError
from rag.ingest import clean_text, load_corpus, load_document
from rag.normalize import fold

SEEDS = Path(__file__).resolve().parent.parent / "seeds"


@pytest.fixture(scope="module")
def docs() -> dict[str, object]:
    return {d.doc_id: d for d in load_corpus(SEEDS)}


def test_all_seeds_load_with_titles(docs: dict) -> None:
    assert len(docs) == 5
    assert docs["000_c4a4f23599adab00"].title == "商业银行接入DeepSeek大赛:谁抢先,谁落后"
    assert docs["002_7c08d024b419e123"].date == "2025-02-13 11:52:03"
    assert docs["003_6821db6e00fcbe24"].title.startswith("金融圈加速DeepSeek本地化部署")
    # the spam headline with mojibake at the top of 004 is not taken as its title
    assert "生物混戰" not in docs["004_967d3e782a009d5f"].title


def test_boilerplate_and_artefacts_removed(docs: dict) -> None:
    joined = "\n".join(d.text for d in docs.values())
    for junk in (
        "(yè)",
        "(zhàn)",
        "相关推荐",
        "上一篇",
        "打赏",
        "免責聲明",
        "![",
        "https://",
        "发表回复",
        "您的邮箱地址",
        "title:",
        "**",
        "火星财经的头像",
    ):
        assert junk not in joined, junk
    assert "\n\n\n" not in joined


def test_article_bodies_stay_complete(docs: dict) -> None:
    # last body sentences of each article survive cleaning
    assert "而民营银行与互联网银行则可能利用DeepSeek的技术优势" in docs["000_c4a4f23599adab00"].text
    assert "降低人為操作失誤率" in docs["001_52125b8569c8db8d"].text
    assert "是金融业人工智能技术运用方面应严肃面对的重大问题" in docs["002_7c08d024b419e123"].text
    assert "金融智能化进度会大大加快" in docs["003_6821db6e00fcbe24"].text
    assert "為客戶提供更加優質、高效、安全的金融服務" in docs["004_967d3e782a009d5f"].text
    # a sentence with a garbled run keeps its facts
    assert "咨詢解決率從70%提升至85%" in docs["004_967d3e782a009d5f"].text
    assert "2月末報道" in docs["001_52125b8569c8db8d"].text


def test_markdown_front_matter_becomes_metadata(tmp_path: Path) -> None:
    f = tmp_path / "note.md"
    f.write_text(
        '---\ntitle: "测试标题"\ndate: "2025-03-01"\nsource: "内部"\n---\n\n'
        "![img](http://x/y.png)\n**小标题**正文第一句。正文第二句(AI)。\n\n[qq](https://q.com/a)\n",
        encoding="utf-8",
    )
    doc = load_document(f)
    assert (doc.title, doc.date, doc.source) == ("测试标题", "2025-03-01", "内部")
    assert doc.text == "小标题\n正文第一句。正文第二句(AI)。"


def test_html_visible_text_only(tmp_path: Path) -> None:
    f = tmp_path / "page.html"
    f.write_text(
        "<html><head><title>网页标题</title><script>var x=1;</script></head><body>"
        "<nav>首页 | 新闻</nav><p>第一段正文内容，足够长的一句话。</p><p>第二段&amp;内容。</p>"
        "<footer>版权所有</footer></body></html>",
        encoding="utf-8",
    )
    doc = load_document(f)
    assert doc.title == "网页标题"
    assert doc.text == "第一段正文内容，足够长的一句话。\n\n第二段&内容。"


def test_gb18030_text_is_decoded(tmp_path: Path) -> None:
    f = tmp_path / "gbk.txt"
    f.write_bytes("国有银行加速部署大模型，这是一段足够长的正文。".encode("gb18030"))
    assert "国有银行" in load_document(f).text


def test_related_list_and_navigation_cut() -> None:
    text = "正文第一段。\n上一篇 2025年3月10日\n相关推荐\n另一篇文章的摘要。"
    assert clean_text(text) == "正文第一段。"


def test_unreadable_files_are_skipped_with_a_warning(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    (tmp_path / "good.txt").write_text("这是一篇可以读取的正常文章，内容足够长。", encoding="utf-8")
    (tmp_path / "binary.txt").write_bytes(b"\x00\x01\x02binary")
    (tmp_path / "empty.md").write_text("", encoding="utf-8")
    (tmp_path / "ignored.pdf").write_bytes(b"%PDF-1.4")
    with caplog.at_level(logging.WARNING):
        docs = load_corpus(tmp_path)
    assert [d.doc_id for d in docs] == ["good"]
    assert "binary.txt" in caplog.text and "empty.md" in caplog.text


def test_missing_corpus_folder_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(CorpusError, match="does not exist"):
        load_corpus(tmp_path / "nope")


def test_fold_of_cleaned_seed_finds_simplified_phrase(docs: dict) -> None:
    assert "江苏银行将deepseek率先应用于" in fold(docs["004_967d3e782a009d5f"].text)
