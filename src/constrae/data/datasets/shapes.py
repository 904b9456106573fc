"""The "shapes" dataset: small grey images of four filled geometric shapes.

Each image holds one circle, triangle, rectangle or five-pointed star at a random
position, size and rotation, filled with a random grey level in [0.5, 1] on a
black (0) background, and kept ``_MARGIN`` pixels clear of the frame so that no
shape is cut. Each pixel's value is the fraction of it the shape covers, counted
on a ``_SUPERSAMPLE`` x ``_SUPERSAMPLE`` sub-pixel grid, so edges are anti-aliased.

Shapes: ``n`` samples, ``p = size * size`` pixels, ``c`` classes, ``k`` polygon vertices,
``f = size * _SUPERSAMPLE`` sub-pixels along each side.
"""

import numpy as np

from constrae.errors import DataError

SHAPE_NAMES = ("circle", "triangle", "rectangle", "star")

_SUPERSAMPLE = 4
_MARGIN = 1.0
_RADIUS_RANGE = (0.25, 0.45)
"""Circumradius as a fraction of the image size."""
_INTENSITY_RANGE = (0.5, 1.0)
_RECTANGLE_ASPECT_RANGE = (0.4, 1.0)
"""Short side over long side."""
_STAR_INNER_RATIO = 0.4
"""Inner over outer radius. A regular pentagram has 0.38; slightly fatter arms stay visible at 30 px."""
_CIRCLE_VERTICES = 32
"""A 32-gon strays from its circle by under 0.5% of the radius: 0.07 px at 30 px, below one sub-pixel."""


def make_shapes(n_samples: int, seed: int = 0, size: int = 30) -> tuple[np.ndarray, np.ndarray]:
    """Generate ``n_samples`` shape images of ``size`` x ``size`` pixels.

    Returns ``images_NP`` (float32 in [0, 1], each row a row-major image) and
    ``labels_N`` (int64 indices into ``SHAPE_NAMES``). Every class gets
    ``n_samples // 4`` images and the first ``n_samples % 4`` classes one more;
    the order is shuffled. The same seed always gives the same arrays.
    """
    if n_samples < 1:
        raise DataError(f"n_samples must be >= 1, got {n_samples}")
    if size < 8:
        raise DataError(f"size must be >= 8 pixels, got {size}")
    rng = np.random.default_rng(seed)
    n_classes = len(SHAPE_NAMES)
    counts_C = np.full(n_classes, n_samples // n_classes)
    counts_C[: n_samples % n_classes] += 1
    labels_N = rng.permutation(np.repeat(np.arange(n_classes, dtype=np.int64), counts_C))
    images_NP = np.empty((n_samples, size * size), dtype=np.float32)
    for i, label in enumerate(labels_N):
        outline_K2 = _OUTLINES[SHAPE_NAMES[label]](rng)
        vertices_K2 = _place(outline_K2, rng, size)
        intensity = rng.uniform(*_INTENSITY_RANGE)
        images_NP[i] = intensity * _rasterise(vertices_K2, size).ravel()
    return images_NP, labels_N


def _on_unit_circle(angles_K: np.ndarray) -> np.ndarray:
    return np.stack([np.cos(angles_K), np.sin(angles_K)], axis=1)


def _regular(n_vertices: int) -> np.ndarray:
    return _on_unit_circle(np.arange(n_vertices) * (2 * np.pi / n_vertices))


def _rectangle(rng: np.random.Generator) -> np.ndarray:
    # Corners at angles +-phi on the unit circle span width : height = cos(phi) : sin(phi).
    phi = np.arctan(rng.uniform(*_RECTANGLE_ASPECT_RANGE))
    return _on_unit_circle(np.array([phi, np.pi - phi, np.pi + phi, -phi]))


def _star(rng: np.random.Generator) -> np.ndarray:
    radii_K = np.tile([1.0, _STAR_INNER_RATIO], 5)
    return radii_K[:, None] * _regular(10)


_OUTLINES = {
    "circle": lambda rng: _regular(_CIRCLE_VERTICES),
    "triangle": lambda rng: _regular(3),
    "rectangle": _rectangle,
    "star": _star,
}
"""Per class, a function giving its outline: vertices within the unit circle, centred at 0."""


def _place(outline_K2: np.ndarray, rng: np.random.Generator, size: int) -> np.ndarray:
    """Rotate, scale and shift a unit outline to pixel coordinates (x, y) inside the margin."""
    angle = rng.uniform(0, 2 * np.pi)
    rotation_22 = np.array([[np.cos(angle), -np.sin(angle)], [np.sin(angle), np.cos(angle)]])
    # On small images the largest radius would not fit inside the margin.
    radius = min(rng.uniform(*_RADIUS_RANGE) * size, size / 2 - _MARGIN)
    shape_K2 = radius * outline_K2 @ rotation_22.T
    low_2 = _MARGIN - shape_K2.min(axis=0)
    high_2 = size - _MARGIN - shape_K2.max(axis=0)
    return shape_K2 + rng.uniform(low_2, high_2)


def _rasterise(vertices_K2: np.ndarray, size: int) -> np.ndarray:
    """Fraction of each pixel covered by the polygon, as an image_HW in [0, 1].

    Pixel (row i, column j) covers [j, j + 1) x [i, i + 1) in vertex coordinates.
    Coverage is counted exactly on an s x s grid of sub-pixel centres (even-odd
    rule); PIL's polygon fill was tried and spills up to 1.5 sub-pixels past the
    edge, enough to leak into the empty margin.
    """
    s = _SUPERSAMPLE
    centres_F = (np.arange(size * s) + 0.5) / s
    x_1F, y_F1 = centres_F[None, :], centres_F[:, None]
    inside_FF = np.zeros((size * s, size * s), dtype=bool)
    for (x0, y0), (x1, y1) in zip(vertices_K2, np.roll(vertices_K2, -1, axis=0)):
        if y0 == y1:
            continue  # a horizontal edge is crossed by no horizontal ray
        # A ray from each sub-pixel towards -x crosses this edge at most once.
        spans_F1 = (y0 <= y_F1) != (y1 <= y_F1)
        crossing_F1 = x0 + (y_F1 - y0) * (x1 - x0) / (y1 - y0)
        inside_FF ^= spans_F1 & (x_1F > crossing_F1)
    return inside_FF.reshape(size, s, size, s).mean(axis=(1, 3), dtype=np.float32)
