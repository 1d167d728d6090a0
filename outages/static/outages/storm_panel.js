// `oms demo`'s "Last storm" panel: the quality figures of the storm it just played (the engine's
// outages against the storm's truth), from /api/demo/storm/. Hidden where no demo storm was
// played (404); read again every few seconds, so a new storm's figures show when it ends.

import { $, api, esc, fmt } from "./common.js";

const EVERY_MS = 10000;

const ratio = (v) => (v == null ? "n/a" : Number(v).toFixed(2));
const grade = (v) => (v == null ? "" : v >= 0.95 ? "good" : "bad");

const share = (v) => (v == null ? "n/a" : `${(100 * v).toFixed(1)}%`);

function rows(f) {
  const p95 = f.restore_p95_s;
  return [
    ["Faults", `${f.sustained} sustained · ${f.momentary} blips`, ""],
    ["Precision", `${ratio(f.precision)} · ${f.false_outages.length} false`, grade(f.precision)],
    ["Recall", `${ratio(f.recall)} · ${f.right}/${f.sustained} at device`, grade(f.recall)],
    ["Customers", `err ${share(f.customers_error)} · ${share(f.falsely_out)} false`, f.customers_error > 0.02 || f.falsely_out > 0.01 ? "bad" : ""],
    ["Back-feed", `${fmt(f.back_fed_meters)} meters via tie`, ""],
    ["Restored", `p95 ${p95 == null ? "n/a" : `${fmt(Math.round(p95))} s`} · ${fmt(f.meters_wrong)} wrong`, f.meters_wrong ? "bad" : ""],
  ];
}

export function startStormPanel() {
  const panel = $("storm-panel");
  let shown = "";
  const show = (on) => {
    panel.hidden = !on;
    panel.parentElement.classList.toggle("with-storm", on);
  };
  async function refresh() {
    let figures;
    try {
      figures = await api("/api/demo/storm/");
    } catch (error) {
      if (error.status === 404) show(false);
      return;
    }
    const signature = JSON.stringify(figures);
    if (signature === shown) return;
    shown = signature;
    $("storm-name").textContent = `${figures.network} #${figures.seed}`;
    $("storm-body").innerHTML = rows(figures).map(([k, v, cls]) => `<dt>${esc(k)}</dt><dd class="${cls}">${esc(v)}</dd>`).join("");
    panel.dataset.seed = figures.seed;
    show(true);
  }
  refresh();
  setInterval(refresh, EVERY_MS);
}
