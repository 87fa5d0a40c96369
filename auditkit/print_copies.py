"""Print copies: the smaller rendition of a stored photo that report PDFs embed.

A report shows a photo at most 85 mm high and about 84 mm wide (two across on A4): 1000 px on
the long edge is 300 dpi there, and exactly half the stored 2000 px photo, which a JPEG decodes
to by DCT scaling. Making one still costs 12-15 ms of CPU; a report of a hundred photos would
spend more than a second of a two-core laptop on them every time it is made. So the copy is
made once and kept beside the photo in the PhotoStore (`<sha256>.print.jpg`): on the laptop
when the photo is taken; for a photo that arrived by sync (every photo on the CB server, a
teammate's on a laptop) the first time a report needs it. Sync does not make them: a hundred
uploads would each wait for one.
"""

from __future__ import annotations

import io
import math

from PIL import Image, UnidentifiedImageError

from auditkit.photostore import PhotoStore

PRINT_LONG_EDGE = 1000
PRINT_QUALITY = 80


def print_copy(
    data: bytes, long_edge: int = PRINT_LONG_EDGE, quality: int = PRINT_QUALITY
) -> bytes:
    """A JPEG of the photo no longer than `long_edge` on either side (never enlarged).

    A stored photo is a metadata-free sRGB JPEG already upright (auditkit.photos), so this
    only scales: by DCT scaling at decode where it can, then bicubic for what is left.
    Raises PIL's UnidentifiedImageError (or OSError) for bytes that are not such a JPEG.
    """
    with Image.open(io.BytesIO(data), formats=["JPEG"]) as image:
        width, height = image.size
        if max(width, height) <= long_edge:
            return data
        scale = long_edge / max(width, height)
        image.draft("RGB", (math.ceil(width * scale), math.ceil(height * scale)))
        # Decode in one call, not in 64 KB pieces: the decoder lets go of the GIL for each
        # call and waits to take it back from another busy thread (up to 5 ms) after it.
        image.decodermaxblock = max(len(data), image.decodermaxblock)
        image.load()
        copy = image if image.mode == "RGB" else image.convert("RGB")
        if max(copy.size) > long_edge:
            scale = long_edge / max(copy.size)
            size = (max(1, round(copy.width * scale)), max(1, round(copy.height * scale)))
            copy = copy.resize(size, Image.Resampling.BICUBIC, reducing_gap=2.0)
        buffer = io.BytesIO()
        copy.save(buffer, "JPEG", quality=quality, subsampling=2)
        return buffer.getvalue()


def keep_print_copy(store: PhotoStore, sha256: str, data: bytes | None = None) -> bytes | None:
    """Make the print copy of the stored photo `sha256` (from `data`, its bytes, when the caller
    holds them) and keep it in `store`; return it. None, and nothing kept, when the bytes are
    not a JPEG (a stored file that is not a photo). A photo already small enough is its own
    print copy and is not stored twice. FileNotFoundError when the photo is not stored and no
    `data` was given; OSError when the copy cannot be written."""
    path = store.print_path(sha256)
    if path.is_file():
        return path.read_bytes()
    if data is None:
        data = store.path(sha256).read_bytes()
    try:
        copy = print_copy(data)
    except (UnidentifiedImageError, OSError, SyntaxError):
        return None
    if copy is not data:
        store.put_print_copy(copy, sha256)
    return copy


def read_print_copy(store: PhotoStore, sha256: str) -> bytes:
    """The print copy of the stored photo `sha256` (the photo itself where none can be made),
    made and kept now if it has none yet; a copy that cannot be written is still returned.
    FileNotFoundError when the photo is not in `store`."""
    try:
        return store.print_path(sha256).read_bytes()
    except FileNotFoundError:
        pass
    data = store.path(sha256).read_bytes()
    try:
        copy = print_copy(data)
    except (UnidentifiedImageError, OSError, SyntaxError):
        return data  # WeasyPrint says what is wrong with it, and shows the caption instead
    if copy is not data:
        try:
            store.put_print_copy(copy, sha256)
        except OSError:
            pass  # a full or read-only disk: the report is still made, the copy made again
    return copy
