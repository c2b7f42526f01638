// The event queue beside the wall: open alerts as the server orders them (new first, then by
// severity, then the latest raised), a page at a time; the badge is the server's total. New
// alerts never move what is under the pointer: while the pointer is on the list (or it is
// scrolled) they wait behind a "N new" pill. A click on an item opens it (detail.js).
import { api } from "./api.js";
import { $, h } from "./dom.js";
import { camName, fmtTime, typeName } from "./format.js";
import { t } from "./i18n.js";
import { OPEN, state } from "./state.js";

const PAGE = 50;
const queue = { ids: [], total: 0, pending: new Set(), hover: false };

// the queue's own filter: open or only new, every severity or high and critical only
function filter() {
  const p = new URLSearchParams({ status: $("#queue-status").value });
  for (const sev of $("#queue-severity").value.split(",").filter(Boolean)) p.append("severity", sev);
  return p;
}

function matches(a) {
  const sev = $("#queue-severity").value;
  return ($("#queue-status").value === "open" ? OPEN.has(a.status) : a.status === "new") && (!sev || sev.split(",").includes(a.severity));
}

export async function loadQueue() {
  const r = await api(`/api/alerts?${filter()}&limit=${PAGE}`);
  queue.ids = r.items.map((a) => a.id);
  queue.pending.clear();
  for (const a of r.items) state.alerts.set(a.id, a);
  setTotal(r.total);
  drawQueue();
}

async function loadMore() {
  const r = await api(`/api/alerts?${filter()}&limit=${PAGE}&offset=${queue.ids.length}`);
  for (const a of r.items) {
    state.alerts.set(a.id, a);
    if (!queue.ids.includes(a.id)) queue.ids.push(a.id);
  }
  setTotal(r.total);
  drawQueue();
}

// the badge: the server's count of what the queue shows (counts pushed on the stream are of all
// open alerts: they stand for the badge only while the queue is unfiltered)
export function countsPushed(counts) {
  if ($("#queue-severity").value) return;
  setTotal($("#queue-status").value === "new" ? counts.new : counts.open);
}

export function setTotal(total) {
  queue.total = total;
  const badge = $("#queue-count");
  badge.textContent = total;
  badge.title = `${t("queue.total")}: ${total}`;
}

const calm = () => !queue.hover && $("#queue").scrollTop === 0;

// a new alert from the stream
export function alertOpened(alert) {
  state.alerts.set(alert.id, alert);
  if (!matches(alert)) return;
  setTotal(queue.total + 1);  // until the server's counts follow (within a second)
  if (calm()) { queue.ids.unshift(alert.id); drawQueue(alert.id); } else { queue.pending.add(alert.id); drawPill(); }
}

// an alert changed (a hit joined it, it moved in its lifecycle, it was re-raised)
export function alertChanged(alert) {
  const known = state.alerts.get(alert.id);
  state.alerts.set(alert.id, { ...known, ...alert });
  if (alert.reraised && !queue.ids.includes(alert.id)) return alertOpened(alert);
  if (queue.ids.includes(alert.id)) updateItem(alert.id);
}

export function nextNew(after) {
  return queue.ids.find((id) => id !== after && state.alerts.get(id)?.status === "new");
}

function drawPill() {
  const pill = $("#queue-new");
  pill.hidden = queue.pending.size === 0;
  pill.textContent = t("queue.new", { n: queue.pending.size });
}

function item(a, flash) {
  return h("li", {
    class: `q sev-${a.severity} st-${a.status}${a.id === flash ? " flash" : ""}${a.escalated_at && a.status === "new" ? " escalated" : ""}${OPEN.has(a.status) ? "" : " closed"}`,
    "data-alert": a.id, tabindex: "0",
  },
  h("div", { class: "q-top" }, h("strong", {}, typeName(a.type)),
    a.hit_count > 1 ? h("span", { class: "muted hits" }, t("queue.hits", { n: a.hit_count })) : null,
    h("span", { class: `pill ${a.status}` }, t(`status.${a.status}`))),
  h("div", { class: "q-sub" }, `${camName(a.camera_id)}${a.zone ? " · " + a.zone : ""}`),
  h("div", { class: "q-sub muted" }, `${fmtTime(a.last_hit_at || a.first_at)} · ${t(`sev.${a.severity}`)}`));
}

function updateItem(id) {
  const el = document.querySelector(`#queue li[data-alert="${CSS.escape(id)}"]`);
  const a = state.alerts.get(id);
  if (!el || !a) return;
  if (!matches(a) && calm()) {
    queue.ids = queue.ids.filter((x) => x !== id);
    el.remove();
    if (!queue.ids.length) drawQueue();
    return;
  }
  el.replaceWith(item(a));
}

export function drawQueue(flash) {
  const list = $("#queue");
  const shown = queue.ids.map((id) => state.alerts.get(id)).filter((a) => a && (matches(a) || !calm()));
  if (!shown.length) list.replaceChildren(h("li", { class: "muted" }, t("queue.empty")));
  else list.replaceChildren(...shown.map((a) => item(a, flash)));
  $("#queue-more").hidden = queue.ids.length >= queue.total;
  drawPill();
}

$("#queue").addEventListener("mouseenter", () => { queue.hover = true; });
$("#queue").addEventListener("mouseleave", () => { queue.hover = false; });
$("#queue-new").addEventListener("click", () => {
  // bring the waiting alerts in: reload the first page in the server's order
  loadQueue().then(() => { $("#queue").scrollTop = 0; });
});
$("#queue-more").addEventListener("click", loadMore);
$("#queue-status").addEventListener("change", () => loadQueue());
$("#queue-severity").addEventListener("change", () => loadQueue());
