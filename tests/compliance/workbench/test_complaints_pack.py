"""The `complaints` section of a rule pack: the shipped clocks and the validation paths."""

import copy

import pytest

from compliance.packs import shipped_pack
from compliance.rules import PackError, policy_from_pack

P = "complaints.params"


@pytest.mark.parametrize(
    ("pack", "days", "extensions", "most", "confidence"),
    [
        ("CN", 15, (15, 30), 60, "S"),
        ("UK", 56, (), 56, "P"),
        ("IN", 30, (), 30, "S"),
        ("US", 30, (), 30, "policy"),
    ],
)
def test_shipped_clocks(pack, days, extensions, most, confidence):
    document = shipped_pack(pack)
    clock = policy_from_pack(document).complaints
    assert (clock.respond_within_days, clock.extension_days, clock.max_days) == (
        days,
        extensions,
        most,
    )
    assert clock.citation
    assert document["complaints"]["params"]["respond_within_days"]["confidence"] == confidence


def test_periods_after_each_extension_in_cn():
    clock = policy_from_pack(shipped_pack("CN")).complaints
    assert [clock.days_after(n) for n in range(3)] == [15, 30, 60]


def _broken(change) -> PackError:
    document = copy.deepcopy(shipped_pack("CN"))
    change(document)
    with pytest.raises(PackError) as raised:
        policy_from_pack(document)
    return raised.value


def _set(path: str, value):
    def change(document):
        *parents, last = path.split(".")
        target = document
        for key in parents:
            target = target[key]
        if value is DELETE:
            del target[last]
        else:
            target[last] = value

    return change


DELETE = object()


@pytest.mark.parametrize(
    ("where", "value", "path", "words"),
    [
        ("complaints", DELETE, "complaints", "expected an object"),
        ("complaints", [15], "complaints", "expected an object"),
        ("complaints.citation", " ", "complaints.citation", "citation is required"),
        ("complaints.params", DELETE, "complaints.params", "missing"),
        ("complaints.business_days", False, "complaints", "unknown keys"),
        (f"{P}.max_days", DELETE, f"{P}.max_days", "missing"),
        (f"{P}.grace_days", {"value": 1}, P, "unknown parameters"),
        (f"{P}.respond_within_days.value", 0, f"{P}.respond_within_days.value", "≥ 1"),
        (f"{P}.respond_within_days.value", "15", f"{P}.respond_within_days.value", "whole"),
        (f"{P}.respond_within_days.value", True, f"{P}.respond_within_days.value", "whole"),
        (f"{P}.extension_days.value", 15, f"{P}.extension_days.value", "list"),
        (f"{P}.extension_days.value", [15, 0], f"{P}.extension_days.value[1]", "≥ 1"),
        (f"{P}.max_days.value", 59, f"{P}.max_days", "60 days, more than max_days"),
        (f"{P}.max_days.confidence", "sure", f"{P}.max_days.confidence", "expected one of"),
        (f"{P}.max_days.source", "", f"{P}.max_days.source", "source is required"),
    ],
)
def test_broken_section_names_the_spot(where, value, path, words):
    error = _broken(_set(where, value))
    assert error.path == path
    assert words in error.message, error.message
