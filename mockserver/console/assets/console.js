// The mock console: four views over the admin API of /__mock/. No framework, no build step.
const ADMIN = "/__mock";
const MAX_ENTRIES = 500;

const $ = (id) => document.getElementById(id);

// h("tag", {attr: value, onclick: fn}, child, ...): an element; strings become text nodes.
function h(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (value === undefined || value === null || value === false) continue;
    if (key.startsWith("on")) node.addEventListener(key.slice(2), value);
    else if (key === "dataset") Object.assign(node.dataset, value);
    else node.setAttribute(key, value === true ? "" : value);
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    node.append(child instanceof Node ? child : String(child));
  }
  return node;
}

const pretty = (value) => JSON.stringify(value, null, 2);
const prettyText = (text) => {
  try { return pretty(JSON.parse(text)); } catch { return text; }
};
let uid = 0;
const nextId = (prefix) => `${prefix}-${++uid}`;

async function admin(method, path, body) {
  const init = { method, headers: {} };
  if (body !== undefined) {
    init.headers["content-type"] = "application/json";
    init.body = typeof body === "string" ? body : JSON.stringify(body);
  }
  const response = await fetch(ADMIN + path, init);
  const text = await response.text();
  const data = text ? JSON.parse(text) : null;
  if (!response.ok) throw new Error(data && data.detail ? data.detail : `${response.status}`);
  return data;
}

// What the last action did, read out by screen readers; the stream's state is in #live.
function say(message) {
  $("message").textContent = message;
}

// -- tabs ---------------------------------------------------------------------------------

const TABS = ["operations", "journal", "state", "scenarios"];

function show(name) {
  for (const tab of TABS) {
    const selected = tab === name;
    $(`tab-${tab}`).setAttribute("aria-selected", String(selected));
    $(`tab-${tab}`).tabIndex = selected ? 0 : -1;
    $(`view-${tab}`).hidden = !selected;
  }
  location.hash = name;
  if (name === "state") loadState();
  if (name === "scenarios") loadScenarios();
}

function setUpTabs() {
  TABS.forEach((name, index) => {
    const tab = $(`tab-${name}`);
    tab.addEventListener("click", () => show(name));
    tab.addEventListener("keydown", (event) => {
      const step = { ArrowRight: 1, ArrowLeft: -1 }[event.key];
      if (!step) return;
      const next = TABS[(index + step + TABS.length) % TABS.length];
      show(next);
      $(`tab-${next}`).focus();
    });
  });
  const first = location.hash.slice(1);
  show(TABS.includes(first) ? first : "operations");
  // "/" jumps to the search box of the view shown (as on GitHub), unless typing already.
  document.addEventListener("keydown", (event) => {
    if (event.key !== "/" || event.target.closest("input, textarea, select")) return;
    const search = document.querySelector("section:not([hidden]) input[type=search]");
    if (!search) return;
    event.preventDefault();
    search.focus();
  });
}

// -- operations ---------------------------------------------------------------------------

let catalogue = { operations: [], tags: [], basePath: "" };
let users = [];
let stateful = true; // a --stateless mock has no records or users: the console asks for none

function schemaBlock(label, schema) {
  return h("details", { class: "schema" }, h("summary", {}, label), h("pre", {}, pretty(schema)));
}

function contentBlocks(prefix, content) {
  return Object.entries(content || {}).flatMap(([media, { schema, examples }]) => [
    schema !== null && schema !== undefined ? schemaBlock(`${prefix} schema (${media})`, schema) : null,
    ...Object.entries(examples || {}).map(([name, value]) =>
      h("details", { class: "example" }, h("summary", {}, `Example “${name}” (${media})`), h("pre", {}, pretty(value)))),
  ]);
}

// What the try-it form starts a body with: the media type's first example, else something
// of its kind (an object for JSON, nothing for text).
function firstExample(media, content) {
  const values = Object.values((content && content.examples) || {});
  if (values.length) return typeof values[0] === "string" ? values[0] : pretty(values[0]);
  return isJson(media) ? "{}" : "";
}

const isJson = (media) => /[/+]json\b/.test(media);
const isForm = (media) => media === "application/x-www-form-urlencoded" || media.startsWith("multipart/");

// A labelled input in a try-it form; the label names the place it goes.
function field(form, label, input) {
  input.id = input.id || nextId("try");
  form.append(h("label", { for: input.id }, label), input);
  return input;
}

