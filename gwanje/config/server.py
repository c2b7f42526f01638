"""The center's own settings (``server:`` in the site YAML): where it listens and keeps its data,
worker processes, escalation times, SOP checklists per event type, the site map."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field, field_validator

from gwanje.config.base import Strict

# Standard operating procedure per event type (what an operator ticks); "default" covers the rest.
DEFAULT_SOP: dict[str, list[str]] = {
    "default": ["영상 확인 (Verify on video)", "상황 판단 및 기록 (Assess and log)"],
    "intrusion": [
        "영상 확인 (Verify on video)",
        "침입자 추적 (Follow the intruder)",
        "필요 시 경찰 통보 (Notify police if needed)",
    ],
    "loitering": [
        "영상 확인 (Verify on video)",
        "배회 사유 판단 (Judge the reason)",
        "지속 시 경찰 통보 (Notify police if it persists)",
    ],
    "fight": [
        "영상 확인 (Verify on video)",
        "112 경찰 출동 요청 (Call police, 112)",
        "주변 카메라 추적 (Follow on nearby cameras)",
    ],
    "fire": [
        "영상 확인 (Verify on video)",
        "119 소방 신고 (Call fire service, 119)",
        "주변 대피 상황 확인 (Check evacuation)",
    ],
    "fall": [
        "영상 확인 (Verify on video)",
        "119 구급 요청 (Call ambulance, 119)",
        "현장 보호자 확인 (Check for helpers)",
    ],
    "crowd": [
        "밀집도 영상 확인 (Verify density on video)",
        "현장 관리 인력 통보 (Alert staff on site)",
        "경찰·지자체 통보 (Notify police and district)",
    ],
    "abandoned_object": [
        "영상 확인 (Verify on video)",
        "소유자 추적 (Trace the owner)",
        "의심물 시 경찰 통보 (Notify police if suspicious)",
    ],
    "tamper": ["카메라 상태 확인 (Check the camera)", "유지보수 요청 (Request maintenance)"],
}


class MapConfig(Strict):
    plan_image: Path | None = Field(
        None, description="A site plan (PNG/JPEG) to place cameras on; no internet tiles"
    )


class ServerConfig(Strict):
    host: str = "127.0.0.1"
    port: int = Field(8080, ge=1, le=65535)
    data_dir: Path = Field(Path("gwanje-data"), description="Database (SQLite), snapshots")
    workers: int = Field(2, ge=1, le=64, description="Camera worker processes; cameras are spread over them")
    live_fps: float = Field(4.0, gt=0, le=25, description="Rate of the live views (annotated JPEG)")
    live_width: int = Field(640, ge=160, le=1920, description="Width of live-view frames")
    escalate_after_s: float = Field(
        120.0, gt=0, description="An event still new this long goes to supervisors"
    )
    escalate_by_type: dict[str, float] = Field(
        default_factory=lambda: {"fire": 30.0, "fight": 30.0, "fall": 60.0, "crowd": 60.0}
    )
    sop: dict[str, list[str]] = Field(default_factory=lambda: dict(DEFAULT_SOP))
    session_hours: float = Field(12.0, gt=0, le=168, description="A login lasts this long (one shift)")
    login_attempts: int = Field(5, ge=1, description="Failed logins allowed per user and address ...")
    login_window_s: float = Field(300.0, gt=0, description="... within this many seconds")
    secure_cookies: bool = Field(False, description="Mark cookies Secure (set when served over HTTPS)")
    max_body_bytes: int = Field(1_000_000, ge=1024, description="Larger request bodies are refused (413)")
    map: MapConfig = MapConfig()

    @field_validator("escalate_by_type")
    @classmethod
    def _positive(cls, v: dict[str, float]) -> dict[str, float]:
        for k, s in v.items():
            if s <= 0:
                raise ValueError(f"escalate_by_type.{k} must be positive")
        return v
