// Recorded video (녹화 영상): a timeline per camera (recorded spans, gaps, events coloured by kind),
// click to play from any point, up to four cameras side by side in sync, speeds ×1-×8, a frame
// step, the previous/next event; supervisors put a legal hold (보존 조치) on what is shown. Every
// timeline and clip asked for is audited by the server, with the purpose typed here.
import { api } from "../api.js";
import { banner } from "../banner.js";
import { $, h, svgEl } from "../dom.js";
import { camName, clockOf, fmtTime, isoToLocalInput, localInputToIso, typeName } from "../format.js";
import { t } from "../i18n.js";
import { state } from "../state.js";

const WINDOWS = { "10m": 600, "1h": 3600, "6h": 21600, "24h": 86400 };
const CLIP_S = 600;  // a click plays this long from the clicked point (the server makes one MP4)
const MAX_CAMERAS = 4;
const view = { cameras: [], from: null, span: 3600, timelines: {}, players: [], playing: null };

const secs = (iso) => new Date(iso).getTime() / 1000;
const purpose = () => $("#pb-purpose").value.trim();

function cameraPicker() {
  const box = $("#pb-cameras");
  if (box.childElementCount === state.cameras.length) return;
  box.replaceChildren(...state.cameras.map((c) => h("label", { class: "chip" },
    h("input", { type: "checkbox", value: c.id, checked: view.cameras.includes(c.id), onchange: pickCameras }), c.name || c.id)));
}

function pickCameras() {
  const chosen = [...document.querySelectorAll("#pb-cameras input:checked")].map((i) => i.value);
  if (chosen.length > MAX_CAMERAS) {
    banner(t("pb.max_cameras"), null, "info");
    document.querySelectorAll("#pb-cameras input").forEach((i) => { i.checked = view.cameras.includes(i.value); });
    return;
  }
  view.cameras = chosen;
  loadTimelines();
}

export async function loadPlayback(request) {
  cameraPicker();
  if (request) {  // from an event or a search result: its camera, 10 s before it
    if (request.purpose) $("#pb-purpose").value = request.purpose;
    view.cameras = [request.camera];
    document.querySelectorAll("#pb-cameras input").forEach((i) => { i.checked = i.value === request.camera; });
    view.span = WINDOWS["10m"];
    $("#pb-window").value = "10m";
    view.from = secs(request.at) - 120;
    $("#pb-from").value = isoToLocalInput(new Date(view.from * 1000));
    await loadTimelines();
    return play(secs(request.at) - 10);
  }
  if (!view.from) {
    view.from = Date.now() / 1000 - view.span;
    $("#pb-from").value = isoToLocalInput(new Date(view.from * 1000));
  }
  if (!view.cameras.length && state.cameras.length) {
    view.cameras = [state.cameras[0].id];
    cameraPicker();
    document.querySelectorAll("#pb-cameras input").forEach((i) => { i.checked = view.cameras.includes(i.value); });
  }
  await Promise.all([loadTimelines(), loadHolds()]);
}

async function loadTimelines() {
  const start = new Date(view.from * 1000).toISOString(), end = new Date((view.from + view.span) * 1000).toISOString();
  const q = `start=${encodeURIComponent(start)}&end=${encodeURIComponent(end)}`;
  const got = await Promise.all(view.cameras.map((id) => api(`/api/recordings/${encodeURIComponent(id)}/timeline?${q}`)
    .catch((e) => ({ camera_id: id, error: e.message, recorded: [], gaps: [], missing: [], events: [] }))));
  view.timelines = Object.fromEntries(got.map((tl) => [tl.camera_id, tl]));
  drawTimelines();
}

