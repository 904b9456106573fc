"""``constrae tune report``: PNG figures of a study and an HTML page that shows them with its front."""

import functools
import html
import io
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

from constrae.io.atomic import atomic_write_bytes, atomic_write_text
from constrae.tune._imports import optuna as import_optuna
from constrae.tune.results import front_table
from constrae.tune.space import SearchSpace

PAGE = "report.html"


def _save(axes, path: Path) -> Path:
    import matplotlib.pyplot as plt

    figure = axes.figure if hasattr(axes, "figure") else axes.flat[0].figure
    buffer = io.BytesIO()
    figure.set_size_inches(7, 5)
    figure.tight_layout()
    figure.savefig(buffer, format="png", dpi=100)
    plt.close(figure)
    return atomic_write_bytes(path, buffer.getvalue())


def figures(study, space: SearchSpace) -> list[tuple[str, str, Callable[[], Any]]]:
    """(file name, title, function drawing its axes): history and importances per objective, and the front."""
    optuna = import_optuna()
    plots = optuna.visualization.matplotlib
    drawn: list[tuple[str, str, Callable[[], Any]]] = []
    for index, name in enumerate(space.objectives):
        target = None if len(space.objectives) == 1 else functools.partial(objective_value, index=index)
        history = functools.partial(plots.plot_optimization_history, study, target=target, target_name=name)
        importances = functools.partial(plots.plot_param_importances, study, target=target, target_name=name)
        drawn.append((f"history_{name}.png", f"Optimisation history: {name}", history))
        drawn.append((f"importance_{name}.png", f"Parameter importances for {name}", importances))
    if len(space.objectives) in (2, 3):
        front = functools.partial(plots.plot_pareto_front, study, target_names=space.objectives)
        drawn.append(("pareto_front.png", "Pareto front (feasible trials; dominated ones in blue)", front))
    return drawn


def objective_value(trial, index: int) -> float:
    """A trial's value of one objective of several."""
    return trial.values[index]


def write_report(study, space: SearchSpace, out_dir: str | Path) -> list[Path]:
    """Every figure that can be drawn, and report.html; a figure that cannot is named on the page with why."""
    import matplotlib

    matplotlib.use("Agg")
    optuna = import_optuna()
    out_dir = Path(out_dir)
    written, sections = [], []
    for file_name, title, draw in figures(study, space):
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", optuna.exceptions.ExperimentalWarning)
                # Optuna warns that importances rank low values and that few trials make them rough.
                warnings.simplefilter("ignore", UserWarning)
                written.append(_save(draw(), out_dir / file_name))
            sections.append(f'<h2>{html.escape(title)}</h2>\n<img src="{file_name}" alt="{html.escape(title)}">')
        except (ValueError, RuntimeError, ZeroDivisionError) as error:
            sections.append(f"<h2>{html.escape(title)}</h2>\n<p>not drawn: {html.escape(str(error))}</p>")
    states: dict[str, int] = {}
    for trial in study.get_trials(deepcopy=False):
        states[trial.state.name.lower()] = states.get(trial.state.name.lower(), 0) + 1
    table = "\n".join(front_table(study, space))
    page = (
        '<!doctype html>\n<html><head><meta charset="utf-8">'
        f"<title>{html.escape(study.study_name)}</title></head><body>\n"
        f"<h1>Study {html.escape(study.study_name)}</h1>\n"
        f"<p>objectives: {html.escape(', '.join(f'{n} ({d})' for n, d in zip(space.objectives, space.directions)))}; "
        f"limits: {html.escape(str(space.limits or 'none'))}; trials: {html.escape(str(states))}</p>\n"
        f"<h2>{'Pareto front' if len(space.objectives) > 1 else 'Best trial'}</h2>\n<pre>{html.escape(table)}</pre>\n"
        + "\n".join(sections)
        + "\n</body></html>\n"
    )
    written.append(atomic_write_text(out_dir / PAGE, page))
    return written
