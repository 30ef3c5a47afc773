"""Questions in languages other than Chinese and English: read with their own function words,
answered in their language, refused in their language (unit cases, then the real models)."""

from __future__ import annotations

from pathlib import Path

import pytest

from rag.answer import build_messages
from rag.build import build_index
from rag.context import Passage
from rag.embed import E5Embedder
from rag.entities import latin_names
from rag.figures import figures
from rag.generators.llama import LlamaGenerator
from rag.language import detect
from rag.lexicon import Lexicon
from rag.normalize import fold, is_english
from rag.pipeline import Pipeline
from rag.prompts import language_line, localized
from rag.question import read, resolve
from rag.settings import Settings
from rag.types import Chunk, Hit
from rag.verify import check_sentence
from rag.verify.names import negated
from rag.verify.support import SentenceCheck, answers_the_type


@pytest.mark.parametrize(
    ("text", "lang"),
    [
        ("How much does the annual pass cost?", "en"),
        ("Who won the women's marathon in 2024?", "en"),
        ("Combien coûte le billet plein tarif au musée ?", "fr"),
        ("Quelle est la posologie de l'amoxicilline pour un enfant ?", "fr"),
        ("Wie viel kostet die Jahreskarte für Fahrräder?", "de"),
        ("Wer hat das Finale der Meisterschaft gewonnen?", "de"),
        ("¿Cuántas estaciones abrirá la ciudad en 2025?", "es"),
        ("¿Quién dirigió la película ganadora del festival?", "es"),
        ("Quanto costa il biglietto del Museo Egizio?", "it"),
        ("Quantos funcionários a empresa tinha em 2024?", "pt"),
        ("図書は何冊まで借りられますか？", "ja"),
        ("营业时间是几点到几点？", "zh"),
        ("營業時間是幾點？", "zh"),
    ],
)
def test_the_language_of_a_question(text: str, lang: str) -> None:
    assert detect(text, is_english(text)) == lang


def test_a_french_question_word_is_neither_a_name_nor_a_content_word() -> None:
    # "Combien" starts the question with a capital: read as a name that no document holds,
    # it refused every French question before generation
    q = read("Combien coûte le billet plein tarif au musée ?")
    assert q.lang == "fr" and q.english and not q.traditional
    assert q.names == ()
    assert set(q.terms) == {"coûte", "billet", "plein", "tarif", "musée"}  # whole words, accents kept
    assert q.asks == "quantity"


@pytest.mark.parametrize(
    ("text", "asks", "terms"),
    [
        ("Qui a remporté le marathon de Lyon en 2023 ?", "who", {"remporté", "marathon", "lyon"}),
        ("Quand le pont sera-t-il rouvert ?", "when", {"pont", "sera-t-il", "rouvert"}),
        ("Wo findet das Konzert statt?", "where", {"findet", "konzert", "statt"}),
        ("¿Por qué se retrasó el vuelo?", "why", {"retrasó", "vuelo"}),
        ("Quante compresse al giorno si possono prendere?", "quantity", {"compresse", "giorno", "prendere"}),
        ("Onde fica a sede da empresa?", "where", {"fica", "sede", "empresa"}),
    ],
)
def test_questions_in_other_latin_languages(text: str, asks: str, terms: set[str]) -> None:
    q = read(text)
    assert q.asks == asks
    assert terms <= set(q.terms)
    assert not set(q.terms) & set(q.stop)  # no function word counts as content


@pytest.mark.parametrize(
    "text",
    [
        "Le musée est-il ouvert le lundi ?",  # French inversion
        "Est-ce que le parking est gratuit ?",
        "Ist das Schwimmbad sonntags geöffnet?",  # German: the verb first
        "¿Es gratuita la entrada para los niños?",
        "Posso portare il cane sul treno?",
        "Posso cancelar a reserva sem custo?",
    ],
)
def test_yes_or_no_questions_in_other_languages(text: str) -> None:
    assert read(text).asks == "yesno"


