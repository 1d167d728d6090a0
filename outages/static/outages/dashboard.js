// OMS operator dashboard: live outages over /ws/outages/, devices and meters from /api/.
// No framework and no network beyond this server: it works offline on a control-room LAN.
//
// The feed: a snapshot on connect, then outage.* messages numbered by `seq`. A gap in `seq`
// (or a heartbeat whose seq is not ours) means the channel layer dropped something: we ask for
// a fresh snapshot with {"type": "resync"}. A lost connection reconnects with backoff, and
// every reconnect starts from a fresh snapshot.

const ACTIVE = new Set(["detected", "confirmed", "in_progress"]);
const CAN_OPERATE = document.body.dataset.canOperate === "true";
const SILENCE_LIMIT_MS = 20000; // heartbeats come every few seconds; silence means a dead link
const STALE_OUTAGE_MIN = 120;

const state = {
  active: new Map(),
  restored: new Map(),
  seq: null,
  summary: null,
  selected: null,
  substations: [],
  dps: [],
  meters: new Map(), // meter_number -> {lat, lng, power, el}
  project: null,
  fresh: new Map(), // event_id -> when it appeared (rows glow for a moment)
};

// ---------------------------------------------------------------- helpers
const $ = (id) => document.getElementById(id);
const esc = (v) => String(v ?? "").replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]);
const fmt = (n) => (n ?? 0).toLocaleString("en-US");
const deviceOf = (o) => ({ substation: o.substation, feeder: o.feeder, dp: o.dp, meter: o.meter })[o.scope] || o.feeder || o.substation || "";
const short = (text, n = 140) => { const s = String(text ?? ""); return s.length > n ? `${s.slice(0, n - 1)}…` : s; };
const hhmmss = (d) => d.toLocaleTimeString("en-GB", { hour12: false });
const hhmm = (d) => d.toLocaleTimeString("en-GB", { hour12: false, hour: "2-digit", minute: "2-digit" });

function ageText(iso) {
  const s = Math.max(0, (Date.now() - Date.parse(iso)) / 1000);
  if (s < 60) return `${Math.floor(s)}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m ${String(Math.floor(s % 60)).padStart(2, "0")}s`;
  if (s < 86400) return `${Math.floor(s / 3600)}h ${String(Math.floor((s % 3600) / 60)).padStart(2, "0")}m`;
  return `${Math.floor(s / 86400)}d ${Math.floor((s % 86400) / 3600)}h`;
}

function csrfToken() {
  const m = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
  return m ? decodeURIComponent(m[1]) : "";
}

async function api(path, options = {}) {
  const response = await fetch(path, {
    credentials: "same-origin",
    headers: { Accept: "application/json", ...(options.body ? { "Content-Type": "application/json", "X-CSRFToken": csrfToken() } : {}) },
    ...options,
  });
  if (response.status === 401 || response.status === 403) {
    if (!options.body) { location.href = "/accounts/login/?next=/dashboard/"; }
  }
  const body = await response.json().catch(() => ({}));
  if (!response.ok) { const error = new Error(body.detail || JSON.stringify(body)); error.status = response.status; throw error; }
  return body;
}

async function allPages(path) {
  const rows = [];
  let next = path;
  while (next) {
    const page = await api(next);
    rows.push(...page.results);
    next = page.next ? new URL(page.next, location.href).pathname + new URL(page.next, location.href).search : null;
  }
  return rows;
}

// Bar widths go through the CSSOM: a Content-Security-Policy without 'unsafe-inline' drops
// style="" attributes written as markup.
function applyWidths(root) {
  for (const el of root.querySelectorAll("[data-width]")) el.style.width = `${el.dataset.width}%`;
}

let toastTimer;
function toast(text, ok = false) {
  const el = $("toast");
  el.textContent = text;
  el.className = ok ? "toast ok" : "toast";
  el.hidden = false;
  clearTimeout(toastTimer);
  toastTimer = setTimeout(() => { el.hidden = true; }, 5000);
}

// ---------------------------------------------------------------- live link
let socket = null;
let attempt = 0;
let lastHeard = 0;

function setLink(kind, label) {
  $("link-state").dataset.state = kind;
  $("link-label").textContent = label || kind.toUpperCase();
  $("seq").textContent = state.seq == null ? "" : `#${state.seq}`;
}

