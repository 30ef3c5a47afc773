"""Names in text (banks and other organisations, products, model names) and search tokens.

Everything works on folded text (see ``normalize.fold``), so traditional and simplified
spellings of a name are one name.
"""

from __future__ import annotations

import logging
import re
import threading
from collections.abc import Iterable
from typing import Any

from .normalize import CJK, fold

log = logging.getLogger(__name__)

# Latin names that a writer would not invent by accident: internal capitals or digits.
_LATIN_NAME_RE = re.compile(r"(?<![A-Za-z0-9])[A-Za-z][A-Za-z0-9]*(?:-[A-Za-z0-9]+)*(?![A-Za-z0-9])")
_QUOTED_RE = re.compile(f'[“"「『《]([{CJK}A-Za-z0-9]{{2,8}})[”"」』》]')
_ORG_SUFFIX = ("银行", "农商行", "证券", "基金", "保险", "智库")
# Words that precede an organisation suffix without naming one.
_GENERIC = frozenset(
    [
        "中小",
        "大型",
        "国有",
        "商业",
        "股份制",
        "地方",
        "民营",
        "互联网",
        "城商",
        "各家",
        "多家",
        "该",
        "其他",
        "其它",
        "六大",
        "大中型",
        "未来",
        "这家",
        "一家",
        "部分",
        "所有",
        "传统",
        "数字",
        "手机",
        "远程",
        "网点",
        "外资",
        "农村",
        "中资",
        "全国",
        "国内",
        "海外",
        "合作",
        "公募",
        "私募",
        "此类",
        "这些",
        "有些",
        "每家",
        "主要",
        "头部",
        "大行",
        "一些",
        "许多",
        "众多",
        "不少",
        "股份行",
        "城商行",
        "国有大行",
        "智能",
        "中国",
        "金融",
        "类型",
        "上述",
        "电子",
        "联合",
        "落后",
        "先进",
        "优秀",
        "新型",
    ]
)
_STOP = frozenset(
    [
        "的",
        "了",
        "是",
        "在",
        "和",
        "与",
        "及",
        "等",
        "也",
        "都",
        "而",
        "或",
        "就",
        "被",
        "把",
        "对",
        "为",
        "以",
        "于",
        "从",
        "向",
        "将",
        "其",
        "之",
        "这",
        "那",
        "有",
        "个",
        "中",
        "上",
        "下",
        "吗",
        "呢",
        "吧",
        "啊",
        "什么",
        "哪些",
        "哪个",
        "哪一天",
        "哪天",
        "哪一年",
        "哪年",
        "什么时候",
        "何时",
        "哪家",
        "多少",
        "怎么",
        "如何",
        "是否",
        "为什么",
        "请问",
        "请",
        "一下",
        "几",
        "哪",
        "谁",
        "the",
        "a",
        "an",
        "of",
        "to",
        "in",
        "on",
        "for",
        "and",
        "or",
        "is",
        "are",
        "was",
        "were",
        "be",
        "by",
        "with",
        "what",
        "which",
        "how",
        "many",
        "much",
        "did",
        "does",
        "do",
        "when",
        "who",
        "whose",
        "that",
        "this",
    ]
)
# part-of-speech tags (first letter) of words that cannot start a name: verbs, prepositions,
# time words, adjectives, numerals, pronouns, conjunctions, adverbs, particles, locatives
_NOT_NAME_TAGS = set("vptbmrcdufq")
_TOKEN_KEEP_RE = re.compile(f"[{CJK}A-Za-z0-9]")


def latin_names(text: str) -> set[str]:
    out = set()
    for m in _LATIN_NAME_RE.finditer(text):
        word = m.group(0)
        if re.search(r"[a-z][A-Z]|\d", word) or ("-" in word and word[0].isupper()):
            out.add(word.lower())
    return out


