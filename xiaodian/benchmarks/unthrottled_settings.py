"""The project's settings with the rate limits switched off: only the login-flood benchmark's
comparison row runs a server on it, to show what the limits save (never a deployment's settings)."""

from xiaodian.settings import *  # noqa: F403

RATELIMIT_ENABLE = False
