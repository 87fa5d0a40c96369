"""Starting points that several sync tests share: two auditors on the demo audit."""

from __future__ import annotations


def two_auditors_with_a_base_answer(laptops, item_key: str):  # type: ignore[no-untyped-def]
    """Anna (lead) and Bram, linked and synced, both holding Anna's answer "base" to the item."""
    anna = laptops("anna").login("auditor1")
    bram = laptops("bram").login("auditor2")
    anna.sync()
    anna.answer(item_key, notes="base")
    anna.sync()
    bram.sync()
    return anna, bram


def same_field_conflict(laptops, item_key: str):  # type: ignore[no-untyped-def]
    """Both write the item's notes from the same base; Anna syncs first, Bram is refused."""
    anna, bram = two_auditors_with_a_base_answer(laptops, item_key)
    anna.answer(item_key, notes="Anna's notes")
    bram.answer(item_key, notes="Bram's notes")
    assert anna.sync().rejected == 0
    summary = bram.sync()
    assert [r["code"] for r in summary.rejections] == ["conflict"], summary.rejections
    return anna, bram
