import datetime as dt
import re
from html import unescape
from urllib.parse import urlencode

import pytest
import time_machine
from allauth.account.models import EmailAddress
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from learners import services
from learners.models import AuditEntry, Invitation, Membership, Team, User
from tests.factories import PASSWORD, InvitationFactory, MembershipFactory, TeamFactory

pytestmark = pytest.mark.django_db

T0 = dt.datetime(2026, 12, 2, 9, 0, tzinfo=dt.UTC)


def test_home_sends_visitors_to_sign_in_and_people_to_their_dashboard(client, learner):
    assert client.get("/").url == reverse("account_login")
    client.force_login(learner)
    assert client.get("/").url == reverse("dashboard")


def test_dashboard_requires_sign_in(client):
    response = client.get(reverse("dashboard"))
    assert response.status_code == 302
    assert response.url.startswith(reverse("account_login"))


def test_login_page_offers_reset_and_no_open_signup(client):
    response = client.get(reverse("account_login"))
    html = response.content.decode()
    assert response.status_code == 200
    assert 'for="id_login"' in html
    assert reverse("account_reset_password") in html
    assert client.get(reverse("account_signup")).status_code == 200  # allauth's "sign-up closed"
    assert b"closed" in client.get(reverse("account_signup")).content.lower()


def test_demo_style_login_with_email_and_password(client, learner):
    response = client.post(
        reverse("account_login"), {"login": "LEO@example.com", "password": "Correct-horse-42!"}
    )
    assert response.status_code == 302
    assert response.url == reverse("dashboard")


def test_wrong_password_keeps_email_and_explains(client, learner):
    response = client.post(
        reverse("account_login"), {"login": "leo@example.com", "password": "nope"}
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert 'value="leo@example.com"' in html
    assert "not correct" in html


@pytest.mark.parametrize(
    ("persona", "sees"),
    [
        ("learner", ["Your next step"]),
        ("manager", ["Your next step", "Teams you look after", "Downtown Store"]),
        ("admin", ["Your next step", "Your organisation"]),
    ],
)
def test_dashboard_per_role(client, request, persona, sees, learner, manager, admin):
    client.force_login(request.getfixturevalue(persona))
    html = client.get(reverse("dashboard")).content.decode()
    for text in sees:
        assert text in html
    if persona == "learner":
        assert "Teams you look after" not in html
        assert reverse("people") not in html  # no People link in the navigation


@pytest.mark.parametrize("size", [2, 20])
def test_dashboard_query_count_is_fixed(client, manager, downtown, django_assert_num_queries, size):
    for _ in range(size):
        MembershipFactory(team=downtown)
        MembershipFactory(team=TeamFactory(parent=downtown))
    client.force_login(manager)
    # session, user, nav manager check, managed paths, managed teams, my teams, invitations,
    # enrolments, certificates, starter path
    # 10, and two for the refresher card (refreshers.selectors.summary_for).
    with django_assert_num_queries(12):
        assert client.get(reverse("dashboard")).status_code == 200


@pytest.mark.parametrize("size", [2, 30])
def test_people_query_count_is_fixed(client, admin, downtown, django_assert_num_queries, size):
    for _ in range(size):
        MembershipFactory(team=downtown)
        InvitationFactory(team=downtown)
    client.force_login(admin)
    with django_assert_num_queries(6):
        response = client.get(reverse("people"))
    assert response.status_code == 200


@pytest.mark.parametrize("size", [2, 30])
def test_teams_query_count_is_fixed(client, admin, region, django_assert_num_queries, size):
    for _ in range(size):
        team = TeamFactory(parent=region)
        MembershipFactory(team=team, role=Membership.Role.MANAGER)
    client.force_login(admin)
    with django_assert_num_queries(4):
        assert client.get(reverse("teams")).status_code == 200


@pytest.mark.parametrize(
    ("persona", "status"),
    [("learner", 403), ("manager", 200), ("other_manager", 200), ("admin", 200)],
)
def test_people_page_access(
    client, request, persona, status, learner, manager, other_manager, admin
):
    client.force_login(request.getfixturevalue(persona))
    assert client.get(reverse("people")).status_code == status


def test_manager_people_list_shows_only_their_team(client, manager, learner, outsider):
    client.force_login(manager)
    html = client.get(reverse("people")).content.decode()
    assert "leo@example.com" in html
    assert "olga@example.com" not in html


def test_people_search_with_htmx_returns_the_table_only(client, admin, learner, other_learner):
    client.force_login(admin)
    response = client.get(reverse("people"), {"q": "lina"}, HTTP_HX_REQUEST="true")
    html = response.content.decode()
    assert "<html" not in html
    assert "lina@example.com" in html
    assert "leo@example.com" not in html


def test_manager_invites_into_their_team(
    client, manager, downtown, django_capture_on_commit_callbacks
):
    client.force_login(manager)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("invite"),
            {"email": "nia@example.com", "full_name": "Nia Hire", "team": downtown.pk},
        )
    assert response.status_code == 302
    invitation = Invitation.objects.get()
    assert (invitation.email, invitation.team, invitation.invited_by) == (
        "nia@example.com",
        downtown,
        manager,
    )
    assert len(mail.outbox) == 1


