"""Synthetic camera-like pictures for the benchmarks: distinct per seed, compressing like photos."""

from __future__ import annotations

from PIL import Image, ImageChops


def scene(seed: int, size: tuple[int, int]) -> Image.Image:
    """Smooth gradients and coarse texture at `size`; callers add their own grain."""
    small = (size[0] // 8, size[1] // 8)
    texture = Image.effect_noise(small, 40 + seed % 20)
    linear = ImageChops.offset(Image.linear_gradient("L").resize(small), seed * 37, seed * 11)
    radial = Image.radial_gradient("L").resize(small)
    return Image.merge(
        "RGB",
        (Image.blend(texture, linear, 0.6), Image.blend(radial, texture, 0.3), linear),
    ).resize(size, Image.Resampling.BILINEAR)
