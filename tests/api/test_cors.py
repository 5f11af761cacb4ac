"""Browsers: a preflight from an allowed origin is answered without a key; responses to
it (errors too) carry the headers a page needs; other origins get nothing."""

from __future__ import annotations

import aiohttp

from tests.api.conftest import SHARED, RunningApi

pytestmark = SHARED
SHOP = "https://shop.example"  # in the shared Nova's NOVA_API_CORS_ORIGINS


async def preflight(api: RunningApi, origin: str) -> aiohttp.ClientResponse:
    headers = {
        "Origin": origin,
        "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "authorization, content-type, x-stainless-os",
    }
    async with (
        aiohttp.ClientSession() as session,
        session.options(f"{api.base_url}/chat/completions", headers=headers) as response,
    ):
        return response


async def test_a_preflight_from_an_allowed_origin_is_answered(running_api: RunningApi) -> None:
    response = await preflight(running_api, SHOP)
    assert response.status == 204
    assert response.headers["Access-Control-Allow-Origin"] == SHOP
    assert "POST" in response.headers["Access-Control-Allow-Methods"]
    allowed = response.headers["Access-Control-Allow-Headers"].lower()
    assert "authorization" in allowed and "x-stainless-os" in allowed


async def test_another_origin_is_refused(running_api: RunningApi) -> None:
    response = await preflight(running_api, "https://evil.example")
    assert response.status == 403
    assert "Access-Control-Allow-Origin" not in response.headers


async def test_responses_to_an_allowed_page_expose_novas_headers(
    running_api: RunningApi,
) -> None:
    key = await running_api.add_key("web-page")
    async with aiohttp.ClientSession() as session:
        for origin, authorization in ((SHOP, f"Bearer {key}"), (SHOP, "Bearer wrong")):
            headers = {"Origin": origin, "Authorization": authorization}
            async with session.get(f"{running_api.base_url}/models", headers=headers) as r:
                assert r.headers["Access-Control-Allow-Origin"] == SHOP
                exposed = r.headers["Access-Control-Expose-Headers"]
                assert "X-Nova-Agent" in exposed and "Retry-After" in exposed
        headers = {"Origin": "https://evil.example", "Authorization": f"Bearer {key}"}
        async with session.get(f"{running_api.base_url}/models", headers=headers) as r:
            assert r.status == 200 and "Access-Control-Allow-Origin" not in r.headers
