// The video wall: automatic (triage puts the cameras that need eyes on it, each tile saying why)
// or manual (the operator picks a camera per tile; kept in this browser).
import { api } from "../api.js";
import { banner } from "../banner.js";
import { $, h } from "../dom.js";
import { act, openAlert } from "../detail.js";
import { reasonText } from "../format.js";
import { t } from "../i18n.js";
import { isPicking, overlayTile, pollOverlays, togglePick } from "../follow.js";
import { keepLive, liveImage, liveUrl } from "../live.js";
import { state } from "../state.js";

export const wallMode = () => localStorage.getItem("gwanje.wallMode") || (state.user.role === "admin" ? "manual" : "auto");
$("#wall-mode").addEventListener("change", (e) => { localStorage.setItem("gwanje.wallMode", e.target.value); renderWall(); });

export function renderWall() {
  $("#wall-mode").value = wallMode();
  $("#wall-size-label").hidden = $("#wall-hint").hidden = wallMode() === "auto";
  if (wallMode() === "auto") {
    if (state.autoWall) drawAutoWall(state.autoWall);
    api("/api/walls/me").then((w) => { state.autoWall = w; drawAutoWall(w); }).catch(() => {});
    return;
  }
  renderManualWall();
}

// an alert on the wall changed (acknowledged here or elsewhere): redraw its tile's buttons, at
// most twice a second
let redraw = null;
export function alertsChanged() {
  if (redraw || wallMode() !== "auto" || !state.autoWall) return;
  redraw = setTimeout(() => { redraw = null; if (!$("#page-wall").hidden) drawAutoWall(state.autoWall); }, 500);
}

// a wall pushed over the stream: draw it if it is this operator's and on screen
export function wallPushed(wall, onScreen) {
  if (wall.operator !== state.user.username) return;
  state.autoWall = wall;
  if (onScreen && wallMode() === "auto") drawAutoWall(wall);
}

function drawAutoWall(wall) {
  const n = Math.ceil(Math.sqrt(wall.size || wall.tiles.length || 1));
  const grid = $("#wall");
  grid.style.gridTemplateColumns = `repeat(${n}, 1fr)`;
  const keep = new Set();
  const tiles = wall.tiles.map((tile, i) => {
    if (!tile) return h("div", { class: "tile auto", "data-slot": i }, h("div", { class: "tile-head" }, h("span", { class: "muted" }, "—")), h("div", { class: "idle" }, t("wall.idle")));
    keep.add(tile.camera_id);
    const alert = tile.reason && tile.reason.alert_id ? state.alerts.get(tile.reason.alert_id) : null;
    const acts = h("span", { class: "acts" },
      alert && alert.status === "new" ? h("button", { type: "button", "data-tile-act": "ack", onclick: () => act("acknowledge", alert.id).then(() => drawAutoWall(state.autoWall)) }, t("tile.ack")) : null,
      h("button", { type: "button", class: `secondary${isPicking(tile.camera_id) ? " active" : ""}`, "data-tile-act": "pick", title: t("tile.pick_hint"), onclick: (e) => { e.target.classList.toggle("active", togglePick(tile.camera_id)); } }, t("tile.pick")),
      h("button", { type: "button", class: "secondary", "data-tile-act": "pin", onclick: () => tileAction("pin", tile.camera_id, !tile.pinned) }, t(tile.pinned ? "tile.unpin" : "tile.pin")),
      h("button", { type: "button", class: "secondary", "data-tile-act": "dismiss", onclick: () => tileAction("dismiss", tile.camera_id) }, t("tile.dismiss")));
    const why = h("span", { class: `why${tile.follow ? " follow" : ""}`, "data-since": tile.reason ? tile.reason.since : "" },
      tile.follow ? t(`tile.${tile.follow}`) : reasonText(tile.reason));
    why._reason = tile.reason;
    const head = h("div", { class: "tile-head" },
      h("span", { class: "cam" }, `${tile.camera_id} · ${tile.name}${tile.pinned ? " 📌" : ""}`), acts, why);
    const img = liveImage(tile.camera_id, tile.name);
    img.onclick = () => { if (tile.reason && tile.reason.alert_id) openAlert(tile.reason.alert_id); };
    const cls = `tile auto${tile.escalated ? " escalated" : ""}${tile.follow ? " followed" : ""}`;
    return h("div", { class: cls, "data-camera": tile.camera_id, "data-slot": i }, head, overlayTile(tile.camera_id, img));
  });
  grid.replaceChildren(...tiles);
  keepLive(keep);
  pollOverlays();
}

