"""Who may do what on the cluster's NATS servers (issue 19, item 7): the ``authorization`` block
``gwanje cluster auth`` writes for nats-server, one user for the center and one per node.

A node may publish only on its own subjects (``gwanje.<site>.<kind>.<node>.<camera>``), put and
delete only its own lease, look up the two buckets it uses and read only its own assignment (a
direct get names the key in its subject); it may subscribe only to its own reply subjects
(``_INBOX_<node>``). So a node taken over cannot speak for another node's cameras, take another's
lease, read the other nodes' camera configs (their stream addresses and passwords), watch their
live views or touch the stream. The center may use JetStream and read every gwanje subject of
its site.

Passwords are stored in the block as bcrypt hashes (nats-server checks them); each user's
password itself is written to a file of its own, readable by its owner alone, for
``GWANJE_NATS_PASSWORD`` on that machine."""

from __future__ import annotations

import json
import os
import secrets
from dataclasses import dataclass
from pathlib import Path

from gwanje.config.cluster import NatsConfig
from gwanje.workers.lease import bucket_name
from gwanje.workers.nats_out import inbox_prefix, token


@dataclass(frozen=True)
class NatsUser:
    user: str
    publish: tuple[str, ...]  # the subjects it may publish on, and nothing else
    subscribe: tuple[str, ...]


def node_permissions(site: str, node: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """(publish, subscribe) subjects node ``node`` of ``site`` may use: nothing else."""
    s, n = token(site), token(node)
    nodes, assign = bucket_name(site, "nodes"), bucket_name(site, "assign")
    publish = (
        f"gwanje.{s}.*.{n}.*",  # events, segments, health, live of its cameras
        f"$KV.{nodes}.{n}",  # its lease (put, delete)
        f"$JS.API.STREAM.INFO.KV_{nodes}",  # looking the buckets up
        f"$JS.API.STREAM.INFO.KV_{assign}",
        f"$JS.API.DIRECT.GET.KV_{assign}.$KV.{assign}.node.{n}",  # its own assignment only
    )
    return publish, (f"{inbox_prefix(node)}.>",)


def center_permissions(site: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
    s = token(site)
    return ("$JS.>", "$KV.>", "_INBOX.>"), (f"gwanje.{s}.>", "_INBOX.>")


def users(cfg: NatsConfig, site: str, nodes: list[str]) -> list[NatsUser]:
    """The center's user and each node's, named as the center and the nodes will connect
    (``cfg.user``, ``cfg.node_user``; both must be set)."""
    if not cfg.user or not cfg.node_user:
        raise ValueError(
            "set cluster.nats.user and cluster.nats.node_user (e.g. 'node-{name}') in the site YAML"
        )
    center = NatsUser(cfg.user, *center_permissions(site))
    return [center] + [NatsUser(cfg.user_of(n), *node_permissions(site, n)) for n in nodes]  # type: ignore[arg-type]


def _quoted(value: str) -> str:
    return json.dumps(value)  # a double-quoted string nats-server reads as is ($ not expanded)


def authorization_block(entries: list[tuple[NatsUser, str]]) -> str:
    """nats-server's ``authorization { users = [...] }`` for (user, bcrypt hash) pairs."""
    lines = [
        "# written by `gwanje cluster auth`; include it from the server's configuration",
        "authorization {",
        "  users = [",
    ]
    for u, hashed in entries:
        allow = {
            kind: ", ".join(_quoted(s) for s in subjects)
            for kind, subjects in (("publish", u.publish), ("subscribe", u.subscribe))
        }
        lines += [
            f"    {{ user: {_quoted(u.user)}, password: {_quoted(hashed)}",
            "      permissions: {",
            f"        publish: {{ allow: [{allow['publish']}] }}",
            f"        subscribe: {{ allow: [{allow['subscribe']}] }}",
            "      }",
            "    }",
        ]
    lines += ["  ]", "}", ""]
    return "\n".join(lines)


def write_auth(cfg: NatsConfig, site: str, nodes: list[str], folder: Path, rounds: int = 11) -> list[str]:
    """Write ``nats-auth.conf`` and one ``<user>.password`` per user into ``folder``; a user whose
    password file exists keeps its password (adding a node changes no one else's). Returns the
    users written."""
    import bcrypt

    wanted = users(cfg, site, nodes)  # (refused before anything is written)
    folder.mkdir(parents=True, exist_ok=True)
    entries = []
    for u in wanted:
        pw_file = folder / f"{u.user}.password"
        if pw_file.exists():
            password = pw_file.read_text(encoding="utf-8").strip()
        else:
            password = secrets.token_urlsafe(24)
            fd = os.open(pw_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "w", encoding="utf-8") as f:
                f.write(password + "\n")
        entries.append((u, bcrypt.hashpw(password.encode(), bcrypt.gensalt(rounds)).decode()))
    conf = folder / "nats-auth.conf"
    tmp = conf.with_suffix(".tmp")
    tmp.write_text(authorization_block(entries), encoding="utf-8")
    os.chmod(tmp, 0o600)
    tmp.replace(conf)  # never half-written
    return [u.user for u, _ in entries]
