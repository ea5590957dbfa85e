"""Scheduler: noob-core 0.2.1's epoch scheduler (noob-core-behaviour.md §4-§11), through
this package's wrapper over the C ABI. Names are unique per test: the item interner is
process-wide, as in noob-core."""

from __future__ import annotations

import pytest

from noob_core import Epoch, Scheduler
from noob_core import exceptions as exc

# True when this file runs against the real noob-core 0.2.1 (a check of the test itself).
NOOB_CORE_0_2 = Epoch.__module__ == "noob_core._core"


def chain(p: str, stateful: bool | None = True) -> Scheduler:
    """``p_a -> p_b -> p_c``, p_a stateful (noob's testing-basic shape)."""
    return Scheduler(
        [(f"{p}_a", True, stateful), (f"{p}_b", True, False), (f"{p}_c", True, False)],
        [(f"{p}_a", "value", f"{p}_b", "value", True), (f"{p}_b", "value", f"{p}_c", "value", True)],
    )


def test_exception_tree_matches_noob_core():
    assert exc.__all__ == [
        "NoobCoreError", "SchedulerError", "EpochCompletedError", "EpochExistsError",
        "NotAddedError", "AlreadyDoneError", "SchedulerExhaustedError",
    ]  # fmt: skip
    assert issubclass(exc.SchedulerError, exc.NoobCoreError)
    for name in ("EpochCompletedError", "EpochExistsError", "NotAddedError", "AlreadyDoneError"):
        cls = getattr(exc, name)
        assert cls.__bases__ == (exc.SchedulerError, ValueError)
    assert exc.SchedulerExhaustedError.__bases__ == (exc.SchedulerError, RuntimeError)
    namespace: dict = {}
    exec("from noob_core.exceptions import *", namespace)
    assert set(namespace) - {"__builtins__"} == set(exc.__all__)


def test_constructor_argument_checks():
    with pytest.raises(ValueError, match="expected tuple of length 3, but got tuple of length 2"):
        Scheduler([("ck_a", True)], [])
    with pytest.raises(ValueError, match="expected tuple of length 5"):
        Scheduler([], [("ck_a", "x", "ck_b", True)])
    with pytest.raises(TypeError):
        Scheduler([("ck_a", 1, None)], [])
    with pytest.raises(TypeError):
        Scheduler([("ck_a", True, 1)], [])
    with pytest.raises(TypeError):
        Scheduler([["ck_a", True, None]], [])
    with pytest.raises(TypeError):
        Scheduler([(5, True, None)], [])
    with pytest.raises(TypeError):
        Scheduler("ab", [])
    with pytest.raises(TypeError):
        Scheduler((n for n in [("ck_a", True, None)]), [])
    with pytest.raises(TypeError):
        Scheduler([], [("ck_a", "x", "ck_b", "t", 1)])
    assert Scheduler(nodes=[], edges=[]).get_ready() == []


def test_drive_one_epoch():
    s = chain("dr")
    assert s.source_nodes() == ["dr_a"]
    assert s.generations() == [["dr_a"], ["dr_b"], ["dr_c"]]
    assert not s.has_cycle() and not s.exhausted and not s.is_active()
    e = s.add_epoch()
    assert e == Epoch(0) and s.is_active() and s.first_active_epoch() == Epoch(0)
    assert s.get_ready() == [(Epoch(0), "dr_a")]
    assert s.node_is_ready("dr_b", e, False) is False
    assert s.done(e, "dr_a") == []
    assert s.sources_finished(e)
    assert s.node_is_ready("dr_b", e, False) is True
    assert s.get_ready_at(0) == [(Epoch(0), "dr_b")]
    assert s.update([(e, "dr_b", "value", False, False)]) == []
    assert s.node_is_done("dr_b", e)
    assert s.get_ready_at(e) == [(Epoch(0), "dr_c")]
    assert s.done(e, "dr_c") == [Epoch(0)]
    assert s.epoch_completed(0) and s.epoch_log == {0}
    assert not s.is_active_at(e)
    # finishing the sources of 0 created 1 eagerly; its stateful source waited for 0 to end
    assert s.first_active_epoch() == Epoch(1)
    assert s.add_epoch() == Epoch(2)


