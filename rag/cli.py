"""The ``rag`` command: index, ask, serve, eval, models. Errors print as one line."""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Callable
from pathlib import Path

from pydantic import ValidationError

from .errors import ConfigError, InputError, RagError
from .pipeline import Pipeline, offline_environment
from .settings import Settings
from .types import Answer, Citation


def _settings(args: argparse.Namespace) -> Settings:
    overrides: dict[str, object] = {}
    for name in ("corpus", "index", "model", "host", "port", "auth_file"):
        value = getattr(args, name, None)
        if value is not None:
            key = {"corpus": "corpus_dir", "index": "index_dir", "model": "model_path"}.get(name, name)
            overrides[key] = value
    if getattr(args, "auth", None) is not None:
        user, sep, password = args.auth.partition(":")
        if not (sep and user and password):
            raise InputError(
                "--auth takes USER:PASSWORD, both non-empty", zh="--auth 的格式应为 用户名:密码。"
            )
        overrides["auth_user"], overrides["auth_password"] = user, password
    try:
        return Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(x) for x in first["loc"])
        raise ConfigError(
            f"setting {where!r} is invalid: {first['msg']} (check RAG_{where.upper()})"
        ) from exc


def _progress_bar(desc: str) -> Callable[[int, int], None]:
    from tqdm import tqdm

    bar: dict[str, tqdm] = {}

    def update(done: int, total: int) -> None:
        if "bar" not in bar:
            bar["bar"] = tqdm(total=total, desc=desc, unit="chunk", file=sys.stderr)
        bar["bar"].n = done
        bar["bar"].refresh()
        if done >= total:
            bar["bar"].close()

    return update


def cmd_index(args: argparse.Namespace) -> int:
    pipeline = Pipeline(_settings(args))
    report = pipeline.rebuild(_progress_bar("embedding"), wait=not args.no_wait)
    print(report.summary())
    for line in report.details():
        print(f"  {line}")
    return 0


def cmd_docs(args: argparse.Namespace) -> int:
    """The documents of the index (updated first): id, format, share of text kept, chunks, title;
    with ids, those documents whole: what cleaning removed and every chunk."""
    pipeline = Pipeline(_settings(args))
    print(pipeline.reindex())
    index = pipeline.index
    if args.doc_ids:
        for doc_id in args.doc_ids:
            doc = index.docs.get(doc_id)
            if doc is None:
                raise InputError(f"no document {doc_id} in the index: `rag docs` lists the ids")
            print(f"\n{doc.doc_id} · {doc.title} · {doc.chars_kept} of {doc.chars_in} characters kept")
            for r in doc.removed:
                print(f"  removed ({r.reason}): {r.text}")
            for c in index.chunks:
                if c.doc_id == doc_id:
                    where = " · ".join(x for x in (c.heading, c.locator) if x)
                    print(f"  [{c.chunk_id}]{' ' + where if where else ''}\n    {c.text}")
        return 0
    chunks: dict[str, int] = {}
    for c in index.chunks:
        chunks[c.doc_id] = chunks.get(c.doc_id, 0) + 1
    for doc in sorted(index.docs.values(), key=lambda d: d.doc_id):
        n = chunks.get(doc.doc_id, 0)
        print(f"{doc.doc_id}\t{doc.format}\t{doc.kept_share:.0%} kept\t{n} chunks\t{doc.title}")
    return 0


def cmd_add(args: argparse.Namespace) -> int:
    from .library import add_documents

    pipeline = Pipeline(_settings(args))
    names = add_documents(list(args.files), pipeline.settings)
    print(f"added {', '.join(names)}")
    print(pipeline.reindex(_progress_bar("embedding")))
    return 0


def cmd_remove(args: argparse.Namespace) -> int:
    from .library import remove_documents

    pipeline = Pipeline(_settings(args))
    for where in remove_documents(list(args.doc_ids), pipeline.settings):
        print(f"moved to {where}")
    print(pipeline.reindex())
    return 0


def _print_sources(citations: list[Citation]) -> None:
    for c in citations:
        mark = "✓ verified" if c.verified else "· unverified"
        print(f"  [{c.n}] {c.title} ({c.doc_id}, {mark})")
        print(f"      {c.text}")


def cmd_ask(args: argparse.Namespace) -> int:
    pipeline = Pipeline(_settings(args))
    answer: Answer | None = None
    if args.stream and not args.json:
        for event in pipeline.ask_stream(args.question):
            if isinstance(event, str):
                print(event, end="", flush=True)
            elif isinstance(event, Answer):
                answer = event
        print("\n")
    else:
        answer = pipeline.ask(args.question)
    assert answer is not None
    if args.json:
        print(answer.model_dump_json(indent=2))
        return 0
    if args.stream:
        print("verified answer:")
    print(answer.text)
    print("\nsources:" if not answer.abstained else "\nclosest passages:")
    _print_sources(answer.citations)
    return 0


def cmd_serve(args: argparse.Namespace) -> int:
    from .ui import serve

    serve(_settings(args))
    return 0


def cmd_models(args: argparse.Namespace) -> int:
    from .models import BUNDLED, bundled_model_path, prefill_model_path

    settings = Settings()
    for name in args.names or ["default"]:
        if name not in BUNDLED:
            raise RagError(f"unknown bundled model {name!r}: choose from {sorted(BUNDLED)}")
        print(f"{name}: {bundled_model_path(name, settings)}")
        if name == "default":
            reader = prefill_model_path(settings)
            print(f"prompt reader: {reader or 'the chat model itself'}")
    return 0


