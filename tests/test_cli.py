import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from rag.settings import Settings


def run_cli(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "rag.cli", *args],
        capture_output=True,
        text=True,
        env={**os.environ, **(env or {})},
        timeout=600,
    )


def test_empty_question_is_one_line_and_exit_2() -> None:
    out = run_cli("ask", "   ")
    assert out.returncode == 2
    assert out.stderr.strip() == "error: the question is empty: type a question about the documents"


def test_a_question_in_bytes_that_are_not_utf8_is_one_line() -> None:
    # found by scripts/bad_inputs.py: the surrogates of undecodable argv bytes crashed a converter
    out = run_cli("ask", b"\xff\xfe".decode("utf-8", "surrogateescape"))
    assert out.returncode == 2 and "Traceback" not in out.stderr
    assert "not text (UTF-8)" in out.stderr


def test_missing_corpus_is_one_line(tmp_path: Path) -> None:
    out = run_cli("index", "--corpus", str(tmp_path / "nope"), "--index", str(tmp_path / "idx"))
    assert out.returncode == 2 and "does not exist" in out.stderr and "Traceback" not in out.stderr


@pytest.mark.slow
def test_index_then_ask_json_with_the_fast_model(seed_settings: Settings, fast_model_path: Path) -> None:
    env = {"RAG_CORPUS_DIR": str(seed_settings.corpus_dir), "RAG_INDEX_DIR": str(seed_settings.index_dir)}
    out = run_cli("index", env=env)
    assert out.returncode == 0 and "5 documents" in out.stdout
    out = run_cli(
        "ask", "苏商银行欺诈风险标签准确率提升了多少？", "--json", "--model", str(fast_model_path), env=env
    )
    assert out.returncode == 0, out.stderr
    answer = json.loads(out.stdout)
    assert set(answer) >= {"text", "citations", "abstained", "timings"}
    assert answer["citations"] and all("doc_id" in c for c in answer["citations"])


def test_add_docs_and_remove_keep_the_index_in_step(tmp_path: Path) -> None:
    corpus, upload = tmp_path / "corpus", tmp_path / "up"
    corpus.mkdir()
    upload.mkdir()
    (corpus / "a.txt").write_text("滨江马拉松男子组冠军成绩为2小时8分。", encoding="utf-8")
    (upload / "价目表.csv").write_text("项目,价格\n年卡,300元\n", encoding="utf-8")
    env = {"RAG_CORPUS_DIR": str(corpus), "RAG_INDEX_DIR": str(tmp_path / "index")}
    out = run_cli("add", str(upload / "价目表.csv"), env=env)
    assert out.returncode == 0, out.stderr
    assert "added 价目表.csv" in out.stdout and "2 documents" in out.stdout
    out = run_cli("docs", env=env)
    assert "价目表.csv\t.csv" in out.stdout and "a.txt\t.txt" in out.stdout
    out = run_cli("docs", "价目表.csv", env=env)
    assert "[价目表.csv#000] 价目表 第1–2行" in out.stdout and "项目: 年卡；价格: 300元" in out.stdout
    out = run_cli("remove", "a.txt", env=env)
    assert out.returncode == 0 and "1 documents" in out.stdout, out.stdout
    assert [p.name for p in (corpus / ".removed").rglob("*.txt")] == ["a.txt"]
    out = run_cli("remove", "a.txt", env=env)
    assert out.returncode == 2 and "no document a.txt" in out.stderr


def test_index_no_wait_fails_clearly_while_another_build_holds_the_lock(tmp_path: Path) -> None:
    from rag.checkpoint import writer_lock

    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "a.txt").write_text("一段文字。", encoding="utf-8")
    with writer_lock(tmp_path / "idx"):
        out = run_cli("index", "--corpus", str(corpus), "--index", str(tmp_path / "idx"), "--no-wait")
    assert out.returncode != 0 and "Traceback" not in out.stderr
    assert f"another process (pid {os.getpid()}) is building the index" in out.stderr


def test_serve_auth_must_be_user_colon_password() -> None:
    out = run_cli("serve", "--auth", "alice")
    assert out.returncode == 2 and "Traceback" not in out.stderr
    assert "--auth takes USER:PASSWORD" in out.stderr


def test_an_unusable_index_folder_is_one_clear_line(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "a.txt").write_text("一段文字。", encoding="utf-8")
    (tmp_path / "taken").write_text("a file where the index folder should be", encoding="utf-8")
    out = run_cli("index", "--corpus", str(corpus), "--index", str(tmp_path / "taken" / "index"))
    assert out.returncode == 2 and "Traceback" not in out.stderr  # was a traceback (an OSError)
    assert "cannot write the index in" in out.stderr and "RAG_INDEX_DIR" in out.stderr
