// Helpers every part of the dashboard shares: DOM and formatting, the API with the session's
// CSRF token, the toast.

export const CAN_OPERATE = document.body.dataset.canOperate === "true";
export const $ = (id) => document.getElementById(id);
export const esc = (v) => String(v ?? "").replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]);
export const fmt = (n) => (n ?? 0).toLocaleString("en-US");
export const deviceOf = (o) => o.device || ({ substation: o.substation, feeder: o.feeder, dp: o.dp, meter: o.meter })[o.scope] || o.feeder || o.substation || "";
export const short = (text, n = 140) => { const s = String(text ?? ""); return s.length > n ? `${s.slice(0, n - 1)}…` : s; };
export const hhmmss = (d) => d.toLocaleTimeString("en-GB", { hour12: false });
export const hhmm = (d) => d.toLocaleTimeString("en-GB", { hour12: false, hour: "2-digit", minute: "2-digit" });

export function ageText(iso) {
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

export async function api(path, options = {}) {
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

export async function allPages(path) {
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
export function applyWidths(root) {
  for (const el of root.querySelectorAll("[data-width]")) el.style.width = `${el.dataset.width}%`;
}

let toastTimer;
export function toast(text, ok = false) {
  const el = $("toast");
  el.textContent = text;
  el.className = ok ? "toast ok" : "toast";
  el.hidden = false;
  clearTimeout(toastTimer);
  toastTimer = setTimeout(() => { el.hidden = true; }, 5000);
}

export function sources(o) { return (o.source_types || []).map((s) => `<span class="src" title="${esc(s)}">${esc(s.replace("call_center", "call").toUpperCase())}</span>`).join(""); }
