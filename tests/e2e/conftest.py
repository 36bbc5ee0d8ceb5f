"""Browser tests: the real app (built web client in web/dist, real server on a free port) driven
by Playwright through Debian's Chromium. No browser is downloaded; nothing leaves 127.0.0.1."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from collections.abc import AsyncIterator, Callable, Coroutine
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.async_api import (
    Browser,
    BrowserContext,
    Page,
    WebSocketRoute,
    async_playwright,
    expect,
)

from server.core.config import Settings
from server.demo import DEMO_PASSWORD, load_demo
from server.identity.models import Organization
from tests.conftest import LiveServer
from tests.factories import PASSWORD, Person, make_org, make_user

ROOT = Path(__file__).resolve().parents[2]
WEB = ROOT / "web"
DIST = WEB / "dist"
# Screenshots go to var/ on every run, so that tests never change tracked files; to refresh
# the ones the README shows, run `GYORYU_SCREENSHOTS=docs/screenshots make test-e2e`.
SCREENSHOTS = ROOT / os.environ.get("GYORYU_SCREENSHOTS", "var/screenshots")
CHROMIUM = os.environ.get("GYORYU_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    # Any request to another host fails loudly: the app must load nothing from elsewhere.
    "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1, EXCLUDE localhost",
]
TIMEOUT_MS = 15_000


@pytest.fixture(scope="session")
def web_dist() -> Path:
    """The production build of the web client (built here when missing)."""
    if not (DIST / "index.html").is_file():
        if shutil.which("npm") is None:
            pytest.skip("web/dist is not built and npm is missing")
        subprocess.run(["npm", "run", "build"], cwd=WEB, check=True, capture_output=True)
    return DIST


@pytest.fixture
def settings(database_url: str, tmp_path: Path, web_dist: Path) -> Settings:
    return Settings(
        database_url=database_url,
        data_dir=tmp_path / "data",
        web_dist=web_dist,
        demo=False,
        redis_url=None,
        log_level="WARNING",
    )


@pytest.fixture(scope="session")
def chromium() -> str:
    if not Path(CHROMIUM).exists():
        pytest.skip(f"{CHROMIUM} is missing (apt-get install chromium)")
    return CHROMIUM


@pytest.fixture
async def browser(chromium: str) -> AsyncIterator[Browser]:
    async with async_playwright() as pw:
        b = await pw.chromium.launch(executable_path=chromium, headless=True, args=CHROMIUM_ARGS)
        try:
            yield b
        finally:
            await b.close()


@dataclass
class World:
    """Seoul and Beijing delegations with one official each, and a shared channel and thread."""

    server: LiveServer
    seoul: Organization
    beijing: Organization
    seoul_official: Person
    beijing_official: Person
    channel_id: int
    thread_id: int

    @property
    def url(self) -> str:
        return self.server.url


async def _api(
    server: LiveServer, who: Person, method: str, path: str, body: Any = None
) -> dict[str, Any]:
    async with httpx.AsyncClient(base_url=server.url, headers=who.headers) as client:
        response = await client.request(method, f"/api/v1{path}", json=body)
    assert response.status_code < 300, response.text
    data: dict[str, Any] = response.json() if response.content else {}
    return data


ApiCall = Callable[..., Coroutine[Any, Any, dict[str, Any]]]


@pytest.fixture
def api() -> ApiCall:
    """``await api(server, who, method, path, body)``: a REST call as that person."""
    return _api


@pytest.fixture
async def world(live_server: LiveServer) -> World:
    app = live_server.app
    seoul = await make_org(app, country="KR", name="Seoul Metropolitan Government")
    beijing = await make_org(app, country="CN", name="Beijing Municipal Government")
    admin = await make_user(app, role="admin", username="admin")
    names = {
        seoul.id: {"ko": "서울특별시", "zh-Hans": "首尔特别市", "en": "Seoul"},
        beijing.id: {"ko": "베이징시", "zh-Hans": "北京市", "en": "Beijing"},
    }
    for org_id, translations in names.items():
        await _api(
            live_server,
            admin,
            "PATCH",
            f"/organizations/{org_id}",
            {"name": translations["en"], "name_lang": "en", "translations": translations},
        )
    kim = await make_user(app, org=seoul, username="kim.seoul", locale="ko")
    li = await make_user(
        app, org=beijing, username="li.beijing", locale="zh-Hans", timezone="Asia/Shanghai"
    )
    channel = await _api(
        live_server,
        kim,
        "POST",
        "/channels",
        {"name": "서울-北京 공동위원회", "description": "Joint committee", "member_ids": [li.id]},
    )
    thread = await _api(
        live_server, kim, "POST", f"/channels/{channel['id']}/threads", {"title": "2027 교류 계획"}
    )
    await _api(
        live_server,
        kim,
        "POST",
        f"/threads/{thread['id']}/messages",
        {"body": "안녕하세요, **환영합니다**.", "lang": "ko"},
    )
    assert seoul.id is not None and beijing.id is not None
    return World(live_server, seoul, beijing, kim, li, channel["id"], thread["id"])


@dataclass
class JointMeeting:
    meeting_id: int
    agenda_item_id: int


@pytest.fixture
async def meeting(world: World) -> JointMeeting:
    """A hybrid joint meeting of both delegations (Seoul time) with one agenda item, in
    progress (so its minutes may be written)."""
    kim, li = world.seoul_official, world.beijing_official
    data = await _api(
        world.server,
        kim,
        "POST",
        "/meetings",
        {
            "title": "서울-베이징 공동위원회",
            "title_lang": "ko",
            "translations": {
                "zh-Hans": "首尔-北京联合委员会",
                "en": "Seoul-Beijing Joint Committee",
            },
            "mode": "hybrid",
            "starts_at": "2027-03-10T01:00:00Z",
            "ends_at": "2027-03-10T03:00:00Z",
            "timezone": "Asia/Seoul",
            "location": "Seoul City Hall",
            "channel_id": world.channel_id,
            "organization_ids": [world.seoul.id, world.beijing.id],
            "participants": [{"user_id": li.id, "role": "chair"}],
        },
    )
    item = await _api(
        world.server,
        kim,
        "POST",
        f"/meetings/{data['id']}/agenda",
        {"title": "청소년 교류", "duration_minutes": 30},
    )
    for status in ("scheduled", "in_progress"):
        await _api(world.server, kim, "PATCH", f"/meetings/{data['id']}", {"status": status})
    return JointMeeting(data["id"], item["id"])


async def new_page(browser: Browser, *, locale: str = "en-US", timezone: str = "UTC") -> Page:
    """A page in a fresh context (its own storage: a second person on a second laptop)."""
    context: BrowserContext = await browser.new_context(
        locale=locale, timezone_id=timezone, viewport={"width": 1100, "height": 760}
    )
    context.set_default_timeout(TIMEOUT_MS)
    page = await context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.errors = errors  # type: ignore[attr-defined]
    return page


async def sign_in(page: Page, base_url: str, username: str, password: str = PASSWORD) -> None:
    """Signs in through the login form and waits for the signed-in shell."""
    await page.goto(base_url + "/")
    await page.get_by_test_id("login-username").fill(username)
    await page.get_by_test_id("login-password").fill(password)
    await page.get_by_test_id("login-submit").click()
    await page.get_by_test_id("logout").wait_for()


async def login(page: Page, base_url: str, who: Person, path: str = "/") -> None:
    """Signs ``who`` in through the login form, then opens ``path``."""
    await sign_in(page, base_url, who.user.username)
    if path != "/":
        await goto(page, path)


async def both_delegations_in_the_thread(browser: Browser, world: World) -> tuple[Page, Page]:
    """Kim (Seoul, Korean) and Li (Beijing, Chinese) each on the world's thread, live, and
    subscribed to its channel: each sees the other online there."""
    seoul = await new_page(browser, locale="ko-KR", timezone="Asia/Seoul")
    beijing = await new_page(browser, locale="zh-CN", timezone="Asia/Shanghai")
    thread = f"/threads/{world.thread_id}"
    await login(seoul, world.url, world.seoul_official, thread)
    await login(beijing, world.url, world.beijing_official, thread)
    await live_ready(seoul)
    await live_ready(beijing)
    await expect(seoul.get_by_test_id("presence")).to_contain_text("Li.Beijing")
    await expect(beijing.get_by_test_id("presence")).to_contain_text("Kim.Seoul")
    return seoul, beijing


async def goto(page: Page, path: str) -> None:
    """Client-side navigation (the router listens to popstate), like following a link."""
    await page.evaluate(
        "p => { history.pushState(null, '', p); dispatchEvent(new PopStateEvent('popstate')); }",
        path,
    )


async def live_ready(page: Page) -> None:
    """Waits until the page's WebSocket to /api/v1/ws is open (``<html data-live="open">``)."""
    await page.wait_for_function("() => document.documentElement.dataset.live === 'open'")


