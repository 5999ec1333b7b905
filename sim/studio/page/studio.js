// The hubsim studio's page: plain JavaScript, hand-written SVG charts, nothing fetched from
// anywhere but this server's /api (docs/studio.md describes the panels and the API).
"use strict";

const MAX_WHATIFS = 4;
const POLL_MS = 300;
const POLL_FIRST_MS = 100;  // until the first figures: the headline as soon as it is there
const SVGNS = "http://www.w3.org/2000/svg";
// Each what-if is told apart by its letter, its line style and its marker, not colour alone.
const STYLES = [
  {letter: "A", color: "#1f4e79", dash: "", marker: "circle", name: "solid line"},
  {letter: "B", color: "#a4540b", dash: "8 4", marker: "square", name: "dashed line"},
  {letter: "C", color: "#2e6b30", dash: "2 3", marker: "triangle", name: "dotted line"},
  {letter: "D", color: "#6a3d9a", dash: "10 3 2 3", marker: "diamond", name: "dash-dot line"},
];
const LEVER_NAMES = {
  "llme.primary_mastery_specialist.training_places": "Primary Mastery Specialist places a year",
  "llme.secondary_mastery_specialist.training_places": "Secondary Mastery Specialist places a year",
  "llme.post16_mastery_specialist.training_places": "Post-16 Mastery Specialist places a year",
  "policy.place_sharing": "How training places are shared among hubs",
  "policy.priority": "Who gets an oversubscribed place first",
  "policy.order": "Schools served first",
  "policy.new_share": "Share of leader days for schools new to TfM",
  "budget.annual": "Annual budget, GBP (0: no limit)",
  "capacity.factor": "National capacity factor",
};
const HUB_LEVER_NAMES = {capacity_factor: "Capacity factor", opens: "Opens on"};
const OTHERS_SHOWN = 200;
// The hub table's full column widths (studio.css): the hub's, and each phase's three.
const HUB_TABLE_FULL = {hub: 172, phase: 78 + 112 + 68};
const ROLES_TABLE_FULL = 860;  // the leaders' table's width with six dates and its charts  // the most the other parameters' list shows at once

// ------------------------------------------------------------------------------ state

const S = {
  info: null,
  scenarios: [],
  schema: null,        // GET /api/schema: what `hubsim schema` prints
  levers: null,        // GET /api/levers of the chosen scenario or upload
  leverInputs: [],     // [{lever, input}]; a lever is a field of the schema (see paramField())
  upload: null,        // {id, name} of the file uploaded
  whatifs: [],         // see newWhatif
  selected: -1,
  threshold: 0.75,
  comparisons: new Map(),  // "runA|runB" -> GET /api/compare
  pair: null,          // [i, j]: the pair shown in detail
  matrixMeasure: null, // the label of the measure the matrix shows
  formRun: null,       // the what-if the form started last (its progress and Cancel)
  nextUid: 1,
  restoring: false,
};

const $ = (id) => document.getElementById(id);

function el(tag, attrs, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === null || v === undefined || v === false) continue;
    if (k === "class") e.className = v;
    else if (k === "text") e.textContent = v;
    else if (k.startsWith("on")) e.addEventListener(k.slice(2), v);
    else e.setAttribute(k, v === true ? "" : String(v));
  }
  for (const c of children.flat(Infinity)) {
    if (c === null || c === undefined || c === false) continue;
    e.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return e;
}

function svg(tag, attrs, parent) {
  const e = document.createElementNS(SVGNS, tag);
  for (const [k, v] of Object.entries(attrs || {}))
    if (v !== null && v !== undefined) e.setAttribute(k, String(v));
  if (parent) parent.append(e);
  return e;
}

async function api(path, options = {}) {
  const init = {credentials: "same-origin", method: options.method || "GET", headers: {}};
  if (options.body !== undefined) {
    init.headers["Content-Type"] = "application/json";
    init.body = JSON.stringify(options.body);
  }
  const res = await fetch(path, init);
  let body = null;
  try {
    body = await res.json();
  } catch (e) {
    body = {error: "the server's reply was not JSON (" + res.status + ")"};
  }
  return {status: res.status, body};
}

// ------------------------------------------------------------------------- formatting

function pct(x, digits = 0) {
  return x === null || x === undefined || Number.isNaN(x) ? "–" : (100 * x).toFixed(digits) + "%";
}
/// A difference with its sign; one that shows as zero is "±0".
function signed(text, x) { return (!/[1-9]/.test(text) ? "±" : x > 0 ? "+" : x < 0 ? "−" : "±") + text; }
function points(x) { return signed(Math.abs(100 * x).toFixed(1) + " pp", x); }
function whole(x) { return Math.round(x).toLocaleString("en-GB"); }
function money(x) {
  const a = Math.abs(x);
  const s = a >= 1e9 ? "£" + (a / 1e9).toFixed(2) + "bn" : a >= 1e6 ? "£" + (a / 1e6).toFixed(1) + "m"
    : a >= 1e3 ? "£" + (a / 1e3).toFixed(1) + "k" : "£" + a.toFixed(0);
  return x < 0 ? "−" + s : s;
}
const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
function month(d) { return d ? MONTHS[Number(d.slice(5, 7)) - 1] + " " + d.slice(0, 4) : "after end"; }
function shortMonth(d) { return d ? MONTHS[Number(d.slice(5, 7)) - 1] + " " + d.slice(2, 4) : "after end"; }
/// A target's or a measure's words, with role keys as a planner says them.
function words(text) { return text.replace(/\b[a-z0-9]+(?:_[a-z0-9]+)*_(?:specialist|lead)\b/g, (k) => roleName(k) + "s"); }
function human(key) {
  return key.replace(/_/g, " ").replace(/\bpost16\b/, "post-16").replace(/^./, (c) => c.toUpperCase());
}
function roleName(role) {
  return human(role).replace(/mastery specialist/i, "Mastery Specialist").replace(/work group lead/i, "Work Group Lead")
    .replace(/\bpd\b/i, "PD");
}
function diffText(m, x) {
  if (m.unit === "share") return points(x);
  if (m.unit === "GBP") return signed(money(Math.abs(x)), x);
  return signed(whole(Math.abs(x)), x);
}
function styleOf(i) { return STYLES[i % STYLES.length]; }

// ------------------------------------------------------------------------------ forms

function leverName(l) { return LEVER_NAMES[l.key] || human(l.key.split(".").slice(-2).join(" ")); }

/// The schema node a JSON pointer ("#/$defs/parameter/...") names.
function pointer(ref) {
  if (!ref.startsWith("#/")) return undefined;
  return ref.slice(2).split("/").reduce(
    (n, part) => n === undefined ? n : n[part.replace(/~1/g, "/").replace(/~0/g, "~")], S.schema);
}

/// A schema node with its $refs followed.
function resolve(node) {
  for (let i = 0; node && node.$ref && i < 32; ++i) node = pointer(node.$ref);
  return node;
}

/// The mapping a scenario's `set:` takes (any parameter), or a timeline event's `set:`
/// (only what may change while a run goes).
function setSchema(inTimeline) {
  const p = S.schema.properties;
  return resolve(inTimeline ? resolve(resolve(p.timeline).items.properties.set) : resolve(p.set));
}

/// What a form field for a declared parameter takes, read from the schema at its key: its
/// kind, range, step, choices, default and description. Null for what is not one value (a
/// mapping, a phase's pipeline).
function paramField(key) {
  const s = resolve(setSchema(false).properties[key]);
  if (!s) return null;
  const f = {key, help: s.description || "", default: s.default,
             yearly: Object.hasOwn(setSchema(true).properties, key)};
  return Object.assign(f, numberField(s) || kindOf(s));
}

function kindOf(s) {
  if (Array.isArray(s.enum)) return {kind: "choice", choices: s.enum};
  if (s.type === "boolean") return {kind: "flag"};
  return null;
}

function numberField(s) {
  if (s.type !== "integer" && s.type !== "number") return null;
  return {kind: s.type === "integer" ? "whole" : "number", min: s.minimum, max: s.maximum,
          step: s.multipleOf || (s.type === "integer" ? 1 : undefined)};
}

/// Every key the schema declares a parameter of (one value each), in its order.
function declaredKeys() {
  return Object.keys(setSchema(false).properties).filter((k) => {
    const f = paramField(k);
    return f && f.kind;
  });
}

/// A hub change's fields: the capacity factor from the schema's hub, the opening date.
function hubField(key) {
  if (key === "opens") return {key, kind: "date", max: S.levers.end};
  const hubs = resolve(S.schema.properties.hubs);
  const list = (hubs.oneOf || []).map(resolve).find((o) => o.type === "array");
  return Object.assign({key}, numberField(resolve(resolve(list.items).properties[key])));
}

