"""The built-in wording of every document (template version 0).

An admin may save a new version in the template editor; these texts are what a fresh
installation prints. The syntax is described in ``template.py`` and in docs/documents.md.
"""

from __future__ import annotations

COURT_ORDER_APPLICATION = """\
>> В {case.court_name}
>> Адрес: {case.court_address}
>>
>> Взыскатель: {claimant.name}
>> ИНН {claimant.inn}, ОГРН {claimant.ogrn}
>> Адрес: {claimant.address}
>> Банковские реквизиты: {claimant.bank_details}
>>
>> Должник: {debtor.full_name}
>> Дата рождения: {debtor.birth_date}
>> Место рождения: {debtor.birth_place}
>> Адрес: {debtor.address}
>> Идентификаторы: {debtor.identifier}
>>
>> Сумма требования: {claim.total} руб.
>> Государственная пошлина: {fee.amount} руб.

# ЗАЯВЛЕНИЕ
## о вынесении судебного приказа

{contract.date} между {cedent.name} (ИНН {cedent.inn}) и {debtor.full_name_ins} заключён договор займа \
№ {contract.number}, по которому должнику предоставлен заём в сумме {contract.principal} руб. под \
{contract.interest_rate_daily} % в день на срок {contract.term_days} дней с датой возврата {contract.due_date}. \
Должник обязательства по возврату займа и уплате процентов в установленный срок не исполнил.
По договору уступки прав (требований) № {agreement.number} от {agreement.date} {cedent.name} уступило права \
требования по указанному договору займа взыскателю {claimant.name}, что подтверждается выпиской из реестра \
уступаемых прав (строка {register.line}). Согласие должника на уступку предусмотрено договором займа.
По состоянию на {claim.as_of} задолженность должника составляет {claim.total} руб. ({claim.total_words}):
[claim_table]
Требование основано на сделке, совершённой в простой письменной форме, и не превышает пятисот тысяч рублей, \
поэтому рассматривается в приказном производстве (ст. 121, 122 ГПК РФ). Государственная пошлина в размере \
{fee.amount} руб. ({fee.amount_words}) уплачена (подп. 2 п. 1 ст. 333.19 НК РФ).
На основании изложенного, руководствуясь ст. 121–124 ГПК РФ,

! ПРОШУ:
вынести судебный приказ о взыскании с должника {debtor.full_name_gen}, {debtor.birth_date} г. р., в пользу \
{claimant.name} задолженности по договору займа № {contract.number} от {contract.date} по состоянию на \
{claim.as_of} в размере {claim.total} руб., а также расходов по уплате государственной пошлины в размере \
{fee.amount} руб., всего {claim.grand_total} руб. ({claim.grand_total_words}).

! Приложения:
[attachments]

~ Представитель взыскателя по доверенности ____________ / {signer.name} /
~ {today_words}
"""

DEBT_CALCULATION = """\
# РАСЧЁТ ЗАДОЛЖЕННОСТИ
## по договору займа № {contract.number} от {contract.date}

Должник: {debtor.full_name}, дата рождения {debtor.birth_date}, адрес: {debtor.address}.
Взыскатель: {claimant.name} — правопреемник {cedent.name} по договору уступки прав (требований) \
№ {agreement.number} от {agreement.date}.
Условия договора: сумма займа {contract.principal} руб., процентная ставка {contract.interest_rate_daily} % \
в день, срок {contract.term_days} дней, дата возврата {contract.due_date}.
Расчёт составлен по данным учёта взыскателя по состоянию на {claim.as_of}. Поступившие платежи \
распределены в порядке, установленном {claim.allocation_rule}.

! Движение задолженности
[entries_table]

! Задолженность на {claim.as_of}
[balance_table]
Итого задолженность: {debt.total} руб. ({debt.total_words}). Оплачено должником: {debt.paid} руб.

~ Расчёт составил ____________ / {signer.name} /
~ {today}
"""

REGISTER_EXTRACT = """\
# ВЫПИСКА
## из реестра уступаемых прав (требований)
## к договору уступки прав (требований) № {agreement.number} от {agreement.date}

Цедент: {cedent.name}, ИНН {cedent.inn}, ОГРН {cedent.ogrn}, адрес: {cedent.address}.
Цессионарий: {claimant.name}, ИНН {claimant.inn}, ОГРН {claimant.ogrn}, адрес: {claimant.address}.
[register_table]
Права требования по договору займа № {contract.number} от {contract.date} к должнику {debtor.full_name_dat} \
перешли к цессионарию в том объёме и на тех условиях, которые существовали к моменту перехода прав \
(ст. 382, 384 ГК РФ). Общая сумма уступленных прав: {register.total} руб. ({register.total_words}).

~ Выписка верна. Представитель ____________ / {signer.name} /
~ {today}
"""

MAIL_INVENTORY = """\
~ Форма 107
# ОПИСЬ ВЛОЖЕНИЯ
## в заказное письмо № {mail.tracking}

Куда: {case.court_address}
Кому: {case.court_name}
[inventory_table]
Отправитель: {claimant.name}, {claimant.address}

Отправитель ____________ / {signer.name} /
Проверил работник связи ____________ (подпись)
"""

MAILING_REGISTER = """\
~ Форма 103
# СПИСОК № {batch.number}
## внутренних почтовых отправлений от {batch.date}

Вид и категория отправлений: заказные письма с описью вложения.
Отправитель: {sender.name}, {sender.address}
[mailing_table]
Всего отправлений: {batch.count}. Объявленная ценность: {batch.declared_total} руб. Плата за пересылку: \
{batch.postage_total} руб. ({batch.postage_total_words}).

Сдал ____________ / {signer.name} /
Принял ____________ (работник связи)
"""

DEFAULT_TEMPLATES: dict[str, str] = {
    "court_order_application": COURT_ORDER_APPLICATION,
    "debt_calculation": DEBT_CALCULATION,
    "register_extract": REGISTER_EXTRACT,
    "mail_inventory": MAIL_INVENTORY,
    "mailing_register": MAILING_REGISTER,
}
