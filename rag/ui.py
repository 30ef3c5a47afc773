"""The browser chat (Gradio): streamed answers, a sources panel, and a corpus view.

An in-process model serves one answer at a time: question events share one concurrency
slot, so requests queue (each waiting user sees their place) while the page stays
responsive. With a model server (RAG_LLM_URL) up to RAG_LLM_CONCURRENCY answers run at
once. Index updates (upload, remove, update) queue in a slot of their own. Each browser
session keeps its own conversation. The question endpoint is named ``/ask`` for API clients (see the README).
"""

from __future__ import annotations

import html
import ipaddress
import logging
import queue
import re
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from .errors import ConfigError, RagError
from .ingest import SUFFIXES
from .library import add_documents, document_ids, remove_documents
from .openai_api import mount as mount_openai_api
from .pipeline import Pipeline, offline_environment
from .settings import Settings
from .types import Answer, Citation

log = logging.getLogger(__name__)

TITLE = "本地资料问答"
CSS = """
.src { border: 1px solid #16a34a; border-left: 5px solid #16a34a; border-radius: 8px; padding: 8px 10px;
       margin: 0 0 10px 0; background: #f7fef9; font-size: 15px; line-height: 1.6; }
.src.unverified { border-color: #9ca3af; border-style: dashed; border-left: 5px solid #9ca3af;
                  background: #fafafa; }
.src .head { font-weight: 600; }
.src .meta { color: #6b7280; font-size: 13px; }
.src mark { background: #fde68a; padding: 0 2px; }
.badge { font-size: 12px; border-radius: 4px; padding: 1px 6px; margin-left: 6px; }
.badge.ok { background: #dcfce7; color: #166534; } .badge.no { background: #f3f4f6; color: #4b5563; }
.abstain-note { color: #92400e; background: #fffbeb; border: 1px solid #fcd34d; border-radius: 8px;
                padding: 6px 10px; }
"""
ABSTAIN_MARK = "⚠️ "


def examples(settings: Settings) -> list[str]:
    """Example questions of the corpus: ``<corpus>/.examples.txt``, one per line, if present."""
    path = settings.corpus_dir / ".examples.txt"
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError:
        return []
    return [x.strip() for x in lines if x.strip() and not x.startswith("#")][:8]


def link_markers(text: str) -> str:
    """[n] markers become links to the matching source card."""
    return re.sub(
        r"\[(\d{1,2})\]", r'<a href="#src-\1" class="cite">[\1]</a>', html.escape(text, quote=False)
    )


def _highlight(c: Citation) -> str:
    text = c.text
    if c.span_start is None or c.span_end is None:
        return html.escape(text)
    a = max(0, c.span_start - c.start)
    b = min(len(text), c.span_end - c.start)
    if b <= a:
        return html.escape(text)
    return html.escape(text[:a]) + "<mark>" + html.escape(text[a:b]) + "</mark>" + html.escape(text[b:])


def sources_html(citations: list[Citation], pipeline: Pipeline, heading: str) -> str:
    if not citations:
        return f"<div class='meta'>{html.escape(heading)}</div>"
    docs = pipeline.index.docs
    cards = [f"<div class='meta'>{html.escape(heading)}</div>"]
    for c in citations:
        doc = docs.get(c.doc_id)
        date = f" · {html.escape(doc.date)}" if doc is not None and doc.date else ""
        where = " · ".join(html.escape(x) for x in (c.chunk.heading, c.locator) if x)
        fname = html.escape(c.doc_id) + (f" · {where}" if where else "")
        badge = (
            "<span class='badge ok'>✓ 已核实</span>" if c.verified else "<span class='badge no'>未核实</span>"
        )
        cls = "src" if c.verified else "src unverified"
        cards.append(
            f"<div class='{cls}' id='src-{c.n}'><div class='head'>[{c.n}] {html.escape(c.title)}{badge}</div>"
            f"<div class='meta'>{fname}{date}</div><div>{_highlight(c)}</div></div>"
        )
    return "\n".join(cards)


