"""Directory demo data: real, well-known facts (regions and cities of Korea and China, the
Seoul–Beijing sister-city relation of 1993, common exchange terms); whatever is invented (the
counterpart pair of the demo officials) is marked [DEMO]."""

from __future__ import annotations

from datetime import date

from sqlalchemy.ext.asyncio import AsyncSession

from server.core.i18n import Translations
from server.directory import counterparts, glossary, partnerships, regions, sectors, service
from server.directory.models import (
    CityCreate,
    CounterpartCreate,
    GlossaryTermCreate,
    PartnershipCreate,
    RegionCreate,
    RegionKind,
)
from server.identity import organizations
from server.identity import service as identity

# key: (name, name_lang, ko, zh-Hans, en, country, kind)
REGIONS: dict[str, tuple[str, str, str, str, str, str, RegionKind]] = {
    "seoul": ("서울특별시", "ko", "서울특별시", "首尔特别市", "Seoul", "KR", "special_city"),
    "busan": ("부산광역시", "ko", "부산광역시", "釜山广域市", "Busan", "KR", "metropolitan_city"),
    "gyeonggi": ("경기도", "ko", "경기도", "京畿道", "Gyeonggi Province", "KR", "province"),
    "beijing": ("北京市", "zh-Hans", "베이징시", "北京市", "Beijing", "CN", "municipality"),
    "shanghai": ("上海市", "zh-Hans", "상하이시", "上海市", "Shanghai", "CN", "municipality"),
    "shandong": ("山东省", "zh-Hans", "산둥성", "山东省", "Shandong Province", "CN", "province"),
    "guangdong": (
        "广东省",
        "zh-Hans",
        "광둥성",
        "广东省",
        "Guangdong Province",
        "CN",
        "province",
    ),
}

# key: (name, name_lang, ko, zh-Hans, en, region key)
CITIES: dict[str, tuple[str, str, str, str, str, str]] = {
    "seoul": ("서울", "ko", "서울", "首尔", "Seoul", "seoul"),
    "busan": ("부산", "ko", "부산", "釜山", "Busan", "busan"),
    "suwon": ("수원시", "ko", "수원시", "水原市", "Suwon", "gyeonggi"),
    "beijing": ("北京", "zh-Hans", "베이징", "北京", "Beijing", "beijing"),
    "shanghai": ("上海", "zh-Hans", "상하이", "上海", "Shanghai", "shanghai"),
    "qingdao": ("青岛市", "zh-Hans", "칭다오시", "青岛市", "Qingdao", "shandong"),
    "jinan": ("济南市", "zh-Hans", "지난시", "济南市", "Jinan", "shandong"),
    "guangzhou": ("广州市", "zh-Hans", "광저우시", "广州市", "Guangzhou", "guangdong"),
}

# ko, zh-Hans, en, note
GLOSSARY = (
    ("공동위원회", "联合委员会", "joint committee", ""),
    (
        "자매도시",
        "友好城市",
        "sister city",
        "China calls a sister city 友好城市; Korea's 우호도시 (friendly city) corresponds to "
        "China's 友好交流城市.",
    ),
    ("우호도시", "友好交流城市", "friendly city", "See 자매도시 / 友好城市."),
    ("양해각서", "谅解备忘录", "memorandum of understanding (MOU)", ""),
    ("대표단", "代表团", "delegation", ""),
    ("회의록", "会议纪要", "minutes", ""),
)


def _translations(ko: str, zh: str, en: str) -> Translations:
    return Translations(ko=ko, en=en, **{"zh-Hans": zh})


async def load_directory_demo(session: AsyncSession) -> None:
    """Load the directory demo into a database with the sectors of the migration; when the
    identity demo is there too, link its Seoul and Beijing organizations to their cities and
    pair its officials for economy and trade ([DEMO])."""
    region_ids: dict[str, int] = {}
    for key, (name, lang, ko, zh, en, country, kind) in REGIONS.items():
        region = await regions.create_region_unchecked(
            session,
            RegionCreate(
                name=name,
                name_lang=lang,
                translations=_translations(ko, zh, en),
                country=country,
                kind=kind,
            ),
        )
        assert region.id is not None
        region_ids[key] = region.id
    cities: dict[str, int] = {}
    for key, (name, lang, ko, zh, en, region_key) in CITIES.items():
        city = await service.create_city_unchecked(
            session,
            CityCreate(
                name=name,
                name_lang=lang,
                translations=_translations(ko, zh, en),
                country=REGIONS[region_key][5],
                region_id=region_ids[region_key],
            ),
        )
        assert city.id is not None
        cities[key] = city.id
    partnership = await partnerships.create_partnership_unchecked(
        session,
        PartnershipCreate(
            member_city_id=cities["seoul"],
            partner_city_id=cities["beijing"],
            kind="sister",
            signed_on=date(1993, 10, 23),
            status="active",
            notes="Sister cities since 1993.",
        ),
    )
    for ko, zh, en, note in GLOSSARY:
        await glossary.create_glossary_term(
            session,
            None,
            GlossaryTermCreate(terms=_translations(ko, zh, en), note=note),
            ip=None,
        )
    await _link_identity_demo(session, cities, partnership.id)


async def _link_identity_demo(
    session: AsyncSession, cities: dict[str, int], partnership_id: int | None
) -> None:
    orgs, _ = await organizations.list_organizations(session, cursor=None, limit=200)
    for org in orgs:
        city_key = {"서울특별시": "seoul", "北京市人民政府": "beijing"}.get(org.name)
        if city_key is not None and org.id is not None:
            await service.set_organization_city(session, None, org.id, cities[city_key], None)
    users, _ = await identity.list_users(session, cursor=None, limit=200)
    by_name = {user.username: user.id for user in users}
    kr, cn = by_name.get("seoul.kim"), by_name.get("beijing.wang")
    if kr is None or cn is None or partnership_id is None:
        return
    sector = await sectors.sector_by_code(session, "economy_trade")
    assert sector.id is not None
    # [DEMO] an invented pairing of the demo officials.
    await counterparts.create_counterpart(
        session,
        None,
        CounterpartCreate(
            partnership_id=partnership_id, sector_id=sector.id, kr_user_id=kr, cn_user_id=cn
        ),
        ip=None,
    )
