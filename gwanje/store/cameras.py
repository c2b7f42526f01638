"""Camera repository: the cameras and their zones as the center knows them now.

A site YAML seeds the table with the cameras the store does not know; after that the API and
console change them and the workers are told (no restart). The store wins over the YAML: a
camera changed through the API keeps its changes, and one removed through the API is remembered
(``removed_cameras``) and not brought back by the YAML at the next start."""

from __future__ import annotations

from sqlalchemy import delete as sa_delete
from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from gwanje.config import CameraConfig
from gwanje.store.events import NotFound
from gwanje.store.models import CameraRow, RemovedCameraRow, ZoneRow, now_utc


def to_config(row: CameraRow) -> CameraConfig:
    return CameraConfig.model_validate(row.config)


def all_cameras(session: Session) -> list[CameraRow]:
    return list(
        session.scalars(select(CameraRow).options(selectinload(CameraRow.zones)).order_by(CameraRow.id))
    )


def existing(session: Session, camera_ids: list[str]) -> set[str]:
    """Which of these cameras the store knows (one query, no configs read)."""
    return set(session.scalars(select(CameraRow.id).where(CameraRow.id.in_(camera_ids))))


def get(session: Session, camera_id: str) -> CameraRow:
    row = session.get(CameraRow, camera_id)
    if row is None:
        raise NotFound(f"no camera {camera_id!r}")
    return row


def put(session: Session, camera: CameraConfig, *, enabled: bool = True) -> tuple[CameraRow, bool]:
    """Create or replace a camera (and its zones); returns the row and whether it is new."""
    session.execute(sa_delete(RemovedCameraRow).where(RemovedCameraRow.id == camera.id))
    row = session.get(CameraRow, camera.id)
    created = row is None
    if row is None:
        row = CameraRow(id=camera.id, created_at=now_utc())
        session.add(row)
    row.name = camera.name
    row.config = camera.model_dump(mode="json")
    row.enabled = enabled
    row.updated_at = now_utc()
    row.zones = [
        ZoneRow(name=z.name, polygon=[list(p) for p in z.polygon], rules=list(z.rules)) for z in camera.zones
    ]
    session.flush()
    return row, created


def delete(session: Session, camera_id: str, *, username: str = "system") -> None:
    session.delete(get(session, camera_id))
    session.merge(RemovedCameraRow(id=camera_id, removed_at=now_utc(), removed_by=username))
    session.flush()


def starting(session: Session, cameras: list[CameraConfig]) -> int:
    """How many cameras a start with these configured ones will have (the store's and the
    config's new ones, not those removed through the API), without changing anything."""
    known = set(session.scalars(select(CameraRow.id)))
    removed = set(session.scalars(select(RemovedCameraRow.id)))
    return len(known | ({c.id for c in cameras} - removed))


def seed(session: Session, cameras: list[CameraConfig]) -> tuple[list[str], list[str]]:
    """Add the config's cameras the store does not know yet; returns (the ids added, the ids
    left out because they were removed through the API)."""
    known = set(session.scalars(select(CameraRow.id)))
    removed = set(session.scalars(select(RemovedCameraRow.id)))
    added, skipped = [], []
    for cam in cameras:
        if cam.id in removed:
            skipped.append(cam.id)
        elif cam.id not in known:
            put(session, cam)
            added.append(cam.id)
    return added, skipped
