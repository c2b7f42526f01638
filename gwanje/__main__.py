"""``python -m gwanje`` is the ``gwanje`` command."""

from gwanje.cli import app

app()
