// Gwanje operator console: login, video wall, live event queue (SSE), event detail with SOP and
// actions, cameras with health, site map, statistics, audit. Plain DOM; data is never put into
// innerHTML.
"use strict";
const $ = (sel) => document.querySelector(sel);
const state = { user: null, csrf: null, cameras: [], events: new Map(), current: null, stream: null };

function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (k === "class") el.className = v;
    else if (k.startsWith("on")) el.addEventListener(k.slice(2), v);
    else if (v !== null && v !== undefined && v !== false) el.setAttribute(k, v === true ? "" : v);
  }
  for (const c of children.flat()) if (c !== null && c !== undefined) el.append(c instanceof Node ? c : String(c));
  return el;
}

async function api(path, options = {}) {
  const opts = { credentials: "same-origin", headers: {}, ...options };
  if (opts.body !== undefined && typeof opts.body !== "string") {
    opts.body = JSON.stringify(opts.body);
    opts.headers["Content-Type"] = "application/json";
  }
  if (opts.method && opts.method !== "GET") opts.headers["X-CSRF-Token"] = state.csrf || "";
  const res = await fetch(path, opts);
  if (res.status === 401 && path !== "/api/auth/login") { showLogin(); throw new Error("401"); }
  const data = res.headers.get("content-type")?.includes("json") ? await res.json() : null;
  if (!res.ok) {
    const detail = data && data.detail;
    const err = new Error(typeof detail === "string" ? detail : JSON.stringify(detail || res.status));
    err.status = res.status;
    throw err;
  }
  return data;
}

// times are shown in the center's time zone (Asia/Seoul by default), whatever the browser's
const fmtTime = (iso) => (iso ? new Date(iso).toLocaleString(LANG === "ko" ? "ko-KR" : "en-GB",
  { hour12: false, timeZone: state.timezone || undefined }) : "");
const typeName = (ty) => t(`type.${ty}`);
const camName = (id) => state.cameras.find((c) => c.id === id)?.name || id;

// -- login -------------------------------------------------------------------------------------
function showLogin() {
  if (state.stream) { state.stream.close(); state.stream = null; }
  $("#app").hidden = true;
  $("#login").hidden = false;
}

$("#login-form").addEventListener("submit", async (ev) => {
  ev.preventDefault();
  const form = new FormData(ev.target);
  $("#login-error").textContent = "";
  try {
    const r = await api("/api/auth/login", { method: "POST", body: { username: form.get("username"), password: form.get("password") } });
    ev.target.reset();
    start(r);
  } catch (e) {
    $("#login-error").textContent = e.status === 429 ? `${t("login.throttled")} (${e.message})` : t("login.failed");
  }
});

$("#logout").addEventListener("click", async () => {
  try { await api("/api/auth/logout", { method: "POST" }); } finally { showLogin(); }
});
document.querySelectorAll(".lang-toggle").forEach((b) => b.addEventListener("click", switchLanguage));
document.addEventListener("languagechange", () => { if (state.user) { renderAll(); route(); } });

async function start(me) {
  state.user = me.user;
  state.csrf = me.csrf;
  state.timezone = me.timezone;
  $("#login").hidden = true;
  $("#app").hidden = false;
  $("#who").textContent = `${me.user.display_name} (${me.user.role}${me.user.agency ? " · " + me.user.agency : ""})`;
  document.querySelectorAll("[data-roles]").forEach((el) => { el.hidden = !el.dataset.roles.split(" ").includes(me.user.role); });
  $("#d-actions").hidden = me.user.role === "agency";
  await Promise.all([loadCameras(), loadQueue()]);
  connectStream();
  route();
}

