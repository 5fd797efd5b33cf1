"""Trigger rules: both pattern formats, start and end, time zones, windows and validation
messages (rules directly, and through the api)."""

from __future__ import annotations

import gc
import itertools
from dataclasses import replace
from datetime import datetime, timedelta

import grpc
import pytest
from api.test_plans import expect
from google.protobuf import field_mask_pb2

from scheduler.conftest import Mesh, stamp
from smaug.api.core import ApiContext
from smaug.api.schedules import CALENDAR, CRONTAB, Rule, RuleError
from smaug.mesh.errors import field_violations
from smaug.v1 import triggers_pb2

D = datetime


def first(rule: Rule, after: datetime, n: int = 4) -> list[datetime]:
    return list(itertools.islice(rule.occurrences(after), n))


def test_crontab_start_end_and_time_zone() -> None:
    rule = Rule(CRONTAB, "0 2 * * *", D(2024, 1, 10, 12), D(2024, 1, 13, 2))
    assert first(rule, D(2024, 1, 1)) == [D(2024, 1, 11, 2), D(2024, 1, 12, 2), D(2024, 1, 13, 2)]
    assert rule.next_after(D(2024, 1, 13, 2)) is None  # nothing after end_time
    # 02:00 in Paris is 01:00 UTC in winter, 00:00 UTC in summer; on the night clocks jump
    # forward (31 March 2024) 02:00 does not exist and fires at 03:00 CEST = 01:00 UTC.
    paris = Rule(CRONTAB, "CRON_TZ=Europe/Paris 0 2 * * *", D(2024, 3, 29), None)
    assert paris.time_zone == "Europe/Paris"
    assert first(paris, D(2024, 3, 29)) == [
        D(2024, 3, 29, 1),
        D(2024, 3, 30, 1),
        D(2024, 3, 31, 1),
        D(2024, 4, 1, 0),
    ]
    # A repeated wall time (clocks going back) fires once.
    back = Rule(CRONTAB, "TZ=Europe/Paris 30 2 * * *", D(2024, 10, 26), None)
    assert first(back, D(2024, 10, 26), 3) == [
        D(2024, 10, 26, 0, 30),
        D(2024, 10, 27, 0, 30),
        D(2024, 10, 28, 1, 30),
    ]


def test_calendar_start_end_dtstart_and_time_zone() -> None:
    daily = "BEGIN:VEVENT\\nRRULE:FREQ=DAILY;INTERVAL=1;\\nEND:VEVENT"  # Karbor's escaped form
    rule = Rule(CALENDAR, daily, D(2024, 5, 1, 6, 30), D(2024, 5, 3, 6, 30))
    assert rule.time_zone == "UTC"
    assert first(rule, D(2024, 1, 1)) == [
        D(2024, 5, 1, 6, 30),
        D(2024, 5, 2, 6, 30),
        D(2024, 5, 3, 6, 30),
    ]
    # DTSTART with TZID anchors the rule in New York wall time; start_time bounds it.
    weekly = (
        "BEGIN:VCALENDAR\nBEGIN:VEVENT\nDTSTART;TZID=America/New_York:20240101T090000\n"
        "RRULE:FREQ=WEEKLY;BYDAY=MO\nEND:VEVENT\nEND:VCALENDAR"
    )
    ny = Rule(CALENDAR, weekly, D(2024, 3, 1), None)
    assert ny.time_zone == "America/New_York"
    assert first(ny, D(2024, 3, 1), 3) == [
        D(2024, 3, 4, 14),
        D(2024, 3, 11, 13),
        D(2024, 3, 18, 13),
    ]
    # Every other hour, with COUNT.
    counted = Rule(
        CALENDAR,
        "BEGIN:VEVENT\nRRULE:FREQ=HOURLY;INTERVAL=2;COUNT=3\nEND:VEVENT",
        D(2024, 1, 1),
        None,
    )
    assert first(counted, D(2023, 1, 1), 5) == [D(2024, 1, 1), D(2024, 1, 1, 2), D(2024, 1, 1, 4)]
    # Far from start_time, a daily rule still fires (no horizon counted from start).
    old = Rule(CALENDAR, daily, D(2015, 1, 1), None)
    assert old.next_after(D(2026, 6, 1, 12)) == D(2026, 6, 2)