class Lexicon:
    """Organisation and product names; also jieba's extra dictionary words.

    ``names`` are the corpus's own names (found at index time); ``extract`` finds names in
    any text, including ones the corpus never mentions (a bank that is not there).
    """

    def __init__(self, names: Iterable[str] = ()) -> None:
        self.names: set[str] = {fold(n) for n in names if n}
        self._jieba: Any = None
        self._posseg: Any = None
        self._lock = threading.Lock()

    # -- tokenisation ---------------------------------------------------------------
    def _tokenizer(self) -> Any:
        with self._lock:
            if self._jieba is None:
                import jieba

                jieba.setLogLevel(logging.WARNING)
                tok = jieba.Tokenizer()
                for name in sorted(self.names):
                    if re.search(f"[{CJK}]", name):
                        tok.add_word(name, freq=200000)
                self._jieba = tok
            return self._jieba

    def _tagger(self) -> Any:
        tok = self._tokenizer()
        with self._lock:
            if self._posseg is None:
                import jieba.posseg

                self._posseg = jieba.posseg.POSTokenizer(tok)
            return self._posseg

    def _tag(self, folded: str) -> list[tuple[str, str]]:
        return [(p.word, p.flag) for p in self._tagger().lcut(folded)]

    def cut(self, folded: str) -> list[str]:
        return [t for t in self._tokenizer().lcut(folded, HMM=True) if t.strip()]

    def tokens(self, text: str) -> list[str]:
        """Search tokens of a text: folded, segmented, stop words and punctuation dropped."""
        out = []
        for tok in self.cut(fold(text)):
            tok = tok.strip()
            if tok in _STOP or not _TOKEN_KEEP_RE.search(tok):
                continue
            out.append(tok)
        return out

    # -- names ------------------------------------------------------------------------
    def extract(self, text: str) -> set[str]:
        """Names in ``text`` (folded): organisations, quoted product names, Latin model names."""
        folded = fold(text)
        found = {n for n in self.names if n in folded}
        found |= latin_names(text)
        found |= {fold(q) for q in _QUOTED_RE.findall(text)}
        tagged = self._tag(folded)
        words = [w for w, _ in tagged]
        for i, word in enumerate(words):
            for suffix in _ORG_SUFFIX:
                if word == suffix and i > 0:
                    prev, tag = tagged[i - 1]
                    if (
                        re.fullmatch(f"[{CJK}]{{2,4}}", prev)
                        and prev not in _GENERIC
                        and tag[:1] not in _NOT_NAME_TAGS
                    ):
                        found.add(prev + suffix)
                elif word.endswith(suffix) and len(word) > len(suffix) + 1:
                    head = word[: -len(suffix)]
                    if head not in _GENERIC and re.fullmatch(f"[{CJK}]+", head):
                        found.add(word)
        # a shorter name inside a longer found one (浦发 in 浦发银行) is not a name of its own
        return {n for n in found if not any(n != m and n in m for m in found)}

    def is_plausible_organisation(self, name: str) -> bool:
        """A name from the corpus, or one whose head is a place name (江苏银行, 宁波银行)."""
        if name in self.names:
            return True
        head = next((name[: -len(s)] for s in _ORG_SUFFIX if name.endswith(s)), "")
        if not head:
            return True  # not an organisation pattern: a product or model name
        return str(self._tagger().word_tag_tab.get(head, "")).startswith("ns")

    def organisations(self, text: str) -> set[str]:
        return {n for n in self.extract(text) if n.endswith(_ORG_SUFFIX)}

    def subject_before(self, text: str, pos: int, window: int = 400) -> str:
        """The organisation named last before ``pos`` (the subject "该行" refers to), or ''."""
        span = fold(text[max(0, pos - window) : pos])
        names = self.organisations(span)
        return max(names, key=lambda n: (span.rfind(n), len(n)), default="")

    @classmethod
    def from_texts(cls, texts: Iterable[str]) -> Lexicon:
        """Build the corpus lexicon: names found in the corpus texts."""
        probe = cls()
        names: set[str] = set()
        for text in texts:
            names |= probe.extract(text)
        return cls(names)
