"""Ingestion throughput per format: documents and characters per second through
``load_document`` (extract, clean, assemble) and through ``chunk_document``.

The files are generated here (the same text written as TXT, Markdown, HTML, PDF, DOCX, XLSX and
CSV), so every format carries the same characters. The reference, measured in the same run, is
reading the TXT files' bytes and decoding them: the floor any loader stands on.

    .venv/bin/python scripts/bench_ingest.py [--docs 40]
"""

from __future__ import annotations

import argparse
import glob
import random
import tempfile
import time
from pathlib import Path

from rag.chunk import chunk_document
from rag.ingest import load_document


def paragraphs(seed: int) -> list[str]:
    rng = random.Random(seed)
    places = ["临江", "北湖", "南岭", "东屿", "西川"]
    return [
        f"{rng.choice(places)}市第{rng.randint(1, 30)}次工作会议"
        f"于{rng.randint(1, 12)}月{rng.randint(1, 28)}日召开，"
        f"会议通报了{rng.randint(2, 99)}个重点项目的进展，总投资{rng.randint(1, 900)}亿元，"
        f"其中{rng.randint(1, 60)}个项目已经开工，预计年内完成投资{rng.randint(1, 300)}亿元。"
        for _ in range(12)
    ]


def write_all(root: Path, n: int) -> dict[str, list[Path]]:
    import docx
    from fpdf import FPDF
    from openpyxl import Workbook

    fonts = sorted(glob.glob("/usr/share/fonts/**/NotoSansCJK-Regular.tt*", recursive=True))
    out: dict[str, list[Path]] = {k: [] for k in (".txt", ".md", ".html", ".docx", ".xlsx", ".csv")}
    if fonts:
        out[".pdf"] = []
    for i in range(n):
        paras = paragraphs(i)
        p = root / f"{i:04d}.txt"
        p.write_text("\n\n".join(paras), encoding="utf-8")
        out[".txt"].append(p)
        p = root / f"{i:04d}.md"
        p.write_text("# 会议纪要\n\n" + "\n\n".join(paras), encoding="utf-8")
        out[".md"].append(p)
        p = root / f"{i:04d}.html"
        p.write_text(
            "<html><body><h1>会议纪要</h1>" + "".join(f"<p>{x}</p>" for x in paras) + "</body></html>",
            encoding="utf-8",
        )
        out[".html"].append(p)
        d = docx.Document()
        d.add_heading("会议纪要", level=1)
        for x in paras:
            d.add_paragraph(x)
        p = root / f"{i:04d}.docx"
        d.save(str(p))
        out[".docx"].append(p)
        book = Workbook()
        sheet = book.active
        assert sheet is not None
        sheet.append(["序号", "内容"])
        for j, x in enumerate(paras, 1):
            sheet.append([j, x])
        p = root / f"{i:04d}.xlsx"
        book.save(str(p))
        out[".xlsx"].append(p)
        p = root / f"{i:04d}.csv"
        p.write_text("序号,内容\n" + "\n".join(f"{j},{x}" for j, x in enumerate(paras, 1)), encoding="utf-8")
        out[".csv"].append(p)
        if fonts:
            pdf = FPDF()
            pdf.add_font("cjk", fname=fonts[0])
            pdf.add_page()
            pdf.set_font("cjk", size=11)
            for x in paras:
                pdf.multi_cell(0, 7, x, new_x="LMARGIN", new_y="NEXT")
            p = root / f"{i:04d}.pdf"
            pdf.output(str(p))
            out[".pdf"].append(p)
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--docs", type=int, default=40, help="documents per format")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        files = write_all(Path(tmp), args.docs)
        t = time.perf_counter()
        chars = sum(len(p.read_bytes().decode("utf-8")) for p in files[".txt"])
        floor = time.perf_counter() - t
        print(f"{args.docs} documents per format, {chars / args.docs:.0f} characters each")
        rate = f"{args.docs / floor:,.0f} docs/s, {chars / floor:,.0f} chars/s"
        print(f"reference (read + decode the .txt bytes): {rate}")
        chunk_document(load_document(files[".txt"][0]))  # load jieba's tagger outside the timing
        print(f"{'format':<7} {'docs/s':>9} {'chars/s':>11} {'+chunk docs/s':>14}")
        for suffix, paths in files.items():
            t = time.perf_counter()
            docs = [load_document(p) for p in paths]
            load_s = time.perf_counter() - t
            t = time.perf_counter()
            for d in docs:
                chunk_document(d)
            chunk_s = time.perf_counter() - t
            kept = sum(d.chars_kept for d in docs)
            print(
                f"{suffix:<7} {len(docs) / load_s:>9,.1f} {kept / load_s:>11,.0f} "
                f"{len(docs) / (load_s + chunk_s):>14,.1f}"
            )
        if ".pdf" not in files:
            print("(.pdf skipped: no CJK font to write the test PDFs; install fonts-noto-cjk)")


if __name__ == "__main__":
    main()