/// A field's range and default, as its hint gives them: " (0 to 1; default 0.5)".
function rangeText(f) {
  const parts = [];
  if (f.kind === "whole" || f.kind === "number") parts.push(f.min + (f.max !== undefined ? " to " + f.max : " or more"));
  if (f.default !== undefined) parts.push("default " + (f.kind === "choice" ? human(String(f.default)).toLowerCase() : f.default));
  return parts.length ? " (" + parts.join("; ") + ")" : "";
}

/// An input for a lever with its declared range; `value` is what it starts at.
function leverInput(l, id, value) {
  let input;
  if (l.kind === "choice") {
    input = el("select", {id});
    for (const c of l.choices) input.append(el("option", {value: c, text: human(c)}));
    input.value = value;
  } else if (l.kind === "flag") {
    input = el("input", {type: "checkbox", id});
    input.checked = !!value;
  } else if (l.kind === "date") {
    input = el("input", {type: "date", id, required: true, min: S.levers.start, max: l.max || S.levers.end});
    input.value = value;
  } else {
    input = el("input", {type: "number", id, required: true, min: l.min, max: l.max, step: l.step || "any",
                         inputmode: l.kind === "whole" ? "numeric" : "decimal"});
    input.value = value;
  }
  input.dataset.key = l.key;
  return input;
}

function valueOf(input, l) {
  if (l.kind === "choice" || l.kind === "date") return input.value;
  if (l.kind === "flag") return input.checked;
  return Number(input.value);
}

function fieldError(input) {
  const e = el("p", {class: "field-error", id: input.id + "-error", "aria-live": "polite"});
  input.setAttribute("aria-describedby", ((input.getAttribute("aria-describedby") || "") + " " + e.id).trim());
  input.addEventListener("input", () => showValidity(input));
  input.addEventListener("change", () => showValidity(input));
  return e;
}

function showValidity(input) {
  const e = document.getElementById(input.id + "-error");
  if (!e) return;
  e.textContent = input.validity.valid ? "" : input.validationMessage;
  input.toggleAttribute("aria-invalid", !input.validity.valid);
}

function buildLevers() {
  const box = $("levers");
  box.replaceChildren();
  S.leverInputs = [];
  for (const {key, value} of S.levers.levers) {
    const l = Object.assign(paramField(key), {value});
    const id = "lever-" + l.key.replace(/[^a-z0-9]+/gi, "-");
    const input = leverInput(l, id, l.value);
    const hint = el("p", {class: "hint", id: id + "-hint", text: words(l.help) + rangeText(l)});
    input.setAttribute("aria-describedby", hint.id);
    const field = el("div", {class: "field" + (l.kind === "flag" ? " flag" : "")},
      el("label", {for: id, text: leverName(l)}), input, hint, fieldError(input));
    box.append(field);
    S.leverInputs.push({lever: l, input});
    input.addEventListener("change", scheduleValidate);
  }
  $("changes-from").min = S.levers.start;
  $("changes-from").max = S.levers.end;
  $("hub-changes").replaceChildren();
  $("events").replaceChildren();
  $("others").replaceChildren();
  listOthers();
}

function addHubChange(change) {
  const n = S.nextUid++;
  const hubs = S.levers.hubs;
  const select = el("select", {id: "hub-" + n, "data-role": "hub"});
  for (const h of hubs) select.append(el("option", {value: h.name, text: h.name}));
  if (change && change.hub) select.value = change.hub;
  const hub = () => hubs.find((h) => h.name === select.value) || hubs[0];
  const cap = leverInput(hubField("capacity_factor"), "hub-cap-" + n,
                         change && change.capacity_factor !== undefined ? change.capacity_factor : hub().capacity_factor);
  const opens = leverInput(hubField("opens"), "hub-opens-" + n, change && change.opens ? change.opens : hub().opens);
  opens.min = "";
  select.addEventListener("change", () => {
    cap.value = hub().capacity_factor;
    opens.value = hub().opens;
    scheduleValidate();
  });
  for (const i of [cap, opens]) i.addEventListener("change", scheduleValidate);
  const row = el("div", {class: "row-box hub-change"},
    el("div", {class: "field"}, el("label", {for: select.id, text: "Hub"}), select),
    el("div", {class: "two"},
      el("div", {class: "field"}, el("label", {for: cap.id, text: HUB_LEVER_NAMES.capacity_factor}), cap, fieldError(cap)),
      el("div", {class: "field"}, el("label", {for: opens.id, text: HUB_LEVER_NAMES.opens}), opens, fieldError(opens))),
    el("button", {type: "button", class: "quiet small", "aria-label": "Remove this hub change",
                  onclick: () => { row.remove(); scheduleValidate(); }}, "Remove"));
  row.collect = () => {
    const h = hub();
    const o = {};
    if (Number(cap.value) !== h.capacity_factor) o.capacity_factor = Number(cap.value);
    if (opens.value !== h.opens) o.opens = opens.value;
    return [select.value, o];
  };
  $("hub-changes").append(row);
  if (!change) select.focus();
}

function addEvent(event) {
  const n = S.nextUid++;
  const levers = S.leverInputs.map((x) => x.lever).filter((l) => l.yearly);
  const date = el("input", {type: "date", id: "event-date-" + n, required: true, min: S.levers.start, max: S.levers.end});
  const until = el("input", {type: "date", id: "event-until-" + n, min: S.levers.start, max: S.levers.end});
  const which = el("select", {id: "event-key-" + n});
  for (const l of levers) which.append(el("option", {value: l.key, text: leverName(l)}));
  const valueBox = el("div", {class: "field"});
  let value;
  const setLever = (v) => {
    const l = levers.find((x) => x.key === which.value);
    value = leverInput(l, "event-value-" + n, v === undefined ? l.value : v);
    value.addEventListener("change", scheduleValidate);
    valueBox.replaceChildren(el("label", {for: value.id, text: "Value"}), value, fieldError(value));
  };
  if (event) {
    date.value = event.date || "";
    until.value = event.until || "";
    const [k, v] = Object.entries(event.set || {})[0] || [];
    if (k) which.value = k;
    setLever(k ? v : undefined);
  } else {
    date.value = S.levers.start;
    setLever();
  }
  which.addEventListener("change", () => { setLever(); scheduleValidate(); });
  for (const i of [date, until]) i.addEventListener("change", scheduleValidate);
  const row = el("div", {class: "row-box event"},
    el("div", {class: "two"},
      el("div", {class: "field"}, el("label", {for: date.id, text: "From"}), date, fieldError(date)),
      el("div", {class: "field"}, el("label", {for: until.id, text: "Until (optional)"}), until, fieldError(until))),
    el("div", {class: "field"}, el("label", {for: which.id, text: "Lever"}), which),
    valueBox,
    el("button", {type: "button", class: "quiet small", "aria-label": "Remove this timeline event",
                  onclick: () => { row.remove(); scheduleValidate(); }}, "Remove"));
  row.collect = () => {
    const l = levers.find((x) => x.key === which.value);
    const e = {date: date.value, set: {[l.key]: valueOf(value, l)}};
    if (until.value) e.until = until.value;
    return e;
  };
  $("events").append(row);
  if (!event) date.focus();
}

// --------------------------------------------------------------- other parameters

/// The parameters the schema declares that are not levers, those matching the search box
/// (by key or words of the description) listed to add.
function listOthers() {
  const q = $("other-search").value.trim().toLowerCase();
  const levers = new Set(S.leverInputs.map((x) => x.lever.key));
  const keys = declaredKeys().filter((k) => !levers.has(k) &&
    (!q || k.toLowerCase().includes(q) || paramField(k).help.toLowerCase().includes(q)));
  const list = $("other-list");
  list.replaceChildren(...keys.slice(0, OTHERS_SHOWN).map((k) =>
    el("option", {value: k, title: paramField(k).help, text: k})));
  $("other-count").textContent = keys.length + (keys.length === 1 ? " parameter" : " parameters") +
    (keys.length > OTHERS_SHOWN ? ", the first " + OTHERS_SHOWN + " listed" : "");
  if (keys.length) list.value = keys[0];
  otherChosen();
}

function otherChosen() {
  const k = $("other-list").value;
  $("other-about").textContent = k ? k + ": " + paramField(k).help + rangeText(paramField(k)) : "";
  $("add-other").disabled = !k;
}

