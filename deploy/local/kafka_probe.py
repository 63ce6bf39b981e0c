"""Whether the Kafka broker answers: an ApiVersions request by hand, and (where aiokafka is installed) the
client the services use listing the topics."""

from __future__ import annotations

import socket
import struct
import subprocess
import sys

from deploy.local.processes import StackError


def _recv_exact(sock: socket.socket, size: int) -> bytes:
    data = b""
    while len(data) < size:
        chunk = sock.recv(size - len(data))
        if not chunk:
            raise OSError("connection closed by broker")
        data += chunk
    return data


def kafka_api_versions(host: str, port: int, timeout: float = 3.0) -> int:
    """Send an ApiVersions v0 request; return how many APIs the broker offers.

    Works without any Kafka client library (CI may start the stack first).
    Request header v1: api_key, api_version, correlation_id, client_id.
    Response v0: correlation_id, error_code, [api_key, min, max].
    """
    api_key, version, correlation_id, client_id = 18, 0, 7, b"kczg-stack"
    request = struct.pack(">hhih", api_key, version, correlation_id, len(client_id)) + client_id
    with socket.create_connection((host, port), timeout=timeout) as sock:
        sock.sendall(struct.pack(">i", len(request)) + request)
        (size,) = struct.unpack(">i", _recv_exact(sock, 4))
        payload = _recv_exact(sock, size)
    got_id, error_code, count = struct.unpack_from(">ihi", payload)
    if got_id != correlation_id or error_code != 0:
        raise StackError(f"ApiVersions failed: correlation {got_id}, error {error_code}")
    return count


AIOKAFKA_CHECK = """
import asyncio, sys
from aiokafka.admin import AIOKafkaAdminClient


async def main():
    admin = AIOKafkaAdminClient(bootstrap_servers=sys.argv[1], request_timeout_ms=5000)
    await admin.start()
    try:
        await admin.list_topics()
    finally:
        await admin.close()

asyncio.run(main())
"""


def aiokafka_list_topics(bootstrap_servers: str) -> bool:
    # A subprocess, so up() also works when called from inside an event loop.
    result = subprocess.run(
        [sys.executable, "-c", AIOKAFKA_CHECK, bootstrap_servers],
        capture_output=True, text=True, timeout=30,
    )
    if result.returncode != 0:
        raise StackError(f"aiokafka list_topics failed: {result.stderr.strip()[-300:]}")
    return True