function drawTimelines() {
  const W = 1000, rowH = 34;
  const x = (s) => ((s - view.from) / view.span) * W;
  const rows = view.cameras.map((id, i) => {
    const tl = view.timelines[id] || { recorded: [], gaps: [], missing: [], events: [] };
    const y = i * rowH + 16;
    const g = svgEl("g", { "data-camera": id });
    g.append(svgEl("text", { x: 4, y: y - 3, class: "pb-label" }, `${camName(id)}${tl.transcode ? " · " + t("pb.transcoded") : ""}${tl.error ? " · " + tl.error : ""}`));
    g.append(svgEl("rect", { x: 0, y, width: W, height: 12, class: "pb-none" }));
    for (const s of tl.recorded) g.append(svgEl("rect", { x: x(secs(s.start)), y, width: Math.max(1, x(secs(s.end)) - x(secs(s.start))), height: 12, class: "pb-rec" }));
    for (const s of tl.gaps) {
      const r = svgEl("rect", { x: x(secs(s.start)), y, width: Math.max(1, x(secs(s.end)) - x(secs(s.start))), height: 12, class: "pb-gap" });
      r.append(svgEl("title", {}, `${t("pb.gap")}: ${s.reason}`));
      g.append(r);
    }
    for (const s of tl.missing) g.append(svgEl("rect", { x: x(secs(s.start)), y, width: Math.max(1, x(secs(s.end)) - x(secs(s.start))), height: 12, class: "pb-missing" }));
    for (const e of tl.events) {
      const m = svgEl("rect", { x: x(secs(e.start)) - 1, y: y - 4, width: 3, height: 20, class: `pb-ev ev-${e.type}` });
      m.append(svgEl("title", {}, `${typeName(e.type)} ${fmtTime(e.start)}${e.zone ? " · " + e.zone : ""}`));
      g.append(m);
    }
    return g;
  });
  const axis = svgEl("g", {});
  for (let k = 0; k <= 6; k++) {
    const s = view.from + (view.span * k) / 6;
    axis.append(svgEl("text", { x: Math.min(W - 40, Math.max(0, x(s) - 20)), y: view.cameras.length * rowH + 14, class: "pb-tick" }, clockOf(new Date(s * 1000))));
  }
  const cursor = svgEl("line", { id: "pb-cursor", x1: -5, x2: -5, y1: 0, y2: view.cameras.length * rowH + 2, class: "pb-cursor" });
  const svg = svgEl("svg", { viewBox: `0 0 ${W} ${view.cameras.length * rowH + 18}`, class: "pb-timeline", role: "img" });
  svg.append(...rows, axis, cursor);
  svg.addEventListener("click", (ev) => {
    const box = svg.getBoundingClientRect();
    play(view.from + ((ev.clientX - box.left) / box.width) * view.span);
  });
  $("#pb-timeline").replaceChildren(svg);
  $("#pb-empty").hidden = view.cameras.length > 0;
}

async function play(at) {
  if (!purpose()) {  // playing recorded video is a viewing of personal data: the server records why
    banner(t("pb.purpose_needed"), null, "info");
    $("#pb-purpose").focus();
    return;
  }
  const start = new Date(at * 1000).toISOString(), end = new Date((at + CLIP_S) * 1000).toISOString();
  const q = `start=${encodeURIComponent(start)}&end=${encodeURIComponent(end)}&purpose=${encodeURIComponent(purpose())}`;
  const clips = await Promise.all(view.cameras.map((id) => api(`/api/recordings/${encodeURIComponent(id)}/clip?${q}`)
    .then((c) => ({ id, ...c })).catch((e) => ({ id, error: e.message }))));
  view.playing = at;
  for (const old of view.players) { old.video.removeAttribute("src"); old.video.load(); }  // stop their downloads
  view.players = clips.map((c) => {
    const video = h("video", { muted: true, playsinline: true, preload: "auto", "data-camera": c.id });
    const tile = h("figure", { class: "pb-tile" }, video,
      h("figcaption", {}, camName(c.id), c.transcoded ? ` · ${t("pb.transcoded")}` : "", c.error ? ` · ${c.error}` : ""));
    if (!c.error) {
      video.src = c.url;
      video.addEventListener("loadedmetadata", () => { video.currentTime = c.offset_s; video.playbackRate = Number($("#pb-speed").value); video.play().catch(() => {}); }, { once: true });
    }
    return { ...c, video, tile, startS: c.start ? secs(c.start) : null };
  });
  $("#pb-players").replaceChildren(...view.players.map((p) => p.tile));
  $("#pb-players").dataset.count = String(view.players.length);
}

// the first playing camera leads; the others follow it on the wall clock (drift over 0.3 s is fixed)
function tick() {
  const lead = view.players.find((p) => !p.error && p.startS !== null);
  if (!lead) return;
  const wall = lead.startS + lead.video.currentTime;
  $("#pb-clock").textContent = `${fmtTime(new Date(wall * 1000).toISOString())}`;
  const cursor = $("#pb-cursor");
  if (cursor) { const x = ((wall - view.from) / view.span) * 1000; cursor.setAttribute("x1", x); cursor.setAttribute("x2", x); }
  for (const p of view.players) {
    if (p === lead || p.error || p.startS === null || p.video.readyState < 1) continue;
    const want = wall - p.startS;
    if (Math.abs(p.video.currentTime - want) > 0.3 && want >= 0) p.video.currentTime = want;
    if (lead.video.paused !== p.video.paused) lead.video.paused ? p.video.pause() : p.video.play().catch(() => {});
  }
}
setInterval(() => { if (!$("#page-playback").hidden) tick(); }, 250);

