"""The running center, with no HTTP in it: event ingest and publishing (``core``), the public
shapes of events (``public``), selective monitoring at run time (``triage_service``), escalation
(``escalation``), the supervision of the camera worker processes (``worker_pool``), and
``runtime``, which starts and stops them together. ``gwanje.web`` serves them over HTTP."""