/// A field for a parameter that is not a lever, built from its schema; it starts at the
/// scenario's value.
function addOther(key, value) {
  const existing = [...$("others").children].find((r) => r.dataset.key === key);
  if (existing) {
    if (value !== undefined) existing.set(value);
    return existing;
  }
  const f = Object.assign(paramField(key), {value: S.levers.parameters[key]});
  const id = "other-" + key.replace(/[^a-z0-9]+/gi, "-");
  const input = leverInput(f, id, value === undefined ? f.value : value);
  const fixed = f.yearly ? "" : " Read once a run: fixed for it, so not with a date the changes start on.";
  const hint = el("p", {class: "hint", id: id + "-hint", text: f.help + rangeText(f) + "." + fixed});
  input.setAttribute("aria-describedby", hint.id);
  input.addEventListener("change", scheduleValidate);
  const row = el("div", {class: "row-box other" + (f.kind === "flag" ? " flag" : ""), "data-key": key},
    el("label", {for: id}, el("code", {}, key)), input, hint, fieldError(input),
    el("button", {type: "button", class: "quiet small", "aria-label": "Remove " + key,
                  onclick: () => { row.remove(); scheduleValidate(); }}, "Remove"));
  row.collect = () => [key, valueOf(input, f), f.value];
  row.set = (v) => { if (f.kind === "flag") input.checked = !!v; else input.value = v; };
  $("others").append(row);
  return row;
}

/// The what-if the form describes (the API's {scenario | upload, changes, ...}).
function specFromForm() {
  const label = $("label").value.trim();
  if (sourceIs("upload") && !S.upload) throw new Error("Choose a scenario file first.");
  const spec = sourceIs("upload") ? {upload: S.upload.id} : {scenario: $("scenario").value};
  spec.replications = Number($("replications").value);
  spec.seed = Number($("seed").value);
  const set = {};
  for (const {lever, input} of S.leverInputs) {
    const v = valueOf(input, lever);
    if (v !== lever.value) set[lever.key] = v;
  }
  for (const row of $("others").children) {
    const [key, v, was] = row.collect();
    if (v !== was) set[key] = v;
  }
  const changes = {};
  if (Object.keys(set).length) changes.set = set;
  if ($("changes-from").value && changes.set) changes.from = $("changes-from").value;
  const hubs = {};
  for (const row of $("hub-changes").children) {
    const [name, o] = row.collect();
    if (Object.keys(o).length) hubs[name] = Object.assign(hubs[name] || {}, o);
  }
  if (Object.keys(hubs).length) changes.hubs = hubs;
  const events = [...$("events").children].map((row) => row.collect());
  if (events.length) changes.events = events;
  if (Object.keys(changes).length) spec.changes = changes;
  spec.label = label || autoLabel(spec);
  return spec;
}

function autoLabel(spec) {
  const parts = [spec.scenario ? spec.scenario.replace(/\.yaml$/, "") : S.levers.name];
  const c = spec.changes || {};
  for (const [k, v] of Object.entries(c.set || {}))
    parts.push(shortName(k) + " " + (typeof v === "string" ? human(v).toLowerCase() : v) +
               (c.from ? " from " + c.from.slice(0, 4) : ""));
  for (const [hub, o] of Object.entries(c.hubs || {}))
    parts.push(hub + (o.capacity_factor !== undefined ? " ×" + o.capacity_factor : "") + (o.opens ? " opens " + o.opens : ""));
  if ((c.events || []).length) parts.push(c.events.length + (c.events.length > 1 ? " events" : " event"));
  if (parts.length === 1) parts.push("as it is");
  const s = parts.join(", ");
  return s.length > 70 ? s.slice(0, 69) + "…" : s;
}

function shortName(key) {
  const m = key.match(/^llme\.(\w+)_mastery_specialist\.training_places$/);
  if (m) return human(m[1]) + " MS places";
  return {"policy.place_sharing": "sharing", "policy.priority": "priority", "policy.order": "order",
          "policy.new_share": "new share", "budget.annual": "budget", "capacity.factor": "capacity"}[key] || key;
}

/// Sets the form to a what-if (from a URL or a kept what-if); loads its scenario's levers.
async function specToForm(spec) {
  $("label").value = spec.label || "";
  if (spec.upload) {
    await setSource("upload", false);
    S.upload = {id: spec.upload, name: ""};
    if (!(await loadUploadLevers(spec.upload))) return;
  } else {
    await setSource("shipped", false);
    if (!S.scenarios.some((s) => s.name === spec.scenario)) throw new Error("no shipped scenario " + spec.scenario);
    $("scenario").value = spec.scenario;
    await loadLevers(spec.scenario);
  }
  if (spec.replications) $("replications").value = spec.replications;
  if (spec.seed !== undefined) $("seed").value = spec.seed;
  const c = spec.changes || {};
  for (const [key, v] of Object.entries(c.set || {})) {
    const lever = S.leverInputs.find((x) => x.lever.key === key);
    if (!lever) addOther(key, v);
    else if (lever.lever.kind === "flag") lever.input.checked = !!v;
    else lever.input.value = v;
  }
  $("changes-from").value = c.from || "";
  for (const [hub, o] of Object.entries(c.hubs || {})) addHubChange(Object.assign({hub}, o));
  for (const e of c.events || []) addEvent(e);
}

function sourceIs(kind) { return document.querySelector("input[name=source]:checked").value === kind; }

/// Shows the form for a shipped scenario or an upload; `load`: with its levers loaded.
async function setSource(kind, load = true) {
  $("source-" + kind).checked = true;
  $("shipped-box").hidden = kind !== "shipped";
  $("upload-box").hidden = kind !== "upload";
  const ready = kind === "shipped" || !!S.upload;
  $("lever-sections").hidden = !ready;
  $("replications").disabled = $("seed").disabled = !ready;
  if (!load || !ready) return;
  if (kind === "shipped") await loadLevers($("scenario").value);
  else await loadUploadLevers(S.upload.id);
}

async function loadLevers(name) {
  const {status, body} = await api("api/levers?scenario=" + encodeURIComponent(name));
  if (status !== 200) throw new Error(body.error);
  const s = S.scenarios.find((x) => x.name === name);
  $("scenario-about").textContent = s.description + " — " + whole(s.hubs) + " hubs, " + whole(s.schools) +
    " schools, " + s.start + " to " + s.end + "; parameters " +
    (s.parameters === "drawn" ? "drawn from a calibration" : "fixed") + ".";
  useLevers(body, body.replications > 1 ? body.replications : 100);
}

/// The levers of the upload `id`, with its values; false (and the page says why) if the
/// server no longer keeps it.
async function loadUploadLevers(id) {
  const {status, body} = await api("api/levers?upload=" + encodeURIComponent(id));
  if (status !== 200) {
    S.upload = null;
    await setSource("upload", false);
    $("upload-status").textContent = status === 404
      ? "The uploaded scenario this what-if names (" + id + ") is gone: the server keeps the last " +
        S.info.limits.max_uploads + " uploads while it runs. Upload the file again."
      : body.error;
    $("upload-status").dataset.gone = String(status === 404);
    return false;
  }
  S.upload = {id, name: body.name};
  $("upload-status").dataset.gone = "false";
  $("upload-status").textContent = "Uploaded scenario '" + body.name + "': its levers below start at its values. " +
    "The server keeps the last " + S.info.limits.max_uploads + " uploads while it runs, so a what-if's address names it until then.";
  useLevers(body, body.replications);
  return true;
}

/// The form for a scenario's levers (GET /api/levers), starting at `replications`.
function useLevers(body, replications) {
  S.levers = body;
  $("lever-sections").hidden = false;
  $("replications").disabled = $("seed").disabled = false;
  $("replications").value = Math.min(replications, S.info.limits.max_replications);
  $("seed").value = body.seed;
  buildLevers();
  scheduleValidate();
}

// ---------------------------------------------------------------------- validation

let validateTimer = null;
function scheduleValidate() {
  clearTimeout(validateTimer);
  validateTimer = setTimeout(validateForm, 350);
}

async function validateForm() {
  if (!S.levers || $("lever-sections").hidden) return;
  const form = $("whatif-form");
  if (!form.checkValidity()) return;
  let spec;
  try {
    spec = specFromForm();
  } catch (e) {
    return;
  }
  const {status, body} = await api("api/validate", {method: "POST", body: spec});
  if (status === 200) {
    $("yaml-preview").textContent = body.yaml;
    showErrors($("whatif-errors"), null);
  } else {
    showErrors($("whatif-errors"), body);
  }
}

/// The API's error: its message and, line by line, the loader's diagnostics.
function showErrors(box, body) {
  if (!body) {
    box.hidden = true;
    box.replaceChildren();
    return;
  }
  const list = el("ul", {class: "diagnostics"});
  for (const d of body.diagnostics || []) {
    list.append(el("li", {class: "diagnostic", "data-line": d.line, "data-column": d.column, "data-key": d.key},
      el("span", {class: "where"}, (d.file ? d.file + ", " : "") + "line " + d.line + ", column " + d.column),
      " ", el("code", {class: "key"}, d.key), ": ", el("span", {class: "message"}, d.message)));
  }
  box.replaceChildren(el("p", {class: "error-title", text: body.error || "error"}), list.children.length ? list : "");
  box.hidden = false;
}

// ---------------------------------------------------------------------------- runs

