"""What a person would call a broken layout, measured in the page's DOM: content wider than its
box (cut off or scrolled sideways), a panel outside the window, text smaller than 11 px, a map
label cut by the map's edge or hidden under a marker. The check itself is `layout.js`."""

from __future__ import annotations

from pathlib import Path

MIN_FONT_PX = 11
CHECK = (Path(__file__).parent / "layout.js").read_text()


def layout_problems(page) -> list[str]:
    return page.evaluate(CHECK, MIN_FONT_PX)
