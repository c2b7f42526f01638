"""Per-node NATS users (issue 19, item 7) against a real nats-server running the users that
``gwanje cluster auth`` wrote: a node publishes its own cameras' events, renews its own lease and
reads its own assignment; it cannot publish as another node, take another's lease, read another's
assignment, watch the site's live views or touch the stream; a wrong password is refused."""

from __future__ import annotations

import asyncio
import json
import time

import pytest
import yaml
from support.events import make_event
from support.nats_broker import Broker
from typer.testing import CliRunner

from gwanje.center.cluster.stream_in import ensure_stream
from gwanje.cli.main import app
from gwanje.config.cluster import NatsConfig
from gwanje.workers.lease import NodeLease, bucket
from gwanje.workers.messages import EventOut
from gwanje.workers.nats_out import NatsOut, connect, subject


@pytest.fixture
def secured(tmp_path, monkeypatch):
    site = {
        "site": "osan",
        "cameras": [{"id": "cam-1", "url": "/x.mp4"}],
        "cluster": {"transport": "nats", "nats": {"user": "center", "node_user": "node-{name}"}},
        "server": {"data_dir": str(tmp_path / "data")},
    }
    (tmp_path / "site.yaml").write_text(yaml.safe_dump(site), encoding="utf-8")
    args = [
        "cluster",
        "auth",
        "-c",
        str(tmp_path / "site.yaml"),
        "--out",
        str(tmp_path / "auth"),
        "--rounds",
        "4",
    ]
    result = CliRunner().invoke(app, [*args, "--node", "a", "--node", "b"])
    assert result.exit_code == 0, result.output
    first = (tmp_path / "auth" / "node-a.password").read_text()
    result = CliRunner().invoke(app, [*args, "--node", "a", "--node", "b", "--node", "c"])  # a node added
    assert result.exit_code == 0 and (tmp_path / "auth" / "node-a.password").read_text() == first
    assert (tmp_path / "auth" / "node-c.password").stat().st_mode & 0o077 == 0
    bad = CliRunner().invoke(app, [*args, "--node", "a.b"])
    assert bad.exit_code == 2 and "node name" in bad.output
    unnamed = {**site, "cluster": {"transport": "nats"}}  # the nodes would not connect as the users written
    (tmp_path / "unnamed.yaml").write_text(yaml.safe_dump(unnamed), encoding="utf-8")
    refused = CliRunner().invoke(
        app,
        [
            "cluster",
            "auth",
            "-c",
            str(tmp_path / "unnamed.yaml"),
            "--out",
            str(tmp_path / "x"),
            "--node",
            "a",
        ],
    )
    assert refused.exit_code == 2 and "node_user" in refused.output and not (tmp_path / "x").exists()
    broker = Broker(tmp_path / "nats", include=tmp_path / "auth" / "nats-auth.conf")
    broker.start()
    for user in ("center", "node-a", "node-b"):
        env = "PW_" + user.replace("-", "_").upper()
        monkeypatch.setenv(env, (tmp_path / "auth" / f"{user}.password").read_text().strip())
    cfg = NatsConfig(servers=(broker.url,), user="center", node_user="node-{name}", password_env="PW_CENTER")
    yield broker, cfg
    broker.kill()


def _as(cfg: NatsConfig, node: str) -> NatsConfig:
    return cfg.model_copy(update={"password_env": f"PW_NODE_{node.upper()}"})


def test_a_node_does_its_own_work_and_nothing_of_anyone_elses(secured) -> None:
    broker, cfg = secured

    async def center_setup() -> None:  # the center makes the stream and buckets, assigns cameras
        nc = await connect(cfg, "center")
        js = nc.jetstream()
        await ensure_stream(js, cfg, "osan")
        await bucket(js, "osan", "nodes", 6.0)
        assign = await bucket(js, "osan", "assign", None)
        for n in ("a", "b"):
            await assign.put(
                f"node.{n}", json.dumps({"generation": 1, "cameras": [{"id": f"cam-{n}"}]}).encode()
            )
        await nc.close()

    asyncio.run(center_setup())

    # node a's own work: its events reach the stream; its lease is renewed; its assignment read
    out = NatsOut(_as(cfg, "a"), "osan", "a")
    out.put(EventOut(make_event("cam-a", event_id="ev-a")))
    assert out.flush(10), "node a's own event was not taken by the stream"
    out.close()
    lease = NodeLease(_as(cfg, "a"), "osan", "a", lambda: {"capacity": 1.0, "cameras": []})
    deadline = time.monotonic() + 10
    while lease.assigned is None and time.monotonic() < deadline:
        time.sleep(0.1)
    lease.close()
    assert lease.assigned == [{"id": "cam-a"}]

    async def node_a_tries() -> tuple[dict[str, bool], list[str]]:
        errors: list[str] = []

        async def on_error(exc: Exception) -> None:
            errors.append(str(exc))

        import nats

        nc = await nats.connect(
            broker.url,
            user="node-a",
            password=_as(cfg, "a").password(),
            inbox_prefix="_INBOX_a",
            error_cb=on_error,
            max_reconnect_attempts=0,
        )
        js = nc.jetstream(timeout=1.0)
        refused: dict[str, bool] = {}

        async def attempt(what: str, coro) -> None:  # noqa: ANN001
            try:
                await coro
                refused[what] = False
            except Exception:
                refused[what] = True

        await attempt("own event", js.publish(subject("osan", "events", "a", "cam-a"), b"{}"))
        await attempt("event as node b", js.publish(subject("osan", "events", "b", "cam-b"), b"{}"))
        nodes = await js.key_value("gwanje_nodes_osan")
        assign = await js.key_value("gwanje_assign_osan")
        await attempt("own lease", nodes.put("a", b"{}"))
        await attempt("node b's lease", nodes.put("b", b"{}"))
        await attempt("own assignment", assign.get("node.a"))
        await attempt("node b's assignment", assign.get("node.b"))
        await attempt("deleting the stream", js.delete_stream(cfg.stream))
        await nc.subscribe("gwanje.osan.live.>")  # refused by the server, said asynchronously
        await nc.flush()
        await asyncio.sleep(0.3)
        await nc.close()
        return refused, errors

    refused, errors = asyncio.run(node_a_tries())
    assert refused == {
        "own event": False,
        "event as node b": True,
        "own lease": False,
        "node b's lease": True,
        "own assignment": False,
        "node b's assignment": True,
        "deleting the stream": True,
    }, refused
    assert any("permissions violation for subscription" in e.lower() for e in errors), errors

    async def stream_subjects() -> dict[str, int]:
        nc = await connect(cfg, "center")
        info = await nc.jetstream().stream_info(cfg.stream, subjects_filter=">")
        await nc.close()
        return info.state.subjects or {}

    held = asyncio.run(stream_subjects())
    assert set(held) == {"gwanje.osan.events.a.cam-a"}, held  # nothing published as b

    async def wrong_password() -> None:
        import nats

        await nats.connect(
            broker.url,
            user="center",
            password=_as(cfg, "b").password(),
            allow_reconnect=False,
            max_reconnect_attempts=0,
            connect_timeout=2,
        )

    with pytest.raises(Exception, match="(?i)authorization"):
        asyncio.run(wrong_password())
