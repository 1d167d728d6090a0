// OMS operator dashboard: live outages over /ws/outages/, the network and meters from /api/.
// No framework and no network beyond this server: it works offline on a control-room LAN.
//
// The feed: a snapshot on connect, then outage.* messages numbered by `seq`. A gap in `seq`
// (or a heartbeat whose seq is not ours) means the channel layer dropped something: we ask for
// a fresh snapshot with {"type": "resync"}. A lost connection reconnects with backoff, and
// every reconnect starts from a fresh snapshot.

import { $, ageText, allPages, api, applyWidths, deviceOf, esc, fmt, hhmm, hhmmss, sources } from "./common.js";
import { Detail } from "./detail.js";
import { NetworkMap, outageKey } from "./network_map.js";
import { startStormPanel } from "./storm_panel.js";

const ACTIVE = new Set(["detected", "confirmed", "in_progress"]);
const SILENCE_LIMIT_MS = 20000; // heartbeats come every few seconds; silence means a dead link
const STALE_OUTAGE_MIN = 120;

const state = {
  active: new Map(),
  restored: new Map(),
  seq: null,
  summary: null,
  substations: [],
  feeders: [],
  dps: [],
  devices: [],
  lines: [],
  meters: new Map(), // meter_number -> {lat, lng, power, dp}
  fresh: new Map(), // event_id -> when it appeared (rows glow for a moment)
};

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
  if (typeof message.seq === "number") {
    if (state.seq !== null && message.seq !== state.seq + 1) resync(`gap: #${state.seq} → #${message.seq}`);
    state.seq = message.seq;
  }
  if (message.type && message.type.startsWith("outage.")) {
    applyOutage(message.type.slice(7), message.outage);
    if (message.summary) applySummary(message.summary);
    setLink("live", "LIVE");
    scheduleDevices(false);
    render();
  } else if (message.type && /^(switching|device)\./.test(message.type)) {
    // A switching operation (or a device's SCADA status): feeding changed, so do the colours.
    const op = message.switching || {};
    const who = op.operator ? ` by ${op.operator}` : op.source ? ` (${op.source})` : "";
    logLine("switching", `${op.device_kind || ""} ${op.device_code || ""} ${op.from_state || "?"} → ${op.to_state || "?"}${who}${op.note ? ` · ${op.note}` : ""}`);
    if (message.summary) applySummary(message.summary);
    setLink("live", "LIVE");
    scheduleDevices(true, true);
    if (detail.target?.kind) detail.later();
  } else if (message.type === "rules.switched") {
    const sw = message.rules || {};
    logLine("rules", `rule set ${sw.from_set || "?"} → ${sw.to_set || "?"}${sw.operator ? ` by ${sw.operator}` : ""}${sw.note ? ` · ${sw.note}` : ""}`);
    if (message.summary) applySummary(message.summary);
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
  if (detail.isOutage(id)) detail.later();
}

// Outages by the kind of device they stand at: six places, in the tree's order — every kind
// with outages (the six largest if more), the usual ones filling the rest.
const KINDS = ["substation", "feeder", "recloser", "sectionalizer", "switch", "fuse", "dp", "meter"];
const FILL = ["feeder", "recloser", "fuse", "dp", "meter", "substation"];
function scopesShown(byScope) {
  const out = KINDS.filter((k) => byScope[k] > 0).sort((a, b) => byScope[b] - byScope[a]).slice(0, 6);
  for (const k of FILL) if (out.length < 6 && !out.includes(k)) out.push(k);
  return KINDS.filter((k) => out.includes(k));
}

