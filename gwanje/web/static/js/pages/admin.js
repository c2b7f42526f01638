// What only the admin does: the users page (add, change role, disable and enable, reset a
// password) and, on the cameras page, adding, changing and removing cameras.
import { api } from "../api.js";
import { banner } from "../banner.js";
import { $, h } from "../dom.js";
import { roleName } from "../format.js";
import { t } from "../i18n.js";
import { loadCameras, renderCameras } from "./cameras.js";

const ROLES = ["operator", "supervisor", "agency", "admin"];
const AGENCIES = ["police", "fire", "ambulance", "district"];

function roleSelect(value, onchange) {
  return h("select", { onchange }, ...ROLES.map((r) => h("option", { value: r, selected: r === value }, roleName(r))));
}

function agencySelect(value, onchange) {
  return h("select", { onchange }, h("option", { value: "" }, t("admin.none")),
    ...AGENCIES.map((a) => h("option", { value: a, selected: a === value }, t(`agency.${a}`))));
}

async function change(username, body) {
  $("#users-error").textContent = "";
  try { await api(`/api/users/${encodeURIComponent(username)}`, { method: "PATCH", body }); } catch (e) { $("#users-error").textContent = e.message; }
  loadUsers();
}

async function reset(username) {
  const password = prompt(`${t("admin.new_password")}: ${username}`);
  if (!password) return;
  try {
    await api(`/api/users/${encodeURIComponent(username)}/password`, { method: "POST", body: { password } });
    banner(`${t("admin.reset")}: ${username}`, null, "info");
  } catch (e) { $("#users-error").textContent = e.message; }
}

async function unlock(username) {
  try {
    await api(`/api/users/${encodeURIComponent(username)}/unlock`, { method: "POST" });
    banner(`${t("admin.unlock")}: ${username}`, null, "info");
  } catch (e) { $("#users-error").textContent = e.message; }
  loadUsers();
}

export async function loadUsers() {
  $("#user-role").replaceChildren(...ROLES.map((r) => h("option", { value: r }, roleName(r))));
  $("#user-agency").replaceChildren(h("option", { value: "" }, t("admin.none")), ...AGENCIES.map((a) => h("option", { value: a }, t(`agency.${a}`))));
  const [users, key] = await Promise.all([api("/api/users"), api("/api/provisions/key/public")]);
  $("#admin-key-fp").textContent = key.fingerprint;
  $("#admin-key-pem").textContent = key.pem;
  $("#users-body").replaceChildren(...users.map((u) => h("tr", { "data-user": u.username, class: u.active ? "" : "muted" },
    h("td", {}, u.username), h("td", {}, u.display_name),
    h("td", {}, roleSelect(u.role, (e) => change(u.username, { role: e.target.value, agency: e.target.value === "agency" ? "police" : null }))),
    h("td", {}, u.role === "agency" ? agencySelect(u.agency, (e) => change(u.username, { agency: e.target.value || null })) : "—"),
    h("td", {}, u.active ? t("admin.yes") : t("admin.no"),
      u.failed_logins ? h("span", { class: "badge warn" }, `${t("admin.failed")} ${u.failed_logins}${u.locked_s ? ` (${t("admin.locked_for")} ${Math.ceil(u.locked_s)}s)` : ""}`) : ""),
    h("td", {},
      h("button", { type: "button", class: "link", "data-toggle": u.username, onclick: () => change(u.username, { active: !u.active }) }, u.active ? t("admin.disable") : t("admin.enable")),
      h("button", { type: "button", class: "link", onclick: () => reset(u.username) }, t("admin.reset")),
      u.failed_logins ? h("button", { type: "button", class: "link", "data-unlock": u.username, onclick: () => unlock(u.username) }, t("admin.unlock")) : ""))));
}

$("#user-form").addEventListener("submit", async (ev) => {
  ev.preventDefault();
  const f = new FormData(ev.target);
  $("#user-error").textContent = "";
  const body = { username: f.get("username"), password: f.get("password"), role: f.get("role"), display_name: f.get("display_name") };
  if (f.get("role") === "agency") body.agency = f.get("agency") || null;
  try {
    await api("/api/users", { method: "POST", body });
    ev.target.reset();
    loadUsers();
  } catch (e) { $("#user-error").textContent = e.message; }
});

// -- cameras -------------------------------------------------------------------------------------
async function removeCamera(id) {
  if (!confirm(`${t("cameras.confirm_remove")} ${id}`)) return;
  await api(`/api/cameras/${encodeURIComponent(id)}`, { method: "DELETE" });
  await loadCameras();
  renderCameras();
}

$("#cameras-body").addEventListener("click", (e) => {
  const button = e.target.closest("[data-remove]");
  if (button) removeCamera(button.dataset.remove);
});

$("#camera-form").addEventListener("submit", async (ev) => {
  ev.preventDefault();
  const f = new FormData(ev.target);
  $("#camera-error").textContent = "";
  try {
    const extra = f.get("extra").trim() ? JSON.parse(f.get("extra")) : {};
    const id = f.get("id");
    await api(`/api/cameras/${encodeURIComponent(id)}`, { method: "PUT", body: { ...extra, id, name: f.get("name"), url: f.get("url") } });
    ev.target.reset();
    await loadCameras();
    renderCameras();
  } catch (e) { $("#camera-error").textContent = e.message; }
});
