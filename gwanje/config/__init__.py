"""Configuration: pydantic models, one module per concern, and loading of the site YAML.

``site`` (the file and its loading), ``camera`` (one camera: source, place, zones, lines, ground),
``detection`` (motion gate, detector, tracker), ``rules`` (the analyzers), ``server`` (the center's
own settings), ``triage`` (selective monitoring), ``alerts`` (grouping, re-raise, shelving), ``recording`` (what is kept, where, how long), ``evidence`` (masked, signed
exports for police and data subjects), ``weather`` (KMA's current weather and weather rules), ``follow`` (track records, neighbours, the follow mode and search). Import the names from here.
"""

from gwanje.config.alerts import SEVERITY_RANK, AlertsConfig
from gwanje.config.base import Point, Severity, Strict, check_polygon
from gwanje.config.camera import CameraConfig, GroundConfig, LineConfig, LocationConfig, ZoneConfig
from gwanje.config.cluster import ClusterConfig, NatsConfig
from gwanje.config.detection import DetectorConfig, MotionConfig, RoiConfig, TilingConfig, TrackerConfig
from gwanje.config.evidence import EvidenceConfig, MaskingConfig, PrivacyConfig
from gwanje.config.exchange import ExchangeConfig, IncidentsConfig, MqttConfig, WebhookConfig
from gwanje.config.follow import FollowConfig, NeighbourConfig, TrackRecordConfig
from gwanje.config.recording import RecordingConfig, RecordingSiteConfig
from gwanje.config.rules import (
    AbandonConfig,
    CrowdConfig,
    FallConfig,
    FightConfig,
    FireConfig,
    ParkingConfig,
    SmokeConfig,
    TamperConfig,
    VehicleBlobConfig,
)
from gwanje.config.server import DEFAULT_SOP, MapConfig, ServerConfig, SopStep
from gwanje.config.site import ConfigError, SiteConfig, load_config, parse_config
from gwanje.config.triage import OperatorConfig, TriageConfig
from gwanje.config.weather import TAG_WORDS, StationConfig, WeatherConfig, WeatherRule

__all__ = [
    "FollowConfig",
    "NeighbourConfig",
    "TrackRecordConfig",
    "ClusterConfig",
    "ExchangeConfig",
    "IncidentsConfig",
    "MqttConfig",
    "NatsConfig",
    "WebhookConfig",
    "TAG_WORDS",
    "StationConfig",
    "WeatherConfig",
    "WeatherRule",
    "DEFAULT_SOP",
    "SEVERITY_RANK",
    "AlertsConfig",
    "SopStep",
    "AbandonConfig",
    "CameraConfig",
    "ConfigError",
    "CrowdConfig",
    "DetectorConfig",
    "EvidenceConfig",
    "MaskingConfig",
    "PrivacyConfig",
    "RecordingConfig",
    "RecordingSiteConfig",
    "FallConfig",
    "FightConfig",
    "FireConfig",
    "SmokeConfig",
    "GroundConfig",
    "LineConfig",
    "LocationConfig",
    "MapConfig",
    "MotionConfig",
    "OperatorConfig",
    "ParkingConfig",
    "Point",
    "RoiConfig",
    "ServerConfig",
    "Severity",
    "SiteConfig",
    "Strict",
    "TamperConfig",
    "TilingConfig",
    "TrackerConfig",
    "TriageConfig",
    "VehicleBlobConfig",
    "ZoneConfig",
    "check_polygon",
    "load_config",
    "parse_config",
]
