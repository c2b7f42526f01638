"""The center's web side: FastAPI app, routes per resource, session auth, the static console."""
