"""``python -m gwanje.cli`` is the ``gwanje`` command."""

from gwanje.cli.main import app

app()
