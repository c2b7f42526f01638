// Search in what was tracked (영상 검색): by time, cameras, class, upper and lower colour and
// direction, or "more like this" from a result or an uploaded crop. Results are pictures, best match
// first; one opens the recording at that moment (the playback records the viewing), another starts a
// follow from there. Every search is a search of personal video: the purpose is asked and the server
// audits it and writes it to the ledger.
import { api } from "../api.js";
import { $, h } from "../dom.js";
import { camName, fmtTime, isoToLocalInput, localInputToIso } from "../format.js";
import { colourWord, startFollow } from "../follow.js";
import { t } from "../i18n.js";
import { state } from "../state.js";

const COLOURS = ["black", "white", "grey", "red", "blue", "navy", "green", "yellow", "brown", "beige", "pink_purple"];
let like = null;  // {record_id} of a "more like this"

function fillForm() {
  const f = $("#search-form");
  const colours = (sel) => sel.replaceChildren(h("option", { value: "" }, t("search.any")), ...COLOURS.map((c) => h("option", { value: c }, t(`colour.${c}`))));
  if (!$("#search-upper").childElementCount) { colours($("#search-upper")); colours($("#search-lower")); }
  $("#search-cameras").replaceChildren(...state.cameras.map((c) => h("option", { value: c.id }, `${c.id} · ${c.name}`)));
  if (!f.start.value) {
    f.start.value = isoToLocalInput(new Date(Date.now() - 3600 * 1000));
    f.end.value = isoToLocalInput(new Date());
  }
}

export function loadSearch() {
  fillForm();
  const box = $("#search-area");
  box.hidden = !state.searchArea;
  if (state.searchArea) {
    box.replaceChildren(`${t("search.area")}: ${state.searchArea.join(", ")} `,
      h("button", { type: "button", class: "link", onclick: () => { state.searchArea = null; loadSearch(); } }, t("search.like_clear")));
  }
}

function query(f) {
  const q = new URLSearchParams();
  q.set("start", localInputToIso(f.get("start")));
  q.set("end", localInputToIso(f.get("end")));
  q.set("purpose", f.get("purpose"));
  q.set("class", f.get("class"));
  const cams = f.getAll("cameras").filter(Boolean);
  if (cams.length) q.set("cameras", cams.join(","));
  if (state.searchArea) q.set("area", state.searchArea.join(","));
  for (const k of ["upper", "lower", "direction"]) if (f.get(k)) q.set(k, f.get(k));
  return q;
}

async function run(ev) {
  ev?.preventDefault();
  const form = $("#search-form");
  const f = new FormData(form);
  $("#search-error").textContent = "";
  $("#search-status").textContent = t("loading");
  const q = query(f);
  const crop = f.get("crop");
  try {
    let r;
    if (crop && crop.size) {
      r = await api(`/api/search/tracks/like-crop?${q}`, { method: "POST", body: crop, headers: { "Content-Type": crop.type || "image/jpeg" } });
    } else {
      if (like) q.set("like", like.record_id);
      r = await api(`/api/search/tracks?${q}`);
    }
    render(r);
  } catch (e) {
    $("#search-status").textContent = "";
    $("#search-error").textContent = e.message;
  }
}

function render(r) {
  $("#search-status").textContent = `${t("search.found")} ${r.results.length}${r.truncated ? ` · ${t("search.truncated")}` : ""}`;
  $("#search-results").replaceChildren(...r.results.map((x) => h("li", { class: "result", "data-record": x.record_id },
    x.crop ? h("img", { src: x.crop, alt: "", loading: "lazy" }) : h("span", { class: "nopic" }, "?"),
    h("div", { class: "result-text" },
      h("strong", {}, camName(x.camera_id)), h("br"), fmtTime(x.started_at), h("br"),
      x.class === "person" ? `${t("search.upper")} ${colourWord(x.upper)} · ${t("search.lower")} ${colourWord(x.lower)}` : `${t(`class.${x.class}`)} ${colourWord(x.upper)}`,
      x.match != null ? h("div", { class: "muted" }, `${t("search.match")} ${Math.round(x.match * 100)}`) : null),
    h("div", { class: "result-acts" },
      h("button", { type: "button", "data-open": x.record_id, onclick: () => openResult(x) }, t("search.open")),
      x.class === "person" ? h("button", { type: "button", class: "secondary", "data-like": x.record_id, onclick: () => moreLike(x) }, t("search.like")) : null,
      x.class === "person" ? h("button", { type: "button", class: "secondary", "data-follow-record": x.record_id, onclick: () => startFollow({ record_id: x.record_id }) }, t("search.follow")) : null))));
}

function moreLike(x) {
  like = { record_id: x.record_id };
  $("#search-like").hidden = false;
  $("#search-like").replaceChildren(`${t("search.like_of")} ${camName(x.camera_id)} ${fmtTime(x.started_at)} `,
    h("button", { type: "button", class: "link", onclick: () => { like = null; $("#search-like").hidden = true; } }, t("search.like_clear")));
  run();
}

async function openResult(x) {
  const purpose = new FormData($("#search-form")).get("purpose");
  try {
    const o = await api("/api/search/open", { method: "POST", body: { record_id: x.record_id, purpose } });
    state.replay = { camera: o.camera_id, at: o.at, purpose: o.purpose };
    location.hash = "#playback";
  } catch (e) { $("#search-error").textContent = e.message; }
}

$("#search-form").addEventListener("submit", run);
