// Evidence provision (영상 제공): requests from police, fire or a data subject, listed by state;
// the supervisor marks the subject by clicking a tracked person on a frame, watches the masked
// preview and approves or rejects; the requesting agency downloads the signed package; the
// personal-video ledger (개인영상정보 관리대장) with its CSV/XLSX export and the year's figures.
import { api } from "../api.js";
import { banner } from "../banner.js";
import { $, h, svgEl } from "../dom.js";
import { camName, fmtTime, isoToLocalInput, localInputToIso } from "../format.js";
import { t } from "../i18n.js";
import { state } from "../state.js";
import { loadCameras } from "./cameras.js";

const AGENCIES = ["police", "fire", "ambulance", "district", "court", "military"];
const OUTCOMES = ["arrest", "case_closed", "investigating", "no_use", "other"];
const LEDGER_COLS = ["id", "kind_ko", "at", "file_name", "handler", "purpose", "recipient", "legal_basis", "period", "provision_form", "destroyed_at"];
const view = { bases: null, current: null, picks: null, chosen: new Set(), timer: null };
const isSupervisor = () => ["supervisor", "admin"].includes(state.user.role);
const isAgency = () => state.user.role === "agency";

export async function loadEvidence() {
  if (!view.bases) view.bases = await api("/api/provisions/bases");
  if (isAgency() || !state.cameras.length) await loadCameras();  // liaisons: cameras of their dispatches
  fillForm();
  await loadList();
  if (isSupervisor()) await loadLedger();
}

export function stopEvidence() {
  clearTimeout(view.timer);
  view.timer = null;
}

// -- the request form --------------------------------------------------------------------------------
function fillForm() {
  const kind = $("#ev-kind").value;
  $("#ev-basis").replaceChildren(...view.bases
    .filter((b) => (kind === "subject") === (b.code === "pipa35"))
    .map((b) => h("option", { value: b.code }, b.ko)));
  if (!$("#ev-agency").childElementCount) {
    $("#ev-agency").replaceChildren(...AGENCIES.map((a) => h("option", { value: a }, t(`agency.${a}`))));
  }
  $("#ev-agency-label").hidden = isAgency() || kind === "subject";
  $("#ev-case-label").hidden = kind === "subject";
  $("#ev-officer-text").textContent = t(kind === "subject" ? "ev.subject_name" : "ev.officer");
  const box = $("#ev-cameras");
  if (box.childElementCount !== state.cameras.length) {
    box.replaceChildren(...state.cameras.map((c) => h("label", { class: "chip" },
      h("input", { type: "checkbox", value: c.id }), c.name || c.id)));
  }
  const form = $("#ev-form");
  if (!form.elements.start.value) {
    const now = Date.now();
    form.elements.start.value = isoToLocalInput(new Date(now - 15 * 60_000));
    form.elements.end.value = isoToLocalInput(new Date(now - 10 * 60_000));
  }
}
$("#ev-kind").addEventListener("change", fillForm);
$("#ev-new").addEventListener("click", () => { $("#ev-form").hidden = !$("#ev-form").hidden; fillForm(); });

$("#ev-form").addEventListener("submit", async (ev) => {
  ev.preventDefault();
  const f = ev.target.elements;
  $("#ev-form-error").textContent = "";
  const body = {
    kind: isAgency() ? "agency" : f.kind.value,
    officer: f.officer.value, contact: f.contact.value, case_number: f.case_number.value,
    legal_basis: f.legal_basis.value, purpose: f.purpose.value, persons: f.persons.value,
    camera_ids: [...document.querySelectorAll("#ev-cameras input:checked")].map((i) => i.value),
    start: localInputToIso(f.start.value), end: localInputToIso(f.end.value),
    period_days: Number(f.period_days.value) || null,
  };
  if (!isAgency() && body.kind === "agency") body.agency = f.agency.value;
  try {
    const r = await api("/api/provisions", { method: "POST", body });
    ev.target.hidden = true;
    banner(`${t("ev.filed")} ${r.number}`, null, "info");
    await loadList();
    openDetail(r.id);
  } catch (e) {
    $("#ev-form-error").textContent = e.message;
  }
});

