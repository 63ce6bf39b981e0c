"""The simulator's HTTP client: aiohttp's connection pool, answering httpx.Response objects (what the drivers
read) and raising httpx.TransportError subclasses for no answer (what the retry policy catches).

Why not httpx itself: at the simulator's concurrency httpcore's pool re-checks every pooled connection against
every other on each request (is_idle, has_expired with a readability syscall each); cProfile put 85 % of the
simulator's CPU there, and the simulator, not the services, was what bounded the scoring phase on 2 cores."""

from __future__ import annotations

import asyncio

import aiohttp
import httpx
import orjson


class HttpPool:
    def __init__(self, concurrency: int, timeout_s: float = 60) -> None:
        self.concurrency, self.timeout_s = concurrency, timeout_s
        self._session: aiohttp.ClientSession | None = None

    def _client(self) -> aiohttp.ClientSession:
        if self._session is None:  # made inside the running loop
            self._session = aiohttp.ClientSession(
                connector=aiohttp.TCPConnector(limit=self.concurrency, limit_per_host=self.concurrency),
                timeout=aiohttp.ClientTimeout(total=self.timeout_s), skip_auto_headers=("User-Agent",))
        return self._session

    async def request(self, method: str, url: str, *, json=None, headers: dict | None = None,
                      params: dict | None = None) -> httpx.Response:
        headers = dict(headers or {})
        body = None
        if json is not None:
            body = orjson.dumps(json)
            headers["content-type"] = "application/json"
        try:
            async with self._client().request(method, url, data=body, headers=headers,
                                              params={k: str(v) for k, v in (params or {}).items()}) as r:
                content = await r.read()
                return httpx.Response(r.status, headers=list(r.raw_headers), content=content)
        except asyncio.TimeoutError as exc:
            raise httpx.ReadTimeout(f"no answer in {self.timeout_s} s: {method} {url}") from exc
        except aiohttp.ClientConnectorError as exc:
            raise httpx.ConnectError(f"{exc}: {method} {url}") from exc
        except aiohttp.ClientError as exc:  # reset, closed mid-answer, malformed answer
            raise httpx.ReadError(f"{type(exc).__name__}: {exc}: {method} {url}") from exc

    async def get(self, url: str, **kw) -> httpx.Response:
        return await self.request("GET", url, **kw)

    async def aclose(self) -> None:
        if self._session is not None:
            await self._session.close()
