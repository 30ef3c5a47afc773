import threading
from pathlib import Path
from typing import Any

import pytest

from rag.errors import ConfigError, InputError
from rag.library import add_documents, remove_documents
from rag.library import safe_name as _safe_name
from rag.pipeline import Pipeline
from rag.settings import PROJECT_ROOT, Settings
from rag.ui import _history, examples, launch_kwargs, message_text, pumped, serve
from tests.ports import free_port

ARTIFACTS = PROJECT_ROOT / "test-artifacts"


def test_upload_names_are_made_safe() -> None:
    assert _safe_name("../../etc/passwd.txt") == "passwd.txt"
    assert _safe_name("..\\..\\win\\报告 2025 (终).md") == "报告_2025_终.md"
    for bad in ("run.sh", "photo.PNG", "noext", "..."):
        with pytest.raises(InputError):
            _safe_name(bad)


def test_uploads_never_overwrite_and_bad_files_write_nothing(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "a.txt").write_text("原有的文件内容，这是一句足够长的正文句子。", encoding="utf-8")
    up = tmp_path / "up"
    up.mkdir()
    (up / "a.txt").write_text("新上传的文件内容，这是一句足够长的正文句子。", encoding="utf-8")
    (up / "big.md").write_text("很长" * 100, encoding="utf-8")
    s = Settings(corpus_dir=corpus, index_dir=tmp_path / "index", max_upload_bytes=150)
    assert add_documents([up / "a.txt"], s) == ["a-1.txt"]
    assert (corpus / "a.txt").read_text(encoding="utf-8").startswith("原有")
    with pytest.raises(InputError, match="limit") as too_big:
        add_documents([up / "big.md"], s)
    assert "超过了" in too_big.value.user_message()
    (up / "bin.txt").write_bytes(b"\x00\x01binary")
    with pytest.raises(InputError, match="binary") as binary:
        add_documents([up / "a.txt", up / "bin.txt"], s)
    assert binary.value.user_message() == "bin.txt 看起来是二进制文件而不是文本：请提供原始文档。"
    assert sorted(p.name for p in corpus.iterdir()) == ["a-1.txt", "a.txt"]


