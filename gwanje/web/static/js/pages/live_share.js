// Live views shared with agencies: supervisors issue a time-limited link from an incident or an
// alert (to an agency account, or a one-time code for a patrol officer's phone) and revoke it;
// an agency account sees its own links and watches them.
import { api } from "../api.js";
import { banner } from "../banner.js";
import { $, h } from "../dom.js";
import { camName, fmtTime } from "../format.js";
import { t } from "../i18n.js";

export async function loadLiveShares() {
  const [links, incidents] = await Promise.all([api("/api/live-links"), api("/api/incidents")]);
  const pick = $("#ls-incident");
  const chosen = pick.value;
  pick.replaceChildren(h("option", { value: "" }, "—"), ...incidents.map((i) =>
    h("option", { value: i.id, "data-cameras": i.cameras.join(",") }, `${t(`incident.${i.kind}`)} · ${i.reference} (${i.cameras.length})`)));
  pick.value = chosen;
  $("#ls-links").replaceChildren(...(links.length ? links.map((l) => h("tr", { class: l.state === "active" ? "" : "muted", "data-link": l.id },
    h("td", {}, fmtTime(l.created_at)), h("td", {}, `${t(`agency.${l.agency}`)} · ${l.username || t("ls.by_code")}`),
    h("td", {}, l.cameras.map(camName).join(", ")), h("td", {}, l.purpose), h("td", {}, fmtTime(l.expires_at)),
    h("td", {}, `${t(`ls.${l.state}`)} · ${t("ls.opened")} ${l.opened}`),
    h("td", {}, l.state === "active" ? h("button", { type: "button", class: "link", onclick: () => revoke(l.id) }, t("ls.revoke")) : "")))
    : [h("tr", {}, h("td", { colspan: 7, class: "muted" }, t("sup.none")))]));
}

async function revoke(id) {
  try { await api(`/api/live-links/${id}`, { method: "DELETE" }); loadLiveShares(); } catch (e) { banner(e.message); }
}

$("#ls-incident").addEventListener("change", (ev) => {
  const opt = ev.target.selectedOptions[0];
  if (opt?.dataset.cameras) $("#ls-form").elements.cameras.value = opt.dataset.cameras;
});

$("#ls-form").addEventListener("submit", async (ev) => {
  ev.preventDefault();
  const f = new FormData(ev.target);
  $("#ls-error").textContent = "";
  $("#ls-issued").textContent = "";
  const byCode = f.get("mode") === "code";
  try {
    const r = await api("/api/live-links", { method: "POST", body: {
      agency: f.get("agency"), cameras: String(f.get("cameras")).split(",").map((c) => c.trim()).filter(Boolean),
      minutes: Number(f.get("minutes")), purpose: f.get("purpose"), by_code: byCode,
      username: byCode ? null : f.get("username") || null,
      incident_id: $("#ls-incident").value || null, alert_id: f.get("alert_id") || null } });
    $("#ls-issued").textContent = byCode
      ? `${t("ls.code_is")} ${r.code} · ${location.origin}${r.url} (${t("ls.code_once")})`
      : `${t("ls.issued_to")} ${r.username}`;
    loadLiveShares();
  } catch (e) { $("#ls-error").textContent = e.message; }
});

// -- an agency account: its links, watched in place --------------------------------------------------
export async function loadMyLiveShares() {
  const links = await api("/api/live-links");
  $("#my-links").replaceChildren(...(links.length ? links.map((l) => h("div", { class: "card", "data-link": l.id },
    h("h3", {}, `${l.purpose} — ${t("ls.until")} ${fmtTime(l.expires_at)}`),
    h("button", { type: "button", onclick: (ev) => watch(l, ev.target.parentElement) }, t("ls.watch"))))
    : [h("p", { class: "muted" }, t("ls.none_mine"))]));
}

async function watch(link, box) {
  try {
    await api(`/api/live-links/${link.id}/open`, { method: "POST" });
    box.replaceChildren(h("h3", {}, `${link.purpose} — ${t("ls.until")} ${fmtTime(link.expires_at)}`),
      h("div", { class: "link-cameras" }, ...link.cameras.map((c) => h("figure", {},
        h("img", { class: "live", alt: c, src: `/api/live-links/${link.id}/cameras/${encodeURIComponent(c)}/live.mjpg` }),
        h("figcaption", {}, camName(c))))));
  } catch (e) { banner(e.message); }
}