def test_errors_and_their_classes():
    s = chain("er")
    e = s.add_epoch()
    with pytest.raises(exc.EpochExistsError) as info:
        s.add_epoch_at(e)
    assert str(info.value) == "0"
    s.done(e, "er_a")
    with pytest.raises(exc.AlreadyDoneError):
        s.done(e, "er_a")
    with pytest.raises(exc.AlreadyDoneError):
        s.update([(e, "er_a", "value", False, False)])
    other = chain("er_other")
    with pytest.raises(exc.NotAddedError):
        s.done(e, "er_other_a")  # known to the process, not in this graph
    assert s.expire(e, "er_other_a") == []  # expire accepts it silently
    if not NOOB_CORE_0_2:  # noob-core panics here (PanicException); we raise NotAddedError
        with pytest.raises(exc.NotAddedError):
            s.done(e, "er_never_seen_anywhere")
        with pytest.raises(exc.NotAddedError):
            s.done(e, "er_a", "never_seen_signal")
    with pytest.raises(exc.NotAddedError):
        s.node_is_ready("er_never_seen_2", e, False)
    with pytest.raises(exc.NotAddedError):
        s.node_is_done("er_never_seen_3", e)
    with pytest.raises(exc.NotAddedError):
        s.upstream_nodes("er_never_seen_4")
    with pytest.raises(exc.NotAddedError):
        s.upstream_nodes("er_other_b")
    with pytest.raises(exc.NotAddedError, match="Epoch 77 does not exist"):
        s.get_epoch_state(Epoch(77))
    s.end_epoch(e)
    with pytest.raises(exc.EpochCompletedError) as info:
        s.add_epoch_at(0)
    assert str(info.value) == "0"
    assert s.done(0, "er_b") == []  # completed: a silent no-op
    del other


def test_epoch_like_arguments():
    s = chain("el")
    s.add_epoch_at(10)
    assert s.add_epoch() == Epoch(11)
    for bad in (-1, 2**32, "0", 1.0, None):
        with pytest.raises(TypeError):
            s.is_active_at(bad)
    for call in (lambda: s.node_is_ready("el_a", 10, True), lambda: s.node_is_done("el_a", 10),
                 lambda: s.get_epoch_state(10)):  # fmt: skip
        with pytest.raises(TypeError):
            call()
    with pytest.raises(TypeError):
        s.node_is_ready("el_a", Epoch(10))  # type: ignore[call-arg]
    with pytest.raises(TypeError):
        s.node_is_ready("el_a", Epoch(10), 1)
    with pytest.raises(TypeError):
        s.done(Epoch(10), "el_a", None, 1)
    with pytest.raises(ValueError, match="expected tuple of length 5"):
        s.update([(10, "el_a", "value", False)])
    with pytest.raises(TypeError):
        s.update([[10, "el_a", "value", False, False]])
    with pytest.raises(TypeError):
        s.update([(10, "el_a", None, False, False)])
    assert s.update([(10, "el_unknown_node_name", "x", False, False)]) == []


def test_noevent_expires_and_releases_optional_inputs():
    s = Scheduler(
        [("op_src", True, None), ("op_mid", True, None), ("op_ret", True, None)],
        [
            ("op_src", "x", "op_mid", "inp", True),
            ("op_mid", "value", "op_ret", "a", False),
            ("op_src", "y", "op_ret", "b", False),
        ],
    )
    e = s.add_epoch()
    assert s.get_ready() == [(e, "op_src")]
    s.update([(e, "op_src", "x", True, False), (e, "op_src", "y", False, False)])
    # op_mid never runs (its required input expired); op_ret's optional slot is released
    assert s.get_ready_at(e) == [(e, "op_ret")]
    state = s.get_epoch_state(e)
    assert "op_mid" in state["pending"] and ("op_src", "x") in state["done"]
    assert state["info"][("op_src", "x")]["optional_successors"] == {("op_ret", "a")}
    assert state["info"]["op_ret"]["optional_predecessors"] == {
        ("op_mid", "value"): ("op_ret", "a"),
        ("op_src", "y"): ("op_ret", "b"),
    }
    assert s.upstream_nodes("op_ret") == {"op_mid", "op_src"}
    assert s.done(e, "op_ret") == [e]


