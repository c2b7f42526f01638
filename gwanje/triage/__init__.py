"""Selective monitoring (선별관제): which cameras deserve a person's eyes now, and on whose wall.

``priority`` scores cameras, ``allocate`` fills the walls; both are pure functions over plain
values (no I/O), so they are tested with generated states and timed in bench/triage_sim.py."""
