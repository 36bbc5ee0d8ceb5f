"""What the directory tests share: a Korean and a Chinese city and a partnership, made
through the API."""

from __future__ import annotations

from typing import Any

import httpx

from tests.factories import Person

DIRECTORY_TABLES = (
    "change_log",
    "regions",
    "cities",
    "partnerships",
    "sectors",
    "counterparts",
    "glossary_terms",
    "organization_cities",
)


async def post(client: httpx.AsyncClient, who: Person, path: str, body: dict[str, Any]) -> Any:
    response = await client.post(f"/api/v1{path}", json=body, headers=who.headers)
    assert response.status_code == 201, response.text
    return response.json()


async def seoul_beijing(client: httpx.AsyncClient, admin: Person) -> dict[str, Any]:
    """Regions Seoul and Beijing, their cities, and the sister-city partnership."""
    seoul_region = await post(
        client,
        admin,
        "/regions",
        {"name": "서울특별시", "country": "KR", "kind": "special_city"},
    )
    beijing_region = await post(
        client,
        admin,
        "/regions",
        {"name": "北京市", "country": "CN", "kind": "municipality"},
    )
    seoul = await post(
        client,
        admin,
        "/cities",
        {
            "name": "서울",
            "country": "KR",
            "region_id": seoul_region["id"],
            "translations": {"zh-Hans": "首尔", "en": "Seoul"},
        },
    )
    beijing = await post(
        client,
        admin,
        "/cities",
        {
            "name": "北京",
            "country": "CN",
            "region_id": beijing_region["id"],
            "translations": {"ko": "베이징", "en": "Beijing"},
        },
    )
    partnership = await post(
        client,
        admin,
        "/partnerships",
        {
            "member_city_id": seoul["id"],
            "partner_city_id": beijing["id"],
            "kind": "sister",
            "signed_on": "1993-10-23",
        },
    )
    return {
        "seoul_region": seoul_region,
        "beijing_region": beijing_region,
        "seoul": seoul,
        "beijing": beijing,
        "partnership": partnership,
    }
