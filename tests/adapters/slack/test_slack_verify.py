"""The signature check in front of bolt: 401 before parsing, 400 for a signed body bolt
cannot read, refusals logged once a minute; over real HTTP to the served adapter."""

from __future__ import annotations

import json
import logging
import time

import pytest

from novabot.adapters.slack.verify import RejectionLog, signature, signature_problem
from tests.adapters.slack.conftest import SECRET, RunningSlack
from tests.adapters.slack.test_slack_events import MENTION, a_later_mention_is_answered
from tests.fakes.openai_server import FakeOpenAI
from tests.fakes.slack_server import event_body, signed_headers

VERIFY_LOGGER = "novabot.adapters.slack.verify"
MALFORMED = '{"type": "event_callback", "event": {'
JSON_TYPE = {"Content-Type": "application/json"}


def refusals(caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    return [r for r in caplog.records if r.name == VERIFY_LOGGER]


async def test_unsigned_forged_and_stale_requests_get_401_without_a_traceback(
    slack: RunningSlack, fake_openai: FakeOpenAI, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    raw = json.dumps(event_body(MENTION))
    now = int(time.time())
    attempts = {
        "unsigned, malformed": (MALFORMED, JSON_TYPE),
        "unsigned, well-formed": (raw, JSON_TYPE),
        "forged": (raw, signed_headers(raw, "not-the-secret")),
        "stale": (raw, signed_headers(raw, SECRET, timestamp=now - 301)),
        # A minute past the window, not one second: the requests before this one take
        # time, and each second of it brings "now + 301" back inside the five minutes.
        "from the future": (raw, signed_headers(raw, SECRET, timestamp=now + 360)),
        "timestamp not a number": (
            raw,
            signed_headers(raw, SECRET) | {"X-Slack-Request-Timestamp": "12a"},
        ),
        "signature of another body": (raw, signed_headers(raw + " ", SECRET)),
    }
    for name, (body, headers) in attempts.items():
        status, text, _ = await slack.post(body, headers)
        assert status == 401, f"{name}: {status} {text}"
    await a_later_mention_is_answered(slack, "100.000002", "Ev2")
    assert [r.body["messages"][-1]["content"] for r in fake_openai.requests] == ["hello"]
    assert not [r for r in caplog.records if r.exc_info or r.levelno >= logging.ERROR]
    [logged] = refusals(caplog)  # seven refusals within a minute: one line, the first
    assert "refused 1 Slack request(s)" in logged.getMessage()


@pytest.mark.parametrize(
    ("body", "content_type"),
    [
        (MALFORMED, "application/json"),
        ("[1, 2]", "application/json"),
        ('"just a string"', "application/json"),
        ("payload=%7Bnot-json", "application/x-www-form-urlencoded"),
    ],
)
async def test_a_signed_body_bolt_cannot_read_gets_400_not_a_traceback(
    slack: RunningSlack, caplog: pytest.LogCaptureFixture, body: str, content_type: str
) -> None:
    caplog.set_level(logging.INFO)
    headers = signed_headers(body, SECRET) | {"Content-Type": content_type}
    status, _, _ = await slack.post(body, headers)
    assert status == 400
    assert not [r for r in caplog.records if r.exc_info or r.levelno >= logging.ERROR]
    assert len(refusals(caplog)) == 1


async def test_a_signed_body_that_is_not_utf8_gets_400(
    slack: RunningSlack, caplog: pytest.LogCaptureFixture
) -> None:
    raw = b'{"type": "event_callback", "x": "\xff\xfe"}'
    timestamp = str(int(time.time()))
    headers = JSON_TYPE | {
        "X-Slack-Request-Timestamp": timestamp,
        "X-Slack-Signature": signature(SECRET.encode(), timestamp, raw),
    }
    status, text, _ = await slack.post(raw, headers)
    assert (status, text) == (400, "body is not UTF-8")
    assert not [r for r in caplog.records if r.exc_info]


def test_signature_problem_names_each_fault() -> None:
    body, secret, now = b'{"a": 1}', b"s3cret", 1_800_000_000.0
    good = {
        "X-Slack-Request-Timestamp": "1800000000",
        "X-Slack-Signature": signature(secret, "1800000000", body),
    }
    assert signature_problem(good, body, secret, now) is None
    assert signature_problem(good, body, secret, now + 300) is None
    assert signature_problem(good, body, secret, now + 301) == "stale timestamp"
    assert signature_problem({}, body, secret, now) == "unsigned"
    assert signature_problem(good, body + b" ", secret, now) == "bad signature"
    assert signature_problem(good, body, b"other", now) == "bad signature"
    arabic = good | {"X-Slack-Request-Timestamp": "١٨٠٠٠٠٠٠٠٠"}  # int() would read it
    assert signature_problem(arabic, body, secret, now) == "malformed timestamp"
    odd = good | {"X-Slack-Signature": "v0=\udcff"}  # a header byte that is not UTF-8
    assert signature_problem(odd, body, secret, now) == "bad signature"


def test_rejections_are_logged_once_a_minute_with_a_count(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.INFO)
    now = [1000.0]
    rejections = RejectionLog(every_s=60, clock=lambda: now[0])
    for _ in range(50):
        rejections.record(401, "unsigned", "10.0.0.9")
        now[0] += 1  # 50 requests over 50 seconds
    now[0] += 10
    rejections.record(401, "bad signature", "10.0.0.7")
    rejections.record(400, "body is not UTF-8", None)
    rejections.flush()  # as at shutdown
    lines = [r.getMessage() for r in refusals(caplog)]
    assert lines == [
        "refused 1 Slack request(s) in the last minute (latest: HTTP 401, unsigned, from 10.0.0.9)",
        "refused 50 Slack request(s) in the last minute (latest: HTTP 401, bad signature, "
        "from 10.0.0.7)",
        "refused 1 Slack request(s) in the last minute (latest: HTTP 400, body is not UTF-8, "
        "from an unknown address)",
    ]
    rejections.flush()
    assert len(refusals(caplog)) == 3  # nothing new, nothing logged
