"""Latin-script name clean-up: titles, ordinals and digits typed for letters."""

import pytest

from tribunal.linkage.names import is_title, name_titles, normalise_name


@pytest.mark.parametrize(("text", "tokens"), [
    ("Sir Thomas Clifford", ("thomas", "clifford")),
    ("Lady Em Redford", ("em", "redford")),
    ("Mrs. Mary Jones", ("mary", "jones")),
    ("Rev. John Smith", ("john", "smith")),
    ("Admiral Sir George Cockburn", ("george", "cockburn")),
    ("Thomas Clifford, 1st Baronet of Chudleigh", ("thomas", "clifford", "of", "chudleigh")),
    ("Major-General Henry Kelly", ("henry", "kelly")),
    ("Mme Louise Michel", ("louise", "michel")),
])
def test_titles_and_ordinals_are_dropped(text, tokens):
    assert normalise_name(text).tokens == tokens


def test_titles_stay_when_too_little_would_be_left():
    # "Sir Duckworth" keeps its title: one word alone is weaker evidence than both.
    assert normalise_name("Sir Duckworth").tokens == ("sir", "duckworth")
    assert normalise_name("Sir").tokens == ("sir",)


def test_names_that_are_also_titles_are_not_in_the_table():
    # Major, King, Bishop, Earl are common family or given names.
    assert normalise_name("Sir John Major").tokens == ("john", "major")
    assert normalise_name("James King").tokens == ("james", "king")
    assert not {"king", "major", "bishop", "earl", "prince", "m"} & name_titles()
    assert is_title("Rev.") and is_title("MRS") and is_title("Rear-Admiral")
    assert not is_title("Thomas")


@pytest.mark.parametrize(("text", "key"), [
    ("R0bert Wi1son", "robert wilson"),   # OCR: 0/o, 1/l
    ("Ro5s Parker", "parker ross"),       # 5/s
    ("Can4 Daai6", "can daai"),           # tone numbers end a word: dropped
    ("Ro8ert", "robert"),                 # 8/b
])
def test_digits_inside_words_are_read_as_letters(text, key):
    assert normalise_name(text).key == key


def test_digit_slip_keeps_skeleton_of_vowel():
    # a digit with no letter look-alike (3, 4, 7) is dropped: the skeleton ignores vowels
    assert normalise_name("Bra4thwaite").skeleton == normalise_name("Braithwaite").skeleton
