"""Russian court acts as courts print and clerks scan them, with the truth they were printed from.

What a page carries (issue #14; ARCHITECTURE rule 12, "real inputs are the judge"):

- Times-like serif (Liberation Serif from Debian's ``fonts-liberation``) at 12-14 pt, justified
  paragraphs with a first-line indent, a bold centred title, the date and the place on one line;
- the real wording of a court order ("СУДЕБНЫЙ ПРИКАЗ … ПРИКАЗАЛ: Взыскать с …"), a refusal
  ("ОПРЕДЕЛЕНИЕ об отказе в принятии заявления о вынесении судебного приказа … ОПРЕДЕЛИЛ:
  Отказать …"), a cancellation, a judgment ("РЕШЕНИЕ Именем Российской Федерации … РЕШИЛ:") and
  a writ of execution; a judgment and a writ run to a second page;
- the debtor's name declined as grammar requires (genitive "с Михайлова Артёма Андреевича",
  dative "к Михайлову Артёму Андреевичу", instrumental "с Михайловым …"), including the names
  that trip a naive reader: feminine surnames, surnames that never decline (Шевченко, Черных,
  Гоголадзе, a woman's Ковальчук), Любовь, Илья, Ильич, Лев;
- the court line, the unique case id (УИД), case numbers in every shape courts use
  (``2-1078/2021``, ``2-2328/259/2025``, ``2-6416-159/2025``, ``2а-15/2024``,
  ``2-158/2024 (2-3529/2023)``, ``М-1234/2024``), passports, INN/OGRN and addresses full of
  numbers that are neither dates nor amounts;
- amounts as ``49 791 руб. 01 коп.``, ``49 791,01 руб.``, ``49791 рублей 01 копейка``; dates as
  ``«16» мая 2024 г.`` and ``16.05.2024``; sometimes "а всего" (the debt plus the fee) after the
  fee, and in a judgment the larger amount claimed before the one awarded;
- a round blue stamp and a signature over the last lines, 200-300 dpi, skew up to 2°, speckles,
  a grey paper, JPEG.

The declension here is written out by hand for each name (not computed with the morphology
library the extractor uses), so the extractor is tested against grammar, not against itself.
"""

from __future__ import annotations

import datetime as dt
import io
import math
import random
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import numpy as np
from PIL import Image, ImageDraw, ImageFilter, ImageFont

FONT_DIR = "/usr/share/fonts/truetype/liberation/"
SERIF = FONT_DIR + "LiberationSerif-Regular.ttf"
SERIF_BOLD = FONT_DIR + "LiberationSerif-Bold.ttf"
DOC_TYPES = ("court_order", "refusal", "cancellation", "judgment", "writ")
_MONTHS = "января февраля марта апреля мая июня июля августа сентября октября ноября декабря".split()

# ---------------------------------------------------------------- names, declined by hand
# nominative: (genitive, dative, instrumental)
_MALE_FIRST = {
    "Артём": ("Артёма", "Артёму", "Артёмом"),
    "Иван": ("Ивана", "Ивану", "Иваном"),
    "Сергей": ("Сергея", "Сергею", "Сергеем"),
    "Андрей": ("Андрея", "Андрею", "Андреем"),
    "Дмитрий": ("Дмитрия", "Дмитрию", "Дмитрием"),
    "Илья": ("Ильи", "Илье", "Ильёй"),
    "Никита": ("Никиты", "Никите", "Никитой"),
    "Павел": ("Павла", "Павлу", "Павлом"),
    "Лев": ("Льва", "Льву", "Львом"),
    "Алексей": ("Алексея", "Алексею", "Алексеем"),
    "Олег": ("Олега", "Олегу", "Олегом"),
    "Юрий": ("Юрия", "Юрию", "Юрием"),
    "Константин": ("Константина", "Константину", "Константином"),
}
_FEMALE_FIRST = {
    "Анна": ("Анны", "Анне", "Анной"),
    "Мария": ("Марии", "Марии", "Марией"),
    "Любовь": ("Любови", "Любови", "Любовью"),
    "Ольга": ("Ольги", "Ольге", "Ольгой"),
    "Наталья": ("Натальи", "Наталье", "Натальей"),
    "Татьяна": ("Татьяны", "Татьяне", "Татьяной"),
    "Екатерина": ("Екатерины", "Екатерине", "Екатериной"),
    "Юлия": ("Юлии", "Юлии", "Юлией"),
    "Елена": ("Елены", "Елене", "Еленой"),
    "Светлана": ("Светланы", "Светлане", "Светланой"),
}
# (masculine, feminine) patronymics from the father's name
_PATRONYMICS = {
    "Андрей": ("Андреевич", "Андреевна"),
    "Иван": ("Иванович", "Ивановна"),
    "Сергей": ("Сергеевич", "Сергеевна"),
    "Илья": ("Ильич", "Ильинична"),
    "Пётр": ("Петрович", "Петровна"),
    "Олег": ("Олегович", "Олеговна"),
    "Никита": ("Никитич", "Никитична"),
    "Юрий": ("Юрьевич", "Юрьевна"),
    "Николай": ("Николаевич", "Николаевна"),
    "Кузьма": ("Кузьмич", "Кузьминична"),
}
# masculine nominative -> declension type
_SURNAMES = {
    "Михайлов": "ov",
    "Иванов": "ov",
    "Кузнецов": "ov",
    "Соловьёв": "ov",
    "Лебедев": "ov",
    "Фёдоров": "ov",
    "Зайцев": "ov",
    "Пушкин": "in",
    "Воронин": "in",
    "Ковальский": "sky",
    "Достоевский": "sky",
    "Шевченко": "indecl",
    "Черных": "indecl",
    "Гоголадзе": "indecl",
    "Ковальчук": "cons",
    "Ким": "cons",
    "Белоусов": "ov",
    "Морозов": "ov",
}


