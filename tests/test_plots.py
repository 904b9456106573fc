import numpy as np
import pytest
from matplotlib.figure import Figure
from matplotlib.image import imread

from constrae.errors import DataError
from constrae.plots.autoencoder import loss_curves, rho_hat_histogram, save_figure, weight_grid

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def test_save_figure_writes_a_png_of_the_figure_size(tmp_path):
    figure = Figure(figsize=(4, 2), dpi=50)
    figure.add_subplot().plot([0, 1], [1, 0])
    path = save_figure(figure, tmp_path / "nested" / "folder" / "line.png")
    assert path == tmp_path / "nested" / "folder" / "line.png"
    assert path.read_bytes()[:8] == PNG_SIGNATURE
    assert imread(path).shape[:2] == (100, 200)
    assert list(path.parent.iterdir()) == [path]
    assert path.stat().st_mode & 0o777 == 0o666 & ~current_umask()


def current_umask() -> int:
    import os

    umask = os.umask(0)
    os.umask(umask)
    return umask


def test_save_figure_replaces_an_existing_file(tmp_path):
    path = tmp_path / "figure.png"
    path.write_bytes(b"old")
    save_figure(Figure(figsize=(2, 2)), path)
    assert path.read_bytes()[:8] == PNG_SIGNATURE


def test_failed_replace_removes_the_temporary_file(tmp_path):
    # A non-empty folder at the target path makes os.replace fail even for root.
    target = tmp_path / "figure.png"
    target.mkdir()
    (target / "keep").write_text("x")
    with pytest.raises(OSError):
        save_figure(Figure(figsize=(2, 2)), target)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["figure.png"]


def test_failed_rendering_removes_the_temporary_file(tmp_path, monkeypatch):
    figure = Figure(figsize=(2, 2))

    def broken_savefig(*args, **kwargs):
        raise RuntimeError("renderer failed")

    monkeypatch.setattr(figure, "savefig", broken_savefig)
    with pytest.raises(RuntimeError, match="renderer failed"):
        save_figure(figure, tmp_path / "figure.png")
    assert list(tmp_path.iterdir()) == []


def test_weight_grid_of_square_images(tmp_path):
    W_HN = np.random.default_rng(0).normal(size=(100, 900))
    figure = weight_grid(W_HN, title="100 units")
    image = imread(save_figure(figure, tmp_path / "grid.png"))
    assert figure.axes[0].get_title() == "100 units"
    # 10 x 10 tiles of 30 px with 1 px gaps.
    assert figure.axes[0].images[0].get_array().shape == (309, 309)
    assert image.shape[0] == pytest.approx(image.shape[1], rel=0.05)


def test_weight_grid_scales_each_tile_by_its_own_max():
    W_HN = np.array([[1.0, -2.0, 0.5, 0.0], [100.0, 0.0, 0.0, -50.0], [0.0, 0.0, 0.0, 0.0]])
    mosaic = weight_grid(W_HN).axes[0].images[0].get_array()
    tiles = np.asarray(mosaic.filled(np.nan) if np.ma.isMaskedArray(mosaic) else mosaic)
    values = tiles[np.isfinite(tiles)]
    assert values.min() == -1 and values.max() == 1
    assert np.count_nonzero(values == 0) == 4 + 2 + 1


def test_weight_grid_non_square_rows_become_strips():
    mosaic = weight_grid(np.ones((4, 50))).axes[0].images[0].get_array()
    assert mosaic.shape[1] == 50 and mosaic.shape[0] == 4 * 2 - 1


def test_weight_grid_rejects_a_mismatched_image_shape():
    with pytest.raises(DataError, match="image_shape"):
        weight_grid(np.ones((3, 12)), image_shape=(5, 5))


def test_rho_hat_histogram_marks_the_target():
    figure = rho_hat_histogram(np.random.default_rng(0).uniform(0, 0.2, 196), target_rho=0.05)
    axes = figure.axes[0]
    assert sum(patch.get_height() for patch in axes.patches) == 196
    assert axes.lines[0].get_xdata()[0] == 0.05


def _records(val_l0=3.0):
    return [
        {
            "epoch": epoch,
            "seconds": 1.0,
            "train/loss": 1 / epoch,
            "train/reconstruction": 0.8 / epoch,
            "train/kl_sparsity": 0.2 / epoch,
            "val/loss": 1.1 / epoch,
            "val/reconstruction": 0.9 / epoch,
            "val/mse": 0.5 / epoch,
            "val/l0": val_l0,
        }
        for epoch in range(1, 6)
    ]


def test_loss_curves_plot_train_terms_and_matching_val_terms():
    axes = loss_curves(_records()).axes[0]
    lines = {line.get_label(): line for line in axes.lines}
    assert set(lines) == {"train/loss", "train/reconstruction", "train/kl_sparsity", "val/loss", "val/reconstruction"}
    assert lines["val/loss"].get_color() == lines["train/loss"].get_color()
    assert lines["train/loss"].get_color() != lines["train/reconstruction"].get_color()
    assert lines["train/loss"].get_linestyle() == "-" and lines["val/loss"].get_linestyle() == "--"
    assert list(lines["val/loss"].get_xdata()) == [1, 2, 3, 4, 5]
    assert axes.get_yscale() == "log"


def test_loss_curves_stay_linear_when_a_value_is_not_positive():
    records = _records()
    records[2]["train/kl_sparsity"] = 0.0
    assert loss_curves(records).axes[0].get_yscale() == "linear"


def test_loss_curves_need_records():
    with pytest.raises(DataError, match="records"):
        loss_curves([])


def test_a_moving_average_kernel_passes_0_hz_and_stops_a_fifth_of_the_rate():
    from constrae.plots.eeg import frequency_responses

    figure = frequency_responses(np.ones((2, 5)) / 5, sfreq=100.0, filters_per_channel=1)
    assert len(figure.axes) == 2
    freqs, gain_db = figure.axes[0].lines[0].get_data()
    assert freqs[0] == 0 and gain_db[0] == pytest.approx(0.0, abs=1e-9)
    assert gain_db[np.argmin(np.abs(freqs - 20.0))] < -40


def test_scalp_maps_need_standard_positions_and_draw_one_map_per_filter():
    from constrae.plots.eeg import scalp_info, topomaps

    assert scalp_info(["ch0", "ch1", "ch2"], 160.0) is None
    channels = ["FC3", "FC4", "C3", "Cz", "C4", "CP3", "CP4", "Fz"]
    figure = topomaps(np.random.default_rng(0).standard_normal((3, 8)), channels, 160.0, "three filters")
    assert [axes.get_title() for axes in figure.axes] == ["0", "1", "2"]
