"""The three-machine deployment of docs/cluster.md, run from its own files: three nats-servers
from deploy/nats/nats-server.conf (only ports and paths put in, on loopback) with a CA made here,
mutual TLS between them, TLS and the users of ``gwanje cluster auth`` for clients. The center makes
the stream with three replicas over TLS, a node's event reaches it under the node's own user, a
client without TLS is refused; the systemd units pass ``systemd-analyze verify``."""

from __future__ import annotations

import asyncio
import datetime as dt
import ipaddress
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest
from support.center_process import free_port
from support.events import make_event
from support.nats_broker import NATS_SERVER, wait_for_port

from gwanje.center.cluster.stream_in import ensure_stream
from gwanje.config.cluster import NatsConfig
from gwanje.workers.messages import EventOut
from gwanje.workers.nats_auth import write_auth
from gwanje.workers.nats_out import NatsOut, connect

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"

pytestmark = pytest.mark.slow


def _pki(folder: Path) -> None:
    """A site CA and one certificate for the servers (127.0.0.1), good for serving and for routes."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

    now = dt.datetime.now(dt.UTC)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Gwanje test site CA")])
    ca = (
        x509.CertificateBuilder()
        .subject_name(ca_name)
        .issuer_name(ca_name)
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(False, False, False, False, False, True, True, False, False), critical=True
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    key = ec.generate_private_key(ec.SECP256R1())
    cert = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "nats")]))
        .issuer_name(ca_name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName(
                [x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]
            ),
            critical=False,
        )
        .add_extension(
            x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH, ExtendedKeyUsageOID.CLIENT_AUTH]),
            critical=False,
        )
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), critical=False
        )
        .sign(ca_key, hashes.SHA256())
    )
    pem = serialization.Encoding.PEM
    (folder / "ca.pem").write_bytes(ca.public_bytes(pem))
    (folder / "server.pem").write_bytes(cert.public_bytes(pem))
    (folder / "server-key.pem").write_bytes(
        key.private_bytes(pem, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )


@pytest.fixture
def three_servers(tmp_path):
    etc = tmp_path / "etc"
    etc.mkdir()
    _pki(etc)
    cfg = NatsConfig(user="gwanje-center", node_user="{name}", replicas=3, tls_ca=str(etc / "ca.pem"))
    write_auth(cfg, "osan", ["node-1"], etc, rounds=4)
    ports = [(free_port(), free_port(), free_port()) for _ in range(3)]  # client, cluster, monitoring
    template = (DEPLOY / "nats" / "nats-server.conf").read_text(encoding="utf-8")
    procs = []
    for i, (client, route, http) in enumerate(ports):
        text = template.replace("/etc/gwanje/nats/", f"{etc}/").replace(
            "/var/lib/gwanje-nats", str(tmp_path / f"js{i}")
        )
        text = text.replace("0.0.0.0:4222", f"127.0.0.1:{client}").replace(
            "0.0.0.0:6222", f"127.0.0.1:{route}"
        )
        text = text.replace("127.0.0.1:8222", f"127.0.0.1:{http}")
        for j, (_, r, _) in enumerate(ports):
            text = text.replace(f"nats-{j + 1}.gwanje.internal:6222", f"127.0.0.1:{r}")
        settings = "\n".join(line.split("#")[0] for line in text.splitlines())
        assert "gwanje.internal" not in settings and "/etc/gwanje" not in settings
        conf = etc / f"nats-server-{i + 1}.conf"  # beside nats-auth.conf, as in /etc/gwanje/nats
        conf.write_text(text, encoding="utf-8")
        log = (tmp_path / f"nats-{i + 1}.log").open("wb")
        procs.append(
            subprocess.Popen(
                [str(NATS_SERVER), "-c", str(conf)],
                env={**os.environ, "GWANJE_NATS_NAME": f"nats-{i + 1}"},
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        )
    for client, _, _ in ports:
        wait_for_port(client, 15, lambda: (tmp_path / "nats-1.log").read_text(errors="replace")[-2000:])
    passwords = {u: (etc / f"{u}.password").read_text().strip() for u in ("gwanje-center", "node-1")}
    cfg = cfg.model_copy(update={"servers": tuple(f"tls://127.0.0.1:{c}" for c, _, _ in ports)})
    yield cfg, passwords, tmp_path
    for p in procs:
        p.terminate()
    for p in procs:
        p.wait(10)


def test_the_deployment_files_run_a_tls_cluster_with_per_node_users(three_servers, monkeypatch) -> None:
    cfg, passwords, tmp_path = three_servers
    monkeypatch.setenv("GWANJE_NATS_PASSWORD", passwords["gwanje-center"])

    async def make_stream() -> int:
        nc = await connect(cfg, "center")
        js = nc.jetstream()
        deadline = time.monotonic() + 30
        while True:  # the three servers elect a JetStream meta leader first
            try:
                await ensure_stream(js, cfg, "osan")
                break
            except Exception:
                if time.monotonic() > deadline:
                    raise
                await asyncio.sleep(0.5)
        info = await js.stream_info(cfg.stream)
        await nc.close()
        return len(info.cluster.replicas or []) + 1

    assert asyncio.run(make_stream()) == 3  # the leader and two replicas

    monkeypatch.setenv("PW_NODE", passwords["node-1"])
    out = NatsOut(cfg.model_copy(update={"password_env": "PW_NODE"}), "osan", "node-1")
    out.put(EventOut(make_event("cam-1", event_id="ev-tls")))
    assert out.flush(20), "the node's event was not taken over TLS"
    out.close()

    async def held() -> int:
        nc = await connect(cfg, "center")
        info = await nc.jetstream().stream_info(cfg.stream)
        await nc.close()
        return info.state.messages

    assert asyncio.run(held()) == 1

    async def plain() -> None:  # no TLS: refused
        import nats

        await nats.connect(
            cfg.servers[0].replace("tls://", "nats://"),
            user="gwanje-center",
            password=passwords["gwanje-center"],
            allow_reconnect=False,
            max_reconnect_attempts=0,
            connect_timeout=2,
        )

    with pytest.raises(Exception):  # noqa: B017 - the server asks for TLS; the client without it fails
        asyncio.run(plain())


@pytest.mark.skipif(shutil.which("systemd-analyze") is None, reason="systemd-analyze is not installed")
def test_the_systemd_units_are_well_formed(tmp_path) -> None:
    for unit in sorted((DEPLOY / "systemd").glob("*.service")):
        text = unit.read_text(encoding="utf-8")
        # the programs live elsewhere on a real machine: any executable stands in for them
        text = text.replace("/opt/gwanje/.venv/bin/gwanje", sys.executable).replace(
            "/usr/local/bin/nats-server", str(NATS_SERVER)
        )
        copy = tmp_path / unit.name
        copy.write_text(text, encoding="utf-8")
        result = subprocess.run(
            ["systemd-analyze", "verify", str(copy)], capture_output=True, text=True, timeout=60
        )
        problems = [line for line in result.stderr.splitlines() if unit.name in line]
        assert result.returncode == 0 and not problems, result.stderr
