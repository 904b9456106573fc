"""The binary-codes benchmark on real S001 runs: one small fold, every row present, sizes right."""

import pytest

from constrae.bench.decode import AEVariant
from constrae.bench.discrete import evaluate_discrete
from constrae.bench.tasks import load_task
from constrae.discrete.phase2 import Phase2Config

SMALL = AEVariant(
    "sigmoid (tangent)",
    "tangent_space",
    {"hidden_size": 20, "activation": "sigmoid"},
    [],
    {"epochs": 3, "lr": 1e-3, "batch_size": 64, "val_fraction": 0.0},
)


@pytest.mark.slow
def test_one_fold_gives_continuous_and_binary_rows_with_their_sizes(shared_data):
    task = load_task("imagery_fists_feet", shared_data / "eegmmidb" / "S001")
    phase2 = Phase2Config(anneal_epochs=1, finetune_epochs=1, batch_size=64)
    constrained = Phase2Config(anneal_epochs=1, finetune_epochs=1, batch_size=64, val_fraction=0.2)
    rows, constraint_rows = evaluate_discrete(task, 1, SMALL, phase2, constrained, progress=False)
    sizes = {r.method: r.code_bytes for r in rows}
    assert sizes["continuous codes (float32) + LDA"] == 80 and sizes["bits after phase 2 + LDA"] == 3
    assert all(0 <= r.accuracy_mean <= 1 and r.encode_latency_us > 0 for r in rows)
    assert [r.phase2 for r in constraint_rows] == ["none", "+ logic_rules", "+ visibility_graph"]
    assert all(0 <= r.violation_rate <= 1 and 0 <= r.edge_distance <= 20 for r in constraint_rows)


def test_the_tables_validation_windows_are_those_phase_2_held_out():
    """The table's exact check on validation windows repeats phase 2's own last validation metric:
    the same rows (the trainer's seeded split) and eval-mode bits after the learned thresholds."""
    from types import SimpleNamespace

    import numpy as np
    import torch

    from constrae.bench.discrete import RULES, constraint_measures
    from constrae.core.build import build
    from constrae.core.config import RunConfig
    from constrae.core.trainer import Trainer
    from constrae.discrete.phase2 import discretize

    X = np.random.default_rng(0).normal(size=(200, 6)).astype(np.float32)
    config = RunConfig.from_mapping(
        {
            "model": {"input_size": 6, "hidden_size": 16, "activation": "sigmoid"},
            "train": {"epochs": 2, "val_fraction": 0.0},
        }
    )
    model, objective = build(config)
    Trainer(model, objective, config, progress=False).fit(torch.from_numpy(X))
    phase2 = Phase2Config(
        anneal_epochs=2,
        finetune_epochs=2,
        finetune_encoder=True,
        learn_threshold=True,
        lr=2e-2,
        val_fraction=0.2,
        seed=3,
        constraints=[{**RULES, "lam": 0.0}],
    )
    result = discretize(model.eval(), config, X, phase2, [0])
    fold = SimpleNamespace(X_train=X, X_trials=X[:10], segment_starts=[0])
    violation, _, _ = constraint_measures(result.model, fold, np.arange(10), phase2)
    assert 0 < violation < 1  # unconstrained: some windows break a rule, so the rows matter
    assert violation == pytest.approx(result.history[-1]["val/logic_rules/violation_rate"])
