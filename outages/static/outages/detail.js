// The "Selected" panel: one outage (its lifecycle actions) or one device from the map (its state,
// what it feeds, its outage, and open/close for operators).

import { $, CAN_OPERATE, ageText, api, deviceOf, esc, fmt, short, sources, toast } from "./common.js";

const ACTIONS = [
  { key: "confirm", label: "Confirm", status: "confirmed", from: ["detected"] },
  { key: "dispatch", label: "Dispatch crew", status: "in_progress", from: ["confirmed"] },
  { key: "restore", label: "Restore", status: "restored", from: ["in_progress"] },
  { key: "clear", label: "Clear", status: "cleared", from: ["restored"] },
  { key: "cancel", label: "Cancel (false alarm)", status: "cancelled", from: ["detected", "confirmed", "in_progress"] },
];
const INLINE = new Set(["recloser", "sectionalizer", "switch", "fuse"]);
const row = (k, v) => `<dt>${k}</dt><dd>${v}</dd>`;
const path = (kind, code) => `/api/devices/${encodeURIComponent(kind)}/${encodeURIComponent(code)}/`;

export class Detail {
  // hooks: {outageOf(kind, code) -> outage|null, deviceOf(kind, code) -> map item, onSelectOutage(id),
  //         onSelectDevice(kind, code), onChanged(), onClearedOutage(id)}
  constructor(hooks) {
    this.hooks = hooks;
    this.target = null; // {outage: id} or {kind, code}
    this.timer = null;
  }

  showOutage(id) { this.target = { outage: id }; this.render(); }
  showDevice(kind, code) { this.target = { kind, code }; this.render(); }
  isOutage(id) { return this.target?.outage === id; }
  isDevice(kind, code) { return this.target?.kind === kind && this.target?.code === code; }
  later() { clearTimeout(this.timer); this.timer = setTimeout(() => this.render(), 400); }

  async render() {
    const box = $("detail-body");
    const target = this.target;
    if (!target) { box.className = "detail-empty"; box.textContent = "Select an outage in the list, or a device or outage on the map."; return; }
    if (target.outage) return this.renderOutage(box, target.outage);
    return this.renderDevice(box, target.kind, target.code);
  }

