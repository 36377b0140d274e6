"""Shared fixtures and the personas every permission test reuses.

The organisation: region "North" holds "Downtown" and "Harbour".
- manager (Maya) manages Downtown; learner (Leo) and other_learner (Lina) are in Downtown.
- other_manager (Omar) manages Harbour; outsider (Olga) is in Harbour.
- admin (Ada) is a training admin and in no team.
"""

from __future__ import annotations

import os
import socket
from urllib.parse import urlsplit

import pytest
from django.conf import settings

from learners.models import Membership, Team, User
from tests.factories import MembershipFactory, TeamFactory, UserFactory

REQUIRE_SERVICES = os.environ.get("REQUIRE_SERVICES") == "1"


def _reachable(url: str, default_port: int) -> bool:
    parts = urlsplit(url)
    try:
        with socket.create_connection(
            (parts.hostname or "127.0.0.1", parts.port or default_port), 1
        ):
            return True
    except OSError:
        return False


def database_vendor() -> str:
    return settings.DATABASES["default"]["ENGINE"].rsplit(".", 1)[-1]


def redis_url() -> str | None:
    url = settings.CELERY_BROKER_URL
    return url if url.startswith("redis") and _reachable(url, 6379) else None


def pytest_report_header(config: pytest.Config) -> list[str]:
    vendor = database_vendor()
    if vendor == "postgresql":
        db = f"database: PostgreSQL ({settings.DATABASES['default'].get('HOST') or 'socket'})"
    else:
        why = settings.DATABASE_FALLBACK or "DATABASE_URL is not set to a PostgreSQL server"
        db = f"database: SQLite ({why}); PostgreSQL-only tests will be skipped"
    broker = f"broker: Redis at {redis_url()}" if redis_url() else "broker: no Redis reachable"
    return [db, broker]


def pytest_configure(config: pytest.Config) -> None:
    # PBKDF2's deliberate slowness costs ~0.3 s per person created; tests don't need it.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def pytest_sessionstart(session: pytest.Session) -> None:
    if not REQUIRE_SERVICES:
        return
    missing = []
    if database_vendor() != "postgresql":
        missing.append(f"PostgreSQL ({settings.DATABASE_FALLBACK or 'DATABASE_URL not set'})")
    if not redis_url():
        missing.append(f"Redis (CELERY_BROKER_URL={settings.CELERY_BROKER_URL})")
    if missing:
        pytest.exit("REQUIRE_SERVICES=1 but missing: " + ", ".join(missing), returncode=3)


def require_postgres() -> None:
    """Skip (or, under REQUIRE_SERVICES=1, fail) a test that needs the real PostgreSQL."""
    if database_vendor() != "postgresql":
        if REQUIRE_SERVICES:
            pytest.fail("PostgreSQL is required (REQUIRE_SERVICES=1)")
        pytest.skip("needs PostgreSQL (set DATABASE_URL)")


def require_redis() -> str:
    url = redis_url()
    if url is None:
        if REQUIRE_SERVICES:
            pytest.fail("Redis is required (REQUIRE_SERVICES=1)")
        pytest.skip("needs Redis (set CELERY_BROKER_URL=redis://...)")
    return url


@pytest.fixture(autouse=True)
def _celery_eager(settings: object) -> None:
    """In-process tests run tasks inline; tests/config/test_celery_worker.py uses a real worker."""
    from config.celery import app

    app.conf.task_always_eager = True
    app.conf.task_eager_propagates = True


@pytest.fixture
def region(db: None) -> Team:
    return TeamFactory(name="North Region")


@pytest.fixture
def downtown(region: Team) -> Team:
    return TeamFactory(name="Downtown Store", parent=region)


@pytest.fixture
def harbour(region: Team) -> Team:
    return TeamFactory(name="Harbour Store", parent=region)


@pytest.fixture
def learner(downtown: Team) -> User:
    user = UserFactory(email="leo@example.com", full_name="Leo Learner")
    MembershipFactory(team=downtown, user=user)
    return user


@pytest.fixture
def other_learner(downtown: Team) -> User:
    user = UserFactory(email="lina@example.com", full_name="Lina Learner")
    MembershipFactory(team=downtown, user=user)
    return user


@pytest.fixture
def outsider(harbour: Team) -> User:
    user = UserFactory(email="olga@example.com", full_name="Olga Outsider")
    MembershipFactory(team=harbour, user=user)
    return user


@pytest.fixture
def manager(downtown: Team) -> User:
    user = UserFactory(email="maya@example.com", full_name="Maya Manager")
    MembershipFactory(team=downtown, user=user, role=Membership.Role.MANAGER)
    return user


@pytest.fixture
def other_manager(harbour: Team) -> User:
    user = UserFactory(email="omar@example.com", full_name="Omar Manager")
    MembershipFactory(team=harbour, user=user, role=Membership.Role.MANAGER)
    return user


@pytest.fixture
def admin(db: None) -> User:
    return UserFactory(email="ada@example.com", full_name="Ada Admin", is_training_admin=True)
