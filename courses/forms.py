from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.utils.text import slugify
from django.utils.translation import gettext_lazy as _
from PIL import Image, UnidentifiedImageError

from .content import VIDEO_HOSTS_HELP

MAX_IMAGE_BYTES = 5 * 1024 * 1024
# Pillow's format name -> the extensions we accept for it.
IMAGE_FORMATS = {"PNG": {"png"}, "JPEG": {"jpg", "jpeg"}, "WEBP": {"webp"}, "GIF": {"gif"}}


class CourseForm(forms.Form):
    label_suffix = ""

    title = forms.CharField(label=_("Title"), max_length=160)
    summary = forms.CharField(
        label=_("Summary"),
        required=False,
        max_length=600,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("One or two sentences for the catalog."),
    )
    slug = forms.SlugField(
        label=_("Web address"),
        max_length=80,
        required=False,
        help_text=_(
            "Letters, numbers and dashes, used in the course's link. Leave empty to use the title."
        ),
    )
    self_enrol = forms.BooleanField(
        label=_("Open to everyone: people can start it from the catalog"), required=False
    )

    def clean(self) -> dict[str, object]:
        data = super().clean() or {}
        if not data.get("slug") and data.get("title"):
            data["slug"] = slugify(str(data["title"]))[:80]
        return data


class ModuleForm(forms.Form):
    label_suffix = ""

    title = forms.CharField(label=_("Module title"), max_length=160)
    summary = forms.CharField(
        label=_("Summary"), required=False, max_length=600, widget=forms.Textarea(attrs={"rows": 2})
    )


class LessonForm(forms.Form):
    label_suffix = ""

    title = forms.CharField(label=_("Lesson title"), max_length=160)
    minutes = forms.IntegerField(
        label=_("Estimated minutes"), min_value=1, max_value=240, initial=5
    )
    video_url = forms.URLField(
        label=_("Video link (optional)"),
        required=False,
        assume_scheme="https",
        help_text=_("A https link from %(hosts)s.") % {"hosts": VIDEO_HOSTS_HELP},
    )
    body_markdown = forms.CharField(
        label=_("Lesson text (Markdown)"),
        required=False,
        strip=False,
        widget=forms.Textarea(attrs={"rows": 18, "spellcheck": "true"}),
        help_text=_(
            "## for a heading, **bold**, *italic*, - for a list, > for a quote or example."
        ),
    )


class ImageUploadForm(forms.Form):
    label_suffix = ""

    image = forms.FileField(
        label=_("Image (PNG, JPEG, WebP or GIF, up to 5 MB)"),
        widget=forms.ClearableFileInput(
            attrs={"accept": "image/png,image/jpeg,image/webp,image/gif"}
        ),
    )
    alt_text = forms.CharField(
        label=_("Describe the image for people who can't see it"), max_length=200
    )

    def clean_image(self) -> UploadedFile:
        upload: UploadedFile = self.cleaned_data["image"]
        if upload.size is not None and upload.size > MAX_IMAGE_BYTES:
            raise ValidationError(_("This file is over 5 MB. Make it smaller and try again."))
        extension = (upload.name or "").rsplit(".", 1)[-1].lower()
        try:
            with Image.open(upload) as picture:
                kind = picture.format or ""
                picture.verify()
        except (UnidentifiedImageError, OSError, SyntaxError) as exc:
            raise ValidationError(_("This file isn't a picture we can use.")) from exc
        finally:
            upload.seek(0)
        if kind not in IMAGE_FORMATS:
            raise ValidationError(_("Use a PNG, JPEG, WebP or GIF image."))
        if extension not in IMAGE_FORMATS[kind]:
            raise ValidationError(
                _(
                    "The file name says .%(ext)s but the file is a %(kind)s. "
                    "Rename it and try again."
                )
                % {"ext": extension, "kind": kind}
            )
        return upload