// The fields of a form body: one text input per property of its schema, prefilled from its
// first example; a schema without properties gets one textarea of name=value lines.
function formFields(media, content, form) {
  const schema = (content && content.schema) || {};
  const example = Object.values((content && content.examples) || {})[0] || {};
  const names = Object.keys(schema.properties || {});
  const required = new Set(schema.required || []);
  if (!names.length) {
    const lines = field(form, `Body fields (${media}, one name=value a line)`, h("textarea", { rows: 4, spellcheck: "false", dataset: { lines: "true" } }));
    return () => lines.value.split("\n").filter((line) => line.includes("=")).map((line) => {
      const at = line.indexOf("=");
      return [line.slice(0, at).trim(), line.slice(at + 1)];
    });
  }
  const inputs = names.map((name) => {
    const value = example[name];
    const shown = value === undefined ? "" : typeof value === "string" ? value : JSON.stringify(value);
    const label = `${name} (${media === "application/x-www-form-urlencoded" ? "form" : "multipart"} field${required.has(name) ? ", required" : ""})`;
    return [name, field(form, label, h("input", { name, value: shown, dataset: { field: name } }))];
  });
  return () => inputs.filter(([, input]) => input.value !== "").map(([name, input]) => [name, input.value]);
}

// One editor per declared media type, only the chosen one shown; returns what to send.
function bodyEditors(operation, form) {
  const content = operation.requestBody.content;
  const types = Object.keys(content);
  const select = field(form, "Body media type", h("select", { class: "media-type" },
    types.map((media) => h("option", { value: media }, media))));
  const editors = types.map((media) => {
    const group = h("fieldset", { class: "body-editor", dataset: { media } }, h("legend", {}, `Body (${media})`));
    let read;
    if (isForm(media)) {
      const pairs = formFields(media, content[media], group);
      read = () => {
        if (media.startsWith("multipart/")) {
          const data = new FormData(); // the browser writes the boundary into content-type
          for (const [name, value] of pairs()) data.append(name, value);
          return { body: data };
        }
        return { body: new URLSearchParams(pairs()), type: media };
      };
    } else {
      const text = field(group, `Body text (${media})`, h("textarea", { rows: 6, spellcheck: "false" }, firstExample(media, content[media])));
      read = () => (text.value.trim() ? { body: text.value, type: media } : {});
    }
    form.append(group);
    return { media, group, read };
  });
  const showChosen = () => editors.forEach((e) => { e.group.hidden = e.media !== select.value; });
  select.addEventListener("change", showChosen);
  showChosen();
  return () => editors.find((e) => e.media === select.value).read();
}

// Prefer: a declared status, an example by name, or a generated answer.
function preferFields(operation, form) {
  const statuses = Object.keys(operation.responses).filter((s) => /^\d+$/.test(s));
  const examples = [...new Set(Object.values(operation.responses).flatMap((r) => Object.values(r.content).flatMap((m) => Object.keys(m.examples))))];
  const group = h("fieldset", { class: "prefer" }, h("legend", {}, "Prefer (what the mock answers)"));
  const code = field(group, "Status (Prefer code=)", h("select", { class: "prefer-code" }, optionsFor(statuses, "")));
  const example = field(group, "Example (Prefer example=)", h("select", { class: "prefer-example" }, optionsFor(examples, "")));
  const dynamic = field(group, "Generated (Prefer dynamic=true)", h("input", { type: "checkbox", class: "prefer-dynamic" }));
  form.append(group);
  return () => [code.value && `code=${code.value}`, example.value && `example=${example.value}`,
    dynamic.checked && "dynamic=true"].filter(Boolean).join(", ");
}

