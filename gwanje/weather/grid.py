"""WGS84 latitude/longitude to KMA's 5-km forecast grid (Lambert conformal conic) and back.

The constants are KMA's: Earth radius 6371.00877 km, 5 km cells, standard parallels 30° and 60°
north, origin 126° E 38° N at cell (43, 136), rounded half up; the grid is 149 x 253 cells.
tests/weather/test_grid.py checks it against KMA's own grid file.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

EARTH_KM = 6371.00877
CELL_KM = 5.0
PARALLELS = (30.0, 60.0)
ORIGIN = (38.0, 126.0)  # lat, lon
ORIGIN_CELL = (43, 136)
SIZE = (149, 253)


@dataclass(frozen=True)
class Cell:
    nx: int
    ny: int

    def __str__(self) -> str:
        return f"{self.nx},{self.ny}"


def _projection() -> tuple[float, float, float, float]:
    rad = math.pi / 180
    s1, s2 = PARALLELS[0] * rad, PARALLELS[1] * rad
    olat, olon = ORIGIN[0] * rad, ORIGIN[1] * rad
    re = EARTH_KM / CELL_KM
    sn = math.log(math.cos(s1) / math.cos(s2)) / math.log(
        math.tan(math.pi / 4 + s2 / 2) / math.tan(math.pi / 4 + s1 / 2)
    )
    sf = math.tan(math.pi / 4 + s1 / 2) ** sn * math.cos(s1) / sn
    ro = re * sf / math.tan(math.pi / 4 + olat / 2) ** sn
    return sn, sf * re, ro, olon


_SN, _RESF, _RO, _OLON = _projection()


def to_cell(lat: float, lon: float) -> Cell:
    """The grid cell of a WGS84 position."""
    if not (-90 < lat < 90 and -180 <= lon <= 180):
        raise ValueError(f"not a position: {lat}, {lon}")
    ra = _RESF / math.tan(math.pi / 4 + math.radians(lat) / 2) ** _SN
    theta = math.radians(lon) - _OLON
    theta = (theta + math.pi) % (2 * math.pi) - math.pi
    theta *= _SN
    x = math.floor(ra * math.sin(theta) + ORIGIN_CELL[0] + 0.5)
    y = math.floor(_RO - ra * math.cos(theta) + ORIGIN_CELL[1] + 0.5)
    return Cell(x, y)


def to_position(cell: Cell) -> tuple[float, float]:
    """The WGS84 position (lat, lon) of a cell's centre."""
    xn = cell.nx - ORIGIN_CELL[0]
    yn = _RO - cell.ny + ORIGIN_CELL[1]
    ra = math.copysign(math.hypot(xn, yn), _SN)
    lat = 2 * math.atan((_RESF / ra) ** (1 / _SN)) - math.pi / 2
    theta = math.atan2(xn, yn)
    return math.degrees(lat), math.degrees(theta / _SN + _OLON)


def inside(cell: Cell) -> bool:
    return 1 <= cell.nx <= SIZE[0] and 1 <= cell.ny <= SIZE[1]
