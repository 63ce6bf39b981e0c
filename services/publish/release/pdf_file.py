"""release.pdf: the list page's own HTML, printed by WeasyPrint with its print stylesheet.

What WeasyPrint 70 / pydyf 0.13 would let vary, and how it is pinned:
- /CreationDate and /ModDate come only from <meta name=dcterms.created|modified>; list.html
  writes the release date there.
- /ID is absent unless asked for; we ask for one derived from the release's own JSON bytes, so
  it names the content (pydyf adds an md5 of the objects as the second half, also content-bound).
- XMP metadata (with a random xmpMM:DocumentID) is written only for PDF/A, /UA and /X variants,
  which are not used.
- Font subset tags are an md5 of the font and its glyphs; /Producer is "WeasyPrint <version>".
- Subsetting must go through HarfBuzz (libharfbuzz-subset0): WeasyPrint's fallback, fontTools,
  stamps the time of building into every embedded font's `head` table. We refuse that fallback
  (renderer.py: RendererUnavailable, as without pango or a CJK font).
No URL is fetched: every resource is inline, and the fetcher refuses all schemes.
"""

from __future__ import annotations

import hashlib

from ..domain.order import ORDER_DECLARATION
from .json_file import release_json
from .model import Release
from .page import render_list
from .page_models import ListPage
from .renderer import check


def print_html(release: Release) -> str:
    page = ListPage(campaign_title=release.campaign_title, lists=release.lists,
                    index_href=None, print_document=True, order_note=ORDER_DECLARATION)
    return render_list(page)


def document_pdf(html: str) -> bytes:
    """A page printed as release.pdf is, for the files of one entry or package (the certificate, the brochure): its
    dates from its own <meta name=dcterms.*> and an /ID named by its HTML, so the same page gives the same bytes."""
    check()
    from weasyprint import HTML
    from weasyprint.urls import URLFetcher

    identifier = hashlib.sha256(html.encode()).hexdigest()[:32].encode("ascii")
    return HTML(string=html, url_fetcher=URLFetcher(allowed_protocols=())).write_pdf(pdf_identifier=identifier)


def release_pdf(release: Release) -> bytes:
    check()  # before WeasyPrint is imported: without pango that import fails
    # Imported here: WeasyPrint loads pango at import, and the pages must render without it.
    from weasyprint import HTML
    from weasyprint.urls import URLFetcher

    identifier = hashlib.sha256(release_json(release)).hexdigest()[:32].encode("ascii")
    document = HTML(string=print_html(release), url_fetcher=URLFetcher(allowed_protocols=()))
    return document.write_pdf(pdf_identifier=identifier)
