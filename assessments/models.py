"""Question banks, versioned questions, quizzes and attempts; branching practice conversations.

A `Question` is a stable identity; what a learner answers is a `QuestionVersion`. Editing a
question that has been answered creates a new version, and every attempt keeps pointing at the
version it was answered on, so old reviews and scores never change.
"""

from __future__ import annotations

import uuid
from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

# --- Question banks --------------------------------------------------------------------------


class QuestionBank(models.Model):
    """A category of questions; banks nest (e.g. "De-escalation" → "Apologies")."""

    name = models.CharField(_("name"), max_length=120)
    parent = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="children"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["parent", "name"], name="bank_name_unique_in_parent"),
            models.UniqueConstraint(
                fields=["name"], condition=Q(parent__isnull=True), name="bank_top_name_unique"
            ),
        ]

    def __str__(self) -> str:
        return self.name


class Question(models.Model):
    bank = models.ForeignKey(QuestionBank, on_delete=models.PROTECT, related_name="questions")
    key = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    current = models.OneToOneField(
        "QuestionVersion", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    archived = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["bank", "pk"]

    def __str__(self) -> str:
        return self.current.title if self.current else str(self.key)


class QuestionVersion(models.Model):
    class Kind(models.TextChoices):
        SINGLE = "single", _("Single choice")
        MULTIPLE = "multiple", _("Multiple response")
        TRUE_FALSE = "truefalse", _("True or false")
        SHORT = "short", _("Short answer")
        ORDERING = "ordering", _("Put in order")
        MATCHING = "matching", _("Matching")

    question = models.ForeignKey(Question, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField()
    kind = models.CharField(max_length=12, choices=Kind.choices)
    title = models.CharField(_("name"), max_length=200)
    prompt_markdown = models.TextField(_("question"))
    prompt_html = models.TextField(editable=False)
    explanation_markdown = models.TextField(_("explanation"), blank=True)
    explanation_html = models.TextField(editable=False, blank=True)
    points = models.DecimalField(
        max_digits=6, decimal_places=2, default=Decimal("1"), validators=[MinValueValidator(0)]
    )
    case_sensitive = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["question", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["question", "number"], name="qversion_number_unique"),
            models.CheckConstraint(condition=Q(points__gte=0), name="qversion_points_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.title} (v{self.number})"


class Choice(models.Model):
    """An option of a choice question, or an item of an ordering question (whose `position` is
    its place in the correct order). `fraction` is the share of the points it earns: 1 for the
    right answer of a single choice, shares summing to 1 for the right options of a multiple
    response, negative to penalise a wrong option."""

    version = models.ForeignKey(QuestionVersion, on_delete=models.CASCADE, related_name="choices")
    position = models.PositiveIntegerField(default=0)
    text = models.CharField(max_length=500)
    fraction = models.DecimalField(
        max_digits=6,
        decimal_places=5,
        default=Decimal("0"),
        validators=[MinValueValidator(-1), MaxValueValidator(1)],
    )
    feedback = models.TextField(blank=True)

    class Meta:
        ordering = ["position", "pk"]

    def __str__(self) -> str:
        return self.text


class MatchPair(models.Model):
    version = models.ForeignKey(QuestionVersion, on_delete=models.CASCADE, related_name="pairs")
    position = models.PositiveIntegerField(default=0)
    prompt = models.CharField(max_length=300)
    answer = models.CharField(max_length=300)

    class Meta:
        ordering = ["position", "pk"]

    def __str__(self) -> str:
        return f"{self.prompt} → {self.answer}"


class AcceptedAnswer(models.Model):
    version = models.ForeignKey(QuestionVersion, on_delete=models.CASCADE, related_name="accepted")
    text = models.CharField(max_length=300)
    fraction = models.DecimalField(max_digits=6, decimal_places=5, default=Decimal("1"))
    feedback = models.TextField(blank=True)

    class Meta:
        ordering = ["-fraction", "pk"]

    def __str__(self) -> str:
        return self.text


def _question_image_path(instance: QuestionImage, filename: str) -> str:
    extension = filename.rsplit(".", 1)[-1].lower()
    return f"question-images/{instance.bank_id}/{uuid.uuid4().hex}.{extension}"


class QuestionImage(models.Model):
    """An image used in a question's text, e.g. one embedded in an imported Moodle XML file."""

    bank = models.ForeignKey(QuestionBank, on_delete=models.CASCADE, related_name="images")
    image = models.ImageField(upload_to=_question_image_path)
    name = models.CharField(max_length=200)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.name


# --- Quizzes and attempts --------------------------------------------------------------------


class QuizQuerySet(models.QuerySet["Quiz"]):
    def published(self) -> QuizQuerySet:
        return self.filter(is_published=True)


class Quiz(models.Model):
    """A checkpoint after a module (`module_key` set) or a course's final quiz."""

    key = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    course = models.ForeignKey("courses.Course", on_delete=models.CASCADE, related_name="quizzes")
    module_key = models.UUIDField(null=True, blank=True)
    title = models.CharField(_("title"), max_length=160)
    intro = models.TextField(_("introduction"), blank=True)
    pass_percent = models.PositiveSmallIntegerField(
        _("pass mark (%)"), default=70, validators=[MaxValueValidator(100)]
    )
    max_attempts = models.PositiveSmallIntegerField(
        _("attempts allowed"), default=0, help_text=_("0 means no limit.")
    )
    cooldown_minutes = models.PositiveIntegerField(_("minutes between attempts"), default=0)
    time_limit_minutes = models.PositiveIntegerField(
        _("time limit (minutes)"), null=True, blank=True
    )
    shuffle_questions = models.BooleanField(default=True)
    required = models.BooleanField(_("needed to complete the course"), default=True)
    self_rating_prompt = models.CharField(
        _("confidence question"),
        max_length=200,
        blank=True,
        help_text=_("Asked before and after the module, answered 1 to 5."),
    )
    is_published = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = QuizQuerySet.as_manager()

    class Meta:
        ordering = ["course", "pk"]
        constraints = [
            models.CheckConstraint(condition=Q(pass_percent__lte=100), name="quiz_pass_percent"),
        ]

    def __str__(self) -> str:
        return self.title


class QuizSlot(models.Model):
    """One fixed question, or a random draw of `draw_count` questions from a bank."""

    quiz = models.ForeignKey(Quiz, on_delete=models.CASCADE, related_name="slots")
    position = models.PositiveIntegerField(default=0)
    question = models.ForeignKey(Question, on_delete=models.PROTECT, null=True, blank=True)
    bank = models.ForeignKey(QuestionBank, on_delete=models.PROTECT, null=True, blank=True)
    draw_count = models.PositiveSmallIntegerField(default=1)

    class Meta:
        ordering = ["position", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=(Q(question__isnull=False, bank__isnull=True))
                | (Q(question__isnull=True, bank__isnull=False)),
                name="quizslot_question_xor_bank",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.quiz} slot {self.position}"


class Attempt(models.Model):
    class Status(models.TextChoices):
        IN_PROGRESS = "in_progress", _("In progress")
        SUBMITTED = "submitted", _("Submitted")
        EXPIRED = "expired", _("Closed at the time limit")

    quiz = models.ForeignKey(Quiz, on_delete=models.CASCADE, related_name="attempts")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="attempts"
    )
    number = models.PositiveIntegerField()
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.IN_PROGRESS)
    started_at = models.DateTimeField()
    deadline = models.DateTimeField(null=True, blank=True)
    submitted_at = models.DateTimeField(null=True, blank=True)
    score = models.DecimalField(max_digits=8, decimal_places=2, null=True, blank=True)
    max_score = models.DecimalField(max_digits=8, decimal_places=2, default=Decimal("0"))
    percent = models.DecimalField(max_digits=5, decimal_places=2, null=True, blank=True)
    passed = models.BooleanField(null=True)

    class Meta:
        ordering = ["-started_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["quiz", "user", "number"], name="attempt_number_unique"
            ),
            models.UniqueConstraint(
                fields=["quiz", "user"],
                condition=Q(status="in_progress"),
                name="attempt_one_open_per_learner",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} – {self.quiz} #{self.number}"


class AttemptItem(models.Model):
    """One question as drawn for one attempt, with the order its options were shown in."""

    class Confidence(models.IntegerChoices):
        """How sure the learner was of an answer: the one scale the taking page, the review, the
        authoring preview and grading use. Only CERTAIN counts as sure for calibration."""

        GUESSING = 1, _("Guessing")
        FAIRLY_SURE = 2, _("Fairly sure")
        CERTAIN = 3, _("Certain")

    attempt = models.ForeignKey(Attempt, on_delete=models.CASCADE, related_name="items")
    position = models.PositiveIntegerField()
    version = models.ForeignKey(QuestionVersion, on_delete=models.PROTECT, related_name="+")
    option_order = models.JSONField(default=list)
    answer = models.JSONField(null=True, blank=True)
    confidence = models.PositiveSmallIntegerField(null=True, blank=True)
    saved_at = models.DateTimeField(null=True, blank=True)
    fraction = models.DecimalField(max_digits=6, decimal_places=5, null=True, blank=True)
    score = models.DecimalField(max_digits=8, decimal_places=2, null=True, blank=True)

    class Meta:
        ordering = ["position"]
        constraints = [
            models.UniqueConstraint(fields=["attempt", "position"], name="attemptitem_position"),
            models.CheckConstraint(
                condition=Q(confidence__isnull=True) | Q(confidence__in=[1, 2, 3]),
                name="attemptitem_confidence_range",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.attempt} item {self.position}"


class SelfRating(models.Model):
    """How confident a learner feels about a module's skills, before and after it (1-5)."""

    class Moment(models.TextChoices):
        BEFORE = "before", _("Before the module")
        AFTER = "after", _("After the module")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="self_ratings"
    )
    course = models.ForeignKey("courses.Course", on_delete=models.CASCADE, related_name="+")
    module_key = models.UUIDField()
    moment = models.CharField(max_length=8, choices=Moment.choices)
    rating = models.PositiveSmallIntegerField(
        validators=[MinValueValidator(1), MaxValueValidator(5)]
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["user", "module_key", "moment"], name="selfrating_once_per_moment"
            ),
            models.CheckConstraint(
                condition=Q(rating__gte=1, rating__lte=5), name="selfrating_range"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} {self.moment}: {self.rating}"


# --- Branching practice conversations --------------------------------------------------------


class Scenario(models.Model):
    class Channel(models.TextChoices):
        IN_PERSON = "in_person", _("In person")
        PHONE = "phone", _("On the phone")
        CHAT = "chat", _("In a written chat")

    key = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    course = models.ForeignKey("courses.Course", on_delete=models.CASCADE, related_name="scenarios")
    module_key = models.UUIDField(null=True, blank=True)
    slug = models.SlugField(max_length=80, unique=True)
    title = models.CharField(_("title"), max_length=160)
    intro = models.TextField(_("set-up"), blank=True)
    # How the customer reaches the learner: shown with the conversation, because what works
    # face to face (a nod, a look) doesn't exist on the phone or in chat.
    channel = models.CharField(max_length=12, choices=Channel.choices, default=Channel.IN_PERSON)
    start = models.ForeignKey(
        "ScenarioNode", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    required = models.BooleanField(_("needed to complete the course"), default=True)
    is_published = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["course", "pk"]

    def __str__(self) -> str:
        return self.title


class ScenarioNode(models.Model):
    class Mood(models.TextChoices):
        ANGRY = "angry", _("Angry")
        FRUSTRATED = "frustrated", _("Frustrated")
        ANXIOUS = "anxious", _("Anxious")
        CALM = "calm", _("Calm")
        DELIGHTED = "delighted", _("Delighted")

    class Outcome(models.TextChoices):
        LOYAL = "loyal", _("Calmed and loyal")
        RESOLVED = "resolved", _("Resolved but cold")
        ESCALATED = "escalated", _("Escalated")

    scenario = models.ForeignKey(Scenario, on_delete=models.CASCADE, related_name="nodes")
    name = models.SlugField(max_length=60, help_text=_("A short label authors use to link lines."))
    position = models.PositiveIntegerField(default=0)
    line = models.TextField(_("what the customer says"))
    mood = models.CharField(max_length=12, choices=Mood.choices, default=Mood.CALM)
    outcome = models.CharField(max_length=12, choices=Outcome.choices, blank=True)
    outcome_text = models.TextField(_("how it ended"), blank=True)

    class Meta:
        ordering = ["position", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["scenario", "name"], name="scenarionode_name_unique"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def is_end(self) -> bool:
        """An end node states an outcome and offers no replies."""
        return bool(self.outcome)


class ScenarioReply(models.Model):
    node = models.ForeignKey(ScenarioNode, on_delete=models.CASCADE, related_name="replies")
    position = models.PositiveIntegerField(default=0)
    text = models.TextField(_("what you say"))
    next_node = models.ForeignKey(
        ScenarioNode, on_delete=models.PROTECT, related_name="incoming", null=True, blank=True
    )
    feedback = models.TextField(_("why"), blank=True)
    # {"acknowledges_emotion": 2, "stays_calm": 1, ...}: -2..2 per named behaviour.
    scores = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["position", "pk"]

    def __str__(self) -> str:
        return self.text[:60]


class ScenarioRun(models.Model):
    scenario = models.ForeignKey(Scenario, on_delete=models.CASCADE, related_name="runs")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="scenario_runs"
    )
    started_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    current = models.ForeignKey(
        ScenarioNode, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    path = models.JSONField(default=list)  # reply ids in the order chosen
    totals = models.JSONField(default=dict)
    outcome = models.CharField(max_length=12, blank=True)

    class Meta:
        ordering = ["-started_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["scenario", "user"],
                condition=Q(finished_at__isnull=True),
                name="scenariorun_one_open",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} – {self.scenario}"
