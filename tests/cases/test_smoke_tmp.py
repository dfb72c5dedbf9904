from core.cases.service import transition_case, transition_cases
from tests.factories import make_case, make_user


def test_smoke(session):
    clerk = make_user(session, "clerk")
    c = make_case(session)
    session.commit()
    out = transition_case(session, clerk, c.id, "prepare_claim", c.version)
    session.commit()
    assert out.moved
    rep = transition_cases(session, clerk, [c.id], "mail_claim", {"tracking_number": "RA123456785RU"})
    session.commit()
    assert rep.moved, rep.as_rows()
