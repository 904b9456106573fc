"""Logic rules: the parser refuses bad rules with their position, the fuzzy truth is the
Boolean value on bits and the exact probability for cardinality rules, training with the
rules makes the binarised codes satisfy them."""

import itertools

import pytest
import torch

from constrae import RunConfig, Trainer, build
from constrae.constraints import build_constraint
from constrae.core.config import ModelConfig, TrainConfig
from constrae.core.model import Autoencoder
from constrae.discrete.logic import RuleError, at_most_probability, parse_rule, truth
from constrae.errors import ConfigError

GROUPS = {"motor": [0, 1, 2, 3]}
RULES = {
    "implies(u3, u5)": lambda b: (not b[3]) or b[5],
    "exclusive(u0, u1)": lambda b: not (b[0] and b[1]),
    "at_most(2, motor)": lambda b: sum(b[:4]) <= 2,
    "at_least(1, motor)": lambda b: sum(b[:4]) >= 1,
    "implies(u2, not(u7))": lambda b: (not b[2]) or (not b[7]),
    "or(and(u0, u6), not(u4))": lambda b: (b[0] and b[6]) or not b[4],
    "exclusive(u1, u4, implies(u5, u6))": lambda b: b[1] + b[4] + ((not b[5]) or b[6]) <= 1,
}


def test_truth_on_bits_is_the_boolean_value_of_every_rule():
    bits_BH = torch.tensor(list(itertools.product([0.0, 1.0], repeat=8)))
    for rule, boolean in RULES.items():
        expected = torch.tensor([float(boolean([int(v) for v in row])) for row in bits_BH])
        assert torch.equal(truth(parse_rule(rule, GROUPS), bits_BH), expected), rule


def test_cardinality_truth_is_the_probability_under_independent_units():
    p = torch.tensor([0.1, 0.7, 0.4, 0.9], dtype=torch.float64)
    for k in range(4):
        brute = sum(
            torch.prod(torch.where(torch.tensor(bits, dtype=torch.bool), p, 1 - p))
            for bits in itertools.product([0, 1], repeat=4)
            if sum(bits) <= k
        )
        torch.testing.assert_close(at_most_probability(list(p[:, None]), k)[0], brute)


@pytest.mark.parametrize(
    "rule, message",
    [
        ("implies(u3 u5)", r"expected \), got 'u5' at position 11"),
        ("implies(u1,", r"the rule ended at position 11"),
        ("xor(u1, u2)", r"unknown function 'xor'.* at position 0"),
        ("at_most(2, legs)", r"unknown unit or group 'legs'.* at position 11"),
        ("at_most(4, motor)", r"k=4 must be in \[0, 3\]"),
        ("not(motor)", r"group 'motor' can only be an argument"),
        ("u1 & u2", r"unexpected character '&' at position 3"),
    ],
)
def test_bad_syntax_is_a_rule_error_with_its_position(rule, message):
    with pytest.raises(RuleError, match=message):
        build_constraint({"name": "logic_rules", "rules": [rule], "groups": GROUPS})


def small(hidden: int) -> Autoencoder:
    return Autoencoder(ModelConfig(input_size=5, hidden_size=hidden, activation="sigmoid"))


def test_a_unit_outside_the_code_or_a_group_larger_than_it_is_refused_at_attach():
    with pytest.raises(RuleError, match=r"rules\[1\] 'implies\(u2, u9\)': unit u9 does not exist; .*u0..u7"):
        build_constraint({"name": "logic_rules", "rules": ["u0", "implies(u2, u9)"]}).attach(small(8))
    big = {"all": list(range(10))}
    with pytest.raises(RuleError, match="groups.all: 10 units, the code has only 8"):
        build_constraint({"name": "logic_rules", "rules": ["at_least(1, all)"], "groups": big}).attach(small(8))
    with pytest.raises(ConfigError, match="activation 'relu' has no unit probabilities"):
        build_constraint({"name": "logic_rules"}).attach(
            Autoencoder(ModelConfig(input_size=5, hidden_size=8, activation="relu"))
        )


def violation_rate(rules: list[str], lam: float) -> float:
    torch.manual_seed(0)
    X = torch.rand(400, 10)
    config = RunConfig(
        model=ModelConfig(input_size=10, hidden_size=8, activation="binary", activation_params={"anneal_epochs": 4}),
        constraints=[{"name": "logic_rules", "rules": rules, "groups": GROUPS, "lam": lam}],
        train=TrainConfig(epochs=12, lr=1e-2, batch_size=32, val_fraction=0.25),
    )
    model, objective = build(config)
    history = Trainer(model, objective, config, progress=False).fit(X)
    return history[-1]["val/logic_rules/violation_rate"]


def test_training_with_the_rules_makes_the_validation_bits_satisfy_them():
    rules = ["at_most(1, motor)", "implies(u4, u5)", "exclusive(u6, u7)"]
    without, with_rules = violation_rate(rules, 0.0), violation_rate(rules, 1.0)
    assert without > 0.2
    assert with_rules <= 0.01
