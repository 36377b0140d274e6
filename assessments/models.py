"""Question banks, versioned questions, quizzes and attempts; branching practice conversations.

A `Question` is a stable identity; what a learner answers is a `QuestionVersion`. Editing a
question that has been answered creates a new version, and every attempt keeps pointing at the
version it was answered on, so old reviews and scores never change.
"""

from __future__ import annotations

import uuid
from decimal import Decimal
from typing import TypeVar

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

# --- Question banks --------------------------------------------------------------------------

_M = TypeVar("_M", bound=models.Model)


class FinishedManager(models.Manager[_M]):
    """`objects` of banks and questions: leaves out the rows an import job is still writing
    (`import_job` set), so every page, quiz draw and export sees an import all at once or not
    at all (docs/adr/0012). Joins from other tables (`Count("questions")`) are not filtered by
    a manager and must say `import_job__isnull=True` themselves. `all_objects` sees every row;
    only the import job uses it."""

    def get_queryset(self) -> models.QuerySet[_M]:
        return super().get_queryset().filter(import_job__isnull=True)


class QuestionBank(models.Model):
    """A category of questions; banks nest (e.g. "De-escalation" → "Apologies")."""

    name = models.CharField(_("name"), max_length=120)
    parent = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="children"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    # Set while the import that created the bank is running; cleared when it finishes.
    import_job = models.ForeignKey(
        "ImportJob", on_delete=models.PROTECT, null=True, blank=True, editable=False,
        related_name="+",
    )  # fmt: skip

    objects = FinishedManager["QuestionBank"]()
    all_objects = models.Manager["QuestionBank"]()

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
    # Set while the import that wrote the question is running; cleared when it finishes.
    import_job = models.ForeignKey(
        "ImportJob", on_delete=models.PROTECT, null=True, blank=True, editable=False,
        related_name="+",
    )  # fmt: skip

    objects = FinishedManager["Question"]()
    all_objects = models.Manager["Question"]()

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
    # Set while the import that stored the image is running, so a failed one can remove it.
    import_job = models.ForeignKey(
        "ImportJob", on_delete=models.PROTECT, null=True, blank=True, editable=False,
        related_name="+",
    )  # fmt: skip

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.name


def _question_audio_path(instance: QuestionAudio, filename: str) -> str:
    extension = filename.rsplit(".", 1)[-1].lower()
    return f"question-audio/{instance.bank_id}/{uuid.uuid4().hex}.{extension}"


class QuestionAudio(models.Model):
    """A sound used in a question's text or explanation, e.g. the clip of a listening question
    embedded in an imported Moodle XML file. Stored under a random name, so the page never
    gives away what the file was called ("french.mp3")."""

    bank = models.ForeignKey(QuestionBank, on_delete=models.CASCADE, related_name="sounds")
    file = models.FileField(upload_to=_question_audio_path)
    name = models.CharField(max_length=200)
    created_at = models.DateTimeField(auto_now_add=True)
    # Set while the import that stored the sound is running, so a failed one can remove it.
    import_job = models.ForeignKey(
        "ImportJob", on_delete=models.PROTECT, null=True, blank=True, editable=False,
        related_name="+",
    )  # fmt: skip

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.name


class ImportJobQuerySet(models.QuerySet["ImportJob"]):
    def recent(self, limit: int = 10) -> ImportJobQuerySet:
        """The latest `limit` jobs, newest first, without the files they carry."""
        return (
            self.defer("content")
            .select_related("created_by")
            .order_by("-created_at", "-pk")[:limit]
        )


class ImportJob(models.Model):
    """A question file imported in the background (assessments.questions.imports).

    The file waits in `content` until a worker runs the job; the banks, questions and images it
    writes carry the job (`import_job`) and stay hidden until it is done, so an author never
    sees half a file (docs/adr/0012). `created_by` is None for the command line.
    """

    class State(models.TextChoices):
        QUEUED = "queued", _("Waiting in the queue")
        RUNNING = "running", _("Importing")
        DONE = "done", _("Imported")
        REFUSED = "refused", _("Not imported: the file has problems")
        FAILED = "failed", _("Not imported: something went wrong")

    FINISHED = (State.DONE, State.REFUSED, State.FAILED)

    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
        related_name="+",
    )  # fmt: skip
    filename = models.CharField(max_length=255)
    file_format = models.CharField(max_length=12, blank=True)  # "" means "by its extension"
    # The uploaded file, in the database: private, in one transaction with the job, and read
    # by whichever machine runs the worker. Emptied when the job finishes.
    content = models.BinaryField(editable=False)
    bank_path = models.JSONField(default=list)  # ["Service", "Apologies"]
    bank = models.ForeignKey(
        QuestionBank, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )  # the bank named by `bank_path`, once the job is done
    state = models.CharField(max_length=8, choices=State.choices, default=State.QUEUED)
    runs = models.PositiveSmallIntegerField(default=0)  # how many times a worker started it
    questions_read = models.PositiveIntegerField(null=True, blank=True)  # None: not read yet
    questions_stored = models.PositiveIntegerField(default=0)
    # {"problems": [...], "skipped": [...], "notes": [...]}: see imports.JobReport.
    report = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    objects = ImportJobQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["created_by", "-created_at"], name="importjob_author")]
        constraints = [
            models.CheckConstraint(
                condition=Q(state__in=["queued", "running", "done", "refused", "failed"]),
                name="importjob_state_valid",
            ),
            models.CheckConstraint(
                condition=Q(finished_at__isnull=True, state__in=["queued", "running"])
                | Q(finished_at__isnull=False, state__in=["done", "refused", "failed"]),
                name="importjob_finished_when_final",
            ),
            models.CheckConstraint(
                condition=Q(questions_read__isnull=True)
                | Q(questions_stored__lte=F("questions_read")),
                name="importjob_stored_at_most_read",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.filename} ({self.get_state_display()})"

    @property
    def is_finished(self) -> bool:
        """True once the job is done, refused or failed: nothing about it changes any more."""
        return self.state in self.FINISHED


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