def _patronymic_forms(nom: str) -> tuple[str, str, str]:
    if nom.endswith("ич"):
        return (nom + "а", nom + "у", nom + "ем" if nom.endswith("вич") or nom.endswith("ьич") else nom + "ом")
    stem = nom[:-1]  # -на
    return (stem + "ы", stem + "е", stem + "ой")


def _surname_forms(masc: str, kind: str, female: bool) -> tuple[str, tuple[str, str, str]]:
    if kind == "indecl":
        return masc, (masc, masc, masc)
    if kind == "ov" or kind == "in":
        if female:
            nom = masc + "а"
            return nom, (masc + "ой", masc + "ой", masc + "ой")
        return masc, (masc + "а", masc + "у", masc + "ым")
    if kind == "sky":
        stem = masc[:-2]
        if female:
            return stem + "ая", (stem + "ой", stem + "ой", stem + "ой")
        return masc, (stem + "ого", stem + "ому", stem + "им")
    # a consonant ending: declines for a man, never for a woman
    if female:
        return masc, (masc, masc, masc)
    return masc, (masc + "а", masc + "у", masc + "ом")


@dataclass(frozen=True)
class Person:
    """A debtor's full name in the cases courts use, and the birth date."""

    nominative: str
    genitive: str
    dative: str
    instrumental: str
    initials: str  # "Михайлова А.А." (genitive surname with initials)
    female: bool
    birth_date: dt.date


def random_person(rng: random.Random) -> Person:
    female = rng.random() < 0.45
    masc = rng.choice(list(_SURNAMES))
    surname, s_cases = _surname_forms(masc, _SURNAMES[masc], female)
    first_map = _FEMALE_FIRST if female else _MALE_FIRST
    first = rng.choice(list(first_map))
    f_cases = first_map[first]
    patronymic = _PATRONYMICS[rng.choice(list(_PATRONYMICS))][1 if female else 0]
    p_cases = _patronymic_forms(patronymic)
    forms = [f"{s} {f} {p}" for s, f, p in zip(s_cases, f_cases, p_cases, strict=True)]
    birth = dt.date(rng.randint(1955, 2003), rng.randint(1, 12), rng.randint(1, 28))
    return Person(
        f"{surname} {first} {patronymic}",
        forms[0],
        forms[1],
        forms[2],
        f"{s_cases[0]} {first[0]}.{patronymic[0]}.",
        female,
        birth,
    )


# ---------------------------------------------------------------- courts, numbers, money

_DISTRICTS = [
    ("Дзержинского", "Дзержинский"),
    ("Центрального", "Центральный"),
    ("Ленинского", "Ленинский"),
    ("Советского", "Советский"),
    ("Кировского", "Кировский"),
    ("Октябрьского", "Октябрьский"),
    ("Красноармейского", "Красноармейский"),
]
_CITIES = [
    ("г. Волгограда", "г. Волгоград", "Волгоградский областной суд", "34"),
    ("г. Самары", "г. Самара", "Самарский областной суд", "63"),
    ("г. Казани", "г. Казань", "Верховный Суд Республики Татарстан", "16"),
    ("г. Новосибирска", "г. Новосибирск", "Новосибирский областной суд", "54"),
    ("г. Ростова-на-Дону", "г. Ростов-на-Дону", "Ростовский областной суд", "61"),
    ("г. Омска", "г. Омск", "Омский областной суд", "55"),
]
_CLAIMANTS = [
    "ООО ПКО «Цессио»",
    "ООО «Профессиональная коллекторская организация «Вектор»",
    "ООО ПКО «Агентство Судебного Взыскания»",
    "АО «Банк Русский Стандарт»",
]
_JUDGE_LAST = ["Иванова", "Петрова", "Сидоренко", "Ершова", "Гусейнова", "Климова", "Мельникова"]
_STREETS = ["ул. Мира", "ул. Ленина", "пр-кт Героев", "ул. 8-й Воздушной Армии", "ул. Н. Отрады", "б-р 30-летия Победы"]


def _rub_word(n: int) -> str:
    if n % 10 == 1 and n % 100 != 11:
        return "рубль"
    if 2 <= n % 10 <= 4 and not 12 <= n % 100 <= 14:
        return "рубля"
    return "рублей"


def _kop_word(n: int) -> str:
    if n % 10 == 1 and n % 100 != 11:
        return "копейка"
    if 2 <= n % 10 <= 4 and not 12 <= n % 100 <= 14:
        return "копейки"
    return "копеек"


