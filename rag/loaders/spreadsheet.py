"""Spreadsheets: .xlsx through openpyxl and .csv. Each row becomes one line that names its
columns ("姓名: 张三；部门: 财务部"), so that a cell keeps its meaning in any chunk, and each
line knows its sheet and row for the citation."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable

from ..errors import CorpusError
from . import Block, Extracted
from .text import decode


def _rows_to_blocks(rows: Iterable[list[str]], sheet: str) -> list[Block]:
    blocks: list[Block] = []
    header: list[str] | None = None
    for no, row in enumerate(rows, 1):
        cells = [c.strip() for c in row]
        if not any(cells):
            continue
        if header is None:
            header = [c or f"列{i + 1}" for i, c in enumerate(cells)]
            blocks.append(Block(" | ".join(header), "header", where=f"{sheet} 第{no}行"))
            continue
        pairs = [f"{header[i] if i < len(header) else f'列{i + 1}'}: {v}" for i, v in enumerate(cells) if v]
        blocks.append(Block("；".join(pairs), "row", where=f"{sheet} 第{no}行"))
    return blocks


def _cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


class XlsxLoader:
    suffixes: tuple[str, ...] = (".xlsx", ".xlsm")

    def load(self, raw: bytes, name: str) -> Extracted:
        from openpyxl import load_workbook

        try:
            book = load_workbook(io.BytesIO(raw), read_only=True, data_only=True)
        except Exception as exc:  # openpyxl raises many kinds for a broken file
            raise CorpusError(
                f"{name} is not a readable .xlsx workbook ({exc}): save it again from Excel",
                zh=f"{name} 不是可读的 .xlsx 工作簿：请用 Excel 重新保存后再添加。",
            ) from exc
        blocks: list[Block] = []
        for sheet in book.worksheets:
            rows = ([_cell(v) for v in row] for row in sheet.iter_rows(values_only=True))
            sheet_blocks = _rows_to_blocks(rows, sheet.title)
            if sheet_blocks:
                blocks.append(Block(sheet.title, "heading", 1))
                blocks += sheet_blocks
        book.close()
        return Extracted(blocks)


class CsvLoader:
    suffixes: tuple[str, ...] = (".csv", ".tsv")

    def load(self, raw: bytes, name: str) -> Extracted:
        text = decode(raw, name)
        delimiter = "\t" if name.lower().endswith(".tsv") else ","
        try:
            sample = text[:4096]
            if not name.lower().endswith(".tsv"):
                delimiter = csv.Sniffer().sniff(sample, delimiters=",;\t|").delimiter
        except csv.Error:
            pass
        rows = csv.reader(io.StringIO(text), delimiter=delimiter)
        stem = name.rsplit("/", 1)[-1].rsplit(".", 1)[0]
        return Extracted(_rows_to_blocks(rows, stem))
