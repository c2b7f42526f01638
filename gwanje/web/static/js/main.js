// Gwanje operator console: sign-in, the pages and the live event stream put together. Each page
// is its own module (pages/); what they share is beside this file. Loaded as an ES module, no
// build step.
import { api } from "./api.js";
import { banner } from "./banner.js";
import { openEvent, renderDetail } from "./detail.js";
import { $ } from "./dom.js";
import { camName, typeName } from "./format.js";
import { applyTexts, switchLanguage, t } from "./i18n.js";
import { loadAudit } from "./pages/audit.js";
import { loadCameras, renderCameras } from "./pages/cameras.js";
import { loadEvents, reloadEventsSoon } from "./pages/events.js";
import { renderMap } from "./pages/map.js";
import { loadStats } from "./pages/stats.js";
import { loadSupervision, loadSupervisionSoon } from "./pages/supervise.js";
import { renderWall, wallPushed } from "./pages/wall.js";
import "./pages/admin.js";
import { loadQueue, renderQueue } from "./queue.js";
import { state } from "./state.js";
import { closeStream, connectStream } from "./stream.js";

// -- pages -----------------------------------------------------------------------------------------
const PAGES = {
  wall: renderWall,
  events: loadEvents,
  cameras: () => loadCameras().then(renderCameras),
  map: renderMap,
  stats: loadStats,
  supervise: loadSupervision,
  audit: loadAudit,
};
const currentPage = () => (location.hash.slice(1) in PAGES ? location.hash.slice(1) : "wall");

function route() {
  const page = currentPage();
  for (const p of Object.keys(PAGES)) $(`#page-${p}`).hidden = p !== page;
  document.querySelectorAll("#nav a").forEach((a) => a.classList.toggle("active", a.getAttribute("href") === `#${page}`));
  PAGES[page]();
}
window.addEventListener("hashchange", route);

// -- sign-in -------------------------------------------------------------------------------------
function showLogin() {
  closeStream();
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
    $("#login-error").textContent = e.status === 429 ? `${t("login.throttled")} (${e.message})` : t("login.failed");
  }
});

$("#logout").addEventListener("click", async () => {
  try { await api("/api/auth/logout", { method: "POST" }); } finally { showLogin(); }
});
document.querySelectorAll(".lang-toggle").forEach((b) => b.addEventListener("click", switchLanguage));
document.addEventListener("languagechange", () => {
  if (!state.user) return;
  renderQueue();
  if (state.current) openEvent(state.current);
  route();
});

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
  connectStream(streamHandlers);
  route();
}

// -- the live stream -------------------------------------------------------------------------------
const streamHandlers = {
  event(ev) {
    ev._received = Date.now();
    state.events.set(ev.id, ev);
    window.gwanjeReceived = window.gwanjeReceived || [];
    window.gwanjeReceived.push({ id: ev.id, camera_id: ev.camera_id, observed_at: ev.observed_at, received_ms: Date.now() });
    renderQueue(ev.id);
    if (currentPage() === "events") reloadEventsSoon(() => currentPage() === "events");
  },
  event_update(ev) {
    state.events.set(ev.id, { ...state.events.get(ev.id), ...ev });
    renderQueue();
    if (state.current === ev.id && ev.sop) renderDetail(ev);
    if (currentPage() === "events") reloadEventsSoon(() => currentPage() === "events");
  },
  escalation(ev) {
    banner(`${t("escalation")}: ${typeName(ev.type)} · ${camName(ev.camera_id)}`, () => openEvent(ev.id));
  },
  camera() { loadCameras(); },
  wall(wall) {
    wallPushed(wall, currentPage() === "wall");
    if (currentPage() === "supervise") loadSupervisionSoon();
  },
  missed() { banner(t("missed")); loadQueue(); },
};

// -- boot ----------------------------------------------------------------------------------------
setInterval(() => {
  if (!state.user) return;
  if (currentPage() === "cameras") loadCameras().then(renderCameras).catch(() => {});
}, 3000);
applyTexts();
api("/api/auth/me").then(start).catch(() => showLogin());
