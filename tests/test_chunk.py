import itertools
from pathlib import Path

from rag.chunk import chunk_document
from rag.ingest import load_corpus
from rag.normalize import SENTENCE_END
from rag.types import Document, Section

SEEDS = Path(__file__).resolve().parent.parent / "seeds"


def test_chunks_point_into_the_cleaned_text_and_end_on_sentences() -> None:
    for doc in load_corpus(SEEDS):
        chunks = chunk_document(doc, chunk_chars=260, overlap=1)
        assert chunks
        for c in chunks:
            assert doc.text[c.start : c.end] == c.text
            assert len(c.text) <= 260
            tail = doc.text[c.end : c.end + 1]
            assert c.text[-1] in SENTENCE_END + '”"' or tail in ("", "\n") or c.text[-1] in "，,、：:"
        # together the chunks cover the document: at most whitespace between neighbours
        assert not doc.text[: chunks[0].start].strip()
        overlapping = 0
        for a, b in itertools.pairwise(chunks):
            assert b.start <= a.end or not doc.text[a.end : b.start].strip()
            overlapping += b.start < a.end
        assert overlapping >= 1  # within long paragraphs, neighbours share a sentence
        assert not doc.text[chunks[-1].end :].strip()


def test_chunk_ids_are_stable() -> None:
    doc = load_corpus(SEEDS)[0]
    first = [c.chunk_id for c in chunk_document(doc)]
    assert first == [c.chunk_id for c in chunk_document(doc)]
    assert first[0] == f"{doc.doc_id}#000" and doc.doc_id.endswith(".txt")


def test_a_chunk_without_a_named_subject_carries_the_last_one_named() -> None:
    sentences = "".join(f"第{i}项措施已经落实到各个网点。" for i in range(1, 11))
    text = f"华山医院推出了智能导诊。{sentences}\n\n挂号等待时间缩短到8分钟。"
    doc = Document(doc_id="d.txt", path="d.txt", title="", text=text, sha256="0")
    last = chunk_document(doc, chunk_chars=120)[-1]
    assert "8分钟" in last.text and "华山医院" not in last.text
    assert last.subject == "华山医院"


def test_headings_start_chunks_and_travel_with_them() -> None:
    text = "差旅办法\n第一章 住宿\n一线城市每晚600元。其他城市每晚400元。\n第二章 交通\n高铁二等座可报销。"
    doc = Document(
        doc_id="p.md",
        path="p.md",
        title="差旅办法",
        text=text,
        sha256="0",
        sections=[
            Section(start=0, level=1, title="差旅办法"),
            Section(start=text.index("第一章"), level=2, title="第一章 住宿"),
            Section(start=text.index("第二章"), level=2, title="第二章 交通"),
        ],
    )
    chunks = chunk_document(doc, chunk_chars=30)
    rail = next(c for c in chunks if "高铁" in c.text)
    assert "第二章 交通" in rail.heading and "住宿" not in rail.text
    assert "第一章 住宿" in next(c for c in chunks if "600元" in c.text).heading