class PlatformHold:
    """Holds back the `platform` changes (the directory's) the server sends a page over its
    WebSocket while ``holding`` is set: what another administrator writes meanwhile has not
    reached that page yet (live, it would in ~300 ms), so only the server knows, however slow
    the test machine. Everything else passes through. Install before the page signs in: the
    route applies to WebSockets opened after it."""

    def __init__(self) -> None:
        self.holding = False
        self.held: list[str | bytes] = []

    async def install(self, page: Page) -> None:
        await page.route_web_socket(re.compile(r"/api/v1/ws$"), self._route)

    def _route(self, ws: WebSocketRoute) -> None:
        server = ws.connect_to_server()

        def from_server(message: str | bytes) -> None:
            if self.holding and _is_platform_change(message):
                self.held.append(message)
            else:
                ws.send(message)

        server.on_message(from_server)


def _is_platform_change(message: str | bytes) -> bool:
    try:
        event = json.loads(message)
    except ValueError:
        return False
    return isinstance(event, dict) and event.get("scope") == "platform"


async def open_directory(
    page: Page,
    base_url: str,
    username: str,
    ready: tuple[str, ...],
    *,
    password: str = DEMO_PASSWORD,
    nav_directory: str = "Directory",
) -> None:
    """Signs in, opens the directory through its link (named in the user's language) and waits
    for the first row of each test id in ``ready``."""
    await sign_in(page, base_url, username, password)
    await page.get_by_role("link", name=nav_directory, exact=True).click()
    for test_id in ready:
        await expect(page.get_by_test_id(test_id).first).to_be_visible()


