// Follow mode (인물 추적): an operator picks a person on a live tile (or from an alert or a search
// result) and keeps them in view from camera to camera. The panel beside the wall shows each
// follow: where the person was seen (steps with pictures), and while the person is out of view the
// candidates on the next cameras, best first, to confirm (이 사람 맞음) or rule out a camera (안 보임).
// Boxes are drawn over the live tiles: every person while picking, the followed person, and the
// candidates (numbered as in the panel). Nothing moves on without the operator's click.
import { api } from "./api.js";
import { banner } from "./banner.js";
import { $, h } from "./dom.js";
import { camName, fmtTime } from "./format.js";
import { t } from "./i18n.js";
import { state } from "./state.js";

state.follows = new Map();  // my follows (id → view), as the server last told
const picking = new Set();  // cameras whose tile shows every person to click
const overlays = new Map();  // camera id → the layer over its live picture
const POLL_MS = 700;

export const colourWord = (c) => (c ? t(`colour.${c}`) : "—");

// -- starting -----------------------------------------------------------------------------------
export async function startFollow(from) {
  const purpose = prompt(t("follow.purpose_ask"), t("follow.purpose_default"));
  if (!purpose || !purpose.trim()) return null;
  try {
    const view = await api("/api/follow", { method: "POST", body: { ...from, purpose: purpose.trim() } });
    picking.clear();
    followPushed(view);
    if (location.hash !== "#wall") location.hash = "#wall";
    return view;
  } catch (e) { banner(`${t("follow.start_failed")}: ${e.message}`); return null; }
}

export function togglePick(cameraId) {
  if (picking.has(cameraId)) picking.delete(cameraId); else picking.add(cameraId);
  pollOverlays();
  return picking.has(cameraId);
}
export const isPicking = (cameraId) => picking.has(cameraId);

// -- what the server says -------------------------------------------------------------------------
export async function loadFollows() {
  if (!state.user || !["operator", "supervisor", "admin"].includes(state.user.role)) return;
  const list = await api("/api/follow");
  const views = await Promise.all(list.map((f) => api(`/api/follow/${encodeURIComponent(f.id)}`).catch(() => null)));
  state.follows = new Map(views.filter(Boolean).map((v) => [v.id, v]));
  renderFollows();
}

export function followPushed(view) {
  if (!state.user || view.operator !== state.user.username) return;
  if (view.state === "ended") state.follows.delete(view.id); else state.follows.set(view.id, view);
  renderFollows();
  pollOverlays();
}

async function act(id, path, body = {}) {
  try { followPushed(await api(`/api/follow/${encodeURIComponent(id)}/${path}`, { method: "POST", body })); }
  catch (e) { banner(e.message); }
}

// -- the panel ------------------------------------------------------------------------------------
function stateText(f) {
  if (f.state === "watching") return `${t("follow.watching")} · ${camName(f.camera_id)}`;
  const side = f.exit_edge ? ` (${t(`side.${f.exit_edge}`)})` : "";
  return `${t("follow.searching")} · ${camName(f.camera_id)}${side} ${fmtTime(f.last_seen_at)}`;
}

function stepItem(f, s) {
  const what = s.kind === "not_seen" ? t("follow.not_seen_step") : s.kind === "start" ? t("follow.start_step") : t("follow.confirmed_step");
  return h("li", { class: `step ${s.kind}`, "data-step": s.seq },
    s.crop ? h("img", { src: s.crop, alt: "", loading: "lazy" }) : h("span", { class: "nopic" }, "·"),
    h("span", {}, `${s.seq + 1}. ${camName(s.camera_id)} · ${fmtTime(s.seen_at)}`, h("br"), h("span", { class: "muted" }, `${what} · ${s.by}`)));
}

