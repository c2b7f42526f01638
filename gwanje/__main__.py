"""``python -m gwanje`` is the ``gwanje`` command."""

from gwanje.cli.main import app

app()
