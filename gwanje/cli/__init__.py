"""Command line, one module per command group: ``analysis`` (gwanje analyze), ``center`` (serve,
demo), ``users`` (user ...), ``models`` (models quantize), ``calibration`` (calibrate); ``main``
puts them together as one app, ``console`` holds what they share. The entry point is
``gwanje.cli.main:app``; this package's ``__init__`` imports nothing."""
