"""The two HTTP routes that set and remove the HttpOnly session cookie.

A Streamlit script talks to the browser over a websocket, so it cannot answer with a
``Set-Cookie`` header; a cookie written by page JavaScript is readable by every script on the
page (an injected one too). Streamlit's ``st.App`` (``serve.py``) lets the same server answer
ordinary HTTP routes, and a route can set an HttpOnly cookie:

1. after a completed login the page runs a tiny script that POSTs the one-time handoff code of
   the new server-side session to ``SESSION_PATH``;
2. the route spends the code (single use, one minute) and answers with
   ``Set-Cookie: cessio_session=<id>.<hmac>; HttpOnly; SameSite=Strict; Path=/`` (``Secure`` over
   HTTPS). Page scripts never see the cookie; the server reads it from the websocket handshake
   (``st.context.cookies``) after a refresh;
3. sign-out POSTs to ``SIGNOUT_PATH``, which revokes the session the cookie names and removes it.

Both routes want the ``X-Cessio-Cookie`` header, which a cross-site form cannot send and a
cross-site script cannot send without a CORS preflight that this server never grants, and refuse
a request whose ``Origin`` is another site.
"""

from __future__ import annotations

import datetime as dt
from typing import Any
from urllib.parse import urlsplit

COOKIE_NAME = "cessio_session"
SESSION_PATH = "/cessio-auth/session"
SIGNOUT_PATH = "/cessio-auth/signout"
HEADER = "X-Cessio-Cookie"
_MAX_BODY = 256
_active = False


def routes_active() -> bool:
    """True in a server started from ``serve.py`` (the routes exist); False under a bare
    ``streamlit run app.py`` or AppTest, where a login then lasts as long as the tab."""
    return _active


def _same_origin(request: Any) -> bool:
    if request.headers.get(HEADER) != "1":
        return False
    origin = request.headers.get("origin")
    if origin is None:
        return True
    return urlsplit(origin).netloc == request.headers.get("host")


def _secure(request: Any) -> bool:
    return request.url.scheme == "https" or request.headers.get("x-forwarded-proto") == "https"


def _redeem(handoff: str) -> str | None:
    from core.auth.sessions import redeem_handoff
    from core.db import session_scope

    with session_scope() as session:
        return redeem_handoff(session, handoff)


def _revoke(cookie: str | None) -> None:
    from core.auth.sessions import revoke_session, session_id_of
    from core.db import session_scope

    sid = session_id_of(cookie)
    if sid:
        with session_scope() as session:
            revoke_session(session, sid, "signout")


def routes() -> list[Any]:
    """The Starlette routes for ``st.App(..., routes=routes())``."""
    from starlette.concurrency import run_in_threadpool
    from starlette.requests import Request
    from starlette.responses import Response
    from starlette.routing import Route

    from core.config import get_settings

    global _active
    _active = True

    async def set_session(request: Request) -> Response:
        if not _same_origin(request):
            return Response(status_code=403)
        body = (await request.body())[: _MAX_BODY + 1]
        if len(body) > _MAX_BODY:
            return Response(status_code=413)
        value = await run_in_threadpool(_redeem, body.decode("ascii", "replace").strip())
        if value is None:
            return Response(status_code=403)
        response = Response(status_code=204)
        max_age = int(dt.timedelta(hours=get_settings().session_absolute_hours).total_seconds())
        response.set_cookie(
            COOKIE_NAME,
            value,
            max_age=max_age,
            path="/",
            secure=_secure(request),
            httponly=True,
            samesite="strict",
        )
        response.headers["Cache-Control"] = "no-store"
        return response

    async def sign_out(request: Request) -> Response:
        if not _same_origin(request):
            return Response(status_code=403)
        await run_in_threadpool(_revoke, request.cookies.get(COOKIE_NAME))
        response = Response(status_code=204)
        response.delete_cookie(COOKIE_NAME, path="/", secure=_secure(request), httponly=True, samesite="strict")
        response.headers["Cache-Control"] = "no-store"
        return response

    return [Route(SESSION_PATH, set_session, methods=["POST"]), Route(SIGNOUT_PATH, sign_out, methods=["POST"])]
