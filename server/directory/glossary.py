"""The glossary of exchange terms in Korean, Chinese and English. Services flush; the caller
commits."""

from __future__ import annotations

from sqlalchemy import func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from server.core.pagination import keyset_page
from server.directory import service
from server.directory.models import (
    GlossaryTerm,
    GlossaryTermCreate,
    GlossaryTermRead,
    Sector,
)
from server.identity.service import Principal


def glossary_read(term: GlossaryTerm) -> GlossaryTermRead:
    assert term.id is not None
    terms = {"ko": term.ko, "zh-Hans": term.zh_hans, "en": term.en}
    return GlossaryTermRead(
        id=term.id,
        terms={lang: text for lang, text in terms.items() if text},
        note=term.note,
        sector_id=term.sector_id,
        version=term.version,
    )


async def create_glossary_term(
    session: AsyncSession, actor: Principal | None, data: GlossaryTermCreate, ip: str | None
) -> GlossaryTerm:
    if actor is not None:
        service.require_admin(actor)
    terms = {k: v.strip() for k, v in data.terms.as_dict().items() if v.strip()}
    if len(terms) < 2:
        raise service.invalid(
            "A glossary entry needs the term in at least two of ko, zh-Hans and en.",
            "glossary_needs_two_languages",
            "terms",
        )
    if data.sector_id is not None and await session.get(Sector, data.sector_id) is None:
        raise service.invalid(f"No sector {data.sector_id}.", "unknown_sector", "sector_id")
    term = GlossaryTerm(
        ko=terms.get("ko"),
        zh_hans=terms.get("zh-Hans"),
        en=terms.get("en"),
        note=data.note,
        sector_id=data.sector_id,
    )
    session.add(term)
    await session.flush()
    assert term.id is not None
    actor_id = actor.user_id if actor else None
    await service.record(
        session, "glossary_term", term.id, "created", 1, service.dump(glossary_read(term)), actor_id
    )
    if actor is not None:
        await service.audit(session, actor, "glossary_term.created", ip, "glossary_term", term.id)
    return term


async def list_glossary(
    session: AsyncSession,
    *,
    cursor: str | None,
    limit: int | None,
    q: str | None = None,
    sector_id: int | None = None,
) -> service.Page:
    query = select(GlossaryTerm)
    if q:
        needle = q.strip().lower()
        query = query.where(
            or_(
                *(
                    func.lower(col(column)).contains(needle, autoescape=True)
                    for column in (GlossaryTerm.ko, GlossaryTerm.zh_hans, GlossaryTerm.en)
                )
            )
        )
    if sector_id is not None:
        query = query.where(col(GlossaryTerm.sector_id) == sector_id)
    return await keyset_page(session, query, GlossaryTerm.id, cursor, limit)
