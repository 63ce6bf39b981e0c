"""The release files as the running service serves them: built from the release-facts view's ListPublished
versions and the campaign (release/assemble.py), exactly as `kczg release build` builds them from the
log, and kept in memory until a new version of a list is published."""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass

import asyncpg

from contracts.campaign import Campaign

from . import facts, public
from .release.assemble import PublishedVersion, release_of
from .release.files import AvailableFiles, build_available_files

log = logging.getLogger("publish.release_files")


@dataclass(frozen=True)
class Built:
    sources: tuple[str, ...]        # the ListPublished event ids the files come from
    files: AvailableFiles


class ReleaseFiles:
    def __init__(self) -> None:
        self._built: dict[str, Built] = {}
        self._seen: dict[str, int] = {}        # campaign -> the view's stamp when last checked
        self._lock = asyncio.Lock()
        self._waiting = asyncio.Lock()  # callers of files() in turn, so each reads the versions current when it builds
        self._warming: set[asyncio.Task] = set()

    async def files(self, conn: asyncpg.Connection, campaign: Campaign) -> AvailableFiles | None:
        """Every release file of the campaign's current list versions this machine can render (and what it
        lacks for the others), or None before any list is published."""
        stamp = await public.stamp(conn)
        held = self._built.get(campaign.code)
        if held is not None and self._seen.get(campaign.code) == stamp:
            return held.files
        async with self._waiting:  # the versions are read once the build before has finished: releases that came
            stamp = await public.stamp(conn)  # meanwhile are built once, at their newest, not one by one
            versions = await public.versions(conn, campaign.code)
            files = await self.built(campaign, versions)
        self._seen[campaign.code] = stamp
        return files

    def warm(self, pool: asyncpg.Pool, log_ends, campaign: Campaign) -> None:
        """Build the files in the background once the view has read a new release (the first page view
        after a release then finds them built instead of waiting for the PDF)."""
        async def build() -> None:
            try:
                await facts.caught_up(pool, log_ends, timeout_s=60)
                async with pool.acquire() as conn:
                    await self.files(conn, campaign)
            except Exception:  # noqa: BLE001 — a later request builds them all the same
                log.warning("warming the release files of %s failed", campaign.code, exc_info=True)

        self._warming.add(task := asyncio.get_running_loop().create_task(build()))
        task.add_done_callback(self._warming.discard)

    async def built(self, campaign: Campaign, versions: list[PublishedVersion]) -> AvailableFiles | None:
        release = release_of(campaign, versions)
        if release is None:
            return None
        sources = tuple(lst.event_id for lst in release.lists)
        async with self._lock:  # one build at a time (a PDF takes a while); the others then find it built
            held = self._built.get(campaign.code)
            if held is None or held.sources != sources:
                files = await asyncio.to_thread(build_available_files, release)
                self._built[campaign.code] = held = Built(sources, files)
        return held.files
