// The weather panel beside the map, in the form of the KMA widget city news pages carry: each place
// with the sky or precipitation word and the temperature; humidity, wind and 1-hour rainfall on
// hover; "기상청 제공"; when it was updated, or why there is nothing live (no key, a recorded
// sample, KMA unreachable since HH:MM). The map gets the same places as labelled markers.
import { api } from "./api.js";
import { $, h } from "./dom.js";
import { clockOf, fmtTime } from "./format.js";
import { LANG, t } from "./i18n.js";

let preset = "site";

function word(s) { return LANG === "en" ? s.word_en : s.word; }

function details(s) {
  const parts = [];
  if (s.reh != null) parts.push(`${t("wx.reh")} ${s.reh}%`);
  if (s.wsd != null) parts.push(`${t("wx.wind")} ${s.wsd}m/s`);
  if (s.rn1 != null) parts.push(`${t("wx.rn1")} ${s.rn1}mm`);
  return parts.join(" · ");
}

function stateLine(w) {
  if (w.state === "live") return `${t("wx.updated")} ${w.updated_at ? clockOf(new Date(w.updated_at)) : "-"}`;
  if (w.state === "sample") return `${t("wx.sample")} (${t("wx.observed")} ${fmtTime(w.sample.observed_at)}, ${t("wx.cell")} ${w.sample.nx},${w.sample.ny})`;
  if (w.state === "unreachable") return `${t("wx.unreachable")} ${w.unreachable_since ? clockOf(new Date(w.unreachable_since)) : ""}${t("wx.since")}`;
  return t(`wx.${w.state}`);
}

export function stationLabel(s) {
  return s.t1h == null ? s.name : `${s.name} ${s.t1h}° ${word(s) || ""}`.trim();
}

export function shownStations(w) {
  const own = w.stations.filter((s) => s.preset === "site");
  return preset === "kma94" || !own.length ? w.stations.filter((s) => s.preset !== "site" || !own.length) : own;
}

export async function renderWeather() {
  const box = $("#weather-panel");
  let w;
  try { w = await api("/api/weather"); } catch (e) { box.replaceChildren(h("p", { class: "error" }, e.message)); return null; }
  if (w.state === "off") { box.hidden = true; return null; }
  box.hidden = false;
  const hasPreset = w.stations.some((s) => s.preset === "stations_file") && w.stations.some((s) => s.preset === "site");
  const picker = hasPreset ? h("select", { id: "weather-preset", "aria-label": t("wx.preset"), onchange: (e) => { preset = e.target.value; renderWeather(); } },
    h("option", { value: "site", selected: preset === "site" }, t("wx.site")), h("option", { value: "kma94", selected: preset === "kma94" }, t("wx.kma94"))) : null;
  const rows = shownStations(w).map((s) => h("li", { class: "wx-station", title: details(s), "data-station": s.name },
    h("span", { class: "wx-name" }, s.name),
    h("span", { class: "wx-word" }, word(s) || "-"),
    h("span", { class: "wx-temp" }, s.t1h == null ? "-" : `${s.t1h}℃`)));
  const raised = w.raised.length ? h("div", { class: "wx-raised" }, h("strong", {}, t("wx.raised")),
    h("ul", {}, ...w.raised.map((r) => h("li", {}, `${r.camera_id} · ${r.caption}`)))) : null;
  box.replaceChildren(...[
    h("div", { class: "wx-head" }, h("strong", {}, t("wx.title")), picker),
    h("p", { class: `wx-state wx-${w.state}`, role: "status" }, stateLine(w)),
    rows.length ? h("ul", { class: "wx-list" }, ...rows) : h("p", { class: "muted" }, t("wx.no_places")),
    raised,
    h("p", { class: "wx-credit" }, w.credit)].filter(Boolean));
  return w;
}
