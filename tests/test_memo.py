"""The memo of values made from an object, kept by the object's identity."""

from __future__ import annotations

from sim.memo import ObjectMemo


class Thing:
    pass


def test_a_value_is_made_once_per_object():
    made = []
    memo: ObjectMemo[Thing, int] = ObjectMemo(4)
    a, b = Thing(), Thing()
    assert memo.get(a, lambda o: made.append(o) or 1) == 1
    assert memo.get(a, lambda o: made.append(o) or 2) == 1
    assert memo.get(b, lambda o: made.append(o) or 3) == 3
    assert made == [a, b]


def test_another_object_under_a_reused_id_gets_its_own_value():
    """The entry keeps its object, so an id can only be reused by an object the memo
    does not hold: a look-up with it must make a fresh value, not return the old one."""
    memo: ObjectMemo[Thing, str] = ObjectMemo(4)
    a = Thing()
    memo.get(a, lambda o: "a")
    impostor = Thing()
    memo._kept[id(impostor)] = (a, "a")  # what a reused id would look like
    assert memo.get(impostor, lambda o: "impostor") == "impostor"


def test_the_oldest_entry_goes_beyond_the_size():
    memo: ObjectMemo[Thing, int] = ObjectMemo(2)
    things = [Thing() for _ in range(3)]
    for i, t in enumerate(things):
        memo.get(t, lambda o, i=i: i)
    assert len(memo) == 2
    assert memo.get(things[0], lambda o: 99) == 99  # dropped, made again
    assert memo.get(things[2], lambda o: 99) == 2  # kept
