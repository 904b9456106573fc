"""MOABB's own evaluation runs constrae's EEGAutoencoder on local files, downloading nothing."""

import pytest

from constrae.bench.moabb_local import EEGBCI_LAYOUT, evaluate_with_moabb, moabb_pipelines


@pytest.mark.slow
def test_a_constrae_pipeline_inside_moabbs_within_session_evaluation(shared_data, tmp_path):
    pipelines = moabb_pipelines(hidden_size=8)
    results = evaluate_with_moabb([shared_data / "eegmmidb" / "S001"], "imagery_fists_feet", tmp_path, pipelines)
    assert sorted(results["pipeline"]) == sorted(pipelines)
    assert results["score"].between(0, 1).all() and (results["samples"] == 45).all()
    by_pipeline = dict(zip(results["pipeline"], results["score"], strict=True))
    assert by_pipeline["CSP+LDA (MOABB)"] > 0.8  # S001's fists/feet imagery decodes (0.93 in MNE's protocol)
    layout = tmp_path / EEGBCI_LAYOUT
    read = [path for path in layout.rglob("*") if path.is_file()]
    assert read and all(path.is_symlink() for path in read), "MOABB wrote a file of its own: a download"
