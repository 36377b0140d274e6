"""Uploaded files (lesson and question images, question sounds), served to signed-in people only.

Served by Django in every environment: uploads are small and few, and going through a view keeps
the sign-in check and the security headers (nosniff) on every file. Put a CDN or the web server's
X-Accel-Redirect in front of this when traffic calls for it.
"""

from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpRequest
from django.utils._os import safe_join
from django.views.decorators.cache import cache_control

# Only what the image upload and the question import accept is ever served, whatever else
# lands in the folder (courses.content.AUDIO_EXTENSIONS lists the same sounds).
SERVED_TYPES = {".png": "image/png", ".jpg": "image/jpeg", ".jpeg": "image/jpeg",
                ".webp": "image/webp", ".gif": "image/gif",
                ".mp3": "audio/mpeg", ".ogg": "audio/ogg", ".wav": "audio/wav",
                ".flac": "audio/flac", ".m4a": "audio/mp4"}  # fmt: skip


@login_required
@cache_control(private=True, max_age=3600)
def media(request: HttpRequest, path: str) -> FileResponse:
    try:
        full = Path(safe_join(str(settings.MEDIA_ROOT), path))
    except ValueError as exc:  # a path that climbs out of MEDIA_ROOT
        raise Http404 from exc
    content_type = SERVED_TYPES.get(full.suffix.lower())
    if content_type is None or not full.is_file():
        raise Http404
    response = FileResponse(full.open("rb"), content_type=content_type)
    response["Content-Disposition"] = "inline"
    response["X-Content-Type-Options"] = "nosniff"
    return response
