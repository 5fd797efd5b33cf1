"""Trigger rules: parsing crontab (croniter) and iCalendar RRULE (dateutil) patterns, checking
the minimum interval and computing occurrences. Times are naive UTC."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any

from croniter import croniter  # type: ignore[import-untyped]
from dateutil import rrule

CALENDAR, CRONTAB = 1, 2  # smaug.v1.TriggerFormat
MAX_PATTERN = 4096
_SAMPLES = 12
# How far ahead a rule is searched for its occurrences, by RRULE frequency.
_HORIZON_DAYS = {
    rrule.YEARLY: 366 * 30,
    rrule.MONTHLY: 366 * 10,
    rrule.WEEKLY: 366 * 5,
    rrule.DAILY: 366 * 5,
    rrule.HOURLY: 60,
    rrule.MINUTELY: 4,
}


class RuleError(ValueError):
    """The pattern does not parse or breaks a rule; the message says how."""


def _rrule_line(pattern: str) -> str:
    text = pattern
    if "\\" in text:
        text = text.replace("\\r", "\r").replace("\\n", "\n")
    lines = [line.strip() for line in re.split(r"[\r\n]+", text) if line.strip()]
    in_event = False
    for line in lines:
        upper = line.upper()
        if upper == "BEGIN:VEVENT":
            in_event = True
        elif upper == "END:VEVENT" and in_event:
            break
        elif in_event and upper.startswith("RRULE:"):
            return line[len("RRULE:") :].strip().rstrip(";")
    raise RuleError(
        "calendar patterns are iCalendar text whose first VEVENT has an RRULE, e.g. "
        "BEGIN:VEVENT\\nRRULE:FREQ=DAILY;INTERVAL=1;\\nEND:VEVENT"
    )


class Rule:
    """A parsed pattern with its bounds."""

    def __init__(self, fmt: int, pattern: str, start: datetime, end: datetime | None) -> None:
        if not pattern.strip():
            raise RuleError("the pattern is empty")
        if len(pattern) > MAX_PATTERN:
            raise RuleError(f"the pattern is longer than {MAX_PATTERN} characters")
        self.start = start.replace(microsecond=0)
        self.end = end
        self.fmt = fmt
        if fmt == CRONTAB:
            if len(pattern.split()) != 5 or not croniter.is_valid(pattern):
                raise RuleError(
                    "crontab patterns have five fields (minute hour day month weekday), "
                    "e.g. `0 2 * * *`"
                )
            self.cron = pattern
        elif fmt == CALENDAR:
            line = _rrule_line(pattern)
            try:
                parsed = rrule.rrulestr(line, dtstart=self.start, ignoretz=True)
            except (ValueError, TypeError, OverflowError, KeyError, IndexError) as error:
                raise RuleError(f"the RRULE does not parse: {str(error)[:200]}") from None
            if not isinstance(parsed, rrule.rrule):
                raise RuleError("exactly one RRULE is allowed")
            details: Any = parsed  # dateutil keeps the rule parts in private attributes
            freq = details._freq
            if freq not in _HORIZON_DAYS:
                raise RuleError("FREQ=SECONDLY rules fire too often; use HOURLY or slower")
            horizon = self.start + timedelta(days=_HORIZON_DAYS[freq])
            if details._count is None and (details._until is None or details._until > horizon):
                parsed = parsed.replace(until=horizon)
            self.rrule = parsed
        else:
            raise RuleError("format must be TRIGGER_FORMAT_CALENDAR or TRIGGER_FORMAT_CRONTAB")

    def occurrences(self, after: datetime) -> Iterator[datetime]:
        """Occurrences strictly after ``after`` (and at or after start), up to end."""
        reference = max(after, self.start - timedelta(seconds=1))
        if self.fmt == CRONTAB:
            try:
                iterator = croniter(self.cron, reference, max_years_between_matches=10)
                while True:
                    value = iterator.get_next(datetime)
                    if self.end is not None and value > self.end:
                        return
                    yield value
            except Exception as error:  # croniter raises several kinds on impossible dates
                if isinstance(error, GeneratorExit):
                    raise
                return
        else:
            iterator = self.rrule.xafter(reference, inc=False)
            while True:
                try:
                    value = next(iterator)
                except (StopIteration, ValueError, OverflowError):
                    return
                if self.end is not None and value > self.end:
                    return
                yield value

    def next_after(self, after: datetime) -> datetime | None:
        return next(self.occurrences(after), None)

    def check_interval(self, min_seconds: int) -> None:
        previous = None
        for count, value in enumerate(self.occurrences(self.start - timedelta(seconds=1))):
            if previous is not None and (value - previous).total_seconds() < min_seconds:
                raise RuleError(
                    f"occurrences {previous.isoformat()} and {value.isoformat()} are "
                    f"{int((value - previous).total_seconds())} s apart; the minimum is "
                    f"{min_seconds} s"
                )
            previous = value
            if count >= _SAMPLES:
                return
