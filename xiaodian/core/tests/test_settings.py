"""Settings name no code of the apps: a lower app reaches a higher one through the extension
points the higher one registers into (xiaodian.core.extensions), which the import-layer contract
can see, never through a dotted path in settings, which it cannot."""

from pathlib import PurePath

from django.conf import settings

# Settings Django itself needs to name the project's modules, and nothing else.
# (AUTH_PASSWORD_VALIDATORS: django.contrib.auth loads the password validators only from it;
# CSRF_FAILURE_VIEW: the CSRF middleware finds its refusal page only there; TEMPLATES: the
# template engine loads context processors only from its OPTIONS.)
ALLOWED = frozenset(
    {
        "CSRF_FAILURE_VIEW",
        "TEMPLATES",
        "SETTINGS_MODULE",
        "ROOT_URLCONF",
        "ASGI_APPLICATION",
        "WSGI_APPLICATION",
        "INSTALLED_APPS",
        "AUTH_PASSWORD_VALIDATORS",
    }
)


def _strings(value):
    """Every string inside a setting's value, however deeply nested."""
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from _strings(item)
    elif isinstance(value, list | tuple | set | frozenset):
        for item in value:
            yield from _strings(item)
    elif isinstance(value, PurePath):
        yield str(value)


def dotted_paths_into_the_project(values: dict) -> dict[str, list[str]]:
    found = {}
    for name, value in values.items():
        paths = [s for s in _strings(value) if s.startswith("xiaodian.")]
        if paths and name not in ALLOWED:
            found[name] = paths
    return found


def test_settings_name_no_module_of_the_project_beyond_what_django_needs():
    values = {name: getattr(settings, name) for name in dir(settings) if name.isupper()}
    assert dotted_paths_into_the_project(values) == {}


def test_the_scan_finds_a_dotted_path_however_it_is_nested():
    values = {
        "ROOT_URLCONF": "xiaodian.urls",
        "PAYMENT_GATEWAY": "xiaodian.payments.gateway.WeChatPayGateway",
        "HOOKS": {"cards": ["django.x", ("xiaodian.catalog.selectors.product_cards",)]},
        "DATABASE_NAME": PurePath("/var/xiaodian.sqlite3"),
    }
    assert dotted_paths_into_the_project(values) == {
        "PAYMENT_GATEWAY": ["xiaodian.payments.gateway.WeChatPayGateway"],
        "HOOKS": ["xiaodian.catalog.selectors.product_cards"],
    }
