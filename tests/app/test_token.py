"""The refresh cookie's token: genuine and unexpired, or nothing."""

from __future__ import annotations

import datetime as dt

from ui.token import issue_token, read_token, user_fingerprint

NOW = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)
FP = user_fingerprint("hash", "SECRET", "clerk", True)


def test_a_fresh_token_names_its_user() -> None:
    token = issue_token(7, FP, NOW + dt.timedelta(minutes=30), secret="k1")
    claims = read_token(token, NOW, secret="k1")
    assert claims is not None and claims.user_id == 7 and claims.fingerprint == FP


def test_an_expired_token_is_refused() -> None:
    token = issue_token(7, FP, NOW + dt.timedelta(minutes=30), secret="k1")
    assert read_token(token, NOW + dt.timedelta(minutes=31), secret="k1") is None


def test_a_token_with_another_user_id_or_signed_with_another_key_is_refused() -> None:
    token = issue_token(7, FP, NOW + dt.timedelta(minutes=30), secret="k1")
    forged = "8" + token[1:]
    assert read_token(forged, NOW, secret="k1") is None
    assert read_token(token, NOW, secret="k2") is None
    assert read_token("garbage", NOW, secret="k1") is None
    assert read_token("", NOW, secret="k1") is None


def test_admin_changes_change_the_fingerprint() -> None:
    assert user_fingerprint("hash2", "SECRET", "clerk", True) != FP  # new password
    assert user_fingerprint("hash", None, "clerk", True) != FP  # MFA reset
    assert user_fingerprint("hash", "SECRET", "admin", True) != FP  # role change
    assert user_fingerprint("hash", "SECRET", "clerk", False) != FP  # deactivated
