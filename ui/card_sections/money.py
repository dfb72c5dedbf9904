"""The case card's "Money" tab: balance by component as of a date, every entry with each
payment's allocation, manual entries (by role), reversals, the state-fee calculator and the
payment plan editor. All arithmetic is in ``core.ledger``; this module only shows and asks."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pandas as pd
import streamlit as st

from core.auth.permissions import Permission, has_permission
from core.errors import CessioError
from core.i18n import N_, _, format_date, format_datetime_local, format_money
from core.ledger.allocation import COMPONENT_LABELS, COMPONENTS
from core.ledger.fee_life import claim_fee_due, fee_story, record_fee_paid
from core.ledger.fees import FilingKind, state_fee
from core.ledger.plans import Instalment, generate_schedule, plan_status, save_plan
from core.ledger.service import (
    KIND_LABELS,
    Balance,
    EntryKind,
    EntryView,
    case_balance,
    case_entries,
    offset_overpayment,
    post_entry,
    reverse_entry,
    today,
)
from core.money import MoneyParseError, parse_amount
from ui.card_sections import CardSection
from ui.context import SignedInUser, db
from ui.key_rate_notice import show_key_rate_warning

KEY = "money"
SOURCE_LABELS = {
    "manual": N_("by hand"),
    "payment_file": N_("bank file"),
    "accrual": N_("accrual"),
    "import": N_("import"),
    "ocr_review": N_("OCR review"),
    "demo": N_("demo data"),
    "mail_claim": N_("claim mailing"),
    "court_order": N_("court order"),
    "postal": N_("postal tracking"),
}
STATUS_LABELS = {
    "paid_on_time": N_("✅ paid on time"),
    "paid_late": N_("🟡 paid late"),
    "missed": N_("🔴 missed"),
    "upcoming": N_("upcoming"),
}


def _flash(case_id: int, message: str) -> None:
    """Show ``message`` after a rerun that redraws the balance with the new entry."""
    st.session_state[f"{KEY}.flash.{case_id}"] = message
    st.rerun()


def _money(value: Decimal) -> str:
    return format_money(value, currency=False)


def _component(code: str) -> str:
    return _(COMPONENT_LABELS[code]) if code in COMPONENT_LABELS else code


def _allocation_text(entry: EntryView) -> str:
    return " · ".join(f"{_component(c)} {_money(v)}" for c, v in entry.allocation.items())


def _balance(bal: Balance) -> None:
    cols = st.columns(4)
    cols[0].metric(_("Total owed"), format_money(bal.total))
    cols[1].metric(_("Principal"), _money(bal.principal))
    cols[2].metric(_("Interest"), _money(bal.interest))
    cols[3].metric(_("Penalty"), _money(bal.penalty))
    cols = st.columns(4)
    cols[0].metric(_("State fee"), _money(bal.state_fee))
    cols[1].metric(_("Postage"), _money(bal.postage))
    cols[2].metric(_("Court costs"), _money(bal.court_costs))
    cols[3].metric(_("Overpayment"), _money(bal.overpayment))
    if bal.overpayment > 0:
        st.warning(
            _(
                "Overpayment of {amount}: refund it to the debtor or offset it against a new charge (never shown as a negative debt)."
            ).format(amount=format_money(bal.overpayment))
        )


def _entries_table(entries: list[EntryView]) -> None:
    if not entries:
        st.caption(_("No entries yet."))
        return
    frame = pd.DataFrame(
        [
            {
                _("No."): e.id,
                _("Date"): format_date(e.effective_date),
                _("Entry"): e.kind_label + (f" ({_component(e.component)})" if e.component else ""),
                _("Amount"): _money(e.amount),
                _("Paid off / applied to"): _allocation_text(e),
                _("Source"): _(SOURCE_LABELS[e.source]) if e.source in SOURCE_LABELS else e.source.replace("_", " "),
                _("Reference"): e.reference or "",
                _("Comment"): e.comment or "",
                _("By"): e.author,
                _("Booked"): format_datetime_local(e.booked_at),
                _("Reversal"): (
                    _("reverses {id}").format(id=e.reverses_id)
                    if e.reverses_id
                    else (_("reversed by {id}").format(id=e.reversed_by_id) if e.reversed_by_id else "")
                ),
            }
            for e in entries
        ]
    )
    st.dataframe(frame, hide_index=True, width="stretch", height=min(38 + 35 * len(frame), 460))


def _entry_form(case_id: int, user: SignedInUser) -> None:
    kinds = [EntryKind.PAYMENT, EntryKind.STATE_FEE, EntryKind.POSTAGE, EntryKind.COURT_COSTS]
    if has_permission(user, Permission.LEDGER_ADJUST):
        kinds += [
            EntryKind.ADJUSTMENT,
            EntryKind.WRITE_OFF,
            EntryKind.REFUND,
            EntryKind.PRINCIPAL,
            EntryKind.INTEREST,
            EntryKind.PENALTY,
        ]
    with st.form(f"{KEY}.entry.{case_id}", clear_on_submit=False):
        st.markdown(_("**Book an entry**"))
        c1, c2, c3 = st.columns(3)
        kind = c1.selectbox(_("Entry"), kinds, format_func=lambda k: _(KIND_LABELS[k]), key=f"{KEY}.kind.{case_id}")
        amount_text = c2.text_input(
            _("Amount, ₽"),
            placeholder="1 500,00",
            key=f"{KEY}.amount.{case_id}",
            help=_("Adjustments may be negative"),
        )
        on = c3.date_input(_("Effective date"), value=today(), format="DD.MM.YYYY", key=f"{KEY}.date.{case_id}")
        c4, c5, c6 = st.columns(3)
        component = c4.selectbox(
            _("Component (adjustment / write-off)"),
            ["", *COMPONENTS],
            format_func=lambda c: _component(c) if c else _("— whole debt —"),
            key=f"{KEY}.component.{case_id}",
        )
        reference = c5.text_input(_("Reference (receipt, order no.)"), key=f"{KEY}.ref.{case_id}")
        comment = c6.text_input(_("Comment"), key=f"{KEY}.comment.{case_id}")
        submitted = st.form_submit_button(_("Book"), type="primary")
    if not submitted:
        return
    try:
        amount = parse_amount(amount_text)
    except MoneyParseError as exc:
        st.error(_("Amount: {exc}").format(exc=exc))
        return
    try:
        with db() as session:
            entry = post_entry(
                session,
                user,
                case_id,
                kind,
                amount,
                on,
                "manual",
                reference or None,
                comment or None,
                component or None,
            )
            entry_id, booked = entry.id, entry.amount
    except CessioError as exc:
        st.error(str(exc))
        return
    _flash(
        case_id,
        _("Booked {kind} {amount} (entry {id}).").format(
            kind=_(KIND_LABELS[kind]).lower(), amount=format_money(booked), id=entry_id
        ),
    )


def _reverse_form(case_id: int, user: SignedInUser, entries: list[EntryView]) -> None:
    candidates = [e for e in entries if e.reverses_id is None and e.reversed_by_id is None]
    if not candidates:
        return
    with st.form(f"{KEY}.reverse.{case_id}"):
        st.markdown(_("**Reverse an entry** (entries are never edited; a reversal undoes one)"))
        c1, c2 = st.columns([2, 3])
        chosen = c1.selectbox(
            _("Entry"),
            [e.id for e in candidates],
            format_func=lambda i: next(
                _("{id}: {kind} {amount} of {date}").format(
                    id=e.id, kind=e.kind_label, amount=_money(e.amount), date=format_date(e.effective_date)
                )
                for e in candidates
                if e.id == i
            ),
            key=f"{KEY}.rev.entry.{case_id}",
        )
        reason = c2.text_input(_("Why"), key=f"{KEY}.rev.reason.{case_id}")
        go = st.form_submit_button(_("Reverse"))
    if go:
        try:
            with db() as session:
                reverse_entry(session, user, int(chosen), reason)
        except CessioError as exc:
            st.error(str(exc))
            return
        _flash(case_id, _("Entry {id} reversed.").format(id=chosen))


def _offset(case_id: int, user: SignedInUser, bal: Balance) -> None:
    if bal.overpayment > 0 and bal.total > 0 and has_permission(user, Permission.LEDGER_PAYMENT):
        if st.button(_("Offset the overpayment against the debt"), key=f"{KEY}.offset.{case_id}"):
            try:
                with db() as session:
                    offset_overpayment(session, user, case_id)
            except CessioError as exc:
                st.error(str(exc))
                return
            _flash(case_id, _("Overpayment offset."))


def _fee_calculator(case_id: int, user: SignedInUser, bal: Balance) -> None:
    with st.expander(_("State fee calculator (Tax Code art. 333.19)")):
        c1, c2, c3 = st.columns(3)
        claim_text = c1.text_input(
            _("Claim amount, ₽"),
            value=_money(bal.debt_claimed),
            key=f"{KEY}.fee.claim.{case_id}",
        )
        filed = c2.date_input(_("Filing date"), value=today(), format="DD.MM.YYYY", key=f"{KEY}.fee.date.{case_id}")
        kind = c3.selectbox(
            _("Filing"),
            list(FilingKind),
            format_func=lambda k: _("Court order application") if k == FilingKind.COURT_ORDER else _("Claim (lawsuit)"),
            key=f"{KEY}.fee.kind.{case_id}",
        )
        try:
            claim = parse_amount(claim_text)
        except MoneyParseError as exc:
            st.error(_("{exc}. Type the claim amount, e.g. 45 300,50.").format(exc=exc))
            return
        if claim <= 0:
            st.caption(_("Nothing is claimed on this case now; type a claim amount to see its state fee."))
            return
        try:
            if kind == FilingKind.CLAIM:
                with db() as session:
                    due = claim_fee_due(session, case_id, claim, filed)
                fee, to_pay = due.fee, due.to_pay
            else:
                fee = to_pay = state_fee(claim, filed, kind)
        except CessioError as exc:
            st.error(str(exc))
            return
        st.markdown(_("State fee: **{fee}**").format(fee=format_money(fee)))
        if to_pay != fee:
            st.markdown(
                _(
                    "Credited from the cancelled court order's fee (Tax Code art. 333.20 p. 1 subp. 13): {credit}; "
                    "to pay: **{to_pay}**"
                ).format(credit=format_money(fee - to_pay), to_pay=format_money(to_pay))
            )
        st.caption(
            _(
                "The fee paid when filing is the creditor's expense; it becomes the debtor's debt only when the "
                "court awards it (the order or judgment books it once)."
            )
        )
        if has_permission(user, Permission.LEDGER_PAYMENT) and st.button(
            _("Record the fee paid by the creditor"), key=f"{KEY}.fee.book.{case_id}"
        ):
            act = "claim" if kind == FilingKind.CLAIM else "court_order"
            try:
                with db() as session:
                    record_fee_paid(session, user, case_id, act, fee, filed, f"claim {claim_text}")
            except CessioError as exc:
                st.error(str(exc))
                return
            _flash(case_id, _("State fee {fee} recorded as paid by the creditor.").format(fee=format_money(fee)))


FEE_STEP_LABELS = {
    "paid": N_("paid by the creditor"),
    "awarded": N_("awarded to the creditor: the debtor's debt"),
    "credited": N_("credited toward the claim's fee (order cancelled)"),
    "reversed": N_("reversed on the debtor's ledger (order cancelled)"),
}
FEE_ACT_LABELS = {"court_order": N_("Court order"), "claim": N_("Claim (lawsuit)")}


def _fee_life(case_id: int, user: SignedInUser) -> None:
    """The state fee's life: paid by the creditor, awarded by the court, credited on cancellation."""
    with db() as session:
        steps = fee_story(session, user, case_id)
    if not steps:
        return
    st.markdown("#### " + _("State fee"))
    frame = pd.DataFrame(
        [
            {
                _("Date"): format_date(s.on),
                _("Court act"): _(FEE_ACT_LABELS.get(s.act, s.act)),
                _("What happened"): _(FEE_STEP_LABELS[s.what]),
                _("Amount"): _money(s.amount),
                _("Note"): s.note,
            }
            for s in steps
        ]
    )
    st.dataframe(frame, hide_index=True, width="stretch", key=f"{KEY}.fee_life.{case_id}")