// -- live stream (SSE) ---------------------------------------------------------------------------
function connectStream() {
  if (state.stream) state.stream.close();
  const es = new EventSource("/api/stream");
  state.stream = es;
  es.addEventListener("hello", () => setConn(true));
  es.onerror = () => setConn(false);
  es.addEventListener("event", (m) => {
    const ev = JSON.parse(m.data);
    ev._received = Date.now();
    state.events.set(ev.id, ev);
    window.gwanjeReceived = window.gwanjeReceived || [];
    window.gwanjeReceived.push({ id: ev.id, camera_id: ev.camera_id, observed_at: ev.observed_at, received_ms: Date.now() });
    renderQueue(ev.id);
    if (currentPage() === "events") reloadEventsSoon();
  });
  es.addEventListener("event_update", (m) => {
    const ev = JSON.parse(m.data);
    state.events.set(ev.id, { ...state.events.get(ev.id), ...ev });
    renderQueue();
    if (state.current === ev.id && ev.sop) renderDetail(ev);
    if (currentPage() === "events") reloadEventsSoon();
  });
  es.addEventListener("escalation", (m) => {
    const ev = JSON.parse(m.data);
    banner(`${t("escalation")}: ${typeName(ev.type)} · ${camName(ev.camera_id)}`, () => openEvent(ev.id));
  });
  es.addEventListener("camera", () => loadCameras());
  es.addEventListener("wall", (m) => {
    const wall = JSON.parse(m.data);
    if (wall.operator === state.user.username) { state.autoWall = wall; if (currentPage() === "wall" && wallMode() === "auto") drawAutoWall(wall); }
    if (currentPage() === "supervise") loadSupervisionSoon();
  });
  es.addEventListener("missed", () => { banner(t("missed")); loadQueue(); });
}

function setConn(ok) {
  const dot = $("#conn");
  dot.className = `dot ${ok ? "ok" : "bad"}`;
  dot.title = t(ok ? "conn.live" : "conn.lost");
}

function banner(text, onclick) {
  const b = $("#banner");
  b.replaceChildren(h("span", {}, text), h("button", { type: "button", class: "link", onclick: () => { b.hidden = true; } }, "✕"));
  b.onclick = (e) => { if (onclick && e.target.tagName !== "BUTTON") onclick(); };
  b.hidden = false;
}

// -- routing -----------------------------------------------------------------------------------
const PAGES = ["wall", "events", "cameras", "map", "stats", "supervise", "audit"];
const currentPage = () => (PAGES.includes(location.hash.slice(1)) ? location.hash.slice(1) : "wall");
window.addEventListener("hashchange", route);

function route() {
  const page = currentPage();
  PAGES.forEach((p) => { $(`#page-${p}`).hidden = p !== page; });
  document.querySelectorAll("#nav a").forEach((a) => a.classList.toggle("active", a.getAttribute("href") === `#${page}`));
  if (page === "wall") renderWall();
  if (page === "events") loadEvents();
  if (page === "cameras") loadCameras().then(renderCameras);
  if (page === "map") renderMap();
  if (page === "stats") loadStats();
  if (page === "audit") loadAudit();
  if (page === "supervise") loadSupervision();
}

function renderAll() {
  renderQueue();
  if (state.current) openEvent(state.current);
}

// -- video wall --------------------------------------------------------------------------------
function wallLayout() {
  return JSON.parse(localStorage.getItem("gwanje.wall") || "null") || { size: 2, tiles: [] };
}

const wallMode = () => localStorage.getItem("gwanje.wallMode") || (state.user.role === "admin" ? "manual" : "auto");
$("#wall-mode").addEventListener("change", (e) => { localStorage.setItem("gwanje.wallMode", e.target.value); renderWall(); });

function renderWall() {
  $("#wall-mode").value = wallMode();
  $("#wall-size-label").hidden = $("#wall-hint").hidden = wallMode() === "auto";
  if (wallMode() === "auto") {
    if (state.autoWall) drawAutoWall(state.autoWall);
    api("/api/walls/me").then((w) => { state.autoWall = w; drawAutoWall(w); }).catch(() => {});
    return;
  }
  renderManualWall();
}

