"""Every dashboard page, signed in, shows what the records hold (escaped)."""

from __future__ import annotations

import re

import aiohttp

from tests.dashboard.conftest import SHARED, RunningDashboard

pytestmark = SHARED


async def page(session: aiohttp.ClientSession, url: str) -> str:
    async with session.get(url) as answer:
        assert answer.status == 200, await answer.text()
        assert answer.headers["Cache-Control"] == "no-store"
        assert "frame-ancestors 'none'" in answer.headers["Content-Security-Policy"]
        return await answer.text()


async def test_the_overview_charts_messages_answers_errors_tokens_and_cost(
    dashboard: RunningDashboard, signed_in: aiohttp.ClientSession
) -> None:
    html = await page(signed_in, dashboard.url)
    assert html.count("<svg") == 5
    for title in ("Messages", "Answers", "Errors", "Tokens", "Cost"):
        assert title in html
    # gpt-4o-mini has a price in the shipped table; the local model costs nothing.
    row = re.search(r"<td>erp-finance</td>(.*?)</tr>", html, re.S)
    assert row is not None
    cells = re.findall(r"<td>([^<]*)</td>", row.group(1))
    assert cells[:4] == ["1", "1", "0", "1,280"]
    assert float(cells[4]) > 0
    chat = re.search(r"<td>chat</td>(.*?)</tr>", html, re.S)
    assert chat is not None and "0.0000" in chat.group(1)


async def test_agents_show_cards_thresholds_and_the_overlap_heat_map(
    dashboard: RunningDashboard, signed_in: aiohttp.ClientSession
) -> None:
    html = await page(signed_in, dashboard.url + "agents")
    for card in dashboard.app.registry.routable_cards:
        assert f'id="agent-{card.name}"' in html
    assert "Threshold" in html and "Does not" in html
    assert "Scope overlap" in html and html.count("<svg") == 1


async def test_conversations_list_per_platform_and_show_each_routing_decision(
    dashboard: RunningDashboard, signed_in: aiohttp.ClientSession
) -> None:
    listing = await page(signed_in, dashboard.url + "conversations?platform=slack")
    assert "C-SALES" in listing and "9001" not in listing
    conversation = dashboard.seeded.slack_conversation
    html = await page(signed_in, f"{dashboard.url}conversations/{conversation}")
    assert "When are invoices due?" in html and "In 30 days (Net 30)." in html
    assert "<strong>erp-finance</strong>" in html and "<code>semantic</code>" in html
    assert "score 0.810" in html and "runner-up chat (0.420)" in html
    assert f"#{dashboard.seeded.rule_item} Invoices are due in 30 days" in html


async def test_what_users_wrote_is_shown_as_text_never_as_markup(
    dashboard: RunningDashboard, signed_in: aiohttp.ClientSession
) -> None:
    listing = await page(signed_in, dashboard.url + "conversations?platform=discord")
    found = re.search(r'conversations/(\d+)">', listing)
    assert found is not None
    html = await page(signed_in, f"{dashboard.url}conversations/{found.group(1)}")
    assert "&lt;script&gt;alert(1)&lt;/script&gt; hi" in html
    assert "<script>alert" not in html


async def test_pipelines_list_runs_and_draw_the_step_timeline(
    dashboard: RunningDashboard, signed_in: aiohttp.ClientSession
) -> None:
    listing = await page(signed_in, dashboard.url + "pipelines")
    assert "Write the launch note" in listing
    html = await page(signed_in, f"{dashboard.url}pipelines/{dashboard.seeded.run}")
    waves = set(re.findall(r'data-wave="(\d+)"', html))
    assert waves == {"0", "1", "2"}
    assert len(re.findall(r'<rect[^>]*data-step="', html)) == 4
    assert "4 of 4 steps done, 1 retries" in html


async def test_schedules_show_next_fire_times_and_a_proposal_confirmed_once(
    dashboard: RunningDashboard, signed_in: aiohttp.ClientSession
) -> None:
    from tests.dashboard.conftest import form_token

    html = await page(signed_in, dashboard.url + "schedules")
    assert f'id="schedule-{dashboard.seeded.schedule}"' in html
    assert "Waiting for confirmation" in html
    proposal = dashboard.seeded.proposed_schedule
    form = {"csrf": form_token(html), "decision": "confirm"}
    url = f"{dashboard.url}schedules/{proposal}"
    async with signed_in.post(url, data=form) as answer:
        assert answer.status == 200
        assert f"Confirmed #{proposal}" in await answer.text()
    async with signed_in.post(url, data=form) as answer:
        assert f"#{proposal} is no longer waiting" in await answer.text()
    row = await dashboard.app.store.schedule(proposal)
    assert row is not None and row.live


async def test_knowledge_shows_items_and_a_proposal_can_be_confirmed(
    dashboard: RunningDashboard, signed_in: aiohttp.ClientSession
) -> None:
    from tests.dashboard.conftest import form_token

    html = await page(signed_in, dashboard.url + "knowledge?project=acme")
    assert "Invoices are due in 30 days" in html
    assert "Ship the &lt;b&gt;EU&lt;/b&gt; site first" in html
    item = dashboard.seeded.proposed_item
    form = {"csrf": form_token(html), "decision": "confirm"}
    async with signed_in.post(f"{dashboard.url}knowledge/{item}", data=form) as answer:
        assert answer.status == 200
        assert f"Confirmed #{item}" in await answer.text()
    stored = await dashboard.app.store.knowledge(item)
    assert stored is not None and stored.status == "active"


async def test_unknown_records_and_bad_numbers_are_one_clear_line(
    dashboard: RunningDashboard, signed_in: aiohttp.ClientSession
) -> None:
    for path, status, words in (
        ("pipelines/999", 404, "no pipeline run #999"),
        ("conversations/abc", 404, "not a conversation number"),
        ("conversations?page=0", 400, "page must be a positive number"),
        ("knowledge?project=nope", 404, "no project named 'nope'"),
    ):
        async with signed_in.get(dashboard.url + path) as answer:
            assert answer.status == status, path
            assert words in await answer.text()
