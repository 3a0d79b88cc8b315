"""Pure consolidation: slots by day, editor vs SAS agenda, booking links, tolerant reading."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

import pytest

from sasref.aggregator import SearchWindow, read_bundle, with_origin
from sasref.aggregator.consolidate import (
    CardSlots,
    OfferIndex,
    SlotItem,
    group_by_day,
    practitioner_slots,
    sos_slots,
)
from sasref.aggregator.offers import SlotOffer
from sasref.clock import PARIS
from sasref.platform.cardviews import order_page
from sasref.platform.results import CardView
from sasref.sasagenda import FreeSlot, Modality

NOW = datetime(2024, 6, 12, 9, 0, tzinfo=PARIS)
WINDOW = SearchWindow.from_now(NOW)
P1 = "810002909371"


def offer(hours: float, *, pid: str = P1, structure: str | None = "4123", editor: str = "e1",
          slot_id: str | None = None) -> SlotOffer:  # fmt: skip
    start = NOW + timedelta(hours=hours)
    return SlotOffer(
        editor=editor, kind="ps", slot_id=slot_id or f"s{hours}", start=start,
        end=start + timedelta(minutes=15), types=("PUBLIC",), practitioner_id=pid,
        structure_id=structure, booking_url="https://agenda.test/p?x=1",
    )  # fmt: skip


def free(hours: float, capacity: int = 1) -> FreeSlot:
    start = NOW + timedelta(hours=hours)
    return FreeSlot(
        agenda_id="a", owner_id=P1, place_id="pl", slot_id=f"f{hours}", day=start.date(),
        start=start, end=start + timedelta(hours=2), modalities=(Modality.PHYSICAL, Modality.HOME),
        capacity=capacity, booked=0,
    )  # fmt: skip


def test_with_origin() -> None:
    assert with_origin("https://a.test/b?x=1") == "https://a.test/b?x=1&origin=sas"
    assert with_origin("https://a.test/b?origin=lrm&y=2") == "https://a.test/b?y=2&origin=sas"
    assert with_origin("https://a.test/b") == "https://a.test/b?origin=sas"
    assert with_origin(None) is None and with_origin("") is None


def test_group_by_day_sorts_and_drops_started_and_late_slots() -> None:
    items = [
        SlotItem(NOW + timedelta(hours=h), NOW + timedelta(hours=h, minutes=15), "editor")
        for h in (30, 2, -1, 1, 62, 63)
    ]
    days = group_by_day(items, WINDOW)
    assert [d.day for d in days] == [date(2024, 6, 12), date(2024, 6, 13), date(2024, 6, 14)]
    assert [[s.start.time() for s in d.slots] for d in days] == [
        [time(10), time(11)],
        [time(15)],
        [time(23)],  # J+2 23:00 (62 h after 09:00); J+3 00:00 is dropped
    ]


def test_a_started_plage_stays_until_it_ends() -> None:
    started = SlotItem(NOW - timedelta(hours=1), NOW + timedelta(hours=1), "sas", capacity=3)
    assert group_by_day([started], WINDOW)[0].slots == (started,)


def test_editor_slots_win_over_the_sas_agenda() -> None:
    index = OfferIndex.build([offer(2), offer(2), offer(26)])  # a duplicate from two calls
    card = practitioner_slots(index, WINDOW, P1, structure_ids=("4123",), sas_slots=[free(3)])
    assert card.source == "editor" and card.total == 2 and card.ignored_sas_slots == 1
    assert card.days[0].slots[0].booking_url == "https://agenda.test/p?x=1&origin=sas"
    # an editor that answered "no slot" still wins: the SAS agenda is not shown
    served = practitioner_slots(
        OfferIndex(), WINDOW, P1, served_by_editor=True, sas_slots=[free(3)]
    )
    assert served.source == "editor" and served.total == 0
    # no editor answer: the SAS agenda's slots, as plages with their capacity
    sas = practitioner_slots(OfferIndex(), WINDOW, P1, sas_slots=[free(3, capacity=4)])
    assert sas.source == "sas" and sas.total == 1
    item = sas.days[0].slots[0]
    assert item.consultation_types == ("AMB", "HH") and item.capacity == 4
    assert practitioner_slots(OfferIndex(), WINDOW, P1).source is None


def test_places_are_matched_on_their_structure() -> None:
    index = OfferIndex.build(
        [offer(2, structure="4A"), offer(3, structure="4B"), offer(4, structure=None)]
    )
    card = practitioner_slots(index, WINDOW, P1, structure_ids=("4B",))
    assert [s.start.hour for d in card.days for s in d.slots] == [12, 13]


def test_sos_slots_by_fixed_point() -> None:
    start = NOW + timedelta(hours=2)
    sos = [
        SlotOffer(
            "e",
            "sos",
            f"s{i}",
            start,
            start + timedelta(minutes=10),
            sos_siret="3X",
            fixed_point_id=fp,
        )
        for i, fp in enumerate(("pfg-1", "pfg-2", "pfg-1"))
    ]
    card = sos_slots(OfferIndex.build(sos), WINDOW, "3X", fixed_point_ids=("pfg-1",))
    assert card.total == 2 and card.editors == ("e",)


@pytest.mark.parametrize(
    ("document", "message"),
    [
        ([], "not a JSON object"),
        ({"resourceType": "OperationOutcome"}, "not Bundle"),
        ({"resourceType": "Bundle", "type": "searchset", "entry": "nope"}, "unusable"),
    ],
)
def test_unusable_documents(document: object, message: str) -> None:
    reading = read_bundle(document, editor="e", kind="ps", validate=False)
    assert reading.unusable and message in reading.messages[0]


def test_order_page_partition() -> None:
    def view(name: str, slots: int, participant: bool, preferred: bool = False) -> CardView:
        days = group_by_day(
            [SlotItem(NOW + timedelta(hours=1), NOW + timedelta(hours=2), "editor")] * slots, WINDOW
        )
        slots_of = CardSlots(days)
        return CardView(
            "practitioner", name, name, "", "", slots_of, participant=participant,
            preferred_doctor=preferred,
        )  # fmt: skip

    cards = [view("a", 0, True), view("b", 1, False), view("c", 0, False), view("d", 1, True),
             view("mt", 0, False, preferred=True)]  # fmt: skip
    assert [c.id for c in order_page(cards)] == ["mt", "d", "b", "a", "c"]