// the automatic wall: triage decides the cameras; each tile says why it is there
const liveImages = new Map();
function liveImage(camId, name) {
  let img = liveImages.get(camId);
  if (!img) {
    img = h("img", { src: `/api/cameras/${encodeURIComponent(camId)}/live.mjpg`, alt: name, class: "live" });
    liveImages.set(camId, img);
  }
  return img;
}

function reasonText(r, now = Date.now() / 1000) {
  if (!r) return "";
  const age = Math.max(0, Math.round(now - r.since));
  if (r.kind === "incident") return `${t("reason.incident")}${r.detail ? " · " + r.detail : ""}`;
  if (r.kind === "offline") return `${t("reason.offline")} ${age}${t("sec")}`;
  const what = `${typeName(r.type)}${r.detail ? " " + r.detail : ""}`;
  return `${what} ${age}${t("sec")}${r.zone ? " · " + r.zone : ""}`;
}

function drawAutoWall(wall) {
  const n = Math.ceil(Math.sqrt(wall.size || wall.tiles.length || 1));
  const grid = $("#wall");
  grid.style.gridTemplateColumns = `repeat(${n}, 1fr)`;
  const keep = new Set();
  const tiles = wall.tiles.map((tile, i) => {
    if (!tile) return h("div", { class: "tile auto", "data-slot": i }, h("div", { class: "tile-head" }, h("span", { class: "muted" }, "—")), h("div", { class: "idle" }, t("wall.idle")));
    keep.add(tile.camera_id);
    const ev = tile.reason && tile.reason.event_id ? state.events.get(tile.reason.event_id) : null;
    const acts = h("span", { class: "acts" },
      ev && ev.status === "new" ? h("button", { type: "button", "data-tile-act": "ack", onclick: () => ackFromTile(ev.id) }, t("tile.ack")) : null,
      h("button", { type: "button", class: "secondary", "data-tile-act": "pin", onclick: () => tileAction("pin", tile.camera_id, !tile.pinned) }, t(tile.pinned ? "tile.unpin" : "tile.pin")),
      h("button", { type: "button", class: "secondary", "data-tile-act": "dismiss", onclick: () => tileAction("dismiss", tile.camera_id) }, t("tile.dismiss")));
    const why = h("span", { class: "why", "data-since": tile.reason ? tile.reason.since : "" }, reasonText(tile.reason));
    why._reason = tile.reason;
    const head = h("div", { class: "tile-head" },
      h("span", { class: "cam" }, `${tile.camera_id} · ${tile.name}${tile.pinned ? " 📌" : ""}`), acts, why);
    const body = liveImage(tile.camera_id, tile.name);
    body.onclick = () => { if (tile.reason && tile.reason.event_id) openEvent(tile.reason.event_id); };
    return h("div", { class: `tile auto${tile.escalated ? " escalated" : ""}`, "data-camera": tile.camera_id, "data-slot": i }, head, body);
  });
  grid.replaceChildren(...tiles);
  for (const cam of [...liveImages.keys()]) if (!keep.has(cam)) { liveImages.get(cam).src = ""; liveImages.delete(cam); }
}

setInterval(() => {  // reason ages tick without redrawing the wall
  document.querySelectorAll("#wall .why").forEach((el) => { if (el._reason) el.textContent = reasonText(el._reason); });
}, 1000);

async function tileAction(kind, camera_id, pinned) {
  try {
    const body = kind === "pin" ? { camera_id, pinned } : { camera_id };
    state.autoWall = await api(`/api/walls/me/${kind}`, { method: "POST", body });
    drawAutoWall(state.autoWall);
  } catch (e) { banner(e.message); }
}

async function ackFromTile(id) {
  try { await api(`/api/events/${encodeURIComponent(id)}/acknowledge`, { method: "POST", body: {} }); } catch (e) { banner(e.message); }
}

// -- supervision: every operator's wall and load ------------------------------------------------
let supTimer = null;
function loadSupervisionSoon() {
  if (supTimer) return;
  supTimer = setTimeout(() => { supTimer = null; loadSupervision(); }, 1000);
}