function connect() {
  setLink(attempt ? "reconnecting" : "connecting");
  const scheme = location.protocol === "https:" ? "wss" : "ws";
  socket = new WebSocket(`${scheme}://${location.host}/ws/outages/`);
  socket.onopen = () => { lastHeard = Date.now(); };
  socket.onmessage = (event) => { lastHeard = Date.now(); receive(JSON.parse(event.data)); };
  socket.onclose = (event) => {
    socket = null;
    if (event.code === 4401) { location.href = "/accounts/login/?next=/dashboard/"; return; }
    const delay = Math.min(15000, 500 * 2 ** attempt) * (0.75 + Math.random() * 0.5);
    attempt += 1;
    setLink("reconnecting", `RECONNECTING ${Math.round(delay / 100) / 10}s`);
    logLine("link", `link lost (code ${event.code}); retry in ${Math.round(delay / 1000)}s`);
    setTimeout(connect, delay);
  };
}

function resync(reason) {
  logLine("link", `resync: ${reason}`);
  if (socket && socket.readyState === WebSocket.OPEN) socket.send(JSON.stringify({ type: "resync" }));
}

setInterval(() => {
  if (socket && socket.readyState === WebSocket.OPEN && Date.now() - lastHeard > SILENCE_LIMIT_MS) {
    logLine("link", "no heartbeat; reconnecting");
    socket.close();
  }
}, 5000);

function receive(message) {
  if (message.type === "snapshot") {
    state.seq = message.seq;
    state.active = new Map(message.outages.map((o) => [o.event_id, o]));
    attempt = 0;
    applySummary(message.summary);
    setLink("live", "LIVE");
    logLine("link", `snapshot: ${message.outages.length} active outage(s)`);
    refreshRestored();
    scheduleDevices(true);
    render();
    return;
  }
  if (message.type === "heartbeat") {
    if (state.seq !== null && message.seq !== state.seq) resync(`heartbeat #${message.seq}, have #${state.seq}`);
    return;
  }
  if (message.type && message.type.startsWith("outage.")) {
    if (state.seq !== null && message.seq !== state.seq + 1) resync(`gap: #${state.seq} → #${message.seq}`);
    state.seq = message.seq;
    applyOutage(message.type.slice(7), message.outage);
    if (message.summary) applySummary(message.summary);
    setLink("live", "LIVE");
    scheduleDevices(false);
    render();
  }
}

function applyOutage(kind, outage) {
  const id = outage.event_id;
  if (ACTIVE.has(outage.status)) {
    if (!state.active.has(id)) state.fresh.set(id, Date.now());
    state.active.set(id, outage);
    state.restored.delete(id);
  } else if (outage.status === "restored") {
    state.active.delete(id);
    state.restored.set(id, outage);
  } else {
    state.active.delete(id);
    state.restored.delete(id);
  }
  const customers = outage.affected_customers_count != null ? ` · ${fmt(outage.affected_customers_count)} cust` : "";
  logLine(kind, `${id} ${kind} · ${outage.scope || ""} ${deviceOf(outage)} · ${outage.status}${customers}`);
  if (state.selected === id) scheduleDetail();
}

function applySummary(summary) {
  if (!summary) return;
  const before = state.summary;
  state.summary = summary;
  $("kpi-outages").textContent = fmt(summary.active_outages);
  $("kpi-customers").textContent = fmt(summary.affected_customers);
  for (const status of ["detected", "confirmed", "in_progress"]) $(`kpi-${status}`).textContent = fmt(summary.by_status?.[status]);
  $("kpi-scopes").innerHTML = ["substation", "feeder", "dp", "meter"]
    .map((s) => `<div><span class="scope scope-${s}">${s}</span> <b>${fmt(summary.by_scope?.[s] || 0)}</b></div>`).join("");
  if (before && before.active_outages !== summary.active_outages) {
    for (const el of document.querySelectorAll(".kpi-alert")) { el.classList.remove("flash"); void el.offsetWidth; el.classList.add("flash"); }
  }
}

