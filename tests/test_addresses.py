"""Where an address starts and ends, and the postcode beside it (assistant/addresses.py): pure text rules."""

from __future__ import annotations

import pytest

from assistant.addresses import extend, postcode_after


@pytest.mark.parametrize("text, core, whole", [
    ("put 221 Maple Ave, Toronto, ON M5V 2T6 on it", "221 Maple Ave", "221 Maple Ave, Toronto, ON"),
    ("Flat 3, 27 Brick Lane, London E1 6PU is mine", "27 Brick Lane", "Flat 3, 27 Brick Lane, London"),
    ("i live at 7/22 Cuba Street, Te Aro, Wellington 6011 now", "22 Cuba Street", "7/22 Cuba Street, Te Aro, Wellington"),
    ("ask for it (Calle Mayor 5, 3o B, 28013 Madrid)", "Calle Mayor 5", "Calle Mayor 5, 3o B"),
    ("it is Rua Augusta 1500, São Paulo - SP, 01305-100", "Rua Augusta 1500", "Rua Augusta 1500, São Paulo - SP"),
    ("at 8 Beach Rd, Bondi NSW 2026 and", "8 Beach Rd", "8 Beach Rd, Bondi NSW"),
    # a sentence after the address is not a town
    ("send it to 14 Elm Road, How do I say thanks?", "14 Elm Road", "14 Elm Road"),
    ("19 Baker Lane, Bristol BS1 4ZZ", "19 Baker Lane", "19 Baker Lane, Bristol"),
])
def test_an_address_grows_from_its_core_to_the_flat_town_and_state(text, core, whole):
    start = text.index(core)
    s, e = extend(text, start, start + len(core))
    assert text[s:e] == whole


@pytest.mark.parametrize("after, postcode", [
    (" M5V 2T6 on", "M5V 2T6"),  # Canada
    (" 1015 CJ Amsterdam", "1015 CJ"),  # Netherlands
    (" 150-0002 and", "150-0002"),  # Japan
    (", 00-549 Warszawa", "00-549"),  # Poland
    (", 114 55 Stockholm", "114 55"),  # Sweden
    (" D04 X2K8 and", "D04 X2K8"),  # Ireland
    (" 6011 and", "6011"),  # New Zealand
    (" and the job", None),
    (" 2 weeks later", None),
])
def test_a_postcode_of_any_shape_is_read_beside_an_address(after, postcode):
    text = "Some Street 1" + after
    found = postcode_after(text, len("Some Street 1"))
    assert (text[found[0]:found[1]] if found else None) == postcode