setInterval(() => {  // reason ages tick without redrawing the wall
  document.querySelectorAll("#wall .why:not(.follow)").forEach((el) => { if (el._reason) el.textContent = reasonText(el._reason); });
}, 1000);

async function tileAction(kind, camera_id, pinned) {
  try {
    const body = kind === "pin" ? { camera_id, pinned } : { camera_id };
    state.autoWall = await api(`/api/walls/me/${kind}`, { method: "POST", body });
    drawAutoWall(state.autoWall);
  } catch (e) { banner(e.message); }
}

// -- a reported incident (a phone call, 112/119): the cameras around the place come up -----------
function openIncident() {
  const select = $("#incident-camera");
  select.replaceChildren(...state.cameras.filter((c) => c.location && c.location.lat != null)
    .map((c) => h("option", { value: c.id }, `${c.id} · ${c.name}`)));
  $("#incident-error").textContent = "";
  $("#incident-dialog").hidden = false;
}
$("#incident-open").addEventListener("click", openIncident);
$("#incident-cancel").addEventListener("click", () => { $("#incident-dialog").hidden = true; });
$("#incident-form").addEventListener("submit", async (ev) => {
  ev.preventDefault();
  const f = new FormData(ev.target);
  const cam = state.cameras.find((c) => c.id === f.get("camera"));
  try {
    await api("/api/incidents", { method: "POST", body: { lat: cam.location.lat, lon: cam.location.lon, radius_m: Number(f.get("radius_m")), note: f.get("note") } });
    ev.target.reset();
    $("#incident-dialog").hidden = true;
    banner(t("incident.done"), null, "info");
    renderWall();
  } catch (e) { $("#incident-error").textContent = e.message; }
});

// -- the manual wall -----------------------------------------------------------------------------
function wallLayout() {
  return JSON.parse(localStorage.getItem("gwanje.wall") || "null") || { size: 2, tiles: [] };
}

function saveWall(layout) { localStorage.setItem("gwanje.wall", JSON.stringify(layout)); }

function renderManualWall() {
  const layout = wallLayout();
  if (!layout.tiles.length) layout.tiles = state.cameras.slice(0, layout.size * layout.size).map((c) => c.id);
  $("#wall-size").value = layout.size;
  const wall = $("#wall");
  wall.style.gridTemplateColumns = `repeat(${layout.size}, 1fr)`;
  const tiles = [];
  for (let i = 0; i < layout.size * layout.size; i++) {
    const camId = layout.tiles[i] || "";
    const select = h("select", { "aria-label": `tile ${i + 1}`, onchange: (e) => { layout.tiles[i] = e.target.value; saveWall(layout); renderManualWall(); } },
      h("option", { value: "" }, t("wall.empty")),
      state.cameras.map((c) => h("option", { value: c.id, selected: c.id === camId }, `${c.id} · ${c.name}`)));
    const cam = state.cameras.find((c) => c.id === camId);
    const body = cam ? overlayTile(camId, h("img", { src: liveUrl(camId), alt: cam.name, class: "live" })) : h("div", { class: "blank" });
    const status = cam ? h("span", { class: `status ${cam.health.status}` }, t(`status.${cam.health.status}`)) : null;
    const pick = cam ? h("button", { type: "button", class: `secondary${isPicking(camId) ? " active" : ""}`, "data-tile-act": "pick", title: t("tile.pick_hint"), onclick: (e) => { e.target.classList.toggle("active", togglePick(camId)); } }, t("tile.pick")) : null;
    tiles.push(h("div", { class: "tile", "data-camera": camId }, h("div", { class: "tile-head" }, select, pick, status), body));
  }
  wall.replaceChildren(...tiles);
  pollOverlays();
  saveWall(layout);
}

$("#wall-size").addEventListener("change", (e) => {
  const layout = wallLayout();
  layout.size = Number(e.target.value);
  saveWall(layout);
  renderManualWall();
});
