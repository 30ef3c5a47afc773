"""A corpus of real PDF and Excel files, indexed with the real embedder: answers cite the page
of the PDF and the sheet and row of the workbook, in the Answer and in the UI's source cards."""

import glob
from pathlib import Path

import pytest

from rag.confidence import load_calibration
from rag.embed import E5Embedder
from rag.generators.llama import LlamaGenerator
from rag.pipeline import Pipeline
from rag.settings import Settings
from rag.ui import sources_html
from tests.fakes import ScriptedGenerator

CJK_FONTS = sorted(glob.glob("/usr/share/fonts/**/NotoSansCJK-Regular.tt*", recursive=True))


def _write_corpus(root: Path) -> None:
    from fpdf import FPDF
    from openpyxl import Workbook

    root.mkdir()
    pdf = FPDF()
    font = "Helvetica"
    if CJK_FONTS:
        pdf.add_font("cjk", fname=CJK_FONTS[0])
        font = "cjk"
    pages = (
        ["AX3000 router manual. Chapter 1: installation. Place the router in the open."],
        ["Chapter 5: reset. Hold the reset button for 10 seconds until the light blinks."],
    )
    if CJK_FONTS:
        pages = (
            ["AX3000路由器说明书。第一章 安装：请把路由器放在开阔的位置。"],
            ["第五章 恢复出厂设置：按住复位键10秒，直到指示灯闪烁。"],
        )
    for lines in pages:
        pdf.add_page()
        pdf.set_font(font, size=12)
        for line in lines:
            pdf.multi_cell(0, 8, line, new_x="LMARGIN", new_y="NEXT")
    pdf.output(str(root / "manual.pdf"))

    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "收费标准"
    sheet.append(["项目", "价格"])
    sheet.append(["上门安装", "80元"])
    sheet.append(["延长保修一年", "150元"])
    book.save(str(root / "fees.xlsx"))


@pytest.fixture(scope="module")
def corpus_settings(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    root = tmp_path_factory.mktemp("formats")
    _write_corpus(root / "corpus")
    return Settings(corpus_dir=root / "corpus", index_dir=root / "index")


def _pipeline(settings: Settings, e5: E5Embedder, generator: object) -> Pipeline:
    calibration = load_calibration().model_copy(update={"threshold": 0.0})
    return Pipeline(settings, embedder=e5, generator=generator, calibration=calibration)  # type: ignore[arg-type]


def test_a_pdf_answer_cites_its_page(corpus_settings: Settings, e5: E5Embedder) -> None:
    question, reply = (
        ("恢复出厂设置要按住复位键多久？", "按住复位键10秒[1]。")
        if CJK_FONTS
        else ("How long must the reset button be held?", "Hold it for 10 seconds [1].")
    )
    pipeline = _pipeline(corpus_settings, e5, ScriptedGenerator(reply))
    answer = pipeline.ask(question)
    assert not answer.abstained and "10" in answer.text
    cited = [c for c in answer.citations if c.verified]
    assert cited and cited[0].doc_id == "manual.pdf" and cited[0].locator == "第2页"
    assert "第2页" in sources_html(answer.citations, pipeline, "引用来源")


def test_a_spreadsheet_answer_cites_sheet_and_row(corpus_settings: Settings, e5: E5Embedder) -> None:
    pipeline = _pipeline(corpus_settings, e5, ScriptedGenerator("延长保修一年的价格是150元[1]。"))
    answer = pipeline.ask("延长保修一年要多少钱？")
    assert not answer.abstained and "150元" in answer.text
    cited = [c for c in answer.citations if c.verified]
    assert cited and cited[0].doc_id == "fees.xlsx"
    assert cited[0].locator == "收费标准 第3行"
    assert "价格: 150元" in cited[0].text  # the cell keeps its column name


@pytest.mark.slow
@pytest.mark.skipif(not CJK_FONTS, reason="needs fonts-noto-cjk (installed by `make browser`)")
def test_the_default_model_answers_from_the_pdf_with_the_page(
    corpus_settings: Settings, e5: E5Embedder, default_generator: LlamaGenerator
) -> None:
    pipeline = Pipeline(corpus_settings, embedder=e5, generator=default_generator)
    answer = pipeline.ask("恢复出厂设置要按住复位键多久？")
    assert not answer.abstained and "10秒" in answer.text, answer
    assert any(c.verified and c.locator == "第2页" for c in answer.citations)
