"""The stored causal filter as one matrix product per chunk, for a loop that filters a few
samples at a time.

Shapes: ``v`` channels, ``t`` samples of a piece, ``k`` filter state values per channel
(2 per second-order section).

At 5 samples a chunk the arithmetic of ``scipy.signal.sosfilt`` is nothing and its
per-call Python checks are everything: about 0.2 ms when the serving loop wakes up from
waiting for samples with cold caches. The filter is linear, so a piece of t samples and the
state before it map to its outputs and the state after it through one (t + k, t + k)
matrix, found once by running ``sosfilt`` itself on unit samples and unit states.
"""

import numpy as np
from scipy import signal

MAX_PIECE = 64
"""Longer chunks (a backlog) are filtered in pieces of at most this many samples, so at
most 64 small matrices are ever cached."""


def piece_map(sos: np.ndarray, n_samples: int) -> np.ndarray:
    """(t + k, t + k) matrix G with [x_T, state_K] @ G = [y_T, next state_K] for one channel:
    row j < t is the response to a unit sample at j from rest, row t + i to unit state i alone."""
    n_state = 2 * len(sos)
    unit_rows_RR = np.eye(n_samples + n_state)
    if n_state == 0:
        return unit_rows_RR
    states_SR2 = unit_rows_RR[:, n_samples:].reshape(-1, len(sos), 2).transpose(1, 0, 2)
    outputs_RT, next_states_SR2 = signal.sosfilt(sos, unit_rows_RR[:, :n_samples], axis=1, zi=states_SR2)
    return np.hstack([outputs_RT, next_states_SR2.transpose(1, 0, 2).reshape(-1, n_state)])


class ChunkFilter:
    """Filters (v, t) chunks in order, from rest, as ``CausalFilter`` does (same sections, same
    outputs to rounding), at the cost of a matrix product per piece.

    Example:
        >>> f = ChunkFilter(preprocessing.causal_filter().sos, n_channels=16)
        >>> y_VT = f(chunk_VT)  # same as CausalFilter(sos, 16)(chunk_VT)
    """

    def __init__(self, sos: np.ndarray, n_channels: int) -> None:
        self.sos, self.n_channels = sos, n_channels
        self._maps: dict[int, np.ndarray] = {}
        self._inputs_VR = np.zeros((n_channels, MAX_PIECE + 2 * len(sos)))
        self.reset()

    def reset(self) -> None:
        """Back to rest: zero state."""
        self._state_VK = np.zeros((self.n_channels, 2 * len(self.sos)))

    def __call__(self, chunk_VT: np.ndarray) -> np.ndarray:
        pieces = [
            self._piece(chunk_VT[:, begin : begin + MAX_PIECE]) for begin in range(0, chunk_VT.shape[1], MAX_PIECE)
        ]
        if len(pieces) == 1:
            return pieces[0]
        return np.concatenate(pieces, axis=1) if pieces else np.zeros((self.n_channels, 0))

    def _piece(self, piece_VT: np.ndarray) -> np.ndarray:
        n = piece_VT.shape[1]
        if n not in self._maps:
            self._maps[n] = piece_map(self.sos, n)
        inputs_VR = self._inputs_VR[:, : n + self._state_VK.shape[1]]
        inputs_VR[:, :n] = piece_VT
        inputs_VR[:, n:] = self._state_VK
        outputs_VR = inputs_VR @ self._maps[n]
        self._state_VK = outputs_VR[:, n:]
        return outputs_VR[:, :n]
