"""A camera's priority: what is happening on it, where it is, when, how often its rules cried
wolf, incidents reported near it, and whether it is down.

    event term  = severity × type × confidence × zone kind × time-of-day × false-alarm factor
                  × routine factor × decay
                  (the camera's strongest event counts; acknowledged events count 40 %)
    + incidents = boost_weight × (1 − distance / radius) for each incident whose radius covers it
    + health    = offline_weight × kind weight, once offline for offline_after_s
    + weather   = the weight of the weather rule that holds for the camera's tags

Only cameras with an event, an incident nearby or a health problem get a priority; the others
are 0 and never shown, so the cost follows what happens, not the camera count."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from gwanje.config import TriageConfig
from gwanje.triage.model import ActiveEvent, Boost, CameraIndex, Priority, Reason


def _in_hours(hour: int, span: tuple[int, int]) -> bool:
    start, end = span
    return start <= hour < end if start <= end else hour >= start or hour < end


def kind_factor(kind: str, hour: int, cfg: TriageConfig) -> float:
    weight = cfg.kind_weight.get(kind, cfg.kind_weight.get("default", 1.0))
    if _in_hours(hour, cfg.night_hours):
        weight *= cfg.night_factor.get(kind, 1.0)
    if _in_hours(hour, cfg.school_hours):
        weight *= cfg.school_hours_factor.get(kind, 1.0)
    return weight


def false_alarm_factor(marks: int, total: int, cfg: TriageConfig) -> float:
    """1 for a rule never marked false; towards ``false_alarm_floor`` as marks pile up
    (smoothed, so two marks on two events do not silence a camera)."""
    rate = marks / (total + cfg.false_alarm_prior)
    return max(cfg.false_alarm_floor, 1.0 - rate)


def routine_factor(recent: int, cfg: TriageConfig) -> float:
    """1 for an alarm this camera's rule seldom raises; less for one it raises all the time (a
    busy lawn sees an intrusion every few minutes: there each one is routine). ``recent`` counts
    the rule's events on the camera that started in the last ``routine_window_s``, this one too."""
    if cfg.routine_per_window <= 0:
        return 1.0
    others = max(0, recent - 1)
    return max(cfg.routine_floor, 1.0 / (1.0 + others / cfg.routine_per_window))


def event_value(
    event: ActiveEvent,
    kind: str,
    now: float,
    hour: int,
    fa: tuple[int, int],
    cfg: TriageConfig,
    recent: int = 0,
) -> float:
    value = (
        cfg.severity_weight.get(event.severity, 1.0)
        * cfg.type_weight.get(event.type, 1.0)
        * max(0.05, min(1.0, event.confidence))
        * kind_factor(kind, hour, cfg)
        * false_alarm_factor(fa[0], fa[1], cfg)
        * routine_factor(recent, cfg)
    )
    if event.ended_at is not None and now > event.ended_at:
        value *= 0.5 ** ((now - event.ended_at) / cfg.half_life_s)
    if event.acknowledged:
        value *= cfg.acknowledged_factor
    return value


def priorities(
    index: CameraIndex,
    events: Iterable[ActiveEvent],
    *,
    now: float,
    hour: int,
    cfg: TriageConfig,
    false_alarms: Mapping[tuple[str, str], tuple[int, int]] | None = None,
    recent: Mapping[tuple[str, str], int] | None = None,
    boosts: Iterable[Boost] = (),
    offline_since: Mapping[str, float] | None = None,
    weather: Mapping[str, tuple[float, str, float]] | None = None,
) -> dict[str, Priority]:
    """Every camera with a reason to be looked at, with its priority and that reason.
    ``false_alarms``: (camera, rule) → (false-alarm marks, events); ``recent``: (camera, rule) →
    events started in the last ``routine_window_s``; ``weather``: camera → (weight, caption,
    since) of the weather rule that holds for it (``gwanje.weather.rules``)."""
    fa = false_alarms or {}
    rc = recent or {}
    best: dict[str, tuple[float, Reason, bool, list[str]]] = {}
    for e in events:
        cam = index.cameras.get(e.camera_id)
        if cam is None:
            continue
        kind = cam.zone_kinds.get(e.zone, cam.kind) if e.zone else cam.kind
        key = (e.camera_id, e.type)
        v = event_value(e, kind, now, hour, fa.get(key, (0, 0)), cfg, rc.get(key, 0))
        cur = best.get(e.camera_id)
        reason = Reason("event", e.started_at, e.type, e.zone, e.id, e.detail)
        if cur is None:
            best[e.camera_id] = (v, reason, e.escalated, [e.id])
        else:
            ids = cur[3] + [e.id]
            best[e.camera_id] = (
                (v, reason, cur[2] or e.escalated, ids)
                if v > cur[0]
                else (cur[0], cur[1], cur[2] or e.escalated, ids)
            )
    extra: dict[str, tuple[float, Reason]] = {}
    for b in boosts:
        if b.until <= now:
            continue
        for cam_id, d in index.within(b.x_m, b.y_m, b.radius_m):
            weight = cfg.boost_weight if b.weight is None else b.weight
            v = weight * max(b.edge_share, 1.0 - d / b.radius_m) if b.radius_m > 0 else weight
            prev = extra.get(cam_id)
            if prev is None or v > prev[0]:
                extra[cam_id] = (
                    v if prev is None else prev[0] + v,
                    Reason("incident", b.until, detail=b.note, event_id=b.id),
                )
            else:
                extra[cam_id] = (prev[0] + v, prev[1])
    for cam_id, since in (offline_since or {}).items():
        cam = index.cameras.get(cam_id)
        if cam is None or now - since < cfg.offline_after_s:
            continue
        v = cfg.offline_weight * kind_factor(cam.kind, hour, cfg)
        prev = extra.get(cam_id)
        extra[cam_id] = (
            v + (prev[0] if prev else 0.0),
            prev[1] if prev and prev[0] > v else Reason("offline", since),
        )
    for cam_id, (v, caption, since) in (weather or {}).items():
        if cam_id not in index.cameras:
            continue
        prev = extra.get(cam_id)
        extra[cam_id] = (
            v + (prev[0] if prev else 0.0),
            prev[1] if prev and prev[0] > v else Reason("weather", since, detail=caption),
        )
    out: dict[str, Priority] = {}
    for cam_id in best.keys() | extra.keys():
        ev = best.get(cam_id)
        ex = extra.get(cam_id)
        value = (ev[0] if ev else 0.0) + (ex[0] if ex else 0.0)
        reason = ev[1] if ev and (not ex or ev[0] >= ex[0]) else ex[1]  # type: ignore[index]
        out[cam_id] = Priority(cam_id, value, reason, bool(ev and ev[2]), tuple(ev[3]) if ev else ())
    return out
