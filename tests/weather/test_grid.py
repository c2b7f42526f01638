"""The WGS84 ↔ KMA 5-km grid conversion against KMA's own grid file."""

from __future__ import annotations

import csv

import pytest
from hypothesis import given
from hypothesis import strategies as st
from support.shared import SHARED

from gwanje.weather.grid import Cell, inside, to_cell, to_position

GRID_FILE = SHARED / "weather_kma" / "kma_grid_latlon_official_xlsx_export.csv"


def test_against_the_official_grid_file() -> None:
    if not GRID_FILE.exists():
        pytest.skip(f"{GRID_FILE} missing")
    with GRID_FILE.open(encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    exact = off_by_one = 0
    placed = [r for r in rows if float(r["위도(초/100)"]) != 0]  # 이어도 (2 rows) has no position in the file
    for r in placed:
        cell = to_cell(float(r["위도(초/100)"]), float(r["경도(초/100)"]))
        want = (int(r["격자 X"]), int(r["격자 Y"]))
        exact += (cell.nx, cell.ny) == want
        off_by_one += max(abs(cell.nx - want[0]), abs(cell.ny - want[1])) == 1
    # the data README: the formula matches 3,752 of the 3,795 rows; of the rest, 41 are one cell
    # off and 2 (이어도) have no position to convert
    assert len(rows) == 3795 and len(placed) == 3793
    assert exact == 3752 and off_by_one == 41


@pytest.mark.parametrize(
    ("lat", "lon", "cell"),
    [
        # the README's known pairs, at the positions the official file gives them
        (37.5841367, 126.9706519, (60, 127)),  # 서울 종로구 청운효자동
        (37.3010111, 127.0122222, (60, 121)),  # 수원 장안구
        (37.2547333, 126.974075, (60, 120)),  # 수원 권선구
        (35.1770194, 129.0769528, (98, 76)),  # 부산
        (33.4856944, 126.5003333, (52, 38)),  # 제주
    ],
)
def test_known_pairs(lat: float, lon: float, cell: tuple[int, int]) -> None:
    assert (to_cell(lat, lon).nx, to_cell(lat, lon).ny) == cell


@given(st.integers(1, 149), st.integers(1, 253))
def test_a_cell_centre_is_in_its_cell(nx: int, ny: int) -> None:
    assert to_cell(*to_position(Cell(nx, ny))) == Cell(nx, ny) and inside(Cell(nx, ny))
