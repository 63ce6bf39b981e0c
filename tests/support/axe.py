"""axe-core in the browser tests: inject the vendored copy into a Playwright page, run it, and list what it
found at the impacts we refuse (serious, critical), one line per rule and element so a failure says where."""

from __future__ import annotations

from pathlib import Path

AXE = Path(__file__).parent / "vendor" / "axe-core" / "axe.min.js"
REFUSED = ("serious", "critical")


async def violations(page, impacts: tuple[str, ...] = REFUSED) -> list[str]:
    """Every violation of the page as it is now at one of `impacts`: 'rule (impact): selector — summary'."""
    await page.add_script_tag(path=str(AXE))
    result = await page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
    found = []
    for v in result["violations"]:
        if v["impact"] not in impacts:
            continue
        for node in v["nodes"]:
            found.append(f"{v['id']} ({v['impact']}): {' '.join(node['target'])} — {node['failureSummary']}")
    return found


async def assert_accessible(page) -> None:
    """Fail with the list when axe finds a serious or critical violation on the page."""
    found = await violations(page)
    assert not found, f"axe-core on {page.url}:\n" + "\n".join(found)


async def assert_accessible_snapshot(browser, page) -> None:
    """The same, for a page of a context that runs no script (the pages must work without it, and axe is a
    script): what `page` shows now is served again at its own address to a fresh page that runs scripts, with
    its stylesheet from the service, and scanned there."""
    html, url = await page.content(), page.url
    scanner = await browser.new_page(viewport=page.viewport_size)
    try:
        await scanner.route(url, lambda route: route.fulfill(body=html, content_type="text/html; charset=utf-8"))
        await scanner.goto(url)
        await assert_accessible(scanner)
    finally:
        await scanner.close()
