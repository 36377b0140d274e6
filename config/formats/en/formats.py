"""One way to write a date everywhere, in pages, emails and certificates: "30 Nov 2026".
Django's English default ("Nov. 30, 2026") sat beside hand-written "j M Y" before; templates
now use `|date` (or `|date:"DATETIME_FORMAT"` with a time) and never a pattern of their own."""

DATE_FORMAT = "j M Y"
SHORT_DATE_FORMAT = "j M Y"
DATETIME_FORMAT = "j M Y, H:i"
SHORT_DATETIME_FORMAT = "j M Y, H:i"
TIME_FORMAT = "H:i"
