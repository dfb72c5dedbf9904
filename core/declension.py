"""Russian personal names in the grammatical case a sentence needs (court filings, rule 11).

"о взыскании с должника Никифоровой Светланы Сергеевны" (genitive), "между ООО … и Никифоровой
Светланой Сергеевной" (instrumental), "к должнику Никифоровой Светлане Сергеевне" (dative).

How (the rules of Russian grammar for names, as in Розенталь's "Справочник по правописанию и
литературной правке", §§ on surnames):
- the gender comes from the patronymic (-ич / -на; "оглы" / "кызы"), else from the first name
  (pymorphy3's dictionary of names), else from the surname's ending;
- first names and patronymics are inflected with pymorphy3 (its dictionary knows Russian names
  and patronymics), falling back to the noun rules;
- surnames follow rules, because a surname is often also a common word that a dictionary would
  inflect wrongly: -ов/-ев/-ин/-ын (possessive: Петров -> Петрова, Петровым; Ильина -> Ильиной),
  -ский/-ой/-ый (adjectival: Толстой -> Толстого; Вишневская -> Вишневской), -а/-я (Окуджава ->
  Окуджавы), a consonant, -й or -ь for men (Кузьмич -> Кузьмича, Цой -> Цоя); indeclinable:
  -ых/-их (Черных), -о (Шевченко), -е/-и/-у/-ю/-э/-ы, a vowel before the final -а (Гарсиа),
  foreign names pymorphy3 marks as indeclinable (Дюма, Гюго), and a woman's surname ending in a
  consonant (Цой, Кузьмич for a woman stay as they are); each part of a double-barrelled surname
  is declined on its own (Петров-Водкин -> Петрова-Водкина).
"""

from __future__ import annotations

from functools import lru_cache
from typing import Literal

Case = Literal["nomn", "gent", "datv", "accs", "ablt", "loct"]
Gender = Literal["masc", "femn"]
CASES: tuple[Case, ...] = ("nomn", "gent", "datv", "accs", "ablt", "loct")
_HUSHING = set("жшчщц")
_VELAR_HUSHING = set("кгхжшчщ")
_VOWELS = set("аеёиоуыэюя")


@lru_cache(maxsize=1)
def _morph():  # type: ignore[no-untyped-def]
    import pymorphy3

    return pymorphy3.MorphAnalyzer()


def _match_case(model: str, word: str) -> str:
    """``word`` written with the capitals of ``model`` (ИВАНОВ stays upper case)."""
    if model.isupper() and len(model) > 1:
        return word.upper()
    if model[:1].isupper():
        return word[:1].upper() + word[1:]
    return word


def gender_of(surname: str, first: str | None, patronymic: str | None) -> Gender:
    p = (patronymic or "").lower()
    if p.endswith(("ич", "оглы", "улы", "уулу")):
        return "masc"
    if p.endswith(("на", "кызы", "гызы")):
        return "femn"
    if first:
        for parse in _morph().parse(first):
            if "Name" in parse.tag and parse.tag.case == "nomn" and parse.tag.gender in ("masc", "femn"):
                return parse.tag.gender  # type: ignore[return-value]
    s = surname.lower()
    return "femn" if s.endswith(("ова", "ева", "ёва", "ина", "ына", "ая", "яя")) else "masc"


def _noun_a(stem: str, ending: str, case: Case) -> str:
    """A word in -а/-я (Окуджава, Зозуля, Мария): first declension of nouns."""
    last = stem[-1:].lower()
    if ending == "я":
        if stem.lower().endswith("и"):  # Мария, Берия
            return stem + {"nomn": "я", "gent": "и", "datv": "и", "accs": "ю", "ablt": "ей", "loct": "и"}[case]
        return stem + {"nomn": "я", "gent": "и", "datv": "е", "accs": "ю", "ablt": "ей", "loct": "е"}[case]
    gent = "и" if last in _VELAR_HUSHING else "ы"
    ablt = "ей" if last in _HUSHING else "ой"
    return stem + {"nomn": "а", "gent": gent, "datv": "е", "accs": "у", "ablt": ablt, "loct": "е"}[case]


def _noun_consonant(word: str, case: Case) -> str:
    """A man's name or surname ending in a consonant, -й or -ь (Кузьмич, Цой, Гоголь)."""
    low = word.lower()
    if case == "nomn":
        return word
    if low.endswith(("й", "ь")):
        return word[:-1] + {"gent": "я", "datv": "ю", "accs": "я", "ablt": "ем", "loct": "е"}[case]
    ablt = "ем" if low[-1] in _HUSHING else "ом"
    return word + {"nomn": "", "gent": "а", "datv": "у", "accs": "а", "ablt": ablt, "loct": "е"}[case]


def _is_fixed(word: str) -> bool:
    """pymorphy3 knows the word as an indeclinable surname (Дюма, Гюго, Шевченко)."""
    return any("Surn" in p.tag and "Fixd" in p.tag for p in _morph().parse(word))


