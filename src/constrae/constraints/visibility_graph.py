import dataclasses
from typing import Literal

import numpy as np
import torch

from constrae.constraints.base import Constraint, TrainingRows, constraints
from constrae.discrete.visibility import sequence_edges
from constrae.errors import ConfigError, DataError
from constrae.io.mappings import require


@constraints.register("visibility_graph")
@dataclasses.dataclass(eq=False, repr=False)
class VisibilityGraph(Constraint):
    """Omega = lam * tr(Z^T L Z) / |E| = lam * mean_{(i, j) in E} ||z_i - z_j||^2, L = D - A the
    Laplacian of the unweighted graph E over the training rows (``constrae.discrete.visibility``:
    rows linked when visible in the ``graph`` of the ``series`` and at most ``max_lag`` rows
    apart). Each step estimates the mean from ``edges_per_step`` edges drawn uniformly with
    replacement (torch's global generator, which the trainer seeds and checkpoints), both
    endpoints encoded by the current model. For binary codes ||z_i - z_j||^2 is their Hamming
    distance. ``metrics`` gives ``edge_code_distance``, the exact mean over every edge.
    """

    needs_training_rows = True
    lam: float = 0.1
    graph: Literal["natural", "horizontal"] = "natural"
    series: Literal["log_power", "mean"] = "log_power"
    max_lag: int = 4
    edges_per_step: int = 128

    def __post_init__(self) -> None:
        super().__post_init__()
        self.rows_BN: torch.Tensor | None = None
        self.edges_E2: torch.Tensor | None = None

    def validate(self) -> None:
        require(self.lam >= 0, "visibility_graph.lam", f"must be >= 0, got {self.lam}")
        require(self.max_lag >= 1, "visibility_graph.max_lag", f"must be >= 1, got {self.max_lag}")
        require(self.edges_per_step >= 1, "visibility_graph.edges_per_step", f"must be >= 1, got {self.edges_per_step}")

    def observe_training_rows(self, rows: TrainingRows) -> None:
        edges_E2 = sequence_edges(rows.X_BN.numpy(), rows.segment_starts, self.series, self.graph, self.max_lag)
        training_B = np.zeros(len(rows.X_BN), bool)
        training_B[rows.train_index_B.numpy()] = True
        edges_E2 = edges_E2[training_B[edges_E2[:, 0]] & training_B[edges_E2[:, 1]]]
        if len(edges_E2) == 0:
            raise DataError(f"visibility_graph: no edge joins two training rows among {len(rows.X_BN)} rows")
        self.rows_BN, self.edges_E2 = rows.X_BN, torch.from_numpy(edges_E2)

    def edge_distances(self, model, edges_E2: torch.Tensor) -> torch.Tensor:
        if self.rows_BN is None:
            raise DataError("visibility_graph: the training rows were never observed (observe_training_rows)")
        z_i = model.encode(self.rows_BN[edges_E2[:, 0]])
        z_j = model.encode(self.rows_BN[edges_E2[:, 1]])
        return (z_i - z_j).pow(2).sum(dim=1)

    def penalty(self, model, out):
        if self.edges_E2 is None:
            raise ConfigError("visibility_graph: no graph yet; Trainer.fit builds it from the training rows")
        drawn_E = torch.randint(len(self.edges_E2), (self.edges_per_step,))
        return self.lam * self.edge_distances(model, self.edges_E2[drawn_E]).mean()

    @torch.no_grad()
    def metrics(self, model, out):
        if self.edges_E2 is None:
            return {}
        return {"edge_code_distance": float(self.edge_distances(model, self.edges_E2).mean())}
