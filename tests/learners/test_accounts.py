"""allauth flows in our layout: the pages people reach from the Account menu."""

import pytest
from allauth.account.models import EmailAddress
from django.core import mail
from django.core.cache import cache
from django.urls import reverse

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "name",
    ["account_change_password", "mfa_index", "account_reauthenticate", "account_email"],
)
def test_account_pages_use_the_site_layout(client, learner, name):
    client.force_login(learner)
    response = client.get(reverse(name))
    assert response.status_code == 200
    html = response.content.decode()
    assert 'class="skip-link"' in html
    assert "Service Practice" in html


def test_password_reset_sends_a_link_and_page_is_in_layout(client, learner):
    page = client.get(reverse("account_reset_password"))
    assert 'class="skip-link"' in page.content.decode()
    response = client.post(reverse("account_reset_password"), {"email": "leo@example.com"})
    assert response.status_code == 302
    (message,) = mail.outbox
    assert message.to == ["leo@example.com"]
    assert "/accounts/password/reset/key/" in message.body


def test_password_change_keeps_people_signed_in(client, learner):
    client.force_login(learner)
    response = client.post(
        reverse("account_change_password"),
        {
            "oldpassword": "Correct-horse-42!",
            "password1": "Fresh-Counter-2026!",
            "password2": "Fresh-Counter-2026!",
        },
    )
    assert response.status_code == 302
    learner.refresh_from_db()
    assert learner.check_password("Fresh-Counter-2026!")


def test_mandatory_verification_stops_unverified_sign_in(client, learner, settings):
    settings.ACCOUNT_EMAIL_VERIFICATION = "mandatory"
    EmailAddress.objects.filter(user=learner).update(verified=False)
    response = client.post(
        reverse("account_login"), {"login": "leo@example.com", "password": "Correct-horse-42!"}
    )
    assert response.status_code == 302
    assert response.url == reverse("account_email_verification_sent")
    assert "_auth_user_id" not in client.session
    assert any("confirm" in m.subject.lower() for m in mail.outbox)


def test_failed_sign_ins_are_rate_limited_even_with_the_right_password(client, learner):
    cache.clear()
    for _ in range(5):
        client.post(reverse("account_login"), {"login": "leo@example.com", "password": "wrong"})
    limited = client.post(
        reverse("account_login"), {"login": "leo@example.com", "password": "Correct-horse-42!"}
    )
    assert limited.status_code == 200
    assert "Too many failed login attempts" in limited.content.decode()
    assert "_auth_user_id" not in client.session
    cache.clear()
    # Once the window has passed (here: the cache is emptied) the right password works again.
    ok = client.post(
        reverse("account_login"), {"login": "leo@example.com", "password": "Correct-horse-42!"}
    )
    assert ok.status_code == 302


def test_mfa_page_offers_an_authenticator_app(client, learner):
    client.force_login(learner)
    html = client.get(reverse("mfa_index")).content.decode()
    assert reverse("mfa_activate_totp") in html
