"""Network impairment on loopback, for the loss benchmarks: a lossy UDP relay for WebRTC and a
stalling TCP proxy for WebSocket.

``UdpRelay`` sits between two WebRTC peers by rewriting the ICE candidates in both session
descriptions: every real host candidate gets a relay socket on 127.0.0.1, each peer only ever
learns relay addresses, and a datagram from real address S to relay socket P(C) leaves from
P(S) towards C, so both peers see consistent addresses. Media packets (RTP/RTCP, first byte
128-191) are dropped with probability ``loss``; STUN and DTLS always pass, as set-up traffic
on a real lossy path would be retried until it got through.

``StallingProxy`` forwards a TCP stream and, with probability ``stall_p`` per chunk, holds it
(and, TCP being in order, everything behind it) for ``stall_s``: what a lost segment costs a
TCP stream, one retransmission time-out (Linux's minimum is 200 ms).
"""

from __future__ import annotations

import asyncio
import functools
import random
import re
from dataclasses import dataclass, field
from typing import cast

_CANDIDATE = re.compile(r"^a=candidate:(\S+) (\d) (udp) (\d+) (\S+) (\d+) typ host(.*)$",
                        re.IGNORECASE)


class _Proxy(asyncio.DatagramProtocol):
    def __init__(self, relay: UdpRelay, real: tuple[str, int]) -> None:
        self.relay = relay
        self.real = real
        self.transport: asyncio.DatagramTransport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = cast(asyncio.DatagramTransport, transport)

    def datagram_received(self, data: bytes, addr: tuple[str, int]) -> None:
        source = self.relay.proxies.get((addr[0], addr[1]))
        if source is None or source.transport is None:
            self.relay.unknown += 1
            return
        if data and 128 <= data[0] <= 191:
            self.relay.media += 1
            if self.relay.rng.random() < self.relay.loss:
                self.relay.dropped += 1
                return
        source.transport.sendto(data, self.real)


def _same(proxy: _Proxy) -> _Proxy:
    return proxy


@dataclass
class UdpRelay:
    loss: float = 0.02
    seed: int = 7
    proxies: dict[tuple[str, int], _Proxy] = field(default_factory=dict)
    media: int = 0
    dropped: int = 0
    unknown: int = 0

    def __post_init__(self) -> None:
        self.rng = random.Random(self.seed)

    async def rewrite(self, sdp: str, _kind: str) -> str:
        """Point every IPv4 host candidate at a relay socket (other candidates are dropped)."""
        loop = asyncio.get_running_loop()
        lines = []
        for line in sdp.splitlines():
            m = _CANDIDATE.match(line)
            if line.startswith("a=candidate:") and (m is None or ":" in m.group(5)):
                continue  # IPv6 or non-host: the relay carries IPv4 host candidates only
            if m is not None:
                real = (m.group(5), int(m.group(6)))
                proxy = self.proxies.get(real)
                if proxy is None:
                    proxy = _Proxy(self, real)
                    await loop.create_datagram_endpoint(functools.partial(_same, proxy),
                                                        local_addr=("127.0.0.1", 0))
                    self.proxies[real] = proxy
                assert proxy.transport is not None
                port = proxy.transport.get_extra_info("sockname")[1]
                line = (f"a=candidate:{m.group(1)} {m.group(2)} {m.group(3)} {m.group(4)} "
                        f"127.0.0.1 {port} typ host{m.group(7)}")
            lines.append(line)
        return "\r\n".join(lines) + "\r\n"

    def close(self) -> None:
        for proxy in self.proxies.values():
            if proxy.transport is not None:
                proxy.transport.close()


@dataclass
class StallingProxy:
    target_host: str
    target_port: int
    stall_p: float = 0.02
    stall_s: float = 0.2
    seed: int = 7
    stalls: int = 0
    chunks: int = 0

    def __post_init__(self) -> None:
        self.rng = random.Random(self.seed)
        self._server: asyncio.Server | None = None

    async def start(self) -> int:
        self._server = await asyncio.start_server(self._serve, "127.0.0.1", 0)
        port: int = self._server.sockets[0].getsockname()[1]
        return port

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        up_r, up_w = await asyncio.open_connection(self.target_host, self.target_port)
        pumps = [asyncio.create_task(self._pump(reader, up_w)),
                 asyncio.create_task(self._pump(up_r, writer))]
        await asyncio.wait(pumps, return_when=asyncio.FIRST_COMPLETED)
        for task in pumps:
            task.cancel()
        for w in (writer, up_w):
            w.close()

    async def _pump(self, src: asyncio.StreamReader, dst: asyncio.StreamWriter) -> None:
        while data := await src.read(4096):
            self.chunks += 1
            if self.rng.random() < self.stall_p:
                self.stalls += 1
                await asyncio.sleep(self.stall_s)
            dst.write(data)
            await dst.drain()

    async def aclose(self) -> None:
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()