async function refreshRestored() {
  try {
    const page = await api("/api/outages/?status=restored&page_size=100");
    state.restored = new Map(page.results.map((o) => [o.event_id, o]));
    render();
  } catch (error) { /* the live feed keeps working without it */ }
}

// ---------------------------------------------------------------- devices and meters
let devicesTimer = null;
let metersTimer = null;
let lastMeters = 0;

function scheduleDevices(now) {
  if (!devicesTimer) devicesTimer = setTimeout(() => { devicesTimer = null; refreshDevices(); }, now ? 0 : 1500);
  const wait = Math.max(now ? 0 : 3000, 5000 - (Date.now() - lastMeters));
  if (!metersTimer) metersTimer = setTimeout(() => { metersTimer = null; refreshMeters(); }, wait);
}

async function refreshDevices() {
  try {
    const [substations, dps] = await Promise.all([
      allPages("/api/substations/?page_size=1000"),
      allPages("/api/distribution-points/?page_size=1000"),
    ]);
    state.substations = substations;
    state.dps = dps;
    renderSubstations();
    renderMapDevices();
  } catch (error) { logLine("link", `devices: ${error.message}`); }
}

async function refreshMeters() {
  lastMeters = Date.now();
  try {
    const body = await api("/api/meters/positions/");
    const seen = new Set();
    for (const [number, lat, lng, power, dp] of body.rows) {
      seen.add(number);
      const meter = state.meters.get(number);
      if (meter) { meter.power = power; } else { state.meters.set(number, { lat, lng, power, dp }); }
    }
    for (const number of [...state.meters.keys()]) if (!seen.has(number)) state.meters.delete(number);
    renderMeters();
  } catch (error) { logLine("link", `meters: ${error.message}`); }
}

// ---------------------------------------------------------------- rendering
let renderQueued = false;
function render() {
  if (renderQueued) return;
  renderQueued = true;
  requestAnimationFrame(() => { renderQueued = false; renderOutages(); renderRestored(); renderMapOutages(); });
}

function sources(o) { return (o.source_types || []).map((s) => `<span class="src" title="${esc(s)}">${esc(s.replace("call_center", "call").toUpperCase())}</span>`).join(""); }

// Rows are kept by event id and patched in place: a storm re-renders many times a second, and a
// table rebuilt under the operator's pointer would swallow clicks.
function renderKeyed(body, cache, items, cellsOf, classOf, empty) {
  if (!items.length) {
    cache.clear();
    body.innerHTML = empty;
    return;
  }
  const placeholder = body.querySelector("tr.empty");
  if (placeholder) placeholder.remove();
  const keep = new Set();
  items.forEach((item, index) => {
    const id = item.event_id;
    keep.add(id);
    let entry = cache.get(id);
    if (!entry) {
      const tr = document.createElement("tr");
      tr.dataset.id = id;
      entry = { tr, html: "" };
      cache.set(id, entry);
    }
    const html = cellsOf(item);
    if (entry.html !== html) {
      entry.tr.innerHTML = html;
      entry.html = html;
      for (const cell of entry.tr.querySelectorAll("[data-since]")) cell.textContent = ageText(cell.dataset.since);
      applyWidths(entry.tr);
    }
    entry.tr.className = classOf(item);
    if (body.children[index] !== entry.tr) body.insertBefore(entry.tr, body.children[index] || null);
  });
  for (const [id, entry] of cache) {
    if (!keep.has(id)) { entry.tr.remove(); cache.delete(id); }
  }
}

function isFresh(id) {
  const since = state.fresh.get(id);
  if (since === undefined) return false;
  if (Date.now() - since < 2500) return true;
  state.fresh.delete(id);
  return false;
}

const activeRows = new Map();
const restoredRows = new Map();

