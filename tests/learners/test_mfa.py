"""Two-step sign-in with an authenticator app (allauth's TOTP) works with our user model."""

import time
from datetime import timedelta

import pytest
import time_machine
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import SECRET_SESSION_KEY, format_hotp_value, hotp_value
from django.urls import reverse
from django.utils import timezone

pytestmark = pytest.mark.django_db


def current_code(secret: str) -> str:
    return format_hotp_value(hotp_value(secret, int(time.time()) // 30))


def sign_in(client, password="Correct-horse-42!"):
    return client.post(reverse("account_login"), {"login": "leo@example.com", "password": password})


def test_turning_on_an_authenticator_app_then_signing_in_with_a_code(client, learner):
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        sign_in(client)
        page = client.get(reverse("mfa_activate_totp"))
        if page.status_code == 302:  # a sensitive change asks for the password once more
            assert page.url.startswith(reverse("account_reauthenticate"))
            client.post(page.url, {"password": "Correct-horse-42!"})
            page = client.get(reverse("mfa_activate_totp"))
        assert page.status_code == 200
        secret = client.session[SECRET_SESSION_KEY]
        wrong = client.post(reverse("mfa_activate_totp"), {"code": "000000"})
        assert wrong.status_code == 200
        assert not Authenticator.objects.filter(user=learner).exists()
        done = client.post(reverse("mfa_activate_totp"), {"code": current_code(secret)})
        assert done.status_code == 302
        assert Authenticator.objects.filter(user=learner, type="totp").exists()
    client.post(reverse("account_logout"))

    with time_machine.travel(start + timedelta(minutes=2), tick=False):
        step_one = sign_in(client)
        assert step_one.url == reverse("mfa_authenticate")
        assert "_auth_user_id" not in client.session  # a password alone is not enough now
        refused = client.post(reverse("mfa_authenticate"), {"code": "123456"})
        assert refused.status_code == 200
        assert "_auth_user_id" not in client.session
        ok = client.post(reverse("mfa_authenticate"), {"code": current_code(secret)})
        assert ok.url == reverse("dashboard")
        assert client.session["_auth_user_id"] == str(learner.pk)
