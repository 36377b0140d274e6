"""The bell, email choices, one-click unsubscribe, the ledger and the admins' pages."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.core import mail, signing
from django.urls import reverse

from learners.models import AuditEntry
from notifications import dispatch, unsubscribe
from notifications.kinds import Kind
from notifications.models import (
    Channel,
    EmailTemplate,
    Mailbox,
    Notification,
    OrganisationSettings,
    Preference,
    State,
)
from notifications.sweep import reminders_sweep
from tests.notifications.builders import MONDAY, assign, course

pytestmark = pytest.mark.django_db

MORNING = MONDAY + dt.timedelta(hours=1)


def _swept(learner, manager) -> None:
    assign(by=manager, to=learner, training=course(), due_on=dt.date(2026, 3, 31))
    with time_machine.travel(MORNING, tick=False):
        reminders_sweep()


def test_the_bell_counts_unread_and_marking_read_clears_it(client, learner, manager):
    _swept(learner, manager)
    client.force_login(learner)

    page = client.get(reverse("dashboard")).content.decode()
    bell = client.get(reverse("notification_bell"), HTTP_HX_REQUEST="true")
    listing = client.get(reverse("notifications"), HTTP_HX_REQUEST="true")
    cleared = client.post(reverse("notifications_mark_read"), HTTP_HX_REQUEST="true")

    assert 'hx-get="/notifications/bell/"' in page, "the page asks for the count after loading"
    assert 'data-testid="bell-count">1<' in bell.content.decode()
    assert "New training: Calm under fire" in listing.content.decode()
    assert cleared.status_code == 200
    assert "bell-count" not in cleared.content.decode()
    assert not Notification.objects.unread_for(learner.pk).exists()


def test_marking_read_touches_only_your_own(client, learner, other_learner, manager):
    _swept(learner, manager)
    theirs = Notification.objects.get(user=learner, channel=Channel.IN_APP, kind=Kind.ASSIGNED)
    client.force_login(other_learner)

    response = client.post(reverse("notifications_mark_read"), {"pk": theirs.pk})

    assert response.status_code == 302
    theirs.refresh_from_db()
    assert theirs.read_at is None


def test_the_bell_and_list_cost_the_same_queries_for_3_or_30_messages(
    client, learner, django_assert_num_queries
):
    client.force_login(learner)
    for size in (3, 30):
        Notification.objects.all().delete()
        Notification.objects.bulk_create(
            Notification(
                user=learner,
                kind=Kind.DUE_TODAY,
                channel=Channel.IN_APP,
                subject_type="enrolment",
                subject_id=i,
                period="p",
                dedupe_key=f"k{i}",
                context={"course": f"Course {i}"},
                state=State.SENT,
            )
            for i in range(size)
        )
        with django_assert_num_queries(4):  # session, user, the list, the unread count
            client.get(reverse("notifications"))


def test_preferences_save_only_what_may_be_turned_off(client, learner):
    client.force_login(learner)

    form = client.get(reverse("notification_preferences")).content.decode()
    response = client.post(
        reverse("notification_preferences"),
        {"time_zone": "Europe/Lisbon", f"email_{Kind.OVERDUE}": ""},  # refresher box unticked
    )

    assert 'name="email_refresher_due"' in form
    assert 'name="email_overdue"' not in form, "due-date notices are mandatory by default"
    assert response.status_code == 302
    assert Preference.objects.get(user=learner, kind=Kind.REFRESHER_DUE).email is False
    assert not Preference.objects.filter(user=learner, kind=Kind.OVERDUE).exists()
    learner.refresh_from_db()
    assert learner.time_zone == "Europe/Lisbon"


def test_an_unknown_time_zone_is_refused_next_to_its_field(client, learner):
    client.force_login(learner)

    response = client.post(reverse("notification_preferences"), {"time_zone": "Mars/Olympus"})

    assert response.status_code == 400
    assert "Mars/Olympus is not one of the available choices" in response.content.decode()
    learner.refresh_from_db()
    assert learner.time_zone == ""


def test_one_click_unsubscribe_turns_off_that_kind_without_signing_in(client, learner):
    link = unsubscribe.url(user_id=learner.pk, kinds=[Kind.REFRESHER_DUE, Kind.OVERDUE])
    path = link.removeprefix("http://127.0.0.1:8000").removeprefix("https://training.example.com")

    asked = client.get(path)
    assert not Preference.objects.exists(), "opening the link (or a link scanner) changes nothing"
    done = client.post(path, {"List-Unsubscribe": "One-Click"})

    assert asked.status_code == done.status_code == 200
    assert "Refresher ready" in asked.content.decode()
    # Only optional kinds ever go into a token; overdue notices are mandatory.
    assert list(Preference.objects.values_list("user", "kind", "email")) == [
        (learner.pk, Kind.REFRESHER_DUE, False)
    ]


@pytest.mark.parametrize("tamper", ["flip", "other_salt", "garbage"])
def test_a_changed_or_foreign_unsubscribe_token_is_refused(client, learner, tamper):
    good = unsubscribe.token(user_id=learner.pk, kinds=[Kind.REFRESHER_DUE])
    bad = {
        "flip": good[:-2] + ("AA" if not good.endswith("AA") else "BB"),
        "other_salt": signing.dumps({"u": learner.pk, "k": [Kind.REFRESHER_DUE]}, salt="other"),
        "garbage": "not-a-token",
    }[tamper]

    response = client.post(reverse("notification_unsubscribe", args=[bad]))

    assert response.status_code == 400
    assert "This link doesn't work" in response.content.decode()
    assert not Preference.objects.exists()


def test_the_ledger_says_what_was_sent_combined_and_what_waited(client, learner, manager):
    assign(
        by=manager,
        to=learner,
        training=course("calm", "Calm under fire"),
        due_on=dt.date(2026, 3, 31),
    )
    assign(
        by=manager,
        to=learner,
        training=course("listen", "Listening first"),
        due_on=dt.date(2026, 3, 31),
    )
    with time_machine.travel(MORNING, tick=False):
        reminders_sweep()
        dispatch.dispatch_all()
    later = MORNING + dt.timedelta(hours=2)
    assign(by=manager, to=learner, training=course("own", "Owning mistakes"), due_on=None, at=later)
    with time_machine.travel(later, tick=False):
        reminders_sweep()
        dispatch.dispatch_all()
    client.force_login(manager)

    with time_machine.travel(later, tick=False):
        page = client.get(reverse("reminder_ledger", args=[learner.pk]), {"day": "2026-03-02"})

    html = page.content.decode()
    assert page.status_code == 200
    assert "they got 1 reminder email" in html
    assert html.count("in one email with 1 other reminder") == 2
    assert "Owning mistakes" in html
    assert "they already had a reminder email that day" in html


def test_the_ledger_is_for_their_manager_and_admins_only(client, learner, outsider, other_manager):
    client.force_login(other_manager)
    assert client.get(reverse("reminder_ledger", args=[learner.pk])).status_code == 404
    assert client.get(reverse("reminder_ledger", args=[outsider.pk])).status_code == 200


def test_a_bad_day_in_the_ledger_is_named_next_to_the_field(client, learner, manager):
    client.force_login(manager)
    response = client.get(reverse("reminder_ledger", args=[learner.pk]), {"day": "31/02"})
    assert response.status_code == 400
    assert "Enter a valid date" in response.content.decode()


def test_admins_change_the_policy_and_bad_input_is_refused_beside_its_field(client, admin):
    client.force_login(admin)
    good = {
        "due_soon_days": "5, 2",
        "quiet_start": "21:00",
        "quiet_end": "07:00",
        "daily_email_cap": "2",
        "due_notices_mandatory": "",
    }

    refused = client.post(reverse("reminder_policy"), {**good, "due_soon_days": "5, soon"})
    saved = client.post(reverse("reminder_policy"), good)

    assert refused.status_code == 400
    assert "Use whole numbers separated by commas" in refused.content.decode()
    assert 'value="5, soon"' in refused.content.decode(), "what they typed is kept"
    assert saved.status_code == 302
    policy = OrganisationSettings.current()
    assert (policy.due_soon_days, policy.daily_email_cap, policy.due_notices_mandatory) == (
        [5, 2],
        2,
        False,
    )
    assert (policy.quiet_start, policy.quiet_end) == (dt.time(21), dt.time(7))


def test_a_template_with_an_unknown_name_is_refused_and_a_good_one_is_used(
    client, admin, learner, manager
):
    client.force_login(admin)
    url = reverse("email_template_edit", args=[Kind.ASSIGNED])
    wording = {
        "subject": "Hello {{ name }}: {{ course }}",
        "text": "Start {{ course }} at {{ url }} by {{ due_dat }}",
        "html": "<p>{{ course }}</p>",
    }

    refused = client.post(url, {**wording, "action": "save"})
    preview = client.post(url, {**wording, "text": "Start {{ course }}", "action": "preview"})
    saved = client.post(url, {**wording, "text": "Start {{ course }} at {{ url }}"})

    assert refused.status_code == 400
    assert "We don&#x27;t know {{ due_dat }} here" in refused.content.decode()
    assert "Start {{ course }} at {{ url }} by {{ due_dat }}" in refused.content.decode()
    assert preview.status_code == 200
    assert "Hello Ana: Calm under fire" in preview.content.decode()
    assert not EmailTemplate.objects.exists() or EmailTemplate.objects.get().text.endswith(
        "{{ url }}"
    )
    assert saved.status_code == 302
    assign(by=manager, to=learner, training=course(), due_on=None)
    Mailbox.objects.all().delete()
    with time_machine.travel(MORNING, tick=False):
        reminders_sweep()
        dispatch.dispatch_all()
    (message,) = [m for m in mail.outbox if m.to == [learner.email]]
    assert message.subject == "Hello Leo: Calm under fire"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("{% include 'base.html' %}", "can&#x27;t use {% include %}"),
        ("{% load static %}", "is not a registered tag library"),
        ("{{ name.__class__ }}", "may not begin with underscores"),
        ("{% if %}", "This doesn&#x27;t work yet"),
    ],
)
def test_templates_cannot_reach_outside_their_sandbox(client, admin, text, message):
    client.force_login(admin)

    response = client.post(
        reverse("email_template_edit", args=[Kind.DUE_TODAY]),
        {"subject": "Due", "text": text, "html": "<p>ok</p>", "action": "save"},
    )

    assert response.status_code == 400
    assert message in response.content.decode()
    assert not EmailTemplate.objects.exists()


def test_admins_see_failed_emails_and_queue_them_again(client, admin, learner):
    failed = Notification.objects.create(
        user=learner,
        kind=Kind.DUE_TODAY,
        subject_type="enrolment",
        subject_id=1,
        period="p",
        dedupe_key="failed-one",
        state=State.FAILED,
        attempts=6,
        last_error="SMTPServerDisconnected: gone",
    )
    client.force_login(admin)

    page = client.get(reverse("failed_notifications")).content.decode()
    client.post(reverse("failed_notification_retry", args=[failed.pk]))

    assert "SMTPServerDisconnected: gone" in page
    failed.refresh_from_db()
    assert (failed.state, failed.attempts) in {(State.PENDING, 0), (State.CANCELLED, 1)}


def test_changing_an_emails_wording_is_on_the_activity_log(client, admin):
    client.force_login(admin)
    url = reverse("email_template_edit", args=[Kind.DUE_TODAY])
    client.post(
        url, {"subject": "{{ course }} today", "text": "Go: {{ url }}", "html": "<p>Go</p>"}
    )
    client.post(url, {"action": "reset", "subject": "x", "text": "x", "html": "x"})

    entries = list(AuditEntry.objects.filter(action="reminders.template").order_by("pk"))
    assert [(e.actor, e.target_label) for e in entries] == [(admin, "due_today")] * 2
    assert not EmailTemplate.objects.exists()


def test_marking_read_with_a_garbled_id_changes_nothing(client, learner, manager):
    _swept(learner, manager)
    client.force_login(learner)

    response = client.post(reverse("notifications_mark_read"), {"pk": "12abc"})

    assert response.status_code == 400
    assert "Nothing was changed" in response.content.decode()
    assert Notification.objects.unread_for(learner.pk).count() == 1


def test_team_emails_are_offered_only_to_people_who_manage_a_team(client, learner, manager):
    client.force_login(learner)
    for_learner = client.get(reverse("notification_preferences")).content.decode()
    client.force_login(manager)
    for_manager = client.get(reverse("notification_preferences")).content.decode()

    assert 'name="email_manager_digest"' not in for_learner
    assert 'name="email_manager_digest"' in for_manager


@pytest.mark.parametrize("pk", ["²", "9" * 5000, "-1"])
def test_marking_read_with_a_garbled_id_is_refused_not_a_server_error(client, learner, pk):
    client.force_login(learner)
    response = client.post(reverse("notifications_mark_read"), {"pk": pk})
    assert response.status_code == 400
