"""Settings come from the XIAODIAN_* variables of CONTRACT.md."""

import sqlite3

import pytest
from django.conf import settings
from django.db import connection
from django_tasks import task_backends
from django_tasks_db import DatabaseBackend

from xiaodian import settings as project_settings


def test_sqlite_by_default_in_wal_mode_with_immediate_transactions(monkeypatch, tmp_path):
    monkeypatch.delenv("XIAODIAN_DATABASE_URL", raising=False)
    config = project_settings._database()
    assert config["ENGINE"] == "django.db.backends.sqlite3"
    assert config["OPTIONS"]["transaction_mode"] == "IMMEDIATE"
    connection = sqlite3.connect(tmp_path / "x.sqlite3")
    connection.executescript(config["OPTIONS"]["init_command"])
    assert connection.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_postgresql_from_the_url_through_the_pool(monkeypatch):
    monkeypatch.setenv("XIAODIAN_DATABASE_URL", "postgres://app@db.internal:5433/shop")
    config = project_settings._database()
    assert (config["ENGINE"], config["HOST"], config["PORT"], config["NAME"]) == (
        "django.db.backends.postgresql",
        "db.internal",
        5433,
        "shop",
    )
    assert config["CONN_MAX_AGE"] == 0
    assert config["OPTIONS"]["pool"]["max_size"] == 20
    assert config["OPTIONS"]["options"] == "-c jit=off"


@pytest.mark.django_db
@pytest.mark.skipif(connection.vendor != "postgresql", reason="JIT is PostgreSQL's")
def test_the_apps_postgresql_sessions_run_without_jit():
    with connection.cursor() as cursor:
        cursor.execute("SHOW jit")
        assert cursor.fetchone()[0] == "off"


def test_secret_key_is_generated_once_and_kept(monkeypatch, tmp_path):
    monkeypatch.delenv("XIAODIAN_SECRET_KEY", raising=False)
    monkeypatch.setattr(project_settings, "DATA_DIR", tmp_path)
    first = project_settings._secret_key()
    assert len(first) > 40
    assert project_settings._secret_key() == first
    monkeypatch.setenv("XIAODIAN_SECRET_KEY", "from-env")
    assert project_settings._secret_key() == "from-env"


def test_tasks_use_the_database_backend_and_chinese_comes_first():
    assert isinstance(task_backends["default"], DatabaseBackend)
    assert settings.LANGUAGE_CODE == "zh-hans"
    assert [code for code, _ in settings.LANGUAGES] == ["zh-hans", "en"]
    assert settings.TIME_ZONE == "Asia/Shanghai" and settings.USE_TZ
