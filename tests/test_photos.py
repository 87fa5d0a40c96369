"""The photo pipeline: what it accepts, what it refuses (and says), and what it stores."""

from __future__ import annotations

import hashlib
import inspect
import io
import os
import struct
import zlib
from datetime import datetime, timedelta, timezone

import pytest
from PIL import ExifTags, Image, ImageCms, ImageDraw
from PIL.JpegImagePlugin import JpegImageFile

from auditkit.photos import MIB, NormalizedPhoto, PhotoRejected, normalize

Base = ExifTags.Base
RED = (255, 0, 0)


def encode(image: Image.Image, fmt: str = "JPEG", **params: object) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, fmt, **params)
    return buffer.getvalue()


def phone_exif(orientation: int = 6, offset: str | None = "+02:00") -> Image.Exif:
    """EXIF as a phone writes it: orientation, capture time (with UTC offset) and GPS."""
    exif = Image.Exif()
    exif[Base.Orientation] = orientation
    exif[Base.DateTime] = "2024:05:18 09:00:00"
    details = exif.get_ifd(ExifTags.IFD.Exif)
    details[Base.DateTimeOriginal] = "2024:05:17 14:03:09"
    if offset:
        details[Base.OffsetTimeOriginal] = offset
    gps = exif.get_ifd(ExifTags.IFD.GPSInfo)
    gps[ExifTags.GPS.GPSLatitudeRef] = "N"
    gps[ExifTags.GPS.GPSLatitude] = (52.0, 22.0, 12.34)
    gps[ExifTags.GPS.GPSLongitudeRef] = "E"
    gps[ExifTags.GPS.GPSLongitude] = (4.0, 53.0, 56.78)
    return exif