function renderOutages() {
  const rows = [...state.active.values()].sort((a, b) =>
    (b.affected_customers_count - a.affected_customers_count) || (Date.parse(b.first_detected_at) - Date.parse(a.first_detected_at)));
  $("outage-count").textContent = rows.length;
  // Two lines per cell keep every figure readable in a panel a third of a laptop screen wide.
  renderKeyed($("outage-rows"), activeRows, rows, (o) => {
    const pct = Math.round((o.confidence_score || 0) * 100);
    const old = (Date.now() - Date.parse(o.first_detected_at)) / 60000 > STALE_OUTAGE_MIN ? " old" : "";
    const off = o.affected_meters_count - (o.restored_meters_count || 0);
    return `<td><span class="event-id">${esc(o.event_id)}</span><span class="sub"><span class="scope scope-${esc(o.scope)}">${esc(o.scope)}</span> <span class="device">${esc(deviceOf(o))}</span></span></td>
      <td><span class="chip s-${esc(o.status)}">${esc(o.status.replace("_", " "))}</span><span class="sub age${old}" data-since="${esc(o.first_detected_at)}"></span></td>
      <td class="num"><b>${fmt(o.affected_customers_count)}</b><span class="sub">${fmt(off)}/${fmt(o.affected_meters_count)}</span></td>
      <td><span class="conf"><span class="conf-bar"><i data-width="${pct}"></i></span>${pct}%</span><span class="sub sources">${sources(o)}</span></td>
      <td class="num"><span class="age">${o.estimated_restoration_time ? hhmm(new Date(o.estimated_restoration_time)) : "—"}</span><span class="sub crew" title="${esc(o.crew)}">${esc(o.crew || "")}</span></td>`;
  }, (o) => [state.selected === o.event_id ? "selected" : "", isFresh(o.event_id) ? "fresh" : ""].join(" ").trim(),
  `<tr class="empty"><td colspan="5">No active outages · all supply normal</td></tr>`);
}

function renderRestored() {
  const rows = [...state.restored.values()]
    .sort((a, b) => Date.parse(b.actual_restoration_time || b.updated_at) - Date.parse(a.actual_restoration_time || a.updated_at))
    .slice(0, 100);
  $("restored-count").textContent = state.restored.size;
  renderKeyed($("restored-rows"), restoredRows, rows, (o) => `<td class="event-id">${esc(o.event_id)}</td>
      <td><span class="scope scope-${esc(o.scope)}">${esc(o.scope)}</span> <span class="device">${esc(deviceOf(o))}</span></td>
      <td class="num">${fmt(o.affected_customers_count)} cust</td>
      <td class="num age" title="restored at">${o.actual_restoration_time ? hhmmss(new Date(o.actual_restoration_time)) : ""}</td>`,
  (o) => (state.selected === o.event_id ? "selected" : ""),
  `<tr class="empty"><td colspan="4">None</td></tr>`);
}

function renderSubstations() {
  let on = 0, off = 0, unknown = 0;
  $("substation-bars").innerHTML = state.substations.map((s) => {
    const m = s.meters; on += m.on; off += m.off; unknown += m.unknown;
    const pct = (n) => (m.total ? (100 * n) / m.total : 0).toFixed(2);
    return `<div class="bar-row"><div class="bar-name" title="${esc(s.name)}"><b>${esc(s.code)}</b>${esc(s.name)}</div>
      <div class="bar"><i class="on" data-width="${pct(m.on)}"></i><i class="off" data-width="${pct(m.off)}"></i><i class="unknown" data-width="${pct(m.unknown)}"></i></div>
      <div class="bar-nums">${fmt(m.on)} / <span class="${m.off ? "off" : ""}">${fmt(m.off)}</span> / ${fmt(m.unknown)}</div></div>`;
  }).join("");
  applyWidths($("substation-bars"));
  $("kpi-meters-on").textContent = fmt(on);
  $("kpi-meters-off").textContent = fmt(off);
  $("kpi-meters-unknown").textContent = fmt(unknown);
}

// ---------------------------------------------------------------- map (own SVG, no tiles)
const SVG_NS = "http://www.w3.org/2000/svg";
const VIEW = { w: 1000, h: 640 };
let view = { x: 0, y: 0, w: VIEW.w, h: VIEW.h };

function svgEl(tag, attrs) {
  const el = document.createElementNS(SVG_NS, tag);
  for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, v);
  return el;
}

