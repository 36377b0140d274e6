"""Form base classes shared by the apps."""

from typing import Any

from django import forms
from django.core.exceptions import ValidationError


class Form(forms.Form):
    """A form whose labels have no trailing colon (our labels sit above their fields).

    Django's Form.__init__ overrides a class-level `label_suffix`, so it is set here.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)


def add_service_errors(form: forms.Form, exc: ValidationError) -> None:
    """Show a service's ValidationError on `form`: each message next to the field it names, or
    at the top of the form when the form has no such field."""
    if hasattr(exc, "error_dict"):
        for name, errors in exc.message_dict.items():
            for error in errors:
                form.add_error(name if name in form.fields else None, error)
    else:
        for error in exc.messages:
            form.add_error(None, error)