def format_rub(value: Decimal, variant: int) -> str:
    """``49 791 руб. 01 коп.`` | ``49 791,01 руб.`` | ``49791 рублей 01 копейка``."""
    whole = int(value)
    kop = int((value - whole) * 100)
    grouped = f"{whole:,}".replace(",", "\u00a0")
    if variant == 0:
        return f"{grouped} руб. {kop:02d} коп."
    if variant == 1:
        return f"{grouped},{kop:02d} руб."
    return f"{whole} {_rub_word(whole)} {kop:02d} {_kop_word(kop)}"


def format_date(day: dt.date, variant: int) -> str:
    """``«16» мая 2024 г.`` | ``16.05.2024`` | ``16 мая 2024 года``."""
    if variant == 0:
        return f"«{day.day:02d}» {_MONTHS[day.month - 1]} {day.year} г."
    if variant == 1:
        return f"{day:%d.%m.%Y}"
    return f"{day.day} {_MONTHS[day.month - 1]} {day.year} года"


def case_number(rng: random.Random, year: int, plot: int, doc_type: str) -> tuple[str, str]:
    """(as printed, as the case holds it): every shape courts use."""
    n = rng.randint(1, 7999)
    if doc_type == "refusal" and rng.random() < 0.35:
        value = f"М-{n}/{year}"  # a refusal is often registered as a "material", not a case
        return value, value
    shape = rng.randint(0, 5)
    if shape == 0:
        value = f"2-{n}/{year}"
    elif shape == 1:
        value = f"2-{n}/{plot}/{year}"
    elif shape == 2:
        value = f"2-{n}-{plot}/{year}"
    elif shape == 3:
        value = f"2а-{rng.randint(1, 999)}/{year}"
    elif shape == 4 and doc_type in ("judgment", "writ"):
        old = f"2-{rng.randint(1, 7999)}/{year - 1}"
        value = f"2-{rng.randint(1, 999)}/{year}"
        return f"{value} ({old})", value
    else:
        value = f"2-{n}/{year}"
    return value, value


def _uid(rng: random.Random, region: str, year: int, magistrate: bool) -> str:
    court = "MS" if magistrate else "RS"
    return f"{region}{court}{rng.randint(1, 99):04d}-01-{year}-{rng.randint(1, 99999):06d}-{rng.randint(10, 99)}"


def _money(rng: random.Random, low: int, high: int) -> Decimal:
    return Decimal(rng.randint(low * 100, high * 100)) / 100


def state_fee(claim: Decimal) -> Decimal:
    """Tax Code art. 333.19 as it stood before 2024-09-08: 4% (min 400) up to 20,000, then
    800 + 3% of the excess...; a court order pays half of the claim fee."""
    if claim <= 20000:
        full = max(Decimal("400"), claim * Decimal("0.04"))
    elif claim <= 100000:
        full = Decimal("800") + (claim - 20000) * Decimal("0.03")
    else:
        full = Decimal("3200") + (claim - 100000) * Decimal("0.02")
    return full.quantize(Decimal("0.01"))


# ---------------------------------------------------------------- the act's text


@dataclass
class Block:
    """A piece of the page: a paragraph (justified), a centred title, or a two-sided line."""

    kind: str  # para | title | center | sides | right | signature | gap
    text: str = ""
    right: str = ""


def _passport(rng: random.Random) -> str:
    return f"паспорт серии {rng.randint(10, 99)} {rng.randint(0, 99):02d} № {rng.randint(100000, 999999)}"


def _address(rng: random.Random, place: str) -> str:
    return f"{place}, {rng.choice(_STREETS)}, д. {rng.randint(1, 120)}, кв. {rng.randint(1, 300)}"


def act_data(rng: random.Random, doc_type: str) -> dict[str, Any]:
    """The facts of one act (the ground truth) and what the wording needs besides."""
    year = rng.choice([2021, 2022, 2023, 2024, 2025])
    act_date = dt.date(year, rng.randint(1, 12), rng.randint(1, 28))
    person = random_person(rng)
    city_gen, city, appeal_court, region = rng.choice(_CITIES)
    district_gen, district = rng.choice(_DISTRICTS)
    plot = rng.randint(1, 320)
    magistrate = doc_type in ("court_order", "refusal", "cancellation")
    judge_last = rng.choice(_JUDGE_LAST)
    judge = f"{rng.choice('АВГДЕЛМНОСТ')}.{rng.choice('АВГДЕЛМНОСТ')}. {judge_last}"
    if magistrate:
        court = f"Мировой судья судебного участка № {plot} {district_gen} района {city_gen}"
    else:
        court = f"{district} районный суд {city_gen}"
    printed_number, number = case_number(rng, year, plot, doc_type)
    principal = _money(rng, 3000, 180000)
    interest = _money(rng, 0, int(principal * Decimal("1.3")))
    penalty = _money(rng, 0, 9000) if rng.random() < 0.7 else Decimal("0.00")
    total = principal + interest + penalty
    fee = state_fee(total) / (2 if doc_type == "court_order" else 1)
    fee = fee.quantize(Decimal("0.01"))
    has_money = doc_type in ("court_order", "judgment", "writ")
    contract = f"{rng.randint(1000000, 99999999)}" if rng.random() < 0.5 else f"ДЗ-{rng.randint(1, 9999999):07d}"
    return {
        "truth": {
            "document_type": doc_type,
            "case_number": number,
            "act_date": act_date,
            "debtor_name": person.nominative,
            "debtor_birth_date": person.birth_date,
            "total": total if has_money else None,
            "principal": principal if has_money else None,
            "interest": interest if has_money and interest else None,
            "penalty": penalty if has_money and penalty else None,
            "state_fee": fee if has_money else None,
            "case_uid": _uid(rng, region, year, magistrate),
            "court_name": court,
            "contract_number": contract,
        },
        "person": person,
        "printed_number": printed_number,
        "judge": judge,
        "judge_last": judge_last,
        "city": city,
        "appeal_court": appeal_court,
        "claimant": rng.choice(_CLAIMANTS),
        "contract_date": act_date - dt.timedelta(days=rng.randint(400, 1500)),
        "amount_variant": rng.randint(0, 2),
        "date_variant": rng.randint(0, 2),
        "magistrate": magistrate,
        "plot": plot,
    }


