from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from learners import permissions
from learners.models import Membership, Team, User

pytestmark = pytest.mark.django_db


def test_refuses_without_debug_unless_forced(settings):
    settings.DEBUG = False
    with pytest.raises(CommandError, match="refuses to run when DEBUG is off"):
        call_command("seed_demo", stdout=StringIO())
    assert User.objects.count() == 0


def test_creates_the_demo_organisation_and_is_idempotent(settings):
    settings.DEBUG = True
    out = StringIO()
    call_command("seed_demo", stdout=out)
    call_command("seed_demo", stdout=StringIO())
    assert "Demo-pass-2026!" in out.getvalue()
    assert User.objects.count() == 5
    assert Team.objects.count() == 3
    downtown = Team.objects.get(name="Downtown Store")
    assert downtown.parent.name == "North Region"
    manager = User.objects.get(email="manager@example.com")
    assert Membership.objects.filter(user=manager, team=downtown, role="manager").exists()
    assert sorted(u.email for u in permissions.people_visible_to(manager)) == [
        "learner2@example.com",
        "learner@example.com",
        "manager@example.com",
    ]
    assert User.objects.get(email="admin@example.com").is_training_admin
    learner3 = User.objects.get(email="learner3@example.com")
    assert learner3.memberships.get().team.name == "Harbour Store"
    for user in User.objects.all():
        assert user.check_password("Demo-pass-2026!")
        assert user.emailaddress_set.get().verified
