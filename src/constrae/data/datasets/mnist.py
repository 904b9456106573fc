"""Read MNIST from its original IDX files (optionally gzip-compressed).

IDX layout, all big-endian: two zero bytes, a dtype code byte, a byte giving the
number of dimensions ``d``, then ``d`` uint32 sizes, then the raw values.

Shapes: ``n`` images, ``p`` pixels per image (784 for MNIST).
"""

import gzip
import zlib
from pathlib import Path

import numpy as np

from constrae.errors import DataError

_GZIP_MAGIC = b"\x1f\x8b"
_IDX_DTYPES: dict[int, np.dtype] = {
    0x08: np.dtype(">u1"),
    0x09: np.dtype(">i1"),
    0x0B: np.dtype(">i2"),
    0x0C: np.dtype(">i4"),
    0x0D: np.dtype(">f4"),
    0x0E: np.dtype(">f8"),
}


def read_idx(path) -> np.ndarray:
    """Read an IDX file into an array in native byte order with the sizes from its header."""
    path = Path(path)
    raw = _read_bytes(path)
    if len(raw) < 4 or raw[:2] != b"\x00\x00":
        raise DataError(f"{path}: not an IDX file (expected two zero bytes, got {raw[:2]!r})")
    code, ndim = raw[2], raw[3]
    if code not in _IDX_DTYPES:
        known = ", ".join(f"0x{c:02X}" for c in _IDX_DTYPES)
        raise DataError(f"{path}: unknown IDX dtype code 0x{code:02X}; known: {known}")
    header_bytes = 4 + 4 * ndim
    if len(raw) < header_bytes:
        raise DataError(f"{path}: truncated header, expected {header_bytes} bytes for {ndim} sizes, got {len(raw)}")
    sizes = tuple(int(s) for s in np.frombuffer(raw, dtype=">u4", count=ndim, offset=4))
    dtype = _IDX_DTYPES[code]
    expected = int(np.prod(sizes, dtype=np.int64)) * dtype.itemsize
    actual = len(raw) - header_bytes
    if actual != expected:
        raise DataError(f"{path}: payload of {actual} bytes, expected {expected} for sizes {sizes} of {dtype.name}")
    values = np.frombuffer(raw, dtype=dtype, offset=header_bytes).reshape(sizes)
    # astype copies, so the result is writable and no longer tied to the bytes read.
    return values.astype(dtype.newbyteorder("="))


def load_mnist(images_path, labels_path=None, n_samples: int | None = None) -> tuple[np.ndarray, np.ndarray | None]:
    """Load MNIST ``images_NP`` (float32 in [0, 1]) and, if a path is given, ``labels_N`` (int64).

    ``n_samples`` keeps the first that many images (and labels), in file order.
    """
    images_NHW = read_idx(images_path)
    if images_NHW.ndim != 3 or images_NHW.dtype != np.uint8:
        raise DataError(
            f"{images_path}: expected uint8 images of shape (n, rows, cols), "
            f"got {images_NHW.dtype.name} of shape {images_NHW.shape}"
        )
    n_images = len(images_NHW)
    if n_samples is not None and not 1 <= n_samples <= n_images:
        raise DataError(f"n_samples must be in [1, {n_images}] for {images_path}, got {n_samples}")
    keep = slice(None) if n_samples is None else slice(n_samples)
    images_NP = images_NHW[keep].reshape(-1, images_NHW[0].size).astype(np.float32) / 255
    if labels_path is None:
        return images_NP, None
    labels_N = read_idx(labels_path)
    if labels_N.shape != (n_images,):
        raise DataError(f"{labels_path}: expected {n_images} labels to match {images_path}, got shape {labels_N.shape}")
    return images_NP, labels_N[keep].astype(np.int64)


def labels_path_for(images_path: str | Path) -> Path:
    """The labels file beside an images file, by MNIST's naming (``...-images-idx3-ubyte`` ->
    ``...-labels-idx1-ubyte``); DataError when there is none."""
    images_path = Path(images_path)
    labels_path = images_path.with_name(images_path.name.replace("images-idx3", "labels-idx1"))
    if labels_path == images_path or not labels_path.is_file():
        raise DataError(f"{images_path}: no labels file beside it (expected {labels_path.name})")
    return labels_path


def _read_bytes(path: Path) -> bytes:
    """The file's bytes, decompressed when they start with the gzip magic number."""
    if not path.is_file():
        raise DataError(f"{path}: no such file")
    raw = path.read_bytes()
    if not raw.startswith(_GZIP_MAGIC):
        return raw
    try:
        return gzip.decompress(raw)
    except (EOFError, OSError, zlib.error) as error:
        raise DataError(f"{path}: corrupt or truncated gzip data ({error})") from error
