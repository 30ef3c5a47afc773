"""The question's frame around one of its words, filled with another thing in the clause that
states the answer: "2023年台北羽毛球公开赛男单冠军" stated where "2023年全英羽毛球公开赛男单冠军"
was asked is about another tournament. Text is compared as tokens (a Latin word or number is
one, every other character one); what fills the frame is told apart from a paraphrase by its
part-of-speech tags."""

from __future__ import annotations

import re
from collections.abc import Iterator

from ..language import LANG, LATIN
from ..lexicon import tag
from ..normalize import CJK_RE, fold
from ..question import Question
from .names import holds_name, look_alike


def substituted(question: Question, clause: str) -> str:
    """A word of the question that the clause stating the answer replaces by another in the
    same frame: the question's words on both sides of it stand there with something else
    between ("2023年全英羽毛球公开赛男单冠军" asked, "2023年台北羽毛球公开赛男单冠军" stated;
    "世界互联网大会" asked, "世界5G大会" stated). The clause is about that other thing. A longer
    form of the word ("公开赛" in "公开锦标赛") and a gap of one character ("中国的经济") are no
    rival. A term that ends the question is framed by its left side and the end of a clause,
    a weaker frame that only a look-alike fills ("女子跳台亚军。" for "女子双人10米跳台冠军");
    the right side alone frames nothing: "全年城镇新增就业" answers for "中国城镇新增就业"."""
    asked = _tokens(question.folded)
    stated = _tokens(clause)
    for t in question.terms:
        if len(t) < 2 or holds_name(clause, t):
            continue
        for lo, hi in _all(asked, _tokens(t)):  # "冠军" of "冠军赛女子双人10米跳台冠军" twice
            # the left side may stand apart from a name ("2023年" of "2023年ATP中国公开赛"), from
            # any other word only next to it: "新西兰政府总理" frames no "新西兰2023年新任总理"
            before = asked[:lo] if t in question.names else _anchor(asked[:lo][::-1])[::-1]
            # a term that ends the question's phrase is framed by the end of a clause, a weaker
            # frame that only a look-alike fills: "女子跳台亚军。" stated where "女子双人10米跳台
            # 冠军" was asked, not "跳板金牌。" for "跳板冠军"
            right = _anchor(asked[hi:])
            ends = hi == len(asked) or not _WORD_RE.match(asked[hi])
            for gap in _gaps(stated, before, right, ends):
                if _rival(gap, t, question, right) and (right or look_alike("".join(gap), t)):
                    return f"about {''.join(gap)}, not {t}"
    return ""


def listed_instead(question: Question, sentence: str) -> str:
    """A word of the question whose place two or more clauses of the sentence stating the
    answer fill with other things, the sentence never naming it: "整机保修2年，电机保修5年"
    lists parts, and 滤网 of "滤网保修几年" is none of them. The place is at the start of a
    clause, before the question's words right after the term ("保修"). One such clause alone
    is no list: "全年城镇新增就业1269万人" answers for "中国城镇新增就业"."""
    asked = _tokens(question.folded)
    clauses = [_tokens(c.strip()) for c in re.split(r"[，,；;。！？!?]", fold(sentence)) if c.strip()]
    for t in question.terms:
        if len(t) < 2 or not CJK_RE.match(t) or holds_name(fold(sentence), t):
            continue
        for _, hi in _all(asked, _tokens(t)):
            right = _anchor(asked[hi:])
            if not right:
                continue
            others = []
            for toks in clauses:
                at = _find(toks, right)
                if at is None or not 0 < at[0] <= _MAX_GAP:
                    continue
                thing = toks[: at[0]]
                word = "".join(thing)
                if all(_WORD_RE.match(x) for x in thing) and _listed(word, t):
                    others.append(word)
            if len(set(others)) >= 2:
                return f"about {'、'.join(dict.fromkeys(others))}, not {t}"
    return ""


def _listed(word: str, term: str) -> bool:
    """Is ``word`` another thing of the term's kind in a list: a noun, name or number, or a
    word that sorts nouns (jieba's "b": 整机, 男子), not the term's longer or shorter form?"""
    if len(word) < 2 or _within(term, word) or _within(word, term):
        return False
    return all(flag in _NOMINAL or flag == "b" for _, flag in tag(word))


