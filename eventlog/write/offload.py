"""A pure decision that costs seconds of CPU (the review's assignment solver) runs in a worker process: on the
service's own event loop it would stop every other request, the health checks and the timing of the broker's
acks for as long as it runs (OR-Tools holds the GIL, so a thread would not help). The arguments and the events
travel pickled; the worker imports the domain once and stays, and dies with the service: killed (SIGKILL, the
OOM killer) a service cannot stop it, so the kernel does (PR_SET_PDEATHSIG), and no orphan outlives it."""

from __future__ import annotations

import asyncio
import ctypes
import multiprocessing
import os
import signal
import sys
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from typing import Any

_pool: ProcessPoolExecutor | None = None
_PR_SET_PDEATHSIG = 1


def _worker_pool() -> ProcessPoolExecutor:
    global _pool
    if _pool is None:  # spawn: a forked copy of a running asyncio service would inherit its threads and sockets
        _pool = ProcessPoolExecutor(max_workers=1, mp_context=multiprocessing.get_context("spawn"),
                                    initializer=die_with, initargs=(os.getpid(),))
    return _pool


def die_with(parent: int) -> None:
    """In a worker process: be killed when `parent` dies, however it dies (Linux; elsewhere a no-op)."""
    if sys.platform != "linux":
        return
    ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)
    if os.getppid() != parent:  # it died before the line above: no signal will come
        os._exit(1)


async def in_worker(fn: Callable[..., Any], *args: Any) -> Any:
    """fn(*args) in the worker process; fn must be a module-level function and the arguments picklable."""
    return await asyncio.get_running_loop().run_in_executor(_worker_pool(), fn, *args)


def shutdown() -> None:
    global _pool
    if _pool is not None:
        _pool.shutdown(wait=False, cancel_futures=True)
        _pool = None
