"""Bad input to messages beyond the basics in test_messages.py: each is answered with a clear
problem+json (stable code, human detail, the offending field where there is one) and writes
nothing at all, not even a change-log row, a revision, a search document or an idempotency key.
"""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from server.discussion.models import MAX_MESSAGE_BYTES
from tests.discussion.conftest import Room, post
from tests.helpers import assert_problem, row_counts

TABLES = (
    "change_log",
    "messages",
    "message_revisions",
    "message_translations",
    "reactions",
    "search_documents",
    "idempotency_keys",
)


async def _message(client: httpx.AsyncClient, room: Room, body: str = "원본 original") -> int:
    response = await post(client, room.seoul, room.thread_id, body)
    assert response.status_code == 201, response.text
    return int(response.json()["id"])


def _any_problem(response: httpx.Response, *statuses: int) -> dict[str, Any]:
    assert response.status_code in statuses, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    body: dict[str, Any] = response.json()
    assert body["code"] and body["detail"], body
    return body


def _fields(problem: dict[str, Any]) -> set[str]:
    return {str(e.get("field", "")).rsplit(".", 1)[-1] for e in problem.get("errors", [])}


async def test_message_of_exactly_64_kib_is_accepted_and_one_byte_more_is_refused(
    app: FastAPI, client: httpx.AsyncClient, room: Room
) -> None:
    # Three-byte Hangul plus ASCII padding, so the byte count is exact whatever the encoding
    # of the characters.
    limit = "가" * 1000 + "a" * (MAX_MESSAGE_BYTES - 3000)
    assert len(limit.encode()) == MAX_MESSAGE_BYTES
    assert (await post(client, room.seoul, room.thread_id, limit)).status_code == 201
    before = await row_counts(app, TABLES)
    problem = assert_problem(
        await post(client, room.seoul, room.thread_id, limit + "b"), 413, "message_too_large"
    )
    assert str(MAX_MESSAGE_BYTES) in problem["detail"]
    assert await row_counts(app, TABLES) == before


async def test_oversized_ascii_message_gets_the_same_answer_as_oversized_hangul(
    app: FastAPI, client: httpx.AsyncClient, room: Room
) -> None:
    before = await row_counts(app, TABLES)
    for body in ("a" * (MAX_MESSAGE_BYTES + 1), "가" * (MAX_MESSAGE_BYTES // 3 + 1)):
        assert_problem(
            await post(client, room.seoul, room.thread_id, body), 413, "message_too_large"
        )
    assert await row_counts(app, TABLES) == before


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({}, "body"),
        ({"body": None}, "body"),
        ({"body": 42}, "body"),
        ({"body": ["서울"]}, "body"),
        ({"body": "hi", "lang": "xx"}, "lang"),
        ({"body": "hi", "author_id": 1}, "author_id"),
        ({"body": "hi", "attachment_ids": "1"}, "attachment_ids"),
    ],
)
async def test_malformed_message_fields_are_named_and_nothing_is_written(
    app: FastAPI, client: httpx.AsyncClient, room: Room, payload: dict[str, Any], field: str
) -> None:
    before = await row_counts(app, TABLES)
    response = await client.post(
        f"/api/v1/threads/{room.thread_id}/messages", json=payload, headers=room.seoul.headers
    )
    problem = assert_problem(response, 422, "invalid_input")
    assert field in _fields(problem), problem
    assert await row_counts(app, TABLES) == before


@pytest.mark.parametrize(
    "raw",
    [b"", b"[]", b'"body"', b"null", b"{'body': 'x'}", b'{"body": "x",}', b"\xff\xfe{}"],
)
async def test_request_bodies_that_are_not_a_json_object_are_refused(
    app: FastAPI, client: httpx.AsyncClient, room: Room, raw: bytes
) -> None:
    before = await row_counts(app, TABLES)
    response = await client.post(
        f"/api/v1/threads/{room.thread_id}/messages",
        content=raw,
        headers={**room.seoul.headers, "Content-Type": "application/json"},
    )
    assert response.status_code in (400, 422), response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    assert response.json()["code"] in ("malformed_json", "invalid_input")
    assert await row_counts(app, TABLES) == before


