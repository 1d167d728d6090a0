// The network map: Leaflet (vendored, global L) on a plain background — no tiles exist on a
// control-room LAN. Feeder lines from the imported geometry, devices by kind, meters, outages;
// everything coloured energized / de-energized / in an outage. Styles live in dashboard.css
// (class names only), so the page works under a Content-Security-Policy without 'unsafe-inline'.

const INLINE = new Set(["recloser", "sectionalizer", "switch", "fuse"]);
const LABEL_ZOOM = 16; // device codes show from this zoom on (substations and feeders always)

const key = (kind, code) => `${kind}:${String(code).toLowerCase()}`;

export function outageKey(o) {
  const kind = o.device_kind || o.scope;
  const code = o.device || ({ substation: o.substation, feeder: o.feeder, dp: o.dp, meter: o.meter })[kind];
  return code ? key(kind, code) : null;
}

export class NetworkMap {
  constructor(element, { onOutage, onDevice }) {
    this.map = L.map(element, { zoomSnap: 0.25, zoomDelta: 0.5, maxZoom: 22, minZoom: 2, attributionControl: false });
    this.svg = L.svg({ padding: 0.2 });
    this.svgAbove = L.svg({ padding: 0.2, pane: "markerPane" }); // DPs: above lines, meters and rings
    this.lines = L.layerGroup().addTo(this.map);
    this.meters = L.layerGroup().addTo(this.map);
    this.devices = L.layerGroup().addTo(this.map);
    this.outages = L.layerGroup().addTo(this.map);
    this.onOutage = onOutage;
    this.onDevice = onDevice;
    this.network = { substations: [], feeders: [], dps: [], devices: [], lines: [] };
    this.outageList = [];
    this.meterMarkers = new Map();
    this.lineLayers = [];
    this.deviceMarkers = new Map();
    this.userMoved = false; // once the operator pans or zooms, the map stays where they put it
    this.fittedTo = "";
    this.selectedOutage = null;
    this.selectedDevice = null;
    this.map.setView([0, 0], 2);
    this.map.on("zoomend", () => this.labelsForZoom());
    this.map.on("zoomend moveend resize", () => this.placeLabels());
    this.labelsForZoom();
    for (const kind of ["wheel", "pointerdown", "dblclick", "keydown"]) element.addEventListener(kind, () => { this.userMoved = true; }, { passive: true });
    new ResizeObserver(() => { this.map.invalidateSize(); this.fit(); }).observe(element);
  }

  // ------------------------------------------------------------ data in
  setNetwork(network) {
    Object.assign(this.network, network);
    this.byKey = new Map();
    for (const [kind, rows] of [["substation", this.network.substations], ["feeder", this.network.feeders], ["dp", this.network.dps]]) {
      for (const row of rows) this.byKey.set(key(kind, row.code), { kind, ...row });
    }
    for (const d of this.network.devices) this.byKey.set(key(d.kind, d.code), { ...this.byKey.get(key(d.kind, d.code)), ...d });
    this.draw();
  }

  setMeters(meters) {
    for (const [number, meter] of meters) {
      let marker = this.meterMarkers.get(number);
      if (!marker) {
        if (meter.lat == null || meter.lng == null) continue;
        marker = L.circleMarker([meter.lat, meter.lng], { renderer: this.svg, radius: 2.2, stroke: false, fillOpacity: 0.85, interactive: false, className: `m-${meter.power}` });
        marker.power = meter.power;
        marker.addTo(this.meters);
        this.meterMarkers.set(number, marker);
      } else if (marker.power !== meter.power) {
        L.DomUtil.setClass(marker.getElement(), `m-${meter.power}`);
        marker.power = meter.power;
      }
    }
    for (const [number, marker] of this.meterMarkers) {
      if (!meters.has(number)) { marker.remove(); this.meterMarkers.delete(number); }
    }
    this.fit();
  }

  setOutages(list, selectedOutage, selectedDevice) {
    // A storm re-renders many times a second: redraw only when what the map shows changed.
    const signature = JSON.stringify([list.map((o) => [o.event_id, o.status, o.affected_customers_count, outageKey(o)]), selectedOutage, selectedDevice]);
    if (signature === this.signature) return;
    this.signature = signature;
    this.outageList = list;
    this.selectedOutage = selectedOutage;
    this.selectedDevice = selectedDevice ? key(selectedDevice.kind, selectedDevice.code) : null;
    this.draw();
  }