function buildProjection() {
  const points = [
    ...state.substations.map((s) => [s.location_lat, s.location_lng]),
    ...state.dps.map((d) => [d.location_lat, d.location_lng]),
    ...[...state.meters.values()].map((m) => [m.lat, m.lng]),
  ].filter(([lat, lng]) => lat != null && lng != null);
  if (!points.length) return null;
  const lats = points.map((p) => p[0]); const lngs = points.map((p) => p[1]);
  const minLat = Math.min(...lats), maxLat = Math.max(...lats), minLng = Math.min(...lngs), maxLng = Math.max(...lngs);
  const k = Math.cos(((minLat + maxLat) / 2) * Math.PI / 180);
  const spanX = Math.max((maxLng - minLng) * k, 1e-4), spanY = Math.max(maxLat - minLat, 1e-4);
  const pad = 30;
  const scale = Math.min((VIEW.w - 2 * pad) / spanX, (VIEW.h - 2 * pad) / spanY);
  const offX = (VIEW.w - spanX * scale) / 2, offY = (VIEW.h - spanY * scale) / 2;
  return (lat, lng) => [offX + (lng - minLng) * k * scale, offY + (maxLat - lat) * scale];
}

function ensureProjection() {
  if (!state.project) state.project = buildProjection();
  return state.project;
}

function renderMeters() {
  const project = ensureProjection();
  if (!project) return;
  const layer = $("layer-meters");
  for (const meter of state.meters.values()) {
    if (!meter.el) {
      const [x, y] = project(meter.lat, meter.lng);
      meter.el = svgEl("circle", { cx: x.toFixed(1), cy: y.toFixed(1), r: 2.2 });
      layer.appendChild(meter.el);
    }
    const cls = `m-${meter.power}`;
    if (meter.el.getAttribute("class") !== cls) meter.el.setAttribute("class", cls);
  }
}

function offColor(share) {
  const hue = 130 - 130 * Math.min(1, share);
  return `hsl(${hue.toFixed(0)}, 80%, 50%)`;
}

function renderMapDevices() {
  state.project = state.project || buildProjection();
  const project = state.project;
  if (!project) return;
  const dpLayer = $("layer-dps"); dpLayer.replaceChildren();
  for (const dp of state.dps) {
    if (dp.location_lat == null) continue;
    const [x, y] = project(dp.location_lat, dp.location_lng);
    const m = dp.meters;
    const known = m.on + m.off;
    const circle = svgEl("circle", { cx: x, cy: y, r: 3.5, class: "dp-node", fill: known ? offColor(m.off / Math.max(1, m.total)) : "#6b7785" });
    const title = svgEl("title", {}); title.textContent = `${dp.code} ${dp.name} · on ${m.on} off ${m.off} unknown ${m.unknown}`;
    circle.appendChild(title);
    dpLayer.appendChild(circle);
  }
  const ssLayer = $("layer-substations"); ssLayer.replaceChildren();
  const labelLayer = $("layer-labels"); labelLayer.replaceChildren();
  for (const s of state.substations) {
    if (s.location_lat == null) continue;
    const [x, y] = project(s.location_lat, s.location_lng);
    ssLayer.appendChild(svgEl("rect", { x: x - 6, y: y - 6, width: 12, height: 12, class: "ss-node" }));
    // Labels right of their square, or left of it in the map's right third (never cut off).
    const left = x > VIEW.w * 0.66;
    const label = svgEl("text", { x: left ? x - 9 : x + 9, y: y + 4, class: "ss-label", "text-anchor": left ? "end" : "start" });
    label.textContent = `${s.code} ${s.name}`;
    labelLayer.appendChild(label);
  }
  renderMeters();
  renderMapOutages();
}

function renderMapOutages() {
  const project = state.project;
  const layer = $("layer-outages");
  layer.replaceChildren();
  if (!project) return;
  const list = [...state.active.values()].filter((o) => o.location_lat != null)
    .sort((a, b) => b.affected_customers_count - a.affected_customers_count);
  for (const o of list) {
    const [x, y] = project(o.location_lat, o.location_lng);
    const r = Math.min(42, 7 + 2.2 * Math.sqrt(o.affected_customers_count || 1));
    const group = svgEl("g", { "data-id": o.event_id });
    if (o.status === "detected") group.appendChild(svgEl("circle", { cx: x, cy: y, r, class: "o-pulse" }));
    group.appendChild(svgEl("circle", { cx: x, cy: y, r, class: `o-ring ${o.status}${state.selected === o.event_id ? " selected" : ""}` }));
    const hit = svgEl("circle", { cx: x, cy: y, r: r + 3, class: "o-hit" });
    const title = svgEl("title", {}); title.textContent = `${o.event_id} · ${o.scope} ${deviceOf(o)} · ${o.affected_customers_count} customers`;
    hit.appendChild(title);
    group.appendChild(hit);
    layer.appendChild(group);
  }
}

