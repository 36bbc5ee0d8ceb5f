"""Languages Gyoryu speaks, and the shape of a translatable text field."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

from server.core.types import NulFreeStr

Language = Literal["ko", "zh-Hans", "en"]
LANGUAGES: tuple[Language, ...] = ("ko", "zh-Hans", "en")


class Translations(BaseModel):
    """Translations of one text, keyed by language; the original is kept beside them."""

    model_config = ConfigDict(populate_by_name=True, extra="forbid")

    ko: Annotated[NulFreeStr | None, Field(max_length=2000)] = None
    zh_hans: Annotated[NulFreeStr | None, Field(max_length=2000, alias="zh-Hans")] = None
    en: Annotated[NulFreeStr | None, Field(max_length=2000)] = None

    def as_dict(self) -> dict[str, str]:
        return {k: v for k, v in self.model_dump(by_alias=True).items() if v}
