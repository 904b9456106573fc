"""The binary-codes benchmark on real S001 runs: one small fold, every row present, sizes right."""

import pytest

from constrae.bench.decode import AEVariant
from constrae.bench.discrete import evaluate_discrete
from constrae.bench.tasks import load_task
from constrae.discrete.phase2 import Phase2Config

SMALL = AEVariant("sigmoid (tangent)", "tangent_space", {"hidden_size": 20, "activation": "sigmoid"}, [],
                  {"epochs": 3, "lr": 1e-3, "batch_size": 64, "val_fraction": 0.0})


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
