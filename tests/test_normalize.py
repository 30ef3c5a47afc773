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


def test_english_full_stops_end_sentences_but_not_figures_lists_or_abbreviations() -> None:
    def sentences(text: str) -> list[str]:
        return [text[a:b] for a, b in split_sentences(text)]

    assert sentences("Kiprotich won in 2:08:31. Li Jia was second. The race was 42.195 km.") == [
        "Kiprotich won in 2:08:31.",
        "Li Jia was second.",
        "The race was 42.195 km.",
    ]
    # a list's number, an abbreviation and a capital's initials do not end a sentence
    assert sentences("1. Open the app. 2. Tap Add.") == ["1. Open the app. 2. Tap Add."]
    assert sentences("Dr. Li treated the U.S. Army team. See [1].") == [
        "Dr. Li treated the U.S. Army team.",
        "See [1].",
    ]
    # Chinese and English in one text; Chinese full stops as before
    assert sentences("冠军是王磊。He won. 成绩2.5小时。") == ["冠军是王磊。", "He won.", "成绩2.5小时。"]


def test_numbers_are_folded_figures() -> None:
    assert numbers("節約9.68小時，提升35％，共1,200家") == ["9.68", "35%", "1200"]