async function loadSupervision() {
  const o = await api("/api/walls");
  $("#sup-summary").textContent = `${t("sup.worth")}: ${o.cameras_worth_showing} · ${t("sup.shown")}: ${o.shown} · ${t("sup.compute")}: ${o.last_ms} ms`;
  $("#sup-walls").replaceChildren(...o.walls.map((w) => h("div", { class: "card", "data-operator": w.operator },
    h("h3", {}, `${w.operator}${w.supervisor ? " (supervisor)" : ""} — ${t("sup.tiles")} ${w.tiles.filter(Boolean).length}/${w.size} · ${t("sup.open")} ${w.open_events}`),
    h("ol", {}, w.tiles.map((tile) => h("li", {}, tile ? `${tile.camera_id} ${tile.name} — ${reasonText(tile.reason)} (${tile.priority})${tile.escalated ? " · " + t("escalated") : ""}` : "—"))))));
}

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
    const body = cam ? h("img", { src: `/api/cameras/${encodeURIComponent(camId)}/live.mjpg`, alt: cam.name, class: "live" }) : h("div", { class: "blank" });
    const status = cam ? h("span", { class: `status ${cam.health.status}` }, t(`status.${cam.health.status}`)) : null;
    tiles.push(h("div", { class: "tile", "data-camera": camId }, h("div", { class: "tile-head" }, select, status), body));
  }
  wall.replaceChildren(...tiles);
  saveWall(layout);
}

function saveWall(layout) { localStorage.setItem("gwanje.wall", JSON.stringify(layout)); }
$("#wall-size").addEventListener("change", (e) => {
  const layout = wallLayout();
  layout.size = Number(e.target.value);
  saveWall(layout);
  renderManualWall();
});

// -- event queue -------------------------------------------------------------------------------
const SEV_RANK = { critical: 0, high: 1, medium: 2, low: 3, info: 4 };
const OPEN = new Set(["new", "acknowledged", "dispatched"]);

async function loadQueue() {
  const rows = await api("/api/events?status=open&limit=200");
  state.events = new Map(rows.map((e) => [e.id, e]));
  renderQueue();
}

// many events a second: draw the queue at most four times a second
let queueTimer = null, queueFlash = null;
function renderQueue(flash) {
  if (flash) queueFlash = flash;
  if (queueTimer) return;
  queueTimer = setTimeout(() => { queueTimer = null; drawQueue(queueFlash); queueFlash = null; }, 250);
}

function drawQueue(flash) {
  const open = [...state.events.values()].filter((e) => OPEN.has(e.status));
  // new first, then by severity, then the latest first
  open.sort((a, b) => (b.status === "new") - (a.status === "new")
    || SEV_RANK[a.severity] - SEV_RANK[b.severity] || b.started_at.localeCompare(a.started_at));
  $("#queue-count").textContent = open.length;
  const list = $("#queue");
  if (!open.length) { list.replaceChildren(h("li", { class: "muted" }, t("queue.empty"))); return; }
  list.replaceChildren(...open.slice(0, 100).map((e) => h("li", {
    class: `q sev-${e.severity} st-${e.status}${e.id === flash ? " flash" : ""}${e.escalated_at ? " escalated" : ""}`,
    "data-event": e.id, onclick: () => openEvent(e.id),
  },
  h("div", { class: "q-top" }, h("strong", {}, typeName(e.type)), h("span", { class: `pill ${e.status}` }, t(`status.${e.status}`))),
  h("div", { class: "q-sub" }, `${camName(e.camera_id)}${e.zone ? " · " + e.zone : ""}`),
  h("div", { class: "q-sub muted" }, `${fmtTime(e.started_at)} · ${t(`sev.${e.severity}`)}`))));
}

// -- events page and detail --------------------------------------------------------------------
// many events a second must not mean many reloads a second: at most one per 2 s
let reloadTimer = null;
function reloadEventsSoon() {
  if (reloadTimer) return;
  reloadTimer = setTimeout(() => { reloadTimer = null; if (currentPage() === "events") loadEvents(); }, 2000);
}

