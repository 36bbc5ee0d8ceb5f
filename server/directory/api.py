"""Routes of the exchange directory: parse, authorize, call the service.

Reads: any signed-in person, or a bot with ``directory:read``. Writes: administrators."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, File, Query, Request, Response, UploadFile
from fastapi.responses import StreamingResponse

from server.core.db import Database
from server.core.deps import IfMatch, Limit, SessionDep, client_ip
from server.core.pagination import Page
from server.core.types import Id, NulFreeStr
from server.directory import (
    counterparts,
    csvio,
    glossary,
    partnerships,
    regions,
    sectors,
    service,
)
from server.directory.models import (
    CityCreate,
    CityRead,
    CityUpdate,
    CounterpartCreate,
    CounterpartRead,
    CounterpartUpdate,
    GlossaryTermCreate,
    GlossaryTermRead,
    GlossaryTermUpdate,
    ImportReport,
    OrganizationCityRead,
    OrganizationCitySet,
    PartnershipCreate,
    PartnershipKind,
    PartnershipRead,
    PartnershipStatus,
    PartnershipUpdate,
    RegionCreate,
    RegionKind,
    RegionRead,
    RegionUpdate,
    SectorCreate,
    SectorRead,
    SectorUpdate,
)
from server.identity.idempotency import IdempotencyDep
from server.identity.permissions import AdminPrincipal, require
from server.identity.service import Principal

router = APIRouter(tags=["directory"])
DirectoryReader = Annotated[Principal, Depends(require("directory:read"))]
CountryFilter = Literal["KR", "CN"]
CsvKind = Literal["cities", "partnerships", "sectors", "counterparts"]


# ---- regions ----------------------------------------------------------------------------


@router.post("/regions", status_code=201, response_model=RegionRead)
async def create_region(
    body: RegionCreate,
    request: Request,
    principal: AdminPrincipal,
    session: SessionDep,
    idem: IdempotencyDep,
) -> Response:
    if (replay := await idem.replay(principal)) is not None:
        return replay
    region = await regions.create_region(session, principal, body, client_ip(request))
    return await idem.remember(principal, 201, regions.region_read(region))


@router.get("/regions", response_model=Page[RegionRead])
async def list_regions(
    _: DirectoryReader,
    session: SessionDep,
    cursor: str | None = None,
    limit: Limit = None,
    country: CountryFilter | None = None,
    kind: RegionKind | None = None,
) -> Page[RegionRead]:
    rows, next_cursor = await regions.list_regions(
        session, cursor=cursor, limit=limit, country=country, kind=kind
    )
    return Page(items=[regions.region_read(r) for r in rows], next_cursor=next_cursor)


@router.get("/regions/{region_id}", response_model=RegionRead)
async def get_region(region_id: Id, _: DirectoryReader, session: SessionDep) -> RegionRead:
    return regions.region_read(await regions.get_region(session, region_id))


@router.patch("/regions/{region_id}", response_model=RegionRead)
async def update_region(
    region_id: Id,
    body: RegionUpdate,
    request: Request,
    principal: AdminPrincipal,
    session: SessionDep,
    if_match: IfMatch = None,
) -> RegionRead:
    region = await regions.update_region(
        session, principal, region_id, body, client_ip(request), expected_version=if_match
    )
    return regions.region_read(region)


# ---- cities -----------------------------------------------------------------------------


@router.post("/cities", status_code=201, response_model=CityRead)
async def create_city(
    body: CityCreate,
    request: Request,
    principal: AdminPrincipal,
    session: SessionDep,
    idem: IdempotencyDep,
) -> Response:
    if (replay := await idem.replay(principal)) is not None:
        return replay
    city = await service.create_city(session, principal, body, client_ip(request))
    return await idem.remember(principal, 201, service.city_read(city))


@router.get("/cities", response_model=Page[CityRead])
async def list_cities(
    _: DirectoryReader,
    session: SessionDep,
    cursor: str | None = None,
    limit: Limit = None,
    country: CountryFilter | None = None,
    region_id: Id | None = None,
) -> Page[CityRead]:
    rows, next_cursor = await service.list_cities(
        session, cursor=cursor, limit=limit, country=country, region_id=region_id
    )
    return Page(items=[service.city_read(c) for c in rows], next_cursor=next_cursor)


@router.get("/cities/{city_id}", response_model=CityRead)
async def get_city(city_id: Id, _: DirectoryReader, session: SessionDep) -> CityRead:
    return service.city_read(await service.get_city(session, city_id))


@router.patch("/cities/{city_id}", response_model=CityRead)
async def update_city(
    city_id: Id,
    body: CityUpdate,
    request: Request,
    principal: AdminPrincipal,
    session: SessionDep,
    if_match: IfMatch = None,
) -> CityRead:
    city = await service.update_city(
        session, principal, city_id, body, client_ip(request), expected_version=if_match
    )
    return service.city_read(city)


# ---- partnerships -----------------------------------------------------------------------


@router.post("/partnerships", status_code=201, response_model=PartnershipRead)
async def create_partnership(
    body: PartnershipCreate,
    request: Request,
    principal: AdminPrincipal,
    session: SessionDep,
    idem: IdempotencyDep,
) -> Response:
    if (replay := await idem.replay(principal)) is not None:
        return replay
    partnership = await partnerships.create_partnership(
        session, principal, body, client_ip(request)
    )
    return await idem.remember(principal, 201, partnerships.partnership_read(partnership))


@router.get("/partnerships", response_model=Page[PartnershipRead])
async def list_partnerships(
    _: DirectoryReader,
    session: SessionDep,
    cursor: str | None = None,
    limit: Limit = None,
    city_id: Id | None = None,
    kind: PartnershipKind | None = None,
    status: PartnershipStatus | None = None,
) -> Page[PartnershipRead]:
    rows, next_cursor = await partnerships.list_partnerships(
        session, cursor=cursor, limit=limit, city_id=city_id, kind=kind, status=status
    )
    return Page(items=[partnerships.partnership_read(p) for p in rows], next_cursor=next_cursor)


@router.get("/partnerships/{partnership_id}", response_model=PartnershipRead)
async def get_partnership(
    partnership_id: Id, _: DirectoryReader, session: SessionDep
) -> PartnershipRead:
    return partnerships.partnership_read(
        await partnerships.get_partnership(session, partnership_id)
    )


@router.patch("/partnerships/{partnership_id}", response_model=PartnershipRead)
async def update_partnership(
    partnership_id: Id,
    body: PartnershipUpdate,
    request: Request,
    principal: AdminPrincipal,
    session: SessionDep,
    if_match: IfMatch = None,
) -> PartnershipRead:
    partnership = await partnerships.update_partnership(
        session, principal, partnership_id, body, client_ip(request), expected_version=if_match
    )
    return partnerships.partnership_read(partnership)


# ---- sectors ----------------------------------------------------------------------------


@router.post("/sectors", status_code=201, response_model=SectorRead)
async def create_sector(
    body: SectorCreate,
    request: Request,
    principal: AdminPrincipal,
    session: SessionDep,
    idem: IdempotencyDep,
) -> Response:
    if (replay := await idem.replay(principal)) is not None:
        return replay
    sector = await sectors.create_sector(session, principal, body, client_ip(request))
    return await idem.remember(principal, 201, sectors.sector_read(sector))


@router.get("/sectors", response_model=Page[SectorRead])
async def list_sectors(
    _: DirectoryReader, session: SessionDep, cursor: str | None = None, limit: Limit = None
) -> Page[SectorRead]:
    rows, next_cursor = await sectors.list_sectors(session, cursor=cursor, limit=limit)
    return Page(items=[sectors.sector_read(s) for s in rows], next_cursor=next_cursor)


@router.get("/sectors/{sector_id}", response_model=SectorRead)
async def get_sector(sector_id: Id, _: DirectoryReader, session: SessionDep) -> SectorRead:
    return sectors.sector_read(await sectors.get_sector(session, sector_id))


@router.patch("/sectors/{sector_id}", response_model=SectorRead)
async def update_sector(
    sector_id: Id,
    body: SectorUpdate,
    request: Request,
    principal: AdminPrincipal,
    session: SessionDep,
    if_match: IfMatch = None,
) -> SectorRead:
    sector = await sectors.update_sector(
        session, principal, sector_id, body, client_ip(request), expected_version=if_match
    )
    return sectors.sector_read(sector)


# ---- organizations' cities --------------------------------------------------------------


@router.get("/directory/organization-cities/{organization_id}", response_model=OrganizationCityRead)
async def get_organization_city(
    organization_id: Id, _: DirectoryReader, session: SessionDep
) -> OrganizationCityRead:
    return await service.get_organization_city(session, organization_id)


@router.put("/directory/organization-cities/{organization_id}", response_model=OrganizationCityRead)
async def set_organization_city(
    organization_id: Id,
    body: OrganizationCitySet,
    request: Request,
    principal: AdminPrincipal,
    session: SessionDep,
) -> OrganizationCityRead:
    return await service.set_organization_city(
        session, principal, organization_id, body.city_id, client_ip(request)
    )


# ---- counterparts -----------------------------------------------------------------------


@router.post("/counterparts", status_code=201, response_model=CounterpartRead)
async def create_counterpart(
    body: CounterpartCreate,
    request: Request,
    principal: AdminPrincipal,
    session: SessionDep,
    idem: IdempotencyDep,
) -> Response:
    if (replay := await idem.replay(principal)) is not None:
        return replay
    counterpart = await counterparts.create_counterpart(
        session, principal, body, client_ip(request)
    )
    return await idem.remember(principal, 201, counterparts.counterpart_read(counterpart))


@router.get("/counterparts", response_model=Page[CounterpartRead])
async def list_counterparts(
    _: DirectoryReader,
    session: SessionDep,
    cursor: str | None = None,
    limit: Limit = None,
    partnership_id: Id | None = None,
    sector_id: Id | None = None,
    user_id: Id | None = None,
    include_ended: bool = False,
) -> Page[CounterpartRead]:
    rows, next_cursor = await counterparts.list_counterparts(
        session,
        cursor=cursor,
        limit=limit,
        partnership_id=partnership_id,
        sector_id=sector_id,
        user_id=user_id,
        include_ended=include_ended,
    )
    return Page(items=[counterparts.counterpart_read(c) for c in rows], next_cursor=next_cursor)


@router.get("/counterparts/{counterpart_id}", response_model=CounterpartRead)
async def get_counterpart(
    counterpart_id: Id, _: DirectoryReader, session: SessionDep
) -> CounterpartRead:
    return counterparts.counterpart_read(
        await counterparts.get_counterpart(session, counterpart_id)
    )


@router.get("/counterparts/{counterpart_id}/history", response_model=Page[CounterpartRead])
async def counterpart_history(
    counterpart_id: Id,
    _: DirectoryReader,
    session: SessionDep,
    cursor: str | None = None,
    limit: Limit = None,
) -> Page[CounterpartRead]:
    rows, next_cursor = await counterparts.counterpart_history(
        session, counterpart_id, cursor=cursor, limit=limit
    )
    return Page(items=[counterparts.counterpart_read(c) for c in rows], next_cursor=next_cursor)


@router.patch("/counterparts/{counterpart_id}", response_model=CounterpartRead)
async def change_counterpart(
    counterpart_id: Id,
    body: CounterpartUpdate,
    request: Request,
    principal: AdminPrincipal,
    session: SessionDep,
    if_match: IfMatch = None,
) -> CounterpartRead:
    counterpart = await counterparts.change_counterpart(
        session, principal, counterpart_id, body, client_ip(request), expected_version=if_match
    )
    return counterparts.counterpart_read(counterpart)


@router.post("/counterparts/{counterpart_id}/end", response_model=CounterpartRead)
async def end_counterpart(
    counterpart_id: Id,
    request: Request,
    principal: AdminPrincipal,
    session: SessionDep,
    if_match: IfMatch = None,
) -> CounterpartRead:
    counterpart = await counterparts.end_counterpart(
        session, principal, counterpart_id, client_ip(request), expected_version=if_match
    )
    return counterparts.counterpart_read(counterpart)


# ---- glossary ---------------------------------------------------------------------------


@router.post("/glossary", status_code=201, response_model=GlossaryTermRead)
async def create_glossary_term(
    body: GlossaryTermCreate,
    request: Request,
    principal: AdminPrincipal,
    session: SessionDep,
    idem: IdempotencyDep,
) -> Response:
    if (replay := await idem.replay(principal)) is not None:
        return replay
    term = await glossary.create_glossary_term(session, principal, body, client_ip(request))
    return await idem.remember(principal, 201, glossary.glossary_read(term))


@router.get("/glossary", response_model=Page[GlossaryTermRead])
async def list_glossary(
    _: DirectoryReader,
    session: SessionDep,
    cursor: str | None = None,
    limit: Limit = None,
    q: Annotated[NulFreeStr | None, Query(max_length=200)] = None,
    sector_id: Id | None = None,
) -> Page[GlossaryTermRead]:
    rows, next_cursor = await glossary.list_glossary(
        session, cursor=cursor, limit=limit, q=q, sector_id=sector_id
    )
    return Page(items=[glossary.glossary_read(t) for t in rows], next_cursor=next_cursor)


@router.get("/glossary/{term_id}", response_model=GlossaryTermRead)
async def get_glossary_term(
    term_id: Id, _: DirectoryReader, session: SessionDep
) -> GlossaryTermRead:
    return glossary.glossary_read(await glossary.get_glossary_term(session, term_id))


@router.patch("/glossary/{term_id}", response_model=GlossaryTermRead)
async def update_glossary_term(
    term_id: Id,
    body: GlossaryTermUpdate,
    request: Request,
    principal: AdminPrincipal,
    session: SessionDep,
    if_match: IfMatch = None,
) -> GlossaryTermRead:
    term = await glossary.update_glossary_term(
        session, principal, term_id, body, client_ip(request), expected_version=if_match
    )
    return glossary.glossary_read(term)


# ---- CSV --------------------------------------------------------------------------------


@router.get("/directory/export/{kind}.csv", response_class=StreamingResponse)
async def export_csv(kind: CsvKind, request: Request, _: DirectoryReader) -> StreamingResponse:
    db: Database = request.app.state.db

    async def stream() -> AsyncIterator[bytes]:
        # The request's session is closed once this route returns: the stream has its own.
        async with db.session(write=False) as session:
            async for chunk in csvio.export_csv(session, kind):
                yield chunk

    return StreamingResponse(
        stream(),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="gyoryu-{kind}.csv"'},
    )


@router.post("/directory/import/{kind}", response_model=ImportReport)
async def import_csv(
    kind: CsvKind,
    request: Request,
    principal: AdminPrincipal,
    session: SessionDep,
    file: Annotated[UploadFile, File()],
    dry_run: bool = False,
) -> ImportReport:
    return await csvio.import_csv(
        session,
        principal,
        kind,
        file.file,
        dry_run=dry_run,
        ip=client_ip(request),
        publish_from=request.app.state.db,
    )
