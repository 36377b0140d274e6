"""factory_boy factories. Build data next to the test that reads it; these only fill in the dull
parts. People are created through the same service the product uses."""

from __future__ import annotations

from typing import Any

import factory
from allauth.account.models import EmailAddress

from learners import audit, services
from learners.models import AuditEntry, Invitation, Membership, Team, User

PASSWORD = "Correct-horse-42!"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"person{n}@example.com")
    full_name = factory.Faker("name")
    password = factory.django.Password(PASSWORD)

    @factory.post_generation
    def verified_email(obj: User, create: bool, extracted: object, **kwargs: object) -> None:
        if create:
            EmailAddress.objects.get_or_create(
                user=obj, email=obj.email, defaults={"primary": True, "verified": True}
            )


class TeamFactory(factory.django.DjangoModelFactory):
    """Teams go through services.team_create so their path is right."""

    class Meta:
        model = Team

    name = factory.Sequence(lambda n: f"Store {n}")
    parent = None

    @classmethod
    def _create(cls, model_class: type[Team], *args: object, **kwargs: object) -> Team:
        return services.team_create(actor=None, name=kwargs["name"], parent=kwargs.get("parent"))


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    team = factory.SubFactory(TeamFactory)
    user = factory.SubFactory(UserFactory)
    role = Membership.Role.MEMBER


class InvitationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Invitation

    email = factory.Sequence(lambda n: f"newhire{n}@example.com")
    full_name = "Sam New"
    team = factory.SubFactory(TeamFactory)
    invited_by = factory.SubFactory(UserFactory)
    expires_at = factory.LazyFunction(Invitation.default_expiry)


class AuditEntryFactory(factory.django.DjangoModelFactory):
    """Activity log entries go through audit.audit_record, like the services' entries.
    Control `created_at` with time_machine."""

    class Meta:
        model = AuditEntry

    actor = factory.SubFactory(UserFactory)
    action = "team.create"
    target_type = "team"
    target_id = factory.Sequence(str)
    target_label = factory.Sequence(lambda n: f"Store {n}")
    changes = factory.LazyAttribute(lambda o: {"name": (None, o.target_label)})

    @classmethod
    def _create(cls, model_class: type[AuditEntry], *args: object, **kwargs: Any) -> AuditEntry:
        return audit.audit_record(**kwargs)
