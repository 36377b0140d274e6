"""Calendar months, as recurring courses count them."""

from __future__ import annotations

import calendar
import datetime as dt


def add_months(moment: dt.datetime, months: int) -> dt.datetime:
    """`moment` plus `months` calendar months, on the same day of the month or the month's
    last day when it is shorter (31 Jan + 1 month = 28 or 29 Feb)."""
    month_index = moment.month - 1 + months
    year, month = moment.year + month_index // 12, month_index % 12 + 1
    day = min(moment.day, calendar.monthrange(year, month)[1])
    return moment.replace(year=year, month=month, day=day)
