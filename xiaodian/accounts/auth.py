"""API authentication: bearer tokens for programs, the session for the site's own pages."""

from ninja.security import HttpBearer, SessionAuth

from xiaodian.core import throttle
from xiaodian.core.openapi import Anyone

from . import rules, services


class BearerToken(HttpBearer):
    def authenticate(self, request, token):
        user = services.user_for_token(token)
        if user is not None:
            request.user = user
        return user


class SignedInSession(SessionAuth):
    """The browser's session; its CSRF check only once a session has signed someone in.

    Ninja's SessionAuth checks CSRF before it looks at the session, so a write with a missing,
    bogus or revoked token (and no session) answered 403 from the CSRF check. A request with no
    signed-in session has nothing for a forged request to borrow: it falls through to 401
    `unauthorized`. A signed-in session still needs the CSRF token for every unsafe method.
    """

    def _get_key(self, request):
        if not request.user.is_authenticated:
            return None
        return super()._get_key(request)


api_auth = [BearerToken(), SignedInSession()]

# Public reads: a token or a session when one is sent (staff see more), an anonymous visitor when
# none is; a token that is sent and refused answers 401.
public_auth = [*api_auth, Anyone()]


def count_sign_in(request, username: str) -> None:
    """Count a sign-in attempt (API or page) by its client address and by the account it names;
    RateLimited over either limit. Call it before the password is checked: the hash is the
    expensive part, and a flood must not get to run it."""
    throttle.hit(rules.SIGN_IN_PER_ADDRESS, throttle.client_address(request))
    throttle.hit(rules.SIGN_IN_PER_ACCOUNT, username.strip().casefold())
