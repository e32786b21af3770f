"""English diminutives: the hand-made table and the canonical name keys built from it."""

from tribunal.linkage.given_names import canonical_keys, formal_forms, variant_table
from tribunal.linkage.names import normalise_name


def test_table_loads_and_maps_common_diminutives():
    table = variant_table()
    assert len(table) > 300
    assert formal_forms("tom") == ("thomas",)
    assert formal_forms("wally") == ("walter",)
    assert formal_forms("peggy") == ("margaret",)
    assert formal_forms("thomas") == ("thomas",)
    # an unknown element stands for itself
    assert formal_forms("chudleigh") == ("chudleigh",)


def test_ambiguous_variant_gives_alternatives():
    assert set(formal_forms("fred")) >= {"alfred", "frederick", "wilfred"}
    keys = canonical_keys(("fred", "price"))
    assert "alfred price" in keys and "frederick price" in keys
    # Alfred and Frederick are different names: their keys do not meet directly
    assert not set(canonical_keys(("alfred", "price"))) & set(canonical_keys(("frederick",
                                                                              "price")))


def test_name_keys_share_canonical_key():
    a, b = normalise_name("Tom Chudleigh"), normalise_name("Thomas Chudleigh")
    assert a.key != b.key
    assert set(a.canon) & set(b.canon) == {"chudleigh thomas"}
    assert set(normalise_name("Wally Hammond").canon) & set(
        normalise_name("Walter Hammond").canon)
    # different people stay apart, and order does not matter
    assert not set(normalise_name("Tom Chudleigh").canon) & set(
        normalise_name("Walter Chudleigh").canon)
    assert normalise_name("Chudleigh, Tom").canon == a.canon


def test_canonical_keys_only_for_latin_names():
    assert normalise_name("王秀英").canon == ()
    assert normalise_name("").canon == ()
    assert len(canonical_keys(("al", "fred", "bert", "ted"))) <= 8


def test_digit_inside_a_latin_word_is_read_not_split():
    assert normalise_name("R0bert Lowth").tokens == ("robert", "lowth")
    assert normalise_name("Ro7bert Lowth").tokens == ("robert", "lowth")
    assert normalise_name("Arthur (1855)").key == "arthur"
