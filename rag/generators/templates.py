"""Chat templates for servers that offer only ``/v1/completions``: the messages written as the
one prompt the served model was trained on. The templates are data (``rag/data/chat_templates.json``)."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path

from pydantic import BaseModel

from ..errors import ConfigError
from . import Message

TEMPLATES_FILE = Path(__file__).parent.parent / "data" / "chat_templates.json"


class ChatTemplate(BaseModel):
    system: str
    user: str
    assistant: str  # what opens the model's turn
    stop: list[str]
    begin: str = ""
    models: str = ""

    def render(self, messages: list[Message]) -> str:
        """The prompt of a conversation, ending where the model's turn begins."""
        parts = [self.begin]
        for m in messages:
            role = m.get("role", "user")
            if role == "assistant":
                parts.append(self.assistant + m["content"] + self.stop[0])
            else:
                pattern = self.system if role == "system" else self.user
                parts.append(pattern.replace("$content", m["content"]))
        return "".join(parts) + self.assistant


@cache
def templates() -> dict[str, ChatTemplate]:
    raw = json.loads(TEMPLATES_FILE.read_text(encoding="utf-8"))
    return {name: ChatTemplate.model_validate(t) for name, t in raw.items() if not name.startswith("_")}


def template(name: str) -> ChatTemplate:
    try:
        return templates()[name]
    except KeyError:
        known = ", ".join(f"{n} ({t.models})" for n, t in templates().items())
        raise ConfigError(
            f"there is no chat template named {name!r}; RAG_LLM_TEMPLATE takes one of: {known}",
            zh=f"没有名为 {name} 的对话模板；RAG_LLM_TEMPLATE 可选：{'、'.join(templates())}。",
        ) from None
