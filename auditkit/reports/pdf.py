"""The audit report as a PDF: the report's HTML (templates/reports/audit_report.html, the same
page the apps show) laid out by WeasyPrint, offline, with the photos embedded.

No Flask here. The laptop and the server render the template with `photo_src=photo_url`, so
every photo is `photo:<sha256>`; a `PhotoFetcher` on the machine's photo store (the laptop's
PhotoStore, the server's blob store) hands WeasyPrint the print copy of each (auditkit.print_copies,
kept beside the photo) and refuses every other URL, so making a PDF never touches the network.
The copies are read, or made where a photo has none yet, on other threads while WeasyPrint reads
the HTML (see `PhotoFetcher.prefetching`).

WeasyPrint needs Pango (a C library) and raises OSError at import where it cannot load it
(Windows without the GTK runtime, macOS without Homebrew's pango): ask `pdf_available()` first.
WeasyPrint is imported only here, and only when a PDF is made or asked about.
"""

from __future__ import annotations

import contextlib
import functools
import gc
import io
import os
import re
import threading
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

from auditkit.photostore import PhotoStore
from auditkit.print_copies import read_print_copy

PHOTO_SCHEME = "photo"
NOT_AVAILABLE = (
    "PDFs cannot be made on this computer because WeasyPrint cannot load the Pango library it "
    "needs: use your browser's Print (Ctrl+P, or ⌘P on a Mac) on the report page and save it "
    "as PDF."
)
_PHOTO_URL = re.compile(rf"{PHOTO_SCHEME}:([0-9a-f]{{64}})")
_PHOTO_IN_HTML = re.compile(rf'"{PHOTO_SCHEME}:([0-9a-f]{{64}})"')
PREFETCH_THREADS = 4  # at most, and never more than the CPUs

Fetched = tuple[bytes, str]  # the bytes and their MIME type
UrlFetcher = Callable[[str], Fetched]


def report_filename(number: str | None, audit_id: object) -> str:
    """The PDF's file name: audit-report-A2026-0001.pdf (the id while there is no number)."""
    name = re.sub(r"[^A-Za-z0-9._-]+", "-", number or "").strip("-.") or str(audit_id)
    return f"audit-report-{name}.pdf"


class RefusedURL(ValueError):
    """A URL the report may not load: only this computer's photos go into a report PDF."""


def photo_url(sha256: str) -> str:
    """The URL of a photo in the report's HTML for a PDF (`photo_src` of the template)."""
    if not _PHOTO_URL.fullmatch(f"{PHOTO_SCHEME}:{sha256}"):
        raise ValueError(f"Not a sha256 (64 lowercase hex digits): {sha256!r}")
    return f"{PHOTO_SCHEME}:{sha256}"


class PhotoFetcher:
    """WeasyPrint's only source: `photo:<sha256>` from `store`, as its print copy.

    Any other URL (http:, https:, file:, data:, ...) raises RefusedURL; a photo whose bytes
    are not in the store (a teammate's, before the next sync) raises FileNotFoundError and is
    named in `missing`. WeasyPrint leaves such an image out and shows its caption.
    """

    def __init__(self, store: PhotoStore) -> None:
        self.store = store
        self.missing: list[str] = []
        self._ahead: dict[str, Future[bytes]] = {}

    def __call__(self, url: str) -> Fetched:
        match = _PHOTO_URL.fullmatch(url)
        if match is None:
            raise RefusedURL(
                f"A report PDF loads only photos from this computer, never {url[:80]!r}."
            )
        sha256 = match.group(1)
        ahead = self._ahead.pop(sha256, None)
        try:
            data = ahead.result() if ahead else self._copy(sha256)
        except FileNotFoundError:
            self.missing.append(sha256)
            raise
        return data, "image/jpeg"

    @contextlib.contextmanager
    def prefetching(self, shas: Iterable[str]) -> Iterator[None]:
        """Read the print copies of these photos on other threads while WeasyPrint reads the
        HTML and CSS; a photo with none yet gets it made there (about 12 ms of CPU each)."""
        workers = min(PREFETCH_THREADS, os.cpu_count() or 1)
        with ThreadPoolExecutor(workers, thread_name_prefix="print-copy") as pool:
            for sha256 in dict.fromkeys(shas):
                self._ahead[sha256] = pool.submit(self._copy, sha256)
            try:
                yield
            finally:
                for future in self._ahead.values():
                    future.cancel()
                self._ahead.clear()

    def _copy(self, sha256: str) -> bytes:
        return read_print_copy(self.store, sha256)


def pdf_available() -> tuple[bool, str]:
    """(True, the WeasyPrint and Pango versions) when PDFs can be made here, else (False, the
    sentence to show, which points to the browser's print of the report page)."""
    return _probe()


