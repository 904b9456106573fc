"""The README's and the documentation site's examples run as written, so the docs cannot drift
from the code: every Python block runs, every YAML block is a valid config, every command is listed."""

import re
from pathlib import Path

import yaml

from constrae import RunConfig, load_config

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text()
PAGES = {"README.md": README} | {f"docs/{p.name}": p.read_text() for p in sorted((ROOT / "docs").glob("*.md"))}


def blocks(language: str, text: str = README) -> list[str]:
    return re.findall(rf"```{language}\n(.*?)```", text, flags=re.S)


def all_blocks(language: str) -> list[tuple[str, str]]:
    """(page, block) of every page: the README, then docs/ in name order."""
    return [(page, block) for page, text in PAGES.items() for block in blocks(language, text)]


def test_python_examples_run():
    examples = all_blocks("python")
    assert len(examples) >= 8
    for page, code in examples:
        exec(compile(code, page, "exec"), {})


def test_yaml_examples_are_valid_and_the_first_is_the_default_job_config():
    from constrae.discrete.phase2 import Phase2Config
    from constrae.discrete.run import load_phase2_config
    from constrae.stacked.config import StackRunConfig, load_stack_config

    default = blocks("yaml")[0]
    assert RunConfig.from_mapping(yaml.safe_load(default)) == load_config(ROOT / "examples" / "shapes_sparse.yaml")
    for _, shown in all_blocks("yaml")[1:]:
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

    everything = "\n".join(PAGES.values())
    for command in app.registered_commands:
        name = command.name or command.callback.__name__
        assert f"`constrae {name} " in everything, name
    for group in app.registered_groups:
        for command in group.typer_instance.registered_commands:
            assert f"`constrae {group.name} {command.name} " in everything, f"{group.name} {command.name}"


def test_readme_commands_are_make_targets_and_ci_runs_the_test_one():
    makefile = (ROOT / "Makefile").read_text()
    for target in ("demo", "test"):
        assert f"make {target}" in README and re.search(rf"^{target}:", makefile, flags=re.M)
    assert "make test" in (ROOT / ".ci" / "run").read_text()


def test_the_documentation_site_lists_every_page_and_builds_without_warnings(tmp_path):
    """mkdocs --strict: a broken link, a missing page in the nav or an API reference entry that
    no longer exists fails the build."""
    import subprocess
    import sys

    site = yaml.safe_load((ROOT / "mkdocs.yml").read_text())
    listed = set(re.findall(r"[\w-]+\.md", str(site["nav"])))
    assert listed == {name.removeprefix("docs/") for name in PAGES if name.startswith("docs/")}
    mkdocs = Path(sys.executable).parent / "mkdocs"
    result = subprocess.run(
        [str(mkdocs), "build", "--strict", "-d", str(tmp_path / "site")],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env={"NO_MKDOCS_2_WARNING": "1", "PATH": str(mkdocs.parent)},
    )
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "site" / "reference" / "index.html").read_text().count("EEGAutoencoder") > 2
