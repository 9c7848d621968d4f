from cistrade_core.acl.model import Access, allows, combine
from cistrade_core.acl.permissions import effective_groups, lineage, permission_map


def test_read_and_write_combine_to_read_write():
    assert combine(Access.READ, Access.WRITE) is Access.READ_WRITE
    assert combine(None, Access.READ) is Access.READ
    assert combine(Access.WRITE, Access.WRITE) is Access.WRITE


def test_allows():
    assert allows("READ_WRITE", Access.READ) and allows("READ_WRITE", Access.WRITE)
    assert allows("READ", Access.READ) and not allows("READ", Access.WRITE)
    assert allows("WRITE", Access.WRITE) and not allows("WRITE", Access.READ)
    assert not allows(None, Access.READ)


def test_permissions_are_inherited_from_every_ancestor():
    parents = {1: None, 2: 1, 3: 2, 4: None}
    grants = {1: {"cis-udf": "READ"}, 2: {"cis-portfolio": "READ"},
              3: {"cis-portfolio": "WRITE"}, 4: {"cis-audit": "READ"}}
    assert permission_map([3], parents, grants) == {
        "cis-portfolio": "READ_WRITE", "cis-udf": "READ"}
    assert permission_map([2, 4], parents, grants) == {
        "cis-audit": "READ", "cis-portfolio": "READ", "cis-udf": "READ"}
    assert permission_map([], parents, grants) == {}


def test_lineage_stops_on_a_cycle():
    parents = {1: 2, 2: 3, 3: 1}
    assert lineage(1, parents) == [1, 2, 3]
    assert effective_groups([1, 3], parents) == [1, 2, 3]