function newWhatif(spec) {
  return {uid: S.nextUid++, spec, run: null, label: spec.label || "", state: "starting", done: 0,
          total: spec.replications || 0, figures: null, error: null, yaml: null};
}

function active(w) { return ["starting", "waiting", "queued", "running"].includes(w.state); }

async function runFromForm(event) {
  event.preventDefault();
  // The run checks the what-if itself (and answers with its YAML): a check still waiting
  // would only take the server's time from the run.
  clearTimeout(validateTimer);
  const form = $("whatif-form");
  if (!form.checkValidity()) {
    for (const i of form.querySelectorAll("input, select")) showValidity(i);
    form.reportValidity();
    return;
  }
  let spec;
  try {
    spec = specFromForm();
  } catch (e) {
    showErrors($("whatif-errors"), {error: e.message});
    return;
  }
  if (S.whatifs.length >= MAX_WHATIFS) {
    showErrors($("whatif-errors"), {error: "Four what-ifs are kept side by side, the most: remove one to run another."});
    return;
  }
  showErrors($("whatif-errors"), null);
  const w = newWhatif(spec);
  S.whatifs.push(w);
  S.selected = S.whatifs.length - 1;
  S.formRun = w;
  renderAll();
  await start(w);
  updateUrl();
}

async function start(w) {
  const {status, body} = await api("api/runs", {method: "POST", body: w.spec});
  if (status === 202) {
    w.run = body.id;
    w.label = body.label;
    w.yaml = body.yaml;
    w.state = "queued";
    if (w === S.formRun) $("yaml-preview").textContent = body.yaml;
    poll(w);
  } else if (status === 429) {
    // This browser's share of the queue is full: wait for a run to end, then try again.
    w.state = "waiting";
    w.error = body.error;
    setTimeout(() => { if (S.whatifs.includes(w) && w.state === "waiting") start(w); }, 1000);
  } else {
    S.whatifs.splice(S.whatifs.indexOf(w), 1);
    S.selected = Math.min(S.selected, S.whatifs.length - 1);
    showErrors($("whatif-errors"), body);
  }
  renderAll();
}

async function poll(w) {
  if (!S.whatifs.includes(w)) return;
  const {status, body} = await api("api/runs/" + w.run + "?threshold=" + S.threshold);
  if (status !== 200) {
    w.state = "failed";
    w.error = body.error;
    renderAll();
    return;
  }
  const was = w.state;
  // Figures change once a batch of replications ends: the page is drawn again only then
  // (drawing takes the cores the run needs).
  const changed = was !== body.state || w.done !== body.done || (!w.figures && body.figures);
  w.state = body.state;
  w.done = body.done;
  w.total = body.total;
  if (body.error) w.error = body.error;
  if (body.figures) w.figures = body.figures;
  if (active(w)) {
    setTimeout(() => poll(w), w.figures ? POLL_MS : POLL_FIRST_MS);
  } else if (was !== w.state) {
    compareAll();
  }
  if (changed) renderAll();
}

async function cancel(w) {
  if (!w || !active(w)) return;
  if (!w.run) {
    w.state = "cancelled";
    renderAll();
    return;
  }
  await api("api/runs/" + w.run, {method: "DELETE"});
}

function removeWhatif(i) {
  const w = S.whatifs[i];
  cancel(w);
  S.whatifs.splice(i, 1);
  if (S.selected >= S.whatifs.length) S.selected = S.whatifs.length - 1;
  S.pair = null;
  renderAll();
  updateUrl();
}

function finished(w) { return !active(w) && w.run && w.done > 0; }

/// Whether the server can compare two runs: the same start and the same phases.
function comparable(a, b) {
  const fa = a.figures, fb = b.figures;
  return !!fa && !!fb && fa.start === fb.start && fa.phases.join() === fb.phases.join();
}

/// Every pair of finished what-ifs, earlier (A) against later (B).
async function compareAll() {
  const jobs = [];
  for (let i = 0; i < S.whatifs.length; ++i)
    for (let j = i + 1; j < S.whatifs.length; ++j) {
      const a = S.whatifs[i], b = S.whatifs[j];
      if (!finished(a) || !finished(b)) continue;
      const key = a.run + "|" + b.run;
      if (S.comparisons.has(key)) continue;
      if (!comparable(a, b)) {
        S.comparisons.set(key, {error: "different start dates or phases: not comparable"});
        continue;
      }
      S.comparisons.set(key, null);
      jobs.push(api("api/compare?a=" + a.run + "&b=" + b.run).then(({status, body}) => {
        S.comparisons.set(key, status === 200 ? body : {error: body.error});
      }));
    }
  if (!jobs.length) return;
  await Promise.all(jobs);
  renderAll();
}

let thresholdTimer = null;
function thresholdChanged() {
  const input = $("threshold");
  showValidity(input);
  if (!input.validity.valid) return;
  clearTimeout(thresholdTimer);
  thresholdTimer = setTimeout(async () => {
    S.threshold = Number(input.value) / 100;
    await Promise.all(S.whatifs.filter((w) => w.run && !active(w) && w.done > 0).map(async (w) => {
      const {status, body} = await api("api/runs/" + w.run + "?threshold=" + S.threshold);
      if (status === 200 && body.figures) w.figures = body.figures;
    }));
    renderAll();
    updateUrl();
  }, 250);
}

// -------------------------------------------------------------------------- the URL

/// The address of the what-ifs kept: each as its API request, the one shown, the threshold.
function updateUrl() {
  if (S.restoring) return;
  const p = new URLSearchParams();
  for (const w of S.whatifs) p.append("w", JSON.stringify(w.spec));
  if (S.selected >= 0) p.set("show", String(S.selected));
  if (S.threshold !== 0.75) p.set("threshold", String(Math.round(S.threshold * 100)));
  const hash = p.toString();
  history.replaceState(null, "", hash ? "#" + hash : location.pathname + location.search);
}

async function restoreFromUrl() {
  const p = new URLSearchParams(location.hash.slice(1));
  const specs = p.getAll("w").slice(0, MAX_WHATIFS).map((t) => {
    try { return JSON.parse(t); } catch (e) { return null; }
  }).filter((s) => s && typeof s === "object");
  if (p.has("threshold")) {
    $("threshold").value = p.get("threshold");
    if ($("threshold").validity.valid) S.threshold = Number(p.get("threshold")) / 100;
  }
  if (!specs.length) return false;
  S.restoring = true;
  try {
    const show = Math.min(Math.max(Number(p.get("show") || specs.length - 1), 0), specs.length - 1);
    await specToForm(specs[show]);
    for (const spec of specs) S.whatifs.push(newWhatif(spec));
    S.selected = show;
    S.formRun = S.whatifs[show];
    renderAll();
    for (const w of S.whatifs) await start(w);
  } finally {
    S.restoring = false;
  }
  updateUrl();
  return true;
}

// ------------------------------------------------------------------------- uploads

async function uploadChosen() {
  const file = $("upload-file").files[0];
  S.upload = null;
  showErrors($("upload-errors"), null);
  await setSource("upload", false);
  if (!file) return;
  if (file.size > S.info.limits.max_body - 1024) {
    showErrors($("upload-errors"), {error: "The file is larger than the studio takes (" +
      Math.round(S.info.limits.max_body / 1024) + " KiB)."});
    return;
  }
  $("upload-status").textContent = "Checking " + file.name + "…";
  const text = await file.text();
  const {status, body} = await api("api/uploads", {method: "POST", body: {yaml: text}});
  if (status === 201) {
    S.upload = {id: body.id, name: body.name};
    $("yaml-preview").textContent = text;
    await setSource("upload");
    $("upload-status").textContent = file.name + ": a valid scenario, '" + body.name + "'. " +
      $("upload-status").textContent;
  } else {
    $("upload-status").textContent = file.name + " has errors:";
    showErrors($("upload-errors"), body);
  }
}

// ------------------------------------------------------------------------- charts

function niceTicks(lo, hi, n) {
  const span = hi - lo || 1;
  const raw = span / n;
  const mag = Math.pow(10, Math.floor(Math.log10(raw)));
  const r = raw / mag;
  const step = (r >= 7.5 ? 10 : r >= 3.5 ? 5 : r >= 1.5 ? 2 : 1) * mag;
  const out = [];
  for (let v = Math.ceil(lo / step) * step; v <= hi + step * 1e-9; v += step) out.push(Number(v.toPrecision(12)));
  return out;
}

function markerShape(g, kind, x, y, r, attrs) {
  if (kind === "none") return null;
  if (kind === "circle") return svg("circle", Object.assign({cx: x, cy: y, r}, attrs), g);
  if (kind === "square") return svg("rect", Object.assign({x: x - r, y: y - r, width: 2 * r, height: 2 * r}, attrs), g);
  const pts = kind === "triangle" ? [[x, y - r * 1.2], [x + r * 1.1, y + r * 0.8], [x - r * 1.1, y + r * 0.8]]
    : [[x, y - r * 1.3], [x + r * 1.1, y], [x, y + r * 1.3], [x - r * 1.1, y]];
  return svg("polygon", Object.assign({points: pts.map((p) => p.join(",")).join(" ")}, attrs), g);
}

