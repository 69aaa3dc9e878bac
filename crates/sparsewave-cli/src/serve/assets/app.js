// sparsewave's page: forms built from /api/schema, jobs through /api/jobs, results side by side.
"use strict";

const $ = (sel, root = document) => root.querySelector(sel);
const state = {
  schema: null,      // {commands: [{name, fields}], max_upload_bytes}
  file: null,        // the recording (a File)
  original: null,    // its decoded AudioBuffer (players), or null
  noisy: null,       // {file, label}: the input of the next denoise run (addnoise → denoise)
  jobs: [],          // ids of this recording's jobs (deleted when another file is opened)
  audio: null,       // the AudioContext, created on first use
};

// ---------------------------------------------------------------- API

async function submitJob(params, file, extra = {}) {
  const body = new FormData();
  body.append("params", JSON.stringify(params));
  body.append("file", file, file.name);
  for (const [part, f] of Object.entries(extra)) body.append(part, f, f.name);
  const response = await fetch("/api/jobs", { method: "POST", body });
  const answer = await response.json().catch(() => ({ error: `HTTP ${response.status}` }));
  if (!response.ok) throw new Error(answer.error || `HTTP ${response.status}`);
  state.jobs.push(answer.id);
  return answer.id;
}

// Poll a job until it ends (or, with `figures`, until its figures are listed too): every
// 100 ms for the first seconds, then every 300 ms.
async function waitFor(id, onTick, figures = false) {
  for (let polls = 0; ; polls++) {
    const response = await fetch(`/api/jobs/${id}`);
    const status = await response.json();
    if (!response.ok) throw new Error(status.error || `HTTP ${response.status}`);
    onTick?.(status);
    if (status.state === "done" && !(figures && status.figures_pending)) return status;
    if (status.state === "failed") throw new Error(status.error);
    await new Promise((r) => setTimeout(r, polls < 30 ? 100 : 300));
  }
}

const fileUrl = (id, name) => `/api/jobs/${id}/files/${encodeURIComponent(name)}`;

// ---------------------------------------------------------------- messages and progress

function showError(message) {
  const box = $("#error");
  box.textContent = message;
  box.hidden = !message;
}

function progress(status) {
  const box = $("#progress");
  box.hidden = false;
  box.classList.toggle("done", status.state === "done" || status.state === "failed");
  $(".label", box).textContent = `${status.command}: ${status.state} · ${status.elapsed.toFixed(1)} s`;
}

// ---------------------------------------------------------------- forms from the schema

function commandSchema(name) {
  return state.schema.commands.find((c) => c.name === name);
}

function buildForm() {
  const command = $("#command").value;
  const form = $("#params");
  form.replaceChildren();
  if (command !== "denoise") state.noisy = null;
  if (command === "denoise" && state.noisy) {
    const note = document.createElement("p");
    note.id = "noisy-note";
    note.style.gridColumn = "1 / -1";
    note.textContent = `Input: ${state.noisy.label}; clean reference: the original recording. `;
    const back = document.createElement("button");
    back.type = "button";
    back.className = "secondary";
    back.textContent = "use the original instead";
    back.onclick = () => { state.noisy = null; buildForm(); };
    note.append(back);
    form.append(note);
  }
  for (const field of commandSchema(command).fields) {
    if (field.name === "mono" || (field.kind === "file" && field.name === "clean")) continue;
    const label = document.createElement("label");
    label.dataset.field = field.name;
    const name = document.createElement("span");
    name.className = "name";
    name.textContent = field.name + (field.required ? " *" : "");
    let input;
    if (field.kind === "choice") {
      input = document.createElement("select");
      if (!field.default) input.append(new Option("(default)", ""));
      for (const c of field.choices) input.append(new Option(c, c));
      input.value = field.default ?? "";
    } else if (field.kind === "bool") {
      input = document.createElement("input");
      input.type = "checkbox";
      label.className = "bool";
    } else if (field.kind === "file") {
      input = document.createElement("input");
      input.type = "file";
    } else {
      input = document.createElement("input");
      input.type = "text";
      input.inputMode = field.kind === "text" ? "text" : "decimal";
      input.value = field.default ?? "";
      input.placeholder = field.default ?? "default";
      if (field.choices?.length) {
        const list = document.createElement("datalist");
        list.id = `choices-${field.name}`;
        for (const c of field.choices) list.append(new Option(c, c));
        label.append(list);
        input.setAttribute("list", list.id);
      }
    }
    input.name = field.name;
    input.title = field.help;
    input.addEventListener("change", updateVisibility);
    const help = document.createElement("small");
    help.textContent = field.help;
    if (field.kind === "bool") label.append(input, name);
    else label.append(name, input);
    label.append(help);
    form.append(label);
  }
  updateVisibility();
}

