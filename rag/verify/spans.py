"""Where a passage's sentence stands: its text, its neighbour before, what places the passage.

The checks read a passage at one of its sentences (document offsets, as ``SentenceCheck.spans``
holds them): the sentence itself, the window where the question's qualifiers should stand
(the passage's label, the sentence before, the sentence), and the passage's surroundings (its
document's title, section and the text before it)."""

from __future__ import annotations

import re

from ..context import Passage
from ..normalize import LIST_ITEM_RE, fold


def window(p: Passage, span: tuple[int, int]) -> str:
    """The supporting sentence with the sentence before it (in the document) and the passage's
    label, folded: where the question's qualifiers should stand."""
    sents = p.sentence_texts()
    idx = next((i for i, (a, b, _) in enumerate(sents) if (a, b) == span), None)
    if idx is None:
        own, prev = "", ""
    else:
        own = sents[idx][2]
        # the text before a passage often ends with its last sentence's "；" or "。" and a line break
        before = [x for x in re.split(r"(?<=[。！？!?；;])", p.before) if x.strip()]
        prev = sents[idx - 1][2] if idx > 0 else (before[-1] if before else "")
    return fold(f"{p.label} {prev} {own}")


def sentence(p: Passage, span: tuple[int, int]) -> str:
    """The text of the passage's sentence at ``span`` (document offsets), or ""."""
    return next((t for a, b, t in p.sentence_texts() if (a, b) == span), "")


def surroundings(p: Passage) -> str:
    """The passage with what places it: its document's title, its section, the text before it."""
    return f"{p.chunk.title} {p.label} {p.before} {p.text}"


def list_lead(p: Passage, span: tuple[int, int]) -> str:
    """The lead-in of the list whose item is the sentence at ``span``, or "": "以下情形不予赔偿："
    before "…；发动机进水后仍强行启动造成的损坏。", or "不能报销的费用如下：" above "2. 个人消费。".
    The items between it and the sentence are joined by "；" on its line, or each on a line of
    its own that opens like a list item."""
    chunk = p.chunk
    own = chunk.text[max(0, span[0] - chunk.start) : max(0, span[1] - chunk.start)]
    colon = _last_colon(own)
    if colon >= 0 and re.search(r"[；;]\s*$", own):
        return own[: colon + 1].strip()  # the first item shares the lead-in's sentence
    head = chunk.text[: max(0, span[0] - chunk.start)]
    if chunk.lead and chunk.lead not in head:
        head = f"{chunk.lead}\n{head}"  # a list that ran over carries its lead-in
    colon = _last_colon(head)
    if colon < 0:
        return ""
    lines = head[colon + 1 :].split("\n")
    same_line, below = lines[0], [x for x in lines[1:] if x.strip()]
    if re.search(r"[。！？!?]", same_line) or any(not LIST_ITEM_RE.match(x) for x in below):
        return ""
    if below and same_line.strip():
        return ""  # a sentence went on after the colon: the lines below are not its items
    start = max(head.rfind(c, 0, colon) for c in "。！？!?\n") + 1
    return head[start : colon + 1].strip()


def _last_colon(text: str) -> int:
    """Where the text's last colon is, a clock's ("8:00") not counted; -1 if none."""
    found = [m.start() for m in re.finditer(r"：|(?<!\d):|:(?!\d)", text)]
    return found[-1] if found else -1


_LABEL_RE = re.compile(r"([^：:。！？!?；;，,\n]{1,24}?)(?:：|:(?!\d))")


def list_items(p: Passage, span: tuple[int, int]) -> tuple[str, list[str], list[str], str]:
    """The list items whose lines hold the sentence at ``span``, their labels, the labels of
    the other items of their list ("Korr", "Ashling" beside "- Vela: base health …"), and
    the chunk's text before the list: the text before the colon that opens an item names what
    the item is about. ("", [], [], "") where the sentence is on no item line."""
    text = p.chunk.text
    at, end = span[0] - p.chunk.start, span[1] - p.chunk.start
    if not 0 <= at < len(text):
        return "", [], [], ""
    lines = text.split("\n")
    rows = range(text.count("\n", 0, at), text.count("\n", 0, max(at, end - 1)) + 1)
    if not any(LIST_ITEM_RE.match(lines[r]) for r in rows):
        return "", [], [], ""
    first, last = rows[0], rows[-1]
    while first > 0 and LIST_ITEM_RE.match(lines[first - 1]):
        first -= 1
    while last + 1 < len(lines) and LIST_ITEM_RE.match(lines[last + 1]):
        last += 1
    labels = {i: _label(lines[i]) for i in range(first, last + 1)}
    own = [labels.pop(r) for r in rows]
    before = "\n".join(lines[:first])
    return "\n".join(lines[r] for r in rows), [x for x in own if x], [x for x in labels.values() if x], before


def _label(line: str) -> str:
    m = _LABEL_RE.match(LIST_ITEM_RE.sub("", line, count=1))
    return m.group(1).strip() if m else ""