async def test_request_body_over_the_server_limit_is_refused_before_parsing(
    app: FastAPI, client: httpx.AsyncClient, room: Room
) -> None:
    before = await row_counts(app, TABLES)
    huge = b'{"body": "' + b"a" * (2 * 1024 * 1024) + b'"}'
    response = await client.post(
        f"/api/v1/threads/{room.thread_id}/messages",
        content=huge,
        headers={**room.seoul.headers, "Content-Type": "application/json"},
    )
    assert response.status_code == 413, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    assert await row_counts(app, TABLES) == before


async def test_unknown_thread_with_an_idempotency_key_stores_no_key(
    app: FastAPI, client: httpx.AsyncClient, room: Room
) -> None:
    before = await row_counts(app, TABLES)
    response = await client.post(
        "/api/v1/threads/987654/messages",
        json={"body": "어디로?"},
        headers={**room.seoul.headers, "Idempotency-Key": "lost-thread-1"},
    )
    assert_problem(response, 404, "not_found")
    assert await row_counts(app, TABLES) == before
    # The same key can be used for a real post afterwards: nothing was remembered.
    retry = await client.post(
        f"/api/v1/threads/{room.thread_id}/messages",
        json={"body": "여기로"},
        headers={**room.seoul.headers, "Idempotency-Key": "lost-thread-1"},
    )
    assert retry.status_code == 201, retry.text


async def test_edits_of_unknown_deleted_empty_or_oversized_messages_write_nothing(
    app: FastAPI, client: httpx.AsyncClient, room: Room
) -> None:
    message = await _message(client, room)
    gone = await _message(client, room, "곧 삭제")
    assert (
        await client.delete(f"/api/v1/messages/{gone}", headers=room.seoul.headers)
    ).status_code == 204
    h = room.seoul.headers
    before = await row_counts(app, TABLES)
    assert_problem(
        await client.patch("/api/v1/messages/987654", json={"body": "x"}, headers=h),
        404,
        "not_found",
    )
    assert_problem(
        await client.patch(f"/api/v1/messages/{gone}", json={"body": "되살리기"}, headers=h),
        409,
        "message_deleted",
    )
    assert_problem(
        await client.patch(f"/api/v1/messages/{message}", json={"body": " \n\t "}, headers=h),
        422,
        "empty_message",
    )
    assert_problem(
        await client.patch(f"/api/v1/messages/{message}", json={"body": "北" * 22000}, headers=h),
        413,
        "message_too_large",
    )
    assert_problem(
        await client.patch(f"/api/v1/messages/{message}", json={"text": "x"}, headers=h),
        422,
        "invalid_input",
    )
    assert await row_counts(app, TABLES) == before
    got = await client.get(f"/api/v1/messages/{message}", headers=h)
    assert got.json()["body"] == "원본 original" and got.json()["version"] == 1


async def test_someone_elses_message_cannot_be_deleted_or_edited_through_if_match(
    app: FastAPI, client: httpx.AsyncClient, room: Room
) -> None:
    message = await _message(client, room)
    before = await row_counts(app, TABLES)
    other = room.beijing.headers
    assert_problem(
        await client.delete(f"/api/v1/messages/{message}", headers=other), 403, "not_author"
    )
    # Knowing the current version does not make someone else the author.
    assert_problem(
        await client.patch(
            f"/api/v1/messages/{message}",
            json={"body": "바꿔치기"},
            headers={**other, "If-Match": "1"},
        ),
        403,
        "not_author",
    )
    # An outsider does not even learn that the message exists.
    assert_problem(
        await client.patch(
            f"/api/v1/messages/{message}", json={"body": "x"}, headers=room.outsider.headers
        ),
        404,
        "not_found",
    )
    assert await row_counts(app, TABLES) == before


async def test_stale_if_match_on_delete_shows_the_current_state_and_deletes_nothing(
    app: FastAPI, client: httpx.AsyncClient, room: Room
) -> None:
    message = await _message(client, room)
    edited = await client.patch(
        f"/api/v1/messages/{message}",
        json={"body": "고친 내용"},
        headers={**room.seoul.headers, "If-Match": "1"},
    )
    assert edited.status_code == 200, edited.text
    before = await row_counts(app, TABLES)
    stale = await client.delete(
        f"/api/v1/messages/{message}", headers={**room.seoul.headers, "If-Match": "1"}
    )
    problem = assert_problem(stale, 412, "version_mismatch")
    assert problem["current"]["version"] == 2 and problem["current"]["body"] == "고친 내용"
    assert await row_counts(app, TABLES) == before
    got = await client.get(f"/api/v1/messages/{message}", headers=room.seoul.headers)
    assert got.json()["deleted"] is False