// Show a field only for the values of the field it depends on (`when`, usually "method").
function updateVisibility() {
  const command = commandSchema($("#command").value);
  for (const field of command.fields) {
    const label = $(`label[data-field="${field.name}"]`, $("#params"));
    if (!label || !field.methods) continue;
    const control = $(`[name="${field.when}"]`, $("#params"));
    label.hidden = control ? !field.methods.includes(control.value) : false;
  }
}

// The parameters that differ from the library's defaults (plus the required ones).
function collectParams() {
  const command = $("#command").value;
  const params = { command };
  for (const field of commandSchema(command).fields) {
    const label = $(`label[data-field="${field.name}"]`, $("#params"));
    if (!label || label.hidden || field.kind === "file") continue;
    const input = $(`[name="${field.name}"]`, label);
    if (field.kind === "bool") {
      if (input.checked) params[field.name] = true;
    } else if (input.value.trim() !== "" && (field.required || input.value.trim() !== (field.default ?? ""))) {
      params[field.name] = input.value.trim();
    }
  }
  if ($("#mono").checked) params.mono = true;
  return params;
}

function extraFiles() {
  const extra = {};
  const clip = $('#params [name="noise_clip"]');
  if (clip && !clip.closest("label").hidden && clip.files.length) extra.noise_clip = clip.files[0];
  return extra;
}

// ---------------------------------------------------------------- opening a recording

async function openFile(file) {
  showError("");
  for (const id of state.jobs) fetch(`/api/jobs/${id}`, { method: "DELETE" });
  state.jobs = [];
  state.noisy = null;
  $("#results").replaceChildren();
  updateSummary();
  $("#info").hidden = true;
  $("#run").disabled = true;
  state.file = file;
  state.original = null;
  $("#drop-text").textContent = `${file.name} (${(file.size / 1e6).toFixed(2)} MB) — drop or click to open another`;
  if (file.size > state.schema.max_upload_bytes) {
    showError(`${file.name}: upload too large: the limit is ${state.schema.max_upload_bytes / 1048576} MB (sparsewave serve --max-upload-mb)`);
    return;
  }
  try {
    const params = { command: "info" };
    if ($("#mono").checked) params.mono = true;
    const status = await waitFor(await submitJob(params, file), progress);
    const r = status.report;
    $("#info-name").textContent = r.input;
    $("#info-format").textContent = `${r.container}, ${r.sample_format}`;
    $("#info-rate").textContent = `${r.sample_rate} Hz`;
    $("#info-rate").dataset.value = r.sample_rate;
    $("#info-channels").textContent = r.channels;
    $("#info-channels").dataset.value = r.channels;
    $("#info-duration").textContent = `${r.duration_seconds.toFixed(3)} s (${r.samples} samples)`;
    $("#info-duration").dataset.value = r.duration_seconds;
    $("#info-peak").textContent = `${r.peak.toFixed(4)} (${r.peak_dbfs.toFixed(2)} dBFS)`;
    $("#info-rms").textContent = `${r.rms.toFixed(4)} (${r.rms_dbfs.toFixed(2)} dBFS)`;
    $("#input-spectrogram").removeAttribute("src");
    waitFor(status.id, null, true).then(() => {
      if (state.file === file) $("#input-spectrogram").src = fileUrl(status.id, "spectrogram.png");
    });
    $("#info").hidden = false;
    state.original = await decodeAudio(await file.arrayBuffer());
    $("#run").disabled = false;
  } catch (e) {
    showError(e.message);
  }
}

// ---------------------------------------------------------------- running

