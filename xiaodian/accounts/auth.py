"""API authentication: bearer tokens for programs, the session for the site's own pages."""

from ninja.security import HttpBearer, SessionAuth

from . import services


class BearerToken(HttpBearer):
    def authenticate(self, request, token):
        user = services.user_for_token(token)
        if user is not None:
            request.user = user
        return user


api_auth = [BearerToken(), SessionAuth()]