def document_html(pipeline: Pipeline, doc_id: str | None) -> str:
    """One document as indexed: its record, what cleaning removed (with reasons) and its chunks
    with their section path and locator."""
    if not doc_id:
        return "<div class='meta'>选择一篇文档查看它的片段和清洗记录。</div>"
    index = pipeline.index
    doc = index.docs.get(doc_id)
    if doc is None:
        return f"<div class='meta'>索引中没有 {html.escape(doc_id)}：请先更新索引。</div>"
    removed = (
        "".join(f"<li>{html.escape(r.reason)}：{html.escape(r.text)}</li>" for r in doc.removed[:50])
        or "<li>无</li>"
    )
    chunks = [c for c in index.chunks if c.doc_id == doc_id]
    cards = "".join(
        f"<div class='src unverified'><div class='meta'>{html.escape(c.chunk_id)}"
        f"{' · ' + html.escape(c.heading) if c.heading else ''}"
        f"{' · ' + html.escape(c.locator) if c.locator else ''}</div>{html.escape(c.text)}</div>"
        for c in chunks
    )
    return (
        f"<h4>{html.escape(doc.title)}</h4><p class='meta'>{html.escape(doc.doc_id)} · {doc.format} · "
        f"原文 {doc.chars_in} 字，保留 {doc.chars_kept} 字（{doc.kept_share:.0%}）· {len(chunks)} 个片段</p>"
        f"<details><summary>清洗时去掉的内容（{len(doc.removed)} 处）</summary><ul>{removed}</ul></details>"
        f"{cards}"
    )


def corpus_html(pipeline: Pipeline) -> str:
    """The documents of the index: id (path in the corpus folder), title, format, how much of
    the file's text cleaning kept, chunks."""
    index = pipeline.index
    m = index.manifest
    stale = (
        f"<p class='stale'>⚠ 资料文件夹自上次建索引以来有变化（{html.escape(index.stale)}），"
        "回答仍来自上次建好的索引。请点击「更新索引」。</p>"
        if index.stale
        else ""
    )
    chunks: dict[str, int] = {}
    for c in index.chunks:
        chunks[c.doc_id] = chunks.get(c.doc_id, 0) + 1
    rows = []
    for doc in sorted(index.docs.values(), key=lambda d: d.doc_id):
        kept = f"{doc.kept_share:.0%}"
        removed = "；".join(sorted({r.reason for r in doc.removed}))
        rows.append(
            f"<tr><td>{html.escape(doc.doc_id)}</td><td>{html.escape(doc.title)}</td>"
            f"<td>{html.escape(doc.format or '–')}</td><td>{html.escape(doc.date or '–')}</td>"
            f"<td style='text-align:right' title='{html.escape(removed)}'>{kept}</td>"
            f"<td style='text-align:right'>{chunks.get(doc.doc_id, 0)}</td></tr>"
        )
    return (
        f"{stale}<p>共 {len(index.docs)} 篇文档、{len(index.chunks)} 个片段；"
        f"索引构建于 {html.escape(m.built_at)}"
        f"（嵌入模型 {html.escape(m.embedder)}）。</p>"
        "<table><thead><tr><th>文档</th><th>标题</th><th>格式</th><th>日期</th>"
        "<th>保留正文</th><th>片段数</th></tr></thead><tbody>" + "".join(rows) + "</tbody></table>"
    )


def message_text(content: Any) -> str:
    """The text of a chat message: Gradio gives a string or a list of typed parts."""
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return "".join(message_text(part) for part in content)
    if isinstance(content, dict):
        return str(content.get("text") or "")
    return ""


def _history(chat: list[dict[str, Any]]) -> list[tuple[str, str]]:
    """(question, answer) pairs of a messages-format chat, answers without abstention marks."""
    pairs: list[tuple[str, str]] = []
    question: str | None = None
    for msg in chat or []:
        text = message_text(msg.get("content"))
        if msg.get("role") == "user":
            question = text
        elif msg.get("role") == "assistant" and question is not None:
            pairs.append((question, re.sub(r"<[^>]+>", "", text)))
            question = None
    return pairs


Respond = Callable[[str, list[dict[str, Any]] | None], Iterator[tuple[Any, str, str]]]


HEARTBEAT_S = 0.25  # how often a waiting answer yields, so that a client that left is noticed


