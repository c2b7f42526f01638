// The event drawer: facts, snapshot, SOP checklist, lifecycle actions and history. Any element
// with data-event in the queue or the events table opens its event when clicked.
import { api } from "./api.js";
import { banner } from "./banner.js";
import { $, h } from "./dom.js";
import { camName, fmtTime, typeName } from "./format.js";
import { t } from "./i18n.js";
import { renderQueue } from "./queue.js";
import { OPEN, state } from "./state.js";

export async function openEvent(id) {
  state.current = id;
  try { renderDetail(await api(`/api/events/${encodeURIComponent(id)}`)); } catch (e) { banner(e.message); }
}

export function renderDetail(ev) {
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

for (const list of ["#queue", "#events-body"]) {
  $(list).addEventListener("click", (e) => {
    const item = e.target.closest("[data-event]");
    if (item) openEvent(item.dataset.event);
  });
}