@pytest.mark.parametrize("header", ["abc", 'W/"1"', "1.5", ""])
async def test_if_match_that_is_not_a_version_number_is_refused(
    app: FastAPI, client: httpx.AsyncClient, room: Room, header: str
) -> None:
    message = await _message(client, room)
    before = await row_counts(app, TABLES)
    response = await client.patch(
        f"/api/v1/messages/{message}",
        json={"body": "새 내용"},
        headers={**room.seoul.headers, "If-Match": header},
    )
    assert response.status_code in (400, 412, 422), response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    assert await row_counts(app, TABLES) == before


async def test_bad_translations_are_refused_and_write_nothing(
    app: FastAPI, client: httpx.AsyncClient, room: Room
) -> None:
    message = await _message(client, room, "서울 대표단 일정")  # original language: ko
    h = room.beijing.headers
    base = f"/api/v1/messages/{message}/translations"
    before = await row_counts(app, TABLES)
    _any_problem(await client.put(f"{base}/xx", json={"body": "x"}, headers=h), 404, 422)
    assert_problem(
        await client.put(f"{base}/ko", json={"body": "같은 언어"}, headers=h),
        422,
        "original_language",
    )
    assert_problem(
        await client.put(f"{base}/en", json={"body": ""}, headers=h), 422, "invalid_input"
    )
    _any_problem(
        await client.put(f"{base}/en", json={"body": "x" * (MAX_MESSAGE_BYTES + 1)}, headers=h),
        413,
        422,
    )
    assert_problem(
        await client.put("/api/v1/messages/987654/translations/en", json={"body": "x"}, headers=h),
        404,
        "not_found",
    )
    assert_problem(
        await client.put(f"{base}/en", json={"body": "x"}, headers=room.outsider.headers),
        404,
        "not_found",
    )
    assert await row_counts(app, TABLES) == before


async def test_a_translation_saved_meanwhile_is_not_overwritten_by_a_stale_if_match(
    app: FastAPI, client: httpx.AsyncClient, room: Room
) -> None:
    message = await _message(client, room, "서울 대표단 일정")
    base = f"/api/v1/messages/{message}/translations/zh-Hans"
    seen = (await client.get(f"/api/v1/messages/{message}", headers=room.beijing.headers)).json()
    first = await client.put(
        base,
        json={"body": "首尔代表团日程"},
        headers={**room.beijing.headers, "If-Match": str(seen["version"])},
    )
    assert first.status_code == 200, first.text
    before = await row_counts(app, TABLES)
    # Kim opened the same message before Li saved, and saves on that version.
    stale = await client.put(
        base,
        json={"body": "首尔代表团的日程"},
        headers={**room.seoul.headers, "If-Match": str(seen["version"])},
    )
    current = assert_problem(stale, 412, "version_mismatch")["current"]
    assert [t["body"] for t in current["translations"]] == ["首尔代表团日程"]
    assert await row_counts(app, TABLES) == before
    # On the version it now shows, the change goes through.
    again = await client.put(
        base,
        json={"body": "首尔代表团的日程"},
        headers={**room.seoul.headers, "If-Match": str(current["version"])},
    )
    assert again.status_code == 200, again.text


async def test_bad_reactions_are_refused_and_write_nothing(
    app: FastAPI, client: httpx.AsyncClient, room: Room
) -> None:
    message = await _message(client, room)
    h = room.beijing.headers
    before = await row_counts(app, TABLES)
    for emoji in ("a b", "%09", "👍" * 40):
        response = await client.put(f"/api/v1/messages/{message}/reactions/{emoji}", headers=h)
        assert 400 <= response.status_code < 500, (emoji, response.text)
        assert response.headers["content-type"].startswith("application/problem+json")
    assert_problem(
        await client.put("/api/v1/messages/987654/reactions/👍", headers=h), 404, "not_found"
    )
    assert await row_counts(app, TABLES) == before


@pytest.mark.parametrize("emoji", ["%00", "ok%00", "%01", "%7F"])
async def test_control_characters_are_no_reaction(
    app: FastAPI, client: httpx.AsyncClient, room: Room, emoji: str
) -> None:
    # A NUL in the emoji reached the database (500 on PostgreSQL).
    message = await _message(client, room)
    before = await row_counts(app, TABLES)
    response = await client.put(
        f"/api/v1/messages/{message}/reactions/{emoji}", headers=room.beijing.headers
    )
    assert_problem(response, 422, "bad_emoji")
    assert await row_counts(app, TABLES) == before


