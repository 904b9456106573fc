"""Compact binary codes: bit-packing, Hamming distances, classifiers on bits.

Shapes: ``b``/``m`` codes, ``h`` units, ``y`` packed bytes = ceil(h / 8).
Bit order: ``numpy.packbits(..., bitorder="big")`` along the units, so unit j is
bit 7 - (j % 8) (the most significant first) of byte j // 8; the last byte is
padded with zeros. Codes are "on" where > 0, so {0, 1} and {-1, +1} codes pack alike.
"""

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.linear_model import LogisticRegression
from sklearn.utils.validation import check_is_fitted, validate_data

from constrae.errors import DataError

_POPCOUNT = np.array([bin(value).count("1") for value in range(256)], np.uint8)


def pack_bits(codes_BH: np.ndarray) -> np.ndarray:
    """(b, ceil(h/8)) uint8 of the codes that are > 0."""
    codes_BH = np.asarray(codes_BH)
    if codes_BH.ndim != 2:
        raise DataError(f"pack_bits: expected (codes, units), got shape {codes_BH.shape}")
    return np.packbits(codes_BH > 0, axis=1, bitorder="big")


def unpack_bits(packed_BY: np.ndarray, hidden_size: int) -> np.ndarray:
    """(b, h) uint8 0/1 codes of packed rows; DataError when the bytes cannot hold h units."""
    packed_BY = np.asarray(packed_BY)
    if packed_BY.dtype != np.uint8 or packed_BY.ndim != 2 or packed_BY.shape[1] != -(-hidden_size // 8):
        raise DataError(
            f"unpack_bits: expected uint8 (codes, {-(-hidden_size // 8)}) for {hidden_size} units, "
            f"got {packed_BY.dtype} {packed_BY.shape}"
        )
    return np.unpackbits(packed_BY, axis=1, count=hidden_size, bitorder="big")


def hamming_distances(packed_BY: np.ndarray, packed_MY: np.ndarray) -> np.ndarray:
    """(b, m) int number of differing bits between every pair of packed rows."""
    if packed_BY.shape[1] != packed_MY.shape[1]:
        raise DataError(f"hamming_distances: {packed_BY.shape[1]} and {packed_MY.shape[1]} bytes per code differ")
    return _POPCOUNT[packed_BY[:, None, :] ^ packed_MY[None, :, :]].sum(axis=2, dtype=np.int64)


def packed_codes(estimator: BaseEstimator, packed_BY, y_B=None, reset: bool = True):
    """``validate_data`` for packed codes (scikit-learn's checks, and n_features_in_ bytes per
    code), refusing anything but uint8, which would be packed bits read wrongly."""
    if y_B is None:
        packed_BY = validate_data(estimator, packed_BY, dtype=None, reset=reset)
    else:
        packed_BY, y_B = validate_data(estimator, packed_BY, y_B, dtype=None, reset=reset)
    if packed_BY.dtype != np.uint8:
        raise DataError(
            f"{type(estimator).__name__}: expected packed codes (uint8, from pack_bits), got {packed_BY.dtype}"
        )
    return packed_BY if y_B is None else (packed_BY, y_B)


class HammingNearestNeighbors(ClassifierMixin, BaseEstimator):
    """k-nearest-neighbour classifier under the Hamming distance, on packed codes.

    Ties in the vote go to the class with the smallest total distance, then the smallest label.
    A scikit-learn classifier (``score`` is accuracy), so it cross-validates like any.
    Example:
        >>> clf = HammingNearestNeighbors(k=5).fit(pack_bits(codes_train), y_train)
        >>> y_pred = clf.predict(pack_bits(codes_test))
    """

    def __init__(self, k: int = 1) -> None:
        self.k = k

    def fit(self, packed_BY: np.ndarray, y_B: np.ndarray) -> "HammingNearestNeighbors":
        packed_BY, y_B = packed_codes(self, packed_BY, y_B)
        if not 1 <= self.k <= len(packed_BY):
            raise DataError(f"HammingNearestNeighbors: k={self.k} must be in [1, {len(packed_BY)} training codes]")
        self.packed_BY_, self.y_B_ = packed_BY, np.asarray(y_B)
        self.classes_ = np.unique(self.y_B_)
        return self

    def predict(self, packed_MY: np.ndarray) -> np.ndarray:
        check_is_fitted(self)
        packed_MY = packed_codes(self, packed_MY, reset=False)
        distances_MB = hamming_distances(packed_MY, self.packed_BY_)
        nearest_MK = np.argsort(distances_MB, axis=1, kind="stable")[:, : self.k]
        labels_MK = self.y_B_[nearest_MK]
        near_MK = np.take_along_axis(distances_MB, nearest_MK, axis=1)
        votes_MC = np.stack([(labels_MK == c).sum(axis=1) for c in self.classes_], axis=1)
        spread_MC = np.stack([np.where(labels_MK == c, near_MK, 0).sum(axis=1) for c in self.classes_], axis=1)
        # Most votes first, then the nearest votes: a lexicographic argmax.
        key_MC = votes_MC * (self.k * packed_MY.shape[1] * 8 + 1) - spread_MC
        return self.classes_[np.argmax(key_MC, axis=1)]


class BitsLogisticRegression(ClassifierMixin, BaseEstimator):
    """L2 logistic regression on the unpacked bits (as -1/+1) of packed codes; ``hidden_size``
    (None: every bit of the bytes) drops the padding bits of the last byte."""

    def __init__(self, hidden_size: int | None = None, C: float = 0.1) -> None:
        self.hidden_size, self.C = hidden_size, C

    def _features(self, packed_BY: np.ndarray) -> np.ndarray:
        hidden_size = self.hidden_size or 8 * packed_BY.shape[1]
        return 2.0 * unpack_bits(packed_BY, hidden_size) - 1.0

    def fit(self, packed_BY: np.ndarray, y_B: np.ndarray) -> "BitsLogisticRegression":
        packed_BY, y_B = packed_codes(self, packed_BY, y_B)
        self.model_ = LogisticRegression(C=self.C, max_iter=2000).fit(self._features(packed_BY), y_B)
        self.classes_ = self.model_.classes_
        return self

    def decision_function(self, packed_BY: np.ndarray) -> np.ndarray:
        check_is_fitted(self)
        return self.model_.decision_function(self._features(packed_codes(self, packed_BY, reset=False)))

    def predict(self, packed_BY: np.ndarray) -> np.ndarray:
        check_is_fitted(self)
        return self.model_.predict(self._features(packed_codes(self, packed_BY, reset=False)))