/// A time chart: each series {style, label, dates, p50, p5?, p95?, p25?, p75?, bands}.
function timeChart({title, series, yFmt, yMin = 0, yMax, markers = [], zero = false, width = 460, height = 250, bare = false}) {
  const m = bare ? {l: 2, r: 2, t: 2, b: 2} : {l: 54, r: 26, t: 12, b: 30};
  const allX = [];
  for (const s of series) for (const d of s.dates) allX.push(Date.parse(d));
  for (const mk of markers) allX.push(Date.parse(mk.date));
  const x0 = Math.min(...allX), x1 = Math.max(...allX);
  if (yMax === undefined) {
    yMax = 0;
    for (const s of series) for (const v of (s.bands && s.p95) || s.p50) yMax = Math.max(yMax, v);
    yMax = yMax > 0 ? yMax * 1.08 : 1;
  }
  if (zero) {
    for (const s of series) for (const v of (s.bands && s.p5) || s.p50) yMin = Math.min(yMin, v * 1.08);
  }
  const X = (t) => m.l + (t - x0) / (x1 - x0 || 1) * (width - m.l - m.r);
  const Y = (v) => height - m.b - (v - yMin) / (yMax - yMin || 1) * (height - m.t - m.b);
  const root = svg("svg", {viewBox: `0 0 ${width} ${height}`, role: "img", "aria-label": title, class: "chart"});
  svg("title", {}, root).textContent = title;
  const grid = svg("g", {class: "grid"}, root);
  for (const v of bare ? [] : niceTicks(yMin, yMax, 5)) {
    svg("line", {x1: m.l, x2: width - m.r, y1: Y(v), y2: Y(v), class: v === 0 && zero ? "zero" : ""}, grid);
    svg("text", {x: m.l - 6, y: Y(v) + 4, "text-anchor": "end"}, grid).textContent = yFmt(v);
  }
  const y0 = new Date(x0).getUTCFullYear(), y1 = new Date(x1).getUTCFullYear();
  const every = Math.max(1, Math.ceil((y1 - y0 + 1) / 8));
  for (let y = y0; y <= y1 && !bare; ++y) {
    const t = Date.UTC(y, 0, 1);
    if (t < x0 || t > x1 || (y - y0) % every) continue;
    svg("line", {x1: X(t), x2: X(t), y1: height - m.b, y2: height - m.b + 4}, grid);
    svg("text", {x: X(t), y: height - m.b + 17, "text-anchor": "middle"}, grid).textContent = String(y);
  }
  svg("line", {x1: m.l, x2: width - m.r, y1: height - m.b, y2: height - m.b, class: "axis"}, grid);
  const area = (d, lo, hi) => d.map((t, k) => X(Date.parse(t)) + "," + Y(hi[k])).concat(
    d.map((t, k) => X(Date.parse(t)) + "," + Y(lo[k])).reverse()).join(" ");
  for (const s of series) {
    if (!s.bands) continue;
    if (s.p5 && s.p95) svg("polygon", {points: area(s.dates, s.p5, s.p95), fill: s.style.color, "fill-opacity": 0.12}, root);
    if (s.p25 && s.p75) svg("polygon", {points: area(s.dates, s.p25, s.p75), fill: s.style.color, "fill-opacity": 0.22}, root);
  }
  for (const s of series) {
    const g = svg("g", {class: "series", "data-letter": s.style.letter}, root);
    const pts = s.dates.map((t, k) => [X(Date.parse(t)), Y(s.p50[k])]);
    svg("polyline", {points: pts.map((p) => p.join(",")).join(" "), fill: "none", stroke: s.style.color,
                     "stroke-width": 2, "stroke-dasharray": s.style.dash || null, "stroke-linejoin": "round"}, g);
    const step = Math.max(1, Math.ceil(pts.length / 8));
    pts.forEach((p, k) => {
      if (k % step === 0 || k === pts.length - 1)
        markerShape(g, s.style.marker, p[0], p[1], 3, {fill: "#fff", stroke: s.style.color, "stroke-width": 1.5});
    });
    const last = pts[pts.length - 1];
    if (last && !bare) svg("text", {x: last[0] + 5, y: last[1] + 4, class: "end-label", fill: s.style.color}, g).textContent = s.style.letter;
  }
  for (const mk of markers) {
    const g = svg("g", {class: "target-marker"}, root);
    const x = X(Date.parse(mk.date)), y = Y(mk.value);
    svg("line", {x1: x, x2: x, y1: y - 7, y2: y + 7}, g);
    svg("line", {x1: x - 7, x2: x + 7, y1: y, y2: y}, g);
    svg("text", {x: x - 9, y: y - 7, "text-anchor": "end"}, g).textContent = mk.label;
  }
  return root;
}

function legend(items, extra) {
  const ul = el("ul", {class: "legend"});
  for (const it of items) {
    const sample = svg("svg", {width: 34, height: 12, "aria-hidden": "true"});
    svg("line", {x1: 1, x2: 33, y1: 6, y2: 6, stroke: it.style.color, "stroke-width": 2,
                 "stroke-dasharray": it.style.dash || null}, sample);
    markerShape(sample, it.style.marker, 17, 6, 3, {fill: "#fff", stroke: it.style.color, "stroke-width": 1.5});
    ul.append(el("li", {}, sample, el("strong", {}, it.style.letter), " ", it.label,
                 el("span", {class: "sr-only"}, " (" + it.style.name + ")")));
  }
  if (extra) ul.append(el("li", {class: "legend-note"}, extra));
  return ul;
}

// ------------------------------------------------------------------------ rendering

let renderQueued = false;
function renderAll() {
  if (renderQueued) return;
  renderQueued = true;
  requestAnimationFrame(() => {
    renderQueued = false;
    renderStrip();
    renderForm();
    renderResults();
  });
}

function selectedWhatif() { return S.whatifs[S.selected] || null; }

function stateText(w) {
  if (w.state === "starting") return "starting";
  if (w.state === "waiting") return "waiting for a free place in the queue";
  if (w.state === "queued") return "queued";
  if (w.state === "running") return w.done + " of " + w.total + " replications";
  if (w.state === "done") return w.done + " replications";
  if (w.state === "cancelled") return "cancelled after " + w.done + " of " + w.total + " replications";
  return "failed: " + (w.error || "");
}

function renderForm() {
  const w = S.formRun;
  const on = !!w && S.whatifs.includes(w);
  $("progress-box").hidden = !on;
  $("cancel").disabled = !(on && active(w));
  if (!on) return;
  $("progress").max = Math.max(1, w.total);
  $("progress").value = w.done;
  $("progress-text").textContent = (w.state === "done" ? "Done: " : w.state === "cancelled" ? "Cancelled: " : "") + stateText(w);
}

function renderStrip() {
  $("whatif-count").textContent = S.whatifs.length ? "(" + S.whatifs.length + " of " + MAX_WHATIFS + ")" : "";
  const strip = $("whatifs");
  strip.replaceChildren();
  if (!S.whatifs.length) {
    strip.append(el("p", {class: "empty", text: "None yet: set the levers on the left and press Run. Keep up to four and compare them."}));
    return;
  }
  S.whatifs.forEach((w, i) => {
    const st = styleOf(i);
    const sample = svg("svg", {width: 40, height: 12, "aria-hidden": "true"});
    svg("line", {x1: 1, x2: 39, y1: 6, y2: 6, stroke: st.color, "stroke-width": 2.5, "stroke-dasharray": st.dash || null}, sample);
    markerShape(sample, st.marker, 20, 6, 3.5, {fill: "#fff", stroke: st.color, "stroke-width": 1.5});
    const targets = el("ul", {class: "mini-targets"});
    for (const t of (w.figures && w.figures.targets) || [])
      targets.append(el("li", {}, el("span", {class: "t-label", title: words(t.label)}, words(t.label)), " ",
                        el("strong", {"data-value": t.p_met}, pct(t.p_met))));
    const links = el("div", {class: "downloads"});
    if (finished(w)) {
      const base = "api/runs/" + w.run + "/";
      links.append(el("span", {class: "dl-title"}, "Download:"),
        el("a", {href: base + "scenario.yaml", download: "", class: "dl", "data-kind": "yaml"}, "scenario YAML"),
        el("a", {href: base + "run.h5", download: "", class: "dl", "data-kind": "h5"}, "HDF5"),
        el("a", {href: base + "report", target: "_blank", rel: "noopener", class: "dl", "data-kind": "report"}, "report"));
    }
    const card = el("article", {class: "whatif" + (i === S.selected ? " selected" : ""), "data-letter": st.letter,
                                "data-run": w.run || "", "data-state": w.state,
                                "aria-current": i === S.selected ? "true" : null},
      el("header", {}, el("span", {class: "badge", style: `border-color:${st.color};color:${st.color}`}, st.letter),
         sample, el("h3", {class: "wlabel", title: w.label}, w.label || "(starting)")),
      el("p", {class: "wstate"}, stateText(w)),
      active(w) ? el("progress", {max: Math.max(1, w.total), value: w.done, "aria-label": "Progress of " + st.letter}) : null,
      targets,
      links,
      el("div", {class: "card-actions"},
        el("button", {type: "button", class: "small", "aria-pressed": i === S.selected ? "true" : "false",
                      onclick: () => { S.selected = i; renderAll(); updateUrl(); }}, i === S.selected ? "Shown" : "Show"),
        el("button", {type: "button", class: "small quiet", onclick: () => editWhatif(i)}, "Edit"),
        active(w) ? el("button", {type: "button", class: "small quiet", onclick: () => cancel(w)}, "Cancel") : null,
        el("button", {type: "button", class: "small quiet", "aria-label": "Remove what-if " + st.letter,
                      onclick: () => removeWhatif(i)}, "Remove")));
    strip.append(card);
  });
}