def test_german_nouns_are_not_names_but_runs_and_marked_words_are() -> None:
    q = read("Wie viel kostet die Jahreskarte der Deutschen Bahn für den ICE4?")
    assert q.lang == "de"
    assert "jahreskarte" not in q.names and "jahreskarte" in q.terms
    assert "deutschen bahn" in q.names and "ice4" in q.names
    # the same word in English text is a name: only German capitalises every noun
    assert latin_names("The Jahreskarte covers all lines.") == ["jahreskarte"]


@pytest.mark.parametrize(
    ("text", "name"),
    [
        ("¿Qué horario tiene el Centro de Salud Las Acacias los sábados?", "centro de salud las acacias"),
        ("Quantos produtores o Banco do Brasil financiou?", "banco do brasil"),
        ("Quels sont les horaires du Musée du Louvre ?", "musée du louvre"),
        ("Quanto costa la Galleria degli Uffizi?", "galleria"),  # "degli" is no particle listed
    ],
)
def test_a_name_keeps_its_small_words(text: str, name: str) -> None:
    assert name in read(text).names


def test_english_names_stay_as_they_were() -> None:
    # English has no particles listed: "Bank of China" is read as two names, as before
    assert read("Who works at the Bank of China?").names == ("bank", "china")


def test_accented_letters_stay_inside_names() -> None:
    assert latin_names("Le contrat a été signé par José Müller à Genève.") == ["josé müller", "genève"]


@pytest.mark.parametrize(
    ("text", "lang", "no"),
    [
        ("Non, le musée n'est pas ouvert le lundi.", "fr", True),
        ("Oui, le musée est ouvert le mardi.", "fr", False),
        ("Nein, das Bad ist sonntags nicht geöffnet.", "de", True),
        ("Ja, der Eintritt ist frei.", "de", False),
        ("No, la entrada no es gratuita.", "es", True),
        ("Não, a reserva não pode ser cancelada.", "pt", True),
        ("いいえ、月曜日は開館していません。", "ja", True),
    ],
)
def test_a_no_in_the_question_s_language(text: str, lang: str, no: bool) -> None:
    assert negated(text, lang) is no


def test_another_language_s_negation_does_not_count_in_english() -> None:
    # "pas" and "nicht" are words of French and German only
    assert not negated("The pas de deux lasts nine minutes.", "en")
    assert negated("Le pas de deux ne dure pas neuf minutes.", "fr")


@pytest.mark.parametrize(
    ("question", "answer"),
    [
        ("土曜日は何時に開館しますか？", "土曜日は午前10時に開館します。"),
        ("博物馆周六何时开门？", "周六上午10点开门。"),
        ("When does the pool open on Sundays?", "It opens at 8 am on Sundays."),
        ("Wann öffnet das Bad am Samstag?", "Samstags um 8 Uhr."),
    ],
)
def test_a_time_of_day_answers_when(question: str, answer: str) -> None:
    # before, only a date, a duration or a day answered "when": "上午10点" was no answer to "何时"
    assert read(question).asks == "when"
    check = SentenceCheck(answer, [1], True, figures=figures(fold(answer), folded=True))
    assert answers_the_type([check], read(question))


@pytest.mark.parametrize(
    ("question", "history", "query"),
    [
        (
            "Et en 2023 ?",
            ("Quel était le taux de vélos endommagés en 2024 ?", "6 %[1]"),
            "Quel était le taux de vélos endommagés en 2023 ?",
        ),
        (
            "Und 2023?",
            ("Wie viele Fahrten gab es 2024?", "6,8 Millionen[1]"),
            "Wie viele Fahrten gab es 2023?",
        ),
        (
            "¿Y en 2023?",
            ("¿Cuánto alcanzaron las ventas de Conservas Marinas del Norte en 2024?", "48,6 millones[1]"),
            "¿Cuánto alcanzaron las ventas de Conservas Marinas del Norte en 2023?",
        ),
        (
            "E nel 2023?",
            ("Quanti prestiti ha registrato la biblioteca nel 2024?", "12.000[1]"),
            "Quanti prestiti ha registrato la biblioteca nel 2023?",
        ),
        (
            "2023年度は？",
            ("ミナト精機の2024年度の営業利益はいくらですか？", "62億円[1]"),
            "ミナト精機の2023年度の営業利益はいくらですか？",
        ),
    ],
)
def test_a_follow_up_in_another_language_takes_the_last_question(
    question: str, history: tuple[str, str], query: str
) -> None:
    # before, "Et en 2023 ?" was read on its own: only the year and no measure to search for
    assert resolve(question, [history]).query == query


