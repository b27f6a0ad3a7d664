"""One Settings class for the whole archive (prefix ``DANGAN_``).

With nothing set, everything runs embedded under ``DANGAN_HOME``: a SQLite
file, a local object directory and (later) an embedded search index.
"""
from __future__ import annotations

import os
from pathlib import Path

from pydantic import Field, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

MIB = 1024 * 1024
# the CPU niceness of password hashing: other requests get the cores first, and a
# login still gets a share of a busy machine (never SCHED_IDLE, under which it starves)
HASHING_NICENESS = 10


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="DANGAN_", extra="ignore")

    home: Path = Field(default=Path("./var"), description="embedded data folder")
    host: str = "127.0.0.1"
    port: int = Field(default=8000, ge=0, le=65535)

    database_url: str | None = Field(
        default=None, description="SQLAlchemy URL; SQLite under home when unset"
    )

    s3_endpoint: str | None = None
    s3_bucket: str | None = None
    s3_region: str = "us-east-1"
    s3_access_key: str | None = None
    s3_secret_key: str | None = None
    s3_sse: str | None = Field(default=None, description="e.g. AES256 or aws:kms")
    s3_lock_mode: str = Field(default="GOVERNANCE", pattern="^(GOVERNANCE|COMPLIANCE)$",
                              description="Object Lock mode of each version's retention")
    s3_presign_seconds: int = Field(default=300, ge=1, le=7 * 24 * 3600)

    opensearch_url: str | None = Field(default=None, description="OpenSearch; embedded index when unset")
    opensearch_index: str = Field(default="dangan", description="alias the archive searches")

    ocr_engine: str = Field(default="rapidocr", pattern="^(rapidocr|tesseract)$")
    ocr_workers: int = Field(default=0, ge=0, description="OCR processes; 0 = one per core")
    ocr_page_seconds: float = Field(default=120, gt=0,
                                    description="an OCR page taking longer is abandoned, failing its job")
    workers: int = Field(default=1, ge=0, le=64, description="extraction threads inside `dangan serve`")
    job_lease_seconds: int = Field(default=300, ge=5)
    # the longest a borrowing grant (借阅) may run, from the day it is asked for
    access_longest_days: int = Field(default=365, ge=1, le=3660)
    shutdown_seconds: float = Field(default=20, ge=0, description=(
        "on SIGTERM/SIGINT, how long a running job may take to end before it is released"))
    sweep_at: str = Field(default="02:00", pattern=r"^([01]\d|2[0-3]):[0-5]\d$",
                          description="local time of the daily retention sweep in `dangan serve`")
    audit_anchor_seconds: int = Field(default=3600, ge=0, description=(
        "how often `dangan serve` and `dangan worker` anchor the audit trail's head "
        "outside the database; 0 = never (`dangan audit anchor` still does)"))

    retention_schedule: Path | None = Field(
        default=None, description="保管期限表 TOML; the one in the repository when unset")
    completeness_checklist: Path | None = Field(
        default=None, description="齐全 checklist TOML; the one in the repository when unset")
    credit_report_valid_months: int = Field(default=12, ge=1, le=120, description=(
        "how long a credit report without valid_until stays current, from its date"))

    fonds: str = Field(default="KH01", min_length=1, description="全宗号")
    archive_number_format: str = "{fonds}-{year}-{term}-{type}-{seq:05d}"

    max_upload_bytes: int = Field(default=200 * MIB, ge=1)
    max_image_pixels: int = Field(default=120_000_000, ge=1,
                                  description="largest image (width × height) an upload may declare")
    max_pages: int = Field(default=1000, ge=1, description="most pages one uploaded file may have")
    max_render_pixels: int = Field(default=25_000_000, ge=1_000_000,
                                   description="pixel budget of one rendered PDF page (OCR, preview)")
    token_hours: int = Field(default=12, ge=1)
    # how long a sign-in to the web page lasts (its session cookie), in hours
    session_hours: int = Field(default=8, ge=1, le=24 * 30)
    # failed logins (SPEC §4): this many for one username, or from one client
    # address, lock it for the first delay, doubling per further failure
    login_account_failures: int = Field(default=5, ge=1)
    login_address_failures: int = Field(default=20, ge=1)
    login_first_delay_seconds: float = Field(default=30, gt=0)
    login_longest_delay_seconds: float = Field(default=900, gt=0)
    login_hash_workers: int = Field(default=max(1, (os.cpu_count() or 2) // 2), ge=1, le=64,
                                    description="threads that check passwords, apart from requests "
                                                "(default: half the cores)")
    login_queue: int = Field(default=8, ge=0, description=(
        "logins that may wait for a hash worker; more are answered 429 at once"))
    login_refusal_pause_seconds: float = Field(default=1, ge=0, le=60,
                                               description="how long a 429 to a login is held back")

    @field_validator("s3_endpoint", "s3_bucket", "database_url", "opensearch_url", mode="before")
    @classmethod
    def _blank_is_unset(cls, value: object) -> object:
        return None if value == "" else value

    @model_validator(mode="after")
    def _s3_needs_bucket(self) -> Settings:
        if self.s3_endpoint and not self.s3_bucket:
            raise ValueError("DANGAN_S3_ENDPOINT is set but DANGAN_S3_BUCKET is not")
        return self

    @property
    def uses_s3(self) -> bool:
        return bool(self.s3_bucket)

    @property
    def sqlalchemy_url(self) -> str:
        if self.database_url:
            return normalise_database_url(self.database_url)
        return f"sqlite:///{(self.home / 'dangan.sqlite3').resolve()}"

    @property
    def objects_dir(self) -> Path:
        return self.home / "objects"

    @property
    def index_dir(self) -> Path:
        return self.home / "index"

    @property
    def spool_dir(self) -> Path:
        """Where uploads are spooled while they are checked, before storing."""
        return self.home / "spool"


def normalise_database_url(url: str) -> str:
    """Accept plain ``postgresql://`` URLs and use the pure-Python pg8000 driver."""
    for prefix in ("postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+pg8000://" + url[len(prefix):]
    return url
