"""The README's examples run as written, so the docs cannot drift from the code."""

import re
from pathlib import Path

import yaml

from constrae import RunConfig, load_config

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text()


def blocks(language: str) -> list[str]:
    return re.findall(rf"```{language}\n(.*?)```", README, flags=re.S)


def test_python_examples_run():
    for code in blocks("python"):
        exec(compile(code, "README.md", "exec"), {})


def test_yaml_examples_are_valid_and_the_first_is_the_default_job_config():
    from constrae.discrete.phase2 import Phase2Config
    from constrae.discrete.run import load_phase2_config
    from constrae.stacked.config import StackRunConfig, load_stack_config

    default, *others = blocks("yaml")
    assert RunConfig.from_mapping(yaml.safe_load(default)) == load_config(ROOT / "examples" / "shapes_sparse.yaml")
    for shown in others:
        mapping = yaml.safe_load(shown)
        if "objectives" in mapping:
            from constrae.io.mappings import from_dict
            from constrae.tune.space import SearchSpace

            from_dict(SearchSpace, mapping, "README search space")
        elif "layers" in mapping:
            assert StackRunConfig.from_mapping(mapping) == load_stack_config(ROOT / "examples" / "stacked_shapes.yaml")
        elif "anneal_epochs" in mapping:
            assert Phase2Config.from_mapping(mapping) == load_phase2_config(ROOT / "examples" / "phase2.yaml")
        else:
            RunConfig.from_mapping(mapping)


def test_every_cli_command_is_documented():
    from constrae.cli import app

    for command in app.registered_commands:
        name = command.name or command.callback.__name__
        assert f"`constrae {name} " in README, name
    for group in app.registered_groups:
        for command in group.typer_instance.registered_commands:
            assert f"`constrae {group.name} {command.name} " in README, f"{group.name} {command.name}"


def test_readme_commands_are_make_targets_and_ci_runs_the_test_one():
    makefile = (ROOT / "Makefile").read_text()
    for target in ("demo", "test"):
        assert f"make {target}" in README and re.search(rf"^{target}:", makefile, flags=re.M)
    assert "make test" in (ROOT / ".ci" / "run").read_text()