async function run() {
  showError("");
  const params = collectParams();
  const [file, extra] = state.noisy
    ? [state.noisy.file, { ...extraFiles(), clean: state.file }]
    : [state.file, extraFiles()];
  $("#run").disabled = true;
  try {
    const id = await submitJob(params, file, extra);
    const status = await waitFor(id, progress);
    addResult(status, state.noisy?.label);
  } catch (e) {
    showError(e.message);
  } finally {
    $("#run").disabled = false;
  }
}

// ---------------------------------------------------------------- results

const METRICS = [
  ["snr_db", "SNR (dB)", 2],
  ["seg_snr_db", "segmental SNR (dB)", 2],
  ["spectral_snr_db", "spectral SNR (dB)", 2],
  ["rel_error_pct", "relative error (%)", 4],
  ["lsd_db", "log-spectral distance (dB)", 2],
  ["rmse", "RMSE", 6],
  ["max_abs_error", "max |error|", 6],
  ["ncc", "NCC", 6],
  ["nrr_db", "NRR (dB)", 2],
];

function metricRow(tbody, key, label, value, digits) {
  if (value === null || value === undefined) return;
  const row = tbody.insertRow();
  row.insertCell().outerHTML = `<th>${label}</th>`;
  const cell = row.insertCell();
  cell.dataset.key = key;
  cell.dataset.value = value;
  cell.textContent = typeof value === "number" ? value.toFixed(digits) : value;
}

function describe(report) {
  const p = report.params || {};
  const skip = new Set(["mono"]);
  const parts = Object.entries(p)
    .filter(([k, v]) => !skip.has(k) && v !== null && typeof v !== "object")
    .slice(0, 8)
    .map(([k, v]) => `${k} ${v}`);
  return parts.join(" · ");
}

function addResult(status, inputLabel) {
  const report = status.report;
  const card = $("#result-template").content.firstElementChild.cloneNode(true);
  card.dataset.id = status.id;
  card.dataset.command = status.command;
  const method = report.params?.method ?? report.params?.model ?? "";
  $(".title", card).textContent = `${status.command} ${method}`.trim();
  $(".subtitle", card).textContent =
    (inputLabel ? `on ${inputLabel} · ` : "") + describe(report) + ` · ${status.elapsed.toFixed(2)} s`;
  $(".remove", card).onclick = () => {
    fetch(`/api/jobs/${status.id}`, { method: "DELETE" });
    card.player?.stop();
    card.remove();
    updateSummary();
  };

  const tbody = $(".metrics tbody", card);
  if (report.metrics) {
    for (const [key, label, digits] of METRICS) metricRow(tbody, key, label, report.metrics[key], digits);
    if (report.input_metrics) metricRow(tbody, "input_snr_db", "noisy input SNR (dB)", report.input_metrics.snr_db, 2);
    if (report.storage) metricRow(tbody, "storage_ratio", "storage / input", report.storage.ratio, 4);
    if (report.kbps !== undefined) metricRow(tbody, "kbps", "bit rate (kbit/s)", report.kbps, 2);
    if (report.bytes !== undefined) metricRow(tbody, "bytes", ".swz bytes", report.bytes, 0);
    if (report.rank !== undefined) metricRow(tbody, "rank", "rank", report.rank, 0);
    if (report.mean_rank !== undefined && report.mean_rank !== null) metricRow(tbody, "mean_rank", "mean rank", report.mean_rank, 2);
    if (report.clipped_samples) metricRow(tbody, "clipped_samples", "clipped samples", report.clipped_samples, 0);
  }
  if (report.points) {
    for (const p of report.points) {
      metricRow(tbody, "snr_db", `${p.method} @ ${p.kbps.toFixed(1)} kbit/s: SNR (dB)`, p.snr_db, 2);
    }
  }

  fillFiles(card, status);
  if (status.figures_pending) {
    waitFor(status.id, null, true).then((s) => fillFiles(card, s)).catch((e) => showError(e.message));
  }

  if (status.files.includes("output.wav")) {
    card.player = new Player(card, status.id);
  } else {
    $(".player", card).remove();
  }

  if (status.command === "addnoise") {
    const button = document.createElement("button");
    button.type = "button";
    button.className = "secondary denoise-this";
    button.textContent = "Denoise this (clean original as reference)";
    button.onclick = async () => {
      const blob = await (await fetch(fileUrl(status.id, "output.wav"))).blob();
      const snr = report.params?.snr_db;
      state.noisy = {
        file: new File([blob], "noisy.wav", { type: "audio/wav" }),
        label: `noisy.wav (${report.params?.model} at ${snr} dB, job ${status.id})`,
      };
      $("#command").value = "denoise";
      buildForm();
      $("#method").scrollIntoView({ behavior: "smooth" });
    };
    $(".actions", card).append(button);
  }
  card.dataset.title = $(".title", card).textContent;
  card.dataset.input = inputLabel ? inputLabel.split(" ")[0] : state.file.name;
  card.report = report;
  card.elapsed = status.elapsed;
  $("#results").append(card);
  updateSummary();
  card.scrollIntoView({ behavior: "smooth", inline: "end", block: "nearest" });
}

