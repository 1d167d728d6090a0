// What tests/e2e/layout.py evaluates in the page: one pass over the rendered dashboard,
// returning human-readable problems.
(minFont) => {
  const problems = [];
  const name = (el) => {
    const id = el.id ? `#${el.id}` : "";
    const cls = typeof el.className === "string" && el.className ? `.${el.className.trim().split(/\s+/).join(".")}` : "";
    const text = (el.textContent || "").trim().replace(/\s+/g, " ").slice(0, 40);
    return `${el.tagName.toLowerCase()}${id}${cls} "${text}"`;
  };
  const shown = (el) => {
    if (el.closest("[hidden]")) return false;
    const style = getComputedStyle(el);
    return style.display !== "none" && style.visibility !== "hidden" && el.getClientRects().length > 0;
  };
  const vw = document.documentElement.clientWidth, vh = document.documentElement.clientHeight;
  if (document.documentElement.scrollWidth > vw + 1) {
    problems.push(`page scrolls sideways: ${document.documentElement.scrollWidth}px in ${vw}px`);
  }
  const boxes = [...document.querySelectorAll(".topbar, .kpi, .panel")].filter(shown);
  for (const box of boxes) {
    const r = box.getBoundingClientRect();
    if (r.left < -0.5 || r.top < -0.5 || r.right > vw + 0.5 || r.bottom > vh + 0.5) {
      problems.push(`${name(box)} outside the window: ${Math.round(r.left)},${Math.round(r.top)}–${Math.round(r.right)},${Math.round(r.bottom)} in ${vw}×${vh}`);
    }
  }
  for (const box of boxes) {
    const outer = box.getBoundingClientRect();
    for (const el of [box, ...box.querySelectorAll("*")]) {
      if (el.closest("svg") && el.tagName.toLowerCase() !== "svg") continue;  // map drawing: below
      if (el.closest(".leaflet-pane")) continue;  // map drawing: below
      const drawing = el.classList.contains("leaflet-container");  // panned and zoomed inside
      if (!shown(el)) continue;
      const style = getComputedStyle(el);
      const inline = style.display === "inline";
      // Wider than its box: cut off (hidden/ellipsis) or only reachable by scrolling sideways.
      if (!inline && !drawing && el.clientWidth > 0 && el.scrollWidth > el.clientWidth + 1) {
        problems.push(`${name(el)} is ${el.scrollWidth}px wide in ${el.clientWidth}px`);
      }
      // Taller than its box and not meant to scroll: cut off at the bottom.
      const scrolls = ["auto", "scroll"].includes(style.overflowY);
      if (!inline && !drawing && !scrolls && el.clientHeight > 0 && el.scrollHeight > el.clientHeight + 1) {
        problems.push(`${name(el)} is ${el.scrollHeight}px tall in ${el.clientHeight}px`);
      }
      // Spilling out of its panel (overflow: visible drawn over the neighbour).
      const r = el.getBoundingClientRect();
      const scroller = el.parentElement && el.parentElement.closest(".table-wrap, .event-log, .panel-detail, .panel-substations, .scroll");
      if (!scroller && r.width > 0 && (r.left < outer.left - 1 || r.right > outer.right + 1 || r.bottom > outer.bottom + 1)) {
        problems.push(`${name(el)} spills out of ${name(box)}`);
      }
      const ownText = [...el.childNodes].some((n) => n.nodeType === 3 && n.textContent.trim());
      if (ownText && parseFloat(style.fontSize) < minFont) {
        problems.push(`${name(el)} text is ${style.fontSize}`);
      }
    }
  }
  // Map labels: legible on screen and not under a marker.
  for (const label of document.querySelectorAll("#map .map-label")) {
    if (!shown(label)) continue;
    const r = label.getBoundingClientRect();
    const map = document.getElementById("map").getBoundingClientRect();
    if (r.right < map.left || r.left > map.right || r.bottom < map.top || r.top > map.bottom) continue;
    if (r.left < map.left - 1 || r.right > map.right + 1 || r.top < map.top - 1 || r.bottom > map.bottom + 1) {
      problems.push(`map label ${name(label)} is cut by the map's edge`);
    }
    const ctm = label.getScreenCTM ? label.getScreenCTM() : null;
    const px = parseFloat(getComputedStyle(label).fontSize) * (ctm ? Math.hypot(ctm.a, ctm.b) : 1);
    if (px < minFont) problems.push(`map label ${name(label)} is ${px.toFixed(1)}px`);
    const cx = Math.min(Math.max((r.left + r.right) / 2, map.left + 1), map.right - 1);
    const cy = Math.min(Math.max((r.top + r.bottom) / 2, map.top + 1), map.bottom - 1);
    const top = document.elementFromPoint(cx, cy);
    if (top && top !== label && !label.contains(top)) problems.push(`map label ${name(label)} is covered by ${name(top)}`);
  }
  return problems;
}
