// Gwanje operator console: sign-in, the pages each role may use, and the live event stream put
// together. Each page is its own module (pages/); what they share is beside this file. Loaded as
// an ES module, no build step.
import { api } from "./api.js";
import { banner } from "./banner.js";
import { act, closeDetail, openAlert, renderDetail } from "./detail.js";
import { $ } from "./dom.js";
import { startDuty, stopDuty } from "./duty.js";
import { followPushed, loadFollows } from "./follow.js";
import { camName, roleName, typeName } from "./format.js";
import { applyTexts, switchLanguage, t } from "./i18n.js";
import { loadUsers } from "./pages/admin.js";
import { loadAudit } from "./pages/audit.js";
import { loadCameras, renderCameras } from "./pages/cameras.js";
import { loadDispatched } from "./pages/dispatched.js";
import { loadEvents, reloadEventsSoon } from "./pages/events.js";
import { loadEvidence, stopEvidence } from "./pages/evidence.js";
import { renderMap } from "./pages/map.js";
import { loadNodes } from "./pages/nodes.js";
import { loadPlayback, stopPlayback } from "./pages/playback.js";
import { loadSearch } from "./pages/search.js";
import { loadStats } from "./pages/stats.js";
import { loadSupervision, loadSupervisionSoon } from "./pages/supervise.js";
import { alertsChanged, renderWall, wallPushed } from "./pages/wall.js";
import { alertChanged, alertOpened, countsPushed, loadQueue, nextNew } from "./queue.js";
import { STAFF, state } from "./state.js";
import { closeStream, connectStream } from "./stream.js";

// -- pages, and who may use them ---------------------------------------------------------------------
const PAGES = {
  wall: renderWall,
  events: loadEvents,
  dispatched: loadDispatched,
  cameras: () => loadCameras().then(renderCameras),
  map: renderMap,
  playback: () => { const r = state.replay; state.replay = null; return loadPlayback(r); },
  search: loadSearch,
  evidence: loadEvidence,
  stats: loadStats,
  supervise: loadSupervision,
  audit: loadAudit,
  admin: loadUsers,
  nodes: loadNodes,
};
const allowed = (page) => {
  const link = document.querySelector(`#nav a[href="#${page}"]`);
  return link && !link.hidden;
};
const home = () => (state.user.role === "agency" ? "dispatched" : "wall");
const currentPage = () => {
  const page = location.hash.slice(1);
  return page in PAGES && allowed(page) ? page : home();
};

function route() {
  if (!state.user) return;
  const page = currentPage();
  if (page !== "playback" && !$("#page-playback").hidden) stopPlayback();
  if (page !== "evidence") stopEvidence();
  for (const p of Object.keys(PAGES)) $(`#page-${p}`).hidden = p !== page;
  document.querySelectorAll("#nav a").forEach((a) => a.classList.toggle("active", a.getAttribute("href") === `#${page}`));
  Promise.resolve(PAGES[page]()).catch((e) => { if (e.message !== "401") banner(e.message); });
}
window.addEventListener("hashchange", route);

// -- sign-in -------------------------------------------------------------------------------------
function showLogin() {
  closeStream();
  stopPlayback();
  stopDuty();
  state.user = null;
  closeDetail();
  $("#app").hidden = true;
  $("#login").hidden = false;
}
document.addEventListener("gwanje:signed-out", showLogin);

$("#login-form").addEventListener("submit", async (ev) => {
  ev.preventDefault();
  const form = new FormData(ev.target);
  $("#login-error").textContent = "";
  try {
    const r = await api("/api/auth/login", { method: "POST", body: { username: form.get("username"), password: form.get("password") } });
    ev.target.reset();
    start(r);
  } catch (e) {
    const wait = /(\d+) s\b/.exec(e.message || "");  // the server's "try again in N s"
    $("#login-error").textContent = e.status === 429 ? `${t("login.throttled")}${wait ? ` (${t("login.wait").replace("{s}", wait[1])})` : ""}` : t("login.failed");
  }
});