  item(kind, code) {
    return this.byKey?.get(key(kind, code)) || null;
  }

  // ------------------------------------------------------------ state of a device
  outageKeys() {
    return new Set(this.outageList.map(outageKey).filter(Boolean));
  }

  // In an outage: the device an active outage stands at, or anything below it as operated now.
  stateOf(item, outages) {
    for (let at = item, hops = 0; at && hops < 64; hops += 1) {
      if (outages.has(key(at.kind, at.code))) return "outage";
      at = this.upOf(at);
    }
    return this.energized(item, 0);
  }

  // Energized as the network is operated (derived server-side where the API says so); otherwise
  // what feeds it; a source in service is energized. Meter evidence is the meters' own colour.
  energized(item, hops) {
    if (item.energized === true) return "on";
    if (item.energized === false) return "off";
    if (item.state === "open") return "off";
    if (item.kind === "substation") return item.status === "active" ? "on" : "off";
    const up = hops < 64 ? this.upOf(item) : null;
    if (up) return this.energized(up, hops + 1);
    return "unknown";
  }

  upOf(item) {
    if (item.parent) return this.byKey.get(key(item.parent.kind, item.parent.code));
    if (item.fed_through) return this.byKey.get(key(item.fed_through.kind, item.fed_through.code));
    if (item.kind === "dp" && item.feeder) return this.byKey.get(key("feeder", item.feeder));
    if (item.kind === "feeder" && item.substation) return this.byKey.get(key("substation", item.substation));
    if (item.kind === "line" && item.feeder) return this.byKey.get(key("feeder", item.feeder));
    return null;
  }

  // ------------------------------------------------------------ drawing
  draw() {
    if (!this.byKey) return;
    const outages = this.outageKeys();
    if (this.drawnLines !== this.network.lines) {
      this.lines.clearLayers();
      this.lineLayers = this.network.lines.filter((line) => line.coordinates?.length >= 2).map((line) => {
        const layer = L.polyline(line.coordinates, { renderer: this.svg, weight: 2, opacity: 0.9, interactive: false, className: "ln" });
        layer.line = line;
        layer.addTo(this.lines);
        layer.getElement()?.setAttribute("data-line", line.code);
        return layer;
      });
      this.drawnLines = this.network.lines;
    }
    for (const layer of this.lineLayers) {
      let state = this.stateOf({ ...layer.line, kind: "line" }, outages);
      if (state === "unknown" && layer.line.feeder) state = this.stateOf(this.byKey.get(key("feeder", layer.line.feeder)) || {}, outages);
      if (layer.state !== state) {
        L.DomUtil.setClass(layer.getElement(), `ln st-${state}`);
        layer.getElement()?.setAttribute("data-state", state);
        layer.state = state;
      }
    }
    const seen = new Set();
    for (const item of this.byKey.values()) {
      if (item.location_lat == null || item.location_lng == null) continue;
      const k = key(item.kind, item.code);
      seen.add(k);
      const state = this.stateOf(item, outages);
      const open = item.state === "open" ? " open" : "";
      const classes = `dev dev-${item.kind} st-${state}${open}${this.selectedDevice === k ? " selected" : ""}`;
      let marker = this.deviceMarkers.get(k);
      if (!marker) {
        marker = this.makeMarker(item, classes);
        this.deviceMarkers.set(k, marker);
      } else {
        marker.setLatLng([item.location_lat, item.location_lng]);
        if (marker.classes !== classes) {
          if (marker.setIcon) marker.setIcon(this.icon(item.kind, classes)); else L.DomUtil.setClass(marker.getElement(), classes);
          marker.classes = classes;
        }
      }
      marker.getElement()?.setAttribute("data-device", k);
      marker.getElement()?.setAttribute("data-state", state);
    }
    for (const [k, marker] of this.deviceMarkers) {
      if (!seen.has(k)) { marker.remove(); this.deviceMarkers.delete(k); }
    }
    this.drawOutages();
    this.fit();
    this.placeLabels();
  }

