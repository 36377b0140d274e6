"""The Django admin is for operators: every registered model's pages open for them, and
training admins (who are not staff) are sent to the admin's own sign-in."""

import pytest
from django.contrib import admin
from django.urls import reverse

from tests.courses.builders import build_course
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_every_admin_changelist_opens_for_an_operator(client, learner):
    build_course()
    operator = UserFactory(is_staff=True, is_superuser=True)
    client.force_login(operator)
    for model in admin.site._registry:
        meta = model._meta
        url = reverse(f"admin:{meta.app_label}_{meta.model_name}_changelist")
        assert client.get(url).status_code == 200, url


def test_training_admin_is_not_an_operator(client, admin):
    client.force_login(admin)
    response = client.get(reverse("admin:index"))
    assert response.status_code == 302
    assert reverse("admin:login") in response.url
