"""Epoch: noob-core 0.2.1's value type (docs/noob-dropin.md, noob-core-behaviour.md §3)."""

from __future__ import annotations

import copy
import pickle

import pytest

from noob_core import Epoch


def test_construction_and_properties():
    e = Epoch(3, [("ep_a", 1), ("ep_b", 2)])
    assert e.root == 3 and not e.is_root and Epoch(3).is_root
    assert e.root_epoch == Epoch(3)
    assert e.parent == Epoch(3, [("ep_a", 1)]) and Epoch(3).parent is None
    assert e.parents == [Epoch(3) / ("ep_a", 1), Epoch(3)] and Epoch(3).parents == []
    assert e.leaf == ("ep_b", 2) and Epoch(3).leaf is None
    assert Epoch(root=5, path=[("ep_a", 0)]) == Epoch(5) / ("ep_a", 0)
    assert Epoch(0, (("ep_a", 1),)) == Epoch(0, [("ep_a", 1)])
    assert Epoch(True) == Epoch(1)


@pytest.mark.parametrize(
    ("args", "error"),
    [
        ((-1,), OverflowError),
        ((2**32,), OverflowError),
        ((1.0,), TypeError),
        (("1",), TypeError),
        ((0, None), TypeError),
        ((0, "ab"), TypeError),
        ((0, [["ep_a", 1]]), TypeError),
        ((0, [("ep_a", 1, 2)]), ValueError),
        ((0, [(1, 1)]), TypeError),
        ((0, [("ep_a", -1)]), OverflowError),
        ((0, [("ep_a", 2**32)]), OverflowError),
    ],
)
def test_bad_construction(args, error):
    with pytest.raises(error):
        Epoch(*args)


def test_immutable():
    e = Epoch(1)
    with pytest.raises(AttributeError):
        e.root = 2  # type: ignore[misc]
    with pytest.raises(AttributeError):
        e.anything = 2  # type: ignore[attr-defined]
    assert e.root == 1


def test_sequence_protocol_and_truthiness():
    e = Epoch(3) / ("ep_a", 1) / ("ep_b", 2)
    assert len(e) == 3 and len(Epoch(0)) == 1
    assert e[0] == ("tube", 3) and e[1] == ("ep_a", 1) and e[-1] == ("ep_b", 2)
    assert list(e) == [("tube", 3), ("ep_a", 1), ("ep_b", 2)]
    with pytest.raises(IndexError, match="Index 3 out of range for epoch of length 3"):
        e[3]
    with pytest.raises(IndexError):
        e[-4]
    assert bool(Epoch(0)) is True


def test_equality_hash_never_equal_to_ints():
    assert Epoch(0) != 0 and not (Epoch(0) == 0)
    assert 0 not in {Epoch(0)} and Epoch(1) not in {1}
    assert hash(Epoch(4) / ("ep_a", 1)) == hash(Epoch(4, [("ep_a", 1)]))
    assert Epoch(4) / ("ep_a", 1) != Epoch(4) / ("ep_a", 2)
    assert Epoch(4) / ("ep_a", 1) != Epoch(4) / ("ep_b", 1)
    assert {Epoch(2): "x"}[Epoch(2)] == "x"


def test_order_prefix_first_then_intern_order():
    first, second = "order_first_seen", "order_second_seen"
    Epoch(0, [(first, 0)])  # interned in this order
    Epoch(0, [(second, 0)])
    chain = [
        Epoch(0) / ("order_z", 5),
        Epoch(1),
        Epoch(1) / (first, 0),
        Epoch(1) / (first, 0) / ("order_q", 0),
        Epoch(1) / (first, 1),
        Epoch(1) / (second, 0),
        Epoch(2),
    ]
    assert sorted(reversed(chain)) == chain
    assert Epoch(1) > Epoch(0) / ("order_a", 100)
    assert max(chain) == Epoch(2)
    with pytest.raises(TypeError):
        Epoch(0) < 1  # noqa: B015


