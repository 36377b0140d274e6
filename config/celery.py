"""The Celery application. Tasks live in each app's tasks.py and are found automatically; the
heartbeat that /healthz reads lives here, since it is about Celery itself, not any app."""

import os
from typing import Any

from celery import Celery
from celery.signals import after_task_publish

from . import heartbeat as heartbeats

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

app = Celery("config")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@app.task(name=heartbeats.HEARTBEAT_TASK)
def heartbeat() -> None:
    """Beat sends this every minute; a worker running it shows that workers take work."""
    heartbeats.stamp(heartbeats.WORKER_KEY)


@after_task_publish.connect
def _beat_sent_heartbeat(sender: str | None = None, **_kwargs: Any) -> None:
    # Only beat publishes the heartbeat, so this runs in the beat process, once the broker
    # has accepted the message: "beat seen" means beat is ticking and can reach the broker.
    if sender == heartbeats.HEARTBEAT_TASK:
        heartbeats.stamp(heartbeats.BEAT_KEY)
