"""The dashboard in a real headless Chromium: sign in, open every page, check what it
shows, and keep a screenshot of each (test-artifacts/screenshots/dashboard-*.png)."""

from __future__ import annotations

from playwright.async_api import Page

from tests.browser import browser_fixtures, save_screenshot
from tests.dashboard.conftest import PASSWORD, SHARED, RunningDashboard

pytestmark = SHARED
browser, page, page_errors = browser_fixtures(loop_scope="package")


async def sign_in(page: Page, dashboard: RunningDashboard) -> None:
    await page.goto(dashboard.url)
    assert page.url.endswith("/dashboard/login?next=/dashboard/")
    await save_screenshot(page, "dashboard-login")
    await page.get_by_label("Password").fill(PASSWORD)
    await page.get_by_role("button", name="Sign in").click()
    await page.wait_for_url(dashboard.url)


async def test_every_page_after_signing_in(
    page: Page, page_errors: list[str], dashboard: RunningDashboard
) -> None:
    await sign_in(page, dashboard)
    seeded = dashboard.seeded
    expected = {
        "overview": ("", "Per agent"),
        "agents": ("agents", "Scope overlap"),
        "conversations": ("conversations", "C-SALES"),
        "conversation": (f"conversations/{seeded.slack_conversation}", "runner-up chat"),
        "pipelines": ("pipelines", "Write the launch note"),
        "schedules": ("schedules", "Next"),
        "knowledge": ("knowledge", "Invoices are due in 30 days"),
    }
    for name, (path, words) in expected.items():
        await page.goto(dashboard.url + path)
        assert words in await page.inner_text("main"), name
        await save_screenshot(page, f"dashboard-{name}")
    charts = page.locator("figure.chart svg")
    await page.goto(dashboard.url)
    assert await charts.count() == 5
    assert page_errors == []  # no script error, nothing the page's CSP refused


async def test_the_pipeline_timeline_shows_a_three_wave_run(
    page: Page, page_errors: list[str], dashboard: RunningDashboard
) -> None:
    await sign_in(page, dashboard)
    await page.goto(f"{dashboard.url}pipelines/{dashboard.seeded.run}")
    bars = page.locator("figure.timeline rect[data-step]")
    assert await bars.count() == 4
    boxes = {}
    for index in range(4):
        bar = bars.nth(index)
        box = await bar.bounding_box()
        assert box is not None and box["width"] > 5  # drawn, with a length
        step = await bar.get_attribute("data-step")
        boxes[step] = (int(await bar.get_attribute("data-wave") or -1), box)
    assert {step: wave for step, (wave, _) in boxes.items()} == {
        "gather": 0, "draft": 1, "check": 1, "polish": 2,
    }  # fmt: skip
    left = {step: box["x"] for step, (_, box) in boxes.items()}
    assert left["gather"] < left["draft"] == left["check"] < left["polish"]
    assert await bars.first.get_attribute("data-status") == "done"
    await save_screenshot(page, "dashboard-pipeline-timeline")
    assert page_errors == []