def pumped(events: Iterator[Any], stop: threading.Event, every: float = HEARTBEAT_S) -> Iterator[Any]:
    """``events``, read in a thread of their own, with ``None`` every ``every`` seconds while
    none comes. The server sees a client that left only when its handler yields; this keeps
    the handler yielding while the model reads a prompt. Closing the result sets ``stop``."""
    box: queue.Queue[tuple[str, Any]] = queue.Queue()

    def pump() -> None:
        try:
            for event in events:
                box.put(("event", event))
                if stop.is_set():
                    break
            box.put(("end", None))
        except BaseException as exc:  # handed to the reader, raised there
            box.put(("error", exc))
        finally:
            close = getattr(events, "close", None)
            if close is not None:
                close()

    threading.Thread(target=pump, name="answer-pump", daemon=True).start()
    try:
        while True:
            try:
                kind, item = box.get(timeout=every)
            except queue.Empty:
                yield None
                continue
            if kind == "end":
                return
            if kind == "error":
                raise item
            yield item
    finally:
        stop.set()


def make_respond(pipeline: Pipeline) -> Respond:
    def respond(message: str, chat: list[dict[str, Any]] | None) -> Iterator[tuple[Any, str, str]]:
        chat = list(chat or [])
        history = _history(chat)
        chat.append({"role": "user", "content": message or ""})
        chat.append({"role": "assistant", "content": "正在检索资料…"})
        yield chat, "", ""
        streamed = ""
        stop = threading.Event()  # set when this client leaves: the model stops at its next token
        try:
            for event in pumped(pipeline.ask_stream(message, history, cancel=stop), stop):
                if event is None:
                    yield chat, gr_skip(), gr_skip()
                elif isinstance(event, list):
                    chat[-1]["content"] = "正在生成回答…"
                    yield chat, sources_html(event, pipeline, "检索到的资料（回答生成中）"), ""
                elif isinstance(event, str):
                    streamed += event
                    chat[-1]["content"] = html.escape(streamed)
                    yield chat, gr_skip(), gr_skip()
                elif isinstance(event, Answer):
                    yield _final(chat, event, pipeline), _final_sources(event, pipeline), ""
        except RagError as exc:
            chat[-1]["content"] = f"{ABSTAIN_MARK}{html.escape(exc.user_message())}"
            yield chat, "", ""
        except Exception as exc:  # one bad request must not take the server down
            log.exception("unexpected error while answering")
            chat[-1]["content"] = f"{ABSTAIN_MARK}内部错误（{type(exc).__name__}），请重试或联系管理员。"
            yield chat, "", ""
        finally:
            stop.set()

    return respond


def gr_skip() -> Any:
    import gradio as gr

    return gr.skip()


def _final(chat: list[dict[str, Any]], answer: Answer, pipeline: Pipeline) -> list[dict[str, Any]]:
    if answer.abstained:
        chat[-1]["content"] = f"<div class='abstain-note'>{ABSTAIN_MARK}{html.escape(answer.text)}</div>"
    else:
        chat[-1]["content"] = link_markers(answer.text)
    return chat


def _final_sources(answer: Answer, pipeline: Pipeline) -> str:
    heading = "最接近的资料（不足以回答该问题）" if answer.abstained else "引用来源"
    return sources_html(answer.citations, pipeline, heading)


def checked_messages() -> Any:
    """The chat's data model, whose input, when it is not a conversation (an API client
    sending numbers, a string, ...), is refused with a message in Chinese instead of
    Gradio's generic "the app raised an exception". (Set on the component instance: a
    subclass of a Gradio component would make Gradio write a .pyi file beside this one.)"""
    import gradio as gr
    from gradio.components.chatbot import ChatbotDataMessages
    from pydantic import ValidationError

    class CheckedMessages(ChatbotDataMessages):
        @classmethod
        def model_validate(cls, obj: Any, *args: Any, **kwargs: Any) -> Any:
            try:
                return super().model_validate(obj, *args, **kwargs)
            except ValidationError as exc:  # gr.Error is shown to the client as it is
                raise gr.Error(
                    "对话记录的格式不对：应为消息列表，每条消息含 role（user 或 assistant）与文字 content。"
                ) from exc

    return CheckedMessages


