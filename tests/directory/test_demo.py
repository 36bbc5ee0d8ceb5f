"""The directory demo loads on top of the identity demo and links to it."""

from __future__ import annotations

import httpx
from fastapi import FastAPI

from server.core.db import Database
from server.directory.demo import load_directory_demo
from tests.factories import make_org, make_user


async def test_directory_demo_loads_and_links_the_identity_demo(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    # What the identity demo (server/demo.py) makes, as far as the directory demo needs it.
    seoul = await make_org(app, country="KR", name="서울특별시")
    beijing = await make_org(app, country="CN", name="北京市人民政府")
    await make_user(app, org=seoul, username="seoul.kim")
    await make_user(app, org=beijing, username="beijing.wang")
    db: Database = app.state.db
    async with db.transaction() as session:
        await load_directory_demo(session)
    admin = await make_user(app, role="admin")
    partnerships = (await client.get("/api/v1/partnerships", headers=admin.headers)).json()
    assert [p["kind"] for p in partnerships["items"]] == ["sister"]
    assert partnerships["items"][0]["signed_on"] == "1993-10-23"  # Seoul–Beijing, 23 Oct 1993
    pairs = (await client.get("/api/v1/counterparts", headers=admin.headers)).json()["items"]
    assert len(pairs) == 1
    glossary = (
        await client.get("/api/v1/glossary", params={"q": "联合委员会"}, headers=admin.headers)
    ).json()["items"]
    assert glossary[0]["terms"]["ko"] == "공동위원회"
    linked = await client.get(
        f"/api/v1/directory/organization-cities/{beijing.id}", headers=admin.headers
    )
    beijing_city = await client.get(
        f"/api/v1/cities/{linked.json()['city_id']}", headers=admin.headers
    )
    assert beijing_city.json()["name"] == "北京"
