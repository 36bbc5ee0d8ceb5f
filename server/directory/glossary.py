"""The glossary of exchange terms in Korean, Chinese and English. Services flush; the caller
commits."""

from __future__ import annotations

from typing import Any, TypedDict

from sqlalchemy import func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from server.core.errors import NotFound, check_version
from server.core.i18n import Translations
from server.core.pagination import keyset_page
from server.directory import service
from server.directory.models import (
    GLOSSARY_TERM_MAX_LENGTH,
    GlossaryTerm,
    GlossaryTermCreate,
    GlossaryTermRead,
    GlossaryTermUpdate,
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


class _TermColumns(TypedDict):
    ko: str | None
    zh_hans: str | None
    en: str | None


def _term_columns(terms: Translations) -> _TermColumns:
    """The term in each language as the columns hold it (trimmed; ``None`` where missing)."""
    texts = {lang: text.strip() for lang, text in terms.as_dict().items() if text.strip()}
    if len(texts) < 2:
        raise service.invalid(
            "A glossary entry needs the term in at least two of ko, zh-Hans and en.",
            "glossary_needs_two_languages",
            "terms",
        )
    for lang, text in texts.items():
        # Checked here, not by Translations (up to 2000): PostgreSQL refused longer terms (500).
        if len(text) > GLOSSARY_TERM_MAX_LENGTH:
            raise service.invalid(
                f"A term has at most {GLOSSARY_TERM_MAX_LENGTH} characters.",
                "invalid_input",
                f"terms.{lang}",
            )
    return _TermColumns(ko=texts.get("ko"), zh_hans=texts.get("zh-Hans"), en=texts.get("en"))


async def _check_sector(session: AsyncSession, sector_id: int | None) -> None:
    if sector_id is not None and await session.get(Sector, sector_id) is None:
        raise service.invalid(f"No sector {sector_id}.", "unknown_sector", "sector_id")


async def create_glossary_term(
    session: AsyncSession, actor: Principal | None, data: GlossaryTermCreate, ip: str | None
) -> GlossaryTerm:
    if actor is not None:
        service.require_admin(actor)
    columns = _term_columns(data.terms)
    await _check_sector(session, data.sector_id)
    term = GlossaryTerm(**columns, note=data.note, sector_id=data.sector_id)
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


async def get_glossary_term(session: AsyncSession, term_id: int) -> GlossaryTerm:
    term = await session.get(GlossaryTerm, term_id)
    if term is None:
        raise NotFound(f"No glossary term {term_id}.")
    return term


async def update_glossary_term(
    session: AsyncSession,
    actor: Principal,
    term_id: int,
    data: GlossaryTermUpdate,
    ip: str | None,
    expected_version: int | None = None,
) -> GlossaryTerm:
    service.require_admin(actor)
    term = await get_glossary_term(session, term_id)
    check_version(term.version, expected_version, service.dump(glossary_read(term)))
    values: dict[str, Any] = {}
    if data.terms is not None:
        values.update(_term_columns(data.terms))
    if data.note is not None:
        values["note"] = data.note
    if "sector_id" in data.model_fields_set:
        await _check_sector(session, data.sector_id)
        values["sector_id"] = data.sector_id
    if service.unchanged(term, values):
        return term
    await service.save_update(
        session,
        actor,
        term,
        values,
        entity="glossary_term",
        read=glossary_read,
        ip=ip,
        fields=data.model_fields_set,
    )
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
