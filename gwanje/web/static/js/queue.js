// The event queue beside the wall: the open events, new first, then by severity, then the latest.
import { api } from "./api.js";
import { $, h } from "./dom.js";
import { camName, fmtTime, typeName } from "./format.js";
import { t } from "./i18n.js";
import { OPEN, state } from "./state.js";

const SEV_RANK = { critical: 0, high: 1, medium: 2, low: 3, info: 4 };

export async function loadQueue() {
  const rows = await api("/api/events?status=open&limit=200");
  state.events = new Map(rows.map((e) => [e.id, e]));
  renderQueue();
}

// many events a second: draw the queue at most four times a second
let queueTimer = null, queueFlash = null;
export function renderQueue(flash) {
  if (flash) queueFlash = flash;
  if (queueTimer) return;
  queueTimer = setTimeout(() => { queueTimer = null; drawQueue(queueFlash); queueFlash = null; }, 250);
}

function drawQueue(flash) {
  const open = [...state.events.values()].filter((e) => OPEN.has(e.status));
  open.sort((a, b) => (b.status === "new") - (a.status === "new")
    || SEV_RANK[a.severity] - SEV_RANK[b.severity] || b.started_at.localeCompare(a.started_at));
  $("#queue-count").textContent = open.length;
  const list = $("#queue");
  if (!open.length) { list.replaceChildren(h("li", { class: "muted" }, t("queue.empty"))); return; }
  // a click on an item opens it: detail.js listens on the list (data-event)
  list.replaceChildren(...open.slice(0, 100).map((e) => h("li", {
    class: `q sev-${e.severity} st-${e.status}${e.id === flash ? " flash" : ""}${e.escalated_at ? " escalated" : ""}`,
    "data-event": e.id,
  },
  h("div", { class: "q-top" }, h("strong", {}, typeName(e.type)), h("span", { class: `pill ${e.status}` }, t(`status.${e.status}`))),
  h("div", { class: "q-sub" }, `${camName(e.camera_id)}${e.zone ? " · " + e.zone : ""}`),
  h("div", { class: "q-sub muted" }, `${fmtTime(e.started_at)} · ${t(`sev.${e.severity}`)}`))));
}