// -- the list ------------------------------------------------------------------------------------------
const stateText = (r) => t(`evs.${r.state}`) + (r.overdue ? ` · ${t("ev.overdue")}` : "");
const jobText = (r) => (r.job ? `${t(`evjob.${r.job}`)} ${Math.round(r.job_progress * 100)}%` : (r.job_error ? t("ev.failed") : ""));
const range = (r) => `${fmtTime(r.start)} ~ ${fmtTime(r.end)}`;

async function loadList() {
  const st = $("#ev-state").value;
  const rows = await api(`/api/provisions${st ? "?state=" + st : ""}`);
  $("#ev-body").replaceChildren(...rows.map((r) => h("tr", {
    class: `clickable${r.overdue ? " overdue" : ""}${view.current === r.id ? " selected" : ""}`,
    onclick: () => refresh(r.id), "data-id": r.id,
  },
  h("td", {}, r.number), h("td", {}, t(`ev.kind_${r.kind}`)), h("td", {}, h("span", { class: `st st-${r.state}` }, stateText(r))),
  h("td", {}, r.kind === "subject" ? r.officer : `${t(`agency.${r.agency}`)} ${r.officer}`), h("td", {}, r.case_number),
  h("td", {}, r.camera_ids.map(camName).join(", ")), h("td", {}, range(r)), h("td", {}, fmtTime(r.requested_at)), h("td", {}, jobText(r)))));
  const overdue = rows.filter((r) => r.overdue).length;
  $("#ev-overdue").hidden = !overdue || !isSupervisor();
  $("#ev-overdue").textContent = `${t("ev.overdue_count")} ${overdue}`;
}
$("#ev-state").addEventListener("change", loadList);

// -- one request ---------------------------------------------------------------------------------------
async function refresh(id) {
  await openDetail(id);
  await loadList();
}

async function openDetail(id) {
  if (view.current !== id) { view.current = id; view.picks = null; view.chosen = new Set(); }
  const r = await api(`/api/provisions/${id}`);
  if (!view.chosen.size) r.subjects.forEach((s) => view.chosen.add(`${s.camera_id}:${s.track_id}`));
  renderDetail(r);
  clearTimeout(view.timer);
  const polling = view.timer !== null;
  view.timer = null;
  if (r.job && !$("#page-evidence").hidden) view.timer = setTimeout(() => openDetail(id), 1000);
  if (polling && !r.job) loadList();
}

function field(label, value) {
  return value ? [h("dt", {}, label), h("dd", {}, value)] : [];
}

function renderDetail(r) {
  const box = $("#ev-detail");
  box.hidden = false;
  const dl = h("dl", { class: "ev-fields" },
    field(t("ev.number"), `${r.number} (${stateText(r)})`),
    field(t("ev.basis"), r.legal_basis_text), field(t("ev.purpose"), r.purpose),
    field(t("ev.requester"), r.kind === "subject" ? r.officer : `${t(`agency.${r.agency}`)} ${r.officer}`),
    field(t("ev.contact"), r.contact), field(t("pb.case"), r.case_number),
    field(t("col.camera"), r.camera_ids.map(camName).join(", ")), field(t("pb.range"), range(r)),
    field(t("ev.persons"), r.persons), field(t("ev.filed_by"), `${r.requested_by} · ${fmtTime(r.requested_at)}`),
    field(t("ev.due"), r.due_at ? fmtTime(r.due_at) : ""),
    field(t("ev.decided"), r.decided_by ? `${r.decided_by} · ${fmtTime(r.decided_at)}` : ""),
    field(t("ev.reject_reason"), r.reject_reason),
    field(t("ev.package"), r.package ? `${r.package} (${(r.package_bytes / 1e6).toFixed(1)} MB)` : ""),
    field("SHA-256", r.package_sha256), field(t("ev.link_until"), r.link_expires_at ? fmtTime(r.link_expires_at) : ""),
    field(t("ev.destroy_at"), r.destroy_at ? fmtTime(r.destroy_at) : ""),
    field(t("ev.destroyed"), r.destroyed_at ? fmtTime(r.destroyed_at) : ""),
    field(t("ev.outcome"), r.outcome ? t(`outcome.${r.outcome}`) : ""));
  const parts = [h("h3", {}, `${t("ev.request")} ${r.number}`), dl];
  if (r.job) parts.push(h("p", { class: "ev-job" }, h("progress", { max: 1, value: r.job_progress }), ` ${jobText(r)}`));
  if (r.job_error) parts.push(h("p", { class: "error" }, `${t("ev.failed")}: ${r.job_error}`));
  if (isSupervisor() && r.state === "requested" && r.found && !r.job) parts.push(...reviewParts(r));
  if (isAgency() && ["exported", "handed_over"].includes(r.state)) parts.push(...agencyParts(r));
  if (isSupervisor() && ["exported", "handed_over"].includes(r.state)) parts.push(outcomeForm(r));
  box.replaceChildren(...parts.filter(Boolean));
  if (isSupervisor() && r.state === "requested" && r.found && !r.job && !view.picks) loadPicks(r);
}