async def directory_admin_page(
    browser: Browser, server: LiveServer, ready: tuple[str, ...], hold: PlatformHold | None = None
) -> Page:
    """The demo administrator's directory, in English, in Seoul's time zone; ``hold`` installed
    before signing in."""
    page = await new_page(browser, locale="en-GB", timezone="Asia/Seoul")
    if hold:
        await hold.install(page)
    await open_directory(page, server.url, "admin", ready)
    return page


# ---- the demo data (server/demo.py), for the directory screens ------------------------------


@pytest.fixture
async def demo_server(live_server: LiveServer) -> LiveServer:
    """The served app (built client, free port) with the demo data."""
    async with live_server.app.state.db.transaction() as session:
        await load_demo(session)
    return live_server


@dataclass
class AdminApi:
    """REST calls as the demo administrator: "someone else" working at the same time."""

    url: str
    token: str

    async def call(
        self, method: str, path: str, body: Any = None, headers: dict[str, str] | None = None
    ) -> Any:
        auth = {"Authorization": f"Bearer {self.token}", **(headers or {})}
        async with httpx.AsyncClient(base_url=self.url, headers=auth) as client:
            response = await client.request(method, f"/api/v1{path}", json=body)
        assert response.status_code < 300, response.text
        return response.json()

    async def items(self, path: str) -> list[dict[str, Any]]:
        return list((await self.call("GET", f"{path}?limit=200"))["items"])

    async def user_id(self, username: str) -> int:
        return int(next(u["id"] for u in await self.items("/users") if u["username"] == username))

    async def current_pairs(self) -> list[dict[str, Any]]:
        return list((await self.call("GET", "/counterparts"))["items"])

    async def city_named(self, name: str) -> dict[str, Any]:
        return next(c for c in await self.items("/cities") if c["name"] == name)

    async def region_id(self, english: str) -> int:
        regions = await self.items("/regions")
        return int(next(r["id"] for r in regions if r["translations"].get("en") == english))


@pytest.fixture
async def admin_api(demo_server: LiveServer) -> AdminApi:
    async with httpx.AsyncClient(base_url=demo_server.url) as client:
        response = await client.post(
            "/api/v1/auth/login", json={"username": "admin", "password": DEMO_PASSWORD}
        )
    assert response.status_code == 200, response.text
    return AdminApi(demo_server.url, response.json()["token"])
