"""The center's own settings (``server:`` in the site YAML): where it listens and keeps its data,
worker processes, escalation times, SOP checklists per event type, the site map."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field, field_validator

from gwanje.config.base import Strict


class SopStep(Strict):
    """One step of a checklist, in the console's two languages (Korean is the default)."""

    ko: str = Field(..., min_length=1, max_length=300)
    en: str = Field("", max_length=300, description="English text (empty: the Korean one)")


def _steps(*pairs: tuple[str, str]) -> list[SopStep]:
    return [SopStep(ko=ko, en=en) for ko, en in pairs]


# Standard operating procedure per event type (what an operator ticks); "default" covers the rest.
DEFAULT_SOP: dict[str, list[SopStep]] = {
    "default": _steps(("영상 확인", "Verify on video"), ("상황 판단 및 기록", "Assess and log")),
    "intrusion": _steps(
        ("영상으로 침입 확인", "Verify the intrusion on video"),
        ("침입자 이동 경로 추적", "Follow the intruder on nearby cameras"),
        ("필요 시 112 신고", "Call the police (112) if needed"),
    ),
    "loitering": _steps(
        ("영상으로 배회 확인", "Verify the loitering on video"),
        ("배회 사유 판단", "Judge the reason"),
        ("지속 시 112 신고", "Call the police (112) if it persists"),
    ),
    "fight": _steps(
        ("영상으로 폭력 상황 확인", "Verify the fight on video"),
        ("112 출동 요청", "Ask the police (112) to dispatch"),
        ("주변 카메라로 추적", "Follow on nearby cameras"),
    ),
    "fire": _steps(
        ("영상으로 화재·연기 확인", "Verify fire or smoke on video"),
        ("119 신고", "Call the fire service (119)"),
        ("주변 대피 상황 확인", "Check the evacuation"),
    ),
    "smoke": _steps(
        (
            "영상으로 연기·발화 지점 확인 (주변 카메라 포함)",
            "Verify the smoke and where it comes from on video (nearby cameras too)",
        ),
        ("화재 의심 시 119 신고", "Call the fire service (119) if it may be a fire"),
        ("연기 이동 방향의 대피 상황 확인", "Check the evacuation where the smoke drifts"),
    ),
    "fall": _steps(
        ("영상으로 쓰러진 사람 확인", "Verify the person down on video"),
        ("119 구급 요청", "Call an ambulance (119)"),
        ("주변 도움 가능 인원 확인", "Check for people nearby who can help"),
    ),
    "crowd": _steps(
        ("영상으로 밀집도 확인", "Verify the density on video"),
        ("현장 안전관리 인력 통보", "Alert the staff on site"),
        ("경찰·구청 통보", "Notify the police and the district office"),
    ),
    "abandoned_object": _steps(
        ("영상으로 방치물 확인", "Verify the unattended object on video"),
        ("소유자 추적", "Trace the owner"),
        ("의심물이면 112 신고", "Call the police (112) if suspicious"),
    ),
    "tamper": _steps(("카메라 상태 확인", "Check the camera"), ("유지보수 요청", "Request maintenance")),
    "emergency_bell": _steps(
        ("비상벨 주변 영상 확인", "Look at the pole's cameras"),
        ("비상벨 통화로 신고자 상황 확인", "Talk to the caller over the bell's intercom"),
        ("필요 시 112·119 신고", "Call the police (112) or fire service (119) if needed"),
        ("오작동·장난이면 오경보 처리", "Mark a fault or prank as a false alarm"),
    ),
    "external_alarm": _steps(
        ("보낸 시스템의 경보 내용 확인", "Read what the sending system reported"),
        ("영상으로 상황 확인", "Verify on video"),
        ("필요 시 유관기관 통보", "Notify the agency concerned if needed"),
    ),
}


class MapConfig(Strict):
    """The console's map: tiles from the site's own tile server where there is one (no internet
    is assumed), else the site plan image, else a plain grid placed by latitude and longitude."""

    plan_image: Path | None = Field(
        None, description="A site plan (PNG/JPEG) to place cameras on (plan_x/plan_y pixels)"
    )
    tile_url: str | None = Field(
        None,
        pattern=r"^(https?://|/)[^\s]*\{z\}[^\s]*\{x\}[^\s]*\{y\}[^\s]*$",
        description="An XYZ tile URL with {z}/{x}/{y}, e.g. the city's own tile server",
    )
    tile_attribution: str = Field("", max_length=300, description="Shown in the map's corner")
    max_zoom: int = Field(19, ge=1, le=22)