def test_removed_documents_are_moved_aside_not_deleted(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    (corpus / "sub").mkdir(parents=True)
    (corpus / "a.txt").write_text("第一篇。", encoding="utf-8")
    (corpus / "sub" / "b.md").write_text("第二篇。", encoding="utf-8")
    s = Settings(corpus_dir=corpus, index_dir=tmp_path / "index")
    with pytest.raises(InputError, match=r"no document nope\.txt"):
        remove_documents(["sub/b.md", "nope.txt"], s)
    assert (corpus / "sub" / "b.md").exists()  # nothing moved when one id is unknown
    [where] = remove_documents(["sub/b.md"], s)
    assert not (corpus / "sub" / "b.md").exists() and Path(where).read_text(encoding="utf-8") == "第二篇。"
    from rag.library import document_ids

    assert document_ids(s) == ["a.txt"]


def test_examples_come_from_the_corpus(tmp_path: Path) -> None:
    s = Settings(corpus_dir=tmp_path, index_dir=tmp_path / "index")
    assert examples(s) == []
    (tmp_path / ".examples.txt").write_text("# 注释\n问题一？\n\n问题二？\n", encoding="utf-8")
    assert examples(s) == ["问题一？", "问题二？"]


def test_binding_beyond_loopback_requires_a_login() -> None:
    assert "auth" not in launch_kwargs(Settings(host="127.0.0.1"))
    with pytest.raises(ConfigError, match="RAG_AUTH_USER"):
        launch_kwargs(Settings(host="0.0.0.0"))
    with pytest.raises(ConfigError, match="RAG_REQUIRE_AUTH is set"):
        launch_kwargs(Settings(host="127.0.0.1", require_auth=True))
    kwargs = launch_kwargs(Settings(host="0.0.0.0", auth_user="u", auth_password="p"))
    assert kwargs["auth"] == [("u", "p")]
    with pytest.raises(ConfigError, match="go together"):
        launch_kwargs(Settings(host="127.0.0.1", auth_user="u"))


def test_logins_come_from_a_file_too_and_a_bad_line_is_named(tmp_path: Path) -> None:
    logins = tmp_path / "logins"
    logins.write_text("# team\nalice:s3cret:with:colons\n\nbob:pw\n", encoding="utf-8")
    kwargs = launch_kwargs(Settings(host="0.0.0.0", auth_file=logins))
    assert kwargs["auth"] == [("alice", "s3cret:with:colons"), ("bob", "pw")]
    logins.write_text("alice:pw\njust-a-name\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="line 2 is not 'user:password'"):
        launch_kwargs(Settings(host="0.0.0.0", auth_file=logins))
    with pytest.raises(ConfigError, match="cannot read the login file"):
        launch_kwargs(Settings(auth_file=tmp_path / "missing"))


@pytest.mark.slow
def test_a_served_ui_with_a_login_refuses_clients_without_it(seed_pipeline: Pipeline) -> None:
    from gradio_client import Client

    settings = seed_pipeline.settings.model_copy(
        update={"port": free_port(), "auth_user": "alice", "auth_password": "pw"}
    )
    pipeline = Pipeline(settings, embedder=seed_pipeline.embedder, generator=seed_pipeline.generator)
    pipeline._index = seed_pipeline.index
    app = serve(settings, pipeline, block=False)
    url = f"http://127.0.0.1:{settings.port}/"
    try:
        # broken once on purpose (logins used only beyond loopback): this client got in
        with pytest.raises(Exception):  # noqa: B017 - gradio_client raises its own kinds
            Client(url, verbose=False)
        client = Client(url, auth=("alice", "pw"), verbose=False)
        assert "000_c4a4f23599adab00.txt" in client.predict("000_c4a4f23599adab00.txt", api_name="/document")
    finally:
        app.close()


@pytest.fixture(scope="module")
def server(seed_pipeline: Pipeline) -> Any:
    settings = seed_pipeline.settings.model_copy(update={"port": free_port()})
    pipeline = Pipeline(settings, embedder=seed_pipeline.embedder, generator=seed_pipeline.generator)
    pipeline._index = seed_pipeline.index
    app = serve(settings, pipeline, block=False)
    yield f"http://127.0.0.1:{settings.port}/"
    app.close()


def _ask_raw(url: str, question: str, chat: list[Any] | None = None) -> tuple[list[Any], str]:
    from gradio_client import Client

    chat, sources, _ = Client(url, verbose=False).predict(question, chat or [], api_name="/ask")
    return chat, sources


def _ask(url: str, question: str) -> tuple[list[dict[str, Any]], str]:
    chat, sources = _ask_raw(url, question)
    return [{"role": m["role"], "content": message_text(m["content"])} for m in chat], sources


def test_a_waiting_answer_keeps_yielding_and_closing_it_signals_stop() -> None:
    release = threading.Event()

    def slow() -> Any:
        yield "passages"
        release.wait(10)  # the model reading a long prompt
        yield "text"

    stop = threading.Event()
    events = pumped(slow(), stop, every=0.05)
    assert next(events) == "passages"
    # a heartbeat while the source is busy: the server gets a chance to see that a client left
    # (broken once on purpose by reading the source directly: next() waited the whole 10 s)
    assert next(events) is None
    events.close()  # what the server does with the handler of a client that left
    assert stop.is_set()
    release.set()

    def failing() -> Any:
        yield "passages"
        raise InputError("bad", zh="坏")

    events = pumped(failing(), threading.Event())
    assert next(events) == "passages"
    with pytest.raises(InputError):
        list(events)


def test_history_reads_both_message_formats() -> None:
    chat = [
        {"role": "user", "content": "江苏银行用了哪些模型？"},
        {"role": "assistant", "content": [{"type": "text", "text": "VL2和R1<a href='#src-1'>[1]</a>"}]},
    ]
    assert _history(chat) == [("江苏银行用了哪些模型？", "VL2和R1[1]")]


@pytest.mark.slow
def test_api_client_gets_an_answer_with_citations_and_sources(server: str) -> None:
    chat, sources = _ask(server, "江苏银行部署DeepSeek后每天节约多少工作量？")
    answer = chat[-1]["content"]
    assert chat[-1]["role"] == "assistant" and "9.68" in answer and 'href="#src-' in answer
    assert "src-" in sources and "已核实" in sources and "9.68" in sources


@pytest.mark.slow
def test_concurrent_clients_each_get_their_own_answer(server: str) -> None:
    questions = {
        "苏商银行欺诈风险标签准确率提升了多少？": "35%",
        "苏商银行尽调报告生成效率提升了多少？": "40%",
        "华夏银行营销转化率提升了多少？": "30%",
        "上海银行智能客服接通率提升到了多少？": "95%",
    }
    results: dict[str, str] = {}
    errors: list[BaseException] = []

    def worker(q: str) -> None:
        try:
            chat, _ = _ask(server, q)
            results[q] = str(chat[-1]["content"])
        except BaseException as exc:  # reported below
            errors.append(exc)

    threads = [threading.Thread(target=worker, args=(q,)) for q in questions]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=300)
    assert not errors and len(results) == len(questions)
    answered = 0
    for q, fact in questions.items():
        # each client gets the answer to its own question (or, where the confidence is too low,
        # the abstention): never another client's figure
        assert fact in results[q] or "资料中没有找到" in results[q], (q, results[q])
        answered += fact in results[q]
        others = [f for f in questions.values() if f != fact]
        assert not any(o in results[q] for o in others if o not in fact), (q, results[q])
    assert answered >= 2, results


@pytest.mark.slow
def test_bad_request_shows_an_error_and_the_server_keeps_serving(server: str) -> None:
    chat, _ = _ask(server, "   ")
    assert "问题是空的" in chat[-1]["content"]  # the Chinese UI speaks Chinese
    chat, _ = _ask(server, "苏商银行欺诈风险标签准确率提升了多少？")
    assert "35%" in chat[-1]["content"]
    # a follow-up over the API: the conversation is passed back as the last call returned it
    raw, _ = _ask_raw(server, "苏商银行欺诈风险标签准确率提升了多少？")
    raw, _ = _ask_raw(server, "尽调报告生成效率呢？", raw)
    assert len(raw) == 4 and "40%" in message_text(raw[-1]["content"])
    # a conversation that is not one: a message in Chinese, not Gradio's "raised an exception"
    with pytest.raises(Exception, match="对话记录的格式不对"):
        _ask_raw(server, "苏商银行做了什么？", [{"role": "user", "content": 5}])
    chat, _ = _ask(server, "苏商银行欺诈风险标签准确率提升了多少？")
    assert "35%" in chat[-1]["content"]


@pytest.mark.slow
@pytest.mark.browser
def test_browser_asks_and_sees_streamed_answer_and_sources(server: str) -> None:
    from playwright.sync_api import sync_playwright

    ARTIFACTS.mkdir(exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path="/usr/bin/chromium",
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--no-first-run",
                "--disable-sync",
                "--disable-quic",
            ],
        )
        page = browser.new_page(viewport={"width": 1366, "height": 860})
        page.goto(server, wait_until="networkidle")
        box = page.get_by_placeholder("输入问题，按回车发送")
        box.fill("江苏银行部署DeepSeek后每天节约多少工作量？")
        box.press("Enter")
        page.wait_for_selector(".src", timeout=120_000)  # sources appear once retrieval is done
        page.wait_for_selector("a.cite", timeout=180_000)  # the verified answer with linked markers
        answer_html = page.locator("a.cite").last.locator("xpath=..").inner_html()
        assert "9.68" in answer_html  # the verified answer itself, not just a source card
        assert "9.68" in page.content()
        assert "已核实" in page.locator("#src-1, .src").first.inner_text() or "已核实" in page.content()
        page.screenshot(path=str(ARTIFACTS / "ui-answer.png"), full_page=True)
        page.get_by_role("tab", name="资料库").click()
        page.wait_for_selector("table")
        assert "片段数" in page.content()
        page.screenshot(path=str(ARTIFACTS / "ui-corpus.png"), full_page=True)
        browser.close()