def _invitation_row(html: str, invitation: Invitation) -> str:
    found = re.search(rf'<tr id="invitation-{invitation.pk}">.*?</tr>', html, re.DOTALL)
    assert found, f"no row for invitation {invitation.pk}"
    return re.sub(r"\s+", " ", unescape(re.sub(r"<[^>]+>", " ", found.group(0))))


def test_an_invitation_reads_queued_until_a_worker_has_really_emailed_it(
    client, manager, downtown, django_capture_on_commit_callbacks
):
    client.force_login(manager)
    with (
        time_machine.travel(T0, tick=False),
        # No worker running: the email task waits.
        django_capture_on_commit_callbacks(execute=False) as queued,
    ):
        response = client.post(
            reverse("invite"), {"email": "nia@example.com", "team": downtown.pk}, follow=True
        )
    invitation = Invitation.objects.get()
    html = unescape(response.content.decode())
    assert "The invitation to nia@example.com is queued and will be emailed in a moment." in html
    assert "sent" not in html.split('<section class="messages"', 1)[1].split("</section>")[0]
    row = _invitation_row(html, invitation)
    assert "Queued" in row and "Not emailed yet" in row
    assert "Sent" not in row
    assert "Sending is delayed" not in html

    with time_machine.travel(T0 + dt.timedelta(minutes=6), tick=False):
        late = client.get(reverse("people")).content.decode()
    assert "Sending is delayed: 1 invitation has waited more than 5 minutes" in unescape(late)
    assert "Sending is delayed." in _invitation_row(late, invitation)
    assert mail.outbox == []

    with time_machine.travel(T0 + dt.timedelta(minutes=7), tick=False):
        for send in queued:  # the worker is back
            send()
        sent = client.get(reverse("people")).content.decode()
    assert [m.to for m in mail.outbox] == [["nia@example.com"]]
    row = _invitation_row(sent, invitation)
    assert "Sent" in row and "Queued" not in row
    assert "Sending is delayed" not in sent


def test_a_new_link_reads_queued_again_until_it_is_emailed(
    client, manager, downtown, django_capture_on_commit_callbacks
):
    invitation = InvitationFactory(team=downtown, sent_at=timezone.now())
    client.force_login(manager)
    with django_capture_on_commit_callbacks(execute=False):
        response = client.post(
            reverse("invitation_resend", args=[invitation.pk]), HTTP_HX_REQUEST="true"
        )
    row = _invitation_row(response.content.decode(), invitation)
    assert "Queued" in row and "Sent" not in row
    page = unescape(client.get(reverse("people")).content.decode())
    assert f"A new link for {invitation.email} is queued and will be emailed in a moment." in page


def test_manager_cannot_invite_into_a_team_they_do_not_manage(client, manager, harbour):
    client.force_login(manager)
    response = client.post(reverse("invite"), {"email": "nia@example.com", "team": harbour.pk})
    # The team is not among the choices, so the form says so next to the field.
    assert response.status_code == 200
    assert "team" in response.context["form"].errors
    assert 'value="nia@example.com"' in response.content.decode()
    assert Invitation.objects.count() == 0


