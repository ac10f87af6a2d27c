"""Each app writes only its own tables (ARCHITECTURE.md "Inside each app": `services.py` holds every
write). Another app's rows change through that app's services, never through its models.

A static check over the source, kept deliberately simple: in every module of an app (tests and
migrations aside), a name imported from another xiaodian app's models
(`from xiaodian.<other>.models import X`, or `from xiaodian.<other> import models as m`, then
`m.X`) must not start a chain that ends in a write: `X.objects.create(...)`,
`X.objects.filter(...).update(...)`, `X(...).save()`, `X.objects.get(...).delete()`, and the other
methods in WRITES. Reads (filter, get, values, aggregate, select_related, …) are allowed.

What it does not see: a write on an instance or queryset held in a variable (`row = X.objects.get();
row.save()`), or through a related manager (`store.scores.create()`). It catches the common shape;
review catches the rest.
"""

import ast
from dataclasses import dataclass
from pathlib import Path

import pytest
from django.conf import settings

PACKAGE = Path(__file__).resolve().parent.parent  # xiaodian/

WRITES = frozenset(
    {
        "create",
        "bulk_create",
        "update",
        "bulk_update",
        "update_or_create",
        "get_or_create",
        "delete",
        "save",
    }
)

# Packages under xiaodian/ that are not scanned, with the reason: not apps, or (benchmarks, an app
# only for its one table marking a benchmark database) a harness that writes other apps' tables on
# purpose.
NOT_APPS = {
    "benchmarks": "the benchmark harness: it builds its synthetic worlds (millions of rows) in bulk, "
    "straight into the tables, and measures the apps' services against them; it is installed only "
    "for the table that marks a database as a benchmark database",
    "tests": "project-wide tests",
}
UNSCANNED_APPS = {"benchmarks"}

# File (relative to xiaodian/) -> why its writes on other apps' models are allowed. Keep it short.
ALLOWED = {
    "web/management/commands/seed.py": "`xiaodian seed` bulk-inserts synthetic users, subjects, stores "
    "and their owners in batches of 2,000 for load tests; accounts and stores have no bulk service, "
    "and one service call per row takes hours at the sizes it seeds",
}


@dataclass(frozen=True)
class Write:
    path: str
    line: int
    model: str  # "<app>.<Model>"
    method: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.model}.…{self.method}()"


def _foreign_models(tree: ast.Module, app: str) -> tuple[dict[str, str], dict[str, str]]:
    """Names bound to another app's models in this module: (model name -> app, module alias -> app)."""
    models: dict[str, str] = {}
    modules: dict[str, str] = {}
    for node in ast.walk(tree):
        if not isinstance(node, ast.ImportFrom) or node.level or not node.module:
            continue
        parts = node.module.split(".")
        if parts[0] != "xiaodian" or len(parts) < 2 or parts[1] == app:
            continue
        other = parts[1]
        if parts[2:] == ["models"]:  # from xiaodian.other.models import X
            for alias in node.names:
                models[alias.asname or alias.name] = other
        elif len(parts) == 2:  # from xiaodian.other import models as m
            for alias in node.names:
                if alias.name == "models":
                    modules[alias.asname or alias.name] = other
    return models, modules


def _root(node: ast.expr) -> ast.expr:
    """The start of a chain of attributes, calls and subscripts: `X` in `X.objects.filter(a=1).update`."""
    while True:
        if isinstance(node, ast.Attribute | ast.Subscript):
            node = node.value
        elif isinstance(node, ast.Call):
            node = node.func
        else:
            return node


def _model_of(receiver: ast.expr, models: dict[str, str], modules: dict[str, str]) -> str | None:
    """'<app>.<Model>' when the chain starts at a foreign model (`X…` or `m.X…`), else None."""
    node = receiver
    while isinstance(node, ast.Attribute | ast.Subscript | ast.Call):
        inner = node.func if isinstance(node, ast.Call) else node.value
        if isinstance(node, ast.Attribute) and isinstance(inner, ast.Name) and inner.id in modules:
            return f"{modules[inner.id]}.{node.attr}"
        node = inner
    root = _root(receiver)
    if isinstance(root, ast.Name) and root.id in models:
        return f"{models[root.id]}.{root.id}"
    return None