def test_a_follow_up_naming_nothing_takes_the_last_question_s_subject() -> None:
    q = resolve(
        "Combien de stations compte-t-il ?",
        [("Quand le réseau Vélo Valmont a-t-il été créé ?", "En 2015[1]")],
    )
    assert "vélo valmont" in q.query


def test_a_japanese_day_answers_when() -> None:
    q = read("休館日はいつですか？")
    assert q.lang == "ja" and q.asks == "when" and not q.traditional
    said = SentenceCheck("休館日は毎月第三木曜日です。", [1], True)
    assert answers_the_type([said], q)
    vague = SentenceCheck("休館日は館内に掲示されています。", [1], True)
    assert not answers_the_type([vague], q)


@pytest.mark.parametrize(
    ("lang", "latin", "start"),
    [
        ("fr", True, "Les documents ne répondent pas"),
        ("de", True, "Die Dokumente beantworten"),
        ("es", True, "Los documentos no responden"),
        ("it", True, "I documenti non rispondono"),
        ("pt", True, "Os documentos não respondem"),
        ("ja", False, "資料にはこの質問に"),
        ("en", True, "The documents do not answer"),
        ("zh", False, "资料中没有找到"),
        ("nl", True, "The documents do not answer"),  # no messages of its own: English
    ],
)
def test_refusals_are_in_the_question_s_language(lang: str, latin: bool, start: str) -> None:
    assert localized("abstain", lang, latin).startswith(start)


def test_the_prompt_asks_for_the_question_s_language() -> None:
    assert language_line("zh") == ""
    assert "Answer in English" in language_line("en")
    assert "Answer in French" in language_line("fr")
    assert "Answer in Portuguese" in language_line("pt")
    assert "日语" in language_line("ja")
    asked = build_messages(read("Wie viel kostet die Jahreskarte?"), [])[-1]["content"]
    assert asked.endswith("Answer in German. Copy every number exactly as the passage writes it.")
    assert "Answer in" not in build_messages(read("年卡多少钱？"), [])[-1]["content"]


def _passage(n: int, text: str, title: str = "t") -> Passage:
    chunk = Chunk(chunk_id=f"d{n}#000", doc_id=f"d{n}", title=title, text=text, start=0, end=len(text))
    p = Passage(n=n, hit=Hit(chunk=chunk, score=1.0), text=text, start=0, end=len(text))
    p.sentences = [(a, b) for a, b, _ in p.sentence_texts()]
    return p


CLINIC = _passage(
    1,
    "El centro atiende de lunes a viernes de 8:00 a 20:00. Los sábados solo funciona el servicio de "
    "urgencias, de 9:00 a 14:00.",
    title="Centro de Salud Las Acacias: guía para pacientes",
)
LEAFLET = _passage(
    2,
    "La dose habituelle est de 1 comprimé de 500 mg, à renouveler au bout de 4 heures minimum. "
    "Ne pas dépasser 6 comprimés par jour.",
)
LEAGUE = _passage(
    3,
    "Der FC Talheim gewann die Meisterschaft der Saison 2023/24. In der Saison 2022/23 war der SV "
    "Auenbach Meister geworden. Torschützenkönig wurde Jonas Reiter mit 24 Toren.",
)