async def test_nul_characters_in_text_are_named_and_nothing_is_written(
    app: FastAPI, client: httpx.AsyncClient, room: Room
) -> None:
    # Found by fuzzing (a thread title) on PostgreSQL, which cannot store U+0000 in text
    # (SQLite can): 500.
    message = await _message(client, room)
    h = room.seoul.headers
    before = await row_counts(app, TABLES)
    for method, url, body, field in [
        ("POST", f"/api/v1/threads/{room.thread_id}/messages", {"body": "서울\x00"}, "body"),
        ("PATCH", f"/api/v1/messages/{message}", {"body": "北京\x00"}, "body"),
        ("PUT", f"/api/v1/messages/{message}/translations/en", {"body": "a\x00b"}, "body"),
        ("POST", f"/api/v1/channels/{room.channel_id}/threads", {"title": "\x00"}, "title"),
        ("PATCH", f"/api/v1/channels/{room.channel_id}", {"description": "\x00"}, "description"),
    ]:
        response = await client.request(method, url, json=body, headers=h)
        problem = assert_problem(response, 422, "invalid_input")
        assert _fields(problem) == {field}, problem
    assert await row_counts(app, TABLES) == before


async def test_null_for_a_channel_field_that_cannot_be_empty_is_invalid_input(
    app: FastAPI, client: httpx.AsyncClient, room: Room
) -> None:
    # Found by fuzzing: these nulls reached the NOT NULL columns (500).
    before = await row_counts(app, TABLES)
    change = {"name": None, "description": None, "visibility": None, "is_archived": None}
    response = await client.patch(
        f"/api/v1/channels/{room.channel_id}", json=change, headers=room.seoul.headers
    )
    problem = assert_problem(response, 422, "invalid_input")
    assert _fields(problem) == set(change)
    assert await row_counts(app, TABLES) == before


async def test_ids_out_of_range_are_invalid_input_not_server_errors(
    app: FastAPI, client: httpx.AsyncClient, room: Room
) -> None:
    # Found by fuzzing: ids past the id columns (32-bit; 64-bit for messages) reached the
    # database, which refused the parameter: 500 on SQLite and PostgreSQL.
    h = room.seoul.headers
    before = await row_counts(app, TABLES)
    for method, url, body, field in [
        ("GET", f"/api/v1/channels/{2**31}", None, "channel_id"),
        ("GET", f"/api/v1/threads/{10**30}/messages", None, "thread_id"),
        ("GET", f"/api/v1/messages/{2**63}", None, "message_id"),
        ("DELETE", "/api/v1/messages/0", None, "message_id"),
        ("POST", f"/api/v1/threads/{room.thread_id}/read", {"message_id": 2**64}, "message_id"),
        (
            "POST",
            f"/api/v1/threads/{room.thread_id}/messages",
            {"body": "첨부", "attachment_ids": [1, -(2**70)]},
            "1",
        ),
        ("POST", f"/api/v1/channels/{room.channel_id}/members", {"user_id": 2**31}, "user_id"),
    ]:
        response = await client.request(method, url, json=body, headers=h)
        problem = assert_problem(response, 422, "invalid_input")
        assert _fields(problem) == {field}, problem
    # The largest message id is a well-formed one that names no message.
    assert_problem(await client.get(f"/api/v1/messages/{2**63 - 1}", headers=h), 404, "not_found")
    assert await row_counts(app, TABLES) == before


async def test_control_characters_are_dropped_from_attachment_names(
    client: httpx.AsyncClient, room: Room
) -> None:
    # A NUL in the multipart file name reached the database (500 on PostgreSQL). Written by
    # hand: HTTP clients percent-encode it.
    body = (
        b"--b0undary\r\n"
        b'Content-Disposition: form-data; name="file"; filename="\xed\x9a\x8c\x00\x01.png"\r\n'
        b"Content-Type: image/png\r\n\r\n%PDF-1.4\n\r\n--b0undary--\r\n"
    )
    response = await client.post(
        f"/api/v1/channels/{room.channel_id}/attachments",
        content=body,
        headers={**room.seoul.headers, "Content-Type": "multipart/form-data; boundary=b0undary"},
    )
    assert response.status_code == 201, response.text
    assert response.json()["filename"] == "회.png"