@functools.cache
def _probe() -> tuple[bool, str]:
    # WeasyPrint prints installation advice to stdout when a library is missing: keep it
    # out of a command's output (the sentence says what to do). Only on the main thread:
    # sys.stdout is one for the process, and swapping it from another thread (the warm-up, a
    # request) would swallow what the main thread prints meanwhile.
    quiet = threading.current_thread() is threading.main_thread()
    try:
        with contextlib.redirect_stdout(io.StringIO()) if quiet else contextlib.nullcontext():
            import weasyprint
            from weasyprint.text.ffi import pango
    except (ImportError, OSError):
        return False, NOT_AVAILABLE
    number = pango.pango_version()  # 15012 is 1.50.12
    pango_version = f"{number // 10000}.{number // 100 % 100}.{number % 100}"
    return True, f"WeasyPrint {weasyprint.__version__} with Pango {pango_version}"


_warm_up_lock = threading.Lock()
_warmed_up = False


def warm_up() -> None:
    """Load WeasyPrint and lay out a one-line page, once per process, so that the first real
    PDF does not pay for it: the import (half a second, most of it cffi reading Pango's
    declarations), fontconfig and Pango's font set-up, the user-agent style sheet. A caller
    who comes while another warms up waits for it. Nothing happens where WeasyPrint cannot run.
    """
    global _warmed_up
    with _warm_up_lock:
        if _warmed_up:
            return
        _warmed_up = True
        if pdf_available()[0]:
            render_pdf(_WARM_UP_PAGE, base_url=None, url_fetcher=_refuse_every_url)


_WARM_UP_PAGE = (
    "<!doctype html><style>@page { size: A4; @bottom-center { content: counter(page) } }"
    " body { font-family: sans-serif } h1, th { font-weight: 700 }</style>"
    "<h1>auditkit</h1><p>Report <b>warm-up</b>.</p><table><tr><th>1</th><td>2</td></tr></table>"
)


def _refuse_every_url(url: str) -> Fetched:
    raise RefusedURL(url)


def render_pdf(html: str, *, base_url: str | None, url_fetcher: UrlFetcher) -> bytes:
    """Lay out `html` (print media, its own @page rules) and return the PDF's bytes.

    `url_fetcher(url)` returns (bytes, MIME type) or raises; it is the only way anything is
    loaded (use a PhotoFetcher). `base_url` resolves relative links (None: leave them).
    OSError when WeasyPrint or Pango cannot be loaded here (see `pdf_available`).
    """
    from weasyprint import HTML

    prefetching = getattr(url_fetcher, "prefetching", None)
    ahead = (
        prefetching(m.group(1) for m in _PHOTO_IN_HTML.finditer(html))
        if prefetching
        else contextlib.nullcontext()
    )
    with ahead, _collector_paused():
        fetcher = _adapter()(url_fetcher)
        return HTML(string=html, base_url=base_url, url_fetcher=fetcher).write_pdf()


_collector_lock = threading.Lock()
_collector_pauses = 0  # renders under way
_collector_resume = False  # whether the collector was on when the first of them began


@contextlib.contextmanager
def _collector_paused() -> Iterator[None]:
    """Python's cyclic garbage collector off while WeasyPrint makes a document.

    WeasyPrint builds millions of objects that live until the PDF is written (boxes, styles,
    text layouts). Seeing them survive, the collector runs full collections that walk all of
    them and every object of the app, again and again: 1.5-2.5 s of a 100-finding report.
    None of them is garbage before the document is dropped (the peak memory is the same
    without it), so the collector rests for the render and its first pass after frees the
    document at once. The switch is process-wide: overlapping renders share one pause, and a
    collector someone else turned off stays off.
    """
    global _collector_pauses, _collector_resume
    with _collector_lock:
        if _collector_pauses == 0:
            _collector_resume = gc.isenabled()
            gc.disable()
        _collector_pauses += 1
    try:
        yield
    finally:
        with _collector_lock:
            _collector_pauses -= 1
            if _collector_pauses == 0 and _collector_resume:
                gc.enable()


@functools.cache
def _adapter() -> type[Any]:
    """WeasyPrint's URLFetcher around a plain `(url) -> (bytes, MIME type)` callable."""
    from weasyprint.urls import URLFetcher, URLFetcherResponse

    class Adapter(URLFetcher):  # type: ignore[misc]
        def __init__(self, fetch: UrlFetcher) -> None:
            super().__init__(allowed_protocols=())
            self._fetch = fetch

        def fetch(self, url: str, headers: object = None) -> URLFetcherResponse:
            data, mime_type = self._fetch(url)
            return URLFetcherResponse(url, data, {"Content-Type": mime_type})

    return Adapter
