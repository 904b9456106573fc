"""Seed 001's stacked autoencoder on 30x30 shapes, for rho 0.05 and rho 0.25.

1,000 labelled training images (seed 0), 1,000 fresh test images (seed 1); AE1 900 -> 100
sigmoid units with KL sparsity (beta 4, rho as given) and weight decay, AE2 100 -> 50,
a softmax on AE2's codes, then fine-tuning of the whole stack
(examples/stacked_shapes.yaml). Prints test accuracy before and after fine-tuning and
writes the pre-trained weight grids of both rho values to runs/stacked_shapes/.

    python benchmarks/stacked_shapes.py            # the full experiment, a few minutes
    python benchmarks/stacked_shapes.py --quick    # a small version (tests run it)
"""

import argparse
import io
import time
from dataclasses import replace
from pathlib import Path

import torch

from constrae.data.datasets.shapes import SHAPE_NAMES
from constrae.plots.tables import markdown_table
from constrae.stacked import StackedAutoencoderClassifier, load_stack_config
from constrae.stacked.run import load_labelled, write_stack_figures

ROOT = Path(__file__).resolve().parents[1]
CONFIG = ROOT / "examples" / "stacked_shapes.yaml"
RHOS = (0.05, 0.25)


def quick_version(mapping: dict) -> dict:
    """A few epochs on 300 images: enough to see the pipeline learn."""
    for layer in mapping["layers"]:
        layer["train"]["epochs"] = 2
    mapping["softmax"]["epochs"] = mapping["finetune"]["epochs"] = 3
    return mapping


def run(quick: bool = False, out: Path | None = None, rhos: tuple[float, ...] = RHOS) -> list[list[str]]:
    """One table row per AE1 rho: sparsity reached, test accuracy before and after fine-tuning."""
    config = load_stack_config(CONFIG)
    data = replace(config.data, n_samples=300) if quick else config.data
    test = replace(config.test, n_samples=300) if quick else config.test
    (X, y), (X_test, y_test) = load_labelled(data, "data"), load_labelled(test, "test")
    rows = []
    for rho in rhos:
        mapping = config.stack().to_mapping()
        if quick:
            mapping = quick_version(mapping)
        mapping["layers"][0]["constraints"][0]["rho"] = rho
        started = time.perf_counter()
        classifier = StackedAutoencoderClassifier(**mapping).fit(X, y)
        seconds = time.perf_counter() - started
        first = classifier.frozen_network_.autoencoders[0]
        with torch.no_grad():
            codes = first.encode(torch.from_numpy(X_test))
        rows.append(
            [
                f"{rho:g}",
                f"{codes.mean():.3f}",
                f"{(codes > 0.5).sum(dim=1).float().mean():.1f}",
                f"{classifier.frozen_score(X_test, y_test):.1%}",
                f"{classifier.score(X_test, y_test):.1%}",
                f"{seconds:.0f}",
            ]
        )
        if out is not None:
            write_stack_figures(
                classifier, X_test, y_test, out / f"rho_{rho:g}", SHAPE_NAMES, f"rho {rho:g}, pre-trained"
            )
    return rows


def side_by_side(pngs: list[Path], path: Path) -> None:
    """The README's figure: the first-layer weight grids of both rho values in one PNG."""
    from PIL import Image

    from constrae.io.atomic import atomic_write_bytes

    images = [Image.open(png).convert("RGB") for png in pngs]
    canvas = Image.new("RGB", (sum(i.width for i in images), max(i.height for i in images)), "white")
    left = 0
    for image in images:
        canvas.paste(image, (left, 0))
        left += image.width
    buffer = io.BytesIO()
    canvas.save(buffer, format="PNG")
    atomic_write_bytes(path, buffer.getvalue())


HEADER = [
    "AE1 rho",
    "AE1 mean activation",
    "AE1 L0 (>0.5)",
    "test acc. frozen stack",
    "test acc. fine-tuned",
    "train s",
]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="300 images and a few epochs")
    parser.add_argument("--out", type=Path, default=ROOT / "runs" / "stacked_shapes", help="folder for the figures")
    args = parser.parse_args()
    started = time.perf_counter()
    rows = run(args.quick, args.out)
    if not args.quick:
        side_by_side(
            [args.out / f"rho_{rho:g}" / "weights_layer_1.png" for rho in RHOS],
            ROOT / "docs" / "stacked_shapes_weights.png",
        )
    print(
        "shapes 30x30: 1,000 training images (seed 0), 1,000 test images (seed 1)"
        if not args.quick
        else "quick: 300 / 300"
    )
    print(markdown_table(HEADER, rows))
    print(f"figures in {args.out}; total {time.perf_counter() - started:.0f} s")


if __name__ == "__main__":
    main()
