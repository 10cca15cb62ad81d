"""What the case page's diagram shows when it opens, as a reader sees it: the current step
inside the diagram's box, its label at a size one can read (not a thumbnail of the whole
process), at whatever width the page was opened."""

from __future__ import annotations

READABLE_PX = 11  # the height on screen of a label's line: 12 px text at scale 1 is 14–17 px


def assert_opens_on_current_step(page, element_id: str) -> None:
    page.wait_for_selector("#diagram[data-ready=true]")
    frame = page.locator("#diagram").bounding_box()
    element = page.locator(f'#diagram g.djs-element.djs-shape[data-element-id="{element_id}"]')
    assert element.count() == 1, f"{element_id} is not drawn on the plane in view"
    shape = element.locator(".djs-visual > :first-child").bounding_box()
    assert shape is not None, f"{element_id} has no box on screen"
    inside = (
        shape["x"] >= frame["x"] - 1
        and shape["y"] >= frame["y"] - 1
        and shape["x"] + shape["width"] <= frame["x"] + frame["width"] + 1
        and shape["y"] + shape["height"] <= frame["y"] + frame["height"] + 1
    )
    assert inside, f"{element_id} at {shape} is not inside the diagram's box {frame}"
    line = element.locator(".djs-visual text tspan").first.bounding_box()
    assert line is not None and line["height"] >= READABLE_PX, f"{element_id}'s label is {line} on screen: unreadable"