function setView(v) {
  view = v;
  $("map").setAttribute("viewBox", `${v.x} ${v.y} ${v.w} ${v.h}`);
  scaleLabels();
}

// Labels keep one size on screen whatever the zoom and the panel's size (CSS reads --u).
function scaleLabels() {
  const rect = $("map").getBoundingClientRect();
  if (!rect.width || !rect.height) return;
  $("map").style.setProperty("--u", Math.max(view.w / rect.width, view.h / rect.height).toFixed(4));
}

function svgPoint(event) {
  const rect = $("map").getBoundingClientRect();
  const scale = Math.max(view.w / rect.width, view.h / rect.height);
  const offsetX = (rect.width * scale - view.w) / 2, offsetY = (rect.height * scale - view.h) / 2;
  return [view.x + (event.clientX - rect.left) * scale - offsetX, view.y + (event.clientY - rect.top) * scale - offsetY, scale];
}

function setupMap() {
  const map = $("map");
  map.addEventListener("wheel", (event) => {
    event.preventDefault();
    const [px, py] = svgPoint(event);
    const factor = event.deltaY < 0 ? 0.8 : 1.25;
    const w = Math.min(VIEW.w * 2, Math.max(40, view.w * factor)), h = w * VIEW.h / VIEW.w;
    setView({ x: px - (px - view.x) * (w / view.w), y: py - (py - view.y) * (h / view.h), w, h });
  }, { passive: false });
  let drag = null;
  map.addEventListener("pointerdown", (event) => {
    const outage = event.target.closest("[data-id]");
    if (outage) { select(outage.dataset.id); return; }
    const [, , scale] = svgPoint(event);
    drag = { x: event.clientX, y: event.clientY, view: { ...view }, scale };
    map.classList.add("dragging");
    map.setPointerCapture(event.pointerId);
  });
  map.addEventListener("pointermove", (event) => {
    if (!drag) return;
    setView({ ...drag.view, x: drag.view.x - (event.clientX - drag.x) * drag.scale, y: drag.view.y - (event.clientY - drag.y) * drag.scale });
  });
  map.addEventListener("pointerup", () => { drag = null; map.classList.remove("dragging"); });
  $("map-reset").addEventListener("click", () => setView({ x: 0, y: 0, w: VIEW.w, h: VIEW.h }));
  new ResizeObserver(scaleLabels).observe(map);
}

// ---------------------------------------------------------------- selection and operator actions
let detailTimer = null;
function scheduleDetail() { clearTimeout(detailTimer); detailTimer = setTimeout(renderDetail, 400); }

function select(id) {
  state.selected = id;
  render();
  renderDetail();
}

const ACTIONS = [
  { key: "confirm", label: "Confirm", status: "confirmed", from: ["detected"] },
  { key: "dispatch", label: "Dispatch crew", status: "in_progress", from: ["confirmed"] },
  { key: "restore", label: "Restore", status: "restored", from: ["in_progress"] },
  { key: "clear", label: "Clear", status: "cleared", from: ["restored"] },
  { key: "cancel", label: "Cancel (false alarm)", status: "cancelled", from: ["detected", "confirmed", "in_progress"] },
];

