// The map (Leaflet, from the npm registry, served from node_modules): the site's own tile server
// where one is configured, else the site plan image, else a plain grid with the cameras placed by
// latitude and longitude. A camera's marker shows its health and open alerts; its popup opens the
// live view and the alerts. Incident reports are circles with their note. The cameras' topology on
// foot (configured links solid, learned ones dashed, each camera's view bearing) and the operator's
// follows (the path with times, and while searching the next cameras) are drawn over it; an admin
// sets a camera's position, bearing and neighbours below the map.
import { api } from "../api.js";
import { banner } from "../banner.js";
import { openAlert } from "../detail.js";
import { $, h } from "../dom.js";
import { camName, fmtTime, typeName } from "../format.js";
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
    map.on("click", (e) => mapClicked(e.latlng));
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
  let followBounds = [];
  if (mode !== "plan") {
    const topo = await api("/api/topology").catch(() => null);
    if (topo) drawTopology(topo);
    followBounds = drawFollows();
    fillTopoForm(topo);
  }
  if (!points.length) { layer.addLayer(L.marker([0, 0], { opacity: 0 }).bindTooltip(t("map.none"), { permanent: true })); return; }
  if (followBounds.length && state.mapFollow) { map.fitBounds(L.latLngBounds(followBounds).pad(0.6), { maxZoom: 18 }); state.mapFollow = null; fitted = true; }
  // open incidents frame the map (their cameras are inside their circles); else every place
  if (!fitted) { map.fitBounds(L.latLngBounds(around.length ? around : points).pad(0.2), { maxZoom: 17 }); fitted = true; }
}

// -- topology and follows -------------------------------------------------------------------------
const at = (id, topo) => topo.cameras.find((c) => c.id === id);

function ahead(lat, lon, bearing, metres) {
  const rad = (bearing * Math.PI) / 180;
  return [lat + (metres * Math.cos(rad)) / 111320, lon + (metres * Math.sin(rad)) / (111320 * Math.cos((lat * Math.PI) / 180))];
}

function drawTopology(topo) {
  for (const c of topo.cameras) {
    if (c.lat == null || c.bearing_deg == null) continue;
    L.polyline([[c.lat, c.lon], ahead(c.lat, c.lon, c.bearing_deg, 18)], { color: "#9fb3c8", weight: 3, className: "cam-bearing" }).addTo(layer);
  }
  const drawn = new Set();
  for (const lk of topo.links) {
    const a = at(lk.source, topo), b = at(lk.target, topo);
    const key = [lk.source, lk.target].sort().join("|") + lk.origin.startsWith("configured");
    if (!a || !b || a.lat == null || b.lat == null || drawn.has(key)) continue;
    drawn.add(key);
    const learned = lk.origin === "learned";
    L.polyline([[a.lat, a.lon], [b.lat, b.lon]], { color: learned ? "#b48ead" : "#d8dee9", weight: 2, opacity: 0.8, dashArray: learned ? "6 6" : null, className: `topo-link ${learned ? "learned" : "configured"}` })
      .bindTooltip(`${camName(lk.source)} → ${camName(lk.target)} · ${t("topo.walk")} ${Math.round(lk.walk_s)}${t("sec")}${learned ? ` · ${t("topo.learned")} (${lk.pairs})` : ""}`, { sticky: true })
      .addTo(layer);
  }
}

