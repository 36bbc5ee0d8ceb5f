"""``GET /api/v1/dashboard``: figures for the web client's charts."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query

from server.core.deps import SessionDep
from server.dashboard import service
from server.dashboard.models import Dashboard
from server.identity.permissions import require
from server.identity.service import Principal

router = APIRouter(tags=["dashboard"])
Reader = Annotated[Principal, Depends(require("directory:read"))]


@router.get("/dashboard", response_model=Dashboard)
async def dashboard(
    principal: Reader,
    session: SessionDep,
    months: Annotated[int, Query(ge=1, le=60, description="months of channel activity")] = 12,
) -> Dashboard:
    return await service.dashboard(session, principal, months=months)