def cross_app_writes(source: str, *, app: str, path: str = "<source>") -> list[Write]:
    """Every write in `source` (a module of `app`) on another app's model."""
    tree = ast.parse(source)
    models, modules = _foreign_models(tree, app)
    if not models and not modules:
        return []
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr in WRITES:
            model = _model_of(node.func.value, models, modules)
            if model:
                found.append(Write(path, node.lineno, model, node.func.attr))
    return found


def _app_modules():
    for app_dir in sorted(p for p in PACKAGE.iterdir() if p.is_dir() and p.name not in NOT_APPS):
        if not (app_dir / "__init__.py").exists():
            continue
        for path in sorted(app_dir.rglob("*.py")):
            parts = path.relative_to(app_dir).parts
            if "tests" in parts or "migrations" in parts or parts[-1].startswith(("test_", "conftest")):
                continue
            yield app_dir.name, path


def test_no_app_writes_another_apps_models():
    found = []
    for app, path in _app_modules():
        rel = str(path.relative_to(PACKAGE))
        for write in cross_app_writes(path.read_text(encoding="utf-8"), app=app, path=rel):
            if rel not in ALLOWED:
                found.append(write)
    assert not found, "writes on another app's models (call that app's service instead):\n" + "\n".join(
        map(str, found)
    )


def test_the_check_scans_every_app():
    """The walk finds every installed app's modules (a path mistake would pass vacuously), and
    what it leaves out is not an app."""
    scanned = {app for app, _path in _app_modules()}
    installed = {name.split(".")[1] for name in settings.INSTALLED_APPS if name.startswith("xiaodian.")}
    assert scanned == installed - UNSCANNED_APPS
    assert installed & set(NOT_APPS) == UNSCANNED_APPS
    files = {(app, path.name) for app, path in _app_modules()}
    assert ("service", "services.py") in files
    assert not any(name.startswith("test_") for _app, name in files)


def test_every_exception_is_still_needed():
    """An allowed file that no longer writes another app's models leaves the list."""
    for rel in ALLOWED:
        app = Path(rel).parts[0]
        assert cross_app_writes((PACKAGE / rel).read_text(encoding="utf-8"), app=app), rel


SNIPPET = """
from xiaodian.scoring.models import ServiceSessionFact, StoreScore as Score
from xiaodian.orders import models as order_models
from .models import Conversation

def write(conversation, key):
    ServiceSessionFact.objects.filter(session_key=key).update(rating=5)
    ServiceSessionFact.objects.update_or_create(session_key=key, defaults={})
    Score(store_id=1).save()
    Score.objects.get(pk=1).delete()
    order_models.Order.objects.bulk_create([])

def read(key):
    Conversation.objects.filter(pk=1).update(rating=5)  # the app's own model
    ServiceSessionFact.objects.filter(session_key=key).values("rating").first()
    return ServiceSessionFact.objects.select_related("store").aggregate(n=Count("id"))
"""


def test_the_checker_flags_writes_on_another_apps_models_and_only_those():
    found = cross_app_writes(SNIPPET, app="service")
    assert [(w.line, w.model, w.method) for w in found] == [
        (7, "scoring.ServiceSessionFact", "update"),
        (8, "scoring.ServiceSessionFact", "update_or_create"),
        (9, "scoring.Score", "save"),
        (10, "scoring.Score", "delete"),
        (11, "orders.Order", "bulk_create"),
    ]


@pytest.mark.parametrize("app", ["scoring", "orders"])
def test_the_checker_lets_an_app_write_its_own_models(app):
    own = {"scoring": "scoring.", "orders": "orders."}[app]
    assert all(not w.model.startswith(own) for w in cross_app_writes(SNIPPET, app=app))