function candidateCard(f, c, i, best) {
  // how the look compares among the candidates (the model's probability is calibrated on other
  // cameras than the site's: its order holds better than its value)
  const lookRank = 1 + f.candidates.filter((o) => o.appearance > c.appearance).length;
  const fill = h("span", {});
  fill.style.width = `${Math.round((c.score / best) * 100)}%`;  // (a style property: the CSP refuses style attributes)
  const bar = h("span", { class: "score" }, fill);
  const delay = Math.round((new Date(c.track_started_at) - new Date(f.last_seen_at)) / 1000);
  return h("li", { class: "cand", "data-record": c.record_id, "data-camera": c.camera_id },
    h("span", { class: "rank" }, String(i + 1)),
    c.crop ? h("img", { src: c.crop, alt: "" }) : h("span", { class: "nopic" }, "?"),
    h("span", { class: "cand-text" },
      h("strong", {}, camName(c.camera_id)), ` · ${delay}${t("sec")} ${t("follow.after")}`, h("br"),
      `${t("search.upper")} ${colourWord(c.upper)} · ${t("search.lower")} ${colourWord(c.lower)}`, h("br"),
      bar, h("span", { class: "muted" }, ` ${t("follow.look")} ${t("follow.rank", { n: lookRank })} · ${t("follow.time")} ${Math.round(c.timing * 100)}%`),
      c.ended ? h("span", { class: "muted" }, ` · ${t("follow.left_again")}`) : null),
    h("button", { type: "button", "data-confirm": c.record_id, onclick: () => act(f.id, "confirm", { record_id: c.record_id }) }, t("follow.confirm")));
}

function followCard(f) {
  const head = h("div", { class: "follow-head" },
    h("strong", {}, `${t("follow.title")} · ${f.purpose}`), h("span", { class: `fstate ${f.state}` }, stateText(f)));
  const tools = h("div", { class: "follow-tools" },
    h("button", { type: "button", class: "secondary", onclick: () => { state.mapFollow = f.id; location.hash = "#map"; } }, t("follow.on_map")),
    ["supervisor", "admin"].includes(state.user.role) && !f.live_link_id
      ? h("button", { type: "button", class: "secondary", "data-share": f.id, onclick: () => share(f) }, t("follow.share")) : null,
    f.live_link_id ? h("span", { class: "muted" }, t("follow.shared")) : null,
    h("button", { type: "button", class: "secondary", "data-end": f.id, onclick: () => { if (confirm(t("follow.end_confirm"))) act(f.id, "end", { note: "" }); } }, t("follow.end")));
  const steps = h("ol", { class: "steps" }, ...f.steps.map((s) => stepItem(f, s)));
  const parts = [head, steps];
  if (f.state === "searching") {
    const next = f.next.filter((n) => n.target !== f.camera_id && !f.not_seen.includes(n.target));
    parts.push(h("div", { class: "next" }, h("span", { class: "muted" }, `${t("follow.next")}: `),
      ...next.map((n) => h("span", { class: "chip" }, `${camName(n.target)} ~${Math.round(n.walk_s)}${t("sec")}`,
        h("button", { type: "button", class: "link", "data-not-seen": n.target, onclick: () => act(f.id, "not-seen", { camera_id: n.target }) }, t("follow.not_seen"))))));
    parts.push(f.candidates.length
      ? h("ol", { class: "cands" }, ...f.candidates.map((c, i) => candidateCard(f, c, i, Math.max(1e-9, f.candidates[0].score))))
      : h("p", { class: "muted" }, t("follow.waiting")));
  }
  parts.push(tools);
  return h("div", { class: "follow-card", "data-follow": f.id, "data-state": f.state }, ...parts);
}

export function renderFollows() {
  const panel = $("#follow-panel");
  if (!panel) return;
  const list = [...state.follows.values()];
  panel.hidden = !list.length;
  panel.replaceChildren(...list.map(followCard));
}

async function share(f) {
  const username = prompt(t("follow.share_ask"), "police");
  if (username === null) return;
  try {
    const body = username.trim() ? { agency: "police", username: username.trim() } : { agency: "police", by_code: true };
    const link = await api(`/api/follow/${encodeURIComponent(f.id)}/share`, { method: "POST", body });
    banner(`${t("follow.shared")}: ${link.url}${link.code ? ` · ${t("ls.code_is")} ${link.code}` : ""}`, null, "info");
  } catch (e) { banner(e.message); }
}