async function editWhatif(i) {
  const w = S.whatifs[i];
  S.selected = i;
  await specToForm(w.spec);
  S.formRun = w;
  if (w.yaml) $("yaml-preview").textContent = w.yaml;
  renderAll();
  $("label").focus();
}

function renderResults() {
  const w = selectedWhatif();
  for (const e of document.querySelectorAll("[data-which]"))
    e.textContent = w ? "— " + styleOf(S.selected).letter + ", " + w.label : "";
  const f = w && w.figures;
  const words = f ? f.uncertainty : "";
  for (const e of document.querySelectorAll("[data-uncertainty]")) {
    const kind = e.dataset.uncertainty;
    e.textContent = !f ? "" : (kind === "equity"
      ? "Dots: the median share of each band's schools ever engaged at the end; whiskers: the 5th to 95th percentile. "
      : kind === "roles" ? "Active leaders, national: median, and 5th to 95th percentile in brackets. "
      : "Lines: medians over replications. Bands of " + styleOf(S.selected).letter + ": 5th to 95th percentile (light)" +
        (kind === "engagement" ? " and 25th to 75th (darker). " : ". ")) + "They hold " + words + ".";
  }
  renderHeadline(w);
  renderEngagement();
  renderHubs(w);
  renderRoles(w);
  renderWaiting();
  renderCost();
  renderEquity();
  renderCompare();
}

function withFigures() {
  return S.whatifs.map((w, i) => ({w, i, style: styleOf(i)})).filter((x) => x.w.figures);
}

function renderHeadline(w) {
  const box = $("headline");
  if (!w || !w.figures) {
    box.replaceChildren(el("p", {class: "empty", text: !w ? "Run a what-if to see the chance each target is met by its date."
      : active(w) ? "The first replications are on their way…"
      : w.state === "failed" ? "The run failed: " + (w.error || "no reason given") + "."
      : "This run ended before its first replications: it has no figures."}));
    return;
  }
  const f = w.figures;
  const cards = f.targets.map((t, k) => {
    const others = withFigures().filter((x) => x.w !== w && x.w.figures.targets[k] &&
                                        x.w.figures.targets[k].label === t.label);
    return el("div", {class: "target", "data-target": t.label},
      el("p", {class: "t-name", title: t.label}, "P(" + words(t.label) + ")"),
      el("p", {class: "big", "data-value": t.p_met}, pct(t.p_met)),
      el("p", {class: "interval", "data-low": t.low, "data-high": t.high},
        "95% interval " + pct(t.low) + " to " + pct(t.high)),
      el("p", {class: "reach"}, "Reached, median: " + (t.median_date || "not by the end") +
        " (5th to 95th percentile: " + (t.p5_date || "never") + " to " + (t.p95_date || "not by the end") + ")"),
      others.length ? el("p", {class: "others"}, "Other what-ifs: " + others.map((x) => x.style.letter + " " + pct(x.w.figures.targets[k].p_met)).join(" · ")) : null);
  });
  box.replaceChildren(
    el("div", {class: "targets"}, cards.length ? cards : el("p", {class: "empty", text: "This scenario sets no targets."})),
    el("p", {class: "uncertainty headline-words"},
      "P(met): the share of " + f.replications + " replications in which the target is met by its date. " +
      "The interval is the 95% Wilson interval of that share (how precisely " + f.replications +
      " replications estimate it: more replications narrow it). The replications hold " + f.uncertainty + "."));
}

function renderEngagement() {
  const box = $("engagement");
  const items = withFigures();
  if (!items.length) return box.replaceChildren(el("p", {class: "empty", text: "Engagement over time appears here."}));
  const sel = selectedWhatif();
  const phases = [...new Set(items.flatMap((x) => x.w.figures.phases))];
  const charts = phases.map((phase) => {
    const series = items.filter((x) => x.w.figures.engagement[phase]).map((x) => {
      const e = x.w.figures.engagement[phase];
      return Object.assign({style: x.style, dates: x.w.figures.dates, bands: x.w === sel}, e);
    });
    const markers = (sel && sel.figures ? sel.figures.targets : []).filter((t) => t.phase === phase)
      .map((t) => ({date: t.by, value: t.value, label: pct(t.value) + " by " + t.by.slice(0, 4)}));
    return el("figure", {class: "chart-box", "data-phase": phase},
      el("figcaption", {}, human(phase) + " schools ever engaged (share)"),
      timeChart({title: human(phase) + " schools ever engaged, share, over time", series, yFmt: (v) => pct(v), yMax: 1, markers}));
  });
  box.replaceChildren(...charts, legend(items.map((x) => ({style: x.style, label: x.w.label})), "+ a target: its share and date"));
}

function renderWaiting() {
  const box = $("waiting");
  const items = withFigures();
  if (!items.length) return box.replaceChildren(el("p", {class: "empty", text: "Schools waiting appear here."}));
  const sel = selectedWhatif();
  const phases = [...new Set(items.flatMap((x) => x.w.figures.phases))];
  const charts = phases.map((phase) => {
    const series = items.filter((x) => x.w.figures.waiting[phase])
      .map((x) => Object.assign({style: x.style, dates: x.w.figures.dates, bands: x.w === sel}, x.w.figures.waiting[phase]));
    return el("figure", {class: "chart-box", "data-phase": phase},
      el("figcaption", {}, human(phase) + " schools waiting for a place"),
      timeChart({title: human(phase) + " schools waiting, over time", series, yFmt: (v) => whole(v)}));
  });
  box.replaceChildren(...charts, legend(items.map((x) => ({style: x.style, label: x.w.label}))));
}

function renderHubs(w) {
  const box = $("hubs");
  if (!w || !w.figures) return box.replaceChildren(el("p", {class: "empty", text: "The hubs' dates appear here."}));
  const h = w.figures.hubs;
  const phases = w.figures.phases.filter((p) => h[p] && h[p].some((r) => r.schools > 0));
  // Where the table's full columns would not fit, each range goes under its median.
  const compact = box.clientWidth < HUB_TABLE_FULL.hub + phases.length * HUB_TABLE_FULL.phase;
  const span = compact ? 2 : 3;
  const cols = el("colgroup", {}, el("col", {class: "c-hub"}), phases.map(() => compact
    ? [el("col", {class: "c-date-range"}), el("col", {class: "c-p"})]
    : [el("col", {class: "c-date"}), el("col", {class: "c-range"}), el("col", {class: "c-p"})]));
  const head1 = el("tr", {}, el("th", {scope: "col", rowspan: 2}, "Hub"),
    phases.map((p) => el("th", {scope: "colgroup", colspan: span, class: "group"}, human(p) + " " + pct(h.threshold))));
  const reached = () => el("th", {scope: "col", class: "num", title: "share of replications in which the hub gets there by the end of the run"}, "reached");
  const head2 = el("tr", {}, phases.map(() => compact
    ? [el("th", {scope: "col"}, "median, 90% range"), reached()]
    : [el("th", {scope: "col"}, "median"), el("th", {scope: "col"}, "90% range"), reached()]));
  const body = el("tbody");
  h.names.forEach((name, k) => {
    const cells = phases.map((p) => {
      const r = h[p][k];
      if (!r.schools) return [el("td", {colspan: span, class: "none"}, "no schools")];
      const range = {class: "range", title: (r.p5_date || "after the end") + " to " + (r.p95_date || "after the end")};
      const rangeText = shortMonth(r.p5_date) + "–" + shortMonth(r.p95_date);
      const date = el("td", {class: "date", "data-phase": p, "data-value": r.p50_date || "", title: r.p50_date || "not by the end of the run"},
                      month(r.p50_date), compact ? el("span", Object.assign(range, {class: "range block"}), rangeText) : null);
      return [date, compact ? null : el("td", range, rangeText), el("td", {class: "num", "data-value": r.p_reached}, pct(r.p_reached))];
    });
    body.append(el("tr", {}, el("th", {scope: "row"}, name), cells));
  });
  box.replaceChildren(el("table", {class: "hub-table" + (compact ? " compact" : ""), id: "hub-table", "data-threshold": h.threshold},
    el("caption", {class: "sr-only"}, "Date each hub's engaged share of schools reaches " + pct(h.threshold)),
    cols, el("thead", {}, head1, head2), body));
}