function tryForm(operation) {
  const fields = [];
  const form = h("form", { class: "try", "aria-label": `Try ${operation.operationId}` });
  // Cookies cannot be set by a page's fetch: cookie parameters are left to curl.
  for (const parameter of operation.parameters.filter((p) => p.in !== "cookie")) {
    const input = h("input", { name: parameter.name, dataset: { in: parameter.in }, required: parameter.in === "path" });
    fields.push(field(form, `${parameter.name} (${parameter.in}${parameter.required ? ", required" : ""})`, input));
  }
  const userSelect = field(form, "As user", h("select", { class: "user-select" }));
  fillUserSelect(userSelect);
  const readBody = operation.requestBody ? bodyEditors(operation, form) : () => ({});
  const prefer = preferFields(operation, form);
  const result = h("pre", { class: "result", "aria-live": "polite" });
  form.append(h("button", { type: "submit" }, `Send ${operation.method}`), result);
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    let path = operation.path;
    const query = new URLSearchParams();
    const headers = {};
    for (const input of fields) {
      if (input.dataset.in === "path") path = path.replace(`{${input.name}}`, encodeURIComponent(input.value));
      else if (input.value === "") continue;
      else if (input.dataset.in === "header") headers[input.name] = input.value;
      else query.append(input.name, input.value);
    }
    if (userSelect.value) {
      const token = await admin("POST", `/users/${encodeURIComponent(userSelect.value)}/token`);
      headers.authorization = `Bearer ${token.accessToken}`;
    }
    const preference = prefer();
    if (preference) headers.prefer = preference;
    const init = { method: operation.method, headers };
    const { body, type } = readBody();
    if (body !== undefined) {
      init.body = body;
      if (type) headers["content-type"] = type;
    }
    const search = query.toString();
    const url = catalogue.basePath + path + (search ? `?${search}` : "");
    try {
      const response = await fetch(url, init);
      result.textContent = `${response.status} ${response.statusText}\n${prettyText(await response.text())}`;
    } catch (error) {
      result.textContent = `not sent: ${error.message}`;
    }
  });
  return form;
}

function fillUserSelect(select) {
  const chosen = select.value;
  select.replaceChildren(h("option", { value: "" }, "(no token)"),
    ...users.map((user) => h("option", { value: user.id }, user.fields.email || user.id)));
  select.value = users.some((user) => user.id === chosen) ? chosen : "";
}

function operationBlock(operation) {
  const parameters = operation.parameters.length
    ? h("table", { class: "grid" },
      h("thead", {}, h("tr", {}, ["Name", "In", "Required", "Schema"].map((c) => h("th", { scope: "col" }, c)))),
      h("tbody", {}, operation.parameters.map((p) =>
        h("tr", {}, h("td", {}, p.name), h("td", {}, p.in), h("td", {}, p.required ? "yes" : "no"),
          h("td", {}, h("code", {}, JSON.stringify(p.schema)))))))
    : null;
  const responses = Object.entries(operation.responses).map(([status, response]) =>
    h("details", { class: "response" }, h("summary", {}, `${status} — ${response.description}`),
      contentBlocks("Response", response.content)));
  return h("details", { class: "operation", dataset: { search: `${operation.method} ${operation.path} ${operation.operationId} ${operation.summary}`.toLowerCase() } },
    h("summary", {}, h("span", { class: `method ${operation.method.toLowerCase()}` }, operation.method), " ",
      h("code", {}, operation.path), " ", h("span", { class: "summary" }, operation.summary),
      operation.secured ? h("span", { class: "badge", title: "needs a token" }, "auth") : null),
    operation.description ? h("p", {}, operation.description) : null,
    h("p", { class: "muted" }, `operationId ${operation.operationId}`),
    parameters,
    operation.requestBody ? contentBlocks("Request", operation.requestBody.content) : null,
    h("h4", {}, "Responses"), responses,
    h("h4", {}, "Try it"), tryForm(operation));
}

function renderOperations() {
  const root = $("operations");
  root.replaceChildren(...catalogue.tags.map((tag) =>
    h("details", { class: "tag", open: true }, h("summary", {}, h("h2", {}, tag)),
      catalogue.operations.filter((op) => op.tags.includes(tag)).map(operationBlock))));
  $("op-filter").addEventListener("input", (event) => {
    const needle = event.target.value.toLowerCase();
    for (const block of root.querySelectorAll(".operation")) block.hidden = !block.dataset.search.includes(needle);
  });
  const select = $("journal-op");
  select.append(...catalogue.operations.map((op) => h("option", { value: op.operationId }, op.operationId)));
}

async function loadUsers() {
  users = stateful ? (await admin("GET", "/users")).users : [];
  document.querySelectorAll(".user-select").forEach(fillUserSelect);
}

// -- journal ------------------------------------------------------------------------------

const entries = [];