def test_invite_with_bad_email_keeps_what_was_typed(client, manager, downtown):
    client.force_login(manager)
    response = client.post(
        reverse("invite"), {"email": "not-an-email", "full_name": "Nia Hire", "team": downtown.pk}
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert "email" in response.context["form"].errors
    assert 'value="Nia Hire"' in html
    assert 'aria-invalid="true"' in html


def test_invite_existing_member_shows_error_on_email(client, manager, learner, downtown):
    client.force_login(manager)
    response = client.post(reverse("invite"), {"email": "leo@example.com", "team": downtown.pk})
    assert response.status_code == 200
    assert "already in Downtown Store" in str(response.context["form"].errors["email"])


@pytest.mark.parametrize(
    ("persona", "status"), [("manager", 302), ("other_manager", 404), ("learner", 404)]
)
def test_resend_and_revoke_are_limited_to_the_teams_manager(
    client, request, persona, status, learner, manager, other_manager, downtown
):
    invitation = InvitationFactory(team=downtown)
    old_nonce = invitation.nonce
    client.force_login(request.getfixturevalue(persona))
    assert client.post(reverse("invitation_resend", args=[invitation.pk])).status_code == status
    assert client.post(reverse("invitation_revoke", args=[invitation.pk])).status_code == status
    invitation.refresh_from_db()
    if status == 302:
        assert invitation.nonce != old_nonce
        assert invitation.revoked_at is not None
    else:
        assert invitation.nonce == old_nonce
        assert invitation.revoked_at is None


def test_revoke_with_htmx_returns_the_updated_row(client, manager, downtown):
    invitation = InvitationFactory(team=downtown)
    client.force_login(manager)
    response = client.post(
        reverse("invitation_revoke", args=[invitation.pk]), HTTP_HX_REQUEST="true"
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert html.strip().startswith(f'<tr id="invitation-{invitation.pk}"')
    assert "Cancelled" in html


def test_resend_needs_post(client, manager, downtown):
    invitation = InvitationFactory(team=downtown)
    client.force_login(manager)
    assert client.get(reverse("invitation_resend", args=[invitation.pk])).status_code == 405


def test_accepting_an_invitation_signs_the_new_hire_in(client, downtown):
    invitation = InvitationFactory(team=downtown, email="nia@example.com", full_name="Nia")
    url = reverse("invitation_accept", args=[services.invitation_token(invitation)])
    page = client.get(url)
    assert page.status_code == 200
    assert "nia@example.com" in page.content.decode()
    response = client.post(
        url,
        {
            "full_name": "Nia Hire",
            "password1": "Sunny-Counter-2026!",
            "password2": "Sunny-Counter-2026!",
        },
    )
    assert response.status_code == 302
    assert response.url == reverse("dashboard")
    dashboard = client.get(reverse("dashboard"))
    assert dashboard.context["user"].email == "nia@example.com"
    # One welcome: the page's heading; the message says what happened.
    html = dashboard.content.decode()
    assert html.count("Welcome, Nia") == 1
    assert "you&#x27;ve joined Downtown" in html
    again = client.get(url)
    assert again.status_code == 410
    assert "already used this link" in again.content.decode()


def test_accept_form_errors_keep_the_name(client, downtown):
    invitation = InvitationFactory(team=downtown, email="nia@example.com")
    url = reverse("invitation_accept", args=[services.invitation_token(invitation)])
    response = client.post(
        url, {"full_name": "Nia Hire", "password1": "short", "password2": "short"}
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert 'value="Nia Hire"' in html
    assert response.context["form"].errors["password1"]
    assert not User.objects.filter(email="nia@example.com").exists()
    mismatch = client.post(
        url, {"full_name": "Nia", "password1": "Sunny-Counter-2026!", "password2": "Other-2026!!"}
    )
    assert mismatch.context["form"].errors["password2"] == [
        "The two passwords don't match. Try again."
    ]


def test_expired_and_garbage_links_get_clear_pages(client, downtown):
    from datetime import timedelta

    from django.utils import timezone

    invitation = InvitationFactory(team=downtown, expires_at=timezone.now() - timedelta(minutes=1))
    expired = client.get(reverse("invitation_accept", args=[services.invitation_token(invitation)]))
    assert expired.status_code == 410
    assert "expired" in expired.content.decode()
    garbage = client.get(reverse("invitation_accept", args=["not-a-token"]))
    assert garbage.status_code == 404
    assert "don't recognise this link" in garbage.content.decode()


def _accept_url(invitation: Invitation) -> str:
    return reverse("invitation_accept", args=[services.invitation_token(invitation)])


def _teams_of(person: User) -> set[str]:
    return set(person.memberships.values_list("team__name", flat=True))


def test_existing_account_signs_in_through_the_link_and_joins(client, learner, harbour):
    """Leo (Downtown) is invited into Harbour. Holding the link is not enough: the visitor is
    sent to sign in, comes back to the invitation, and only then joins, keeping Downtown."""
    invitation = InvitationFactory(team=harbour, email="leo@example.com")
    url = _accept_url(invitation)

    page = client.get(url)
    assert page.status_code == 302
    assert page.url == f"{reverse('account_login')}?{urlencode({'next': url}, safe='/')}"
    # A visitor's POST does nothing but send them to sign in too.
    posted = client.post(url)
    assert posted.status_code == 302
    assert posted.url.startswith(reverse("account_login"))
    invitation.refresh_from_db()
    assert invitation.accepted_at is None
    assert _teams_of(learner) == {"Downtown Store"}

    login_page = client.get(page.url).content.decode()
    assert "Sign in as leo@example.com to join Harbour Store." in login_page
    assert f'name="next" value="{url}"' in login_page  # the form carries the way back
    signed_in = client.post(
        reverse("account_login"), {"login": "leo@example.com", "password": PASSWORD, "next": url}
    )
    assert signed_in.url == url
    offer = client.get(url)
    assert offer.status_code == 200
    html = offer.content.decode()
    assert "Leo Learner, you've been invited to join Harbour Store." in html
    assert "Choose a password" not in html

    joined = client.post(url)

    assert joined.url == reverse("dashboard")
    assert _teams_of(learner) == {"Downtown Store", "Harbour Store"}
    invitation.refresh_from_db()
    assert invitation.accepted_by == learner
    dashboard = client.get(joined.url)
    assert "You're now in Harbour Store." in unescape(dashboard.content.decode())


def test_someone_else_signed_in_is_told_and_offered_to_sign_out(client, learner, outsider, harbour):
    invitation = InvitationFactory(team=harbour, email="leo@example.com")
    url = _accept_url(invitation)
    client.force_login(outsider)

    page = client.get(url)
    posted = client.post(url)

    assert page.status_code == posted.status_code == 403
    html = page.content.decode()
    assert "This invitation is for someone else" in html
    assert "you're signed in as <strong>olga@example.com</strong>" in html
    assert f'action="{reverse("account_logout")}"' in html
    assert f'name="next" value="{url}"' in html
    invitation.refresh_from_db()
    assert (invitation.accepted_at, invitation.accepted_by) == (None, None)
    assert _teams_of(learner) == {"Downtown Store"}
    assert not outsider.memberships.filter(team__name="Downtown Store").exists()

    # Signing out comes back to the link, which asks for the invited account.
    signed_out = client.post(reverse("account_logout"), {"next": url})
    assert signed_out.url == url
    assert client.get(url).url.startswith(reverse("account_login"))


def test_a_visitor_never_gets_a_password_form_for_an_existing_account(client, learner, harbour):
    invitation = InvitationFactory(team=harbour, email="leo@example.com")
    url = _accept_url(invitation)
    old_password = learner.password

    response = client.post(
        url,
        {
            "full_name": "Not Leo",
            "password1": "Sunny-Counter-2026!",
            "password2": "Sunny-Counter-2026!",
        },
    )

    assert response.url.startswith(reverse("account_login"))
    learner.refresh_from_db()
    assert (learner.password, learner.full_name) == (old_password, "Leo Learner")
    assert "_auth_user_id" not in client.session
    assert _teams_of(learner) == {"Downtown Store"}
    invitation.refresh_from_db()
    assert invitation.accepted_at is None


@pytest.mark.parametrize(
    ("account_email", "invited_as"),
    [("Ann@Example.com", "ann@example.com"), ("ann@example.com", "ANN@Example.COM")],
)
def test_existing_account_is_found_whatever_the_letter_case(
    client, manager, downtown, harbour, account_email, invited_as
):
    # Accounts made in the Django admin keep the case they were typed in.
    ann = User.objects.create(email=account_email, full_name="Ann Other")
    ann.set_password(PASSWORD)
    ann.save()
    MembershipFactory(team=harbour, user=ann)
    invitation = services.invitation_create(actor=manager, email=invited_as, team=downtown)
    url = _accept_url(invitation)

    assert client.get(url).url.startswith(reverse("account_login"))
    client.force_login(ann)
    assert client.post(url).url == reverse("dashboard")

    assert User.objects.filter(email__iexact="ann@example.com").count() == 1
    assert _teams_of(ann) == {"Harbour Store", "Downtown Store"}


def test_an_address_someone_added_to_their_account_counts_as_theirs(client, learner, harbour):
    EmailAddress.objects.create(user=learner, email="leo.home@example.com", verified=True)
    invitation = InvitationFactory(team=harbour, email="leo.home@example.com")
    url = _accept_url(invitation)

    assert client.get(url).url.startswith(reverse("account_login"))
    client.force_login(learner)
    assert client.post(url).url == reverse("dashboard")

    assert not User.objects.filter(email="leo.home@example.com").exists()
    assert _teams_of(learner) == {"Downtown Store", "Harbour Store"}


def test_existing_account_cannot_accept_twice(client, learner, harbour):
    invitation = InvitationFactory(team=harbour, email="leo@example.com")
    url = _accept_url(invitation)
    client.force_login(learner)
    assert client.post(url).url == reverse("dashboard")

    again = client.post(url)

    assert again.status_code == 410
    html = unescape(again.content.decode())
    assert "already used this link" in html
    assert "You're in Harbour Store. Nothing more to do here." in html
    assert learner.memberships.filter(team=harbour).count() == 1
    assert (
        AuditEntry.objects.filter(action="membership.add", target_id=str(learner.pk)).count() == 1
    )


@pytest.mark.parametrize(
    ("persona", "status"), [("learner", 403), ("manager", 403), ("admin", 200)]
)
def test_team_create_page_is_for_admins(client, request, persona, status, learner, manager, admin):
    client.force_login(request.getfixturevalue(persona))
    assert client.get(reverse("team_create")).status_code == status


def test_admin_creates_nested_team(client, admin, region):
    client.force_login(admin)
    response = client.post(reverse("team_create"), {"name": "Airport Store", "parent": region.pk})
    team = Team.objects.get(name="Airport Store")
    assert response.url == reverse("team_detail", args=[team.pk])
    assert team.parent == region
    assert team.path == f"{region.path}{team.pk}/"


def test_duplicate_team_name_error_sits_on_the_name_field(client, admin, downtown, region):
    client.force_login(admin)
    response = client.post(reverse("team_create"), {"name": "downtown store", "parent": region.pk})
    assert response.status_code == 200
    assert response.context["form"].errors["name"]
    assert response.context["form"]["parent"].value() == str(region.pk)


@pytest.mark.parametrize(
    ("persona", "status"),
    [("learner", 403), ("outsider", 404), ("manager", 200), ("other_manager", 404), ("admin", 200)],
)
def test_team_detail_access(
    client, request, persona, status, learner, outsider, manager, other_manager, admin, downtown
):
    client.force_login(request.getfixturevalue(persona))
    assert client.get(reverse("team_detail", args=[downtown.pk])).status_code == status


def test_admin_adds_existing_person_as_manager_and_removes_them(client, admin, outsider, downtown):
    client.force_login(admin)
    url = reverse("team_detail", args=[downtown.pk])
    assert client.post(url, {"email": "OLGA@example.com", "role": "manager"}).status_code == 302
    assert Membership.objects.filter(team=downtown, user=outsider, role="manager").exists()
    remove = reverse("membership_remove", args=[downtown.pk, outsider.pk, "manager"])
    assert client.post(remove).status_code == 302
    assert not Membership.objects.filter(team=downtown, user=outsider, role="manager").exists()


def test_adding_unknown_email_says_to_invite(client, admin, downtown):
    client.force_login(admin)
    response = client.post(
        reverse("team_detail", args=[downtown.pk]), {"email": "ghost@example.com", "role": "member"}
    )
    assert response.status_code == 200
    assert "Invite them instead" in str(response.context["form"].errors["email"])


def test_manager_cannot_change_roles(client, manager, learner, downtown):
    client.force_login(manager)
    remove = reverse("membership_remove", args=[downtown.pk, learner.pk, "member"])
    assert client.post(remove).status_code == 403
    assert Membership.objects.filter(team=downtown, user=learner).exists()


def test_remove_with_unknown_role_is_a_400(client, admin, learner, downtown):
    client.force_login(admin)
    remove = reverse("membership_remove", args=[downtown.pk, learner.pk, "owner"])
    assert client.post(remove).status_code == 400


def test_friendly_404(client, learner):
    client.force_login(learner)
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    assert "couldn't find that page" in response.content.decode()


def test_every_page_has_skip_link_and_landmarks(client, manager):
    client.force_login(manager)
    for name in ["dashboard", "people", "teams", "invite"]:
        html = client.get(reverse(name)).content.decode()
        assert re.search(r'<a class="skip-link" href="#main">', html), name
        assert '<main id="main"' in html and "<header" in html and "<footer" in html, name


def test_a_manager_asking_for_a_new_team_is_shown_what_they_can_do(client, manager, learner):
    client.force_login(manager)
    response = client.get(reverse("team_create"))
    assert response.status_code == 403
    html = response.content.decode()
    assert "New teams are set up by a training admin" in html
    assert "You look after Downtown Store" in html
    assert reverse("invite") in html and reverse("assign") in html
    assert "ask your manager" not in html.lower()
    # Not a manager: the usual refusal.
    client.force_login(learner)
    response = client.get(reverse("team_create"))
    assert response.status_code == 403
    assert "New teams are set up" not in response.content.decode()
