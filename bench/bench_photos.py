"""Photo pipeline: `normalize` against libvips' thumbnail, and peak memory over a 50-photo ingest.

(a) Ten distinct 12 MP phone JPEGs (4000x3000, EXIF orientation 6, 3-5 MB each, made in memory,
not timed) go through `normalize` and, interleaved in the same run, through pyvips:
`thumbnail_buffer` to the same long edge (auto-rotating), a quality-85 JPEG without metadata and a
320 px thumbnail from that result. Target: median(normalize) / median(pyvips) <= 1.2.
(b) A fresh interpreter ingests 50 such photos (read, normalize, write both files to a PhotoStore)
and reports its own peak RSS (VmHWM). Target: <= 300 MB. This process first generates the photos
one at a time into a temporary folder, so the child's figure is the ingest alone and no process
ever holds more than one original.
"""

from __future__ import annotations

import functools
import io
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from PIL import Image, ImageChops

from bench.images import scene
from bench.timing import summary

SIZE = (4000, 3000)
PHOTOS = 10
REPEAT = 3
INGEST = 50
LONG_EDGE = 2000
THUMB_EDGE = 320
SPEED_TARGET = 1.2
MEMORY_TARGET_MB = 300
REPO = Path(__file__).resolve().parent.parent


def run() -> None:
    print(f"generating {PHOTOS} distinct {SIZE[0]}x{SIZE[1]} JPEGs (EXIF orientation 6) ...")
    photos = [phone_jpeg(seed) for seed in range(PHOTOS)]
    sizes = [len(data) / 1e6 for data in photos]
    print(f"sizes: {min(sizes):.1f}-{max(sizes):.1f} MB")
    compare_with_vips(photos)
    del photos
    measure_ingest_memory()


@functools.cache
def _grain() -> Image.Image:
    """Full-size sensor noise, made once (effect_noise is slow) and shifted per photo."""
    return Image.effect_noise(SIZE, 8)


def phone_jpeg(seed: int) -> bytes:
    """A realistic-size 12 MP JPEG: smooth gradients, coarse texture and sensor grain."""
    base = scene(seed, SIZE)  # before the grain: both draw from Pillow's noise generator
    grain = ImageChops.offset(_grain(), seed * 101, seed * 53)
    image = ImageChops.add(base, Image.merge("RGB", (grain, grain, grain)), offset=-128)
    exif = Image.Exif()
    exif[0x0112] = 6  # Orientation: rotate 90 degrees clockwise to display
    exif[0x0132] = "2024:05:17 14:03:09"
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=90, exif=exif)
    return buffer.getvalue()


def compare_with_vips(photos: list[bytes]) -> None:
    from auditkit.photos import normalize

    try:
        import pyvips
    except ImportError:
        print("pyvips is not installed (pip install '.[bench]'): no comparison")
        return
    pyvips.cache_set_max(0)  # every run decodes for real

    def vips_thumbnail(data: bytes) -> tuple[bytes, bytes]:
        main = pyvips.Image.thumbnail_buffer(data, LONG_EDGE).copy_memory()
        thumb = main.thumbnail_image(THUMB_EDGE)
        return main.jpegsave_buffer(Q=85, keep="none"), thumb.jpegsave_buffer(Q=75, keep="none")

    def vips_same_shrink(data: bytes) -> tuple[bytes, bytes]:
        main = pyvips.Image.jpegload_buffer(data, shrink=2).autorot().copy_memory()
        thumb = main.thumbnail_image(THUMB_EDGE)
        return main.jpegsave_buffer(Q=85, keep="none"), thumb.jpegsave_buffer(Q=75, keep="none")

    check = pyvips.Image.new_from_buffer(vips_thumbnail(photos[0])[0], "")
    assert (check.width, check.height) == (normalize(photos[0]).width, LONG_EDGE)

    pipelines: dict[str, Callable[[bytes], object]] = {
        "normalize (Pillow, JPEG draft 1/2)": normalize,
        "pyvips thumbnail_buffer + 320 px thumbnail": vips_thumbnail,
        "pyvips jpegload shrink=2 + autorot (like for like, info only)": vips_same_shrink,
    }
    times: dict[str, list[float]] = {label: [] for label in pipelines}
    for pipeline in pipelines.values():
        pipeline(photos[-1])  # warm-up: imports, plugin registration, libvips start-up
    for _ in range(REPEAT):
        for data in photos:
            for label, pipeline in pipelines.items():
                start = time.perf_counter()
                pipeline(data)
                times[label].append(time.perf_counter() - start)
    print(
        f"libvips {pyvips.version(0)}.{pyvips.version(1)}.{pyvips.version(2)}, "
        f"{os.cpu_count()} CPUs; per photo, 12 MP -> {LONG_EDGE} px + {THUMB_EDGE} px thumbnail"
    )
    for label, samples in times.items():
        print(summary(label, samples))
    ours, theirs = (statistics.median(times[label]) for label in list(pipelines)[:2])
    ratio = ours / theirs
    verdict = "PASS" if ratio <= SPEED_TARGET else "MISS"
    print(f"ratio normalize / pyvips thumbnail: {ratio:.2f} (target <= {SPEED_TARGET}): {verdict}")