function entrySummaryText(entry) {
  const when = new Date(entry.time * 1000).toLocaleTimeString();
  if (entry.kind === "webhook") return [when, "WEBHOOK", entry.path, entry.status || "—", entry.operationId || ""];
  if (entry.kind === "websocket") return [when, "WS", entry.path, "", entry.operationId || ""];
  return [when, entry.method, entry.path + (entry.query ? `?${entry.query}` : ""), entry.status || "dropped", entry.operationId || "—"];
}

function searchable(entry) {
  return JSON.stringify(entry).toLowerCase();
}

function headersBlock(title, headers) {
  return h("details", {}, h("summary", {}, title),
    h("pre", {}, Object.entries(headers || {}).map(([k, v]) => `${k}: ${v}`).join("\n")));
}

function entryBlock(entry) {
  const [when, method, path, status, op] = entrySummaryText(entry);
  const statusClass = `status s${String(status)[0]}`;
  const detail = entry.request || {};
  const parts = [];
  if (entry.kind === "request") {
    parts.push(h("p", { class: "why" }, h("strong", {}, "Why this answer: "), detail.why || "(not recorded)"));
    if (entry.fault) parts.push(h("p", {}, h("strong", {}, "Fault: "), entry.fault));
    if (entry.violations.length) {
      parts.push(h("table", { class: "grid violations", "aria-label": "Validation problems" },
        h("thead", {}, h("tr", {}, ["Where", "Rule", "Problem"].map((c) => h("th", { scope: "col" }, c)))),
        h("tbody", {}, entry.violations.map((v) => h("tr", {}, h("td", {}, h("code", {}, v.field)), h("td", {}, v.code), h("td", {}, v.message))))));
    }
    parts.push(h("h4", {}, "Request"), headersBlock("Headers", detail.headers),
      detail.body ? h("pre", {}, prettyText(detail.body)) : h("p", { class: "muted" }, "no body"));
    const response = detail.response;
    parts.push(h("h4", {}, "Response"));
    if (response) parts.push(headersBlock("Headers", response.headers), response.body ? h("pre", {}, prettyText(response.body)) : h("p", { class: "muted" }, "no body"));
    else parts.push(h("p", {}, "the connection was dropped"));
  } else {
    parts.push(h("pre", {}, pretty(entry[entry.kind] || entry)));
  }
  return h("li", { class: `entry kind-${entry.kind}`, dataset: { id: entry.id } },
    h("details", {}, h("summary", {},
      h("span", { class: "time" }, when), h("span", { class: "method" }, method),
      h("code", { class: "path" }, path), h("span", { class: statusClass }, String(status)),
      h("span", { class: "op" }, op),
      entry.violations && entry.violations.length ? h("span", { class: "badge warn" }, `${entry.violations.length} problem(s)`) : null),
    parts));
}

function visible(entry) {
  const op = $("journal-op").value;
  const status = $("journal-status").value.trim().toLowerCase();
  const text = $("journal-text").value.trim().toLowerCase();
  if (op && entry.operationId !== op) return false;
  if (status) {
    const pattern = new RegExp(`^${status.replace(/x/g, "\\d")}$`);
    if (!pattern.test(String(entry.status))) return false;
  }
  return !text || searchable(entry).includes(text);
}

function addEntry(entry) {
  if (entries.length && entries[0].id >= entry.id) return; // seen already (a reconnect)
  entries.unshift(entry);
  const list = $("journal");
  const item = entryBlock(entry);
  item.hidden = !visible(entry);
  list.prepend(item);
  if (entries.length > MAX_ENTRIES) {
    entries.pop();
    list.lastElementChild.remove();
  }
  $("journal-count").textContent = String(entries.length);
}

function refilter() {
  const byId = new Map(entries.map((e) => [String(e.id), e]));
  for (const item of $("journal").children) item.hidden = !visible(byId.get(item.dataset.id));
}

async function startJournal() {
  const recent = (await admin("GET", `/journal?limit=${MAX_ENTRIES}`)).entries;
  recent.forEach(addEntry);
  const since = recent.length ? recent[recent.length - 1].id : 0;
  const source = new EventSource(`${ADMIN}/journal/stream?since=${since}`);
  // A stream ends every few seconds and the browser reconnects after the last entry it saw.
  source.addEventListener("open", () => { $("live").textContent = "live"; });
  source.addEventListener("error", () => { $("live").textContent = "reconnecting…"; });
  source.addEventListener("entry", (event) => {
    const entry = JSON.parse(event.data);
    addEntry(entry);
    if (entry.path.startsWith(`${catalogue.basePath}/auth/`)) loadUsers();
  });
  for (const id of ["journal-op", "journal-status", "journal-text"]) {
    $(id).addEventListener("input", refilter);
    $(id).addEventListener("change", refilter);
  }
  $("journal-clear").addEventListener("click", async () => {
    await admin("DELETE", "/journal");
    entries.length = 0;
    $("journal").replaceChildren();
    $("journal-count").textContent = "0";
  });
}