async function loadEvents() {
  const f = $("#events-filter").value;
  const rows = await api(`/api/events?limit=200${f ? "&status=" + f : ""}`);
  $("#events-body").replaceChildren(...rows.map((e) => h("tr", { onclick: () => openEvent(e.id), class: `sev-${e.severity}`, "data-event": e.id },
    h("td", {}, fmtTime(e.started_at)), h("td", {}, camName(e.camera_id)), h("td", {}, typeName(e.type)),
    h("td", {}, t(`sev.${e.severity}`)), h("td", {}, e.zone || ""), h("td", {}, h("span", { class: `pill ${e.status}` }, t(`status.${e.status}`))),
    h("td", {}, e.sop_total ? `${e.sop_done}/${e.sop_total}` : ""))));
}
$("#events-filter").addEventListener("change", loadEvents);

async function openEvent(id) {
  state.current = id;
  try { renderDetail(await api(`/api/events/${encodeURIComponent(id)}`)); } catch (e) { banner(e.message); }
}

function renderDetail(ev) {
  $("#drawer").hidden = false;
  $("#d-title").textContent = `${typeName(ev.type)} · ${camName(ev.camera_id)}`;
  const img = $("#d-snapshot");
  img.hidden = !ev.has_snapshot;
  if (ev.has_snapshot) img.src = `/api/events/${encodeURIComponent(ev.id)}/snapshot`;
  const facts = [
    [t("col.status"), t(`status.${ev.status}`)], [t("detail.started"), fmtTime(ev.started_at)],
    [t("col.severity"), t(`sev.${ev.severity}`)], [t("col.zone"), ev.zone || "—"],
    [t("detail.confidence"), ev.confidence.toFixed(2)],
  ];
  if (ev.dispatched_to) facts.push([t("detail.dispatched"), `${t(`agency.${ev.dispatched_to}`)} ${ev.dispatch_note || ""}`]);
  if (ev.escalated_at) facts.push([t("detail.escalated"), fmtTime(ev.escalated_at)]);
  $("#d-facts").replaceChildren(...facts.flatMap(([k, v]) => [h("dt", {}, k), h("dd", {}, v)]));
  const readOnly = state.user.role === "agency" || !OPEN.has(ev.status);
  $("#d-sop").replaceChildren(...ev.sop.map((s) => h("li", {},
    h("label", {}, h("input", { type: "checkbox", checked: !!s.done_at, disabled: readOnly, "data-step": s.position,
      onchange: (e) => tick(ev.id, s.position, e.target.checked) }), ` ${s.text}`,
    s.done_by ? h("span", { class: "muted" }, ` — ${s.done_by} ${fmtTime(s.done_at)}`) : null))));
  const can = {
    acknowledge: ev.status === "new", dispatch: ev.status === "acknowledged",
    resolve: ["acknowledged", "dispatched"].includes(ev.status), false_alarm: OPEN.has(ev.status),
  };
  document.querySelectorAll("#d-actions [data-act]").forEach((b) => { b.disabled = !can[b.dataset.act]; });
  $("#d-error").textContent = "";
  $("#d-history").replaceChildren(...ev.actions.map((a) => h("li", {},
    `${fmtTime(a.at)} · ${a.username}: ${t(`status.${a.from_status}`)} → ${t(`status.${a.to_status}`)}${a.note ? " (" + a.note + ")" : ""}`)));
  state.events.set(ev.id, ev);
  renderQueue();
}

async function tick(id, position, done) {
  try { renderDetail(await api(`/api/events/${encodeURIComponent(id)}/sop/${position}`, { method: "POST", body: { done } })); }
  catch (e) { $("#d-error").textContent = e.message; }
}

