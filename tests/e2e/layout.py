"""What a person would call a broken layout, measured in the page's DOM: content wider than its
box (cut off or scrolled sideways), a panel outside the window, text smaller than 11 px, a map
label cut by the map's edge or hidden under a marker. The check itself is `layout.js`."""

from __future__ import annotations

from pathlib import Path

MIN_FONT_PX = 11
CHECK = (Path(__file__).parent / "layout.js").read_text()


def layout_problems(page) -> list[str]:
    return page.evaluate(CHECK, MIN_FONT_PX)


def report_refusals(page) -> list[str]:
    """What the browser refuses under the server's Content-Security-Policy, filled as it happens
    (violations are not console messages to Playwright: the page reports them to the test)."""
    refused: list[str] = []
    page.expose_function("reportRefused", lambda text: refused.append(text))
    page.add_init_script(
        "document.addEventListener('securitypolicyviolation', (e) => window.reportRefused("
        "`${e.violatedDirective} ${e.blockedURI} ${e.sourceFile}:${e.lineNumber}`))"
    )
    return refused
