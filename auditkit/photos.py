"""The photo pipeline: the bytes a phone or camera produced in, a small stripped JPEG out.

`normalize` is the only entry point. It reads the type from the bytes (never from a file name),
refuses what it cannot handle safely with a sentence a person understands (`PhotoRejected`),
decodes a JPEG at a reduced scale so a 12 MP photo is never fully decoded, applies the EXIF
orientation, converts embedded colour profiles to sRGB, and encodes a JPEG and a thumbnail that
carry no metadata at all (no EXIF, GPS, XMP, ICC profile or comment). The capture time is kept as
data on the result instead.
"""

from __future__ import annotations

import functools
import hashlib
import io
import math
import re
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from PIL import ExifTags, Image, ImageCms, ImageFile, UnidentifiedImageError
from PIL.JpegImagePlugin import JpegImageFile

MIB = 1024 * 1024
DEFAULT_LONG_EDGE = 2000
DEFAULT_THUMB_EDGE = 320
DEFAULT_MAX_BYTES = 40 * MIB
DEFAULT_MAX_PIXELS = 60_000_000
JPEG_QUALITY = 85
THUMB_QUALITY = 75

NOT_A_PHOTO = "This file is not a photo we can read: use JPEG, PNG, WebP or HEIC."
DAMAGED = "This photo file is damaged or incomplete: copy or export it from the camera again."

# ftyp brands of HEIF files with HEVC (or uncompressed/JPEG) images, which pillow-heif decodes.
_HEVC_BRANDS = frozenset({b"heic", b"heix", b"heim", b"heis", b"hevc", b"hevx"})
_GENERIC_HEIF_BRANDS = frozenset({b"mif1", b"msf1"})
_AV1_BRANDS = frozenset({b"avif", b"avis"})
_OFFSET_RE = re.compile(r"([+-])(\d{2}):(\d{2})")
# EXIF Orientation value -> the transpose that shows the photo upright (as ImageOps.exif_transpose).
_TRANSPOSE = {
    2: Image.Transpose.FLIP_LEFT_RIGHT,
    3: Image.Transpose.ROTATE_180,
    4: Image.Transpose.FLIP_TOP_BOTTOM,
    5: Image.Transpose.TRANSPOSE,
    6: Image.Transpose.ROTATE_270,
    7: Image.Transpose.TRANSVERSE,
    8: Image.Transpose.ROTATE_90,
}


class PhotoRejected(ValueError):
    """A photo the pipeline refuses; `str(error)` is a sentence to show the person who sent it."""


@dataclass(frozen=True)
class NormalizedPhoto:
    """What is stored for a photo: the JPEG and its thumbnail, both free of metadata.

    `sha256` is the hex digest of `jpeg` (the name it is stored under) and `size` its length.
    `taken_at` comes from EXIF DateTimeOriginal (else DateTime): an aware datetime when the camera
    recorded its UTC offset (OffsetTimeOriginal / OffsetTime), otherwise a naive datetime in the
    camera's unknown local time. `source_format` is "JPEG", "PNG", "WEBP" or "HEIF".
    """

    jpeg: bytes
    thumbnail: bytes
    width: int
    height: int
    sha256: str
    size: int
    taken_at: datetime | None
    source_format: str


def normalize(
    data: bytes,
    *,
    long_edge: int = DEFAULT_LONG_EDGE,
    thumb_edge: int = DEFAULT_THUMB_EDGE,
    max_bytes: int = DEFAULT_MAX_BYTES,
    max_pixels: int = DEFAULT_MAX_PIXELS,
) -> NormalizedPhoto:
    """Turn uploaded bytes into a stored photo; raise `PhotoRejected` for anything refused."""
    if long_edge < 1 or thumb_edge < 1:
        raise ValueError("long_edge and thumb_edge must be positive")
    if not data:
        raise PhotoRejected("This file is empty: choose the photo again.")
    if len(data) > max_bytes:
        raise PhotoRejected(
            f"This photo is {len(data) / MIB:.1f} MB; the limit is {max_bytes / MIB:g} MB."
        )
    source_format = detect_format(data)
    if source_format is None:
        raise PhotoRejected(NOT_A_PHOTO)
    if source_format == "HEIF":
        _register_heif()

    image = _open(data, source_format, max_pixels)
    icc = image.info.get("icc_profile")
    image = _decode(image, long_edge)
    exif = _exif(image)
    image = _to_srgb(_flatten(_fit(_resizable(image), long_edge)), icc)
    orientation = exif.get(ExifTags.Base.Orientation)
    if orientation in _TRANSPOSE:
        image = image.transpose(_TRANSPOSE[orientation])
    thumbnail = _fit(image, thumb_edge, reducing_gap=2.0)

    jpeg = _encode(image, JPEG_QUALITY)
    return NormalizedPhoto(
        jpeg=jpeg,
        thumbnail=_encode(thumbnail, THUMB_QUALITY),
        width=image.width,
        height=image.height,
        sha256=hashlib.sha256(jpeg).hexdigest(),
        size=len(jpeg),
        taken_at=_taken_at(exif),
        source_format=source_format,
    )