// -- state --------------------------------------------------------------------------------

const USERS = "__users__";

function recordRow(collection, record) {
  const id = nextId("record");
  const editor = h("textarea", { id, rows: 6, spellcheck: "false", class: "record-fields" }, pretty(record.fields));
  const save = h("button", { type: "button", onclick: async () => {
    try {
      await admin("PUT", `/records?collection=${encodeURIComponent(collection)}&id=${encodeURIComponent(record.id)}`, editor.value);
      say(`saved ${record.id}`);
    } catch (error) {
      say(`not saved: ${error.message}`);
    }
  } }, "Save");
  const remove = h("button", { type: "button", class: "danger", onclick: async () => {
    await admin("DELETE", `/records?collection=${encodeURIComponent(collection)}&id=${encodeURIComponent(record.id)}`);
    loadState();
  } }, "Delete");
  return h("tr", { dataset: { id: record.id } },
    h("td", {}, h("code", {}, record.id)), h("td", {}, record.owner ? h("code", {}, record.owner) : "everyone"),
    h("td", {}, h("label", { for: id, class: "visually-hidden" }, `Fields of ${record.id}`), editor),
    h("td", {}, save, " ", remove));
}

// A user's logins, newest first: when made and refreshed, the client, a Revoke button each.
function loginList(user) {
  const who = user.fields.email || user.id;
  if (!user.logins.length) return h("span", { class: "muted" }, "none");
  return h("ul", { class: "logins", "aria-label": `Logins of ${who}` }, [...user.logins].reverse().map((login) => {
    const made = new Date(login.createdAt).toLocaleString();
    const refreshed = login.refreshedAt ? `refreshed ${new Date(login.refreshedAt).toLocaleTimeString()}` : "never refreshed";
    const agent = login.userAgent || "(no User-Agent)";
    return h("li", { class: login.active ? "active" : "revoked", dataset: { login: login.id } },
      h("span", {}, made), h("span", { class: "muted" }, refreshed),
      h("span", { class: "agent", title: agent }, agent),
      login.active
        ? h("button", { type: "button", class: "revoke-login", "aria-label": `Revoke the login of ${who} from ${agent}, made ${made}`, onclick: async () => {
          await admin("POST", `/users/${encodeURIComponent(user.id)}/logins/${encodeURIComponent(login.id)}/revoke`);
          say(`login of ${who} from ${agent} revoked`);
          loadState();
        } }, "Revoke")
        : h("span", { class: "badge" }, `revoked (${login.revoked.by})`));
  }));
}

async function loadState() {
  if (!stateful) {
    $("collections").replaceChildren(h("p", {}, "This mock was started with --stateless: it keeps no records or users."));
    return;
  }
  const state = await admin("GET", "/state");
  await loadUsers();
  $("users").tBodies[0].replaceChildren(...users.map((user) => h("tr", { dataset: { user: user.id } },
    h("td", {}, h("code", {}, user.id)), h("td", {}, user.fields.email || ""), h("td", {}, user.fields.name || ""),
    h("td", {}, user.fields.status || ""), h("td", {}, loginList(user)),
    h("td", {}, h("button", { type: "button", class: "revoke-all", onclick: async () => {
      await admin("POST", `/users/${encodeURIComponent(user.id)}/revoke`);
      say(`every login of ${user.fields.email || user.id} revoked`);
      loadState();
    } }, "Revoke every login")))));
  const names = Object.keys(state.collections).filter((name) => name !== USERS);
  const blocks = await Promise.all(names.map(async (name) => {
    const { records } = await admin("GET", `/records?collection=${encodeURIComponent(name)}`);
    return h("details", { class: "collection", open: true, dataset: { collection: name } },
      h("summary", {}, h("code", {}, name), ` ${records.length} record(s)`),
      h("table", { class: "grid records" },
        h("thead", {}, h("tr", {}, ["Id", "Owner", "Fields", "Actions"].map((c) => h("th", { scope: "col" }, c)))),
        h("tbody", {}, records.map((record) => recordRow(name, record)))));
  }));
  $("collections").replaceChildren(...(blocks.length ? blocks : [h("p", { class: "muted" }, "No records yet.")]));
}