@pytest.fixture(scope="module")
def library_server(seed_pipeline: Pipeline, tmp_path_factory: pytest.TempPathFactory) -> Any:
    """A server over a corpus of its own (documents get removed here), sharing the models."""
    import shutil

    root = tmp_path_factory.mktemp("library")
    shutil.copytree(seed_pipeline.settings.corpus_dir, root / "corpus")
    settings = seed_pipeline.settings.model_copy(
        update={"corpus_dir": root / "corpus", "index_dir": root / "index", "port": free_port()}
    )
    pipeline = Pipeline(settings, embedder=seed_pipeline.embedder, generator=seed_pipeline.generator)
    app = serve(settings, pipeline, block=False)
    yield f"http://127.0.0.1:{settings.port}/", settings
    app.close()


def _launch(p: Any) -> Any:
    return p.chromium.launch(
        executable_path="/usr/bin/chromium",
        args=["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--no-first-run"],
    )


def _source_names(page: Any, question: str) -> str:
    box = page.get_by_placeholder("输入问题，按回车发送")
    box.fill(question)
    box.press("Enter")
    page.wait_for_selector(".src", timeout=120_000)
    page.wait_for_function(
        "() => !document.body.innerText.includes('回答生成中')", timeout=180_000
    )  # the final sources, after the answer
    return " ".join(page.locator(".src .meta").all_inner_texts())