def decline_surname(surname: str, gender: Gender, case: Case) -> str:
    """One surname (a double-barrelled one part by part) in ``case``."""
    if "-" in surname:
        return "-".join(decline_surname(part, gender, case) for part in surname.split("-"))
    if case == "nomn" or len(surname) < 2:
        return surname
    low = surname.lower()
    last = low[-1]
    if low.endswith(("ых", "их")) or last in "еиоуыэю" or _is_fixed(surname):
        return surname
    if last in "ая" and len(low) > 1 and low[-2] in _VOWELS and not low.endswith(("ая", "яя")):
        return surname  # Гарсиа, Гулиа
    if gender == "femn":
        if low.endswith(("ова", "ева", "ёва", "ина", "ына")):
            return _match_case(
                surname, surname[:-1] + {"gent": "ой", "datv": "ой", "accs": "у", "ablt": "ой", "loct": "ой"}[case]
            )
        if low.endswith(("ая", "яя")):
            soft = low.endswith("яя")
            endings = (
                {"gent": "ей", "datv": "ей", "accs": "юю", "ablt": "ей", "loct": "ей"}
                if soft
                else {
                    "gent": "ой",
                    "datv": "ой",
                    "accs": "ую",
                    "ablt": "ой",
                    "loct": "ой",
                }
            )
            return _match_case(surname, surname[:-2] + endings[case])
        if last in "ая":
            return _match_case(surname, _noun_a(surname[:-1], last, case))
        return surname  # a woman's surname in a consonant does not decline (Цой, Кузьмич)
    if low.endswith(("ов", "ев", "ёв", "ин", "ын")):
        return _match_case(surname, surname + {"gent": "а", "datv": "у", "accs": "а", "ablt": "ым", "loct": "е"}[case])
    if low.endswith(("ский", "цкий", "ий", "ый", "ой")) and len(low) > 3:
        stem = surname[:-2]
        soft = low.endswith("ий") and low[-3] not in _VELAR_HUSHING
        ablt = "им" if (low.endswith("ий") or low[-3] in _VELAR_HUSHING) else "ым"
        endings = {
            "gent": "его" if soft else "ого",
            "datv": "ему" if soft else "ому",
            "accs": "его" if soft else "ого",
            "ablt": ablt,
            "loct": "ем" if soft else "ом",
        }
        return _match_case(surname, stem + endings[case])
    if last in "ая":
        return _match_case(surname, _noun_a(surname[:-1], last, case))
    return _match_case(surname, _noun_consonant(surname, case))


def decline_first_name(name: str, gender: Gender, case: Case) -> str:
    if case == "nomn" or not name:
        return name
    if "-" in name:
        return "-".join(decline_first_name(p, gender, case) for p in name.split("-"))
    for parse in _morph().parse(name):
        if "Name" in parse.tag and parse.tag.case == "nomn" and parse.tag.gender == gender:
            form = parse.inflect({case})
            if form is not None:
                return _match_case(name, form.word)
    low = name.lower()
    if low[-1] in "ая":
        return _match_case(name, _noun_a(name[:-1], low[-1], case))
    if gender == "masc" and low[-1] not in _VOWELS:
        return _match_case(name, _noun_consonant(name, case))
    return name


def decline_patronymic(patronymic: str, case: Case) -> str:
    if case == "nomn" or not patronymic:
        return patronymic
    low = patronymic.lower()
    if low.endswith("ич"):
        return patronymic + {"gent": "а", "datv": "у", "accs": "а", "ablt": "ем", "loct": "е"}[case]
    if low.endswith("на"):
        return patronymic[:-1] + {"gent": "ы", "datv": "е", "accs": "у", "ablt": "ой", "loct": "е"}[case]
    return patronymic  # оглы, кызы and foreign forms stay


def decline_full_name(full_name: str, case: Case) -> str:
    """ "Фамилия Имя Отчество" in ``case``; an unusual shape is returned unchanged rather than
    guessed (a court paper with the nominative is better than one with an invented form)."""
    if case not in CASES:
        raise ValueError(f"unknown grammatical case '{case}'")
    parts = full_name.split()
    if case == "nomn" or not parts:
        return full_name
    surname, first = parts[0], (parts[1] if len(parts) > 1 else None)
    rest = parts[2:]
    gender = gender_of(surname, first, rest[-1] if rest else None)
    out = [decline_surname(surname, gender, case)]
    if first is not None:
        out.append(decline_first_name(first, gender, case))
    if rest:
        if rest[-1].lower() in ("оглы", "кызы", "гызы", "улы", "уулу"):
            out.extend(rest)  # Гейдар оглы: the father's name and the particle stay as they are
        else:
            out.extend(rest[:-1])
            out.append(decline_patronymic(rest[-1], case))
    return " ".join(out)
