"""Prompt templates, shipped as package data (``rag/data/prompts``) and rendered strictly."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from string import Template

from .errors import ConfigError
from .language import LANG

PROMPTS_DIR = Path(__file__).parent / "data" / "prompts"


@cache
def _read(name: str) -> str:
    path = PROMPTS_DIR / name
    try:
        return path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError(f"prompt file {path} is missing: reinstall the package") from exc


def system_prompt() -> str:
    return _read("system.txt").strip()


def render_user(passages: str, question: str, language: str = "", conversation: str = "") -> str:
    """Fill the user template; a missing placeholder is an error, passage text stays data."""
    try:
        return (
            Template(_read("user.txt"))
            .substitute(passages=passages, question=question, language=language, conversation=conversation)
            .strip()
        )
    except (KeyError, ValueError) as exc:
        raise ConfigError(f"{PROMPTS_DIR / 'user.txt'} has a bad placeholder: {exc}") from exc


@cache
def _messages() -> dict[str, object]:
    try:
        return dict(json.loads(_read("messages.json")))
    except ValueError as exc:
        raise ConfigError(f"{PROMPTS_DIR / 'messages.json'} is not valid JSON: {exc}") from exc


def message(key: str) -> str:
    try:
        return str(_messages()[key])
    except KeyError as exc:
        raise ConfigError(f"{PROMPTS_DIR / 'messages.json'} lacks {key!r}") from exc


def localized(key: str, lang: str, latin: bool) -> str:
    """The message ``key`` in the question's language: ``key_<lang>`` where the messages have
    it, else English for a language in Latin letters and Chinese for any other."""
    own = _messages().get(f"{key}_{lang}")
    return str(own) if own is not None else message(f"{key}_en" if latin else f"{key}_zh")


def language_line(lang: str) -> str:
    """What the question's language asks of the answer, after the question: nothing for
    Chinese (the instructions are Chinese), else to answer in that language."""
    if lang == "zh":
        return ""
    if lang in ("en", "ja"):
        return message(f"language_{lang}")
    return message("language_other").format(name=LANG.languages[lang].name)


def render_check(passage: str, question: str, answer: str | None) -> str:
    """The self-check's question: does the passage state this answer to this question? With no
    answer (a yes or no), the question itself, to be answered from the passage alone."""
    name = "check.txt" if answer is not None else "check_yesno.txt"
    try:
        template = Template(_read(name))
        return template.substitute(passage=passage, question=question, answer=answer or "").strip()
    except (KeyError, ValueError) as exc:
        raise ConfigError(f"{PROMPTS_DIR / name} has a bad placeholder: {exc}") from exc