function renderRoles(w) {
  const box = $("roles");
  if (!w || !w.figures) return box.replaceChildren(el("p", {class: "empty", text: "Leaders by role appear here."}));
  const f = w.figures;
  const n = f.dates.length;
  const pick = [];
  // Where six dates and the small chart would not fit: four dates, no chart.
  const compact = box.clientWidth < ROLES_TABLE_FULL;
  const want = Math.min(compact ? 4 : 6, n);
  for (let k = 0; k < want; ++k) pick.push(Math.round(k * (n - 1) / Math.max(1, want - 1)));
  const idx = [...new Set(pick)];
  const roles = f.roles.filter((r) => r.p95.some((v) => v > 0));
  const head = el("tr", {}, el("th", {scope: "col"}, "Role"), compact ? null : el("th", {scope: "col"}, "Over time"),
                  idx.map((k) => el("th", {scope: "col", class: "num"}, f.dates[k])));
  const body = el("tbody");
  for (const r of roles) {
    const spark = timeChart({title: roleName(r.role) + ", active, over time",
      series: [Object.assign({style: Object.assign({}, styleOf(S.selected), {marker: "none"}), dates: f.dates, bands: true}, r)],
      yFmt: () => "", width: 150, height: 34, bare: true});
    spark.classList.add("spark");
    body.append(el("tr", {"data-role": r.role}, el("th", {scope: "row"}, roleName(r.role)), compact ? null : el("td", {class: "spark-cell"}, spark),
      idx.map((k) => el("td", {class: "num", "data-value": r.p50[k]}, whole(r.p50[k]),
                        el("span", {class: "range block"}, whole(r.p5[k]) + "–" + whole(r.p95[k]))))));
  }
  box.replaceChildren(el("table", {class: "data-table roles-table", id: "roles-table"}, el("thead", {}, head), body));
}

function renderCost() {
  const box = $("cost");
  const items = withFigures();
  if (!items.length) return box.replaceChildren(el("p", {class: "empty", text: "Costs appear here."}));
  const rows = items.map((x) => {
    const c = x.w.figures.cost.total;
    return el("tr", {"data-letter": x.style.letter}, el("th", {scope: "row"}, x.style.letter + " " + x.w.label),
      el("td", {class: "num", "data-value": c.p50}, money(c.p50)),
      el("td", {class: "num"}, money(c.p5) + " to " + money(c.p95)));
  });
  const parts = [el("table", {class: "data-table", id: "cost-table"},
    el("caption", {}, "Cost of the whole run (training, Work Groups and leader days), over replications"),
    el("thead", {}, el("tr", {}, el("th", {scope: "col"}, "What-if"), el("th", {scope: "col", class: "num"}, "median"),
                         el("th", {scope: "col", class: "num"}, "5th to 95th percentile"))),
    el("tbody", {}, rows))];
  const inc = [];
  eachPair((a, b, c, i, j) => {
    if (!c || !c.incremental) return;
    const x = c.incremental;
    inc.push(el("tr", {"data-pair": styleOf(i).letter + styleOf(j).letter},
      el("th", {scope: "row"}, styleOf(j).letter + " against " + styleOf(i).letter),
      el("td", {class: "num", "data-value": x.extra_schools}, signed(whole(Math.abs(x.extra_schools)), x.extra_schools)),
      el("td", {class: "num", "data-value": x.extra_cost}, signed(money(Math.abs(x.extra_cost)), x.extra_cost)),
      el("td", {class: "num", "data-value": x.cost_per_extra_school === null ? "" : x.cost_per_extra_school},
        x.cost_per_extra_school === null ? "no extra schools" : money(x.cost_per_extra_school))));
  });
  if (inc.length) {
    parts.push(el("table", {class: "data-table", id: "incremental-table"},
      el("caption", {}, "Incremental cost: each later what-if against each earlier one"),
      el("thead", {}, el("tr", {}, el("th", {scope: "col"}, "Pair"), el("th", {scope: "col", class: "num"}, "extra schools ever engaged"),
        el("th", {scope: "col", class: "num"}, "extra cost"), el("th", {scope: "col", class: "num"}, "per extra school"))),
      el("tbody", {}, inc)),
      el("p", {class: "hint"}, "Means over replications: the extra cost divided by the extra schools ever engaged at the end (a ratio of means)."));
  } else {
    parts.push(el("p", {class: "hint"}, "Run a second what-if to see the incremental cost per extra school."));
  }
  box.replaceChildren(...parts);
}

function eachPair(fn) {
  for (let i = 0; i < S.whatifs.length; ++i)
    for (let j = i + 1; j < S.whatifs.length; ++j) {
      const a = S.whatifs[i], b = S.whatifs[j];
      if (!a.run || !b.run) continue;
      fn(a, b, S.comparisons.get(a.run + "|" + b.run), i, j);
    }
}

function renderEquity() {
  const box = $("equity");
  const items = withFigures();
  if (!items.length) return box.replaceChildren(el("p", {class: "empty", text: "Engagement by disadvantage band appears here."}));
  const phases = [...new Set(items.flatMap((x) => x.w.figures.phases))]
    .filter((p) => items.some((x) => x.w.figures.equity[p]));
  const charts = phases.map((phase) => {
    const width = 460, height = 230, m = {l: 54, r: 10, t: 12, b: 40};
    const bands = items[0].w.figures.equity.bands;
    const root = svg("svg", {viewBox: `0 0 ${width} ${height}`, role: "img", class: "chart",
                             "aria-label": human(phase) + " schools ever engaged by disadvantage band"});
    const Y = (v) => height - m.b - v * (height - m.t - m.b);
    const grid = svg("g", {class: "grid"}, root);
    for (const v of niceTicks(0, 1, 5)) {
      svg("line", {x1: m.l, x2: width - m.r, y1: Y(v), y2: Y(v)}, grid);
      svg("text", {x: m.l - 6, y: Y(v) + 4, "text-anchor": "end"}, grid).textContent = pct(v);
    }
    const slot = (width - m.l - m.r) / bands.length;
    bands.forEach((b, k) => {
      const words = b.split(" ");
      const t = svg("text", {x: m.l + slot * (k + 0.5), y: height - m.b + 15, "text-anchor": "middle"}, grid);
      t.textContent = words[0];
      if (words.length > 1) svg("text", {x: m.l + slot * (k + 0.5), y: height - m.b + 28, "text-anchor": "middle"}, grid)
        .textContent = words.slice(1).join(" ");
    });
    const present = items.filter((x) => x.w.figures.equity[phase]);
    present.forEach((x, n) => {
      const e = x.w.figures.equity[phase];
      const g = svg("g", {class: "series", "data-letter": x.style.letter}, root);
      bands.forEach((b, k) => {
        const cx = m.l + slot * (k + 0.5) + (n - (present.length - 1) / 2) * Math.min(16, slot / (present.length + 1));
        svg("line", {x1: cx, x2: cx, y1: Y(e.p5[k]), y2: Y(e.p95[k]), stroke: x.style.color, "stroke-width": 1.5,
                     "stroke-dasharray": x.style.dash || null}, g);
        markerShape(g, x.style.marker, cx, Y(e.p50[k]), 4, {fill: x.style.color, stroke: x.style.color});
      });
    });
    return el("figure", {class: "chart-box", "data-phase": phase},
      el("figcaption", {}, human(phase) + " schools ever engaged at the end, by disadvantage band"), root);
  });
  box.replaceChildren(...charts, legend(items.map((x) => ({style: x.style, label: x.w.label}))));
}