@pytest.mark.slow
@pytest.mark.browser
def test_browser_removes_a_document_and_answers_stop_citing_it(library_server: Any) -> None:
    from playwright.sync_api import sync_playwright

    url, settings = library_server
    removed = "004_967d3e782a009d5f.txt"  # the only document about this figure
    question = "上海银行智能客服接通率提升到了多少？"
    ARTIFACTS.mkdir(exist_ok=True)
    with sync_playwright() as p:
        browser = _launch(p)
        page = browser.new_page(viewport={"width": 1366, "height": 900})
        page.goto(url, wait_until="networkidle")
        assert removed in _source_names(page, question)  # before: the passage comes from it
        page.get_by_role("tab", name="资料库").click()
        picker = page.get_by_label("选择要移除的文档")
        picker.click()
        picker.fill(removed)
        page.get_by_role("option", name=removed).click()
        page.keyboard.press("Escape")
        page.get_by_role("button", name="移除所选文档并更新索引").click()
        page.wait_for_selector("text=已移除 1 篇文档", timeout=120_000)
        assert "读取 4 个文件：4 篇文档" in page.content()  # the summary in the UI's language
        assert removed not in page.locator("table").inner_text()
        page.screenshot(path=str(ARTIFACTS / "ui-removed.png"), full_page=True)
        page.get_by_role("tab", name="问答").click()
        page.get_by_role("button", name="清空对话").click()
        assert removed not in _source_names(page, question)  # at once: no passage of it is used
        browser.close()
    assert not (settings.corpus_dir / removed).exists()
    assert list((settings.corpus_dir / ".removed").rglob(removed))


@pytest.mark.slow
@pytest.mark.browser
def test_a_waiting_user_sees_their_place_in_the_queue(server: str) -> None:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path="/usr/bin/chromium", args=["--no-sandbox", "--disable-gpu", "--no-first-run"]
        )
        first, second = browser.new_page(), browser.new_page()
        for page in (first, second):
            page.goto(server, wait_until="networkidle")
        for page, question in (
            (first, "江苏银行部署DeepSeek后每天节约多少工作量？"),
            (second, "工商银行的专属授信审批风控助手叫什么？"),
        ):
            box = page.get_by_placeholder("输入问题，按回车发送")
            box.fill(question)
            box.press("Enter")
        # one model, one slot: the second user waits and is told where they stand (broken once
        # on purpose: with the ask event's concurrency limit at 4 nobody queued, and this timed out)
        second.wait_for_function(r"/queue:?\s*\d+\s*\/\s*\d+/i.test(document.body.innerText)", timeout=60_000)
        text = second.inner_text("body")
        second.screenshot(path=str(ARTIFACTS / "ui-queue.png"), full_page=True)
        second.wait_for_selector("a.cite", timeout=240_000)  # and is answered once the first is done
        browser.close()
    assert "queue" in text.lower()
