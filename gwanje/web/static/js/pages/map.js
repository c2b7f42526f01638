// The map (Leaflet, from the npm registry, served from node_modules): the site's own tile server
// where one is configured, else the site plan image, else a plain grid with the cameras placed by
// latitude and longitude. A camera's marker shows its health and open alerts; its popup opens the
// live view and the alerts. Incident reports are circles with their note.
import { api } from "../api.js";
import { openAlert } from "../detail.js";
import { $, h } from "../dom.js";
import { camName, typeName } from "../format.js";
import { t } from "../i18n.js";
import { viewLive } from "../live.js";
import { state } from "../state.js";
import { renderWeather, shownStations, stationLabel } from "../weather.js";

let L = null, map = null, layer = null, mode = null, fitted = false;

async function leaflet() {
  if (L) return L;
  const css = h("link", { rel: "stylesheet", href: "/static/vendor/leaflet/leaflet.css" });
  document.head.append(css);
  L = await import("/static/vendor/leaflet/leaflet-src.esm.js");
  return L;
}

function imageSize(url) {
  return new Promise((resolve, reject) => {
    const img = new Image();
    img.onload = () => resolve([img.naturalWidth, img.naturalHeight]);
    img.onerror = reject;
    img.src = url;
  });
}

async function setUp(m) {
  const wanted = m.tile_url ? "tiles" : m.plan_image ? "plan" : "grid";
  if (map && mode === wanted) return;
  if (map) { map.remove(); map = null; }
  mode = wanted;
  fitted = false;
  const box = $("#map");
  box.classList.toggle("plain-grid", wanted === "grid");
  if (wanted === "plan") {
    const [w, hgt] = await imageSize(m.plan_image);
    map = L.map(box, { crs: L.CRS.Simple, minZoom: -4, attributionControl: false });
    L.imageOverlay(m.plan_image, [[-hgt, 0], [0, w]]).addTo(map);
    map.fitBounds([[-hgt, 0], [0, w]]);
    fitted = true;
  } else {
    map = L.map(box, { maxZoom: m.max_zoom || 19, attributionControl: wanted === "tiles" });
    if (wanted === "tiles") L.tileLayer(m.tile_url, { maxZoom: m.max_zoom || 19, attribution: m.tile_attribution || "" }).addTo(map);
  }
  layer = L.layerGroup().addTo(map);
}

function place(c) {
  const loc = c.location || {};
  if (mode === "plan") return loc.plan_x == null ? null : [-loc.plan_y, loc.plan_x];
  return loc.lat == null ? null : [loc.lat, loc.lon];
}

function popup(c, alerts) {
  return h("div", {},
    h("strong", {}, `${c.id} · ${c.name}`), h("div", { class: "muted" }, t(`status.${c.status}`)),
    alerts.length ? h("ul", {}, ...alerts.map((a) => h("li", {},
      h("button", { type: "button", class: "link", "data-open-alert": a.id, onclick: () => openAlert(a.id) }, `${typeName(a.type)} · ${t(`status.${a.status}`)}`)))) : null,
    h("button", { type: "button", class: "link", onclick: () => viewLive(state.cameras.find((x) => x.id === c.id) || c) }, t("detail.live")));
}

export async function renderMap() {
  const [m, open] = await Promise.all([api("/api/map"), api("/api/alerts?status=open&limit=500")]);
  await leaflet();
  await setUp(m);
  map.invalidateSize();
  layer.clearLayers();
  const byCamera = {};
  for (const a of open.items) (byCamera[a.camera_id] = byCamera[a.camera_id] || []).push(a);
  const points = [], around = [];
  for (const c of m.cameras) {
    const p = place(c);
    if (!p) continue;
    points.push(p);
    const alerts = byCamera[c.id] || [];
    const colour = alerts.length ? "#e4572e" : c.status === "online" ? "#2fbf71" : "#8b98a5";
    const marker = L.circleMarker(p, { radius: alerts.length ? 11 : 8, color: "#fff", weight: 2, fillColor: colour, fillOpacity: 0.95, className: `cam-marker ${c.status}${alerts.length ? " alarm" : ""}` });
    marker.bindTooltip(`${c.id} ${camName(c.id)}${alerts.length ? ` · ${t("map.open")} ${alerts.length}` : ""}`, { permanent: true, direction: "right", className: "cam-label" });
    marker.bindPopup(() => popup(c, alerts));
    marker.addTo(layer);
    marker.getElement()?.setAttribute("data-camera", c.id);
  }
  if (mode !== "plan") {
    for (const i of m.incidents || []) {
      // (the class, not an attribute set after: a map with no view yet draws its layers later)
      L.circle([i.lat, i.lon], { radius: i.radius_m, color: "#f3a712", weight: 2, fillOpacity: 0.12, className: `incident incident-${i.id}` })
        .bindPopup(() => h("div", {}, h("strong", {}, t(`incident.${i.kind}`)),
          h("div", {}, [i.source !== "center" ? `${i.source} ${i.reference}` : "", i.note].filter(Boolean).join(" · ")),
          h("div", { class: "muted" }, `${t("map.incident_cameras")}: ${i.cameras.map(camName).join(", ") || "—"}`)))
        .addTo(layer);
      if (i.track.length > 1) L.polyline(i.track.map((p) => [p[0], p[1]]), { color: "#f3a712", weight: 2, dashArray: "4 4" }).addTo(layer);
      const dLat = i.radius_m / 111320, dLon = dLat / Math.cos((i.lat * Math.PI) / 180);
      around.push([i.lat - dLat, i.lon - dLon], [i.lat + dLat, i.lon + dLon]);
    }
  }
  const weather = await renderWeather();
  if (weather && mode !== "plan") {
    for (const s of shownStations(weather)) {
      L.circleMarker([s.lat, s.lon], { radius: 4, color: "#6cb4ee", weight: 1, fillOpacity: 0.8, className: "wx-marker" })
        .bindTooltip(stationLabel(s), { permanent: true, direction: "left", className: "wx-label" })
        .addTo(layer);
      if (s.preset === "site") points.push([s.lat, s.lon]);  // the site's own places frame the map too
    }
  }
  if (!points.length) { layer.addLayer(L.marker([0, 0], { opacity: 0 }).bindTooltip(t("map.none"), { permanent: true })); return; }
  // open incidents frame the map (their cameras are inside their circles); else every place
  if (!fitted) { map.fitBounds(L.latLngBounds(around.length ? around : points).pad(0.2), { maxZoom: 17 }); fitted = true; }
}
