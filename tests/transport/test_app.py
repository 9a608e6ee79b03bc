"""The talk server's HTTP side: the page and its files, health, the token."""

from __future__ import annotations

import httpx
from tests.transport.beep_agent import BeepAgent
from tests.transport.helpers import talk_server


async def test_page_and_its_files_ship_in_the_package() -> None:
    async with talk_server(BeepAgent()) as (url, _):
        base = url.replace("ws://", "http://")
        async with httpx.AsyncClient(base_url=base) as http:
            page = await http.get("/")
            assert page.status_code == 200 and "static/talk.js" in page.text
            for name in ("talk.js", "waterfall.js", "talk.css"):
                r = await http.get(f"/static/{name}")
                assert r.status_code == 200 and len(r.text) > 200
                text = r.text.replace("http://www.w3.org/2000/svg", "")  # a name, not a fetch
                assert "http://" not in text and "https://" not in text  # no CDN
            assert (await http.get("/static/..%2F..%2Fpyproject.toml")).status_code == 404
            assert (await http.get("/static/io.py")).status_code == 404
            assert (await http.get("/health")).json()["calls"] == 0


async def test_the_page_needs_the_token_and_carries_no_secret() -> None:
    token = "tok-123456789"
    async with talk_server(BeepAgent(), token=token) as (url, _):
        base = url.replace("ws://", "http://")
        async with httpx.AsyncClient(base_url=base) as http:
            assert (await http.get("/")).status_code == 401
            page = await http.get("/", params={"token": token})
            assert page.status_code == 200
            assert token not in page.text  # the page reads it from its own URL
            assert (await http.post("/offer", json={"sdp": "v=0", "type": "offer"})).status_code \
                == 401