def _plan(case_id: int, user: SignedInUser, bal: Balance, as_of: dt.date) -> None:
    st.markdown(_("#### Payment plan"))
    with db() as session:
        view = plan_status(session, user, case_id, as_of)
    if view is None:
        st.caption(_("No payment plan."))
    else:
        if view.broken:
            first = view.missed[0]
            st.error(
                _("Plan broken: instalment {seq} due {date} was missed.").format(
                    seq=first.seq, date=format_date(first.due_date)
                )
            )
        st.caption(
            _("Plan of {total} from {date}; paid since: {paid}").format(
                total=format_money(view.total), date=format_date(view.starts_on), paid=format_money(view.paid)
            )
            + (f" · {view.comment}" if view.comment else "")
        )
        st.dataframe(
            pd.DataFrame(
                [
                    {
                        _("No."): i.seq,
                        _("Due"): format_date(i.due_date),
                        _("Amount"): _money(i.amount),
                        _("Paid"): _money(i.paid),
                        _("Paid in full on"): format_date(i.paid_on, empty=""),
                        _("Status"): _(STATUS_LABELS[i.status]),
                    }
                    for i in view.instalments
                ]
            ),
            hide_index=True,
            width="stretch",
        )
    if not has_permission(user, Permission.LEDGER_PAYMENT):
        return
    with st.expander(_("New payment plan") if view is None else _("Replace the payment plan")):
        draft_key = f"{KEY}.plan.draft.{case_id}"
        c1, c2, c3 = st.columns(3)
        total_text = c1.text_input(_("Total, ₽"), value=_money(bal.total), key=f"{KEY}.plan.total.{case_id}")
        count = c2.number_input(
            _("Instalments"), min_value=1, max_value=120, value=6, step=1, key=f"{KEY}.plan.n.{case_id}"
        )
        first = c3.date_input(
            _("First due date"),
            value=today() + dt.timedelta(days=30),
            format="DD.MM.YYYY",
            key=f"{KEY}.plan.first.{case_id}",
        )
        if st.button(_("Generate the schedule"), key=f"{KEY}.plan.gen.{case_id}"):
            try:
                schedule = generate_schedule(parse_amount(total_text), int(count), first)
            except (MoneyParseError, CessioError) as exc:
                st.error(str(exc))
            else:
                st.session_state[draft_key] = pd.DataFrame(
                    [{"due_date": i.due_date, "amount": _money(i.amount)} for i in schedule]
                )
        draft = st.session_state.get(draft_key)
        if draft is None:
            st.caption(_("Generate a schedule from a total and a count, then edit dates and amounts before saving."))
            return
        edited = st.data_editor(
            draft,
            key=f"{KEY}.plan.editor.{case_id}",
            num_rows="dynamic",
            hide_index=True,
            column_config={
                "due_date": st.column_config.DateColumn(_("Due date"), format="DD.MM.YYYY", required=True),
                "amount": st.column_config.TextColumn(_("Amount, ₽"), required=True),
            },
        )
        comment = st.text_input(_("Comment (agreed how, with whom)"), key=f"{KEY}.plan.comment.{case_id}")
        if st.button(_("Save the plan"), type="primary", key=f"{KEY}.plan.save.{case_id}"):
            rows: list[Instalment] = []
            problems: list[str] = []
            for n, rec in enumerate(edited.to_dict("records"), start=1):
                due = rec.get("due_date")
                if isinstance(due, pd.Timestamp):
                    due = due.date()
                try:
                    amount = parse_amount(str(rec.get("amount") or ""))
                except MoneyParseError as exc:
                    problems.append(_("row {n}: {problem}").format(n=n, problem=exc))
                    continue
                if not isinstance(due, dt.date):
                    problems.append(_("row {n}: the due date is missing").format(n=n))
                    continue
                rows.append(Instalment(due, amount))
            if problems:
                st.error("; ".join(problems))
                return
            try:
                with db() as session:
                    save_plan(session, user, case_id, rows, starts_on=today(), comment=comment or None)
            except CessioError as exc:
                st.error(str(exc))
                return
            st.session_state.pop(draft_key, None)
            _flash(case_id, _("Payment plan saved."))


def render(case_id: int, user: SignedInUser) -> None:
    flash = st.session_state.pop(f"{KEY}.flash.{case_id}", None)
    if flash:
        st.success(flash)
    show_key_rate_warning()
    as_of = st.date_input(_("Balance as of"), value=today(), format="DD.MM.YYYY", key=f"{KEY}.asof.{case_id}")
    with db() as session:
        bal = case_balance(session, user, case_id, as_of)
        entries = case_entries(session, user, case_id, as_of)
    _balance(bal)
    _offset(case_id, user, bal)
    st.markdown(_("#### Entries"))
    _entries_table(entries)
    if has_permission(user, Permission.LEDGER_PAYMENT):
        _entry_form(case_id, user)
    if has_permission(user, Permission.LEDGER_ADJUST):
        _reverse_form(case_id, user, entries)
    _fee_life(case_id, user)
    _fee_calculator(case_id, user, bal)
    _plan(case_id, user, bal, as_of)


SECTION = CardSection(title=N_("Money"), order=20, permission=Permission.LEDGER_VIEW, render=render)