function applySummary(summary) {
  if (!summary) return;
  const before = state.summary;
  state.summary = summary;
  if (summary.rule_set) {
    $("rule-set-name").textContent = summary.rule_set;
    $("rule-set").dataset.set = summary.rule_set;
  }
  $("kpi-outages").textContent = fmt(summary.active_outages);
  $("kpi-customers").textContent = fmt(summary.affected_customers);
  for (const status of ["detected", "confirmed", "in_progress"]) $(`kpi-${status}`).textContent = fmt(summary.by_status?.[status]);
  $("kpi-scopes").innerHTML = scopesShown(summary.by_scope || {})
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

let linesWanted = true;

function scheduleDevices(now, lines = false) {
  linesWanted = linesWanted || lines;
  if (!devicesTimer) devicesTimer = setTimeout(() => { devicesTimer = null; refreshDevices(); }, now ? 0 : 1500);
  const wait = Math.max(now ? 0 : 3000, 5000 - (Date.now() - lastMeters));
  if (!metersTimer) metersTimer = setTimeout(() => { metersTimer = null; refreshMeters(); }, wait);
}

// The network API of a server without it answers 404: the map then draws what it has.
async function optional(load) {
  try { return await load(); } catch (error) { if (error.status === 404) return null; throw error; }
}

async function loadLines() {
  const rows = (body) => (Array.isArray(body) ? body : body?.results) || [];
  try { return await optional(async () => rows(await api("/api/network/lines/"))); } catch (error) {
    if (error.status !== 400) throw error;  // it wants a feeder: ask per feeder
    const parts = await Promise.all(state.feeders.map((f) => api(`/api/network/lines/?feeder=${encodeURIComponent(f.code)}`)));
    return parts.flatMap(rows);
  }
}

async function refreshDevices() {
  const withLines = linesWanted;
  linesWanted = false;
  try {
    const [substations, feeders, dps, devices, breakers] = await Promise.all([
      allPages("/api/substations/?page_size=1000"),
      allPages("/api/feeders/?page_size=1000"),
      allPages("/api/distribution-points/?page_size=1000"),
      optional(() => allPages("/api/devices/?page_size=1000")),
      optional(() => allPages("/api/devices/?kind=feeder&page_size=1000")), // breakers' state
    ]);
    Object.assign(state, { substations, feeders, dps, devices: [...(devices || []), ...(breakers || [])] });
    if (withLines) state.lines = (await loadLines()) || [];
    renderSubstations();
    netmap.setNetwork({ substations, feeders, dps, devices: state.devices, lines: state.lines });
  } catch (error) {
    linesWanted = linesWanted || withLines;
    logLine("link", `devices: ${error.message}`);
  }
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
    netmap.setMeters(state.meters);
  } catch (error) { logLine("link", `meters: ${error.message}`); }
}

// ---------------------------------------------------------------- rendering
let renderQueued = false;
function render() {
  if (renderQueued) return;
  renderQueued = true;
  requestAnimationFrame(() => { renderQueued = false; renderOutages(); renderRestored(); netmap.setOutages([...state.active.values()], detail.target?.outage, detail.target?.kind ? detail.target : null); });
}


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
  }, (o) => [detail.isOutage(o.event_id) ? "selected" : "", isFresh(o.event_id) ? "fresh" : ""].join(" ").trim(),
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
  (o) => (detail.isOutage(o.event_id) ? "selected" : ""),
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
    $(id).addEventListener("pointerdown", (event) => { const tr = event.target.closest("tr[data-id]"); if (tr) selectOutage(tr.dataset.id); });
  }
  $("map-reset").addEventListener("click", () => netmap.fit(true));
}

function selectOutage(id) {
  detail.showOutage(id);
  render();
}

function selectDevice(kind, code) {
  detail.showDevice(kind, code);
  render();
}

// The active outage at a device, or the nearest one above it as the network is operated now.
function outageOf(kind, code) {
  const byKey = new Map([...state.active.values()].map((o) => [outageKey(o), o]));
  for (let at = netmap.item(kind, code) || { kind, code }, hops = 0; at && hops < 64; hops += 1) {
    const o = byKey.get(`${at.kind}:${String(at.code).toLowerCase()}`);
    if (o) return o;
    at = netmap.upOf(at);
  }
  return null;
}

const netmap = new NetworkMap($("map"), { onOutage: selectOutage, onDevice: selectDevice });
const detail = new Detail({
  outageOf,
  deviceOf: (kind, code) => netmap.item(kind, code),
  onSelectOutage: selectOutage,
  onSelectDevice: selectDevice,
  onChanged: () => scheduleDevices(true, true),
  onClearedOutage: (id) => { state.restored.delete(id); render(); },
});

setupTables();
tick();
setInterval(tick, 1000);
setInterval(() => scheduleDevices(false, true), 30000); // safety net beside the pushes
connect();
startStormPanel();