document.querySelectorAll("#d-actions [data-act]").forEach((b) => b.addEventListener("click", async () => {
  const act = b.dataset.act;
  const body = { note: $("#d-note").value || null };
  if (act === "dispatch") body.agency = $("#d-agency").value;
  try {
    renderDetail(await api(`/api/events/${encodeURIComponent(state.current)}/${act}`, { method: "POST", body }));
    $("#d-note").value = "";
  } catch (e) { $("#d-error").textContent = e.message; }
}));
$("#d-close").addEventListener("click", () => { $("#drawer").hidden = true; state.current = null; });

// -- cameras -----------------------------------------------------------------------------------
async function loadCameras() {
  state.cameras = await api("/api/cameras");
  return state.cameras;
}

function ago(iso) {
  if (!iso) return t("never");
  return `${Math.max(0, Math.round((Date.now() - new Date(iso)) / 1000))} ${t("ago.s")}`;
}

function renderCameras() {
  const admin = state.user.role === "admin";
  $("#cameras-body").replaceChildren(...state.cameras.map((c) => h("tr", { "data-camera": c.id },
    h("td", {}, c.id), h("td", {}, c.name), h("td", {}, h("span", { class: `status ${c.health.status}` }, t(`status.${c.health.status}`))),
    h("td", {}, c.health.fps ?? ""), h("td", {}, c.health.lag_s ?? ""), h("td", {}, ago(c.health.last_frame_at)),
    h("td", {}, c.health.worker ?? ""), h("td", { class: "error" }, c.health.last_error || ""),
    h("td", {}, h("button", { type: "button", class: "link", onclick: () => viewLive(c) }, t("cameras.view")),
      admin ? h("button", { type: "button", class: "link danger", onclick: () => removeCamera(c.id) }, t("cameras.remove")) : null))));
}

async function removeCamera(id) {
  if (!confirm(`${t("cameras.confirm_remove")} ${id}`)) return;
  await api(`/api/cameras/${encodeURIComponent(id)}`, { method: "DELETE" });
  await loadCameras();
  renderCameras();
}

$("#camera-form").addEventListener("submit", async (ev) => {
  ev.preventDefault();
  const f = new FormData(ev.target);
  $("#camera-error").textContent = "";
  try {
    const extra = f.get("extra").trim() ? JSON.parse(f.get("extra")) : {};
    const id = f.get("id");
    await api(`/api/cameras/${encodeURIComponent(id)}`, { method: "PUT", body: { ...extra, id, name: f.get("name"), url: f.get("url") } });
    ev.target.reset();
    await loadCameras();
    renderCameras();
  } catch (e) { $("#camera-error").textContent = e.message; }
});

function viewLive(cam) {
  $("#v-title").textContent = `${cam.id} · ${cam.name}`;
  $("#v-img").src = `/api/cameras/${encodeURIComponent(cam.id)}/live.mjpg`;
  $("#viewer").hidden = false;
}
$("#v-close").addEventListener("click", () => { $("#viewer").hidden = true; $("#v-img").src = ""; });

