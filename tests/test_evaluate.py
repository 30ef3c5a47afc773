import json
from collections import Counter
from pathlib import Path

import pytest

from rag.cli import main
from rag.errors import InputError
from rag.evaluate import DEFAULT_SET, compare, load_set, validate_set
from rag.ingest import load_corpus
from rag.metrics import EvalItem, Row, char_f1, coverage_risk, has_keys, retrieval_metrics, summarise
from rag.settings import PROJECT_ROOT, Settings
from rag.types import Chunk, Hit


def test_the_evaluation_set_is_valid_and_covers_every_type() -> None:
    items = load_set(DEFAULT_SET)
    docs = {d.doc_id: d.text for d in load_corpus(PROJECT_ROOT / "seeds")}
    assert validate_set(items, docs) == []
    assert len(items) >= 80
    types = Counter(i.type for i in items)
    for t in (
        "single_fact",
        "number",
        "date",
        "multi_doc",
        "conflict",
        "traditional",
        "english",
        "paraphrase",
        "followup",
        "unanswerable",
    ):
        assert types[t] >= 3, t
    assert sum(not i.answerable for i in items) >= 0.15 * len(items)
    assert all(i.history for i in items if i.type == "followup")


@pytest.mark.parametrize(
    "qa", sorted((PROJECT_ROOT / "eval").glob("*/qa.jsonl")), ids=lambda p: p.parent.name
)
def test_each_set_beside_its_corpus_is_valid_with_near_misses(qa: Path) -> None:
    items = load_set(qa)
    docs = {d.doc_id: d.text for d in load_corpus(qa.parent / "corpus")}
    assert validate_set(items, docs) == []
    assert len(items) >= 40 and sum(not i.answerable for i in items) >= 0.25 * len(items)


def test_validation_catches_bad_items() -> None:
    item = EvalItem(
        id="x",
        question="q",
        answer="a",
        keys=[["9.68"]],
        type="number",
        answerable=True,
        gold=[{"doc_id": "d", "quote": "每天节约10小时"}],
    )  # type: ignore[list-item]
    problems = validate_set([item, item], {"d": "全文：每天节约10小时。"})
    assert any("duplicate" in p for p in problems) and any("9.68" in p for p in problems)


def test_bad_set_line_is_an_input_error(tmp_path: Path) -> None:
    f = tmp_path / "set.jsonl"
    f.write_text('{"id": "a"}\n', encoding="utf-8")
    with pytest.raises(InputError, match=r"set\.jsonl:1"):
        load_set(f)


def test_metrics() -> None:
    assert has_keys("江蘇銀行每天節約 9.68 小時", [["9.68"], ["江苏银行"]])
    assert not has_keys("每天节约10小时", [["9.68"]])
    assert has_keys("共举办了三届", [["3届"]])
    assert char_f1("节约9.68小时[1]", "节约9.68小时") == 1.0
    assert 0 < char_f1("节约9.68", "每天节约9.68小时") < 1
    item = EvalItem(
        id="x",
        question="q",
        answer="a",
        keys=[["35%"]],
        type="number",
        answerable=True,
        gold=[{"doc_id": "b", "quote": "35%"}],
    )  # type: ignore[list-item]
    hits = [
        Hit(chunk=Chunk(chunk_id=d, doc_id=d, title="", text=t, start=0, end=1), score=1.0)
        for d, t in (("a", "无关"), ("b", "提升35%"))
    ]
    m = retrieval_metrics(item, hits)
    assert (m["recall1"], m["recall3"], m["mrr"]) == (0.0, 1.0, 0.5)
    hits[1].chunk.doc_id = "b.txt"  # a gold id written without the extension still names it
    assert retrieval_metrics(item, hits)["mrr"] == 0.5


@pytest.mark.slow
def test_rag_eval_retrieval_only_writes_reports_and_enforces_thresholds(
    seed_settings: Settings,
    seed_index: object,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("RAG_CORPUS_DIR", str(seed_settings.corpus_dir))
    monkeypatch.setenv("RAG_INDEX_DIR", str(seed_settings.index_dir))
    out = tmp_path / "r1"
    assert main(["eval", "--retrieval-only", "--out", str(out), "--min-recall", "0.9"]) == 0
    report = json.loads((out / "report.json").read_text(encoding="utf-8"))
    assert report["overall"]["recall3"] >= 0.9 and "english" in report["by_type"]
    assert (out / "report.md").read_text(encoding="utf-8").startswith("# Evaluation report")
    assert (out / "by_type.png").read_bytes()[:4] == b"\x89PNG"
    # same index and settings: the same figures
    out2 = tmp_path / "r2"
    assert main(["eval", "--retrieval-only", "--out", str(out2), "--compare", str(out / "report.json")]) == 0
    report2 = json.loads((out2 / "report.json").read_text(encoding="utf-8"))
    assert [r["top"] for r in report2["rows"]] == [r["top"] for r in report["rows"]]
    assert "| recall@3 |" in capsys.readouterr().out
    # an impossible threshold fails
    assert main(["eval", "--retrieval-only", "--out", str(out2), "--min-recall", "1.01"]) == 1


def test_compare_table() -> None:
    new = {"overall": {"recall3": 0.9}}
    old = {"overall": {"recall3": 0.8}}
    assert "| recall@3 | 0.800 | 0.900 | +0.100 |" in compare(new, old)


def _row(answerable: bool, confidence: float, right: bool, abstained: bool) -> Row:
    return Row(
        id=f"{confidence}",
        set="s",
        type="t",
        answerable=answerable,
        verified=True,
        confidence=confidence,
        right_if_answered=right,
        abstained=abstained,
        correct=float(right and not abstained) if answerable else float(abstained),
    )


def test_summary_and_coverage_risk_curve() -> None:
    rows = [
        _row(True, 0.9, True, False),
        _row(True, 0.6, False, False),
        _row(False, 0.3, False, True),
        _row(True, 0.2, True, True),
    ]
    s = summarise(rows)
    assert (s.answerable, s.unanswerable) == (3, 1)
    assert s.accuracy == round(1 / 3, 4) and s.abstention == 1.0 and s.false_abstention == round(1 / 3, 4)
    curve = dict((t, (cov, risk)) for t, cov, risk in coverage_risk(rows))
    assert curve[0.0] == (1.0, 0.5)  # all four answered at threshold 0: two wrong
    assert curve[0.9] == (0.25, 0.0)  # only the confident right one
    assert curve[0.6] == (0.5, 0.5)