def build_app(pipeline: Pipeline) -> Any:
    import gradio as gr

    respond = make_respond(pipeline)

    kinds = "、".join(SUFFIXES)

    def refresh(message: str) -> tuple[str, str, Any, Any]:
        ids = sorted(pipeline.index.docs)
        return (
            message,
            corpus_html(pipeline),
            gr.update(choices=document_ids(pipeline.settings), value=[]),
            gr.update(choices=ids, value=None),
        )

    def upload(files: list[Any] | None, progress: gr.Progress = gr.Progress()) -> tuple[str, str, Any, Any]:  # noqa: B008
        if not files:
            return refresh(f"请先选择要上传的文件（{kinds}）。")
        try:
            paths = [Path(f if isinstance(f, str) else f.name) for f in files]
            names = add_documents(paths, pipeline.settings)
            progress(0, desc="更新索引")
            summary = pipeline.rebuild(
                lambda done, total: progress(done / max(total, 1), desc="嵌入新文档")
            ).summary_zh()
            return refresh(f"已添加 {'、'.join(names)}；索引已更新：{summary}")
        except RagError as exc:
            return refresh(f"{ABSTAIN_MARK}{exc.user_message()}")
        except Exception as exc:  # one bad upload must not surface as a server error
            log.exception("unexpected error while adding documents")
            return refresh(
                f"{ABSTAIN_MARK}内部错误（{type(exc).__name__}），文件未添加。请重试或联系管理员。"
            )

    def remove(chosen: list[str] | None) -> tuple[str, str, Any, Any]:
        try:
            moved = remove_documents(list(chosen or []), pipeline.settings)
            summary = pipeline.rebuild().summary_zh()
            return refresh(
                f"已移除 {len(moved)} 篇文档（文件移到了资料文件夹的 .removed 中）；索引已更新：{summary}"
            )
        except RagError as exc:
            return refresh(f"{ABSTAIN_MARK}{exc.user_message()}")

    def update() -> tuple[str, str, Any, Any]:
        try:
            return refresh(f"索引已更新：{pipeline.rebuild().summary_zh()}")
        except RagError as exc:
            return refresh(f"{ABSTAIN_MARK}{exc.user_message()}")

    with gr.Blocks(title=TITLE) as app:
        gr.Markdown(
            f"## {TITLE}\n只根据本地资料回答；每句话标注来源，来源经过核实。资料中没有答案时会如实说明。"
        )
        with gr.Tab("问答"), gr.Row():
            with gr.Column(scale=3):
                chatbot = gr.Chatbot(
                    label="对话",
                    height=520,
                    sanitize_html=True,
                    placeholder="请输入关于资料的问题。",
                )
                chatbot.data_model = checked_messages()
                box = gr.Textbox(label="问题", placeholder="输入问题，按回车发送", lines=1, max_lines=4)
                with gr.Row():
                    send = gr.Button("发送", variant="primary")
                    clear = gr.Button("清空对话")
                if examples(pipeline.settings):
                    gr.Examples(examples(pipeline.settings), inputs=box, label="示例问题")
            with gr.Column(scale=2):
                sources = gr.HTML("<div class='meta'>引用来源会显示在这里。</div>", label="来源")
        with gr.Tab("资料库"):
            corpus_view = gr.HTML(corpus_html(pipeline))
            files = gr.File(label=f"添加文档（{kinds}）", file_count="multiple", file_types=list(SUFFIXES))
            add = gr.Button("上传并更新索引")
            chosen = gr.Dropdown(
                choices=document_ids(pipeline.settings), multiselect=True, label="选择要移除的文档"
            )
            drop = gr.Button("移除所选文档并更新索引")
            refresh_index = gr.Button("更新索引（资料文件夹中的文件有变化时）")
            status = gr.Markdown()
            shown = gr.Dropdown(choices=sorted(pipeline.index.docs), label="查看文档")
            document_view = gr.HTML(document_html(pipeline, None))
            shown.change(lambda d: document_html(pipeline, d), [shown], [document_view], api_name="document")
            add.click(
                upload,
                [files],
                [status, corpus_view, chosen, shown],
                concurrency_id="index",
                concurrency_limit=1,
                api_name="add_documents",
            )
            drop.click(
                remove,
                [chosen],
                [status, corpus_view, chosen, shown],
                concurrency_id="index",
                concurrency_limit=1,
                api_name="remove_documents",
            )
            refresh_index.click(
                update,
                None,
                [status, corpus_view, chosen, shown],
                concurrency_id="index",
                concurrency_limit=1,
                api_name="update_index",
            )
        gr.on(
            [box.submit, send.click],
            respond,
            [box, chatbot],
            [chatbot, sources, box],
            api_name="ask",
            concurrency_id="model",
            concurrency_limit=pipeline.settings.model_concurrency,
        )
        clear.click(
            lambda: ([], "<div class='meta'>引用来源会显示在这里。</div>"),
            None,
            [chatbot, sources],
            api_visibility="private",
            queue=False,
        )
    app.queue(max_size=64, default_concurrency_limit=1)
    return app


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def logins(settings: Settings) -> list[tuple[str, str]]:
    """The accepted (user, password) pairs: RAG_AUTH_USER/RAG_AUTH_PASSWORD and the auth file."""
    pairs = []
    if settings.auth_user or settings.auth_password:
        if not (settings.auth_user and settings.auth_password):
            raise ConfigError("RAG_AUTH_USER and RAG_AUTH_PASSWORD go together: set both, or neither")
        pairs.append((settings.auth_user, settings.auth_password))
    if settings.auth_file is not None:
        try:
            lines = settings.auth_file.read_text(encoding="utf-8").splitlines()
        except (OSError, UnicodeDecodeError) as exc:
            raise ConfigError(f"cannot read the login file {settings.auth_file}: {exc}") from exc
        for number, line in enumerate(lines, 1):
            if not line.strip() or line.lstrip().startswith("#"):
                continue
            user, sep, password = line.strip().partition(":")
            if not (sep and user and password):
                raise ConfigError(
                    f"{settings.auth_file} line {number} is not 'user:password': fix or remove it"
                )
            pairs.append((user, password))
    return pairs