// the supervisor's review: frames to click the subject on, the preview, the decision
function reviewParts(r) {
  const picks = h("div", { id: "ev-picks", class: "ev-picks" }, view.picks ? view.picks.map(pickFigure) : t("loading"));
  const chosen = [...view.chosen];
  const previews = r.preview_ready
    ? r.camera_ids.map((c) => h("button", { type: "button", class: "secondary", onclick: () => showPreview(r, c) }, `${t("ev.preview")} · ${camName(c)}`))
    : [h("span", { class: "muted" }, t("ev.preview_stale"))];
  const reason = h("input", { id: "ev-reject-reason", maxlength: 2000, placeholder: t("ev.reject_hint") });
  return [
    h("h4", {}, t("ev.mark")), h("p", { class: "muted" }, t("ev.mark_hint")), picks,
    h("p", {}, `${t("ev.subjects")}: ${chosen.length ? chosen.map((k) => `#${k.split(":")[1]} (${camName(k.split(":")[0])})`).join(", ") : t("ev.nobody")}`),
    h("div", { class: "toolbar" },
      h("button", { type: "button", id: "ev-apply", onclick: () => applySubjects(r) }, t("ev.apply")), ...previews),
    h("div", { id: "ev-preview" }),
    h("div", { class: "toolbar ev-decide" },
      h("button", { type: "button", id: "ev-approve", disabled: !r.can_decide || !r.preview_ready, title: r.can_decide ? "" : t("ev.own"), onclick: () => decide(r, true) }, t("ev.approve")),
      reason,
      h("button", { type: "button", class: "danger", id: "ev-reject", disabled: !r.can_decide, onclick: () => decide(r, false) }, t("ev.reject"))),
    r.can_decide ? null : h("p", { class: "muted" }, t("ev.own")),
  ];
}

function pickFigure(p) {
  const img = h("img", { src: p.image, alt: `${camName(p.camera_id)} ${fmtTime(p.at)}` });
  const svg = svgEl("svg", { class: "ev-boxes" });
  img.addEventListener("load", () => {
    svg.setAttribute("viewBox", `0 0 ${img.naturalWidth} ${img.naturalHeight}`);
    svg.replaceChildren(...p.people.map(([id, x1, y1, x2, y2]) => {
      const key = `${p.camera_id}:${id}`;
      const g = svgEl("g", { class: `ev-person${view.chosen.has(key) ? " chosen" : ""}`, "data-track": id });
      g.append(svgEl("rect", { x: x1, y: y1, width: x2 - x1, height: y2 - y1 }), svgEl("text", { x: x1, y: y1 - 3 }, `#${id}`));
      g.addEventListener("click", () => {
        if (view.chosen.has(key)) view.chosen.delete(key); else view.chosen.add(key);
        openDetail(view.current);
      });
      return g;
    }));
  });
  return h("figure", { class: "ev-pick" }, h("div", { class: "ev-frame" }, img, svg), h("figcaption", {}, `${camName(p.camera_id)} · ${fmtTime(p.at)}`));
}

async function loadPicks(r) {
  try { view.picks = await api(`/api/provisions/${r.id}/picks`); } catch (e) { banner(e.message); view.picks = []; }
  if (view.current === r.id) openDetail(r.id);
}

async function applySubjects(r) {
  const subjects = [...view.chosen].map((k) => ({ camera_id: k.split(":")[0], track_id: Number(k.split(":")[1]) }));
  try { await api(`/api/provisions/${r.id}/subjects`, { method: "POST", body: { subjects } }); } catch (e) { banner(e.message); }
  openDetail(r.id);
}

async function showPreview(r, camera) {
  try {
    const p = await api(`/api/provisions/${r.id}/preview?camera_id=${encodeURIComponent(camera)}`);
    $("#ev-preview").replaceChildren(h("video", { src: p.url, controls: true, autoplay: true, muted: true, class: "ev-video" }));
  } catch (e) { banner(e.message); }
}

async function decide(r, approve) {
  const reason = $("#ev-reject-reason")?.value || "";
  try {
    await api(`/api/provisions/${r.id}/${approve ? "approve" : "reject"}`, approve ? { method: "POST" } : { method: "POST", body: { reason } });
  } catch (e) { banner(e.message); }
  await loadList();
  openDetail(r.id);
}

// the agency's hand-over and the outcome
function agencyParts(r) {
  return [
    h("div", { class: "toolbar" }, h("button", { type: "button", id: "ev-download", onclick: () => download(r) }, t("ev.download")),
      h("span", { class: "muted" }, `${t("ev.link_until")} ${fmtTime(r.link_expires_at)} · ${t("ev.verify_hint")}`)),
    outcomeForm(r),
  ];
}

async function download(r) {
  try {
    const link = await api(`/api/provisions/${r.id}/link`, { method: "POST" });
    const a = h("a", { href: link.url, download: r.package });
    document.body.append(a);
    a.click();
    a.remove();
    setTimeout(() => refresh(r.id), 1500);
  } catch (e) { banner(e.message); }
}

function outcomeForm(r) {
  const select = h("select", { id: "ev-outcome" }, h("option", { value: "" }, "—"),
    ...OUTCOMES.map((o) => h("option", { value: o, selected: o === r.outcome }, t(`outcome.${o}`))));
  const note = h("input", { maxlength: 2000, value: r.outcome_note || "", placeholder: t("ev.outcome_note") });
  return h("div", { class: "toolbar" }, h("span", {}, t("ev.outcome")), select, note,
    h("button", { type: "button", class: "secondary", onclick: async () => {
      if (!select.value) return;
      try { await api(`/api/provisions/${r.id}/outcome`, { method: "POST", body: { outcome: select.value, note: note.value } }); } catch (e) { banner(e.message); }
      refresh(r.id);
    } }, t("ev.save")));
}

// -- the ledger ----------------------------------------------------------------------------------------
function ledgerQuery() {
  const f = $("#ledger-filter").elements;
  const q = new URLSearchParams();
  if (f.from.value) q.set("from", localInputToIso(`${f.from.value}T00:00:00`));
  if (f.to.value) q.set("to", localInputToIso(`${f.to.value}T23:59:59`));
  if (f.agency.value) q.set("agency", f.agency.value);
  return q.toString();
}

async function loadLedger() {
  const sel = $("#ledger-agency");
  if (!sel.childElementCount) sel.replaceChildren(h("option", { value: "" }, t("ev.all")), ...AGENCIES.map((a) => h("option", { value: a }, t(`agency.${a}`))));
  const q = ledgerQuery();
  $("#ledger-csv").href = `/api/ledger/export.csv?${q}`;
  $("#ledger-xlsx").href = `/api/ledger/export.xlsx?${q}`;
  const [rows, stats] = await Promise.all([api(`/api/ledger?${q}`), api("/api/ledger/stats")]);
  $("#ledger-head").replaceChildren(...LEDGER_COLS.map((c) => h("th", {}, t(`ledger.${c}`))));
  $("#ledger-body").replaceChildren(...rows.slice(-300).reverse().map((r) => h("tr", {},
    ...LEDGER_COLS.map((c) => h("td", {}, ["at", "destroyed_at"].includes(c) ? fmtTime(r[c]) : (r[c] ?? ""))))));
  const agencies = Object.entries(stats.by_agency).filter(([, c]) => c.provide)
    .map(([a, c]) => `${t(`agency.${a}`)} ${c.provide}`).join(", ");
  const outcomes = Object.values(stats.outcomes).reduce((acc, c) => { for (const [k, v] of Object.entries(c)) acc[k] = (acc[k] || 0) + v; return acc; }, {});
  $("#ledger-stats").textContent = `${stats.year}${t("ledger.year")} ${t("ledger.provided")} ${stats.provisions}${t("ledger.count")}`
    + (agencies ? ` (${agencies})` : "")
    + (Object.keys(outcomes).length ? ` · ${t("ev.outcome")}: ${Object.entries(outcomes).map(([k, v]) => `${t(`outcome.${k}`)} ${v}`).join(", ")}` : "");
}
$("#ledger-filter").addEventListener("submit", (ev) => { ev.preventDefault(); loadLedger().catch((e) => banner(e.message)); });