// One line per result, to compare the methods at a glance; the best SNR of each input is bold.
function updateSummary() {
  const cards = [...document.querySelectorAll(".result")];
  const table = $("#summary");
  table.hidden = cards.length === 0;
  const rows = cards.map((card, i) => {
    const r = card.report;
    const m = r.metrics ?? {};
    const size = r.kbps !== undefined ? `${r.kbps.toFixed(1)} kbit/s`
      : r.storage ? `${(100 * r.storage.ratio).toFixed(2)} % of the samples` : "";
    return { card, cells: [i + 1, card.dataset.title, card.dataset.input, m.snr_db, m.seg_snr_db, m.lsd_db, size, card.elapsed] };
  });
  const best = {};
  for (const { card, cells } of rows) {
    if (card.dataset.command !== "addnoise" && typeof cells[3] === "number") {
      best[card.dataset.input] = Math.max(best[card.dataset.input] ?? -Infinity, cells[3]);
    }
  }
  $("tbody", table).replaceChildren(...rows.map(({ card, cells }) => {
    const tr = document.createElement("tr");
    tr.dataset.id = card.dataset.id;
    cells.forEach((v, j) => {
      const td = tr.insertCell();
      td.textContent = typeof v === "number" ? (j === 0 ? v : v.toFixed(2)) : (v ?? "");
      if (j === 3 && v === best[card.dataset.input] && card.dataset.command !== "addnoise") td.className = "best";
    });
    tr.onclick = () => card.scrollIntoView({ behavior: "smooth", inline: "center", block: "nearest" });
    return tr;
  }));
}

// The card's figures and downloads, from the job's file list.
function fillFiles(card, status) {
  const figures = $(".figures", card);
  figures.replaceChildren();
  for (const name of status.files.filter((f) => f.endsWith(".png"))) {
    const fig = document.createElement("figure");
    if (/waveform|rd_|singular|rank_sweep|coefficients/.test(name)) fig.className = "wide";
    const img = document.createElement("img");
    img.src = fileUrl(status.id, name);
    img.alt = name.replace(".png", "").replaceAll("_", " ");
    img.onclick = () => window.open(img.src, "_blank");
    const caption = document.createElement("figcaption");
    caption.textContent = img.alt;
    fig.append(img, caption);
    figures.append(fig);
  }

  const downloads = $(".downloads", card);
  downloads.replaceChildren();
  downloads.append("download:");
  for (const name of status.files) {
    const a = document.createElement("a");
    a.href = fileUrl(status.id, name);
    a.download = `${status.command}-${status.id}-${name}`;
    a.textContent = name;
    downloads.append(a);
  }
}

// ---------------------------------------------------------------- players

async function decodeAudio(bytes) {
  state.audio ??= new AudioContext();
  try {
    return await state.audio.decodeAudioData(bytes);
  } catch {
    return null; // the browser cannot decode it: that player stays silent
  }
}

function rms(buffer) {
  if (!buffer) return 0;
  let sum = 0;
  let n = 0;
  for (let c = 0; c < buffer.numberOfChannels; c++) {
    const data = buffer.getChannelData(c);
    for (let i = 0; i < data.length; i++) sum += data[i] * data[i];
    n += data.length;
  }
  return Math.sqrt(sum / Math.max(n, 1));
}

