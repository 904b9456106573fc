import gzip
import struct

import numpy as np
import pytest

from constrae.data.datasets.mnist import load_mnist, read_idx
from constrae.errors import DataError


@pytest.fixture(scope="module")
def mnist_dir(shared_data):
    folder = shared_data / "mnist"
    if not folder.is_dir():
        pytest.fail(f"MNIST folder not found: {folder}")
    return folder


def test_real_test_split_loads_as_unit_range_images_and_digit_labels(mnist_dir):
    images_NP, labels_N = load_mnist(mnist_dir / "t10k-images-idx3-ubyte.gz", mnist_dir / "t10k-labels-idx1-ubyte.gz")
    assert images_NP.shape == (10000, 784) and images_NP.dtype == np.float32
    assert images_NP.min() == 0 and images_NP.max() == 1
    assert labels_N.shape == (10000,) and labels_N.dtype == np.int64
    assert set(labels_N.tolist()) == set(range(10))
    # The first test digits are 7, 2, 1, 0, 4 in every copy of MNIST.
    assert labels_N[:5].tolist() == [7, 2, 1, 0, 4]


def test_n_samples_keeps_the_first_images_and_labels(mnist_dir):
    images_NP, labels_N = load_mnist(
        mnist_dir / "t10k-images-idx3-ubyte.gz", mnist_dir / "t10k-labels-idx1-ubyte.gz", n_samples=7
    )
    assert images_NP.shape == (7, 784) and labels_N.shape == (7,)
    with pytest.raises(DataError, match="n_samples"):
        load_mnist(mnist_dir / "t10k-images-idx3-ubyte.gz", n_samples=10001)


def test_images_without_labels(mnist_dir):
    images_NP, labels_N = load_mnist(mnist_dir / "t10k-images-idx3-ubyte.gz", n_samples=3)
    assert images_NP.shape == (3, 784) and labels_N is None


def test_gzip_is_detected_by_content_not_extension(mnist_dir, tmp_path):
    raw = gzip.decompress((mnist_dir / "t10k-labels-idx1-ubyte.gz").read_bytes())
    plain, disguised = tmp_path / "labels.gz", tmp_path / "labels.idx"
    plain.write_bytes(raw)
    disguised.write_bytes(gzip.compress(raw))
    np.testing.assert_array_equal(read_idx(plain), read_idx(disguised))


def test_truncated_file_raises_naming_the_path_and_byte_counts(mnist_dir, tmp_path):
    raw = gzip.decompress((mnist_dir / "t10k-images-idx3-ubyte.gz").read_bytes())
    truncated = tmp_path / "truncated-images-idx3-ubyte"
    truncated.write_bytes(raw[: len(raw) // 2])
    expected, actual = 10000 * 28 * 28, len(raw) // 2 - 16
    with pytest.raises(DataError, match=str(truncated)) as caught:
        read_idx(truncated)
    assert str(expected) in str(caught.value) and str(actual) in str(caught.value)


def test_truncated_gzip_raises_naming_the_path(mnist_dir, tmp_path):
    compressed = (mnist_dir / "t10k-labels-idx1-ubyte.gz").read_bytes()
    truncated = tmp_path / "labels.gz"
    truncated.write_bytes(compressed[: len(compressed) // 2])
    with pytest.raises(DataError, match=str(truncated)):
        read_idx(truncated)


def test_bad_magic_raises(tmp_path):
    path = tmp_path / "bad"
    path.write_bytes(b"\x01\x00\x08\x01" + struct.pack(">I", 3) + bytes(3))
    with pytest.raises(DataError, match="not an IDX file"):
        read_idx(path)


def test_unknown_dtype_code_raises(tmp_path):
    path = tmp_path / "bad"
    path.write_bytes(b"\x00\x00\x07\x01" + struct.pack(">I", 3) + bytes(3))
    with pytest.raises(DataError, match="0x07"):
        read_idx(path)


def test_big_endian_values_are_read_in_native_order(tmp_path):
    path = tmp_path / "ints"
    path.write_bytes(b"\x00\x00\x0c\x02" + struct.pack(">II", 2, 3) + struct.pack(">6i", -1, 0, 1, 2, 70000, 5))
    values = read_idx(path)
    assert values.shape == (2, 3) and values.dtype == np.dtype("=i4")
    assert values.tolist() == [[-1, 0, 1], [2, 70000, 5]]


def test_missing_file_raises_naming_it(tmp_path):
    missing = tmp_path / "nowhere-idx3-ubyte.gz"
    with pytest.raises(DataError, match="nowhere-idx3-ubyte.gz"):
        load_mnist(missing)


def test_a_campaign_probe_finds_the_labels_beside_the_images(shared_data, tmp_path):
    from constrae.core.config import DataConfig
    from constrae.errors import DataError
    from constrae.tune.measure import labels_of

    images = shared_data / "mnist" / "t10k-images-idx3-ubyte.gz"
    _, expected = load_mnist(images, shared_data / "mnist" / "t10k-labels-idx1-ubyte.gz")
    y = labels_of(DataConfig(source="mnist", path=str(images), n_samples=500))
    np.testing.assert_array_equal(y, expected[:500])
    lone = tmp_path / "t10k-images-idx3-ubyte.gz"
    lone.write_bytes(images.read_bytes())
    with pytest.raises(DataError, match="no labels file beside it"):
        labels_of(DataConfig(source="mnist", path=str(lone)))