@pytest.mark.parametrize(
    ("fmt", "pattern", "words"),
    [
        (CRONTAB, "not cron", "five fields"),
        (CRONTAB, "CRON_TZ=Mars/Olympus 0 2 * * *", "unknown time zone"),
        (CALENDAR, "garbage", "does not parse"),
        (CALENDAR, "BEGIN:VEVENT\nSUMMARY:x\nEND:VEVENT", "no RRULE"),
        (CALENDAR, "BEGIN:VEVENT\nRRULE:FREQ=DAILY;BYHOUR=xx\nEND:VEVENT", "RRULE does not parse"),
        (
            CALENDAR,
            "BEGIN:VEVENT\nDTSTART;TZID=Nowhere/Land:20240101T000000\nRRULE:FREQ=DAILY\nEND:VEVENT",
            "unknown time zone",
        ),
        (3, "0 2 * * *", "format must be"),
        (CRONTAB, "  ", "empty"),
    ],
)
def test_unparsable_patterns_say_why(fmt: int, pattern: str, words: str) -> None:
    with pytest.raises(RuleError, match=words):
        Rule(fmt, pattern, D(2024, 1, 1), None)


def test_minimum_interval() -> None:
    Rule(CRONTAB, "0 * * * *", D(2024, 1, 1), None).check_interval(3600)
    with pytest.raises(RuleError, match="300 s apart; the minimum interval is 3600 s"):
        Rule(CRONTAB, "*/5 * * * *", D(2024, 1, 1), None).check_interval(3600)
    with pytest.raises(RuleError, match="minimum interval"):
        Rule(
            CALENDAR,
            "BEGIN:VEVENT\nRRULE:FREQ=MINUTELY;INTERVAL=30\nEND:VEVENT",
            D(2024, 1, 1),
            None,
        ).check_interval(3600)


def trigger(pattern: str, fmt: int, **props: object) -> triggers_pb2.Trigger:
    return triggers_pb2.Trigger(
        name="t",
        type=triggers_pb2.TRIGGER_TYPE_TIME,
        properties=triggers_pb2.TriggerProperties(format=fmt, pattern=pattern, **props),  # type: ignore[arg-type]
    )


async def test_api_validation_messages_and_update_recomputes(mesh: Mesh) -> None:
    client = mesh.admin
    create = client.triggers.CreateTrigger
    cases = [
        (trigger("bad", CRONTAB), "trigger.properties.pattern", "five fields"),
        (trigger("CRON_TZ=X/Y 0 2 * * *", CRONTAB), "trigger.properties.pattern", "time zone"),
        (
            trigger("0 2 * * *", CRONTAB, window_seconds=61),
            "trigger.properties.window_seconds",
            "between 1 and 60",
        ),
        (
            trigger(
                "0 2 * * *", CRONTAB, start_time=stamp(D(2030, 1, 2)), end_time=stamp(D(2030, 1, 1))
            ),
            "trigger.properties.end_time",
            "after start_time",
        ),
    ]
    for bad, field, words in cases:
        error = await expect(
            grpc.StatusCode.INVALID_ARGUMENT,
            client.call(create, triggers_pb2.CreateTriggerRequest(trigger=bad)),
        )
        violations = field_violations(error)
        assert field in violations and words in violations[field], violations
    made = (
        await client.call(
            create,
            triggers_pb2.CreateTriggerRequest(
                trigger=trigger("CRON_TZ=Asia/Tokyo 0 9 * * *", CRONTAB, window_seconds=30)
            ),
        )
    ).trigger
    assert made.next_fire_time.ToDatetime().hour == 0  # 09:00 in Tokyo is 00:00 UTC
    updated = (
        await client.call(
            client.triggers.UpdateTrigger,
            triggers_pb2.UpdateTriggerRequest(
                trigger=triggers_pb2.Trigger(
                    id=made.id,
                    properties=triggers_pb2.TriggerProperties(
                        format=triggers_pb2.TRIGGER_FORMAT_CALENDAR,
                        pattern="BEGIN:VEVENT\nDTSTART;TZID=Europe/London:20240601T120000\n"
                        "RRULE:FREQ=DAILY\nEND:VEVENT",
                    ),
                ),
                update_mask=field_mask_pb2.FieldMask(
                    paths=["properties.format", "properties.pattern"]
                ),
            ),
        )
    ).trigger
    nxt = updated.next_fire_time.ToDatetime()
    assert (
        nxt.hour in (11, 12)
        and nxt.minute == 0
        and nxt > made.create_time.ToDatetime() - timedelta(days=1)
    )
    assert updated.properties.window_seconds == 30


async def test_api_minimum_interval(mesh: Mesh) -> None:
    # The api reads its settings at start (1 s here); raise the minimum on the live context.
    contexts = [o for o in gc.get_objects() if isinstance(o, ApiContext) and o.store is mesh.store]
    assert contexts
    for context in contexts:
        context.settings = replace(context.settings, trigger_min_interval=3600)
    error = await expect(
        grpc.StatusCode.INVALID_ARGUMENT,
        mesh.admin.call(
            mesh.admin.triggers.CreateTrigger,
            triggers_pb2.CreateTriggerRequest(trigger=trigger("*/5 * * * *", CRONTAB)),
        ),
    )
    message = field_violations(error)["trigger.properties.pattern"]
    assert "300 s apart" in message and "minimum interval is 3600 s" in message
