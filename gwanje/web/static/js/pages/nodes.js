// The analysis nodes (admin, cluster.transport: nats; docs/cluster.md): each node holding a lease,
// how fresh the lease is, what it runs and how loaded it is; an admin drains a node (its cameras
// move, then it idles) or pins a camera to a node, each with a reason (audited).
import { api } from "../api.js";
import { banner } from "../banner.js";
import { $, h } from "../dom.js";
import { camName } from "../format.js";
import { t } from "../i18n.js";

let timer = null;
let last = null;

export async function loadNodes() {
  if (!timer) timer = setInterval(() => { if ($("#page-nodes").hidden) { clearInterval(timer); timer = null; } else refresh(); }, 2000);
  await refresh();
}

async function refresh() {
  const c = await api("/api/cluster/nodes");
  last = c;
  const local = c.transport !== "nats";
  $("#nodes-local").hidden = !local;
  $("#nodes-cluster").hidden = local;
  if (local) return;
  const a = c.assigner || { placement: {}, unplaced: [], drained: [], pinned: {} };
  $("#nodes-summary").textContent = [
    a.leader ? t("nodes.leader") : t("nodes.standby"),
    `${t("nodes.count")} ${c.nodes.length}`,
    `${t("nodes.placed")} ${Object.keys(a.placement).length}`,
    a.unplaced.length ? `${t("nodes.unplaced")} ${a.unplaced.length} (${a.unplaced.map(camName).join(", ")})` : null,
  ].filter(Boolean).join(" · ");
  $("#nodes-unplaced").hidden = a.unplaced.length === 0;
  $("#nodes-body").replaceChildren(...(c.nodes.length ? c.nodes.map((n) => nodeRow(n, a)) :
    [h("tr", {}, h("td", { colspan: 8, class: "muted" }, t("nodes.none")))]));
  const names = c.nodes.map((n) => n.name);
  const cams = Object.keys({ ...a.placement, ...a.pinned, ...Object.fromEntries(a.unplaced.map((u) => [u, null])) }).sort();
  $("#nodes-cams").replaceChildren(...cams.map((id) => h("tr", { "data-camera": id },
    h("td", {}, `${camName(id)} (${id})`), h("td", {}, a.placement[id] || t("nodes.nowhere")),
    h("td", {}, pinSelect(id, a.pinned[id] || "", names)))));
}

function nodeRow(n, a) {
  const drained = a.drained.includes(n.name);
  const pct = n.budget_ms ? Math.round((100 * n.load_ms) / n.budget_ms) : 0;
  const status = drained ? (n.cameras.length ? t("nodes.draining") : t("nodes.drained")) : t("nodes.ok");
  return h("tr", { "data-node": n.name, class: drained ? "muted" : "" },
    h("td", {}, h("strong", {}, n.name)), h("td", {}, status),
    h("td", { class: n.lease_age_s > 4 ? "error" : "" }, `${n.lease_age_s.toFixed(1)}${t("nodes.s_ago")}`),
    h("td", {}, n.cameras.length ? n.cameras.map((cam) => `${camName(cam.id)} (${t(`status.${cam.status}`)}, ${cam.ms_per_frame} ms × ${cam.fps} fps)`).join(", ") : "—"),
    h("td", { class: pct > 100 ? "error" : "" }, `${Math.round(n.load_ms)} / ${Math.round(n.budget_ms)} ms/s (${pct}%)`),
    h("td", {}, n.capacity), h("td", { class: "muted" }, n.version || "—"),
    h("td", {}, h("button", { type: "button", class: "link", "data-drain": n.name, onclick: () => drain(n.name, !drained) },
      drained ? t("nodes.undrain") : t("nodes.drain"))));
}

function pinSelect(camera, pinned, names) {
  const options = [...new Set([...names, ...(pinned ? [pinned] : [])])];
  return h("select", { "data-pin": camera, onchange: (e) => pin(camera, e.target.value || null, e.target) },
    h("option", { value: "" }, t("nodes.auto")),
    ...options.map((n) => h("option", { value: n, selected: n === pinned }, n)));
}

function reason() {
  const r = $("#nodes-reason").value.trim();
  if (!r) { $("#nodes-reason").focus(); banner(t("nodes.reason_needed")); }
  return r;
}

async function drain(name, on) {
  const why = reason();
  if (!why) return;
  try {
    await api(`/api/cluster/nodes/${encodeURIComponent(name)}/drain`, { method: "POST", body: { drain: on, reason: why } });
    banner(`${on ? t("nodes.drain") : t("nodes.undrain")}: ${name}`, null, "info");
  } catch (e) { banner(e.message); }
  refresh();
}

async function pin(camera, node, select) {
  const why = reason();
  if (!why) { select.value = (last?.assigner?.pinned || {})[camera] || ""; return; }
  try {
    await api(`/api/cluster/cameras/${encodeURIComponent(camera)}/pin`, { method: "PUT", body: { node, reason: why } });
    banner(`${camName(camera)}: ${node ? `${t("nodes.pinned_to")} ${node}` : t("nodes.auto")}`, null, "info");
  } catch (e) { banner(e.message); }
  refresh();
}