def measure_ingest_memory() -> None:
    with tempfile.TemporaryDirectory(prefix="bench-photos-") as tmp:
        originals = Path(tmp) / "originals"
        originals.mkdir()
        started = time.perf_counter()
        for seed in range(INGEST):
            (originals / f"{seed:03d}.jpg").write_bytes(phone_jpeg(1000 + seed))
        print(f"generated {INGEST} photos on disk in {time.perf_counter() - started:.1f} s")
        code = "import sys; from bench.bench_photos import ingest; ingest(sys.argv[1], sys.argv[2])"
        env = {**os.environ, "PYTHONPATH": str(REPO)}
        result = subprocess.run(
            [sys.executable, "-c", code, str(originals), str(Path(tmp) / "store")],
            cwd=REPO,
            env=env,
            capture_output=True,
            text=True,
            check=True,
        )
    report = json.loads(result.stdout.strip().splitlines()[-1])
    peak_mb = report["peak_kb"] / 1024
    verdict = "PASS" if peak_mb <= MEMORY_TARGET_MB else "MISS"
    print(
        f"ingest {report['photos']} photos (read, normalize, store photo + thumbnail) in "
        f"{report['seconds']:.1f} s: child peak RSS {peak_mb:.0f} MB "
        f"(interpreter + imports {report['baseline_kb'] / 1024:.0f} MB) "
        f"(target <= {MEMORY_TARGET_MB} MB): {verdict}"
    )


def ingest(originals: str, store_root: str) -> None:
    """Child process: ingest every photo in `originals`, one at a time, into a PhotoStore."""
    from auditkit.photos import normalize
    from auditkit.photostore import PhotoStore

    store = PhotoStore(Path(store_root))
    baseline = peak_rss_kb()
    started = time.perf_counter()
    count = 0
    for path in sorted(Path(originals).iterdir()):
        photo = normalize(path.read_bytes())
        store.put(photo.jpeg, photo.sha256)
        store.put_thumbnail(photo.thumbnail, photo.sha256)
        count += 1
    assert len(list(Path(store_root).rglob("*.thumb.jpg"))) == count
    peak = peak_rss_kb()
    seconds = time.perf_counter() - started
    report = {"photos": count, "peak_kb": peak, "baseline_kb": baseline, "seconds": seconds}
    print(json.dumps(report))


def peak_rss_kb() -> int:
    """This process's peak resident set in KB.

    VmHWM belongs to the address space made by exec. ru_maxrss (and so RUSAGE_CHILDREN) is not
    usable here: Linux carries the parent's high-water mark across fork/vfork + exec into it, so a
    child of a 300 MB parent "peaks" at 300 MB before running a line.
    """
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # KB on Linux, bytes on macOS