def detect_format(data: bytes) -> str | None:
    """Return the Pillow format name for bytes we accept, from their magic numbers, else None."""
    if data.startswith(b"\xff\xd8\xff"):
        return "JPEG"
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "PNG"
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "WEBP"
    if data[4:8] == b"ftyp" and _is_decodable_heif(data):
        return "HEIF"
    return None


def _is_decodable_heif(data: bytes) -> bool:
    """True for an ISO-BMFF `ftyp` box naming a HEIF brand we decode (AVIF is not one)."""
    box_size = min(int.from_bytes(data[:4], "big"), len(data), 4096)
    major = data[8:12]
    brands = {major} | {data[i : i + 4] for i in range(16, box_size - 3, 4)}
    if brands & _HEVC_BRANDS:
        return True
    return major in _GENERIC_HEIF_BRANDS and not brands & _AV1_BRANDS


@functools.cache
def _register_heif() -> None:
    """Teach Pillow to open HEIC/HEIF, once, on the first HEIF photo (not at import)."""
    import pillow_heif

    # Phones embed depth maps and previews we never use; do not decode or keep them.
    pillow_heif.register_heif_opener(thumbnails=False, depth_images=False, aux_images=False)


def _open(data: bytes, source_format: str, max_pixels: int) -> Image.Image:
    """Open lazily (header only) and refuse declared sizes that would be decompression bombs."""
    # WeasyPrint, once imported (the PDF report), turns on Pillow's process-wide leniency for
    # truncated files; a photo of ours must decode whole or be refused as damaged.
    ImageFile.LOAD_TRUNCATED_IMAGES = False
    try:
        image = Image.open(io.BytesIO(data), formats=[source_format])
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise PhotoRejected(
            f"This photo has too many pixels to open safely; the limit is "
            f"{max_pixels / 1e6:g} megapixels."
        ) from None
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, EOFError) as error:
        raise PhotoRejected(DAMAGED) from error
    width, height = image.size
    if width * height > max_pixels:
        image.close()
        raise PhotoRejected(
            f"This photo is {width} by {height} pixels ({width * height / 1e6:.0f} megapixels); "
            f"the limit is {max_pixels / 1e6:g} megapixels."
        )
    return image


def _decode(image: Image.Image, long_edge: int) -> Image.Image:
    """Decode the pixels; a JPEG is decoded by DCT scaling (1/2, 1/4, 1/8) to just >= long_edge."""
    width, height = image.size
    scale = long_edge / max(width, height)
    if isinstance(image, JpegImageFile) and scale < 1:  # MPO files are JPEGs too
        # draft() picks the largest DCT reduction that keeps both sides >= the requested box.
        box = (max(1, math.ceil(width * scale)), max(1, math.ceil(height * scale)))
        image.draft("RGB", box)
    try:
        image.load()
    except (OSError, SyntaxError, ValueError, EOFError, IndexError) as error:
        raise PhotoRejected(DAMAGED) from error
    return image


def _exif(image: Image.Image) -> Image.Exif:
    """The photo's EXIF, or an empty one when it is missing or unreadable (metadata is optional)."""
    try:
        return image.getexif()
    except Exception:  # malformed EXIF must not cost the person their photo
        return Image.Exif()