function allVideos(fn) { for (const p of view.players) if (!p.error) fn(p.video); }

function jumpEvent(dir) {
  const now = view.players.find((p) => p.startS !== null);
  const at = now ? now.startS + now.video.currentTime : view.from;
  const times = view.cameras.flatMap((id) => (view.timelines[id]?.events || []).map((e) => secs(e.start))).sort((a, b) => a - b);
  const next = dir > 0 ? times.find((s) => s > at + 11) : [...times].reverse().find((s) => s < at - 1);
  if (next === undefined) { banner(t(dir > 0 ? "pb.no_next" : "pb.no_prev"), null, "info"); return; }
  play(next - 10);
}

// -- legal holds (supervisors) -------------------------------------------------------------------
async function loadHolds() {
  const st = await api("/api/recordings/storage").catch(() => null);
  $("#pb-storage").textContent = st ? `${t("pb.storage")}: ${(st.bytes / 1e9).toFixed(2)} GB · ${t("pb.free")} ${st.free_percent}%${st.warning ? " · ⚠ " + t("pb.paused") : ""}` : "";
  if (!["supervisor", "admin"].includes(state.user.role)) return;
  const rows = await api("/api/holds");
  $("#holds-body").replaceChildren(...rows.map((r) => h("tr", {},
    h("td", {}, r.case_number), h("td", {}, r.camera_ids.map(camName).join(", ")),
    h("td", {}, `${fmtTime(r.start)} – ${fmtTime(r.end)}`), h("td", {}, r.reason), h("td", {}, r.created_by),
    h("td", {}, r.active ? h("button", { type: "button", class: "link", onclick: () => release(r.id) }, t("pb.release")) : `${t("pb.released")} (${r.released_by})`))));
}

async function release(id) {
  const reason = prompt(t("pb.release_reason"));
  if (!reason) return;
  try { await api(`/api/holds/${id}/release`, { method: "POST", body: { reason } }); } catch (e) { banner(e.message); }
  loadHolds();
}

$("#hold-form").addEventListener("submit", async (ev) => {
  ev.preventDefault();
  const f = new FormData(ev.target);
  $("#hold-error").textContent = "";
  try {
    await api("/api/holds", { method: "POST", body: {
      camera_ids: view.cameras, case_number: f.get("case_number"), reason: f.get("reason"),
      start: new Date(view.from * 1000).toISOString(), end: new Date((view.from + view.span) * 1000).toISOString() } });
    ev.target.reset();
    loadHolds();
  } catch (e) { $("#hold-error").textContent = e.message; }
});

// -- controls ------------------------------------------------------------------------------------
$("#pb-window").addEventListener("change", (e) => { view.span = WINDOWS[e.target.value]; loadTimelines(); });
$("#pb-from").addEventListener("change", (e) => { const iso = localInputToIso(e.target.value); if (iso) { view.from = secs(iso); loadTimelines(); } });
$("#pb-earlier").addEventListener("click", () => { view.from -= view.span / 2; $("#pb-from").value = isoToLocalInput(new Date(view.from * 1000)); loadTimelines(); });
$("#pb-later").addEventListener("click", () => { view.from += view.span / 2; $("#pb-from").value = isoToLocalInput(new Date(view.from * 1000)); loadTimelines(); });
$("#pb-now").addEventListener("click", () => { view.from = Date.now() / 1000 - view.span; $("#pb-from").value = isoToLocalInput(new Date(view.from * 1000)); loadTimelines(); });
$("#pb-speed").addEventListener("change", (e) => allVideos((v) => { v.playbackRate = Number(e.target.value); }));
$("#pb-pause").addEventListener("click", () => allVideos((v) => (v.paused ? v.play().catch(() => {}) : v.pause())));
$("#pb-step").addEventListener("click", () => allVideos((v) => { v.pause(); v.currentTime += 0.1; }));
$("#pb-back").addEventListener("click", () => allVideos((v) => { v.pause(); v.currentTime = Math.max(0, v.currentTime - 0.1); }));
$("#pb-prev").addEventListener("click", () => jumpEvent(-1));
$("#pb-next").addEventListener("click", () => jumpEvent(1));

// leaving the page: the players stop and stop downloading
export function stopPlayback() {
  for (const p of view.players) { p.video.pause(); p.video.removeAttribute("src"); p.video.load(); }
  view.players = [];
  $("#pb-players").replaceChildren();
}