def _money_clause(d: dict[str, Any], rng: random.Random) -> str:
    t = d["truth"]
    fmt = lambda v: format_rub(v, d["amount_variant"])  # noqa: E731
    parts = [f"основной долг — {fmt(t['principal'])}"]
    if t["interest"]:
        parts.append(f"проценты за пользование займом — {fmt(t['interest'])}")
    if t["penalty"]:
        parts.append(f"неустойка — {fmt(t['penalty'])}")
    start = d["contract_date"] + dt.timedelta(days=31)
    end = start + dt.timedelta(days=rng.randint(90, 600))
    text = (
        f"задолженность по договору займа № {t['contract_number']} от {d['contract_date']:%d.%m.%Y} "
        f"за период с {start:%d.%m.%Y} по {end:%d.%m.%Y} в размере {fmt(t['total'])}, из которых "
        + ", ".join(parts)
        + f", а также расходы по уплате государственной пошлины в размере {fmt(t['state_fee'])}"
    )
    if rng.random() < 0.4:
        text += f", а всего {fmt(t['total'] + t['state_fee'])}"
    return text + "."


def _debtor_details(d: dict[str, Any], rng: random.Random) -> str:
    p: Person = d["person"]
    born = f"{p.birth_date:%d.%m.%Y} года рождения" if rng.random() < 0.7 else f"{p.birth_date:%d.%m.%Y} г.р."
    native = "уроженки" if p.female else "уроженца"
    registered = "зарегистрированной" if p.female else "зарегистрированного"
    return f"{born}, {native} {d['city']}, {_passport(rng)}, {registered} по адресу: {_address(rng, d['city'])}"


