"""config/settings.py reads the environment once, at import: each case runs `manage.py` in a
fresh process with exactly the variables it sets."""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings

PROJECT_DIR = Path(settings.BASE_DIR)

# Everything config/settings.py reads, so the parent's test defaults (pytest-env's DEBUG=1,
# SECRET_KEY, EMAIL_URL...) and a developer's shell cannot leak into the child.
SETTINGS_VARIABLES = frozenset(
    {
        "ACCOUNT_ALLOW_SIGNUP",
        "ACCOUNT_EMAIL_VERIFICATION",
        "ALLOWED_HOSTS",
        "BEHIND_TLS_PROXY",
        "CACHE_URL",
        "CSRF_TRUSTED_ORIGINS",
        "DATA_DIR",
        "DEBUG",
        "DEFAULT_FROM_EMAIL",
        "LOG_LEVEL",
        "MEDIA_ROOT",
        "REDIS_URL",
        "SECRET_KEY",
        "SITE_NAME",
        "SITE_URL",
        "STATIC_ROOT",
        "TIME_ZONE",
        "CONN_MAX_AGE",
    }
)
SETTINGS_PREFIXES = ("CELERY_", "CSP_", "DATABASE_", "DJANGO_", "EMAIL_", "SECURE_")


def clean_env(tmp_path: Path, **variables: str) -> dict[str, str]:
    """os.environ without any setting, plus a private DATA_DIR and `variables`."""
    env = {
        name: value
        for name, value in os.environ.items()
        if name not in SETTINGS_VARIABLES and not name.startswith(SETTINGS_PREFIXES)
    }
    env["DJANGO_SETTINGS_MODULE"] = "config.settings"
    env["DATA_DIR"] = str(tmp_path / "data")
    env.update(variables)
    return env


def run_python(
    args: list[str], env: dict[str, str], timeout: float = 60
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, *args],
        cwd=PROJECT_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def last_line(text: str) -> str:
    lines = text.strip().splitlines()
    return lines[-1] if lines else ""


def production_env(tmp_path: Path, **variables: str) -> dict[str, str]:
    values = {
        "DEBUG": "0",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "ALLOWED_HOSTS": "training.example.com",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
    }
    values.update(variables)
    return clean_env(tmp_path, **values)


def test_development_defaults_need_no_configuration(tmp_path):
    result = run_python(["manage.py", "check"], clean_env(tmp_path, DEBUG="1"))
    assert result.returncode == 0, result.stderr
    assert "System check identified no issues" in result.stdout


def write_development_env(tmp_path: Path, text: str) -> None:
    data = tmp_path / "data"
    data.mkdir(exist_ok=True)
    (data / "development.env").write_text(text)


def test_a_command_in_a_second_terminal_after_make_run_needs_no_variables(tmp_path):
    """`make run` leaves DATA_DIR/development.env behind; manage.py commands read it."""
    write_development_env(tmp_path, "# comment\nDEBUG=1\nSECRET_KEY=k-" + "x" * 50 + "\n")
    result = run_python(
        [
            "manage.py",
            "shell",
            "-c",
            "from django.conf import settings as s; print(s.DEBUG, s.SECRET_KEY[:2])",
        ],
        clean_env(tmp_path),
    )
    assert result.returncode == 0, result.stderr
    assert last_line(result.stdout).split() == ["True", "k-"]


def test_the_environment_wins_over_the_development_file_and_nothing_else_is_read(tmp_path):
    write_development_env(
        tmp_path, "DEBUG=1\nSECRET_KEY=" + "y" * 50 + "\nALLOWED_HOSTS=evil.example\n"
    )
    env = production_env(tmp_path)
    result = run_python(
        [
            "manage.py",
            "shell",
            "-c",
            "from django.conf import settings as s; "
            "print(s.DEBUG, s.ALLOWED_HOSTS, s.SECRET_KEY == 'y' * 50)",
        ],
        env,
    )
    assert result.returncode == 0, result.stderr
    assert last_line(result.stdout).split() == ["False", "['training.example.com']", "False"]


def test_without_the_development_file_production_defaults_stay_safe(tmp_path):
    result = run_python(["manage.py", "check"], clean_env(tmp_path))
    assert result.returncode != 0
    assert "SECRET_KEY is not set" in result.stderr


@pytest.mark.parametrize("secret_key", [None, ""], ids=["unset", "empty"])
def test_production_without_secret_key_refuses_to_start(tmp_path, secret_key):
    env = production_env(tmp_path)
    del env["SECRET_KEY"]
    if secret_key is not None:
        env["SECRET_KEY"] = secret_key

    result = run_python(["manage.py", "check"], env)

    assert result.returncode != 0
    assert last_line(result.stderr).startswith(
        "django.core.exceptions.ImproperlyConfigured: SECRET_KEY is not set."
    ), result.stderr
    assert "secrets.token_urlsafe(50)" in result.stderr
    assert "DEBUG=1" in result.stderr


def test_production_configuration_passes_the_deploy_check(tmp_path):
    env = production_env(tmp_path)
    assert len(env["SECRET_KEY"]) >= 50

    result = run_python(["manage.py", "check", "--deploy", "--fail-level", "WARNING"], env)

    assert result.returncode == 0, result.stderr
    assert "System check identified no issues" in result.stdout


def test_deploy_check_rejects_a_weak_secret_key(tmp_path):
    """Control for the test above: the deploy check does fail on what it should."""
    env = production_env(tmp_path, SECRET_KEY="too-short")

    result = run_python(["manage.py", "check", "--deploy", "--fail-level", "WARNING"], env)

    assert result.returncode != 0
    assert "security.W009" in result.stderr


@pytest.mark.parametrize(
    ("variable", "value", "message"),
    [
        (
            "DEBUG",
            "maybe",
            "DEBUG must be one of 1/0, true/false, yes/no, on/off; got 'maybe'",
        ),
        ("EMAIL_TIMEOUT", "ten", "EMAIL_TIMEOUT must be a whole number; got 'ten'"),
    ],
)
def test_malformed_values_name_the_variable(tmp_path, variable, value, message):
    result = run_python(["manage.py", "check"], production_env(tmp_path, **{variable: value}))

    assert result.returncode != 0
    assert last_line(result.stderr) == (
        f"django.core.exceptions.ImproperlyConfigured: {message}"
    ), result.stderr


@pytest.mark.parametrize("allowed_hosts", [None, " , "], ids=["unset", "blank"])
def test_production_without_allowed_hosts_refuses_to_start(tmp_path, allowed_hosts):
    env = production_env(tmp_path)
    del env["ALLOWED_HOSTS"]
    if allowed_hosts is not None:
        env["ALLOWED_HOSTS"] = allowed_hosts

    result = run_python(["manage.py", "check"], env)

    assert result.returncode != 0
    assert last_line(result.stderr) == (
        "django.core.exceptions.ImproperlyConfigured: "
        "ALLOWED_HOSTS must list this site's host names when DEBUG is off."
    ), result.stderr
