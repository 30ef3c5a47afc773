import os
from pathlib import Path

import pytest

from rag.cli import main
from rag.settings import PROJECT_ROOT, Settings


def test_defaults() -> None:
    s = Settings()
    assert s.corpus_dir == PROJECT_ROOT / "seeds"
    assert s.index_dir == PROJECT_ROOT / "index"
    assert s.threads == os.cpu_count()
    assert (s.host, s.port) == ("127.0.0.1", 7860)
    assert s.model_path is None


def test_environment_overrides(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("RAG_TOP_K", "7")
    monkeypatch.setenv("RAG_CORPUS_DIR", str(tmp_path))
    monkeypatch.setenv("RAG_MODEL_PATH", "")
    s = Settings()
    assert (s.top_k, s.corpus_dir, s.model_path) == (7, tmp_path, None)


def test_bad_setting_is_one_clear_line(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("RAG_PORT", "not-a-port")
    assert main(["ask", "问题"]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("error: setting 'port' is invalid") and "\n" not in err


def test_readme_lists_every_setting() -> None:
    readme = (PROJECT_ROOT / "README.md").read_text(encoding="utf-8")
    for name in Settings.model_fields:
        assert f"RAG_{name.upper()}" in readme, name


def test_an_unknown_chat_template_names_the_ones_there_are(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from rag.generators.templates import templates

    monkeypatch.setenv("RAG_LLM_TEMPLATE", "vicuna")
    assert main(["ask", "问题"]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("error: setting 'llm_template' is invalid") and "'vicuna'" in err
    assert all(name in err for name in templates()) and "\n" not in err


def test_a_chat_template_writes_the_conversation_and_opens_the_reply() -> None:
    from rag.generators.templates import template

    prompt = template("chatml").render(
        [{"role": "system", "content": "只根据资料回答。"}, {"role": "user", "content": "问题？"}]
    )
    assert prompt == (
        "<|im_start|>system\n只根据资料回答。<|im_end|>\n<|im_start|>user\n问题？<|im_end|>\n"
        "<|im_start|>assistant\n"
    )
    assert template("llama3").render([{"role": "user", "content": "Q?"}]).startswith("<|begin_of_text|>")