def test_arithmetic_on_the_last_component():
    e = Epoch(3) / ("ep_a", 1) / ("ep_b", 2)
    assert e + 1 == Epoch(3) / ("ep_a", 1) / ("ep_b", 3)
    assert e - 2 == Epoch(3) / ("ep_a", 1) / ("ep_b", 0)
    assert Epoch(4) + 1 == Epoch(5) and Epoch(4) - 1 == Epoch(3)
    with pytest.raises(ValueError, match="Negative epochs are invalid"):
        e - 3
    for bad in (lambda: 1 + e, lambda: e + e, lambda: e + -1, lambda: e + 1.5, lambda: e / "ep_a",
                lambda: e / ["ep_a", 0], lambda: e / ("ep_a", -1), lambda: e * 2, lambda: e + 2**40):  # fmt: skip
        with pytest.raises(TypeError):
            bad()


def test_make_subepochs():
    e = Epoch(2)
    assert e.make_subepochs("ep_m", 3) == [e / ("ep_m", 0), e / ("ep_m", 1), e / ("ep_m", 2)]
    assert e.make_subepochs("ep_m", 0) == []
    with pytest.raises(OverflowError):
        e.make_subepochs("ep_m", -1)


def test_text_forms():
    assert repr(Epoch(7)) == str(Epoch(7)) == "7"
    assert repr(Epoch(3) / ("ep_a", 1) / ("ep_b", 2)) == "(3, ('ep_a', 1), ('ep_b', 2))"


def test_wire_form():
    e = Epoch(1) / ("ep_x", 2)
    assert e.to_wire() == [1, ("ep_x", 2)] and Epoch(4).to_wire() == 4
    assert Epoch.from_wire([1, ("ep_x", 2)]) == e == Epoch.from_wire((1, ("ep_x", 2)))
    assert Epoch.from_wire(4) == Epoch(4) and Epoch.from_wire([4]) == Epoch(4)
    with pytest.raises(ValueError, match="wire epoch must start with an int root"):
        Epoch.from_wire([])
    with pytest.raises(ValueError, match="wire epoch must start with an int root"):
        Epoch.from_wire([("ep_x", 1)])
    with pytest.raises(ValueError, match="unexpected bare int 8 in path"):
        Epoch.from_wire([1, 8])
    for bad in ([1, ["ep_x", 2]], "a", None, -1, 2**32, [1, ("ep_x", -1)], [1.0], [1, None]):
        with pytest.raises(TypeError):
            Epoch.from_wire(bad)


def test_pickle_and_copy():
    e = Epoch(9) / ("ep_a", 1) / ("ep_b", 2)
    assert e.__reduce__() == (Epoch, (9, [("ep_a", 1), ("ep_b", 2)]))
    for protocol in range(pickle.HIGHEST_PROTOCOL + 1):
        assert pickle.loads(pickle.dumps(e, protocol)) == e
    assert copy.copy(e) == e and copy.deepcopy(e) == e
    assert Epoch.__module__ == "noob_core.epoch"


def test_pickle_loads_in_a_fresh_process(tmp_path):
    import subprocess
    import sys

    blob = pickle.dumps([Epoch(3) / ("fresh_b", 1), Epoch(3) / ("fresh_a", 0)])
    script = "import pickle, sys; print(sorted(pickle.loads(sys.stdin.buffer.read())))"
    out = subprocess.run([sys.executable, "-c", script], input=blob, capture_output=True, check=True)
    # the fresh process interns fresh_b first, so it sorts first there
    assert out.stdout.decode().strip() == "[(3, ('fresh_b', 1)), (3, ('fresh_a', 0))]"


def test_pydantic_integration():
    pydantic = pytest.importorskip("pydantic")

    class Model(pydantic.BaseModel):
        epoch: Epoch

    e = Epoch(1) / ("pd_x", 2)
    adapter = pydantic.TypeAdapter(Epoch)
    assert adapter.validate_python([0, ["pd_hey", 0]]) == Epoch(0) / ("pd_hey", 0)
    assert adapter.validate_python("3") == Epoch(3)
    assert adapter.validate_python(e) is e
    assert adapter.dump_json(e) == b'[1,["pd_x",2]]'
    assert adapter.dump_json(Epoch(1)) == b"1"
    assert Model(epoch=e).model_dump() == {"epoch": e}
    assert Model.model_validate_json(Model(epoch=e).model_dump_json()).epoch == e
    with pytest.raises(pydantic.ValidationError):
        adapter.validate_python([1, 2])
    with pytest.raises(TypeError):
        adapter.validate_python(-1)
    schema = Model.model_json_schema()
    assert "epoch" in schema["properties"]