def act_blocks(d: dict[str, Any], rng: random.Random) -> list[Block]:
    t = d["truth"]
    p: Person = d["person"]
    doc_type = t["document_type"]
    date_text = format_date(t["act_date"], d["date_variant"])
    number_line = f"Дело № {d['printed_number']}"
    uid_line = f"УИД {t['case_uid']}"
    claimant = d["claimant"]
    blocks: list[Block] = []
    numbers_first = rng.random() < 0.5
    if numbers_first:
        blocks += [Block("right", number_line), Block("right", uid_line), Block("gap")]
    if doc_type == "court_order":
        blocks.append(Block("title", "СУДЕБНЫЙ ПРИКАЗ"))
    elif doc_type == "refusal":
        blocks += [
            Block("title", "ОПРЕДЕЛЕНИЕ"),
            Block("center", "об отказе в принятии заявления о вынесении судебного приказа"),
        ]
    elif doc_type == "cancellation":
        blocks += [Block("title", "ОПРЕДЕЛЕНИЕ"), Block("center", "об отмене судебного приказа")]
    elif doc_type == "judgment":
        title = "ЗАОЧНОЕ РЕШЕНИЕ" if rng.random() < 0.3 else "РЕШЕНИЕ"
        blocks += [Block("title", title), Block("center", "Именем Российской Федерации")]
    else:
        blocks += [Block("center", "РОССИЙСКАЯ ФЕДЕРАЦИЯ"), Block("title", "ИСПОЛНИТЕЛЬНЫЙ ЛИСТ")]
    if not numbers_first:
        blocks += [Block("center", number_line), Block("center", uid_line)]
    blocks.append(Block("gap"))
    judge_initials_last = d["judge"]
    if doc_type == "writ":
        blocks += _writ_blocks(d, rng, date_text)
        return blocks
    blocks.append(Block("sides", date_text, d["city"]))
    blocks.append(Block("gap"))
    if doc_type == "court_order":
        blocks += [
            Block(
                "para",
                f"{t['court_name']} {judge_initials_last}, рассмотрев в порядке приказного производства "
                f"заявление {claimant} о вынесении судебного приказа о взыскании с {p.genitive} "
                "задолженности по договору займа, руководствуясь ст. ст. 121-130 ГПК РФ,",
            ),
            Block("title", "ПРИКАЗАЛ:"),
            Block(
                "para",
                f"Взыскать с {p.genitive}, {_debtor_details(d, rng)}, в пользу {claimant} "
                f"(ИНН {rng.randint(10**9, 10**10 - 1)}, ОГРН {rng.randint(10**12, 10**13 - 1)}) "
                + _money_clause(d, rng),
            ),
            Block(
                "para",
                "Разъяснить должнику, что в течение десяти дней со дня получения копии судебного приказа "
                "он вправе представить возражения относительно его исполнения (ст. 128 ГПК РФ).",
            ),
        ]
        signer = "Мировой судья"
    elif doc_type == "refusal":
        who = p.genitive if rng.random() < 0.6 else p.initials
        blocks += [
            Block(
                "para",
                f"{t['court_name']} {judge_initials_last}, рассмотрев заявление {claimant} о вынесении "
                f"судебного приказа о взыскании с {who} задолженности по договору займа "
                f"№ {t['contract_number']} от {d['contract_date']:%d.%m.%Y},",
            ),
            Block("title", "УСТАНОВИЛ:"),
            Block(
                "para",
                f"Взыскатель просит вынести судебный приказ о взыскании с {p.genitive} задолженности, "
                "процентов и неустойки. Из заявления и представленных документов усматривается наличие "
                "спора о праве: размер неустойки не подтверждён расчётом, договор заключён в электронной "
                "форме без доказательств его подписания должником. В силу п. 3 ч. 3 ст. 125 ГПК РФ "
                "судья отказывает в принятии заявления о вынесении судебного приказа, если из заявления "
                "и представленных документов усматривается наличие спора о праве.",
            ),
            Block("para", "Руководствуясь ст. ст. 125, 224, 225 ГПК РФ, мировой судья"),
            Block("title", "ОПРЕДЕЛИЛ:"),
            Block(
                "para",
                f"Отказать {claimant} в принятии заявления о вынесении судебного приказа о взыскании "
                f"с {p.genitive} задолженности по договору займа.",
            ),
            Block(
                "para",
                "Разъяснить взыскателю, что заявленное требование может быть предъявлено в порядке "
                "искового производства. На определение может быть подана частная жалоба в течение "
                "пятнадцати дней со дня его вынесения.",
            ),
        ]
        signer = "Мировой судья"
    elif doc_type == "cancellation":
        order_date = t["act_date"] - dt.timedelta(days=rng.randint(20, 200))
        amount = format_rub(_money(rng, 5000, 200000), d["amount_variant"])
        born = f", {p.birth_date:%d.%m.%Y} года рождения," if rng.random() < 0.5 else ""
        blocks += [
            Block(
                "para",
                f"{t['court_name']} {judge_initials_last}, рассмотрев возражения {p.genitive} относительно "
                "исполнения судебного приказа,",
            ),
            Block("title", "УСТАНОВИЛ:"),
            Block(
                "para",
                f"{format_date(order_date, 1)} мировым судьёй вынесен судебный приказ о взыскании с "
                f"{p.genitive}{born} в пользу {claimant} задолженности по договору займа в размере {amount}. "
                f"{format_date(t['act_date'] - dt.timedelta(days=rng.randint(1, 10)), 1)} от должника "
                "поступили возражения относительно исполнения судебного приказа. В соответствии со ст. 129 "
                "ГПК РФ судья отменяет судебный приказ, если от должника в установленный срок поступят "
                "возражения относительно его исполнения.",
            ),
            Block("para", "Руководствуясь ст. ст. 128, 129 ГПК РФ, мировой судья"),
            Block("title", "ОПРЕДЕЛИЛ:"),
            Block(
                "para",
                f"Судебный приказ от {format_date(order_date, 1)} по делу № {t['case_number']} о взыскании "
                f"с {p.genitive} в пользу {claimant} задолженности по договору займа отменить.",
            ),
            Block(
                "para",
                "Разъяснить взыскателю, что заявленное требование может быть предъявлено в порядке "
                "искового производства.",
            ),
        ]
        signer = "Мировой судья"
    else:
        claimed = t["total"] + (_money(rng, 1000, 20000) if rng.random() < 0.5 else Decimal("0.00"))
        fmt = lambda v: format_rub(v, d["amount_variant"])  # noqa: E731
        with_whom = f"между {claimant} и {p.instrumental}"
        blocks += [
            Block(
                "para",
                f"{t['court_name']} в составе председательствующего судьи {_judge_genitive(d['judge_last'])} "
                f"{d['judge'][:4]}, при секретаре судебного заседания {_judge_genitive(rng.choice(_JUDGE_LAST))} "
                f"{rng.choice('АВГДЕЛМНОСТ')}.{rng.choice('АВГДЕЛМНОСТ')}., рассмотрев в открытом судебном "
                f"заседании гражданское дело по иску {claimant} к {p.dative} о взыскании задолженности "
                "по договору займа,",
            ),
            Block("title", "УСТАНОВИЛ:"),
            Block(
                "para",
                f"{format_date(d['contract_date'], 1)} {with_whom} заключён договор займа "
                f"№ {t['contract_number']}, по которому заёмщику предоставлены денежные средства. Обязательства "
                "по возврату займа и уплате процентов заёмщик надлежащим образом не исполнил. Истец просит "
                f"взыскать с ответчика задолженность в размере {fmt(claimed)}, а также расходы по уплате "
                "государственной пошлины.",
            ),
            Block(
                "para",
                "Представитель истца в судебное заседание не явился, просил рассмотреть дело в его "
                "отсутствие. Ответчик, извещённый о времени и месте судебного заседания надлежащим образом, "
                "в суд не явился, об уважительных причинах неявки не сообщил. Согласно ст. ст. 309, 310 ГК "
                "РФ обязательства должны исполняться надлежащим образом, односторонний отказ от исполнения "
                "обязательства не допускается. В силу ст. 333 ГК РФ суд вправе уменьшить неустойку, если она "
                "явно несоразмерна последствиям нарушения обязательства. Расчёт задолженности проверен судом "
                "и признан арифметически верным в части основного долга и процентов.",
            ),
            Block("para", "Руководствуясь ст. ст. 194-199 ГПК РФ, суд"),
            Block("title", "РЕШИЛ:"),
            Block(
                "para",
                f"Исковые требования {claimant} к {p.dative} удовлетворить"
                + (" частично." if claimed != t["total"] else ".")
                + f" Взыскать с {p.genitive}, {p.birth_date:%d.%m.%Y} года рождения, в пользу {claimant} "
                + _money_clause(d, rng),
            ),
            Block(
                "para",
                f"Решение может быть обжаловано в {d['appeal_court']} в течение месяца со дня принятия "
                "решения суда в окончательной форме.",
            ),
        ]
        signer = "Судья"
    blocks.append(Block("gap"))
    blocks.append(Block("signature", signer, d["judge"]))
    if doc_type == "judgment" and rng.random() < 0.6:
        made = t["act_date"] + dt.timedelta(days=rng.randint(3, 10))
        blocks.append(Block("para", f"Мотивированное решение изготовлено {made:%d.%m.%Y}."))
    return blocks


