// The alert drawer: facts, best or latest picture, SOP checklist in the console's language,
// lifecycle actions, shelving the rule, the hits it groups and its history. Any element with
// data-alert in the queue, the events table or the agency's list opens its alert when clicked.
import { api } from "./api.js";
import { banner } from "./banner.js";
import { $, h } from "./dom.js";
import { camName, fmtTime, typeName } from "./format.js";
import { LANG, t } from "./i18n.js";
import { viewLive } from "./live.js";
import { startFollow } from "./follow.js";
import { alertChanged } from "./queue.js";
import { OPEN, state } from "./state.js";

let snapWhich = "best";

export async function openAlert(id) {
  state.current = id;
  snapWhich = "best";
  try { renderDetail(await api(`/api/alerts/${encodeURIComponent(id)}`)); } catch (e) { banner(e.message); }
}

export function closeDetail() {
  $("#drawer").hidden = true;
  state.current = null;
}

function showSnapshot(a) {
  const img = $("#d-snapshot");
  img.hidden = !a.has_snapshot;
  if (a.has_snapshot) img.src = `/api/alerts/${encodeURIComponent(a.id)}/snapshot?which=${snapWhich}`;
  document.querySelectorAll("[data-snap]").forEach((b) => {
    b.hidden = !a.has_snapshot;
    b.classList.toggle("active", b.dataset.snap === snapWhich);
  });
}

export function renderDetail(a) {
  $("#drawer").hidden = false;
  $("#d-title").textContent = `${typeName(a.type)} · ${camName(a.camera_id)}`;
  showSnapshot(a);
  const facts = [
    [t("col.status"), t(`status.${a.status}`)], [t("col.severity"), t(`sev.${a.severity}`)],
    [t("col.zone"), a.zone || "—"], [t("detail.started"), fmtTime(a.first_at)],
    [t("detail.last"), fmtTime(a.last_hit_at)],
    [t("detail.ended"), a.ended_at ? fmtTime(a.ended_at) : t("detail.ongoing")],
    [t("col.hits"), String(a.hit_count)], [t("detail.confidence"), a.confidence.toFixed(2)],
  ];
  if (a.raise_count) facts.push([t("detail.reraised"), String(a.raise_count)]);
  if (a.dispatched_to) facts.push([t("detail.dispatched"), `${t(`agency.${a.dispatched_to}`)} ${a.dispatch_note || ""}`]);
  if (a.escalated_at) facts.push([t("detail.escalated"), fmtTime(a.escalated_at)]);
  $("#d-facts").replaceChildren(...facts.flatMap(([k, v]) => [h("dt", {}, k), h("dd", {}, v)]));
  const readOnly = state.user.role === "agency" || !OPEN.has(a.status);
  $("#d-sop").replaceChildren(...(a.sop || []).map((s) => h("li", {},
    h("label", {}, h("input", { type: "checkbox", checked: !!s.done_at, disabled: readOnly, "data-step": s.position,
      onchange: (e) => tick(a.id, s.position, e.target.checked) }), ` ${LANG === "en" && s.text_en ? s.text_en : s.text}`,
    s.done_by ? h("span", { class: "muted" }, ` — ${s.done_by} ${fmtTime(s.done_at)}`) : null))));
  const can = {
    acknowledge: a.status === "new", dispatch: a.status === "acknowledged",
    resolve: ["acknowledged", "dispatched"].includes(a.status), false_alarm: OPEN.has(a.status),
  };
  document.querySelectorAll("#d-actions [data-act]").forEach((b) => { b.disabled = !can[b.dataset.act]; });
  $("#d-shelve").hidden = state.user.role === "agency";
  $("#d-follow").hidden = state.user.role === "agency" || !(a.track_ids || []).length;
  $("#d-shelve-form").hidden = true;
  $("#d-error").textContent = "";
  $("#d-hit-count").textContent = `(${a.hit_count})`;
  $("#d-hits").replaceChildren(...(a.hits || []).map((x) => h("li", {},
    `${fmtTime(x.started_at)}${x.ended_at ? " – " + fmtTime(x.ended_at).split(" ").pop() : ""} · ${t(`sev.${x.severity}`)} · ${x.confidence.toFixed(2)}`,
    x.has_snapshot ? h("button", { type: "button", class: "link", onclick: () => { $("#d-snapshot").src = `/api/events/${encodeURIComponent(x.id)}/snapshot`; } }, "📷") : null)));
  $("#d-history").replaceChildren(...(a.actions || []).map((x) => h("li", {},
    `${fmtTime(x.at)} · ${x.username === "system" ? t("detail.system") : x.username}: ${t(`status.${x.from_status}`)} → ${t(`status.${x.to_status}`)}${x.note ? " (" + x.note + ")" : ""}`)));
  alertChanged(a);
}

async function tick(id, position, done) {
  try { renderDetail(await api(`/api/alerts/${encodeURIComponent(id)}/sop/${position}`, { method: "POST", body: { done } })); }
  catch (e) { $("#d-error").textContent = e.message; }
}

export async function act(action, id = state.current) {
  const body = { note: $("#d-note").value || null };
  if (action === "dispatch") body.agency = $("#d-agency").value;
  try {
    const a = await api(`/api/alerts/${encodeURIComponent(id)}/${action}`, { method: "POST", body });
    if (id === state.current) { renderDetail(a); $("#d-note").value = ""; } else alertChanged(a);
  } catch (e) { if (id === state.current) $("#d-error").textContent = e.message; else banner(e.message); }
}

document.querySelectorAll("#d-actions [data-act]").forEach((b) => b.addEventListener("click", () => act(b.dataset.act)));
$("#d-close").addEventListener("click", closeDetail);
document.querySelectorAll("[data-snap]").forEach((b) => b.addEventListener("click", () => {
  snapWhich = b.dataset.snap;
  const a = state.alerts.get(state.current);
  if (a) showSnapshot(a);
}));
$("#d-live").addEventListener("click", () => {
  const a = state.alerts.get(state.current);
  if (a) viewLive(state.cameras.find((c) => c.id === a.camera_id) || { id: a.camera_id, name: camName(a.camera_id) });
});
$("#d-replay").addEventListener("click", () => {
  const a = state.alerts.get(state.current);
  if (!a) return;
  state.replay = { camera: a.camera_id, at: a.first_at, purpose: `${t("pb.purpose_alert")}: ${typeName(a.type)} (${a.id})` };
  closeDetail();
  if (location.hash === "#playback") window.dispatchEvent(new HashChangeEvent("hashchange"));
  else location.hash = "#playback";
});
$("#d-follow").addEventListener("click", async () => {
  const a = state.alerts.get(state.current);
  if (a && (await startFollow({ alert_id: a.id }))) closeDetail();
});
$("#d-shelve").addEventListener("click", () => { $("#d-shelve-form").hidden = !$("#d-shelve-form").hidden; });
$("#d-shelve-form").addEventListener("submit", async (ev) => {
  ev.preventDefault();
  const a = state.alerts.get(state.current);
  const f = new FormData(ev.target);
  try {
    await api("/api/shelves", { method: "POST", body: { camera_id: a.camera_id, type: a.type, zone: a.zone, hours: Number(f.get("hours")), reason: f.get("reason") } });
    ev.target.reset();
    ev.target.hidden = true;
    banner(t("shelf.done"), null, "info");
  } catch (e) { $("#d-error").textContent = e.message; }
});

for (const list of ["#queue", "#events-body", "#dispatched-body"]) {
  $(list).addEventListener("click", (e) => {
    const el = e.target.closest("[data-alert]");
    if (el) openAlert(el.dataset.alert);
  });
}