@pytest.mark.parametrize(
    ("sentence", "question", "passage", "ok"),
    [
        # the frame "el … de" is made of function words: "servicio" does not replace "Centro"
        (
            "Los sábados solo funciona el servicio de urgencias, de 9:00 a 14:00.[1]",
            "¿Qué horario tienen las urgencias los sábados en el Centro de Salud Las Acacias?",
            CLINIC,
            True,
        ),
        (
            "Il faut attendre 4 heures minimum.[2]",
            "Combien d'heures faut-il attendre entre deux comprimés ?",
            LEAFLET,
            True,
        ),
        # the passage's 6 counts tablets, not hours
        (
            "Il faut attendre 6 heures.[2]",
            "Combien d'heures faut-il attendre entre deux comprimés ?",
            LEAFLET,
            False,
        ),
        ("Jonas Reiter wurde Torschützenkönig.[3]", "Wer wurde Torschützenkönig?", LEAGUE, True),
        (
            "Marco Brenner wurde Torschützenkönig.[3]",
            "Wer wurde Torschützenkönig?",
            LEAGUE,
            False,
        ),  # invented
        # restating the question is no answer, in any language
        ("Le pont sera rouvert.[2]", "Quand le pont sera-t-il rouvert ?", LEAFLET, False),
    ],
)
def test_the_checks_in_other_languages(sentence: str, question: str, passage: Passage, ok: bool) -> None:
    assert check_sentence(sentence, [passage], read(question), Lexicon()).verified is ok


# -- the real models ------------------------------------------------------------------------

CORPUS = {
    "musee.md": (
        "# Musée municipal : informations pratiques\n\n"
        "Le musée est ouvert du mardi au dimanche, de 10 h à 18 h. Il est fermé le lundi.\n\n"
        "Le billet plein tarif coûte 12 euros. Le tarif réduit, à 8 euros, s'applique aux "
        "étudiants. L'entrée est gratuite pour les moins de 18 ans.\n\n"
        "Les visites guidées ont lieu chaque samedi à 14 h 30 et durent environ 90 minutes.\n"
    ),
    "fahrrad.md": (
        "# Jahresbericht 2024 des Fahrradverleihs\n\n"
        "Im Jahr 2024 gab es 320 Stationen und 4.500 Fahrräder. Die Zahl der Fahrten stieg auf "
        "6,8 Millionen.\n\nDie Jahreskarte kostet 39 Euro. Die ersten 30 Minuten jeder Fahrt "
        "sind inbegriffen.\n"
    ),
    "toshokan.md": (
        "# 市立中央図書館 利用案内\n\n"
        "開館時間は平日が午前9時から午後8時までです。毎月第三木曜日は休館日です。\n\n"
        "図書の貸出は一人10冊まで、期間は2週間です。雑誌の最新号は貸出できません。\n"
    ),
}


@pytest.fixture(scope="module")
def pipeline(
    tmp_path_factory: pytest.TempPathFactory, e5: E5Embedder, default_generator: LlamaGenerator
) -> Pipeline:
    root: Path = tmp_path_factory.mktemp("languages")
    (root / "corpus").mkdir()
    for name, text in CORPUS.items():
        (root / "corpus" / name).write_text(text, encoding="utf-8")
    settings = Settings(corpus_dir=root / "corpus", index_dir=root / "index")
    build_index(settings, e5)
    return Pipeline(settings, embedder=e5, generator=default_generator)


@pytest.mark.slow
@pytest.mark.parametrize(
    ("question", "key", "words"),
    [
        ("Combien coûte le billet plein tarif au musée ?", "12", ("euros",)),
        ("Wie viel kostet die Jahreskarte?", "39", ("Euro",)),
        ("図書は何冊まで借りられますか？", "10冊", ()),
    ],
)
def test_answered_in_the_question_s_language(
    pipeline: Pipeline, question: str, key: str, words: tuple[str, ...]
) -> None:
    answer = pipeline.ask(question)
    assert not answer.abstained, answer.reason
    assert key in answer.text
    assert all(w in answer.raw_text for w in words), answer.raw_text  # its language, not English
    assert any(c.verified for c in answer.citations)


@pytest.mark.slow
@pytest.mark.parametrize(
    ("question", "start"),
    [
        (
            "Combien coûte une visite guidée pour un groupe scolaire en 2019 ?",
            "Les documents ne répondent pas",
        ),
        ("図書館の駐車場は何台分ありますか？", "資料にはこの質問に"),
    ],
)
def test_refused_in_the_question_s_language(pipeline: Pipeline, question: str, start: str) -> None:
    answer = pipeline.ask(question)
    assert answer.abstained
    assert answer.text.startswith(start)