def _gaps(stated: list[str], before: list[str], right: list[str], ends: bool) -> Iterator[list[str]]:
    """What stands between the two sides of the frame in the clause: before ``right`` (the
    question's words right after the term; where ``ends``, the end of a clause) and after words
    that the question has before the term (``before``), next to it or not: "2023年ATP中国公开赛"
    asked, "2023年达拉斯公开赛" stated."""
    if not right and not ends:
        return
    for k in range(len(stated) - len(right) + 1):
        if right and stated[k : k + len(right)] != right:
            continue
        if not right and k < len(stated) and _WORD_RE.match(stated[k]):
            continue
        start = k  # the run of words right before the right side
        while start > 0 and _WORD_RE.match(stated[start - 1]):
            start -= 1
        for g in range(1, min(k - start, _MAX_GAP) + 1):
            left = _anchor(stated[start : k - g][::-1])[::-1]
            # the gap starts where the question's words stop ("2023年" is not "2023" and a gap "年北京")
            if left and _find(before, left) is not None and _find(before, [*left, stated[k - g]]) is None:
                yield stated[k - g : k]


_MAX_GAP = 6  # tokens between the frame's two sides: a name, not a clause
_TOKEN_RE = re.compile(f"[{LATIN}0-9]+(?:\\.[0-9]+)?|\\S")
_WORD_RE = re.compile(r"\w")  # a token that is no punctuation


def _tokens(text: str) -> list[str]:
    """Folded text as tokens: a Latin word or number is one, every other character one."""
    return _TOKEN_RE.findall(text)


def _all(tokens: list[str], part: list[str]) -> list[tuple[int, int]]:
    n = len(part)
    return [(i, i + n) for i in range(len(tokens) - n + 1) if tokens[i : i + n] == part]


def _find(tokens: list[str], part: list[str]) -> tuple[int, int] | None:
    found = _all(tokens, part)
    return found[0] if found else None


def _anchor(tokens: list[str]) -> list[str]:
    """The question's words next to a term, nearest first: two characters, or one Latin word
    or number; none where punctuation comes first."""
    out: list[str] = []
    for tok in tokens:
        if not _WORD_RE.match(tok):
            return []
        out.append(tok)
        if sum(len(x) for x in out) >= 2:
            return out
    return []


def _rival(gap: list[str], term: str, question: Question, right: list[str]) -> bool:
    """Does the gap name another thing of the term's kind: both nouns, names or numbers (not
    "我国" for "中国", "完全使用" for "租用", "阿拉伯在" for "参加"), the gap more than a lone
    character and not the term's longer or shorter form? In Latin script, which the tagger does not tell
    apart, a name of the question has rivals: words no longer than it and no function word
    ("India Open" for "Malaysia Open", not "does not support" for "use"); another word has one
    only as one word for one between the question's words on both sides, the right one no
    function word ("size for Pro accounts" for "size for free accounts"). A Latin word stands
    for a Chinese one only as a model's name with a digit ("5G", not "GDP" for "经济")."""
    word = "".join(gap)
    if len(word) < 2 or term in word:
        return False
    stop = question.stop  # the function words of the question's language
    if re.search(f"[{LATIN}]", term):
        one_for_one = (
            len(gap) == len(_tokens(term)) == 1
            and bool(right)
            and not any(x in stop for x in right)  # "she won the title" for "she win the"
            and gap[0][0] != term[0]  # an inflection ("won" for "win") is the same word
        )
        if term not in question.names and not one_for_one:
            return False
        if len(gap) > len(_tokens(term)) or any(x in stop for x in gap):
            return False
    elif re.search(r"[a-z]", word):  # a model's name ("5G" for "互联网"), not a word ("GDP" for "经济")
        if len(gap) > 1 or not re.search(r"\d", word) or not _nominal(term):
            return False
    elif not (_nominal(word) and _nominal(term)):
        return False
    # a longer or shorter form is the same thing: 公开赛 within 公开锦标赛, 北京 of 北京市
    return not (_within(term, word) or _within(word, term))


def _within(short: str, long: str) -> bool:
    """Are the characters of ``short`` in ``long``, in order?"""
    rest = iter(long)
    return all(ch in rest for ch in short)


def _nominal(text: str) -> bool:
    """Is every word of the text a noun, a name or a number, by its part-of-speech tag?"""
    return all(flag in _NOMINAL for _, flag in tag(text))


_NOMINAL = frozenset(LANG.noun_tags) | {"m", "l"}  # "l": jieba's tag for set phrases such as 遥四
