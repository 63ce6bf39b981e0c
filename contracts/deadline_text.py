"""Deadlines as people write them: a day's end in Beijing time, and its Chinese wording. Shared by every
service that names a deadline in a message (the campaign's, a correction's)."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta, tzinfo
from zoneinfo import ZoneInfo

BEIJING = ZoneInfo("Asia/Shanghai")


def end_of_day(day: date, tz: tzinfo = BEIJING) -> datetime:
    """The exclusive end of `day` (its 24:00) in `tz`: the next day's midnight."""
    return datetime.combine(day + timedelta(days=1), time(0), tzinfo=tz)


def deadline_text(end: datetime, tz: tzinfo = BEIJING) -> str:
    """An exclusive end instant as people write it in `tz` (an end at midnight reads as 24:00 of the day
    before, as the notice writes 10月31日24时)."""
    end = end.astimezone(tz)
    if (end.hour, end.minute, end.second) == (0, 0, 0):
        day = end - timedelta(days=1)
        return f"{day.year}年{day.month}月{day.day}日24:00（北京时间）"
    return f"{end.year}年{end.month}月{end.day}日{end:%H:%M}（北京时间）"
