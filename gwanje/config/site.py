"""Site configuration: one YAML file validated by pydantic, and its loading.

Every model forbids unknown keys, so a typo is an error that names the key and its line. Each
concern has its own module in this package (camera, detection, rules, server, triage).
"""

from __future__ import annotations

from pathlib import Path

import yaml
from pydantic import Field, ValidationError, model_validator

from gwanje.config.alerts import AlertsConfig
from gwanje.config.base import Strict
from gwanje.config.camera import CameraConfig
from gwanje.config.cluster import ClusterConfig
from gwanje.config.evidence import EvidenceConfig
from gwanje.config.exchange import ExchangeConfig
from gwanje.config.follow import FollowConfig
from gwanje.config.recording import RecordingSiteConfig
from gwanje.config.server import ServerConfig
from gwanje.config.triage import TriageConfig
from gwanje.config.weather import WeatherConfig


class ConfigError(ValueError):
    """A configuration file that cannot be used; the message names the file, key and line."""


class SiteConfig(Strict):
    site: str = "gwanje"
    timezone: str = "Asia/Seoul"
    cameras: list[CameraConfig] = Field(default_factory=list)
    server: ServerConfig = ServerConfig()
    triage: TriageConfig = TriageConfig()
    alerts: AlertsConfig = AlertsConfig()
    recording: RecordingSiteConfig = RecordingSiteConfig()
    evidence: EvidenceConfig = EvidenceConfig()
    weather: WeatherConfig = WeatherConfig()
    exchange: ExchangeConfig = ExchangeConfig()
    cluster: ClusterConfig = ClusterConfig()
    follow: FollowConfig = FollowConfig()

    @model_validator(mode="before")
    @classmethod
    def _recording_defaults(cls, data: object) -> object:
        """Cameras without a ``recording:`` of their own take the site's ``recording.defaults``."""
        if not isinstance(data, dict):
            return data
        recording = data.get("recording")
        defaults = recording.get("defaults") if isinstance(recording, dict) else None
        cameras = data.get("cameras")
        if defaults is None or not isinstance(cameras, list):
            return data
        cams = [
            {**c, "recording": defaults} if isinstance(c, dict) and "recording" not in c else c
            for c in cameras
        ]
        return {**data, "cameras": cams}

    @model_validator(mode="after")
    def _neighbours_known(self) -> SiteConfig:
        ids = {c.id for c in self.cameras}
        for cam in self.cameras:
            unknown = sorted({n.camera for n in cam.neighbours} - ids)
            if unknown:
                raise ValueError(
                    f"camera {cam.id}: neighbours name no camera of this site: {', '.join(unknown)}"
                )
        return self

    def recordings_path(self) -> Path:
        return self.recording.path or self.server.data_dir / "recordings"

    def camera(self, camera_id: str | None) -> CameraConfig:
        if not self.cameras:
            raise ConfigError("the config has no cameras")
        if camera_id is None:
            return self.cameras[0]
        for cam in self.cameras:
            if cam.id == camera_id:
                return cam
        raise ConfigError(
            f"no camera {camera_id!r} in the config (have: {', '.join(c.id for c in self.cameras)})"
        )


def _line_of(node: yaml.Node | None, loc: tuple[int | str, ...]) -> int | None:
    """The 1-based line in the YAML source of the value at pydantic location ``loc``."""
    line = node.start_mark.line + 1 if node is not None else None
    for key in loc:
        if isinstance(node, yaml.MappingNode):
            match = next((v for k, v in node.value if k.value == key), None)
            if match is None:
                key_node = next((k for k, _ in node.value if k.value == key), None)
                return key_node.start_mark.line + 1 if key_node is not None else line
            node = match
        elif isinstance(node, yaml.SequenceNode) and isinstance(key, int) and key < len(node.value):
            node = node.value[key]
        else:
            break
        line = node.start_mark.line + 1
    return line


def parse_config(text: str, source: str = "<config>") -> SiteConfig:
    try:
        data = yaml.safe_load(text) or {}
        tree = yaml.compose(text)
    except yaml.YAMLError as exc:
        raise ConfigError(f"{source}: not valid YAML: {exc}") from None
    if not isinstance(data, dict):
        raise ConfigError(f"{source}: expected a mapping at the top level")
    try:
        return SiteConfig.model_validate(data)
    except ValidationError as exc:
        msgs = []
        for err in exc.errors():
            loc = tuple(err["loc"])
            key = ".".join(str(p) for p in loc) or "(top level)"
            line = _line_of(tree, loc)
            where = f" (line {line})" if line else ""
            msg = "unknown key" if err["type"] == "extra_forbidden" else err["msg"]
            msgs.append(f"{key}{where}: {msg}")
        raise ConfigError(f"{source}: " + "; ".join(msgs)) from None


def load_config(path: Path) -> SiteConfig:
    if not path.exists():
        raise ConfigError(f"config file not found: {path}")
    return parse_config(path.read_text(encoding="utf-8"), str(path))
