"""scripts/replay.py: a recorded answer replayed through the checks is the answer recorded."""

import sys
from pathlib import Path

from rag.confidence import load_calibration
from rag.embed import E5Embedder
from rag.evaluate import EvalItem, run
from rag.index import Index
from rag.pipeline import Pipeline
from rag.settings import Settings
from tests.fakes import ScriptedGenerator

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "scripts"))
from replay import Replayed, ReplayPipeline

ITEMS = [
    EvalItem.model_validate(
        {
            "id": "a",
            "question": "江苏银行每天节约多少工作量？",
            "answer": "9.68小时",
            "keys": [["9.68"]],
            "gold": [{"doc_id": "x", "quote": "9.68"}],
            "type": "fact",
            "answerable": True,
        }
    ),
    EvalItem.model_validate(
        {
            "id": "b",
            "question": "江苏银行的员工有多少人？",
            "answer": "",
            "keys": [],
            "gold": [],
            "type": "unanswerable",
            "answerable": False,
        }
    ),
]


def test_a_replayed_recording_gives_the_recorded_answers(
    seed_settings: Settings, seed_index: Index, e5: E5Embedder
) -> None:
    calibration = load_calibration().model_copy(update={"threshold": 0.0})
    model = ScriptedGenerator(["江苏银行每天可节约9.68小时工作量[1]。", "员工有3万人[1]。"])
    model.judgement = 0.9
    recording = Pipeline(seed_settings, embedder=e5, generator=model, calibration=calibration)
    recording._index = seed_index
    recorded = run(recording, ITEMS, "t", progress=False)
    assert recorded[0].raw == "江苏银行每天可节约9.68小时工作量[1]。" and recorded[0].verified

    answers = {it.question: (r.raw, 0.8) for it, r in zip(ITEMS, recorded, strict=True) if r.raw}
    judge = ScriptedGenerator("")
    judge.judgement = 0.9
    replaying = ReplayPipeline(seed_settings, Replayed(judge, answers), calibration)
    replaying._embedder, replaying._index = e5, seed_index
    replayed = run(replaying, ITEMS, "t", progress=False)
    for old, new in zip(recorded, replayed, strict=True):
        assert (new.answer, new.verified, new.removed) == (old.answer, old.verified, old.removed)
    assert replayed[0].features["certainty"] == 0.8  # the recorded certainty stands in
    assert judge.checks  # the self-check is asked of the model again