// -- map ---------------------------------------------------------------------------------------
async function renderMap() {
  const m = await api("/api/map");
  const openBy = {};
  for (const e of state.events.values()) if (OPEN.has(e.status)) openBy[e.camera_id] = (openBy[e.camera_id] || 0) + 1;
  const box = $("#map");
  const W = 900, H = 560;
  const svg = svgEl("svg", { viewBox: `0 0 ${W} ${H}`, class: "map-svg" });
  let place;
  if (m.plan_image) {
    svg.appendChild(svgEl("image", { href: m.plan_image, x: 0, y: 0, width: W, height: H, preserveAspectRatio: "xMidYMid meet" }));
    const pts = m.cameras.filter((c) => c.location.plan_x != null);
    const mx = Math.max(1, ...pts.map((c) => c.location.plan_x)), my = Math.max(1, ...pts.map((c) => c.location.plan_y));
    const k = Math.min(W / mx, H / my) * 0.95;
    place = (c) => (c.location.plan_x == null ? null : [c.location.plan_x * k, c.location.plan_y * k]);
  } else {
    const pts = m.cameras.filter((c) => c.location.lat != null);
    const lats = pts.map((c) => c.location.lat), lons = pts.map((c) => c.location.lon);
    const [la0, la1, lo0, lo1] = [Math.min(...lats), Math.max(...lats), Math.min(...lons), Math.max(...lons)];
    const kx = Math.cos(((la0 + la1) / 2) * Math.PI / 180);
    const span = Math.max((lo1 - lo0) * kx, la1 - la0, 0.002);
    const s = Math.min(W, H) * 0.8 / span;
    for (let g = 0; g <= 10; g++) {
      svg.appendChild(svgEl("line", { x1: (g * W) / 10, x2: (g * W) / 10, y1: 0, y2: H, class: "gridline" }));
      svg.appendChild(svgEl("line", { y1: (g * H) / 10, y2: (g * H) / 10, x1: 0, x2: W, class: "gridline" }));
    }
    place = (c) => (c.location.lat == null ? null
      : [W / 2 + (c.location.lon - (lo0 + lo1) / 2) * kx * s, H / 2 - (c.location.lat - (la0 + la1) / 2) * s]);
    svg.appendChild(svgEl("text", { x: 8, y: H - 8, class: "axis" }, `${la0.toFixed(4)}–${la1.toFixed(4)} N, ${lo0.toFixed(4)}–${lo1.toFixed(4)} E`));
  }
  for (const c of m.cameras) {
    const p = place(c);
    if (!p) continue;
    const g = svgEl("g", { class: `marker ${c.status}${openBy[c.id] ? " alarm" : ""}`, transform: `translate(${p[0]},${p[1]})`, "data-camera": c.id });
    g.appendChild(svgEl("circle", { r: 11 }));
    if (openBy[c.id]) g.appendChild(svgEl("text", { y: 4, "text-anchor": "middle", class: "count" }, openBy[c.id]));
    g.appendChild(svgEl("text", { x: 15, y: 4, class: "label" }, `${c.id} ${c.name}`));
    g.addEventListener("click", () => viewLive(state.cameras.find((x) => x.id === c.id) || c));
    svg.appendChild(g);
  }
  box.replaceChildren(svg);
}

// -- statistics and audit ----------------------------------------------------------------------
async function loadStats() {
  const s = await api(`/api/stats?days=${$("#stats-days").value}`);
  const legend = stackedColumns($("#chart-days"), s.days, s.by_type_day, typeName);
  $("#legend").replaceChildren(...legend.map((l) => h("span", {}, h("i", { style: `background:${l.colour}` }), l.name)));
  horizontalBars($("#chart-cameras"), Object.entries(s.by_camera).map(([k, v]) => [camName(k), v]));
  const sec = (v) => (v == null ? t("stats.none") : `${v.toFixed(1)} s`);
  $("#response").replaceChildren(h("dl", { class: "facts" },
    h("dt", {}, t("stats.ack_median")), h("dd", {}, sec(s.ack_median_s)),
    h("dt", {}, t("stats.ack_p90")), h("dd", {}, sec(s.ack_p90_s)),
    h("dt", {}, t("stats.close_median")), h("dd", {}, sec(s.close_median_s)),
    ...Object.entries(s.response_by_type).flatMap(([k, v]) => [h("dt", {}, typeName(k)), h("dd", {}, sec(v))])));
}
$("#stats-days").addEventListener("change", loadStats);

async function loadAudit() {
  const rows = await api("/api/audit?limit=300");
  $("#audit-body").replaceChildren(...rows.map((r) => h("tr", {},
    h("td", {}, fmtTime(r.at)), h("td", {}, r.username), h("td", {}, r.action), h("td", {}, r.target || ""), h("td", {}, r.ip || ""))));
}

// -- boot --------------------------------------------------------------------------------------
setInterval(() => {
  if (!state.user) return;
  if (currentPage() === "cameras") loadCameras().then(renderCameras).catch(() => {});
}, 3000);
applyTexts();
api("/api/auth/me").then(start).catch(() => showLogin());
