"""The case search filter bar: every filter of ``core.cases.search.CaseFilter``.

The applied filter is kept in session state outside the widgets (Streamlit drops the state of
widgets that are not on screen, e.g. while the user looks at a case card) and mirrored in the
address bar, so it survives going to a case and back, a browser refresh, and can be shared.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import streamlit as st

from core.cases.search import CaseFilter, FilterOptions
from core.cases.workflow import STAGES
from core.i18n import _
from core.money import MoneyParseError, parse_amount

APPLIED = "search.filter"
_W = "sf."  # widget key prefix
_FILTER_PARAMS = set(CaseFilter().__dataclass_fields__)


def applied_filter() -> CaseFilter:
    """The filter in force; on first arrival it is read from the address bar (shared link)."""
    f = st.session_state.get(APPLIED)
    if isinstance(f, CaseFilter):
        return f
    params = {k: st.query_params[k] for k in st.query_params if k in _FILTER_PARAMS}
    f = CaseFilter.from_query_params(params) if params else CaseFilter()
    st.session_state[APPLIED] = f
    return f


def _seed_widgets(f: CaseFilter) -> None:
    values = {
        "number": f.number or "",
        "debtor_name": f.debtor_name or "",
        "contract_number": f.contract_number or "",
        "stages": list(f.stages),
        "creditor_ids": list(f.creditor_ids),
        "agreement_ids": list(f.agreement_ids),
        "responsible_ids": list(f.responsible_ids),
        "regions": list(f.regions),
        "birth_date": f.birth_date,
        "court_case_number": f.court_case_number or "",
        "opened_from": f.opened_from,
        "opened_to": f.opened_to,
        "claim_min": "" if f.claim_min is None else str(f.claim_min).replace(".", ","),
        "claim_max": "" if f.claim_max is None else str(f.claim_max).replace(".", ","),
        "min_days_in_stage": f.min_days_in_stage,
        "over_sla": f.over_sla,
        "flags": list(f.flags),
    }
    for name, value in values.items():
        if _W + name not in st.session_state:
            st.session_state[_W + name] = value


def _amount(text: str, label: str, problems: list[str]) -> Decimal | None:
    if not text.strip():
        return None
    try:
        return parse_amount(text)
    except MoneyParseError as exc:
        problems.append(f"{label}: {exc}")
        return None


def _from_widgets() -> tuple[CaseFilter, list[str]]:
    s = st.session_state
    problems: list[str] = []
    f = CaseFilter(
        number=s[_W + "number"].strip() or None,
        debtor_name=s[_W + "debtor_name"].strip() or None,
        contract_number=s[_W + "contract_number"].strip() or None,
        stages=list(s[_W + "stages"]),
        creditor_ids=list(s[_W + "creditor_ids"]),
        agreement_ids=list(s[_W + "agreement_ids"]),
        responsible_ids=list(s[_W + "responsible_ids"]),
        regions=list(s[_W + "regions"]),
        birth_date=s[_W + "birth_date"],
        court_case_number=s[_W + "court_case_number"].strip() or None,
        opened_from=s[_W + "opened_from"],
        opened_to=s[_W + "opened_to"],
        claim_min=_amount(s[_W + "claim_min"], _("Claim from"), problems),
        claim_max=_amount(s[_W + "claim_max"], _("Claim to"), problems),
        min_days_in_stage=int(s[_W + "min_days_in_stage"]) if s[_W + "min_days_in_stage"] else None,
        over_sla=bool(s[_W + "over_sla"]),
        flags=[str(x).strip() for x in s[_W + "flags"] if str(x).strip()],
    )
    if f.opened_from and f.opened_to and f.opened_from > f.opened_to:
        problems.append(_("Opened: the “from” date is after the “to” date."))
    if f.claim_min is not None and f.claim_max is not None and f.claim_min > f.claim_max:
        problems.append(_("Claim: the lower bound is above the upper bound."))
    return f, problems


def _clear() -> None:
    for key in [k for k in st.session_state if str(k).startswith(_W)]:
        del st.session_state[key]
    st.session_state[APPLIED] = CaseFilter()


def filter_bar(options: FilterOptions) -> CaseFilter:
    """Render the bar; returns the filter in force (changes only when the user applies)."""
    current = applied_filter()
    _seed_widgets(current)
    creditor_names = dict(options.creditors)
    agreement_names = dict(options.agreements)
    user_names = dict(options.users)
    stage_labels = {s.code: s.label for s in STAGES}
    extra = _count_extra(current)
    with st.form("search_filters", border=True, enter_to_submit=True):
        c1, c2, c3, c4 = st.columns([1, 2, 1.3, 2.7])
        c1.text_input(_("Case no."), key=_W + "number", placeholder="C-000123")
        c2.text_input(_("Debtor"), key=_W + "debtor_name", placeholder=_("Surname, name…"))
        c3.text_input(_("Contract no."), key=_W + "contract_number")
        c4.multiselect(
            _("Stage"),
            list(stage_labels),
            format_func=stage_labels.__getitem__,
            key=_W + "stages",
            placeholder=_("Any"),
        )
        more = _("More filters ({n} in use)").format(n=extra) if extra else _("More filters")
        with st.expander(more, expanded=False):
            m1, m2, m3, m4 = st.columns(4)
            m1.multiselect(
                _("Creditor"),
                list(creditor_names),
                format_func=lambda i: creditor_names.get(i, f"#{i}"),
                key=_W + "creditor_ids",
                placeholder=_("Any"),
            )
            m2.multiselect(
                _("Assignment agreement"),
                list(agreement_names),
                format_func=lambda i: agreement_names.get(i, f"#{i}"),
                key=_W + "agreement_ids",
                placeholder=_("Any"),
            )
            m3.multiselect(
                _("Responsible"),
                list(user_names),
                format_func=lambda i: user_names.get(i, f"#{i}"),
                key=_W + "responsible_ids",
                placeholder=_("Anyone"),
            )
            m4.multiselect(_("Region"), options.regions, key=_W + "regions", placeholder=_("Any"))
            n1, n2, n3, n4 = st.columns(4)
            n1.date_input(_("Birth date"), key=_W + "birth_date", format="DD.MM.YYYY", min_value=dt.date(1900, 1, 1))
            n2.text_input(_("Court case no."), key=_W + "court_case_number")
            n3.date_input(_("Opened from"), key=_W + "opened_from", format="DD.MM.YYYY")
            n4.date_input(_("Opened to"), key=_W + "opened_to", format="DD.MM.YYYY")
            o1, o2, o3, o4 = st.columns(4)
            o1.text_input(_("Claim from, ₽"), key=_W + "claim_min", placeholder="10 000")
            o2.text_input(_("Claim to, ₽"), key=_W + "claim_max")
            o3.number_input(_("At least days in stage"), min_value=0, step=1, key=_W + "min_days_in_stage")
            o4.multiselect(
                _("Open flag"),
                [],
                key=_W + "flags",
                accept_new_options=True,
                placeholder=_("Type a flag kind and press Enter"),
            )
            st.checkbox(_("Only cases over the stage's SLA"), key=_W + "over_sla")
        b1, b2, _rest = st.columns([1, 1, 6])
        applied = b1.form_submit_button(_("Search"), type="primary", icon=":material/search:", width="stretch")
        cleared = b2.form_submit_button(_("Clear"), width="stretch")
    if cleared:
        _clear()
        st.query_params.clear()
        st.rerun()
    if applied:
        new, problems = _from_widgets()
        if problems:
            for p in problems:
                st.error(p)
            return current
        st.session_state[APPLIED] = new
        st.query_params.from_dict(new.to_query_params())
        return new
    return current


def _count_extra(f: CaseFilter) -> int:
    main = {"number", "debtor_name", "contract_number", "stages"}
    empty = CaseFilter()
    return sum(1 for name in _FILTER_PARAMS - main if getattr(f, name) != getattr(empty, name))
