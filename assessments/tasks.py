"""Background work for assessments. Tasks take ids and call services."""

from celery import shared_task
from django.db import DatabaseError

from .questions import imports
from .quizzes.services import attempts


@shared_task
def close_overdue_attempts() -> int:
    """Close every attempt whose time limit (plus grace) has passed. Returns how many closed."""
    return sum(1 for pk in attempts.overdue_attempt_ids() if attempts.attempt_expire(attempt_id=pk))


# A 10 MB file of tens of thousands of questions takes minutes on a small machine, longer than
# the project-wide limits allow. The hard limit stays under Redis's visibility timeout (an hour),
# so the broker never hands a task that is still running to a second worker. The run handles
# every failure of the import itself; a database error that escapes it (while cleaning up or
# claiming) is retried, and the next run starts the job again from a clean slate.
@shared_task(
    soft_time_limit=30 * 60,
    time_limit=32 * 60,
    autoretry_for=(DatabaseError,),
    retry_backoff=30,
    max_retries=imports.MAX_RUNS,
)
def run_question_import(job_id: int) -> str:
    """Import the file of ImportJob `job_id`. Returns the state it left the job in ("" when
    there was nothing to do); see imports.import_job_run."""
    return imports.import_job_run(job_id=job_id)
