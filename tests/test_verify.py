from rag.context import Passage
from rag.lexicon import Lexicon
from rag.types import Hit
from rag.verify import check_sentence, is_refusal, parse_markers, question_constraints, split_answer

LEX = Lexicon(["江苏银行", "苏商银行", "上海银行"])


def _p(n: int, text: str, subject: str = "") -> Passage:
    hit = Hit(doc_id=f"d{n}", chunk_id=f"d{n}#000", title="t", text=text, start=0, end=len(text), score=1.0)
    return Passage(
        n=n, hit=hit, text=text, start=0, end=len(text), sentences=[(0, len(text))], subject=subject
    )


P1 = _p(1, "据江苏银行透露，该行识别成功率达90%以上，每天可节约9.68小时工作量。")
P2 = _p(2, "苏商银行相关负责人表示，欺诈风险标签准确率提升35%。")


def check(sentence: str, question: str, passages: list[Passage] | None = None):
    return check_sentence(sentence, passages or [P1, P2], LEX, question_constraints(question, LEX))


def test_supported_sentence_keeps_its_citation_and_span() -> None:
    c = check("江苏银行每天可节约9.68小时工作量[1]。", "江苏银行每天节约多少工作量？")
    assert c.verified and c.cites == [1] and c.span == (0, len(P1.text))


def test_sentence_citing_the_wrong_passage_is_recited() -> None:
    c = check("苏商银行欺诈风险标签准确率提升35%[1]。", "苏商银行欺诈风险标签准确率提升多少？")
    assert c.verified and c.cites == [2]


def test_invented_figure_is_removed() -> None:
    c = check("江苏银行每天可节约10小时工作量[1]。", "江苏银行每天节约多少工作量？")
    assert not c.verified and "10" in c.reason


def test_figure_moved_to_another_bank_is_rejected() -> None:
    c = check("浦发银行欺诈风险标签准确率提升35%[2]。", "浦发银行欺诈风险标签准确率提升了多少？")
    assert not c.verified


def test_figure_of_another_bank_in_an_unnamed_answer_is_rejected() -> None:
    # the answer does not name the bank, but the question does: 35% belongs to 苏商银行
    c = check("准确率提升了35%[2]。", "江苏银行欺诈风险标签准确率提升了多少？")
    assert not c.verified


def test_subject_carried_into_a_passage_satisfies_the_question() -> None:
    p = _p(1, "智能客服接通率從86%提升至95%，累計部署超400名數字員工。", subject="上海银行")
    c = check("智能客服接通率提升至95%[1]。", "上海银行智能客服接通率提升到多少？", [p])
    assert c.verified


def test_year_in_question_must_be_in_the_figure_sentence() -> None:
    c = check("江苏银行每天可节约9.68小时工作量[1]。", "江苏银行2023年每天节约多少小时？")
    assert not c.verified


def test_english_answer_checks_figures() -> None:
    assert check(
        "Bank of Jiangsu saves 9.68 hours per day [1].", "How many hours does Bank of Jiangsu save?"
    ).verified
    assert not check(
        "Bank of Jiangsu saves about 10 hours [1].", "How many hours does Bank of Jiangsu save?"
    ).verified


def test_markers_parsed_and_dangling_ones_dropped() -> None:
    assert parse_markers("甲[1]、[2]，乙[3,4]。") == ("甲，乙。", [1, 2, 3, 4])
    c = check("江苏银行每天可节约9.68小时工作量[7]。", "江苏银行每天节约多少？")
    assert c.verified and c.cites == [1]


def test_split_answer_keeps_trailing_markers_with_their_sentence() -> None:
    assert split_answer("第一句。[1]第二句[2]。") == ["第一句。[1]", "第二句[2]。"]


def test_refusals_are_recognised() -> None:
    assert is_refusal("资料中没有提及招商银行的数据。")
    assert is_refusal("The passages do not mention it.")
    assert not is_refusal("江苏银行每天可节约9.68小时工作量。")


P3 = _p(3, "江苏银行成功本地化部署微调DeepSeek-VL2多模态模型、轻量DeepSeek-R1推理模型。")
P4 = _p(4, "邮储银行本地部署并集成DeepSeek-V3模型和轻量DeepSeek-R1推理模型。")


def test_a_model_credited_to_the_wrong_one_of_two_banks_is_rejected() -> None:
    q = "江苏银行和邮储银行分别部署了哪些DeepSeek模型？"
    assert not check("江苏银行和邮储银行分别部署了DeepSeek-VL2和DeepSeek-R1[3][4]。", q, [P3, P4]).verified
    assert check("江苏银行部署了DeepSeek-VL2[3]，邮储银行部署了DeepSeek-V3[4]。", q, [P3, P4]).verified
    assert check("江苏银行和邮储银行都部署了DeepSeek-R1[3][4]。", q, [P3, P4]).verified
