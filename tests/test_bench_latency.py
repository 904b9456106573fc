"""A few calls of the latency benchmark give the JSON report with every path and mode."""

import json

import pytest
from typer.testing import CliRunner

from constrae.bench.timing import MODES, time_calls
from constrae.cli import app

RUNTIMES = ("torch", "onnx", "onnx_int8", "numpy", "numpy+linear_decision")
OUR_PATHS = (
    {f"dense/{r}" for r in RUNTIMES}
    | {f"spatiotemporal/{r}" for r in RUNTIMES + ("numpy_folded",)}
    | {f"power/{r}" for r in RUNTIMES}
)
BASELINES = {f"baseline/{b}" for b in ("csp_lda", "sparse_coder_lasso_lars", "sparse_coder_omp", "ts2vg_degrees")}


@pytest.mark.slow
def test_latency_command_writes_every_path_mode_and_target(shared_data, tmp_path):
    out = tmp_path / "latency.json"
    result = CliRunner().invoke(
        app,
        [
            "bench",
            "latency",
            "--calls",
            "4",
            "--cadence-calls",
            "3",
            "--baseline-calls",
            "2",
            "--rate-hz",
            "500",
            "--subject",
            str(shared_data / "eegmmidb" / "S001"),
            "--json",
            str(out),
        ],
    )
    assert result.exit_code == 0, result.output
    assert "| spatiotemporal/numpy_folded |" in result.output and "seeded init" in result.output
    report = json.loads(out.read_text())
    assert report["format"] == "constrae-latency/1"
    paths = {path["name"]: path for path in report["paths"]}
    assert set(paths) == OUR_PATHS | BASELINES
    for path in paths.values():
        assert path["ours"] == (path["name"] in OUR_PATHS)
        assert set(path["modes"]) == set(MODES)
        for timing in path["modes"].values():
            assert 0 < timing["p50_us"] <= timing["p99_us"] <= timing["max_us"]
            assert timing["calls"] >= 1
    assert paths["dense/numpy"]["modes"]["back_to_back"]["calls"] == 4
    assert paths["dense/numpy"]["modes"]["cadence_sleep"]["calls"] == 3
    assert set(report["fastest"]) == set(MODES) and all(f["path"] in OUR_PATHS for f in report["fastest"].values())
    assert set(report["ratios"]) == BASELINES
    assert all(ratio[mode]["p50"] > 0 for ratio in report["ratios"].values() for mode in MODES)
    assert len(report["targets"]) == 6 and all(isinstance(t["met"], bool) for t in report["targets"])
    assert set(report["models"]) == {"dense", "spatiotemporal", "power"}


def test_cadence_modes_wait_for_each_tick_and_budget_stops_early():
    import time

    started = time.perf_counter()
    timing = time_calls(lambda window: sum(window), [[1, 2], [3]], "cadence_poll", calls=5, period_s=0.01)
    assert timing.calls == 5 and time.perf_counter() - started >= 0.05
    sleepy = time_calls(lambda window: time.sleep(0.02), [None], "back_to_back", calls=1000, budget_s=0.1)
    assert 1 <= sleepy.calls < 20
    with pytest.raises(ValueError, match="mode 'burst' is not one of"):
        time_calls(len, [[1]], "burst", calls=1)
