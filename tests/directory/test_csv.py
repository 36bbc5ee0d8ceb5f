"""CSV import and export: UTF-8 only, header checked, all rows or none, every bad row
reported with its line, dry runs write nothing, and an export imports back unchanged."""

from __future__ import annotations

import csv
import io
from typing import Any

import httpx
from fastapi import FastAPI
from sqlalchemy import text

from server.core.db import Database
from tests.directory.helpers import DIRECTORY_TABLES, seoul_beijing
from tests.factories import Person, make_org, make_user
from tests.helpers import assert_problem, row_counts

CITIES = (
    "name,name_lang,name_ko,name_zh_hans,name_en,country\n"
    "부산,ko,,釜山,Busan,KR\n"
    "上海,zh-Hans,상하이,,Shanghai,CN\n"
    '"青岛市",,칭다오시,,"Qingdao, Shandong",CN\n'
)


async def _import(
    client: httpx.AsyncClient,
    who: Person,
    kind: str,
    data: bytes | str,
    *,
    dry_run: bool = False,
) -> httpx.Response:
    content = data.encode() if isinstance(data, str) else data
    return await client.post(
        f"/api/v1/directory/import/{kind}",
        params={"dry_run": str(dry_run).lower()},
        files={"file": (f"{kind}.csv", content, "text/csv")},
        headers=who.headers,
    )


async def _export(client: httpx.AsyncClient, who: Person, kind: str) -> bytes:
    response = await client.get(f"/api/v1/directory/export/{kind}.csv", headers=who.headers)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/csv")
    return response.content


async def _change_count(app: FastAPI, entity: str) -> int:
    db: Database = app.state.db
    async with db.session(write=False) as session:
        count = await session.execute(
            text("SELECT COUNT(*) FROM change_log WHERE entity = :e"), {"e": entity}
        )
        return int(count.scalar_one())