def _fit(image: Image.Image, edge: int, reducing_gap: float = 3.0) -> Image.Image:
    """Downscale so the long side is `edge` (never upscale): box-reduce, then bicubic.

    Bicubic rather than Lanczos: after JPEG draft decoding the factor left is under 2, where
    Lanczos is no visible gain and costs about a fifth of the pipeline for a 4032x3024 photo.
    """
    width, height = image.size
    if max(width, height) <= edge:
        return image
    scale = edge / max(width, height)
    size = (max(1, round(width * scale)), max(1, round(height * scale)))
    return image.resize(size, Image.Resampling.BICUBIC, reducing_gap=reducing_gap)


def _resizable(image: Image.Image) -> Image.Image:
    """Bring any decoded mode to 8-bit RGB, L, CMYK, RGBA or LA, which resize filters handle."""
    if image.mode in ("I;16", "I;16L", "I;16B", "I;16N", "I"):
        return image.convert("I").point(lambda value: value * (1 / 256)).convert("L")
    if image.mode == "1":
        return image.convert("L")
    if image.mode == "PA" or (image.mode == "P" and "transparency" in image.info):
        return image.convert("RGBA")
    if image.mode not in ("RGB", "L", "CMYK", "RGBA", "LA"):
        return image.convert("RGB")
    return image


def _flatten(image: Image.Image) -> Image.Image:
    """Lay a transparent image on white (after the resize, so on the small copy)."""
    if image.mode not in ("RGBA", "LA"):
        return image
    flat = Image.new("RGB" if image.mode == "RGBA" else "L", image.size, "white")
    flat.paste(image, mask=image.getchannel("A"))
    return flat


def _to_srgb(image: Image.Image, icc: bytes | None) -> Image.Image:
    """Apply the photo's colour profile, if any, so the pixels are sRGB; CMYK becomes RGB."""
    if icc and image.mode in ("RGB", "CMYK"):
        image = _apply_profile(image, icc)
    return image.convert("RGB") if image.mode == "CMYK" else image


def _apply_profile(image: Image.Image, icc: bytes) -> Image.Image:
    """Convert from an embedded colour profile to sRGB, since the stored JPEG carries none."""
    try:
        profile = ImageCms.ImageCmsProfile(io.BytesIO(icc))
        if image.mode == "RGB" and ImageCms.getProfileDescription(profile).startswith("sRGB"):
            return image
        converted = ImageCms.profileToProfile(
            image, profile, ImageCms.createProfile("sRGB"), outputMode="RGB"
        )
    except (ImageCms.PyCMSError, OSError, ValueError, TypeError):
        return image  # an unusable profile: keep the pixels as they are
    return converted if converted is not None else image


def _encode(image: Image.Image, quality: int) -> bytes:
    """Baseline JPEG, 4:2:0, with no metadata: info is cleared so nothing is copied over."""
    image.info = {}
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=quality, subsampling=2, optimize=False, progressive=False)
    return buffer.getvalue()


def _taken_at(exif: Image.Exif) -> datetime | None:
    """Capture time: DateTimeOriginal with OffsetTimeOriginal, else DateTime with OffsetTime."""
    try:
        details = exif.get_ifd(ExifTags.IFD.Exif)
    except Exception:  # malformed EXIF sub-IFD: no capture time rather than no photo
        details = {}
    base = ExifTags.Base
    candidates = (
        (details.get(base.DateTimeOriginal), details.get(base.OffsetTimeOriginal)),
        (exif.get(base.DateTime), details.get(base.OffsetTime)),
    )
    for stamp, offset in candidates:
        moment = _parse_stamp(_text(stamp), _text(offset))
        if moment is not None:
            return moment
    return None


def _text(value: object) -> str:
    """An EXIF ASCII value as a clean str ('' when missing or not text)."""
    if isinstance(value, bytes):
        value = value.decode("ascii", "replace")
    return value.strip("\x00 ") if isinstance(value, str) else ""


def _parse_stamp(stamp: str, offset: str) -> datetime | None:
    """'2024:05:17 14:03:09' (+ '+02:00') -> datetime; None for blanks like '0000:00:00 ...'."""
    try:
        moment = datetime.strptime(stamp[:19], "%Y:%m:%d %H:%M:%S")
    except ValueError:
        return None
    match = _OFFSET_RE.fullmatch(offset)
    if match is None:
        return moment
    sign, hours, minutes = match.groups()
    delta = timedelta(hours=int(hours), minutes=int(minutes))
    if delta > timedelta(hours=14):
        return moment
    return moment.replace(tzinfo=timezone(-delta if sign == "-" else delta))
