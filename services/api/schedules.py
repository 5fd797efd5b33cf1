"""Trigger rules: crontab (croniter) and iCalendar RRULE (icalendar) patterns, each with a time
zone; checking the minimum interval and computing occurrences.

Times going in and out are naive UTC. A rule is evaluated in its time zone's wall-clock time and
every occurrence is converted to UTC (a wall time skipped by a DST change maps to the instant
after the gap; a repeated one fires once, at its first instance).

Time zones (UTC by default), until TriggerProperties carries a field for it:
- crontab: a ``CRON_TZ=<IANA zone>`` (or ``TZ=``) prefix, as cronie and Kubernetes accept:
  ``CRON_TZ=Europe/Paris 0 2 * * *``;
- calendar: the TZID of the VEVENT's DTSTART,
  ``BEGIN:VEVENT\\nDTSTART;TZID=Europe/Paris:20240101T020000\\nRRULE:FREQ=DAILY\\nEND:VEVENT``.
  A DTSTART in the pattern anchors the rule (its time of day, INTERVAL phase); without one the
  rule is anchored at start_time. start_time and end_time always bound the occurrences.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta, tzinfo
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from croniter import croniter  # type: ignore[import-untyped]
from dateutil import rrule

CALENDAR, CRONTAB = 1, 2  # smaug.v1.TriggerFormat
MAX_PATTERN = 4096
_SAMPLES = 12
# How far past a reference time a rule is searched for its next occurrence, by RRULE frequency.
_HORIZON_DAYS = {
    rrule.YEARLY: 366 * 30,
    rrule.MONTHLY: 366 * 10,
    rrule.WEEKLY: 366 * 5,
    rrule.DAILY: 366 * 5,
    rrule.HOURLY: 60,
    rrule.MINUTELY: 4,
    rrule.SECONDLY: 1,
}
_CRON_TZ = re.compile(r"^\s*(?:CRON_TZ|TZ)=(\S+)\s+(.*)$", re.DOTALL)
# A DST change moves wall time by at most a few hours; local iteration starts this far back.
_TZ_SLACK = timedelta(hours=26)


class RuleError(ValueError):
    """The pattern does not parse or breaks a rule; the message says how."""


def zone(name: str) -> tzinfo:
    """The IANA time zone ``name`` ("" and "UTC" are UTC); RuleError when unknown."""
    if not name or name.upper() in ("UTC", "Z", "ETC/UTC"):
        return UTC
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise RuleError(
            f"unknown time zone {name[:64]!r}: use an IANA name such as Europe/Paris"
        ) from None


def _unescape(pattern: str) -> str:
    if "\\" in pattern:
        return pattern.replace("\\r", "\r").replace("\\n", "\n")
    return pattern


def _to_utc(local: datetime, tz: tzinfo) -> datetime:
    """Wall time in ``tz`` (naive) to naive UTC."""
    if tz is UTC:
        return local
    return local.replace(tzinfo=tz).astimezone(UTC).replace(tzinfo=None)


def _to_local(utc: datetime, tz: tzinfo) -> datetime:
    if tz is UTC:
        return utc
    return utc.replace(tzinfo=UTC).astimezone(tz).replace(tzinfo=None)


def _calendar(pattern: str) -> tuple[str, datetime | None, tzinfo]:
    """(RRULE text, DTSTART as local wall time or None, time zone) of the first VEVENT."""
    from icalendar import Component
    from icalendar.prop import vRecur

    usage = (
        "calendar patterns are iCalendar text whose first VEVENT has an RRULE, e.g. "
        "BEGIN:VEVENT\\nRRULE:FREQ=DAILY;INTERVAL=1;\\nEND:VEVENT"
    )
    text = _unescape(pattern).strip()
    lines = [line.strip() for line in re.split(r"[\r\n]+", text) if line.strip()]
    try:
        component = Component.from_ical("\r\n".join(lines) + "\r\n")
    except (ValueError, KeyError, IndexError, TypeError) as error:
        raise RuleError(
            f"the iCalendar text does not parse ({str(error)[:160]}); {usage}"
        ) from None
    events = component.walk("VEVENT")
    if not events:
        raise RuleError(usage)
    event = events[0]
    recur = event.get("RRULE")
    if recur is None:
        raise RuleError(f"the VEVENT has no RRULE; {usage}")
    if isinstance(recur, list):
        raise RuleError("exactly one RRULE is allowed")
    if not isinstance(recur, vRecur):
        raise RuleError(
            f"the RRULE does not parse: {recur.to_ical().decode(errors='replace')[:200]}"
        )
    line = recur.to_ical().decode()  # type: ignore[no-untyped-call]
    tz: tzinfo = UTC
    anchor = None
    dtstart = event.get("DTSTART")
    if dtstart is not None:
        tzid = dtstart.params.get("TZID", "") if hasattr(dtstart, "params") else ""
        value = getattr(dtstart, "dt", None)
        if tzid:
            tz = zone(str(tzid))
        if isinstance(value, datetime):
            if value.tzinfo is not None and not tzid:
                value = value.astimezone(UTC)
            anchor = value.replace(tzinfo=None)
        elif isinstance(value, date):
            anchor = datetime(value.year, value.month, value.day)
        else:
            raise RuleError("DTSTART does not parse; write DTSTART;TZID=Zone:YYYYMMDDTHHMMSS")
    return line, anchor, tz


class Rule:
    """A parsed pattern with its bounds (naive UTC ``start`` and ``end``)."""

    def __init__(self, fmt: int, pattern: str, start: datetime, end: datetime | None) -> None:
        if not pattern.strip():
            raise RuleError("the pattern is empty")
        if len(pattern) > MAX_PATTERN:
            raise RuleError(f"the pattern is longer than {MAX_PATTERN} characters")
        self.start = start.replace(microsecond=0)
        self.end = end
        self.fmt = fmt
        self.tz: tzinfo = UTC
        if fmt == CRONTAB:
            text = pattern.strip()
            prefixed = _CRON_TZ.match(text)
            if prefixed:
                self.tz = zone(prefixed.group(1))
                text = prefixed.group(2).strip()
            if len(text.split()) != 5 or not croniter.is_valid(text):
                raise RuleError(
                    "crontab patterns have five fields (minute hour day month weekday), "
                    "optionally after a CRON_TZ=<zone> prefix, e.g. `0 2 * * *` or "
                    "`CRON_TZ=Europe/Paris 0 2 * * *`"
                )
            self.cron = text
        elif fmt == CALENDAR:
            line, anchor, self.tz = _calendar(pattern)
            dtstart = anchor if anchor is not None else _to_local(self.start, self.tz)
            try:
                parsed = rrule.rrulestr(line, dtstart=dtstart, ignoretz=True)
            except (ValueError, TypeError, OverflowError, KeyError, IndexError) as error:
                raise RuleError(f"the RRULE does not parse: {str(error)[:200]}") from None
            if not isinstance(parsed, rrule.rrule):
                raise RuleError("exactly one RRULE is allowed")
            details: Any = parsed  # dateutil keeps the rule parts in private attributes
            if details._freq not in _HORIZON_DAYS:
                raise RuleError("the RRULE FREQ is not supported")
            self._horizon = timedelta(days=_HORIZON_DAYS[details._freq])
            self._bounded = details._count is not None
            self.rrule = parsed
        else:
            raise RuleError("format must be TRIGGER_FORMAT_CALENDAR or TRIGGER_FORMAT_CRONTAB")

    @property
    def time_zone(self) -> str:
        return "UTC" if self.tz is UTC else str(self.tz)

    def _local(self, reference: datetime) -> Iterator[datetime]:
        """Wall-clock occurrences strictly after the local ``reference``."""
        if self.fmt == CRONTAB:
            try:
                iterator = croniter(self.cron, reference, max_years_between_matches=10)
                while True:
                    yield iterator.get_next(datetime)
            except Exception as error:  # croniter raises several kinds on impossible dates
                if isinstance(error, GeneratorExit):
                    raise
                return
        else:
            rule = self.rrule
            if not self._bounded:
                details: Any = rule
                until = max(reference, details._dtstart) + self._horizon
                if details._until is None or details._until > until:
                    rule = rule.replace(until=until)
            iterator = rule.xafter(reference, inc=False)
            while True:
                try:
                    yield next(iterator)
                except (StopIteration, ValueError, OverflowError):
                    return

    def occurrences(self, after: datetime) -> Iterator[datetime]:
        """Occurrences (naive UTC) strictly after ``after``, at or after start, up to end."""
        reference = max(after, self.start - timedelta(seconds=1))
        local_reference = _to_local(reference, self.tz)
        if self.tz is not UTC:
            local_reference -= _TZ_SLACK
        previous = reference
        for local in self._local(local_reference):
            value = _to_utc(local, self.tz)
            if value <= previous:
                continue  # before the reference, or a repeated wall time after a DST change
            if self.end is not None and value > self.end:
                return
            previous = value
            yield value

    def next_after(self, after: datetime) -> datetime | None:
        return next(self.occurrences(after), None)

    def check_interval(self, min_seconds: int) -> None:
        previous = None
        for count, value in enumerate(self.occurrences(self.start - timedelta(seconds=1))):
            if previous is not None and (value - previous).total_seconds() < min_seconds:
                raise RuleError(
                    f"occurrences {previous.isoformat()} and {value.isoformat()} (UTC) are "
                    f"{int((value - previous).total_seconds())} s apart; the minimum interval "
                    f"is {min_seconds} s"
                )
            previous = value
            if count >= _SAMPLES:
                return