  // DPs are many (a transformer per few customers): small SVG dots; the rest are shaped icons.
  makeMarker(item, classes) {
    const at = [item.location_lat, item.location_lng];
    const select = () => this.onDevice(item.kind, item.code);
    let marker;
    if (item.kind === "dp") {
      marker = L.circleMarker(at, { renderer: this.svgAbove, radius: 3, weight: 1, className: classes });
      marker.bindTooltip(`DP ${item.code}${item.name && item.name !== item.code ? ` · ${item.name}` : ""}`, { direction: "top", className: "map-hover" });
    } else {
      marker = L.marker(at, { icon: this.icon(item.kind, classes), keyboard: false, riseOnHover: true, title: "" });
      const always = item.kind === "substation";
      const name = item.name && !item.name.toLowerCase().includes(String(item.code).toLowerCase()) ? ` ${item.name}` : "";
      marker.bindTooltip(always ? `${item.code}${name}` : item.code, {
        permanent: true, direction: "right", interactive: true, className: `map-label${always ? "" : " dev-label"}`, offset: [8, 0],
      });
      marker.on("tooltipopen", (event) => event.tooltip.getElement()?.addEventListener("click", select));
    }
    marker.on("click", select);
    marker.classes = classes;
    marker.addTo(this.devices);
    return marker;
  }

  // A label that would run past the map's right edge goes to the left of its device.
  placeLabels() {
    const width = this.map.getSize().x;
    for (const marker of this.deviceMarkers.values()) {
      const tooltip = marker.getTooltip?.();
      if (!tooltip?.options.permanent || !tooltip.getElement()) continue;
      const x = this.map.latLngToContainerPoint(marker.getLatLng()).x;
      const direction = x + 12 + tooltip.getElement().offsetWidth > width ? "left" : "right";
      if (tooltip.options.direction !== direction) {
        tooltip.options.direction = direction;
        tooltip.options.offset = direction === "left" ? [-8, 0] : [8, 0];
        tooltip.update();
      }
    }
  }

  icon(kind, classes) {
    const size = { substation: 16, feeder: 12, dp: 9 }[kind] || 12;
    return L.divIcon({ className: classes, iconSize: [size, size], html: "" });
  }

  drawOutages() {
    this.outages.clearLayers();
    // The ring sits on the outage's device where the map has it, else where the API places it.
    const at = (o) => {
      const device = this.byKey.get(outageKey(o) || "");
      return device?.location_lat != null ? [device.location_lat, device.location_lng]
        : o.location_lat != null ? [o.location_lat, o.location_lng] : null;
    };
    const list = this.outageList.filter((o) => at(o))
      .sort((a, b) => b.affected_customers_count - a.affected_customers_count);
    for (const o of list) {
      const radius = Math.min(36, 9 + 2 * Math.sqrt(o.affected_customers_count || 1));
      const ring = L.circleMarker(at(o), {
        renderer: this.svg, radius, fill: true, fillOpacity: 0, weight: this.selectedOutage === o.event_id ? 4 : 3,
        className: `o-ring ${o.status}${this.selectedOutage === o.event_id ? " selected" : ""}`,
      });
      ring.on("click", () => this.onOutage(o.event_id));
      ring.bindTooltip(`${o.event_id} · ${o.scope} ${o.device || ""} · ${o.affected_customers_count} customers`, { className: "map-hover" });
      ring.addTo(this.outages);
      ring.getElement()?.setAttribute("data-outage", o.event_id);
    }
  }

  labelsForZoom() {
    this.map.getContainer().classList.toggle("labels-low", this.map.getZoom() < LABEL_ZOOM);
  }

  bounds() {
    const points = [];
    for (const item of this.byKey?.values() || []) if (item.location_lat != null) points.push([item.location_lat, item.location_lng]);
    for (const line of this.network.lines) for (const p of line.coordinates || []) points.push(p);
    for (const marker of this.meterMarkers.values()) points.push(marker.getLatLng());
    return points.length ? L.latLngBounds(points) : null;
  }

  fit(force = false) {
    if (force) this.userMoved = false;
    if (this.userMoved) return;
    const bounds = this.bounds();
    const size = this.map.getSize();
    if (!bounds || !size.x || !size.y) return;
    const to = `${bounds.toBBoxString()} ${size.x}x${size.y}`;
    if (to === this.fittedTo && !force) return;
    this.map.fitBounds(bounds, { padding: [40, 40], maxZoom: 18, animate: false });
    this.fittedTo = to;
  }
}