$("#logout").addEventListener("click", async () => {
  try { await api("/api/auth/logout", { method: "POST" }); } finally { showLogin(); }
});
document.querySelectorAll(".lang-toggle").forEach((b) => b.addEventListener("click", switchLanguage));
document.addEventListener("languagechange", () => {
  if (!state.user) return;
  showWho();
  if (STAFF.has(state.user.role)) loadQueue();
  if (state.current) openAlert(state.current);
  route();
});

function showWho() {
  const u = state.user;
  $("#who").textContent = `${u.display_name} (${roleName(u.role)}${u.agency ? " · " + t(`agency.${u.agency}`) : ""})`;
}

async function start(me) {
  state.user = me.user;
  state.csrf = me.csrf;
  state.timezone = me.timezone;
  $("#login").hidden = true;
  $("#app").hidden = false;
  showWho();
  document.querySelectorAll("[data-roles]").forEach((el) => { el.hidden = !el.dataset.roles.split(" ").includes(me.user.role); });
  $("#d-actions").hidden = me.user.role === "agency";
  $("#banner").hidden = true;
  const staff = STAFF.has(me.user.role);
  await Promise.all([staff ? loadCameras() : Promise.resolve(), staff ? loadQueue() : Promise.resolve()]);
  connectStream(streamHandlers);
  if (staff) loadFollows().catch(() => {});
  if (!allowed(location.hash.slice(1))) history.replaceState(null, "", `#${home()}`);
  route();
  startDuty().catch(() => {});
}

// -- the live stream -------------------------------------------------------------------------------
function seen(a) {  // for the latency benchmark and the browser tests: when each alert or hit arrived
  window.gwanjeReceived = window.gwanjeReceived || [];
  if (a.observed_at) window.gwanjeReceived.push({ id: a.id, camera_id: a.camera_id, observed_at: a.observed_at, received_ms: Date.now() });
}

const streamHandlers = {
  alert(a) {
    seen(a);
    if (state.user.role === "agency") { if (currentPage() === "dispatched") loadDispatched(); return; }
    alertOpened(a);
    if (currentPage() === "events") reloadEventsSoon(() => currentPage() === "events");
  },
  alert_update(a) {
    seen(a);
    if (state.user.role === "agency") { if (currentPage() === "dispatched") loadDispatched(); return; }
    alertChanged(a);
    alertsChanged();
    if (state.current === a.id && a.sop) renderDetail(a);
    if (currentPage() === "events") reloadEventsSoon(() => currentPage() === "events");
  },
  escalation(a) {
    banner(`${t("escalation")}: ${typeName(a.type)} · ${camName(a.camera_id)}`, () => openAlert(a.id));
  },
  counts(c) { countsPushed(c); },
  camera() { if (STAFF.has(state.user.role)) loadCameras(); },
  wall(wall) {
    wallPushed(wall, currentPage() === "wall");
    if (currentPage() === "supervise") loadSupervisionSoon();
  },
  missed() { banner(t("missed"), null, "info"); if (STAFF.has(state.user.role)) { loadQueue(); loadFollows().catch(() => {}); } },
  follow(view) {
    followPushed(view);
    if (currentPage() === "map" && state.mapFollow === view.id) renderMap();
  },
};

// -- keys: N the next new alert, A acknowledge the one in the drawer, Esc close ------------------------
document.addEventListener("keydown", (e) => {
  if (!state.user || state.user.role === "agency" || e.ctrlKey || e.metaKey || e.altKey) return;
  if (["INPUT", "TEXTAREA", "SELECT"].includes(document.activeElement?.tagName)) return;
  const key = e.key.toLowerCase();
  if (key === "n") { const id = nextNew(state.current); if (id) openAlert(id); }
  else if (key === "a" && state.current && state.alerts.get(state.current)?.status === "new") act("acknowledge");
  else if (e.key === "Escape") { closeDetail(); $("#viewer").hidden = true; $("#v-img").src = ""; }
});

// -- boot ----------------------------------------------------------------------------------------
setInterval(() => {
  if (!state.user) return;
  if (currentPage() === "cameras") loadCameras().then(renderCameras).catch(() => {});
}, 3000);
applyTexts();
api("/api/auth/me").then(start).catch(() => showLogin());
