from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.utils.text import slugify
from django.utils.translation import gettext_lazy as _

from config.forms import Form as BaseForm

from .content import VIDEO_HOSTS_HELP
from .images import IMAGE_ACCEPT, ImageRejected, check_image


class CourseForm(BaseForm):
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


class ModuleForm(BaseForm):
    title = forms.CharField(label=_("Module title"), max_length=160)
    summary = forms.CharField(
        label=_("Summary"), required=False, max_length=600, widget=forms.Textarea(attrs={"rows": 2})
    )


class LessonForm(BaseForm):
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


class ImageUploadForm(BaseForm):
    image = forms.FileField(
        label=_("Image (PNG, JPEG, WebP or GIF, up to 5 MB)"),
        widget=forms.ClearableFileInput(attrs={"accept": IMAGE_ACCEPT}),
    )
    alt_text = forms.CharField(
        label=_("Describe the image for people who can't see it"), max_length=200
    )

    def clean_image(self) -> UploadedFile:
        """The upload, when it is a PNG, JPEG, WebP or GIF of at most 5 MB whose name's
        extension matches its content; the file is left at its start for saving."""
        upload: UploadedFile = self.cleaned_data["image"]
        checked = check_image(upload, name=upload.name or "")
        if isinstance(checked, ImageRejected):
            raise ValidationError(checked.message, code=checked.problem.value)
        return upload