  async renderOutage(box, id) {
    let o;
    try { o = await api(`/api/outages/${encodeURIComponent(id)}/`); } catch (error) { box.textContent = `Cannot load ${id}: ${error.message}`; return; }
    if (!this.isOutage(id)) return;
    box.className = "";
    const actions = CAN_OPERATE ? `<div class="actions">${ACTIONS.map((a) =>
        `<button type="button" class="act-${a.key}" data-status="${a.status}" ${a.from.includes(o.status) ? "" : "disabled"}>${a.label}</button>`).join("")}</div>
      <div class="act-form"><label>Crew <input id="act-crew" placeholder="e.g. Crew 7 (Sweileh)" value="${esc(o.crew)}"></label>
      <label>ETR <input id="act-etr" type="datetime-local"></label>
      <label>Note <input id="act-note" placeholder="what the operator knows"></label></div>` : "";
    const chain = o.path?.length ? [...o.path].reverse().concat(deviceOf(o)) : [o.substation, o.feeder, o.dp, o.meter].filter(Boolean);
    box.innerHTML = `<div class="detail-title">${esc(o.event_id)}</div>
      <dl class="kv">
        ${row("Status", `<span class="chip s-${esc(o.status)}">${esc(o.status.replace("_", " "))}</span>`)}
        ${row("Scope", `<span class="scope scope-${esc(o.scope)}">${esc(o.scope)}</span> ${esc(deviceOf(o))}`)}
        ${row("Path", esc(chain.join(" › ")))}
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
      button.addEventListener("click", () => this.transition(o.event_id, button.dataset.status));
    }
  }

  async transition(id, status) {
    const body = { status, note: $("act-note")?.value || "" };
    const crew = $("act-crew")?.value.trim();
    const etr = $("act-etr")?.value;
    if (crew) body.crew = crew;
    if (etr) body.estimated_restoration_time = new Date(etr).toISOString();
    try {
      await api(`/api/outages/${encodeURIComponent(id)}/transition/`, { method: "POST", body: JSON.stringify(body) });
      toast(`${id}: ${status.replace("_", " ")}`, true);
      this.later();
      if (status === "cleared") this.hooks.onClearedOutage(id);
    } catch (error) {
      toast(error.status === 409 ? `${id}: not allowed now — ${error.message}` : `${id}: ${error.message}`);
    }
  }

  async renderDevice(box, kind, code) {
    let d = this.hooks.deviceOf(kind, code) || { kind, code };
    try { d = { ...d, ...(await api(path(kind, code))) }; } catch (error) { /* kinds the device API does not serve: what the map knows */ }
    let log = [];
    try {
      log = (await api(`/api/switching/?kind=${encodeURIComponent(kind)}&device=${encodeURIComponent(code)}&page_size=5`)).results || [];
    } catch (error) { /* no switching log on this server */ }
    if (!this.isDevice(kind, code)) return;
    const outage = this.hooks.outageOf(kind, code);
    const m = d.meters || {};
    const customers = d.customers_downstream ?? null;
    const meters = d.meters_downstream ?? m.total;
    const metersOff = d.meters_off_downstream ?? m.off;
    const energized = d.energized ?? (m.total ? m.off < m.total : null);
    const switchable = CAN_OPERATE && (INLINE.has(kind) || kind === "feeder") && d.state;
    const abnormal = d.normal_state && d.state && d.state !== d.normal_state ? ` <span class="abnormal">not normal (${esc(d.normal_state)})</span>` : "";
    box.className = "";
    box.innerHTML = `<div class="detail-title"><span class="scope scope-${esc(kind)}">${esc(kind)}</span> ${esc(d.code)}</div>
      <div class="detail-name">${esc(d.name || "")}</div>
      <dl class="kv">
        ${d.state ? row("State", `<span class="sw sw-${esc(d.state)}">${esc(d.state)}</span>${abnormal}`) : ""}
        ${row("Energized", energized == null ? "—" : `<span class="${energized ? "yes" : "no"}">${energized ? "yes" : "no"}</span>`)}
        ${d.telemetered != null ? row("Telemetered", d.telemetered ? "yes (SCADA)" : "no") : ""}
        ${row("Feeder", esc([d.substation, d.feeder].filter(Boolean).join(" › ") || "—"))}
        ${d.parent ? row("Fed from", `<button type="button" class="linkish" id="dev-parent">${esc(d.parent.kind)} ${esc(d.parent.code)}</button>`) : ""}
        ${row("Customers", customers == null ? "—" : fmt(customers))}
        ${row("Meters", meters == null ? "—" : `${fmt(meters)} (${fmt(metersOff)} off)`)}
        ${row("Outage", outage ? `<button type="button" class="linkish" id="dev-outage">${esc(outage.event_id)}</button> <span class="chip s-${esc(outage.status)}">${esc(outage.status.replace("_", " "))}</span>` : "none")}
      </dl>
      ${switchable ? `<div class="actions">
        <button type="button" class="act-open" data-action="open" ${d.state === "open" ? "disabled" : ""}>Open</button>
        <button type="button" class="act-close" data-action="close" ${d.state === "closed" ? "disabled" : ""}>Close</button></div>
        <div class="act-form"><label>Note <input id="op-note" placeholder="reason, for the switching log"></label></div>` : ""}
      ${log.length ? `<h3>Switching</h3><ol class="timeline switching-log">${log.map((op) =>
        `<li><time>${esc(new Date(op.operated_at).toLocaleString("en-GB"))}</time>${esc(op.from_state)} → <b>${esc(op.to_state)}</b> ${esc(op.operator || op.source || "")}${op.note ? ` · ${esc(short(op.note))}` : ""}</li>`).join("")}</ol>` : ""}`;
    $("dev-parent")?.addEventListener("click", () => this.hooks.onSelectDevice(d.parent.kind, d.parent.code));
    $("dev-outage")?.addEventListener("click", () => this.hooks.onSelectOutage(outage.event_id));
    for (const button of box.querySelectorAll(".actions button")) {
      button.addEventListener("click", () => this.operate(kind, code, button.dataset.action));
    }
  }

  async operate(kind, code, action) {
    const note = $("op-note")?.value || "";
    for (const button of document.querySelectorAll("#detail-body .actions button")) button.disabled = true;
    try {
      await api(`${path(kind, code)}operate/`, { method: "POST", body: JSON.stringify({ action, note }) });
      toast(`${kind} ${code}: ${action === "open" ? "opened" : "closed"}`, true);
    } catch (error) {
      toast(error.status === 409 ? `${kind} ${code}: refused — ${error.message}` : `${kind} ${code}: ${error.message}`);
    }
    this.hooks.onChanged();
    this.later();
  }
}