def _judge_genitive(last: str) -> str:
    return last[:-1] + "ой" if last.endswith("ва") or last.endswith("на") else last


def _writ_blocks(d: dict[str, Any], rng: random.Random, date_text: str) -> list[Block]:
    t = d["truth"]
    p: Person = d["person"]
    in_force = t["act_date"] + dt.timedelta(days=rng.randint(30, 45))
    issued = in_force + dt.timedelta(days=rng.randint(1, 20))
    series = f"ФС № {rng.randint(10**8, 10**9 - 1):09d}"
    return [
        Block("right", series),
        Block("para", f"{t['court_name']}"),
        Block("para", f"Дата принятия судебного акта: {date_text}"),
        Block("para", f"Дата вступления судебного акта в законную силу: {format_date(in_force, d['date_variant'])}"),
        Block(
            "para",
            f"рассмотрев гражданское дело по иску {d['claimant']} к {p.dative} о взыскании задолженности "
            "по договору займа,",
        ),
        Block("title", "РЕШИЛ:"),
        Block("para", f"Взыскать с {p.genitive} в пользу {d['claimant']} " + _money_clause(d, rng)),
        Block(
            "para",
            f"Сведения о должнике: {p.nominative}, дата рождения: {p.birth_date:%d.%m.%Y}, место рождения: "
            f"{d['city']}, {_passport(rng)}, адрес регистрации: {_address(rng, d['city'])}.",
        ),
        Block(
            "para",
            f"Сведения о взыскателе: {d['claimant']}, ИНН {rng.randint(10**9, 10**10 - 1)}, "
            f"ОГРН {rng.randint(10**12, 10**13 - 1)}.",
        ),
        Block("para", f"Исполнительный лист выдан {format_date(issued, 1)}."),
        Block("gap"),
        Block("signature", "Судья", d["judge"]),
    ]


# ---------------------------------------------------------------- rendering


@dataclass
class RenderedAct:
    """The pages of one act, the lines printed on them, and the truth."""

    pages: list[Image.Image]
    lines: list[str]
    truth: dict[str, Any]
    dpi: int
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def image(self) -> Image.Image:
        return self.pages[0]

    @property
    def text(self) -> str:
        return "\n".join(self.lines)

    @property
    def doc_type(self) -> str:
        return str(self.truth["document_type"])

    def jpeg_bytes(self, quality: int = 75) -> bytes:
        """The first page as the JPEG a clerk's scanner writes."""
        buf = io.BytesIO()
        self.pages[0].save(buf, format="JPEG", quality=quality)
        return buf.getvalue()

    def pdf_bytes(self) -> bytes:
        """All pages in one PDF (each page a JPEG image, as scanners write them)."""
        buf = io.BytesIO()
        first, *rest = [p.convert("RGB") for p in self.pages]
        first.save(buf, format="PDF", resolution=float(self.dpi), save_all=True, append_images=rest)
        return buf.getvalue()


def _wrap(
    draw: ImageDraw.ImageDraw, text: str, font: ImageFont.FreeTypeFont, width: float, indent: float
) -> list[list[str]]:
    words = text.split()
    lines: list[list[str]] = []
    current: list[str] = []
    limit = width - indent
    for word in words:
        trial = " ".join([*current, word])
        if current and draw.textlength(trial, font=font) > limit:
            lines.append(current)
            current = [word]
            limit = width
        else:
            current.append(word)
    if current:
        lines.append(current)
    return lines


def _justify(
    draw: ImageDraw.ImageDraw,
    y: float,
    x: float,
    words: list[str],
    font: ImageFont.FreeTypeFont,
    width: float,
    ink: tuple[int, int, int],
) -> None:
    if len(words) == 1:
        draw.text((x, y), words[0], font=font, fill=ink)
        return
    widths = [draw.textlength(w, font=font) for w in words]
    gap = (width - sum(widths)) / (len(words) - 1)
    cursor = x
    for word, w in zip(words, widths, strict=True):
        draw.text((cursor, y), word, font=font, fill=ink)
        cursor += w + gap