async function renderDetail() {
  const id = state.selected;
  const box = $("detail-body");
  if (!id) { box.className = "detail-empty"; box.textContent = "Select an outage in the list or on the map."; return; }
  let o;
  try { o = await api(`/api/outages/${encodeURIComponent(id)}/`); } catch (error) { box.textContent = `Cannot load ${id}: ${error.message}`; return; }
  if (state.selected !== id) return;
  box.className = "";
  const row = (k, v) => `<dt>${k}</dt><dd>${v}</dd>`;
  const actions = CAN_OPERATE ? `<div class="actions">${ACTIONS.map((a) =>
      `<button type="button" class="act-${a.key}" data-status="${a.status}" ${a.from.includes(o.status) ? "" : "disabled"}>${a.label}</button>`).join("")}</div>
    <div class="act-form"><label>Crew <input id="act-crew" placeholder="e.g. Crew 7 (Sweileh)" value="${esc(o.crew)}"></label>
    <label>ETR <input id="act-etr" type="datetime-local"></label>
    <label>Note <input id="act-note" placeholder="what the operator knows"></label></div>` : "";
  box.innerHTML = `<div class="detail-title">${esc(o.event_id)}</div>
    <dl class="kv">
      ${row("Status", `<span class="chip s-${esc(o.status)}">${esc(o.status.replace("_", " "))}</span>`)}
      ${row("Scope", `<span class="scope scope-${esc(o.scope)}">${esc(o.scope)}</span> ${esc(deviceOf(o))}`)}
      ${row("Path", esc([o.substation, o.feeder, o.dp, o.meter].filter(Boolean).join(" › ")))}
      ${row("Confidence", `${Math.round(o.confidence_score * 100)}%`)}
      ${row("Customers", fmt(o.affected_customers_count))}
      ${row("Meters", `${fmt(o.affected_meters_count)} (${fmt(o.restored_meters_count)} restored)`)}
      ${row("Detected", `${esc(new Date(o.first_detected_at).toLocaleString("en-GB"))} · ${ageText(o.first_detected_at)} ago`)}
      ${row("ETR", o.estimated_restoration_time ? esc(new Date(o.estimated_restoration_time).toLocaleString("en-GB")) : "—")}
      ${row("Crew", esc(o.crew || "—"))}
      ${row("Cause", esc(o.root_cause || "—"))}
      ${row("Sources", `${sources(o)} (${o.source_count})`)}
    </dl>
    ${actions}
    <h3>Timeline</h3>
    <ol class="timeline">${(o.timeline || []).slice(-12).reverse().map((t) =>
      `<li><time>${esc(new Date(t.event_timestamp).toLocaleTimeString("en-GB"))}</time>${esc(t.event_type)}${t.status ? ` → ${esc(t.status)}` : ""} ${esc(short(t.description))}${t.actor ? ` <i>(${esc(t.actor)})</i>` : ""}</li>`).join("")}</ol>`;
  for (const button of box.querySelectorAll(".actions button")) {
    button.addEventListener("click", () => transition(o.event_id, button.dataset.status));
  }
}

async function transition(id, status) {
  const body = { status, note: $("act-note")?.value || "" };
  const crew = $("act-crew")?.value.trim();
  const etr = $("act-etr")?.value;
  if (crew) body.crew = crew;
  if (etr) body.estimated_restoration_time = new Date(etr).toISOString();
  try {
    await api(`/api/outages/${encodeURIComponent(id)}/transition/`, { method: "POST", body: JSON.stringify(body) });
    toast(`${id}: ${status.replace("_", " ")}`, true);
    scheduleDetail();
    if (status === "cleared") { state.restored.delete(id); render(); }
  } catch (error) {
    toast(error.status === 409 ? `${id}: not allowed now — ${error.message}` : `${id}: ${error.message}`);
  }
}

// ---------------------------------------------------------------- feed log, clocks
function logLine(kind, text) {
  const list = $("event-log");
  const item = document.createElement("li");
  item.className = `k-${kind}`;
  item.innerHTML = `<time>${hhmmss(new Date())}</time>${esc(text)}`;
  list.prepend(item);
  while (list.children.length > 200) list.lastChild.remove();
}

function tick() {
  const now = new Date();
  $("clock-local").textContent = hhmmss(now);
  $("clock-utc").textContent = `UTC ${now.toISOString().slice(11, 16)}`;
  for (const cell of document.querySelectorAll("[data-since]")) cell.textContent = ageText(cell.dataset.since);
}

function setupTables() {
  for (const id of ["outage-rows", "restored-rows"]) {
    // pointerdown, not click: a row patched between press and release still selects.
    $(id).addEventListener("pointerdown", (event) => { const tr = event.target.closest("tr[data-id]"); if (tr) select(tr.dataset.id); });
  }
}

setupTables();
setupMap();
tick();
setInterval(tick, 1000);
setInterval(() => scheduleDevices(false), 30000); // safety net beside the pushes
connect();