function renderCompare() {
  const box = $("compare");
  const done = S.whatifs.filter(finished);
  if (done.length < 2) {
    box.replaceChildren(el("p", {class: "empty", text: S.whatifs.length < 2 ? "Run a second what-if to compare them: keep up to four."
      : "The comparison appears when both runs have finished (or are cancelled)."}));
    return;
  }
  const pairs = [];
  eachPair((a, b, c, i, j) => { if (c && !c.error) pairs.push([i, j]); });
  if (!pairs.length) {
    const errs = [];
    eachPair((a, b, c) => { if (c && c.error) errs.push(c.error); });
    box.replaceChildren(el("p", {class: "empty", text: errs[0] || "Comparing…"}));
    return;
  }
  if (!S.pair || !pairs.some((p) => p[0] === S.pair[0] && p[1] === S.pair[1])) S.pair = pairs[pairs.length - 1];
  // The matrix: rows B (later), columns A (earlier); each cell B - A of one measure, the
  // planner's choice (at first: schools ever engaged at the end).
  const labels = S.comparisons.get(S.whatifs[pairs[0][0]].run + "|" + S.whatifs[pairs[0][1]].run).measures.map((m) => m.label);
  if (!labels.includes(S.matrixMeasure))
    S.matrixMeasure = labels.find((l) => l.startsWith("schools ever engaged")) || labels[0];
  const first = (c) => c.measures.find((m) => m.label === S.matrixMeasure) || c.measures[0];
  const pick = el("select", {id: "matrix-measure", onchange: (e) => { S.matrixMeasure = e.target.value; renderAll(); }});
  for (const l of labels) pick.append(el("option", {value: l, text: l, selected: l === S.matrixMeasure}));
  const lastIdx = S.whatifs.length - 1;
  const cols = [];
  for (let i = 0; i < lastIdx; ++i) cols.push(i);
  const head = el("tr", {}, el("td", {}), cols.map((i) => el("th", {scope: "col"}, "against " + styleOf(i).letter)));
  const body = el("tbody");
  for (let j = 1; j <= lastIdx; ++j) {
    const cells = cols.map((i) => {
      if (i >= j) return el("td", {class: "none"});
      const a = S.whatifs[i], b = S.whatifs[j];
      const c = a.run && b.run ? S.comparisons.get(a.run + "|" + b.run) : null;
      if (!c || c.error) return el("td", {class: "none", title: c && c.error ? c.error : null}, c && c.error ? "not comparable" : "…");
      const m = first(c);
      const on = S.pair[0] === i && S.pair[1] === j;
      return el("td", {}, el("button", {type: "button", class: "cell" + (on ? " on" : ""), "aria-pressed": on ? "true" : "false",
          "data-pair": styleOf(j).letter + styleOf(i).letter,
          onclick: () => { S.pair = [i, j]; renderAll(); }},
        el("span", {class: "cell-main"}, diffText(m, m.median)), el("span", {class: "cell-sub"}, "P(better) " + pct(m.p_better))));
    });
    body.append(el("tr", {}, el("th", {scope: "row"}, styleOf(j).letter + " " + S.whatifs[j].label), cells));
  }
  const [i, j] = S.pair;
  const a = S.whatifs[i], b = S.whatifs[j];
  const c = S.comparisons.get(a.run + "|" + b.run);
  const la = styleOf(i).letter, lb = styleOf(j).letter;
  const rows = c.measures.map((m) => el("tr", {"data-measure": m.label},
    el("th", {scope: "row"}, m.label),
    el("td", {}, m.better),
    el("td", {class: "num", "data-value": m.median}, diffText(m, m.median)),
    el("td", {class: "num", "data-low": m.p5, "data-high": m.p95}, diffText(m, m.p5) + " to " + diffText(m, m.p95)),
    el("td", {class: "num", "data-value": m.p_better}, pct(m.p_better)),
    el("td", {class: "num"}, pct(m.p_same))));
  const detail = el("div", {class: "pair-detail", id: "pair-detail", "data-a": a.run, "data-b": b.run},
    el("h3", {}, lb + " (" + b.label + ") against " + la + " (" + a.label + ")"),
    el("p", {class: "hint"}, c.note),
    el("table", {class: "data-table", id: "compare-table"},
      el("thead", {}, el("tr", {}, el("th", {scope: "col"}, "Measure"), el("th", {scope: "col"}, "better if"),
        el("th", {scope: "col", class: "num"}, "median " + lb + " − " + la), el("th", {scope: "col", class: "num"}, "90% interval"),
        el("th", {scope: "col", class: "num"}, "P(" + lb + " better)"), el("th", {scope: "col", class: "num"}, "P(same)"))),
      el("tbody", {}, rows)),
    c.incremental ? el("p", {class: "incremental"}, lb + " against " + la + ", means over replications: " +
      signed(whole(Math.abs(c.incremental.extra_schools)), c.incremental.extra_schools) + " schools ever engaged, " +
      signed(money(Math.abs(c.incremental.extra_cost)), c.incremental.extra_cost) + " of cost" +
      (c.incremental.cost_per_extra_school === null ? "." : ": " + money(c.incremental.cost_per_extra_school) + " per extra school.")) : null);
  const order = a.figures ? a.figures.phases : [];
  const diffCharts = Object.entries(c.difference.phases).sort((x, y) => order.indexOf(x[0]) - order.indexOf(y[0])).map(([phase, q]) => el("figure", {class: "chart-box", "data-phase": phase},
    el("figcaption", {}, human(phase) + ": engaged share, " + lb + " − " + la),
    timeChart({title: human(phase) + " engaged share, difference " + lb + " minus " + la + " over time",
      series: [Object.assign({style: styleOf(j), dates: c.difference.dates, bands: true}, q)],
      yFmt: (v) => (100 * v).toFixed(Math.abs(v) < 0.1 && v !== 0 ? 1 : 0) + " pp", zero: true,
      yMax: Math.max(0.01, ...q.p95) * 1.08})));
  detail.append(el("div", {class: "charts"}, diffCharts),
    el("p", {class: "uncertainty"}, "Line: the median difference; band: its 5th to 95th percentile over " +
      (c.paired ? "paired replications" : "every pair of replications") + "."));
  box.replaceChildren(
    el("div", {class: "matrix-controls"}, el("label", {for: "matrix-measure"}, "Each cell shows"), pick),
    el("p", {class: "hint"}, "The later what-if (row) less the earlier (column): the median difference and the chance " +
      "it is better. Choose a cell for the whole comparison."),
    el("table", {class: "matrix", id: "compare-matrix"}, el("thead", {}, head), body),
    detail);
}

// ---------------------------------------------------------------------------- start

async function init() {
  const replies = await Promise.all([api("api/info"), api("api/scenarios"), api("api/schema")]);
  const bad = replies.find((r) => r.status !== 200);
  if (bad) {
    showErrors($("whatif-errors"), bad.body);
    return;
  }
  const [info, scenarios, schema] = replies;
  S.info = info.body;
  S.schema = schema.body;
  S.scenarios = scenarios.body;
  const lim = S.info.limits;
  $("server-note").textContent = "Runs of up to " + whole(lim.max_replications) + " replications; " +
    lim.max_runs_per_client + " at a time from this browser.";
  $("replications").max = lim.max_replications;
  for (const s of S.scenarios) $("scenario").append(el("option", {value: s.name, text: s.name.replace(/\.yaml$/, "") + " — " + s.description}));
  $("scenario").addEventListener("change", () => loadLevers($("scenario").value));
  for (const r of document.querySelectorAll("input[name=source]")) r.addEventListener("change", () => setSource(r.value));
  $("other-search").addEventListener("input", listOthers);
  $("other-list").addEventListener("change", otherChosen);
  $("other-list").addEventListener("dblclick", () => $("add-other").click());
  $("add-other").addEventListener("click", () => {
    const row = addOther($("other-list").value);
    row.querySelector("input, select").focus();
    scheduleValidate();
  });
  $("upload-file").addEventListener("change", uploadChosen);
  $("add-hub").addEventListener("click", () => addHubChange());
  $("add-event").addEventListener("click", () => addEvent());
  $("whatif-form").addEventListener("submit", runFromForm);
  $("cancel").addEventListener("click", () => cancel(S.formRun));
  for (const id of ["replications", "seed", "changes-from", "label", "threshold"]) {
    const i = $(id);
    i.parentNode.append(fieldError(i));
  }
  for (const id of ["replications", "seed", "changes-from"]) $(id).addEventListener("change", scheduleValidate);
  $("threshold").addEventListener("input", thresholdChanged);
  window.addEventListener("hashchange", () => { if (!S.whatifs.length) restoreFromUrl(); });
  let resizeTimer = null;
  window.addEventListener("resize", () => {
    clearTimeout(resizeTimer);
    resizeTimer = setTimeout(() => {
      renderHubs(selectedWhatif());
      renderRoles(selectedWhatif());
    }, 150);
  });
  await setSource("shipped", false);
  if (!(await restoreFromUrl())) {
    const first = S.scenarios.find((s) => s.name === "england.yaml") || S.scenarios[0];
    if (first) {
      $("scenario").value = first.name;
      await loadLevers(first.name);
    }
  }
  renderAll();
  document.body.dataset.ready = "true";
}

document.addEventListener("DOMContentLoaded", () => {
  init().catch((e) => showErrors($("whatif-errors"), {error: "The studio could not start: " + e.message}));
});
