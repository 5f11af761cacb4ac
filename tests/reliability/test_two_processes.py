"""Two Nova processes on one database or one port: one line, never a traceback, and
never the same pipeline run twice."""

from __future__ import annotations

from pathlib import Path

from tests.cli.test_main import nova
from tests.fakes.openai_server import FakeOpenAI, Slow, Text
from tests.fakes.slack_server import FakeSlack
from tests.helpers import eventually
from tests.pipeline.steps import StepServer
from tests.reliability.process import NovaProcess, stopped_at_exit
from tests.reliability.test_pipeline_handover import seed_run, slack_env


async def test_a_second_nova_run_on_a_port_in_use_stops_with_one_line(
    tmp_path: Path, fake_openai: FakeOpenAI, fake_slack: FakeSlack
) -> None:
    env = slack_env(tmp_path, fake_openai, fake_slack)
    first = NovaProcess(tmp_path, env, "first")
    async with stopped_at_exit(first):
        await first.start()
        second = await nova(tmp_path, "run", env=env)
        assert await first.stop() == 0
    assert second.code == 2
    assert second.err.count("\n") == 1 and "Traceback" not in second.err, second.err
    assert second.err.startswith("nova: cannot start Slack (Events API at http://127.0.0.1:")
    assert "address already in use" in second.err


async def test_the_terminal_does_not_run_a_pipeline_a_nova_run_holds(
    tmp_path: Path, fake_openai: FakeOpenAI, fake_slack: FakeSlack
) -> None:
    steps = StepServer()
    # s1 stays in flight until the service stops, however long the terminal takes to start.
    steps.overrides["s1"] = lambda n: Slow(60, Text("output of s1"))
    fake_openai.default = steps.reply
    chain = [(f"s{n}", "chat", [f"s{n - 1}"] if n else []) for n in range(4)]
    run_id = await seed_run(fake_slack, tmp_path / "nova.db", *chain)
    env = slack_env(tmp_path, fake_openai, fake_slack, NOVA_SHUTDOWN_GRACE_S="0.5")
    service = NovaProcess(tmp_path, env, "service")
    async with stopped_at_exit(service):
        await service.start()
        await eventually(lambda: steps.calls.get("s1"), within=20)
        resumed = await nova(tmp_path, "pipeline", "resume", env=env)
        assert await service.stop() == 0
    assert resumed.code == 1
    assert f"nova: pipeline #{run_id} is being run by another Nova process" in resumed.err
    assert all(count == 1 for count in steps.calls.values()), steps.calls
