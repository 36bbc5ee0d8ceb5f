"""Clearly labelled demo data for a first start: two delegations, their people, an admin,
and one channel."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from server.core.db import Database
from server.core.i18n import Translations
from server.core.types import utcnow
from server.directory import partnerships as directory_partnerships
from server.directory.demo import load_directory_demo
from server.discussion import posting, threads
from server.discussion import service as discussion
from server.discussion.models import ChannelCreate, MessageCreate, ThreadCreate
from server.identity import organizations
from server.identity import service as identity
from server.identity.models import OrganizationCreate, User, UserCreate
from server.identity.service import Principal
from server.meetings import agenda, series
from server.meetings import service as meetings
from server.meetings.schemas import AgendaCreate, MeetingCreate, ParticipantIn, SeriesCreate

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
    seoul = await organizations.create_organization_unchecked(
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
    beijing = await organizations.create_organization_unchecked(
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
    channel_id = await _demo_channel(session, owner_id=user_ids[1], member_ids=user_ids[2:])
    await load_directory_demo(session)
    assert seoul.id is not None and beijing.id is not None
    await _demo_meeting(session, user_ids, [seoul.id, beijing.id], channel_id)
    return logins


def _principal(user_id: int, role: str = "member") -> Principal:
    return Principal(
        user_id=user_id,
        username="",
        role=role,
        organization_id=None,
        is_bot=False,
        token_id=0,
        scopes=None,
        channel_ids=None,
    )


async def _demo_channel(session: AsyncSession, owner_id: int, member_ids: list[int]) -> int:
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
    principal = _principal(owner_id)
    thread = await threads.create_thread(
        session, principal, channel.id, ThreadCreate(title="환영합니다 · 欢迎 · Welcome")
    )
    assert thread.id is not None
    await posting.post_message(
        session,
        principal,
        thread.id,
        MessageCreate(body="[DEMO] 서울과 베이징 실무자 여러분, 환영합니다.", lang="ko"),
    )
    return channel.id


async def _demo_meeting(
    session: AsyncSession, user_ids: list[int], organization_ids: list[int], channel_id: int
) -> None:
    """The joint committee as a series, and its next meeting two weeks from now (in Seoul at
    10:00, in Beijing at 09:00), with two agenda items."""
    admin_id, kim, lee, wang, li = user_ids
    partnerships, _ = await directory_partnerships.list_partnerships(session, cursor=None, limit=10)
    committee = await series.create_series(
        session,
        _principal(admin_id, role="admin"),
        SeriesCreate(
            name="서울–베이징 공동위원회 [DEMO]",
            translations=Translations(
                en="Seoul–Beijing Joint Committee", **{"zh-Hans": "首尔–北京联合委员会"}
            ),
            description="Demo series of the Seoul–Beijing joint committee.",
            channel_id=channel_id,
            partnership_ids=[p.id for p in partnerships],
        ),
    )
    day = (utcnow() + timedelta(days=14)).date()
    starts = datetime(day.year, day.month, day.day, 1, 0, tzinfo=UTC)  # 10:00 in Seoul
    chair = _principal(kim)
    meeting = await meetings.create_meeting(
        session,
        chair,
        MeetingCreate(
            title="서울–베이징 실무협의 [DEMO]",
            translations=Translations(
                en="Seoul–Beijing working meeting", **{"zh-Hans": "首尔–北京工作会议"}
            ),
            mode="hybrid",
            starts_at=starts,
            ends_at=starts + timedelta(hours=2),
            timezone="Asia/Seoul",
            location="Seoul City Hall / 北京市政府 (online)",
            channel_id=channel_id,
            series_id=committee.id,
            organization_ids=organization_ids,
            participants=[
                ParticipantIn(user_id=lee, role="secretary"),
                ParticipantIn(user_id=wang, role="chair"),
                ParticipantIn(user_id=li, role="secretary"),
            ],
        ),
    )
    for title, zh, minutes in (
        ("대기질 공동연구 진행 상황", "空气质量联合研究进展", 30),
        ("청년 교류 프로그램", "青年交流项目", 20),
    ):
        await agenda.create_agenda_item(
            session,
            chair,
            meeting.id,
            AgendaCreate(
                title=title, translations=Translations(**{"zh-Hans": zh}), duration_minutes=minutes
            ),
        )


async def load_demo_if_empty(db: Database) -> list[DemoLogin] | None:
    async with db.transaction() as session:
        if not await is_empty(session):
            return None
        return await load_demo(session)
