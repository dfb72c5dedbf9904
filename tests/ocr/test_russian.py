"""Russian court acts: names back to the nominative, every case-number and amount shape, the
fields of every act type, matching a declined name to the case, and the real Tesseract engine
reading a generated court order (marked ``ocr``; it runs in the normal suite and in CI)."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from PIL import Image

from core.ocr.engine import OcrLine, TesseractEngine, engine_status, read_scan
from core.ocr.extract import extract_fields, split_acts, values
from core.ocr.matching import rank_debtors
from core.ocr.names import to_nominative
from core.ocr.preprocess import estimate_skew, prepare_page
from tests.ocr.court_acts import DOC_TYPES, format_rub, make_act, truth_values


@pytest.mark.parametrize(
    ("declined", "nominative"),
    [
        ("Михайлова Артёма Андреевича", "Михайлов Артём Андреевич"),  # the example
        ("Михайловой Анне Сергеевне", "Михайлова Анна Сергеевна"),
        ("Ковальским Ильёй Ильичом", "Ковальский Илья Ильич"),
        ("Ковальчук Любови Кузьминичны", "Ковальчук Любовь Кузьминична"),  # a woman's -ук never declines
        ("Ковальчука Льва Петровича", "Ковальчук Лев Петрович"),
        ("Шевченко Никиты Юрьевича", "Шевченко Никита Юрьевич"),
        ("Черных Ольги Николаевны", "Черных Ольга Николаевна"),
        # names the generator never prints
        ("Петровой Галины Викторовны", "Петрова Галина Викторовна"),
        ("Сидоренко Остапа Богдановича", "Сидоренко Остап Богданович"),
        ("Римского-Корсакова Николая Андреевича", "Римский-Корсаков Николай Андреевич"),
        ("Абдуллаеву Рустаму Ильдаровичу", "Абдуллаев Рустам Ильдарович"),
        ("Ёлкина Фёдора Кузьмича", "Ёлкин Фёдор Кузьмич"),
    ],
)
def test_a_declined_name_comes_back_to_the_nominative(declined: str, nominative: str) -> None:
    assert to_nominative(declined).name == nominative


def test_a_name_without_a_patronymic_is_left_as_read() -> None:
    assert to_nominative("Нгуен Тхи Хоа").name == "Нгуен Тхи Хоа"


@pytest.mark.parametrize(
    ("line", "number"),
    [
        ("Дело № 2-1078/2021", "2-1078/2021"),
        ("Дело № 2-2328/259/2025", "2-2328/259/2025"),
        ("Дело № 2-6416-159/2025", "2-6416-159/2025"),
        ("Дело № 2а-15/2024", "2а-15/2024"),
        ("Дело № 2a-15/2024", "2а-15/2024"),  # OCR's Latin "a"
        ("Дело № 2-158/2024 (2-3529/2023)", "2-158/2024"),  # the earlier number in brackets
        ("Материал № М-1234/2024", "М-1234/2024"),
        ("Дело № 2-2З28/259/2О25", "2-2328/259/2025"),  # З for 3 and О for 0
    ],
)
def test_every_case_number_shape(line: str, number: str) -> None:
    assert values(extract_fields(f"СУДЕБНЫЙ ПРИКАЗ\n{line}\n16.05.2024 г. Волгоград"))["case_number"] == number


@pytest.mark.parametrize("variant", [0, 1, 2])
def test_every_amount_shape_in_the_operative_part(variant: int) -> None:
    from decimal import Decimal

    total, principal, interest, fee = Decimal("49791.01"), Decimal("30000.00"), Decimal("19791.01"), Decimal("846.87")
    text = "\n".join(
        [
            "СУДЕБНЫЙ ПРИКАЗ",
            "«16» мая 2024 г. г. Волгоград",
            "ПРИКАЗАЛ:",
            f"Взыскать с Михайлова Артёма Андреевича задолженность в размере {format_rub(total, variant)},",
            f"из которых основной долг — {format_rub(principal, variant)}, проценты — {format_rub(interest, variant)},",
            f"а также расходы по уплате государственной пошлины в размере {format_rub(fee, variant)},",
            f"а всего {format_rub(total + fee, variant)}.",
        ]
    )
    got = values(extract_fields(text))
    assert (got["total"], got["principal"], got["interest"], got["state_fee"]) == (
        "49791.01",
        "30000.00",
        "19791.01",
        "846.87",
    )
    assert got["act_date"] == "2024-05-16"


def test_an_amount_broken_across_lines_and_a_misread_total_are_recovered() -> None:
    text = "\n".join(
        [
            "РЕШЕНИЕ",
            "Именем Российской Федерации",
            "16.05.2024 г. Волгоград",
            "РЕШИЛ:",
            "Взыскать с Ковальчук Юлии Никитичны задолженность в размере 303",  # the amount wraps
            "322,03 py6., из которых основной долг — 173 814,69 руб., проценты —",
            "124 842,71, py6., неустойка — 4 664,63 руб.",
        ]
    )
    got = values(extract_fields(text))
    assert got["total"] == "303322.03" and got["interest"] == "124842.71"
    # the total smudged by the stamp: the parts and "а всего" still give it
    smudged = (
        text.replace("303\n322,03", "3O3\n3?2,03")
        + ", а также госпошлина в размере 6 233,22 руб., а всего 309 555,25 руб."
    )
    assert values(extract_fields(smudged))["total"] == "303322.03"


def test_the_claimed_amount_in_the_reasons_is_not_the_awarded_one() -> None:
    act = make_act(19, doc_type="judgment", noise=False)
    assert "просит" in act.text  # the reasons quote what was claimed
    assert values(extract_fields(act.text))["total"] == truth_values(act.truth)["total"]


@pytest.mark.parametrize("doc_type", DOC_TYPES)
def test_every_act_type_from_its_printed_text(doc_type: str) -> None:
    """Text level (as a perfect reader would see it), several acts of each type."""
    keys = ("document_type", "case_number", "act_date", "total", "debtor_name", "case_uid", "state_fee")
    for seed in range(400, 406):
        act = make_act(seed, doc_type=doc_type, noise=False)
        got, truth = values(extract_fields(act.text)), truth_values(act.truth)
        assert {k: got.get(k) for k in keys} == {k: truth.get(k) for k in keys}, seed
        if doc_type in ("court_order", "judgment", "writ"):
            assert got["debtor_birth_date"] == truth["debtor_birth_date"]


def test_refusal_and_cancellation_award_nothing() -> None:
    for doc_type in ("refusal", "cancellation"):
        act = make_act(7, doc_type=doc_type, noise=False)
        got = values(extract_fields(act.text))
        assert "total" not in got and got["document_type"] == doc_type


def test_a_smudged_title_is_decided_by_the_operative_part() -> None:
    act = make_act(31, doc_type="cancellation", noise=False)
    text = act.text.replace("об отмене судебного приказа", "об о▓▓▓▓ судеб▓▓▓ приказа")
    got = extract_fields(text)
    assert got["document_type"].value == "cancellation"


def test_namesakes_are_told_apart_by_the_birth_date() -> None:
    born = dt.date(1985, 3, 12)
    debtors = [
        (1, "Михайлов Артём Андреевич", dt.date(1990, 1, 1)),
        (2, "Михайлов Артём Андреевич", born),
        (3, "Михайлов Иван Андреевич", born),
    ]
    read = to_nominative("Михайлова Артёма Андреевича").name
    assert rank_debtors(read, born, debtors)[0][0] == 2
    # a letter misread in the name: the birth date still finds the debtor
    assert rank_debtors("Михайлов Артем Андреевнч", born, debtors)[0][0] == 2
    # no birth date read: the namesakes tie, and the clerk decides
    ranked = rank_debtors(read, None, debtors)
    assert {r[0] for r in ranked} == {1, 2} and ranked[0][1] == ranked[1][1]


def test_a_photo_at_five_degrees_is_straightened() -> None:
    act = make_act(5, doc_type="court_order", dpi=200)
    tilted = act.image.rotate(5, resample=Image.BICUBIC, expand=True, fillcolor=(90, 90, 90))
    prepared = prepare_page(tilted)
    assert prepared.skew_degrees == pytest.approx(-5 - act.extra["rotations"][0], abs=0.4)
    assert abs(estimate_skew(prepared.image)) < 0.5


def test_two_acts_in_one_file_are_split_where_the_second_title_stands() -> None:
    from core.ocr.engine import ScanReading

    first = make_act(3, doc_type="judgment", noise=False)
    second = make_act(4, doc_type="cancellation", noise=False)
    lines = [OcrLine(t, 0.9, (0, 0, 1, 1), 0) for t in first.lines]
    lines += [OcrLine("2", 0.9, (0, 0, 1, 1), 1), OcrLine("задолженности по договору займа.", 0.9, (0, 0, 1, 1), 1)]
    lines += [OcrLine(t, 0.9, (0, 0, 1, 1), 2) for t in second.lines]
    acts = split_acts(ScanReading(lines, 3, [], [0, 0, 0]))
    assert [start for start, _lines in acts] == [0, 2]
    assert values(extract_fields(acts[1][1]))["document_type"] == "cancellation"


# ---------------------------------------------------------------- the real engine


def test_the_default_engine_reads_russian_here() -> None:
    status = engine_status()
    assert status.engine == "tesseract" and status.reads_russian and status.problem is None
    assert status.languages[0] == "ru"


@pytest.mark.ocr
def test_real_tesseract_reads_a_generated_russian_court_order() -> None:
    """The whole pipeline on one stamped, skewed, speckled JPEG at 200 dpi: the key fields and
    the debtor (declined in the act, nominative on the case) come out right."""
    act = make_act(2026, doc_type="court_order", dpi=200)
    buf = io.BytesIO()
    act.image.save(buf, format="JPEG", quality=70)
    reading = read_scan(buf.getvalue(), TesseractEngine())
    got, truth = values(extract_fields(reading.lines)), truth_values(act.truth)
    keys = ("document_type", "case_number", "act_date", "total", "debtor_name", "debtor_birth_date")
    assert {k: got.get(k) for k in keys} == {k: truth[k] for k in keys}
    assert reading.confidence > 0.7


@pytest.mark.ocr
def test_real_tesseract_turns_an_upside_down_page() -> None:
    act = make_act(77, doc_type="court_order", dpi=200)
    buf = io.BytesIO()
    act.image.rotate(180).save(buf, format="JPEG", quality=75)
    reading = read_scan(buf.getvalue(), TesseractEngine())
    assert reading.turned == {0: 180}
    got = values(extract_fields(reading.lines))
    assert got.get("case_number") == act.truth["case_number"]
