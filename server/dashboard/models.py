"""The dashboard's figures (API shapes only: the dashboard has no tables of its own)."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel


class CityYear(BaseModel):
    city_id: int
    city_name: str
    translations: dict[str, str]
    year: int
    meetings: int


class OrganizationActionItems(BaseModel):
    organization_id: int | None
    organization_name: str
    open: int
    overdue: int


class ChannelMonth(BaseModel):
    channel_id: int
    channel_name: str
    month: str
    messages: int


class SectorPartnerships(BaseModel):
    sector_id: int
    code: str
    name: str
    translations: dict[str, str]
    partnerships: int


class Dashboard(BaseModel):
    """Figures for charts, computed over what the reader may see."""

    generated_at: datetime
    months: int
    meetings_per_partner_city_year: list[CityYear]
    action_items_per_organization: list[OrganizationActionItems]
    activity_per_channel_month: list[ChannelMonth]
    partnerships_per_sector: list[SectorPartnerships]