def test_subepochs_from_a_map_node():
    s = Scheduler(
        [("mp_a", True, None), ("mp_m", True, None), ("mp_c", True, None), ("mp_g", True, None)],
        [
            ("mp_a", "value", "mp_m", "value", True),
            ("mp_m", "value", "mp_c", "value", True),
            ("mp_c", "value", "mp_g", "value", True),
            ("mp_m", "n", "mp_g", "n", True),
        ],
    )
    e = s.add_epoch()
    s.get_ready()
    s.done(e, "mp_a")
    assert s.get_ready_at(e) == [(e, "mp_m")]
    subs = e.make_subepochs("mp_m", 2)
    ended = s.update(
        [(sub, "mp_m", "value", False, False) for sub in subs] + [(e, "mp_m", "n", False, False)]
    )
    assert ended == []
    assert s.subepochs == {e: set(subs)}
    ready = s.get_ready_at(e)
    assert ready == [(subs[0], "mp_c"), (subs[1], "mp_c")]
    assert s.is_active_at(e)
    ended = []
    for sub in subs:
        ended += s.update([(sub, "mp_c", "value", False, False)])
    assert s.node_is_done("mp_c", e)
    # mp_g is not a gather for the core: it runs in each subepoch (noob's gather node
    # collapses them); the parent saw the map node expire, so mp_g waits there
    assert s.get_ready_at(e) == [(subs[0], "mp_g"), (subs[1], "mp_g")]
    assert s.done(subs[0], "mp_g") == [subs[0]]
    assert s.done(subs[1], "mp_g") == [e, subs[1]]
    assert not s.is_active_at(e)


def test_exhaustion_and_cycles():
    s = chain("ex", stateful=None)
    e0 = s.add_epoch()
    assert s.get_ready() == [(e0, "ex_a")]
    s.update([(e0, "ex_a", "value", False, False)])
    assert s.get_ready() == [(e0, "ex_b"), (Epoch(1), "ex_a")]
    # the source is exhausted in epoch 1: that epoch ends, epoch 0 finishes its work
    assert s.update([(Epoch(1), "ex_a", "value", False, True)]) == [Epoch(1)]
    assert s.exhausted and s.get_ready() == [] and s.first_active_epoch() == e0
    s.update([(e0, "ex_b", "value", False, False)])
    assert s.get_ready() == [(e0, "ex_c")]
    assert s.update([(e0, "ex_c", "value", False, False)]) == [e0]
    assert not s.is_active() and s.add_epoch() == Epoch(2)  # born completed
    assert not s.is_active() and s.first_active_epoch() is None
    cyclic = Scheduler(
        [("cy_a", True, None), ("cy_b", True, None)],
        [("cy_a", "x", "cy_b", "x", True), ("cy_b", "x", "cy_a", "x", True)],
    )
    assert cyclic.has_cycle() and cyclic.generations() == []
    born_done = cyclic.add_epoch()
    assert cyclic.epoch_completed(born_done) and not cyclic.is_active() and not cyclic.exhausted


def test_disabled_nodes_drop_their_in_edges():
    s = Scheduler(
        [("dis_a", True, None), ("dis_b", False, None), ("dis_c", True, None)],
        [("dis_a", "v", "dis_b", "v", True), ("dis_b", "v", "dis_c", "v", True)],
    )
    assert s.generations() == [["dis_a"]]
    e = s.add_epoch()
    assert s.get_ready() == [(e, "dis_a")]
    assert s.done(e, "dis_a") == [e]


def test_end_epoch_and_the_completion_log():
    s = chain("lg")
    assert s.end_epoch(10) == [Epoch(10)]
    assert s.epoch_completed(5) and s.epoch_log == {10}
    s.end_epoch(1)
    assert not s.epoch_completed(2)
    with pytest.raises(exc.EpochCompletedError):
        s.add_epoch_at(Epoch(1) / ("lg_a", 0))


# Odd but valid names: NUL bytes anywhere, the empty name, non-ASCII, quotes, backslashes.
# The process-wide interner means "" is shared by the whole run: only this test uses it.
ODD_A, ODD_C, ODD_D = "on\0a", "on_é'\\", "on\0"


