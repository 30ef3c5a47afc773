from rag.normalize import (
    fold,
    has_mojibake,
    is_english,
    is_traditional,
    numbers,
    remove_mojibake,
    split_sentences,
    strip_pinyin,
    to_traditional,
)


def test_pinyin_artefact_removed_real_parentheses_kept() -> None:
    text = "在同業(yè)中率先完成(AI)部署,DeepSeek-R1(671B)與綠(lǜ)色(如VIP等級)"
    assert strip_pinyin(text) == "在同業中率先完成(AI)部署,DeepSeek-R1(671B)與綠色(如VIP等級)"


def test_pinyin_artefact_needs_a_preceding_chinese_character() -> None:
    assert strip_pinyin("see (yes) and f(x)") == "see (yes) and f(x)"


def test_fold_matches_traditional_simplified_and_width() -> None:
    assert fold("江蘇銀行ＤｅｅｐＳｅｅｋ　９．６８") == fold("江苏银行DeepSeek 9.68")
    assert fold("國有大行") == "国有大行"


def test_script_and_language_detection() -> None:
    assert is_traditional("江蘇銀行每天節約多少小時")
    assert not is_traditional("江苏银行每天节约多少小时")
    assert is_english("How many hours does Bank of Jiangsu save?")
    assert not is_english("江苏银行DeepSeek节约多少")
    assert to_traditional("银行") == "銀行"


def test_mojibake_runs_are_cut_and_detected() -> None:
    line = "營銷轉化率提升約30%??头:弦?guī)質檢功能也得以實現"
    assert has_mojibake(line)
    cleaned = remove_mojibake(line)
    assert "?" not in cleaned and "30%" in cleaned and "質檢功能" in cleaned
    assert not has_mojibake("正常的句子，没有问题？")


def test_split_sentences_offsets_cover_text() -> None:
    text = "第一句。第二句！\n第三句没有结尾"
    spans = split_sentences(text)
    assert [text[a:b] for a, b in spans] == ["第一句。", "第二句！", "第三句没有结尾"]


def test_numbers_are_folded_figures() -> None:
    assert numbers("節約9.68小時，提升35％，共1,200家") == ["9.68", "35%", "1200"]
