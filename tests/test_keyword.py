"""Keyword search of the FAISS store: BM25 scored from the saved postings in one pass must rank
and score exactly as bm25s's own retrieval does, and read back from disk the same."""

from __future__ import annotations

import json
import random
from collections.abc import Callable
from pathlib import Path
from typing import Any

import bm25s
import numpy as np
import pytest

from rag.stores.faiss import FaissStore
from rag.stores.postings import FILES, Postings


def _reference(docs: list[list[str]]) -> Any:
    bm25 = bm25s.BM25(k1=1.2, b=0.75)
    bm25.index(docs, show_progress=False)
    return bm25


def _corpus(n: int, seed: int) -> tuple[list[str], list[list[str]]]:
    rng = random.Random(seed)
    # Chinese words, English words and figures, some common and some rare
    vocab = [f"词{i}" for i in range(400)] + [f"word{i}" for i in range(400)] + [str(i) for i in range(200)]
    docs = [
        [rng.choice(vocab[: rng.choice([30, 200, 1000])]) for _ in range(rng.randint(1, 40))]
        for _ in range(n)
    ]
    return vocab, docs


def test_keyword_scores_and_ranks_as_bm25s_does() -> None:
    vocab, docs = _corpus(3000, seed=7)
    vids = [10_000 + 3 * i for i in range(len(docs))]  # ids that are not row numbers
    store = FaissStore(None, vids, Postings.build(docs))
    reference = _reference(docs)
    rng = random.Random(8)
    for _ in range(200):
        # half the questions of common words only: then there are more postings than chunks
        words = vocab[:30] if rng.random() < 0.5 else vocab
        query = [rng.choice(words) for _ in range(rng.randint(1, 8))]
        ours = store.keyword(" ".join(query), 20)
        rows, scores = reference.retrieve([query], k=20, show_progress=False)
        ref = [(vids[int(r)], float(s)) for r, s in zip(rows[0], scores[0], strict=True) if s > 0]
        assert len(ours) == len(ref)
        assert [s for _, s in ours] == sorted((s for _, s in ours), reverse=True)
        for (_, mine), (_, theirs) in zip(ours, sorted(ref, key=lambda h: -h[1]), strict=True):
            assert abs(mine - theirs) < 1e-4
        theirs = dict(ref)
        cut = min(theirs.values(), default=0.0)
        # the same chunks, except that ties at the cut may be broken otherwise
        assert all(vid in theirs or abs(score - cut) < 1e-4 for vid, score in ours)


def test_keyword_finds_nothing_for_unknown_or_empty_words() -> None:
    _, docs = _corpus(200, seed=1)
    store = FaissStore(None, list(range(len(docs))), Postings.build(docs))
    assert store.keyword("不在词表 absent", 5) == []
    assert store.keyword("   ", 5) == []
    assert FaissStore(None, [], Postings.build([])).keyword("词1", 5) == []


def test_a_repeated_word_counts_each_time_as_in_bm25s() -> None:
    _, docs = _corpus(500, seed=3)
    store = FaissStore(None, list(range(len(docs))), Postings.build(docs))
    once = dict(store.keyword("词3 词7", 500))
    twice = dict(store.keyword("词3 词3 词7", 500))
    rows, scores = _reference(docs).retrieve([["词3", "词3", "词7"]], k=500, show_progress=False)
    ref = {int(r): float(s) for r, s in zip(rows[0], scores[0], strict=True) if s > 0}
    assert twice.keys() == ref.keys() and all(abs(twice[v] - ref[v]) < 1e-4 for v in ref)
    assert any(twice[v] > once[v] for v in once)


def test_postings_read_back_from_disk_search_as_built(tmp_path: Path) -> None:
    vocab, docs = _corpus(1000, seed=5)
    built = Postings.build(docs)
    built.save(tmp_path)
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(FILES)
    loaded = Postings.load(tmp_path)
    assert isinstance(loaded.rows, np.memmap)  # mapped, not read whole
    rng = random.Random(6)
    for _ in range(50):
        words = [rng.choice(vocab) for _ in range(rng.randint(1, 6))]
        assert loaded.search(words, 10) == built.search(words, 10)
    assert loaded.search(["词1"], 10)  # not vacuous: common words are found


def _pointer_beyond(folder: Path) -> None:
    pointers = np.load(folder / FILES[1])
    pointers[-1] += 1
    np.save(folder / FILES[1], pointers)


def _cut_scores(folder: Path) -> None:
    np.save(folder / FILES[3], np.load(folder / FILES[3])[:-1])


def _word_beyond(folder: Path) -> None:
    head = json.loads((folder / FILES[0]).read_text(encoding="utf-8"))
    head["vocab"]["新词"] = len(head["vocab"]) + 5
    (folder / FILES[0]).write_text(json.dumps(head), encoding="utf-8")


@pytest.mark.parametrize("damage", [_pointer_beyond, _cut_scores, _word_beyond])
def test_inconsistent_postings_are_refused(tmp_path: Path, damage: Callable[[Path], None]) -> None:
    _, docs = _corpus(100, seed=2)
    Postings.build(docs).save(tmp_path)
    Postings.load(tmp_path)  # whole, it loads
    damage(tmp_path)
    with pytest.raises(ValueError, match="inconsistent"):
        Postings.load(tmp_path)
