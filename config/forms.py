"""Form base classes shared by the apps."""

from typing import Any

from django import forms


class Form(forms.Form):
    """A form whose labels have no trailing colon (our labels sit above their fields).

    Django's Form.__init__ overrides a class-level `label_suffix`, so it is set here.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)
