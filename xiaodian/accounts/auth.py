"""API authentication: bearer tokens for programs, the session for the site's own pages."""

from ninja.security import HttpBearer, SessionAuth

from xiaodian.core import throttle

from . import rules, services


class BearerToken(HttpBearer):
    def authenticate(self, request, token):
        user = services.user_for_token(token)
        if user is not None:
            request.user = user
        return user


api_auth = [BearerToken(), SessionAuth()]


def count_sign_in(request, username: str) -> None:
    """Count a sign-in attempt (API or page) by its client address and by the account it names;
    RateLimited over either limit. Call it before the password is checked: the hash is the
    expensive part, and a flood must not get to run it."""
    throttle.hit(rules.SIGN_IN_PER_ADDRESS, throttle.client_address(request))
    throttle.hit(rules.SIGN_IN_PER_ACCOUNT, username.strip().casefold())