def odd_graph() -> Scheduler:
    """``on\\0a -> '' -> on_é'\\ -.-> on\\0`` over signals/slots with NUL and empty names, and
    an isolated source ``on`` (which must stay distinct from ``on\\0`` and ``on\\0a``)."""
    return Scheduler(
        [(ODD_A, True, None), ("", True, None), (ODD_C, True, None), (ODD_D, True, None), ("on", True, None)],
        [(ODD_A, "s\0ig", "", "in\0", True), ("", "", ODD_C, "", True), (ODD_C, "x", ODD_D, "\0", False)],
    )


def test_odd_names_run_end_to_end():
    s = odd_graph()
    assert s.generations() == [[ODD_A, "on"], [""], [ODD_C], [ODD_D]]
    assert s.source_nodes() == [ODD_A, "on"]
    assert s.upstream_nodes(ODD_D) == {ODD_A, "", ODD_C}
    e = s.add_epoch()
    assert s.get_ready() == [(e, ODD_A), (e, "on")]
    assert s.done(e, "on") == []
    assert s.update([(e, ODD_A, "s\0ig", False, False)]) == []
    assert s.node_is_done(ODD_A, e) and s.node_is_ready("", e, False)
    state = s.get_epoch_state(e)
    assert state["done"] == {ODD_A, (ODD_A, "s\0ig"), "on"}
    assert state["info"][("", "")]["successors"] == {ODD_C}
    assert state["info"][ODD_D]["optional_predecessors"] == {(ODD_C, "x"): (ODD_D, "\0")}
    assert s.get_ready_at(e) == [(e, "")]
    assert s.done(e, "") == []
    assert s.get_ready_at(e) == [(e, ODD_C)]
    assert s.expire(e, ODD_C) == []
    assert s.get_ready_at(e) == [(e, ODD_D)]
    assert s.done(e, ODD_D) == [e]
    assert s.epoch_log == {0}


def test_odd_names_in_epochs_and_messages():
    s = odd_graph()
    sub = Epoch(5, [(ODD_A, 1), ("", 0)])
    # noob-core prints names raw between single quotes: nothing escaped, NUL as itself
    assert repr(sub) == str(sub) == "(5, ('on\0a', 1), ('', 0))"
    assert repr(Epoch(1, [(ODD_C, 2)])) == "(1, ('on_é'\\', 2))"
    assert sub.leaf == ("", 0) and sub.parent == Epoch(5, [(ODD_A, 1)])
    assert Epoch(0).make_subepochs(ODD_D, 2) == [Epoch(0, [(ODD_D, 0)]), Epoch(0, [(ODD_D, 1)])]
    s.add_epoch_at(sub)
    with pytest.raises(exc.EpochExistsError) as info:
        s.add_epoch_at(sub)
    assert str(info.value) == "(5, ('on\0a', 1), ('', 0))"
    with pytest.raises(exc.NotAddedError) as info:
        s.node_is_ready("on\0never_seen", sub, False)
    assert str(info.value) == "Node 'on\0never_seen' was not added when creating the scheduler"
    with pytest.raises(exc.NotAddedError) as info:
        s.upstream_nodes("on\0never_seen_2")
    assert str(info.value) == "Node 'on\0never_seen_2' was not added when the scheduler was created"
    with pytest.raises(UnicodeEncodeError):
        Scheduler([("on\ud800", True, None)], [])


def test_init_again_is_ignored():
    """noob-core builds in ``__new__``: ``__init__`` is ``object.__init__``, so calling it on
    a built scheduler ignores its arguments, valid or not."""
    s = chain("ri")
    e = s.add_epoch()
    assert s.__init__([("ri_z", True, None)], []) is None
    assert s.__init__(5, "not a graph", extra=1) is None
    assert s.generations() == [["ri_a"], ["ri_b"], ["ri_c"]]
    assert s.get_ready() == [(e, "ri_a")]
    built = Scheduler.__new__(Scheduler, [("ri_n", True, None)], [])
    assert built.generations() == [["ri_n"]]
    with pytest.raises(TypeError, match="missing 2 required positional arguments: 'nodes' and 'edges'"):
        Scheduler()