def cmd_eval(args: argparse.Namespace) -> int:
    from .evaluate import run_cli

    return run_cli(args, _settings(args))


def cmd_calibrate(args: argparse.Namespace) -> int:
    from .calibrate import run_cli

    return run_cli(args)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="rag", description="Offline question answering over your documents."
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="log progress details")
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("index", help="build or update the index of the corpus")
    p.add_argument("--corpus", type=Path, help="folder of documents, subfolders included (default: seeds/)")
    p.add_argument("--index", type=Path, help="index folder (default: index/)")
    p.add_argument(
        "--no-wait", action="store_true", help="fail at once when another process is building the same index"
    )
    p.set_defaults(func=cmd_index)

    p = sub.add_parser("docs", help="list the documents of the index (updating it first), or show some")
    p.add_argument("doc_ids", nargs="*", help="show these documents: removals and chunks")
    p.add_argument("--corpus", type=Path)
    p.add_argument("--index", type=Path)
    p.set_defaults(func=cmd_docs)

    p = sub.add_parser("add", help="copy files into the corpus (checked first) and update the index")
    p.add_argument("files", nargs="+", type=Path)
    p.add_argument("--corpus", type=Path)
    p.add_argument("--index", type=Path)
    p.set_defaults(func=cmd_add)

    p = sub.add_parser(
        "remove", help="move documents out of the corpus (into .removed/) and update the index"
    )
    p.add_argument("doc_ids", nargs="+", help="ids as `rag docs` lists them")
    p.add_argument("--corpus", type=Path)
    p.add_argument("--index", type=Path)
    p.set_defaults(func=cmd_remove)

    p = sub.add_parser("ask", help="answer a question with cited sources")
    p.add_argument("question")
    p.add_argument("--json", action="store_true", help="print the Answer as JSON")
    p.add_argument("--stream", action="store_true", help="print text as it is generated")
    p.add_argument("--corpus", type=Path)
    p.add_argument("--index", type=Path)
    p.add_argument("--model", type=Path, help="a GGUF chat model (default: bundled 1.5B)")
    p.set_defaults(func=cmd_ask)

    p = sub.add_parser("serve", help="start the browser chat UI")
    p.add_argument("--host", help="address to bind (default 127.0.0.1)")
    p.add_argument("--port", type=int, help="port (default 7860)")
    p.add_argument("--corpus", type=Path)
    p.add_argument("--index", type=Path)
    p.add_argument("--model", type=Path)
    p.add_argument(
        "--auth", metavar="USER:PASSWORD", help="require this login (or RAG_AUTH_USER/RAG_AUTH_PASSWORD)"
    )
    p.add_argument("--auth-file", type=Path, help="file of logins, one 'user:password' per line")
    p.set_defaults(func=cmd_serve)

    p = sub.add_parser("models", help="assemble and verify the bundled models")
    p.add_argument("names", nargs="*", help="'default' and/or 'fast'")
    p.set_defaults(func=cmd_models)

    p = sub.add_parser("eval", help="measure retrieval and answers on a Q&A set")
    p.add_argument(
        "--set",
        dest="eval_set",
        type=Path,
        action="append",
        help="JSONL evaluation set, repeatable (default: eval/qa.jsonl); all over the same corpus",
    )
    p.add_argument(
        "--record",
        action="store_true",
        help="abstention threshold 0: keep every verified answer (for calibrate)",
    )
    p.add_argument("--retrieval-only", action="store_true", help="skip answering")
    p.add_argument("--out", type=Path, default=Path("reports/latest"), help="report folder")
    p.add_argument("--compare", type=Path, help="an earlier report.json to compare with")
    p.add_argument("--limit", type=int, help="only the first N questions")
    p.add_argument("--min-recall", type=float, help="fail below this recall@3 (answerable)")
    p.add_argument("--min-recall1", type=float, help="fail below this recall@1 (answerable)")
    p.add_argument("--min-accuracy", type=float, help="fail below this answer accuracy")
    p.add_argument("--min-abstention", type=float, help="fail below this abstention rate (unanswerable)")
    p.add_argument("--corpus", type=Path)
    p.add_argument("--index", type=Path)
    p.add_argument("--model", type=Path)
    p.set_defaults(func=cmd_eval)

    p = sub.add_parser("calibrate", help="fit the answer confidence on recorded evaluation reports")
    p.add_argument("reports", nargs="+", type=Path, help="report.json files of `rag eval --record`")
    p.add_argument("--out", type=Path, help="calibration file to write (default: the package's)")
    p.add_argument("--l2", type=float, default=1.0, help="strength of the weight penalty")
    p.set_defaults(func=cmd_calibrate)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    offline_environment()
    logging.basicConfig(
        level=logging.INFO if args.verbose else logging.WARNING, format="%(levelname)s %(message)s"
    )
    logging.getLogger("bm25s").setLevel(logging.WARNING)  # it sets DEBUG on itself at import
    try:
        return int(args.func(args))
    except RagError as exc:
        print(f"error: {exc}", file=sys.stderr)  # the CLI speaks English; the UI shows exc.zh
        return 2
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
