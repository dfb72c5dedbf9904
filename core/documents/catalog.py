"""What documents exist, which placeholders and blocks their templates may use, with sample data.

The catalog is the contract between an admin editing a template and the code filling it in:
a template is refused at save time when it names a placeholder or block that is not listed here.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from core.i18n import N_, current_language


@dataclass(frozen=True)
class DocType:
    code: str
    title: str  # Russian title printed on the paper and used for file names
    label: str  # English label for the UI
    per_case: bool = True

    @property
    def ui_label(self) -> str:
        """The name on screen: the Russian title in the Russian interface, else the English label."""
        return self.title if current_language() == "ru" else self.label


DOC_TYPES: tuple[DocType, ...] = (
    DocType("court_order_application", "Заявление о вынесении судебного приказа", "Court order application"),
    DocType("debt_calculation", "Расчёт задолженности", "Debt calculation"),
    DocType("register_extract", "Выписка из реестра уступаемых прав", "Extract from the register of assigned claims"),
    DocType("mail_inventory", "Опись вложения (форма 107)", "Mail inventory (form 107)"),
    DocType(
        "mailing_register",
        "Список внутренних почтовых отправлений (форма 103)",
        "Mailing register (form 103)",
        per_case=False,
    ),
)
DOC_TYPE_BY_CODE: dict[str, DocType] = {d.code: d for d in DOC_TYPES}
CASE_DOC_TYPES: tuple[str, ...] = tuple(d.code for d in DOC_TYPES if d.per_case)
# What goes into one envelope to the court, in this order (CPC art. 124 part 3: the attachments).
PACKAGE_DOC_TYPES: tuple[str, ...] = ("court_order_application", "debt_calculation", "register_extract")


# name -> (description, sample value for the live preview)
CASE_PLACEHOLDERS: dict[str, tuple[str, str]] = {
    "today": (N_("Date the document is generated"), "28.11.2026"),
    "signer.name": (N_("Name of the person generating the document"), "Петрова Анна Сергеевна"),
    "case.number": (N_("Case number"), "C-000123"),
    "case.court_name": (N_("Court"), "Судебный участок № 1 Тверского района г. Москвы"),
    "case.court_address": (N_("Court address"), "125009, г. Москва, ул. Большая Дмитровка, д. 9"),
    "case.court_case_number": (N_("Court case number (if known)"), "2-1234/2026"),
    "claimant.name": (N_("Claimant (the assignee): full name"), "ООО ПКО «Цессио»"),
    "claimant.short_name": (N_("Claimant: short name"), "ООО ПКО «Цессио»"),
    "claimant.inn": (N_("Claimant: INN"), "7701234567"),
    "claimant.ogrn": (N_("Claimant: OGRN"), "1157746000001"),
    "claimant.address": (N_("Claimant: address"), "115035, г. Москва, ул. Садовническая, д. 82, стр. 2"),
    "claimant.bank_details": (N_("Claimant: bank details"), "р/с 40702810000000000001 в ПАО Сбербанк, БИК 044525225"),
    "cedent.name": (N_("Original creditor (the cedent)"), "ООО МФК «Быстрый займ»"),
    "cedent.inn": (N_("Cedent: INN"), "7709876543"),
    "cedent.ogrn": (N_("Cedent: OGRN"), "1127746000002"),
    "cedent.address": (N_("Cedent: address"), "101000, г. Москва, ул. Мясницкая, д. 10"),
    "agreement.number": (N_("Assignment agreement number"), "Ц-17/2024"),
    "agreement.date": (N_("Assignment agreement date"), "15.01.2024"),
    "debtor.full_name": (N_("Debtor: full name"), "Иванов Иван Иванович"),
    "debtor.full_name_gen": (N_("Debtor: full name, genitive (взыскать с …)"), "Иванова Ивана Ивановича"),
    "debtor.full_name_dat": (N_("Debtor: full name, dative (к должнику …)"), "Иванову Ивану Ивановичу"),
    "debtor.full_name_ins": (N_("Debtor: full name, instrumental (между … и …)"), "Ивановым Иваном Ивановичем"),
    "today_words": (N_("Date the document is generated, in words"), "28 ноября 2026 г."),
    "claim.allocation_rule": (
        N_("The law that orders the allocation of payments"),
        "п. 20 ст. 5 Федерального закона от 21.12.2013 № 353-ФЗ «О потребительском кредите (займе)»",
    ),
    "debtor.birth_date": (N_("Debtor: date of birth"), "14.03.1985"),
    "debtor.birth_place": (N_("Debtor: place of birth"), "г. Москва"),
    "debtor.address": (N_("Debtor: address"), "123456, г. Москва, ул. Ленина, д. 5, кв. 7"),
    "debtor.passport": (N_("Debtor: passport"), "4510 123456"),
    "debtor.inn": (N_("Debtor: INN"), "770123456789"),
    "debtor.snils": (N_("Debtor: SNILS"), "123-456-789 01"),
    "debtor.identifier": (
        N_("Debtor: the identifiers known (CPC art. 124 part 2 p. 3)"),
        "паспорт 4510 123456, СНИЛС 123-456-789 01",
    ),
    "contract.number": (N_("Loan contract number"), "ДЗ-0001234"),
    "contract.date": (N_("Loan contract date"), "01.09.2023"),
    "contract.principal": (N_("Loan amount"), "30 000,00"),
    "contract.interest_rate_daily": (N_("Interest rate, % per day"), "0,8"),
    "contract.term_days": (N_("Loan term, days"), "30"),
    "contract.due_date": (N_("Repayment date"), "01.10.2023"),
    "register.line": (N_("Line of the register of assigned claims"), "17"),
    "register.principal": (N_("Register: principal assigned"), "30 000,00"),
    "register.interest": (N_("Register: interest assigned"), "24 000,00"),
    "register.penalty": (N_("Register: penalty assigned"), "1 250,00"),
    "register.fees": (N_("Register: fees assigned"), "0,00"),
    "register.total": (N_("Register: total assigned"), "55 250,00"),
    "register.total_words": (N_("Register: total in words"), "Пятьдесят пять тысяч двести пятьдесят рублей 00 копеек"),
    "claim.as_of": (N_("Date the claim is calculated on"), "28.11.2026"),
    "claim.principal": (N_("Claim: principal"), "30 000,00"),
    "claim.interest": (N_("Claim: interest"), "45 000,00"),
    "claim.penalty": (N_("Claim: penalty"), "1 250,00"),
    "claim.total": (N_("Claim: principal + interest + penalty"), "76 250,00"),
    "claim.total_words": (N_("Claim total in words"), "Семьдесят шесть тысяч двести пятьдесят рублей 00 копеек"),
    "claim.grand_total": (N_("Claim plus state fee"), "80 250,00"),
    "claim.grand_total_words": (
        N_("Claim plus state fee in words"),
        "Восемьдесят тысяч двести пятьдесят рублей 00 копеек",
    ),
    "fee.amount": (N_("State fee for the court order (Tax Code art. 333.19)"), "4 000,00"),
    "fee.amount_words": (N_("State fee in words"), "Четыре тысячи рублей 00 копеек"),
    "debt.total": (N_("Whole balance incl. costs (ledger)"), "80 362,00"),
    "debt.total_words": (N_("Whole balance in words"), "Восемьдесят тысяч триста шестьдесят два рубля 00 копеек"),
    "debt.paid": (N_("Paid by the debtor so far"), "0,00"),
    "mail.tracking": (N_("Tracking number of the envelope (blank until mailed)"), "80081234567893"),
    "mail.postage": (N_("Postage of the envelope"), "112,00"),
    "mail.declared_total": (N_("Declared value of the envelope"), "3,00"),
}

BATCH_PLACEHOLDERS: dict[str, tuple[str, str]] = {
    "today": CASE_PLACEHOLDERS["today"],
    "signer.name": CASE_PLACEHOLDERS["signer.name"],
    "batch.number": (N_("Package number"), "42"),
    "batch.date": (N_("Date of the mailing"), "28.11.2026"),
    "batch.count": (N_("Number of envelopes"), "250"),
    "batch.postage_total": (N_("Total postage"), "28 000,00"),
    "batch.postage_total_words": (N_("Total postage in words"), "Двадцать восемь тысяч рублей 00 копеек"),
    "batch.declared_total": (N_("Total declared value"), "750,00"),
    "sender.name": (N_("Sender (the assignee)"), "ООО ПКО «Цессио»"),
    "sender.address": (N_("Sender address"), "115035, г. Москва, ул. Садовническая, д. 82, стр. 2"),
}

# block name -> description
BLOCKS: dict[str, dict[str, str]] = {
    "court_order_application": {
        "claim_table": N_("Table of the claim by component with the total and the state fee"),
        "attachments": N_("Numbered list of attachments (CPC art. 124)"),
    },
    "debt_calculation": {
        "entries_table": N_("Every ledger entry: date, operation, amount"),
        "balance_table": N_("Balance by component on the calculation date"),
    },
    "register_extract": {"register_table": N_("The debtor's line of the register of assigned claims")},
    "mail_inventory": {"inventory_table": N_("Form 107 table: item, number of items, declared value")},
    "mailing_register": {"mailing_table": N_("Form 103 table: every envelope with tracking, addressee, postage")},
}


def placeholders_for(doc_type: str) -> dict[str, tuple[str, str]]:
    return CASE_PLACEHOLDERS if DOC_TYPE_BY_CODE[doc_type].per_case else BATCH_PLACEHOLDERS


def sample_values(doc_type: str) -> dict[str, str]:
    # amounts keep their thousands together on a line, as real (formatted) amounts do
    return {
        name: re.sub(r"(?<=\d) (?=\d{3}\b)", "\u00a0", sample)
        for name, (_, sample) in placeholders_for(doc_type).items()
    }
