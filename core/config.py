"""Settings read from the environment (prefix ``CESSIO_``) and an optional ``.env`` file.

One place for every knob, so the jobs process, the app, the CLI and the tests agree.
"""

from __future__ import annotations

from decimal import Decimal
from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_SECRET_KEY = "dev-only-change-me"
VAR_DIR = PROJECT_ROOT / "var"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="CESSIO_", env_file=".env", extra="ignore")

    database_url: str = Field(default=f"sqlite:///{VAR_DIR / 'cessio.db'}")
    file_store_dir: Path = VAR_DIR / "files"
    timezone: str = "Europe/Moscow"
    # Security (docs/security.md). "production" is the default everywhere except `make run`, which
    # sets "demo": production refuses to start with the default secret key or the demo accounts.
    mode: Literal["production", "demo"] = "production"
    secret_key: SecretStr = SecretStr(DEFAULT_SECRET_KEY)
    # the key that encrypts secrets at rest (TOTP); when unset it is derived from secret_key, so
    # set it (or data_key_file) if the secret key may ever be rotated
    data_key: SecretStr | None = None
    data_key_file: Path | None = None
    session_idle_minutes: int = 30
    session_absolute_hours: int = 12  # a sign-in ends after this long however active the user is
    language: str = "ru"  # the interface language of the installation; each user may choose another

    # OCR: the engine (tesseract reads Russian on a fresh install; easyocr where its models are)
    ocr_engine: str = "tesseract"
    ocr_languages: list[str] = ["ru", "en"]
    ocr_model_dir: Path | None = None
    ocr_threads: int = 1  # CPU threads of the OCR engine (torch / OpenMP); more thrash on a shared CPU

    # Postal (Russian Post tracking API)
    postal_batch_url: str = "http://127.0.0.1:8701/batch"
    postal_single_url: str = "http://127.0.0.1:8701/single"
    postal_login: str = "demo"
    postal_password: SecretStr = SecretStr("demo")
    postal_ticket_wait_seconds: int = 15 * 60
    postal_poll_time: str = "06:00"
    postal_timeout_seconds: float = 30.0
    postal_retries: int = 3
    postal_ticket_expiry_hours: int = 32
    postal_stale_days: int = 7
    # daily polls the post may fail to answer for one letter before it "needs attention"
    postal_max_failed_polls: int = 7

    # Uploaded files (core/files/checks.py): limits against oversized files and decompression bombs
    upload_max_bytes: int = 25 * 1024 * 1024
    upload_max_pages: int = 300
    upload_max_pixels: int = 50_000_000

    # Credit bureau gateway
    bureau_url: str = "http://127.0.0.1:8702"
    bureau_login: str = "demo"
    bureau_password: SecretStr = SecretStr("demo")
    bureau_submit_time: str = "09:00"
    bureau_statutory_days: int = 5

    # Jobs
    jobs_tick_seconds: float = 5.0
    jobs_lease_seconds: int = 30  # renewed every third of it while a job runs (core.jobstate)
    sla_job_time: str = "01:00"
    accrual_job_time: str = "02:00"

    # Ledger: accrue Civil Code art. 395 interest on the unpaid awarded amount after a court act
    ledger_art395_after_court_act: bool = False
    # Ledger: for loans concluded before 29.03.2016 the contract's rate applies only for the
    # loan's term; after the due date the courts allow the average market rate of bank consumer
    # loans of the time (Supreme Court ruling No. 7-КГ17-4 of 22.08.2017). That rate, % a year;
    # unset (the default) accrues no contractual interest after the due date, which cannot
    # overcharge a debtor.
    ledger_pre2016_rate_after_due: Decimal | None = None


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()


def reset_settings_cache() -> None:
    """Forget cached settings (tests change the environment)."""
    get_settings.cache_clear()