async def test_good_file_imports_every_row_with_its_change(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    admin = await make_user(app, role="admin")
    response = await _import(client, admin, "cities", "\ufeff" + CITIES)  # BOM is fine
    assert response.status_code == 200, response.text
    assert response.json() == {
        "kind": "cities",
        "dry_run": False,
        "rows": 3,
        "created": 3,
        "updated": 0,
        "unchanged": 0,
    }
    cities = (await client.get("/api/v1/cities", headers=admin.headers)).json()["items"]
    assert [(c["name"], c["country"], c["name_lang"]) for c in cities] == [
        ("부산", "KR", "ko"),
        ("上海", "CN", "zh-Hans"),
        ("青岛市", "CN", "zh-Hans"),
    ]
    assert cities[0]["translations"] == {"zh-Hans": "釜山", "en": "Busan"}
    assert cities[2]["translations"] == {"ko": "칭다오시", "en": "Qingdao, Shandong"}
    assert await _change_count(app, "city") == 3
    db: Database = app.state.db
    async with db.session(write=False) as session:
        audit = await session.execute(
            text("SELECT details FROM audit_log WHERE action = 'directory.imported'")
        )
        assert len(audit.all()) == 1


async def test_a_file_with_bad_rows_imports_nothing_and_lists_every_bad_row(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    admin = await make_user(app, role="admin")
    before = await row_counts(app, DIRECTORY_TABLES)
    lines = ["name,country"] + [f"도시{n},KR" for n in range(1200)]
    lines[5] = "도시4,JP"  # line 6: bad country
    lines[700] = "도시1,KR"  # line 701: same as line 3
    lines[1100] = ",CN"  # line 1101: no name
    lines.insert(900, "extra,KR,field")  # line 901: too many fields
    response = await _import(client, admin, "cities", "\n".join(lines) + "\n")
    body = assert_problem(response, 422, "csv_invalid_rows")
    assert body["bad_rows"] == 4 and body["rows"] == 1201
    assert [e["line"] for e in body["errors"]] == [6, 701, 901, 1102]
    assert body["errors"][0]["field"] == "country"
    assert "line 3" in body["errors"][1]["message"]
    assert "fields" in body["errors"][2]["message"]
    assert body["errors"][3]["field"] == "name"
    assert await row_counts(app, DIRECTORY_TABLES) == before

    dry = await _import(client, admin, "cities", "\n".join(lines) + "\n", dry_run=True)
    assert assert_problem(dry, 422, "csv_invalid_rows")["errors"] == body["errors"]
    assert await row_counts(app, DIRECTORY_TABLES) == before


async def test_a_bad_row_after_written_batches_rolls_them_back(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    """Rows are written in batches of 500; a conflict found in a late batch undoes them all."""
    admin = await make_user(app, role="admin")
    await client.post("/api/v1/cities", json={"name": "끝", "country": "KR"}, headers=admin.headers)
    before = await row_counts(app, DIRECTORY_TABLES)
    lines = ["name,country"] + [f"도시{n},KR" for n in range(1100)] + ["끝,KR"]
    response = await _import(client, admin, "cities", "\n".join(lines))
    body = assert_problem(response, 422, "csv_invalid_rows")
    assert [e["line"] for e in body["errors"]] == [1102]
    assert "already" in body["errors"][0]["message"]
    assert await row_counts(app, DIRECTORY_TABLES) == before


async def test_files_in_other_encodings_are_refused(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    admin = await make_user(app, role="admin")
    before = await row_counts(app, DIRECTORY_TABLES)
    for encoding in ("cp949", "euc-kr", "gb18030", "utf-16"):
        text_ = CITIES if encoding != "gb18030" else CITIES.replace("부산", "釜山市")
        if encoding in ("cp949", "euc-kr"):
            text_ = "name,country\n부산,KR\n"
        data = text_.encode(encoding)
        response = await _import(client, admin, "cities", data)
        body = assert_problem(response, 422, "csv_not_utf8")
        assert "UTF-8" in body["detail"], encoding
        if encoding in ("cp949", "euc-kr"):
            assert body["line"] == 2 and "CP949" in body["detail"]
    assert await row_counts(app, DIRECTORY_TABLES) == before


async def test_header_is_checked(app: FastAPI, client: httpx.AsyncClient) -> None:
    admin = await make_user(app, role="admin")
    bad = await _import(client, admin, "cities", "name,land\n부산,KR\n")
    body = assert_problem(bad, 422, "csv_bad_header")
    assert body["missing"] == ["country"] and body["unknown"] == ["land"]
    assert_problem(await _import(client, admin, "cities", b""), 422, "csv_empty")
    unknown_kind = await _import(client, admin, "people", "name\n")
    assert unknown_kind.status_code == 422


async def test_dry_run_reports_and_writes_nothing(app: FastAPI, client: httpx.AsyncClient) -> None:
    admin = await make_user(app, role="admin")
    before = await row_counts(app, DIRECTORY_TABLES)
    response = await _import(client, admin, "cities", CITIES, dry_run=True)
    assert response.status_code == 200, response.text
    assert response.json()["dry_run"] is True and response.json()["created"] == 3
    assert await row_counts(app, DIRECTORY_TABLES) == before


def _rows(data: bytes) -> list[dict[str, str]]:
    assert data.startswith("\ufeff".encode())
    return list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"))))


def _csv(rows: list[dict[str, Any]]) -> bytes:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(rows[0]))
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue().encode()


async def test_round_trip_export_import(app: FastAPI, client: httpx.AsyncClient) -> None:
    admin = await make_user(app, role="admin")
    made = await seoul_beijing(client, admin)
    assert (await _import(client, admin, "cities", CITIES)).status_code == 200
    await client.patch(
        f"/api/v1/partnerships/{made['partnership']['id']}",
        json={"notes": "=1+1 is not a formula\nsecond line"},
        headers=admin.headers,
    )
    kr_org, cn_org = await make_org(app, country="KR"), await make_org(app, country="CN")
    kim, wang = await make_user(app, org=kr_org), await make_user(app, org=cn_org)
    lee = await make_user(app, org=kr_org)
    await client.post(
        "/api/v1/counterparts",
        json={
            "partnership_id": made["partnership"]["id"],
            "sector_id": 1,
            "kr_user_id": kim.id,
            "cn_user_id": wang.id,
        },
        headers=admin.headers,
    )
    exported = {
        kind: await _export(client, admin, kind)
        for kind in ("cities", "partnerships", "sectors", "counterparts")
    }
    partnership_rows = _rows(exported["partnerships"])
    assert partnership_rows[0]["notes"] == "'=1+1 is not a formula\nsecond line"
    assert len(_rows(exported["cities"])) == 5
    assert len(_rows(exported["sectors"])) == 9

    before = await row_counts(app, DIRECTORY_TABLES)
    for kind, data in exported.items():
        response = await _import(client, admin, kind, data)
        assert response.status_code == 200, (kind, response.text)
        report = response.json()
        assert (report["created"], report["updated"]) == (0, 0), kind
        assert report["unchanged"] == report["rows"] > 0, kind
    assert await row_counts(app, DIRECTORY_TABLES) == before
    notes = await client.get(
        f"/api/v1/partnerships/{made['partnership']['id']}", headers=admin.headers
    )
    assert notes.json()["notes"] == "=1+1 is not a formula\nsecond line"

    # Edit the exported files as a person would, and import them again.
    cities = _rows(exported["cities"])
    cities[0]["name_en"] = "Seoul (capital)"
    cities.append({**cities[0], "id": "", "version": "", "name": "인천", "name_en": "Incheon"})
    response = await _import(client, admin, "cities", _csv(cities))
    assert (response.json()["created"], response.json()["updated"]) == (1, 1), response.text
    seoul = await client.get(f"/api/v1/cities/{made['seoul']['id']}", headers=admin.headers)
    assert seoul.json()["translations"]["en"] == "Seoul (capital)"
    assert seoul.json()["version"] == 2
    stale = await _import(client, admin, "cities", exported["cities"])
    body = assert_problem(stale, 422, "csv_invalid_rows")
    assert "changed since the export" in body["errors"][0]["message"]

    pairs = _rows(exported["counterparts"])
    pairs[0]["kr_user_id"] = str(lee.id)
    response = await _import(client, admin, "counterparts", _csv(pairs))
    assert response.json()["updated"] == 1, response.text
    history = await client.get(
        f"/api/v1/counterparts/{pairs[0]['id']}/history", headers=admin.headers
    )
    assert [r["kr_user_id"] for r in history.json()["items"]] == [kim.id, lee.id]


async def test_partnership_and_sector_rows_are_checked(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    admin = await make_user(app, role="admin")
    made = await seoul_beijing(client, admin)
    seoul, beijing = made["seoul"]["id"], made["beijing"]["id"]
    data = (
        "member_city_id,partner_city_id,kind,signed_on,status\n"
        f"{seoul},{beijing},friendly,,\n"  # line 2: an open partnership exists
        f"{beijing},{seoul},sister,,\n"  # line 3: wrong sides
        f"{seoul},999,sister,,\n"  # line 4: no such city
        f"{seoul},{beijing},sister,1993-13-01,ended\n"  # line 5: bad date
        f"{seoul},{beijing},sister,1992-08-24,ended\n"  # line 6: fine (an ended one)
    )
    body = assert_problem(
        await _import(client, admin, "partnerships", data), 422, "csv_invalid_rows"
    )
    assert sorted({e["line"] for e in body["errors"]}) == [2, 3, 4, 5]
    sectors = "code,name,name_en\nsports,체육,Sports\ntourism,관광여행,Tourism\nBad,x,\n"
    body = assert_problem(await _import(client, admin, "sectors", sectors), 422, "csv_invalid_rows")
    assert [e["line"] for e in body["errors"]] == [4]
    ok = await _import(client, admin, "sectors", sectors.replace("Bad,x,\n", ""))
    assert (ok.json()["created"], ok.json()["updated"]) == (1, 1), ok.text


async def test_imported_changes_are_published_after_commit(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    admin = await make_user(app, role="admin")
    published: list[Any] = []

    async def listen(events: Any) -> None:
        published.extend(e for e in events if e.entity == "city")

    app.state.broker.on_changes(listen)
    assert (await _import(client, admin, "cities", CITIES, dry_run=True)).status_code == 200
    assert published == []
    assert (await _import(client, admin, "cities", CITIES)).status_code == 200
    assert [(e.scope, e.op) for e in published] == [("platform", "created")] * 3
    assert [e.seq for e in published] == sorted(e.seq for e in published)
    assert published[0].to_dict()["data"]["name"] == "부산"


async def test_nul_characters_and_ids_past_the_id_range_are_bad_rows_not_server_errors(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    # A NUL in a cell (PostgreSQL cannot store it) and an id past the 32-bit id columns
    # (neither database can compare it) reached the database: 500.
    admin = await make_user(app, role="admin")
    made = await seoul_beijing(client, admin)
    seoul, beijing = made["seoul"]["id"], made["beijing"]["id"]
    before = await row_counts(app, DIRECTORY_TABLES)
    cities = "name,country\n부\x00산,KR\n인천,KR\n"
    body = assert_problem(await _import(client, admin, "cities", cities), 422, "csv_invalid_rows")
    assert [(e["line"], e["field"]) for e in body["errors"]] == [(2, "name")]
    assert "NUL" in body["errors"][0]["message"]
    partnerships = (
        f"member_city_id,partner_city_id,kind\n{seoul},{2**31},sister\n{10**30},{beijing},sister\n"
    )
    body = assert_problem(
        await _import(client, admin, "partnerships", partnerships), 422, "csv_invalid_rows"
    )
    assert [(e["line"], e["field"]) for e in body["errors"]] == [
        (2, "partner_city_id"),
        (3, "member_city_id"),
    ]
    assert await row_counts(app, DIRECTORY_TABLES) == before