class ServerConfig(Strict):
    host: str = "127.0.0.1"
    port: int = Field(8080, ge=1, le=65535)
    data_dir: Path = Field(Path("gwanje-data"), description="Database (SQLite), snapshots")
    workers: int = Field(2, ge=1, le=64, description="Camera worker processes; cameras are spread over them")
    live_fps: float = Field(4.0, gt=0, le=25, description="Rate of the live views (annotated JPEG)")
    live_width: int = Field(640, ge=160, le=1920, description="Width of live-view frames")
    escalate_after_s: float = Field(
        120.0, gt=0, description="An alert still new this long is brought to the supervisors' attention"
    )
    escalate_by_type: dict[str, float] = Field(
        default_factory=lambda: {
            "emergency_bell": 30.0,
            "fire": 30.0,
            "smoke": 60.0,
            "fight": 30.0,
            "fall": 60.0,
            "crowd": 60.0,
        }
    )
    sop: dict[str, list[SopStep]] = Field(
        default_factory=lambda: dict(DEFAULT_SOP),
        description="Checklist per event type ('default' for the rest); a step is {ko, en} or one text",
    )
    session_hours: float = Field(12.0, gt=0, le=168, description="A login lasts this long (one shift)")
    idle_minutes: float = Field(
        30.0,
        ge=0,
        le=24 * 60,
        description="A session nothing has used this long ends (an open console keeps itself in use; 0: off)",
    )
    sessions_per_user: int = Field(
        5, ge=1, le=100, description="Signing in again beyond this ends the oldest"
    )
    streams_per_session: int = Field(
        32, ge=1, le=1000, description="Live views and event streams one session may hold open at once"
    )
    agency_live_after_close_s: float = Field(
        0.0,
        ge=0,
        le=7 * 86400,
        description="An agency liaison keeps a camera's live view this long after the last alert "
        "dispatched to them there is closed",
    )
    login_attempts: int = Field(5, ge=1, description="Failed logins allowed per user and address ...")
    login_window_s: float = Field(300.0, gt=0, description="... within this many seconds")
    secure_cookies: bool = Field(False, description="Mark cookies Secure (set when served over HTTPS)")
    allowed_hosts: list[str] = Field(
        default_factory=lambda: ["127.0.0.1", "localhost", "::1"],
        description="Host names the center answers to (others get 400: DNS rebinding); add the "
        "name and address operators use; '*' for any. `host` is added when it is not 0.0.0.0",
    )
    certfile: Path | None = Field(
        None, description="TLS certificate (PEM): serve HTTPS, Secure cookies, HSTS"
    )
    keyfile: Path | None = Field(None, description="TLS private key (PEM)")
    keep_events_days: float = Field(
        30.0,
        gt=0,
        le=3650,
        description="Hits, their snapshots and closed alerts are deleted this long after they started "
        "(unless a legal hold covers them; open alerts are kept). The audit is never deleted",
    )
    event_future_s: float = Field(
        300.0,
        ge=0,
        le=86400,
        description="Posted events may start at most this far in the future (clock skew)",
    )
    event_past_days: float = Field(7.0, gt=0, le=3650, description="... and at most this long ago")
    trusted_proxies: list[str] = Field(
        default_factory=list,
        description="Addresses of reverse proxies whose X-Forwarded-For is believed; nobody else's is",
    )
    max_body_bytes: int = Field(1_000_000, ge=1024, description="Larger request bodies are refused (413)")
    map: MapConfig = MapConfig()

    @field_validator("sop", mode="before")
    @classmethod
    def _plain_steps(cls, v: object) -> object:
        """A step may be a plain text: the same in both languages."""
        if isinstance(v, dict):
            return {k: [{"ko": x} if isinstance(x, str) else x for x in steps] for k, steps in v.items()}
        return v

    @field_validator("escalate_by_type")
    @classmethod
    def _positive(cls, v: dict[str, float]) -> dict[str, float]:
        for k, s in v.items():
            if s <= 0:
                raise ValueError(f"escalate_by_type.{k} must be positive")
        return v

    @property
    def url(self) -> str:
        """Where the console answers (as the banner says it)."""
        return f"{'https' if self.certfile else 'http'}://{self.host}:{self.port}/"