def sensor_image(size: tuple[int, int]) -> Image.Image:
    """A grey frame with a red block in the sensor's top-left corner, to follow rotations."""
    image = Image.new("RGB", size, (128, 128, 128))
    ImageDraw.Draw(image).rectangle((0, 0, size[0] // 5, size[1] // 5), fill=RED)
    return image


@pytest.fixture(scope="module")
def twelve_mp_phone_jpeg() -> bytes:
    """4000x3000 as the sensor stores it, to be shown rotated 90 degrees clockwise (6)."""
    return encode(sensor_image((4000, 3000)), exif=phone_exif(), comment=b"Owner: J. Doe")


def png_header_only(width: int, height: int) -> bytes:
    """A PNG that declares a huge size in its IHDR and carries almost no data."""

    def chunk(kind: bytes, body: bytes) -> bytes:
        crc = zlib.crc32(kind + body)
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", crc)

    ihdr = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)
    idat = zlib.compress(b"\0" * 64)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", idat) + chunk(b"IEND", b"")


def assert_no_metadata(jpeg: bytes) -> None:
    stored = Image.open(io.BytesIO(jpeg))
    assert stored.format == "JPEG"
    assert len(stored.getexif()) == 0
    assert not {"exif", "icc_profile", "xmp", "comment"} & set(stored.info)
    assert b"\xff\xe1" not in jpeg  # no APP1 segment (EXIF or XMP) at all


def test_phone_jpeg_is_upright_2000px_stripped_and_keeps_capture_time(
    twelve_mp_phone_jpeg: bytes,
) -> None:
    sent = Image.open(io.BytesIO(twelve_mp_phone_jpeg)).getexif()
    assert sent.get_ifd(ExifTags.IFD.GPSInfo)[ExifTags.GPS.GPSLatitudeRef] == "N"

    photo = normalize(twelve_mp_phone_jpeg)

    assert (photo.width, photo.height) == (1500, 2000)
    stored = Image.open(io.BytesIO(photo.jpeg))
    assert stored.size == (1500, 2000)
    # Rotated clockwise: the sensor's top-left corner is now the top-right corner.
    assert stored.getpixel((1450, 50))[0] > 200
    assert stored.getpixel((50, 50))[0] < 160
    assert_no_metadata(photo.jpeg)
    assert photo.taken_at == datetime(2024, 5, 17, 14, 3, 9, tzinfo=timezone(timedelta(hours=2)))
    assert photo.source_format == "JPEG"


def test_twelve_megapixel_jpeg_is_decoded_at_half_scale(
    twelve_mp_phone_jpeg: bytes, monkeypatch: pytest.MonkeyPatch
) -> None:
    decoded_sizes = []
    original_load = JpegImageFile.load

    def spying_load(self: JpegImageFile):  # type: ignore[no-untyped-def]
        decoded_sizes.append(self.size)
        return original_load(self)

    monkeypatch.setattr(JpegImageFile, "load", spying_load)
    normalize(twelve_mp_phone_jpeg)
    assert decoded_sizes[0] == (2000, 1500)


def test_thumbnail_long_edge_is_320_and_sha256_names_the_jpeg(twelve_mp_phone_jpeg: bytes) -> None:
    photo = normalize(twelve_mp_phone_jpeg)
    assert Image.open(io.BytesIO(photo.thumbnail)).size == (240, 320)
    assert_no_metadata(photo.thumbnail)
    assert photo.sha256 == hashlib.sha256(photo.jpeg).hexdigest()
    assert photo.size == len(photo.jpeg)


def test_same_input_gives_identical_output(twelve_mp_phone_jpeg: bytes) -> None:
    assert normalize(twelve_mp_phone_jpeg) == normalize(twelve_mp_phone_jpeg)


def test_odd_sizes_still_get_an_exact_long_edge() -> None:
    photo = normalize(encode(sensor_image((4032, 3024))), long_edge=1000, thumb_edge=100)
    assert (photo.width, photo.height) == (1000, 750)
    assert Image.open(io.BytesIO(photo.thumbnail)).size == (100, 75)


def test_small_photo_is_not_upscaled() -> None:
    photo = normalize(encode(sensor_image((300, 200))))
    assert (photo.width, photo.height) == (300, 200)
    assert Image.open(io.BytesIO(photo.thumbnail)).size == (300, 200)


def test_capture_time_without_offset_is_naive() -> None:
    photo = normalize(encode(sensor_image((64, 48)), exif=phone_exif(offset=None)))
    assert photo.taken_at == datetime(2024, 5, 17, 14, 3, 9)


def test_capture_time_falls_back_to_datetime_and_ignores_blanks() -> None:
    exif = Image.Exif()
    exif[Base.DateTime] = "2023:01:02 03:04:05"
    exif.get_ifd(ExifTags.IFD.Exif)[Base.DateTimeOriginal] = "0000:00:00 00:00:00"
    assert normalize(encode(sensor_image((64, 48)), exif=exif)).taken_at == datetime(
        2023, 1, 2, 3, 4, 5
    )
    assert normalize(encode(sensor_image((64, 48)))).taken_at is None


def test_colour_profile_and_comment_are_not_stored() -> None:
    srgb = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    data = encode(sensor_image((640, 480)), icc_profile=srgb, comment=b"serial 1234")
    photo = normalize(data)
    assert_no_metadata(photo.jpeg)
    assert Image.open(io.BytesIO(photo.jpeg)).getpixel((10, 10))[0] > 200


def test_a_non_srgb_profile_is_converted_to_srgb(monkeypatch: pytest.MonkeyPatch) -> None:
    converted = []
    real = ImageCms.profileToProfile

    def spy(image: Image.Image, *args: object, **kwargs: object) -> Image.Image | None:
        converted.append(image.size)
        return real(image, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(ImageCms, "getProfileDescription", lambda profile: "Display P3")
    monkeypatch.setattr(ImageCms, "profileToProfile", spy)
    srgb = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    photo = normalize(encode(sensor_image((4000, 3000)), icc_profile=srgb))
    assert converted == [(2000, 1500)]  # on the reduced image, not the 12 MP original
    assert_no_metadata(photo.jpeg)
    assert Image.open(io.BytesIO(photo.jpeg)).getpixel((10, 10))[0] > 200


def test_cmyk_jpeg_is_stored_as_rgb() -> None:
    photo = normalize(encode(Image.new("CMYK", (200, 100), (0, 255, 255, 0))))
    stored = Image.open(io.BytesIO(photo.jpeg))
    assert stored.mode == "RGB"
    assert stored.getpixel((100, 50))[0] > 200


def test_png_transparency_is_flattened_on_white() -> None:
    image = Image.new("RGBA", (400, 300), (0, 0, 0, 0))
    ImageDraw.Draw(image).rectangle((0, 0, 99, 99), fill=(0, 0, 255, 255))
    photo = normalize(encode(image, "PNG"))
    stored = Image.open(io.BytesIO(photo.jpeg))
    assert stored.mode == "RGB"
    assert min(stored.getpixel((300, 200))) > 245
    assert stored.getpixel((50, 50))[2] > 200 and stored.getpixel((50, 50))[0] < 40
    assert photo.source_format == "PNG"


def test_palette_grey_alpha_and_sixteen_bit_pngs_are_accepted() -> None:
    palette = Image.new("P", (50, 40), 1)
    palette.putpalette([0, 0, 0, 10, 200, 30])
    assert normalize(encode(palette, "PNG")).width == 50
    grey_alpha = Image.new("LA", (50, 40), (0, 0))
    assert Image.open(io.BytesIO(normalize(encode(grey_alpha, "PNG")).jpeg)).getpixel((5, 5)) > 245
    grey16 = Image.new("I;16", (50, 40), 40000)
    stored = Image.open(io.BytesIO(normalize(encode(grey16, "PNG")).jpeg))
    assert 145 < stored.getpixel((25, 20)) < 165  # 40000 / 256, not clipped to white


def test_webp_is_accepted() -> None:
    photo = normalize(encode(Image.new("RGB", (2400, 1200), (10, 120, 200)), "WEBP"))
    assert (photo.width, photo.height) == (2000, 1000)
    assert photo.source_format == "WEBP"


def test_heic_is_accepted_with_its_rotation_applied() -> None:
    pillow_heif = pytest.importorskip("pillow_heif")
    if not pillow_heif.libheif_info()["HEIF"]:
        pytest.skip("this libheif build has no HEVC encoder to make a HEIC file with")
    pillow_heif.register_heif_opener()
    data = encode(sensor_image((640, 480)), "HEIF", exif=phone_exif().tobytes())

    photo = normalize(data)

    assert photo.source_format == "HEIF"
    assert (photo.width, photo.height) == (480, 640)
    assert photo.taken_at == datetime(2024, 5, 17, 14, 3, 9, tzinfo=timezone(timedelta(hours=2)))
    assert_no_metadata(photo.jpeg)


def test_type_comes_from_the_bytes_not_a_name() -> None:
    assert list(inspect.signature(normalize).parameters)[0] == "data"
    assert not {"name", "filename", "content_type"} & set(inspect.signature(normalize).parameters)
    # PNG bytes are read as PNG whatever the upload was called.
    assert normalize(encode(sensor_image((64, 48)), "PNG")).source_format == "PNG"


@pytest.mark.parametrize(
    "data",
    [
        os.urandom(4096),
        b"%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\n%%EOF\n",
        b"Opening meeting notes\n" * 20,
        encode(Image.new("RGB", (20, 20)), "GIF"),
        b"\x00\x00\x00\x1cftypavif\x00\x00\x00\x00avifmif1miaf" + bytes(64),
    ],
    ids=["random", "pdf", "text", "gif", "avif"],
)
def test_files_that_are_not_photos_are_refused(data: bytes) -> None:
    with pytest.raises(PhotoRejected) as refused:
        normalize(data)
    assert str(refused.value) == (
        "This file is not a photo we can read: use JPEG, PNG, WebP or HEIC."
    )


def test_empty_file_is_refused() -> None:
    with pytest.raises(PhotoRejected, match="empty"):
        normalize(b"")


def test_oversize_file_is_refused_before_decoding() -> None:
    data = b"\xff\xd8\xff" + bytes(int(45.2 * MIB))
    with pytest.raises(PhotoRejected) as refused:
        normalize(data)
    assert str(refused.value) == "This photo is 45.2 MB; the limit is 40 MB."


def test_decompression_bomb_is_refused_from_its_header() -> None:
    with pytest.raises(PhotoRejected) as refused:
        normalize(png_header_only(9000, 8000))
    message = str(refused.value)
    assert "9000 by 8000 pixels" in message and "limit is 60 megapixels" in message


def test_huge_decompression_bomb_is_refused() -> None:
    with pytest.raises(PhotoRejected) as refused:
        normalize(png_header_only(50_000, 50_000))
    assert "too many pixels" in str(refused.value)
    assert "60 megapixels" in str(refused.value)


def test_pixel_limit_is_configurable() -> None:
    with pytest.raises(PhotoRejected, match="megapixels"):
        normalize(encode(sensor_image((400, 300))), max_pixels=100_000)


@pytest.mark.parametrize("keep", [0.6, 0.01], ids=["half-a-photo", "header-only"])
def test_truncated_jpeg_is_refused_as_damaged(twelve_mp_phone_jpeg: bytes, keep: float) -> None:
    data = twelve_mp_phone_jpeg[: int(len(twelve_mp_phone_jpeg) * keep)]
    with pytest.raises(PhotoRejected) as refused:
        normalize(data)
    assert "damaged or incomplete" in str(refused.value)


def test_rejection_is_a_value_error() -> None:
    assert issubclass(PhotoRejected, ValueError)
    assert NormalizedPhoto.__dataclass_params__.frozen  # type: ignore[attr-defined]


def test_truncated_photos_stay_refused_after_weasyprint_is_imported() -> None:
    """WeasyPrint sets Pillow's LOAD_TRUNCATED_IMAGES on import; our photos must not follow."""
    import io

    import pytest
    import weasyprint  # noqa: F401
    from PIL import Image

    from auditkit.photos import PhotoRejected, normalize

    buffer = io.BytesIO()
    Image.new("RGB", (800, 600), (200, 30, 30)).save(buffer, "JPEG")
    with pytest.raises(PhotoRejected, match="damaged"):
        normalize(buffer.getvalue()[:2000])