def launch_kwargs(settings: Settings) -> dict[str, Any]:
    """Where and how to serve. A login is required beyond loopback (and everywhere with
    RAG_REQUIRE_AUTH=1); given logins are used wherever the UI binds."""
    kwargs: dict[str, Any] = {
        "server_name": settings.host,
        "server_port": settings.port,
        "css": CSS,
        "max_file_size": settings.max_upload_bytes,
        "show_error": False,
    }
    pairs = logins(settings)
    if not pairs and (settings.require_auth or not _is_loopback(settings.host)):
        why = (
            "RAG_REQUIRE_AUTH is set"
            if settings.require_auth
            else f"{settings.host} is reachable from other machines"
        )
        raise ConfigError(
            f"refusing to serve without a login ({why}): give `rag serve --auth user:password`, "
            "RAG_AUTH_USER and RAG_AUTH_PASSWORD, or RAG_AUTH_FILE, or bind to 127.0.0.1"
        )
    if pairs:
        kwargs["auth"] = pairs
    return kwargs


def serve(settings: Settings, pipeline: Pipeline | None = None, block: bool = True) -> Any:
    """Start the UI; with ``block=False`` return the running app (tests)."""
    offline_environment()
    kwargs = launch_kwargs(settings)
    pipeline = pipeline or Pipeline(settings)
    print(f"loading index and model… ({settings.corpus_dir})", flush=True)
    started = time.perf_counter()
    how = pipeline.warm_up()
    print(f"ready in {time.perf_counter() - started:.1f} s (instructions' KV state {how})", flush=True)
    if pipeline.stale:
        print(f"note: the index is stale ({pipeline.stale}); the library tab or `rag index` updates it")
    app = build_app(pipeline)
    print(f"serving on http://{settings.host}:{settings.port}", flush=True)
    app.launch(prevent_thread_lock=True, quiet=not block, **kwargs)
    mount_openai_api(app.app, pipeline, logins(settings))
    print(f"OpenAI-compatible API on http://{settings.host}:{settings.port}/v1/chat/completions", flush=True)
    if block:
        app.block_thread()
    return app
