"""Settings, read once from the environment (prefix ``GYORYU_``) and passed around explicitly."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from pydantic import AliasChoices, Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="GYORYU_", extra="ignore")

    host: str = "127.0.0.1"
    port: int = 8000
    # SQLite is the embedded default; production uses postgresql+asyncpg://...
    database_url: str = "sqlite+aiosqlite:///var/gyoryu.db"
    redis_url: str | None = None
    data_dir: Path = Path("var")
    demo: bool = True
    web_dist: Path = Path("web/dist")
    log_level: str = "INFO"
    log_json: bool = False

    session_ttl_hours: int = Field(default=24 * 14, ge=1)
    max_body_bytes: int = 1024 * 1024
    max_upload_bytes: int = 20 * 1024 * 1024

    login_limit_per_username: int = 10
    login_limit_per_address: int = 50
    login_limit_window_seconds: int = 300
    write_limit_per_minute: int = 600

    # WebSocket connections from browsers must come from one of these origins; empty means
    # "same host as the request".
    allowed_origins: list[str] = []
    ws_send_queue_size: int = 1000
    ws_heartbeat_seconds: float = 25.0

    # Outgoing webhooks to private/loopback addresses are refused unless this is set.
    webhook_allow_private: bool = Field(
        default=False,
        validation_alias=AliasChoices(
            "webhook_allow_private", "GYORYU_WEBHOOK_ALLOW_PRIVATE", "GYORYU_WEBHOOKS_ALLOW_PRIVATE"
        ),
    )
    # Bots and integrations (server/integrations): per-token budget of bot calls, per-hook
    # budget of incoming webhook posts, and the outgoing webhook dispatcher's pacing. A
    # failing delivery is retried after base * 2**(n-1) seconds (capped), until give-up.
    bot_requests_per_minute: int = 1200
    incoming_webhook_limit_per_minute: int = 60
    incoming_webhook_max_bytes: int = 64 * 1024
    webhook_dispatcher: bool = True
    webhook_poll_seconds: float = Field(default=1.0, gt=0)
    webhook_timeout_seconds: float = Field(default=10.0, gt=0)
    webhook_backoff_base_seconds: float = Field(default=30.0, gt=0)
    webhook_backoff_max_seconds: float = Field(default=3600.0, gt=0)
    webhook_give_up_seconds: float = Field(default=24 * 3600.0, gt=0)
    # How long a process that died mid-delivery keeps others off its hooks.
    webhook_lease_seconds: float = Field(default=60.0, gt=0)

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")


@lru_cache
def get_settings() -> Settings:
    return Settings()
