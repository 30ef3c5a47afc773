"""Bad input through every entry point: the Python API, the `rag` command and the served UI.

Each case feeds one bad input (empty, huge, control characters, wrong types, invalid
UTF-8, zero-byte and binary files, unreadable paths, bad settings, a missing model part, a
damaged index, a manifest from a future version) and checks the outcome:

- the Python API raises a ``RagError`` whose message (English and Chinese) is one line;
- the command exits with status 2 and prints one ``error:`` line, never a traceback;
- the UI shows the error in the chat or the library tab, and the server keeps answering;
- an index is never left half-written: after each case it still loads, or there is none.

Prints one line per case and a summary; exits non-zero on any failure.

    .venv/bin/python scripts/bad_inputs.py [--no-cli] [--no-ui]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import zipfile
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any

from rag.build import build_index
from rag.embed import E5Embedder
from rag.errors import RagError
from rag.index import open_for_reading
from rag.models import FAST, BundledModel, assemble
from rag.pipeline import Pipeline, offline_environment
from rag.settings import PROJECT_ROOT, Settings
from rag.snapshot import Snapshot, current_path

Outcome = tuple[bool, str]
results: list[tuple[str, str, bool, str]] = []


def record(entry: str, case: str, outcome: Outcome) -> None:
    ok, detail = outcome
    results.append((entry, case, ok, detail))
    print(f"{'ok  ' if ok else 'FAIL'} {entry:<6} {case:<48} {detail[:110]}", flush=True)


def expect_error(action: Callable[[], Any]) -> Outcome:
    """A ``RagError`` with a one-line message in both languages is the only good outcome."""
    try:
        action()
    except RagError as exc:
        text, zh = str(exc), exc.user_message()
        ok = bool(text) and "\n" not in text and "Traceback" not in text and bool(zh)
        return ok, f"{type(exc).__name__}: {text}"
    except Exception as exc:  # anything else is the bug this sweep looks for
        return False, f"unexpected {type(exc).__name__}: {exc}"
    return False, "accepted"


def files(folder: Path) -> dict[str, Path]:
    """The bad files: each a different way for a document to be unusable."""
    folder.mkdir(parents=True, exist_ok=True)
    made = {
        "zero-byte .txt": (folder / "empty.txt", b""),
        "binary .txt": (folder / "binary.txt", bytes(range(256)) * 40),
        "UTF-16 mark on no text .txt": (folder / "mark.txt", b"\xff\xfe\xfa\xff" * 60),
        "random bytes .txt": (folder / "random.txt", bytes((i * 7919 + 13) % 255 + 1 for i in range(3000))),
        "only whitespace .md": (folder / "blank.md", b" \n\t\n   \n"),
        "garbage .pdf": (folder / "fake.pdf", b"%PDF-1.4 this is not a pdf"),
        "garbage .docx": (folder / "fake.docx", b"PK\x03\x04 not a zip"),
        "zip without Word parts .docx": (folder / "zip.docx", b""),
        "garbage .xlsx": (folder / "fake.xlsx", os.urandom(2000)),
        "binary .html": (folder / "page.html", b"\x00\x01\x02" * 500),
        "NUL-filled .csv": (folder / "nul.csv", b"\x00" * 1000),
        "unsupported .exe": (folder / "tool.exe", b"MZ\x90\x00"),
        "no name .txt": (folder / ".txt", "正文。".encode()),
    }
    out = {}
    for case, (path, data) in made.items():
        path.write_bytes(data)
        out[case] = path
    with zipfile.ZipFile(folder / "zip.docx", "w") as z:
        z.writestr("hello.txt", "not a document")
    return out


def api_cases(pipeline: Pipeline, work: Path) -> None:
    s = pipeline.settings
    questions: dict[str, object] = {
        "empty question": "",
        "whitespace question": " \n\t　",
        "huge question (100,000 characters)": "银行" * 50_000,
        "control characters": "工商银行\x00\x07做了什么",
        "escape sequence": "\x1b[31m红色\x1b[0m",
        "bytes, not text": "问题".encode(),
        "None question": None,
        "number question": 42,
    }
    for case, q in questions.items():
        record("api", case, expect_error(partial(pipeline.ask, q)))  # type: ignore[arg-type]
    histories: dict[str, object] = {
        "history of strings": ["a", "b"],
        "history with a 3-tuple": [("a", "b", "c")],
        "history with numbers": [(1, 2)],
        "history as a dict": {"q": "a"},
    }
    for case, h in histories.items():
        record("api", case, expect_error(partial(pipeline.ask, "工商银行做了什么？", h)))  # type: ignore[arg-type]
    record("api", "retrieve an empty question", expect_error(lambda: pipeline.retrieve("")))
    for case, path in files(work / "bad-files").items():
        record("api", f"add {case}", expect_error(partial(pipeline.add_documents, [path])))
    record("api", "add a missing file", expect_error(lambda: pipeline.add_documents([work / "missing.txt"])))
    record("api", "add a folder", expect_error(lambda: pipeline.add_documents([work / "bad-files"])))
    big = work / "big.txt"
    big.write_bytes("很长的文件。".encode() * (s.max_upload_bytes // 10))
    record("api", "add a file over the size limit", expect_error(lambda: pipeline.add_documents([big])))
    record("api", "remove an unknown document", expect_error(lambda: pipeline.remove_documents(["nope.txt"])))
    record("api", "remove nothing", expect_error(lambda: pipeline.remove_documents([])))
    record(
        "api",
        "remove a path outside the corpus",
        expect_error(lambda: pipeline.remove_documents(["../../etc/passwd"])),
    )
    from rag.ingest import load_document

    legacy = {
        "Latin-1 text, not UTF-8": ("Café, naïve résumé. ".encode("latin-1") * 20, "Café"),
        "GBK text cut mid-character": ("中国工商银行上线了大模型。".encode("gbk") * 20 + b"\xd6", "工商银行"),
        "Big5 text": ("中國工商銀行上線了大模型。".encode("big5") * 20, "工商銀行"),
    }
    for case, (raw, expected) in legacy.items():
        path = work / "legacy.txt"
        path.write_bytes(raw)
        try:  # not UTF-8 but text: it is read in its own encoding, not refused
            text = load_document(path).text
            record("api", f"read {case}", (expected in text, text[:40]))
        except Exception as exc:
            record("api", f"read {case}", (False, f"{type(exc).__name__}: {exc}"))
    corpus_files = sorted(p.name for p in s.corpus_dir.iterdir())
    record("api", "nothing bad reached the corpus", (corpus_files == ORIGINAL, ", ".join(corpus_files)))


def settings_cases(work: Path) -> None:
    bad: dict[str, dict[str, str]] = {
        "top_k 0": {"RAG_TOP_K": "0"},
        "threads -1": {"RAG_THREADS": "-1"},
        "port 99999": {"RAG_PORT": "99999"},
        "corrupt_index bogus": {"RAG_CORRUPT_INDEX": "bogus"},
        "n_ctx not a number": {"RAG_N_CTX": "lots"},
    }
    for case, env in bad.items():
        saved = {k: os.environ.get(k) for k in env}
        os.environ.update(env)
        try:
            record("config", case, expect_validation(Settings))
        finally:
            for k, v in saved.items():
                if v is None:
                    os.environ.pop(k, None)
                else:
                    os.environ[k] = v
    from rag.models import resolve_model_path

    missing = Settings(model_path=work / "missing.gguf")
    record("config", "model file that does not exist", expect_error(lambda: resolve_model_path(missing)))
    truncated = work / "truncated.gguf"
    truncated.write_bytes(b"GGUF" + b"\x00" * 64)
    from rag.generators.llama import LlamaGenerator

    record(
        "config",
        "model file that is not a model",
        expect_error(
            lambda: "".join(LlamaGenerator(truncated, 1).stream([{"role": "user", "content": "hi"}], 1))
        ),
    )
    part = BundledModel(**{**FAST.__dict__, "module_prefix": "no_such_part_", "pip_prefix": "no-such-part-"})
    record("config", "missing model part", expect_error(lambda: assemble(part, work / "model-cache")))
    record(
        "config",
        "corpus folder that does not exist",
        expect_error(
            lambda: build_index(Settings(corpus_dir=work / "nope", index_dir=work / "i"), E5Embedder())
        ),
    )
    blocked = work / "index-is-a-file"
    blocked.write_text("x")
    record(
        "config",
        "index folder that is a file",
        expect_error(lambda: build_index(Settings(corpus_dir=SEEDS, index_dir=blocked), E5Embedder())),
    )


def expect_validation(make: Callable[[], Any]) -> Outcome:
    from pydantic import ValidationError

    try:
        make()
    except ValidationError as exc:
        return True, f"ValidationError: {exc.errors()[0]['loc']} {exc.errors()[0]['msg']}"
    except Exception as exc:
        return False, f"unexpected {type(exc).__name__}: {exc}"
    return False, "accepted"


def index_cases(settings: Settings, embedder: E5Embedder) -> None:
    """Damage to a built index: each must be named, refused or rebuilt, never served."""

    def damaged(edit: Callable[[Path], object]) -> Settings:
        build_index(settings, embedder)
        path = current_path(settings.index_dir)
        assert path is not None
        edit(path)
        return settings

    def manifest(edit: Callable[[dict[str, Any]], Any]) -> Callable[[Path], None]:
        def apply(path: Path) -> None:
            data = json.loads((path / "manifest.json").read_text(encoding="utf-8"))
            (path / "manifest.json").write_text(json.dumps(edit(data)), encoding="utf-8")

        return apply

    edits: dict[str, Callable[[Path], object]] = {
        "vectors.faiss overwritten": lambda p: (p / "vectors.faiss").write_bytes(b"not faiss"),
        "vectors.faiss truncated": lambda p: (p / "vectors.faiss").write_bytes(
            (p / "vectors.faiss").read_bytes()[:100]
        ),
        "chunks.json edited": lambda p: (p / "chunks.json").write_text(
            (p / "chunks.json").read_text(encoding="utf-8").replace("银行", "钱庄", 1), encoding="utf-8"
        ),
        "docs.json deleted": lambda p: (p / "docs.json").unlink(),
        "manifest.json not JSON": lambda p: (p / "manifest.json").write_text("{", encoding="utf-8"),
        "manifest from a future version": manifest(lambda m: m | {"format_version": 99}),
        "manifest without its checksums": manifest(
            lambda m: {k: v for k, v in m.items() if k != "checksums"}
        ),
        "manifest with a wrong type": manifest(lambda m: m | {"dim": "384"} | {"files": "all"}),
        "CURRENT names a missing folder": lambda p: (p.parent / "CURRENT").write_text("build-gone"),
    }
    for case, edit in edits.items():
        refuse = damaged(edit).model_copy(update={"corrupt_index": "refuse"})
        outcome = expect_error(partial(open_for_reading, refuse, embedder))
        # and the default rebuilds it, so that the next reader gets a whole index
        try:
            rebuilt = Pipeline(settings, embedder=embedder).index
            whole = Snapshot.load(settings).faiss_index.ntotal == len(rebuilt.chunks) > 0
        except RagError as exc:
            whole = "no index" in str(exc) and case.startswith("CURRENT")
        record("index", case, (outcome[0] and whole, outcome[1]))


def cli_cases(work: Path, settings: Settings) -> None:
    env = {**os.environ, "RAG_CORPUS_DIR": str(settings.corpus_dir), "RAG_INDEX_DIR": str(settings.index_dir)}
    bad = files(work / "cli-files")
    evalset = work / "bad.jsonl"
    evalset.write_text('{"question": "缺了答案"}\n{not json\n', encoding="utf-8")
    cases: dict[str, list[str]] = {
        "ask an empty question": ["ask", ""],
        "ask a huge question": ["ask", "问" * 20_000],  # over the limit; argv holds at most 128 KiB
        "ask with control characters": ["ask", "工商\x07银行"],
        "ask with invalid UTF-8 in argv": ["ask", b"\xff\xfe".decode("utf-8", "surrogateescape")],
        "index a missing corpus": ["index", "--corpus", str(work / "nope")],
        "index into a file": ["index", "--index", str(work / "cli-files" / "empty.txt")],
        "add a binary file": ["add", str(bad["binary .txt"])],
        "add a zero-byte file": ["add", str(bad["zero-byte .txt"])],
        "add an .exe": ["add", str(bad["unsupported .exe"])],
        "add a missing file": ["add", str(work / "missing.txt")],
        "remove an unknown document": ["remove", "nope.txt"],
        "docs of an unknown document": ["docs", "nope.txt"],
        "eval a missing set": ["eval", "--set", str(work / "missing.jsonl")],
        "eval a malformed set": ["eval", "--set", str(evalset)],
        "serve on port 99999": ["serve", "--port", "99999"],
        "serve with a bad --auth": ["serve", "--auth", "nocolon"],
        "serve beyond loopback without a login": ["serve", "--host", "0.0.0.0"],
        "models: unknown name": ["models", "nope"],
        "ask with a missing model": ["ask", "工商银行做了什么？", "--model", str(work / "missing.gguf")],
    }
    for case, args in cases.items():
        out = subprocess.run(
            [sys.executable, "-m", "rag.cli", *args],
            capture_output=True,
            text=True,
            env=env,
            timeout=600,
            errors="replace",
        )
        lines = [ln for ln in out.stderr.splitlines() if ln.startswith("error:")]
        ok = out.returncode == 2 and len(lines) == 1 and "Traceback" not in out.stderr + out.stdout
        record("cli", case, (ok, lines[0] if lines else f"exit {out.returncode}: {out.stderr[-200:]}"))
    out = subprocess.run(
        [sys.executable, "-m", "rag.cli", "ask", "工商银行做了什么？"],
        capture_output=True,
        text=True,
        env={**env, "RAG_TOP_K": "zero"},
        timeout=600,
    )
    ok = out.returncode == 2 and "RAG_TOP_K" in out.stderr and "Traceback" not in out.stderr
    record("cli", "a setting that is not a number", (ok, out.stderr.strip()[-110:]))


def ui_cases(pipeline: Pipeline, work: Path) -> None:
    from gradio_client import Client, handle_file

    from rag.ui import message_text, serve

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = int(sock.getsockname()[1])
    settings = pipeline.settings.model_copy(update={"port": port})
    served = Pipeline(settings, embedder=pipeline.embedder, generator=pipeline.generator)
    app = serve(settings, served, block=False)
    client = Client(f"http://127.0.0.1:{port}/", verbose=False)
    try:
        asks: dict[str, tuple[object, object]] = {
            "ask an empty question": ("", []),
            "ask a huge question": ("问" * 100_000, []),
            "ask with control characters": ("工商\x00银行", []),
            "ask with a history of numbers": ("工商银行做了什么？", [{"role": "user", "content": 5}]),
            "ask with a history that is not a list": ("工商银行做了什么？", "history"),
        }
        for case, (question, history) in asks.items():
            try:
                chat, _, _ = client.predict(question, history, api_name="/ask")
                shown = message_text(chat[-1]["content"])
                ok = "内部错误" not in shown and bool(shown.strip())
                record("ui", case, (ok, shown[:110]))
            except Exception as exc:  # Gradio's own input checks are clear refusals; a crash is not
                record("ui", case, (CRASHED not in str(exc), f"{type(exc).__name__}: {exc}"))
        for case, path in files(work / "ui-files").items():
            if path.suffix == ".exe" or path.name == ".txt":
                continue  # the file picker accepts only the listed kinds
            try:
                status = client.predict([handle_file(str(path))], api_name="/add_documents")[0]
                ok = status.startswith("⚠") and "内部错误" not in status
                record("ui", f"upload {case}", (ok, status[:110]))
            except Exception as exc:
                record("ui", f"upload {case}", (CRASHED not in str(exc), f"{type(exc).__name__}: {exc}"))
        for case, chosen in {"remove an unknown document": ["nope.txt"], "remove nothing": []}.items():
            try:
                status = client.predict(chosen, api_name="/remove_documents")[0]
                record("ui", case, ("没有" in status or "请先" in status, status[:110]))
            except Exception as exc:  # the choices list refuses an unknown id before the handler
                record("ui", case, (CRASHED not in str(exc), f"{type(exc).__name__}: {str(exc)[:80]}"))
        try:
            shown = client.predict("nope.txt", api_name="/document")
            record("ui", "view an unknown document", ("<script" not in shown, shown[:110]))
        except Exception as exc:  # the choices list refuses an unknown id before the handler
            record(
                "ui", "view an unknown document", (CRASHED not in str(exc), f"{type(exc).__name__}: {exc}")
            )
        chat, _, _ = client.predict("工商银行的大模型应用节约了多少人力？", [], api_name="/ask")
        answer = message_text(chat[-1]["content"])
        record("ui", "a normal question after all of them", ("[" in answer or "资料" in answer, answer[:110]))
    finally:
        app.close()


SEEDS = PROJECT_ROOT / "seeds"
ORIGINAL = sorted(p.name for p in SEEDS.iterdir())
CRASHED = "has raised an exception"  # gradio_client's words for a handler that failed


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--no-cli", action="store_true")
    ap.add_argument("--no-ui", action="store_true")
    args = ap.parse_args()
    offline_environment()
    work = Path(tempfile.mkdtemp(prefix="rag-bad-"))
    try:
        shutil.copytree(SEEDS, work / "corpus")
        settings = Settings(corpus_dir=work / "corpus", index_dir=work / "index")
        embedder = E5Embedder()
        build_index(settings, embedder)
        pipeline = Pipeline(settings, embedder=embedder)
        api_cases(pipeline, work)
        settings_cases(work)
        if not args.no_ui:
            ui_cases(pipeline, work)
        index_cases(settings, embedder)
        if not args.no_cli:
            cli_cases(work, settings)
        Snapshot.load(settings)  # the index is whole at the end
    finally:
        shutil.rmtree(work, ignore_errors=True)
    failed = [r for r in results if not r[2]]
    print(f"\nbad inputs: {len(results)} cases, {len(failed)} failures")
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
