// The station page: renders what the station reports (server-sent events) and
// sends the operator's controls. Everything comes from this server alone.
"use strict";

let messages = null;
let lang = document.body.dataset.lang || "en";
let last = null;

function t(key) {
  return (messages && messages[lang] && messages[lang][key]) || key;
}

function size(bytes) {
  if (!bytes) return "-";
  const units = ["B", "KiB", "MiB", "GiB", "TiB"];
  let n = bytes, i = 0;
  while (n >= 1024 && i < units.length - 1) { n /= 1024; i++; }
  return i === 0 ? n + " B" : n.toFixed(1) + " " + units[i];
}

function element(tag, cls, text) {
  const e = document.createElement(tag);
  if (cls) e.className = cls;
  if (text !== undefined) e.textContent = text;
  return e;
}

// What one tile says: its state (for colour) and its words.
function tileOf(drive, mode) {
  const phase = drive.phase;
  const percent = drive.total ? Math.floor((100 * drive.done) / drive.total) : 0;
  const fake = drive.probe && drive.probe !== "genuine";
  if (drive.result === "done") return { state: "done", text: t("done") };
  if (drive.result === "already verified") return { state: "done", text: t("already") };
  if (drive.result && fake) {
    const real = drive.real_size ? ` (${t("real_size")} ${size(drive.real_size)})` : "";
    return { state: "fake", text: t("fake") + real, reason: drive.probe };
  }
  if (drive.result === "pulled during write")
    return { state: "failed", text: t("failed") + " " + t("pulled"), reason: drive.reason };
  if (drive.result === "stopped")
    return { state: "failed", text: t("stopped"), reason: drive.reason };
  if (drive.result) return { state: "failed", text: t("failed"), reason: drive.reason };
  const held = mode === "paused" ? " · " + t("paused") : "";
  if (phase === "probe") return { state: "probing", text: `${t("probing")} ${percent} %${held}` };
  if (phase === "verify")
    return { state: "verifying", text: `${t("verifying")} ${percent} %${held}` };
  if (phase) return { state: "writing", text: `${t("writing")} ${percent} %${held}`, percent };
  return { state: "probing", text: t("starting") + held };
}

function renderTiles(snap) {
  const box = document.getElementById("tiles");
  box.replaceChildren();
  const ports = new Map();
  for (const d of snap.drives) ports.set(d.port, { drive: d });
  for (const w of snap.waiting) ports.set(w.port, { waiting: w });
  for (const [port, entry] of [...ports.entries()].sort()) {
    const tile = element("article", "tile");
    tile.dataset.port = port;
    let info;
    if (entry.waiting) {
      info = { state: "waiting", text: t("waiting") };
      tile.append(element("h3", "port", port), element("p", "device", entry.waiting.device));
    } else {
      const d = entry.drive;
      info = tileOf(d, snap.mode);
      if (!d.present) {
        const before = tileOf(d, snap.mode);
        info = { state: "empty", text: t("empty"), reason: `${t("last")}: ${before.text}` };
      }
      tile.append(element("h3", "port", port), element("p", "device", `${d.device} · ${size(d.size)}`));
    }
    tile.dataset.state = info.state;
    tile.append(element("p", "status", info.text));
    if (info.percent !== undefined) {
      const bar = element("progress");
      bar.max = 100;
      bar.value = info.percent;
      tile.append(bar);
    }
    if (info.reason) tile.append(element("p", "reason", info.reason));
    box.append(tile);
  }
  for (const r of snap.refused) {
    const tile = element("article", "tile");
    tile.dataset.state = "refused";
    tile.append(element("h3", "port", r.device), element("p", "status", t("refused")),
      element("p", "reason", r.reason));
    box.append(tile);
  }
  if (!box.children.length) box.append(element("p", "hint", t("no_drives")));
}

function renderTotals(snap) {
  const tot = snap.totals;
  const failed = Object.entries(tot.failed);
  const n = failed.reduce((a, [, c]) => a + c, 0);
  const rows = [
    ["t_done", tot.done], ["t_already", tot.already_verified],
    ["t_failed", n + (n ? " (" + failed.map(([k, c]) => `${k} ${c}`).join(", ") + ")" : "")],
    ["t_fakes", tot.fakes], ["t_refused", tot.refused],
  ];
  const dl = document.getElementById("totals");
  dl.replaceChildren();
  for (const [key, value] of rows) {
    const dt = element("dt", "", t(key));
    const dd = element("dd", "", String(value));
    dd.dataset.total = key.slice(2);
    dl.append(dt, dd);
  }
}

function renderLog(snap) {
  const body = document.querySelector("#log tbody");
  body.replaceChildren();
  for (const e of [...snap.log].reverse()) {
    const tr = element("tr");
    for (const v of [e.time, e.port, size(e.size), e.probe, e.result, e.mb_per_second, e.reason || "-"])
      tr.append(element("td", "", String(v)));
    body.append(tr);
  }
}

function render() {
  document.documentElement.lang = lang;
  for (const e of document.querySelectorAll("[data-text]")) e.textContent = t(e.dataset.text);
  for (const b of document.querySelectorAll("[data-lang-choice]"))
    b.setAttribute("aria-pressed", String(b.dataset.langChoice === lang));
  if (!last) return;
  const mode = last.mode === "finishing" && !last.busy ? "finished" : last.mode;
  const status = document.getElementById("mode");
  status.textContent = t("mode_" + mode);
  status.dataset.mode = last.mode;
  document.getElementById("image").textContent = `${t("image")}: ${last.image.name} (${size(last.image.size)})`;
  document.getElementById("start").disabled = last.mode === "running";
  document.getElementById("pause").disabled = last.mode !== "running";
  document.getElementById("finish").disabled = last.mode === "finishing";
  renderTiles(last);
  renderTotals(last);
  renderLog(last);
}

async function control(action) {
  await fetch("/api/control/" + action, { method: "POST", credentials: "same-origin" });
}

function listen() {
  const source = new EventSource("/api/events");
  source.onmessage = (event) => {
    last = JSON.parse(event.data);
    document.getElementById("offline").hidden = true;
    render();
  };
  source.onerror = () => { document.getElementById("offline").hidden = false; };
}

async function main() {
  // The token now sits in a cookie: keep it out of the address bar and history.
  if (location.search.includes("token=")) history.replaceState(null, "", "/");
  messages = await (await fetch("/static/messages.json", { credentials: "same-origin" })).json();
  for (const b of document.querySelectorAll("[data-control]"))
    b.addEventListener("click", () => control(b.dataset.control));
  for (const b of document.querySelectorAll("[data-lang-choice]"))
    b.addEventListener("click", () => {
      lang = b.dataset.langChoice;
      document.cookie = `sneakernet_lang=${lang}; path=/; samesite=strict; max-age=31536000`;
      render();
    });
  render();
  listen();
}

main();