function setUpState() {
  $("state-refresh").addEventListener("click", loadState);
  $("state-export").addEventListener("click", async () => {
    const blob = new Blob([pretty(await admin("GET", "/state"))], { type: "application/json" });
    const link = h("a", { href: URL.createObjectURL(blob), download: "mock-state.json" });
    link.click();
    URL.revokeObjectURL(link.href);
  });
  $("state-import").addEventListener("change", async (event) => {
    const [file] = event.target.files;
    if (!file) return;
    try {
      await admin("PUT", "/state", await file.text());
      say(`imported ${file.name}`);
    } catch (error) {
      say(`not imported: ${error.message}`);
    }
    event.target.value = "";
    loadState();
  });
  $("state-reset").addEventListener("click", async () => {
    if (!confirm("Forget every record, user and login, and the journal?")) return;
    await admin("POST", "/reset");
    entries.length = 0;
    $("journal").replaceChildren();
    loadState();
  });
}

// -- scenarios ----------------------------------------------------------------------------

function optionsFor(values, chosen) {
  return [h("option", { value: "" }, "(as usual)"),
    ...values.map((value) => h("option", { value, selected: String(chosen) === String(value) }, value))];
}

async function loadScenarios() {
  const settings = await admin("GET", "/scenarios");
  $("latency-low").value = settings.latency ? settings.latency[0] : "";
  $("latency-high").value = settings.latency ? settings.latency[1] : "";
  $("chaos").value = settings.chaos;
  $("forced").tBodies[0].replaceChildren(...catalogue.operations.map((op) => {
    const forced = settings.operations[op.operationId] || {};
    const statuses = Object.keys(op.responses).filter((s) => /^\d+$/.test(s));
    const examples = [...new Set(Object.values(op.responses).flatMap((r) => Object.values(r.content).flatMap((m) => Object.keys(m.examples))))];
    const statusId = nextId("forced-status");
    const exampleId = nextId("forced-example");
    return h("tr", { dataset: { operation: op.operationId } },
      h("th", { scope: "row" }, h("code", {}, op.operationId), " ", h("span", { class: "muted" }, `${op.method} ${op.path}`)),
      h("td", {}, h("label", { for: statusId, class: "visually-hidden" }, `Forced status of ${op.operationId}`),
        h("select", { id: statusId, class: "forced-status" }, optionsFor(statuses, forced.status))),
      h("td", {}, h("label", { for: exampleId, class: "visually-hidden" }, `Forced example of ${op.operationId}`),
        h("select", { id: exampleId, class: "forced-example" }, optionsFor(examples, forced.example))));
  }));
}

function setUpScenarios() {
  $("scenarios").addEventListener("submit", async (event) => {
    event.preventDefault();
    const low = $("latency-low").value;
    const high = $("latency-high").value || low;
    const operations = {};
    for (const row of $("forced").tBodies[0].rows) {
      const status = row.querySelector(".forced-status").value;
      const example = row.querySelector(".forced-example").value;
      if (status || example) operations[row.dataset.operation] = { status: status ? Number(status) : null, example: example || null };
    }
    const body = { latency: low !== "" ? [Number(low), Number(high)] : null, chaos: Number($("chaos").value || 0), operations };
    try {
      await admin("PUT", "/scenarios", body);
      $("scenarios-result").textContent = "Applied.";
    } catch (error) {
      $("scenarios-result").textContent = `Not applied: ${error.message}`;
    }
  });
  $("scenarios-reset").addEventListener("click", async () => {
    await admin("DELETE", "/scenarios");
    $("scenarios-result").textContent = "Back to the start-up settings.";
    loadScenarios();
  });
}

// -- start --------------------------------------------------------------------------------

async function start() {
  stateful = (await admin("GET", "/health")).stateful;
  catalogue = await admin("GET", "/operations");
  $("title").textContent = catalogue.title || "Mock";
  document.title = `${catalogue.title || "Mock"} — mock console`;
  renderOperations();
  setUpState();
  setUpScenarios();
  setUpTabs();
  await loadUsers();
  await startJournal();
  document.body.dataset.ready = "true";
}

start().catch((error) => say(`console failed to start: ${error.message}`));
