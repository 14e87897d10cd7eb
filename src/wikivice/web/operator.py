"""Who the operator is (issue 13): whoever holds `WIKIVICE_ADMIN_TOKEN`.

The token comes as `Authorization: Bearer <token>` (programs) or, once a person has
signed in through the inspector's form, as a cookie holding not the token itself but an
HMAC of a fixed word under it: a leaked cookie does not reveal the token, and changing
the token signs everyone out. Both are compared with `hmac.compare_digest`, whose time
does not depend on where the strings differ. The cookie is HttpOnly (no script reads
it) and SameSite=Strict (no other site's page sends it), and every POST is checked for
its origin as well (`web.csrf`).

No token set: there is no operator, and `/admin` is not there at all (404).
"""

from __future__ import annotations

import hashlib
import hmac
from enum import StrEnum

from starlette.requests import HTTPConnection
from starlette.responses import Response

from wikivice.settings import Settings

COOKIE = "wikivice_operator"
SESSION_WORD = b"wikivice operator session"
SESSION_SECONDS = 12 * 3600


class Access(StrEnum):
    """What a request may do with the inspector."""

    DISABLED = "disabled"  # no admin token is set: 404
    ANONYMOUS = "anonymous"  # no credentials: 401 (the sign-in form)
    REFUSED = "refused"  # a wrong token or cookie: 403
    OPERATOR = "operator"


def token_matches(given: str, token: str) -> bool:
    """Constant time, whatever `given` holds (bytes: `compare_digest` refuses non-ASCII str)."""
    return hmac.compare_digest(given.encode(), token.encode())


def session_value(token: str) -> str:
    return hmac.new(token.encode(), SESSION_WORD, hashlib.sha256).hexdigest()


def access(request: HTTPConnection, settings: Settings) -> Access:
    secret = settings.admin_token
    if secret is None or not secret.get_secret_value():
        return Access.DISABLED
    token = secret.get_secret_value()
    scheme, _, bearer = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() == "bearer" and bearer.strip():
        return Access.OPERATOR if token_matches(bearer.strip(), token) else Access.REFUSED
    cookie = request.cookies.get(COOKIE)
    if cookie:
        matches = token_matches(cookie, session_value(token))
        return Access.OPERATOR if matches else Access.REFUSED
    return Access.ANONYMOUS


def is_operator(request: HTTPConnection, settings: Settings) -> bool:
    return access(request, settings) is Access.OPERATOR


def sign_in(response: Response, token: str, *, secure: bool) -> None:
    response.set_cookie(
        COOKIE,
        session_value(token),
        max_age=SESSION_SECONDS,
        path="/",  # the article pages' Cancel and Resume buttons are the operator's too
        httponly=True,
        samesite="strict",
        secure=secure,
    )


def sign_out(response: Response) -> None:
    response.delete_cookie(COOKIE, path="/", httponly=True, samesite="strict")
