"""`schedule add` flags and the `digest` short forms, read from a line typed in chat."""

from __future__ import annotations

import pytest

from novabot.core.message import ConversationKey
from novabot.schedules.flags import digest_cron, parse_add
from novabot.schedules.plans import Planner
from novabot.schedules.triggers import ScheduleError

HERE = ConversationKey("slack", "C1", "1700000000.000100")


def planner() -> Planner:
    return Planner(store=None, agents=lambda: ["chat"], timezone="Europe/London")  # type: ignore[arg-type]


def test_quoted_unquoted_and_curly_quoted_words_read_alike() -> None:
    lines = [
        '--cron "0 9 * * MON" --reminder "call the supplier"',
        "--cron 0 9 * * MON --reminder call the supplier",
        "--cron “0 9 * * MON” --reminder ‘call the supplier’",
    ]
    plans = {parse_add(line, planner(), here=HERE, owner="slack:U1") for line in lines}
    [plan] = plans
    assert (plan.trigger.expression, plan.trigger.tz) == ("0 9 * * MON", "Europe/London")
    assert (plan.kind, plan.prompt, plan.target) == ("reminder", "call the supplier", HERE)


def test_every_flag() -> None:
    plan = parse_add(
        "--at 2030-01-02 15:00 --tz UTC --target discord:42 --agent chat --prompt say ok"
        " --max-tokens 300",
        planner(), here=HERE, owner="slack:U1",
    )  # fmt: skip
    assert (plan.trigger.kind, plan.trigger.expression, plan.trigger.tz) == (
        "at", "2030-01-02 15:00", "UTC",
    )  # fmt: skip
    assert plan.target == ConversationKey("discord", "42")
    assert (plan.kind, plan.agent, plan.prompt, plan.max_tokens) == ("agent", "chat", "say ok", 300)
    digest = parse_add(
        "--every 1d --digest --project airep --post-quiet", planner(), here=HERE, owner="o"
    )
    assert (digest.kind, digest.project, digest.post_quiet) == ("digest", "airep", True)


def test_abbreviated_flags_are_not_guessed() -> None:
    with pytest.raises(ScheduleError, match="unrecognized"):
        parse_add("--every 1h --digest --proj airep", planner(), here=HERE, owner="o")


def test_digest_short_forms_as_cron() -> None:
    assert digest_cron(["daily", "07:00"]) == "0 7 * * *"
    assert digest_cron(["daily", "9:05"]) == "5 9 * * *"
    assert digest_cron(["weekly", "FRI", "16:45"]) == "45 16 * * fri"
    assert digest_cron(["weekly", "Sunday", "00:00"]) == "0 0 * * sun"
    for words in (["daily", "7"], ["weekly", "mo", "09:00"], ["monthly", "09:00"], ["daily"]):
        with pytest.raises(ScheduleError):
            digest_cron(words)