def render_act(
    blocks: list[Block], rng: random.Random, dpi: int
) -> tuple[list[Image.Image], list[str], list[tuple[int, int, int, int]]]:
    """Pages (RGB), the printed lines, and where the signature line is on the last page."""
    mm = dpi / 25.4
    width, height = round(210 * mm), round(297 * mm)
    size_pt = rng.choice([12, 13, 14])
    px = round(size_pt * dpi / 72)
    font = ImageFont.truetype(SERIF, px)
    bold = ImageFont.truetype(SERIF_BOLD, px)
    left, right = round(rng.uniform(25, 30) * mm), round(rng.uniform(10, 15) * mm)
    top, bottom = round(rng.uniform(15, 20) * mm), round(rng.uniform(15, 20) * mm)
    text_w = width - left - right
    leading = px * rng.uniform(1.05, 1.2)
    indent = 12.5 * mm
    ink = (rng.randint(0, 35),) * 3
    pages = [Image.new("RGB", (width, height), "white")]
    draw = ImageDraw.Draw(pages[-1])
    printed: list[str] = []
    signature_box = (0, 0, 0, 0)
    y = float(top)

    def new_line() -> None:
        nonlocal y, draw
        if y + leading > height - bottom:
            pages.append(Image.new("RGB", (width, height), "white"))
            draw = ImageDraw.Draw(pages[-1])
            y = float(top)
            # the page number courts print at the top of the next page
            draw.text((width / 2, y), str(len(pages)), font=font, fill=ink, anchor="mt")
            y += leading * 1.5

    for block in blocks:
        if block.kind == "gap":
            y += leading * 0.6
            continue
        if block.kind == "para":
            for i, words in enumerate(_wrap(draw, block.text, font, text_w, indent)):
                new_line()
                x = left + (indent if i == 0 else 0)
                last = i == len(_wrap(draw, block.text, font, text_w, indent)) - 1
                if last:
                    draw.text((x, y), " ".join(words), font=font, fill=ink)
                else:
                    _justify(draw, y, x, words, font, left + text_w - x, ink)
                printed.append(" ".join(words))
                y += leading
            continue
        new_line()
        f = bold if block.kind == "title" else font
        if block.kind in ("title", "center"):
            for words in _wrap(draw, block.text, f, text_w, 0):
                line = " ".join(words)
                draw.text((left + text_w / 2, y), line, font=f, fill=ink, anchor="la" if False else "ma")
                printed.append(line)
                y += leading
            continue
        if block.kind == "right":
            w = draw.textlength(block.text, font=font)
            draw.text((left + text_w - w, y), block.text, font=font, fill=ink)
            printed.append(block.text)
            y += leading
            continue
        # sides / signature: text on the left, text on the right
        w = draw.textlength(block.right, font=font)
        draw.text((left, y), block.text, font=font, fill=ink)
        draw.text((left + text_w - w, y), block.right, font=font, fill=ink)
        printed.append(f"{block.text} {block.right}")
        if block.kind == "signature":
            signature_box = (left, round(y), round(left + text_w), round(y + px))
        y += leading
    return pages, printed, [signature_box]


