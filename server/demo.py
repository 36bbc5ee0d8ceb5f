"""Clearly labelled demo data for a first start: two delegations, their people, an admin,
and one channel."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from server.core.db import Database
from server.core.i18n import Translations
from server.directory.demo import load_directory_demo
from server.discussion import service as discussion
from server.discussion.models import ChannelCreate, MessageCreate, ThreadCreate
from server.identity import service as identity
from server.identity.models import OrganizationCreate, User, UserCreate
from server.identity.service import Principal

DEMO_PASSWORD = "gyoryu-demo-2026"  # printed at start-up; a demo only, never production


@dataclass(frozen=True)
class DemoLogin:
    username: str
    password: str
    who: str


DEMO_USERS = (
    # username, display name, locale, time zone, organization key, role
    ("admin", "Gyoryu Admin [DEMO]", "en", "Asia/Seoul", "seoul", "admin"),
    ("seoul.kim", "김지현 [DEMO]", "ko", "Asia/Seoul", "seoul", "member"),
    ("seoul.lee", "이준호 [DEMO]", "ko", "Asia/Seoul", "seoul", "member"),
    ("beijing.wang", "王芳 [DEMO]", "zh-Hans", "Asia/Shanghai", "beijing", "member"),
    ("beijing.li", "李伟 [DEMO]", "zh-Hans", "Asia/Shanghai", "beijing", "member"),
)


async def is_empty(session: AsyncSession) -> bool:
    count = (await session.execute(select(func.count()).select_from(User))).scalar_one()
    return int(count) == 0


async def load_demo(session: AsyncSession) -> list[DemoLogin]:
    seoul = await identity.create_organization_unchecked(
        session,
        OrganizationCreate(
            name="서울특별시",
            name_lang="ko",
            translations=Translations(
                en="Seoul Metropolitan Government", **{"zh-Hans": "首尔特别市"}
            ),
            country="KR",
            city="Seoul",
        ),
    )
    beijing = await identity.create_organization_unchecked(
        session,
        OrganizationCreate(
            name="北京市人民政府",
            name_lang="zh-Hans",
            translations=Translations(ko="베이징시 인민정부", en="Beijing Municipal Government"),
            country="CN",
            city="Beijing",
        ),
    )
    orgs = {"seoul": seoul.id, "beijing": beijing.id}
    logins = []
    user_ids = []
    for username, name, locale, tz, org, role in DEMO_USERS:
        user = await identity.create_user(
            session,
            None,
            UserCreate(
                username=username,
                display_name=name,
                password=DEMO_PASSWORD,
                locale=locale,
                timezone=tz,
                organization_id=orgs[org],
                role=role,
            ),
            ip=None,
        )
        logins.append(DemoLogin(username, DEMO_PASSWORD, name))
        assert user.id is not None
        user_ids.append(user.id)
    await _demo_channel(session, owner_id=user_ids[1], member_ids=user_ids[2:])
    await load_directory_demo(session)
    return logins


async def _demo_channel(session: AsyncSession, owner_id: int, member_ids: list[int]) -> None:
    channel = await discussion.create_channel_unchecked(
        session,
        owner_id,
        ChannelCreate(
            name="서울–北京 실무협의 Working group [DEMO]",
            description="Demo channel of the Seoul–Beijing working-level exchange.",
            member_ids=member_ids,
        ),
    )
    assert channel.id is not None
    principal = Principal(
        user_id=owner_id,
        username="",
        role="member",
        organization_id=None,
        is_bot=False,
        token_id=0,
        scopes=None,
        channel_ids=None,
    )
    thread = await discussion.create_thread(
        session, principal, channel.id, ThreadCreate(title="환영합니다 · 欢迎 · Welcome")
    )
    assert thread.id is not None
    await discussion.post_message(
        session,
        principal,
        thread.id,
        MessageCreate(body="[DEMO] 서울과 베이징 실무자 여러분, 환영합니다.", lang="ko"),
    )


async def load_demo_if_empty(db: Database) -> list[DemoLogin] | None:
    async with db.transaction() as session:
        if not await is_empty(session):
            return None
        return await load_demo(session)