// -- boxes over the live tiles --------------------------------------------------------------------
// a tile's live picture is wrapped with a layer laid exactly over the drawn part of the image;
// boxes are placed in it by percentages of the picture
export function overlayTile(cameraId, img) {
  const layer = h("div", { class: "track-overlay", "data-camera": cameraId });
  layer._img = img;
  overlays.set(cameraId, layer);
  const wrap = h("div", { class: "live-wrap" }, img, layer);
  const fit = () => place(layer, img);
  img.addEventListener("load", fit);
  new ResizeObserver(fit).observe(img);
  requestAnimationFrame(fit);
  return wrap;
}

function place(layer, img) {
  const W = img.clientWidth, H = img.clientHeight, w = img.naturalWidth || 4, hh = img.naturalHeight || 3;
  const s = Math.min(W / w, H / hh);
  Object.assign(layer.style, { left: `${(W - w * s) / 2}px`, top: `${(H - hh * s) / 2}px`, width: `${w * s}px`, height: `${hh * s}px` });
}

function wanted() {
  // camera → what to draw: {pick: true} | {follow: track id} | {cands: Map(track id → rank)}
  const out = new Map();
  for (const cam of picking) out.set(cam, { pick: true });
  for (const f of state.follows.values()) {
    if (f.state === "watching") out.set(f.camera_id, { ...(out.get(f.camera_id) || {}), follow: f.track_id, chain: f.id });
    else f.candidates.forEach((c, i) => {
      if (c.ended) return;
      const o = out.get(c.camera_id) || {};
      o.cands = o.cands || new Map();
      o.cands.set(c.track_id, { rank: i + 1, record: c.record_id, chain: f.id });
      out.set(c.camera_id, o);
    });
  }
  return out;
}

let polling = null;
export function pollOverlays() {
  if (polling) return;
  polling = setTimeout(async () => {
    polling = null;
    const need = wanted();
    for (const [cam, layer] of overlays) if (!need.has(cam) || !layer.isConnected) layer.replaceChildren();
    const shown = [...need.keys()].filter((cam) => overlays.get(cam)?.isConnected);
    await Promise.all(shown.map(async (cam) => {
      const layer = overlays.get(cam);
      try {
        const tracks = (await api(`/api/cameras/${encodeURIComponent(cam)}/tracks`)).tracks;
        place(layer, layer._img);  // the picture may have come (or changed size) since
        draw(layer, cam, need.get(cam), tracks);
      }
      catch { /* the camera went: the next round tries again */ }
    }));
    if (need.size) pollOverlays();
  }, POLL_MS);
}

function draw(layer, cam, what, tracks) {
  const boxes = [];
  for (const tr of tracks) {
    if (tr.class !== "person") continue;
    const [x1, y1, x2, y2] = tr.box;
    let cls = null, label = null, onclick = null;
    if (what.follow === tr.id) { cls = "followed"; label = t("follow.tag"); }
    else if (what.cands?.has(tr.id)) {
      const c = what.cands.get(tr.id);
      cls = "candidate"; label = String(c.rank);
      onclick = () => document.querySelector(`.cand[data-record="${CSS.escape(c.record)}"]`)?.scrollIntoView({ block: "nearest" });
    } else if (what.pick) {
      cls = "pickable"; label = `#${tr.id}`;
      onclick = () => startFollow({ camera_id: cam, track_id: tr.id });
    }
    if (!cls) continue;
    const pct = (v) => `${(v * 100).toFixed(2)}%`;
    const box = h("div", { class: `tbox ${cls}`, "data-track": tr.id, title: label }, h("span", {}, label));
    Object.assign(box.style, { left: pct(x1), top: pct(y1), width: pct(x2 - x1), height: pct(y2 - y1) });
    if (onclick) box.addEventListener("click", (e) => { e.stopPropagation(); onclick(); });
    boxes.push(box);
  }
  layer.replaceChildren(...boxes);
}