function drawFollows() {
  const bounds = [];
  for (const f of state.follows?.values() || []) {
    const pts = f.steps.filter((s) => s.kind !== "not_seen" && s.lat != null).map((s) => ({ ...s, p: [s.lat, s.lon] }));
    if (!pts.length) continue;
    L.polyline(pts.map((s) => s.p), { color: "#ffb000", weight: 5, className: `follow-path follow-${f.id}` }).addTo(layer);
    pts.forEach((s, i) => {
      L.circleMarker(s.p, { radius: 9, color: "#000", weight: 1, fillColor: "#ffb000", fillOpacity: 1, className: "follow-step" })
        .bindTooltip(`${i + 1} · ${fmtTime(s.seen_at).split(" ").pop()}`, { permanent: true, direction: "top", className: "follow-label" })
        .addTo(layer);
      bounds.push(s.p);
    });
    if (f.state === "searching") {
      const from = pts[pts.length - 1].p;
      for (const n of f.next) {
        const cam = state.cameras.find((c) => c.id === n.target);
        if (!cam || cam.location?.lat == null || n.target === f.camera_id || f.not_seen.includes(n.target)) continue;
        L.polyline([from, [cam.location.lat, cam.location.lon]], { color: "#ffb000", weight: 3, dashArray: "2 8", className: "follow-next" }).addTo(layer);
        bounds.push([cam.location.lat, cam.location.lon]);
      }
    }
  }
  return bounds;
}

// -- the admin's topology editor ------------------------------------------------------------------
let topoConfig = null;

function fillTopoForm(topo) {
  if ($("#topo-card").hidden || !topo) return;
  const sel = $("#topo-camera");
  const keep = sel.value;
  sel.replaceChildren(...topo.cameras.map((c) => h("option", { value: c.id }, `${c.id} · ${c.name}`)));
  if (keep) sel.value = keep;
  $("#topo-links").replaceChildren(...topo.links.map((lk) => h("tr", {},
    h("td", {}, camName(lk.source)), h("td", {}, camName(lk.target)), h("td", {}, `${Math.round(lk.walk_s)}${t("sec")}`),
    h("td", {}, lk.exit ? t(`side.${lk.exit}`) : "—"), h("td", {}, t(`topo.origin_${lk.origin.replace(/[^a-z]/g, "_")}`) + (lk.pairs ? ` (${lk.pairs})` : "")))));
  loadTopoCamera();
}

async function loadTopoCamera() {
  const id = $("#topo-camera").value;
  if (!id) return;
  const cam = await api(`/api/cameras/${encodeURIComponent(id)}`);
  topoConfig = cam.config;
  const f = $("#topo-form"), loc = topoConfig.location || {};
  f.lat.value = loc.lat ?? "";
  f.lon.value = loc.lon ?? "";
  f.bearing.value = loc.bearing_deg ?? "";
  f.neighbours.value = (topoConfig.neighbours || []).map((n) => [n.camera, n.walk_s, n.exit].filter((v) => v != null).join(":")).join(", ");
}

function neighboursOf(text) {
  return text.split(",").map((s) => s.trim()).filter(Boolean).map((s) => {
    const [camera, walk, exit] = s.split(":").map((v) => v.trim());
    const n = { camera, walk_s: Number(walk) };
    if (exit) n.exit = exit;
    return n;
  });
}

// search what was tracked on the cameras in the part of the map on screen
$("#map-search").addEventListener("click", () => {
  if (!map || mode === "plan") return;
  const b = map.getBounds();
  state.searchArea = [b.getSouth(), b.getWest(), b.getNorth(), b.getEast()].map((v) => Number(v.toFixed(6)));
  location.hash = "#search";
});

$("#topo-camera").addEventListener("change", loadTopoCamera);
$("#topo-form").addEventListener("submit", async (ev) => {
  ev.preventDefault();
  if (!topoConfig) return;
  const f = new FormData(ev.target);
  const num = (v) => (v === "" || v == null ? null : Number(v));
  const config = { ...topoConfig, location: { ...(topoConfig.location || {}), lat: num(f.get("lat")), lon: num(f.get("lon")), bearing_deg: num(f.get("bearing")) }, neighbours: neighboursOf(f.get("neighbours")) };
  $("#topo-error").textContent = "";
  try {
    await api(`/api/cameras/${encodeURIComponent(topoConfig.id)}`, { method: "PUT", body: config });
    banner(t("topo.saved"), null, "info");
    renderMap();
  } catch (e) { $("#topo-error").textContent = e.message; }
});
export function mapClicked(latlng) {
  if (!$("#topo-click").checked) return;
  const f = $("#topo-form");
  f.lat.value = latlng.lat.toFixed(6);
  f.lon.value = latlng.lng.toFixed(6);
}
