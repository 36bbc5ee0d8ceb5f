"""GET /search through the API: Korean, Chinese and English (two-character CJK words
included), mixed text, translations indexed with their message, ranking, highlighting, and
results limited to what the caller may see (channels and meetings)."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from tests.discussion.conftest import Room, make_channel, make_thread, post
from tests.factories import Person, make_bot, make_org, make_user
from tests.helpers import assert_problem


async def _search(
    client: httpx.AsyncClient, who: Person, q: str, kind: str = "messages"
) -> list[dict[str, Any]]:
    response = await client.get(
        "/api/v1/search", params={"q": q, "kind": kind}, headers=who.headers
    )
    assert response.status_code == 200, response.text
    assert response.json()["query"] == q
    items: list[dict[str, Any]] = response.json()["items"]
    return items


async def _message(
    client: httpx.AsyncClient, who: Person, thread_id: int, body: str, **extra: Any
) -> int:
    response = await post(client, who, thread_id, body, **extra)
    assert response.status_code == 201, response.text
    return int(response.json()["id"])


def _message_ids(hits: list[dict[str, Any]]) -> list[int]:
    return [h["id"] for h in hits if h["kind"] == "message"]


async def test_two_character_korean_and_chinese_queries_find_their_messages(
    client: httpx.AsyncClient, room: Room
) -> None:
    seoul = await _message(client, room.seoul, room.thread_id, "서울시청에서 회의를 엽니다")
    beijing = await _message(
        client, room.beijing, room.thread_id, "北京市代表团明天到达", lang="zh-Hans"
    )
    busan = await _message(client, room.seoul, room.thread_id, "부산 항만 견학")
    found = await _search(client, room.beijing, "서울")
    assert _message_ids(found) == [seoul]
    assert "<mark>서울</mark>" in found[0]["snippet_html"]
    found = await _search(client, room.seoul, "北京")
    assert _message_ids(found) == [beijing]
    assert "<mark>北京</mark>" in found[0]["snippet_html"]
    # The words' parts are not the words: no false positives across the other messages.
    assert _message_ids(await _search(client, room.seoul, "부산")) == [busan]
    assert await _search(client, room.seoul, "上海") == []
    assert await _search(client, room.seoul, "울부") == []


async def test_english_search_is_case_insensitive_whole_words_and_highlighted(
    client: httpx.AsyncClient, room: Room
) -> None:
    hit = await _message(
        client, room.seoul, room.thread_id, "Workshop on Air-Quality co-operation", lang="en"
    )
    await _message(client, room.seoul, room.thread_id, "Workshops are planned", lang="en")
    found = await _search(client, room.beijing, "workshop")
    assert _message_ids(found) == [hit]
    assert "<mark>Workshop</mark>" in found[0]["snippet_html"]
    for q in ("COOPERATION", "co-operation", "air quality", "Quality"):
        assert _message_ids(await _search(client, room.beijing, q)) == [hit], q
    assert await _search(client, room.beijing, "shop") == []


async def test_mixed_korean_chinese_english_text(client: httpx.AsyncClient, room: Room) -> None:
    mixed = await _message(
        client,
        room.seoul,
        room.thread_id,
        "스마트시티 smart city 협력: 서울Seoul과 北京Beijing의 智慧城市 MOU 2027",
    )
    await _message(client, room.seoul, room.thread_id, "city hall tour", lang="en")
    for q in ("스마트시티", "智慧城市", "smart city", "北京 Beijing", "서울 mou", "2027", "seoul"):
        assert _message_ids(await _search(client, room.beijing, q)) == [mixed], q
    # Every word of the query must match (AND), across scripts.
    assert await _search(client, room.beijing, "智慧城市 부산") == []
    snippet = (await _search(client, room.beijing, "北京 smart"))[0]["snippet_html"]
    assert "<mark>北京</mark>" in snippet and "<mark>smart</mark>" in snippet


async def test_korean_query_finds_a_chinese_message_through_its_korean_translation(
    client: httpx.AsyncClient, room: Room
) -> None:
    original = await _message(
        client, room.beijing, room.thread_id, "上海青年交流项目下个月开始", lang="zh-Hans"
    )
    assert await _search(client, room.seoul, "청소년") == []
    translated = await client.put(
        f"/api/v1/messages/{original}/translations/ko",
        json={"body": "상하이 청소년 교류 사업이 다음 달 시작됩니다"},
        headers=room.seoul.headers,
    )
    assert translated.status_code in (200, 201), translated.text
    found = await _search(client, room.seoul, "청소년")
    assert _message_ids(found) == [original]
    assert "<mark>청소년</mark>" in found[0]["snippet_html"]
    # The original stays searchable too, and the translation follows later edits of itself.
    assert _message_ids(await _search(client, room.seoul, "青年")) == [original]
    await client.put(
        f"/api/v1/messages/{original}/translations/ko",
        json={"body": "상하이 청년 교류 사업"},
        headers=room.seoul.headers,
    )
    assert await _search(client, room.seoul, "청소년") == []
    assert _message_ids(await _search(client, room.seoul, "청년")) == [original]


async def test_edited_and_deleted_messages_leave_the_index(
    client: httpx.AsyncClient, room: Room
) -> None:
    message = await _message(client, room.seoul, room.thread_id, "황사 관측 자료")
    edited = await client.patch(
        f"/api/v1/messages/{message}",
        json={"body": "미세먼지 관측 자료"},
        headers={**room.seoul.headers, "If-Match": "1"},
    )
    assert edited.status_code == 200, edited.text
    assert await _search(client, room.beijing, "황사") == []
    assert _message_ids(await _search(client, room.beijing, "미세먼지")) == [message]
    deleted = await client.delete(f"/api/v1/messages/{message}", headers=room.seoul.headers)
    assert deleted.status_code == 204
    assert await _search(client, room.beijing, "미세먼지") == []


async def test_results_are_ranked_best_first(client: httpx.AsyncClient, room: Room) -> None:
    once = await _message(client, room.seoul, room.thread_id, "대기질 보고서 초안 검토 일정 공유")
    thrice = await _message(client, room.seoul, room.thread_id, "대기질 대기질 대기질 자료 공유")
    found = await _search(client, room.beijing, "대기질 공유")
    assert _message_ids(found) == [thrice, once]
    ranks = [h["rank"] for h in found]
    assert ranks == sorted(ranks, reverse=True) and ranks[0] > ranks[-1]


async def test_thread_titles_are_searchable(client: httpx.AsyncClient, room: Room) -> None:
    # The room's thread is titled "대기질 공동연구 air quality".
    found = await _search(client, room.beijing, "공동연구")
    threads = [h for h in found if h["kind"] == "thread"]
    assert [h["id"] for h in threads] == [room.thread_id]
    assert threads[0]["channel_id"] == room.channel_id
    assert "<mark>공동연구</mark>" in threads[0]["snippet_html"]


async def test_snippets_escape_message_markup(client: httpx.AsyncClient, room: Room) -> None:
    await _message(client, room.seoul, room.thread_id, '<img src=x onerror="alert(1)"> 서울 <b>')
    snippet = (await _search(client, room.beijing, "서울"))[0]["snippet_html"]
    assert "<img" not in snippet and "<b>" not in snippet
    assert "&lt;img" in snippet and "<mark>서울</mark>" in snippet


async def test_members_only_channel_is_never_shown_to_an_outsider(
    app: FastAPI, client: httpx.AsyncClient, room: Room
) -> None:
    secret = await _message(client, room.seoul, room.thread_id, "서울 北京 secret budget")
    open_channel = await make_channel(client, room.seoul, [], visibility="platform")
    open_thread = await make_thread(client, room.seoul, open_channel, "공개 open forum")
    public = await _message(client, room.seoul, open_thread, "서울 北京 public agenda")
    for q in ("서울", "北京", "secret", "budget", "대기질", "air quality"):
        for kind in ("messages", "all"):
            hits = await _search(client, room.outsider, q, kind)
            assert secret not in _message_ids(hits), (q, kind)
            assert all(h["channel_id"] != room.channel_id for h in hits), (q, kind)
    assert _message_ids(await _search(client, room.outsider, "서울")) == [public]
    assert set(_message_ids(await _search(client, room.beijing, "서울"))) == {secret, public}
    # An administrator sees every channel; a bot only the channels its token allows.
    admin = await make_user(app, role="admin", username="search.admin")
    assert set(_message_ids(await _search(client, admin, "北京"))) == {secret, public}
    bot = await make_bot(app, admin, scopes=["messages:read"], channel_ids=[open_channel])
    assert _message_ids(await _search(client, bot, "北京")) == [public]
    blind = await make_bot(app, admin, scopes=["messages:write"])
    assert_problem(
        await client.get("/api/v1/search", params={"q": "北京"}, headers=blind.headers),
        403,
        "missing_scope",
    )


async def _meeting(client: httpx.AsyncClient, chair: Person, org_ids: list[int]) -> int:
    response = await client.post(
        "/api/v1/meetings",
        json={
            "title": "서울-베이징 통합위원회",
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
            "organization_ids": org_ids,
        },
        headers=chair.headers,
    )
    assert response.status_code == 201, response.text
    return int(response.json()["id"])


async def test_meetings_are_found_only_by_those_who_may_see_them(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    seoul_org = await make_org(app, country="KR")
    beijing_org = await make_org(app, country="CN")
    chair = await make_user(app, org=seoul_org, username="meeting.chair")
    delegate = await make_user(app, org=beijing_org, username="meeting.delegate")
    outsider = await make_user(app, username="meeting.outsider")
    meeting = await _meeting(client, chair, [seoul_org.id, beijing_org.id])  # type: ignore[list-item]

    for who in (chair, delegate):
        for q in ("北京", "联合委员会", "통합위원회", "joint committee"):
            hits = await _search(client, who, q, "meetings")
            assert [(h["kind"], h["id"]) for h in hits] == [("meeting", meeting)], q
            assert hits[0]["meeting_id"] == meeting
        everything = await _search(client, who, "통합위원회", "all")
        assert ("meeting", meeting) in [(h["kind"], h["id"]) for h in everything]
        # kind=messages never mixes meetings in.
        assert await _search(client, who, "통합위원회", "messages") == []
    for kind in ("meetings", "all"):
        assert await _search(client, outsider, "통합위원회", kind) == []
        assert await _search(client, outsider, "北京", kind) == []


async def test_bot_with_meetings_read_only_searches_its_organizations_meetings(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    seoul_org = await make_org(app, country="KR")
    beijing_org = await make_org(app, country="CN")
    admin = await make_user(app, role="admin", username="meetings.admin")
    meeting = await _meeting(client, admin, [seoul_org.id, beijing_org.id])  # type: ignore[list-item]
    created = await client.post(
        "/api/v1/bots",
        json={"name": "calendar", "organization_id": seoul_org.id, "scopes": ["meetings:read"]},
        headers=admin.headers,
    )
    assert created.status_code == 201, created.text
    bot = Person(admin.user, created.json()["token"])  # only the token matters here
    hits = await _search(client, bot, "首尔", "meetings")
    assert [h["id"] for h in hits] == [meeting]
    assert [h["id"] for h in await _search(client, bot, "首尔", "all")] == [meeting]
    assert_problem(
        await client.get(
            "/api/v1/search", params={"q": "首尔", "kind": "messages"}, headers=bot.headers
        ),
        403,
        "missing_scope",
    )


@pytest.mark.parametrize("q", ["!!!", "  ", "\"'*()&|:"])
async def test_queries_without_words_find_nothing(
    client: httpx.AsyncClient, room: Room, q: str
) -> None:
    await _message(client, room.seoul, room.thread_id, "서울 \"'*()&|: !!!")
    response = await client.get("/api/v1/search", params={"q": q}, headers=room.beijing.headers)
    if q.strip():
        assert response.status_code == 200 and response.json()["items"] == []
    else:
        # Whitespace only is no query at all.
        assert response.status_code in (200, 422)
        if response.status_code == 200:
            assert response.json()["items"] == []


async def test_query_must_be_given_and_bounded(client: httpx.AsyncClient, room: Room) -> None:
    h = room.beijing.headers
    assert_problem(await client.get("/api/v1/search", headers=h), 422, "invalid_input")
    assert_problem(
        await client.get("/api/v1/search", params={"q": "x" * 201}, headers=h), 422, "invalid_input"
    )
    assert_problem(
        await client.get("/api/v1/search", params={"q": "서울", "kind": "files"}, headers=h),
        422,
        "invalid_input",
    )
    assert_problem(await client.get("/api/v1/search", params={"q": "서울"}), 401, "unauthorized")


async def test_results_come_a_page_at_a_time_in_rank_order_without_repeats(
    client: httpx.AsyncClient, room: Room
) -> None:
    posted = {
        await _message(client, room.seoul, room.thread_id, f"서울 회의 {n} " + "서울 " * (n % 4))
        for n in range(23)
    }
    seen: list[dict[str, Any]] = []
    cursor: str | None = None
    pages = 0
    while True:
        params = {
            "q": "서울",
            "kind": "messages",
            "limit": 10,
            **({"cursor": cursor} if cursor else {}),
        }
        response = await client.get("/api/v1/search", params=params, headers=room.seoul.headers)
        assert response.status_code == 200, response.text
        page = response.json()
        seen += page["items"]
        pages += 1
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert pages == 3
    assert set(_message_ids(seen)) == posted and len(seen) == len(posted)
    ranks = [hit["rank"] for hit in seen]
    assert ranks == sorted(ranks, reverse=True)


async def test_a_search_cursor_the_server_never_gave_out_is_refused(
    client: httpx.AsyncClient, room: Room
) -> None:
    for cursor in ("not-a-cursor", "djE6OTk5OTk"):  # garbage, and an offset past the last page
        response = await client.get(
            "/api/v1/search", params={"q": "서울", "cursor": cursor}, headers=room.seoul.headers
        )
        assert_problem(response, 422, "bad_cursor")


async def test_a_search_narrowed_to_one_channel_finds_only_its_messages(
    client: httpx.AsyncClient, room: Room
) -> None:
    here = await _message(client, room.seoul, room.thread_id, "서울 회의 이 채널")
    other_channel = await make_channel(client, room.seoul, [])
    other_thread = await make_thread(client, room.seoul, other_channel, "다른 채널")
    elsewhere = await _message(client, room.seoul, other_thread, "서울 회의 다른 채널")

    def search(who: Person, **params: Any) -> Any:
        return client.get("/api/v1/search", params={"q": "서울", **params}, headers=who.headers)

    everywhere = (await search(room.seoul)).json()["items"]
    assert set(_message_ids(everywhere)) == {here, elsewhere}
    narrowed = await search(room.seoul, channel_id=room.channel_id)
    assert _message_ids(narrowed.json()["items"]) == [here]
    assert {hit["channel_id"] for hit in narrowed.json()["items"]} == {room.channel_id}
    # A channel the caller may not see is not there for them; meetings are in no channel.
    assert_problem(await search(room.outsider, channel_id=room.channel_id), 404, "not_found")
    assert_problem(
        await search(room.seoul, channel_id=room.channel_id, kind="meetings"), 422, "bad_filter"
    )
