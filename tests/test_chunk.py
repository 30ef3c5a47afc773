import itertools
from pathlib import Path

from rag.chunk import chunk_document
from rag.ingest import load_corpus
from rag.lexicon import Lexicon
from rag.normalize import SENTENCE_END

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
        assert overlapping >= len(chunks) // 3  # within paragraphs, neighbours share a sentence
        assert not doc.text[chunks[-1].end :].strip()


def test_chunk_ids_are_stable() -> None:
    doc = load_corpus(SEEDS)[0]
    first = [c.chunk_id for c in chunk_document(doc)]
    assert first == [c.chunk_id for c in chunk_document(doc)]
    assert first[0] == f"{doc.doc_id}#000"


def test_a_chunk_without_a_named_organisation_carries_the_last_one_named() -> None:
    docs = load_corpus(SEEDS)
    lexicon = Lexicon.from_texts(d.text for d in docs)
    doc = next(d for d in docs if d.doc_id.startswith("004"))
    chunk = next(
        c
        for c in chunk_document(doc, lexicon=lexicon)
        if c.text.startswith("智能客服接通率") or ("接通率" in c.text and "上海銀行" not in c.text)
    )
    assert chunk.subject == "上海银行"