// One transport over three signals: original, result and residual share the playhead; the
// A/B switch changes what is heard without moving it. With "loudness-matched" the result plays
// at the original's RMS.
class Player {
  constructor(card, id) {
    this.card = card;
    this.buffers = { original: state.original };
    this.position = 0;
    this.source = null;
    this.which = "result";
    const element = $(".player", card);
    for (const radio of element.querySelectorAll(".ab input[type=radio]")) {
      radio.name = `ab-${id}`;
      radio.onchange = () => this.select(radio.value);
    }
    $(".match", element).onchange = () => this.playing() && this.start();
    $(".play", element).onclick = () => (this.playing() ? this.pause() : this.start());
    $(".seek", element).oninput = (e) => {
      this.position = (e.target.value / 1000) * this.duration();
      if (this.playing()) this.start();
      this.show();
    };
    Promise.all(
      ["output.wav", "residual.wav"].map(async (name) =>
        decodeAudio(await (await fetch(fileUrl(id, name))).arrayBuffer())
      )
    ).then(([result, residual]) => {
      this.buffers.result = result;
      this.buffers.residual = residual;
      element.dataset.ready = result ? "1" : "0";
    });
  }
  duration() {
    return this.buffers.result?.duration ?? this.buffers.original?.duration ?? 0;
  }
  playing() {
    return this.source !== null;
  }
  now() {
    if (!this.playing()) return this.position;
    return Math.min(this.offset + (state.audio.currentTime - this.startedAt), this.duration());
  }
  gain(which) {
    if (which !== "result" || !$(".match", this.card).checked) return 1;
    const a = rms(this.buffers.original);
    const b = rms(this.buffers.result);
    return a > 0 && b > 0 ? a / b : 1;
  }
  select(which) {
    this.which = which;
    if (this.playing()) this.start();
  }
  start() {
    const buffer = this.buffers[this.which];
    if (!buffer) return;
    this.position = this.now();
    this.stopSource();
    if (this.position >= buffer.duration - 0.01) this.position = 0;
    state.audio.resume();
    const source = state.audio.createBufferSource();
    source.buffer = buffer;
    const gain = state.audio.createGain();
    gain.gain.value = this.gain(this.which);
    source.connect(gain).connect(state.audio.destination);
    source.onended = () => {
      if (this.source === source) {
        this.position = 0;
        this.source = null;
        this.show();
      }
    };
    this.offset = this.position;
    this.startedAt = state.audio.currentTime;
    source.start(0, this.position);
    this.source = source;
    this.tick();
  }
  stopSource() {
    if (this.source) {
      const s = this.source;
      this.source = null;
      s.onended = null;
      s.stop();
    }
  }
  pause() {
    this.position = this.now();
    this.stopSource();
    this.show();
  }
  stop() {
    this.stopSource();
  }
  tick() {
    this.show();
    if (this.playing()) requestAnimationFrame(() => this.tick());
  }
  show() {
    const t = this.now();
    const element = $(".player", this.card);
    $(".time", element).textContent = `${t.toFixed(2)} s`;
    $(".seek", element).value = Math.round((1000 * t) / Math.max(this.duration(), 1e-9));
    $(".play", element).textContent = this.playing() ? "❚❚ pause" : "▶ play";
  }
}

// ---------------------------------------------------------------- start

async function start() {
  const response = await fetch("/api/schema");
  state.schema = await response.json();
  const select = $("#command");
  for (const c of state.schema.commands) {
    if (c.name !== "info") select.append(new Option(c.name, c.name));
  }
  select.value = "denoise";
  select.onchange = buildForm;
  buildForm();
  $("#file").onchange = (e) => e.target.files.length && openFile(e.target.files[0]);
  const drop = $("#drop");
  drop.ondragover = (e) => { e.preventDefault(); drop.classList.add("over"); };
  drop.ondragleave = () => drop.classList.remove("over");
  drop.ondrop = (e) => {
    e.preventDefault();
    drop.classList.remove("over");
    if (e.dataTransfer.files.length) openFile(e.dataTransfer.files[0]);
  };
  $("#mono").onchange = () => state.file && openFile(state.file);
  $("#run").onclick = run;
  document.body.dataset.ready = "1";
}

start().catch((e) => showError(`cannot load the page's schema: ${e.message}`));
