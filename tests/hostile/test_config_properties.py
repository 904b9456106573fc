"""Any YAML a user hands a config reader either loads or raises ConfigError: never another
exception, never a changed file."""

import copy
import tempfile
from pathlib import Path

import yaml
from hypothesis import given
from hypothesis import strategies as st

from constrae.core.config import RunConfig, load_config
from constrae.discrete.run import load_phase2_config
from constrae.errors import ConfigError
from constrae.stacked.config import load_stack_config
from constrae.tune.space import load_space

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
READERS = {
    "shapes_sparse.yaml": load_config,
    "s001_spatiotemporal.yaml": load_config,
    "stacked_shapes.yaml": load_stack_config,
    "tune_s001.yaml": load_space,
    "phase2.yaml": load_phase2_config,
}

scalars = st.none() | st.booleans() | st.integers(-(2**70), 2**70) | st.floats() | st.text(max_size=12)
junk = st.recursive(
    scalars,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3),
    max_leaves=8,
)


def paths_of(document, prefix=()):
    """Every key path into a nested mapping/list document."""
    yield prefix
    if isinstance(document, dict):
        for key, value in document.items():
            yield from paths_of(value, prefix + (key,))
    elif isinstance(document, list):
        for index, value in enumerate(document):
            yield from paths_of(value, prefix + (index,))


@st.composite
def mutated_example(draw):
    """An example config with one place replaced by junk, deleted, or given an unknown key."""
    name = draw(st.sampled_from(sorted(READERS)))
    document = yaml.safe_load((EXAMPLES / name).read_text())
    path = draw(st.sampled_from(list(paths_of(document))))
    mutated = copy.deepcopy(document)
    action = draw(st.sampled_from(["replace", "delete", "add"]))
    if not path:
        return name, draw(junk) if action == "replace" else mutated
    parent = mutated
    for step in path[:-1]:
        parent = parent[step]
    if action == "replace":
        parent[path[-1]] = draw(junk)
    elif action == "delete":
        del parent[path[-1]]
    elif isinstance(parent[path[-1]], dict):
        parent[path[-1]][draw(st.text(max_size=8))] = draw(junk)
    return name, mutated


def load_either_way(reader, text: str | bytes):
    """Write ``text`` to a config file, read it: the result, or None after a ConfigError."""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "config.yaml"
        path.write_bytes(text if isinstance(text, bytes) else text.encode("utf-8", "surrogatepass"))
        before = path.read_bytes()
        try:
            return reader(path)
        except ConfigError:
            return None
        finally:
            assert path.read_bytes() == before


@given(mutated_example())
def test_a_mutated_example_loads_or_is_a_config_error(case):
    name, document = case
    load_either_way(READERS[name], yaml.safe_dump(document, allow_unicode=True))


@given(st.sampled_from(sorted(READERS)), st.text(max_size=200) | st.binary(max_size=200))
def test_any_text_loads_or_is_a_config_error(name, text):
    load_either_way(READERS[name], text)


@given(junk)
def test_any_mapping_builds_a_run_config_or_is_a_config_error(document):
    try:
        RunConfig.from_mapping(document, where="generated")
    except ConfigError:
        pass
