"""A refusal of a center service: the HTTP status that says it and the reason in one line (the web
layer turns it into that answer; the services know no HTTP)."""

from __future__ import annotations


class Refusal(Exception):
    def __init__(self, status: int, reason: str) -> None:
        super().__init__(reason)
        self.status, self.reason = status, reason