def _stamp(rng: random.Random, dpi: int, text: str) -> Image.Image:
    """A round court stamp: two rings, the court's name around, the emblem text in the middle."""
    radius = round(rng.uniform(19, 21) * dpi / 25.4)
    size = radius * 2 + 8
    img = Image.new("L", (size, size), 0)
    draw = ImageDraw.Draw(img)
    c = size / 2
    line = max(2, dpi // 100)
    draw.ellipse((c - radius, c - radius, c + radius, c + radius), outline=255, width=line + 1)
    inner = radius * 0.72
    draw.ellipse((c - inner, c - inner, c + inner, c + inner), outline=255, width=line)
    font = ImageFont.truetype(SERIF_BOLD, round(radius * 0.16))
    letters = list(text)
    ring = radius * 0.86
    for i, ch in enumerate(letters):
        angle = 2 * math.pi * i / len(letters) - math.pi / 2
        glyph = Image.new("L", (font.size * 2, font.size * 2), 0)
        ImageDraw.Draw(glyph).text((font.size, font.size), ch, font=font, fill=255, anchor="mm")
        glyph = glyph.rotate(-math.degrees(angle) - 90, resample=Image.BILINEAR)
        x = c + ring * math.cos(angle) - glyph.width / 2
        y = c + ring * math.sin(angle) - glyph.height / 2
        img.paste(255, (round(x), round(y)), glyph)
    small = ImageFont.truetype(SERIF_BOLD, round(radius * 0.15))
    for k, word in enumerate(("ДЛЯ", "ДОКУМЕНТОВ")):
        draw.text((c, c - radius * 0.12 + k * radius * 0.24), word, font=small, fill=255, anchor="mm")
    # worn rubber: the stamp never inks evenly
    arr = np.asarray(img, dtype=np.float32)
    nprng = np.random.default_rng(rng.randint(0, 2**31))
    arr *= nprng.uniform(0.35, 1.0, arr.shape) * rng.uniform(0.6, 0.95)
    return Image.fromarray(arr.astype(np.uint8), "L").filter(ImageFilter.GaussianBlur(0.8))


def _signature(rng: random.Random, dpi: int) -> Image.Image:
    w, h = round(45 * dpi / 25.4), round(18 * dpi / 25.4)
    img = Image.new("L", (w, h), 0)
    draw = ImageDraw.Draw(img)
    points = []
    x = w * 0.05
    for _i in range(rng.randint(18, 30)):
        x += rng.uniform(0.01, 0.06) * w
        points.append((min(x, w * 0.95), rng.uniform(0.15, 0.85) * h))
    draw.line(points, fill=255, width=max(2, dpi // 90), joint="curve")
    return img.filter(ImageFilter.GaussianBlur(0.6))


def _overlay(page: Image.Image, mask: Image.Image, at: tuple[int, int], colour: tuple[int, int, int]) -> None:
    """Ink of ``colour`` through ``mask`` multiplied over the page (the print stays visible)."""
    region = page.crop((at[0], at[1], at[0] + mask.width, at[1] + mask.height))
    base = np.asarray(region, dtype=np.float32)
    alpha = (np.asarray(mask, dtype=np.float32) / 255.0)[..., None]
    tint = np.array(colour, dtype=np.float32)[None, None, :]
    out = base * (1 - alpha) + np.minimum(base, tint) * alpha
    page.paste(Image.fromarray(out.astype(np.uint8), "RGB"), at)


def scan(page: Image.Image, rng: random.Random, max_skew: float = 2.0) -> Image.Image:
    """Grey paper, uneven light, speckles, blur, skew up to ``max_skew`` degrees, JPEG."""
    arr = np.asarray(page, dtype=np.float32)
    paper = rng.uniform(200, 240)
    floor = rng.uniform(10, 60)
    arr = floor + arr * (paper - floor) / 255.0
    w = arr.shape[1]
    gradient = np.linspace(rng.uniform(-12, 0), rng.uniform(0, 12), w, dtype=np.float32)[None, :, None]
    arr = arr + gradient
    nprng = np.random.default_rng(rng.randint(0, 2**31))
    arr += nprng.normal(0, rng.uniform(3, 8), arr.shape[:2])[..., None]
    speck = nprng.random(arr.shape[:2]) < rng.uniform(0.0005, 0.002)
    arr[speck] = floor
    img = Image.fromarray(np.clip(arr, 0, 255).astype(np.uint8), "RGB")
    img = img.filter(ImageFilter.GaussianBlur(radius=rng.uniform(0.3, 0.9)))
    angle = rng.uniform(-max_skew, max_skew)
    img = img.rotate(angle, resample=Image.BICUBIC, expand=False, fillcolor=(int(paper),) * 3)
    buf = io.BytesIO()
    img.save(buf, format="JPEG", quality=rng.randint(45, 80))
    out = Image.open(io.BytesIO(buf.getvalue()))
    out.load()
    out.info["synthetic_rotation"] = angle
    return out


def make_act(seed: int, doc_type: str | None = None, dpi: int | None = None, noise: bool = True) -> RenderedAct:
    """One Russian court act; the same seed always gives the same pages."""
    rng = random.Random(seed)
    doc_type = doc_type or rng.choice(
        ("court_order", "court_order", "court_order", "refusal", "cancellation", "judgment", "writ")
    )
    dpi = dpi or rng.choice((200, 240, 300))
    data = act_data(rng, doc_type)
    blocks = act_blocks(data, rng)
    pages, printed, (sig,) = render_act(blocks, rng, dpi)
    last = pages[-1]
    stamp_text = f" {data['truth']['court_name'].upper()} * "
    stamp = _stamp(rng, dpi, stamp_text[:70])
    # the stamp sits over the signature line and the lines above it, as courts put it
    sx = sig[0] + round(rng.uniform(0.05, 0.35) * (sig[2] - sig[0]))
    sy = max(0, sig[1] - round(stamp.height * rng.uniform(0.45, 0.8)))
    sx = min(sx, last.width - stamp.width)
    sy = min(sy, last.height - stamp.height)
    _overlay(last, stamp, (sx, sy), (rng.randint(30, 80), rng.randint(50, 90), rng.randint(150, 200)))
    sig_img = _signature(rng, dpi)
    gx = sig[0] + round((sig[2] - sig[0]) * rng.uniform(0.3, 0.5))
    gy = max(0, sig[1] - sig_img.height // 2)
    _overlay(last, sig_img, (min(gx, last.width - sig_img.width), min(gy, last.height - sig_img.height)), (20, 30, 110))
    rotations = []
    if noise:
        scanned = [scan(p, rng) for p in pages]
        rotations = [p.info.get("synthetic_rotation", 0.0) for p in scanned]
        pages = scanned
    return RenderedAct(pages, printed, data["truth"], dpi, {"rotations": rotations, "person": data["person"]})


def truth_values(truth: dict[str, Any]) -> dict[str, str | None]:
    """The truth in the extractor's normal form (ISO dates, ``45300.50`` amounts)."""
    out: dict[str, str | None] = {}
    for key, value in truth.items():
        if value is None:
            out[key] = None
        elif isinstance(value, dt.date):
            out[key] = value.isoformat()
        elif isinstance(value, Decimal):
            out[key] = f"{value:.2f}"
        else:
            out[key] = str(value)
    return out
