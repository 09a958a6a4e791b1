// The digits view: draw with the mouse; the server's CNN answers with probabilities, the input
// gradient and every feature map with its gradient. The page only draws them.
import { get, post } from "./api.js";
import { diverging, esc, heatmap, num } from "./format.js";

const $ = (id) => document.getElementById(id);
const state = { model: null, pixels: null, target: null, reply: null, drawing: false, last: null,
  sending: false, resend: false };

let opened = false;
export async function openDigits() {
  if (opened) return;
  opened = true;
  $("digit-status").textContent = "Loading the model (the first start trains it: seconds for the 8x8 digits, longer for MNIST)…";
  const model = await get("/api/digits");
  if (!model) return void (opened = false);
  state.model = model;
  const source = model.source === "mnist" ? "MNIST (28x28)" : "the embedded 8x8 digits";
  $("digit-status").innerHTML = `A small CNN trained on ${source}: test accuracy ` +
    `${(100 * model.test_accuracy).toFixed(1)}% (${model.cached ? "loaded from the cache" : model.saved ? "trained just now, now cached" : "trained just now; the cache folder is not writable"}).`;
  const canvas = $("digit-canvas");
  canvas.addEventListener("pointerdown", (e) => { state.drawing = true; state.last = null; ink(e); });
  canvas.addEventListener("pointermove", (e) => state.drawing && ink(e));
  window.addEventListener("pointerup", () => { if (state.drawing) { state.drawing = false; send(); } });
  $("digit-clear").addEventListener("click", clear);
  clear();
}

function clear() {
  state.pixels = new Float64Array(state.model.draw * state.model.draw);
  state.target = null;
  state.reply = null;
  drawInk();
  send();
}

// a round pen with a soft edge, stamped along the segment since the last pointer event
function ink(event) {
  const n = state.model.draw, rect = event.target.getBoundingClientRect();
  const p = [((event.clientX - rect.left) / rect.width) * n, ((event.clientY - rect.top) / rect.height) * n];
  const from = state.last ?? p, steps = Math.max(1, Math.ceil(Math.hypot(p[0] - from[0], p[1] - from[1]) * 2));
  const inner = n / 20, outer = n / 11;
  for (let s = 0; s <= steps; s++) {
    const cx = from[0] + ((p[0] - from[0]) * s) / steps, cy = from[1] + ((p[1] - from[1]) * s) / steps;
    for (let r = Math.max(0, Math.floor(cy - outer)); r < Math.min(n, Math.ceil(cy + outer)); r++) {
      for (let c = Math.max(0, Math.floor(cx - outer)); c < Math.min(n, Math.ceil(cx + outer)); c++) {
        const d = Math.hypot(c + 0.5 - cx, r + 0.5 - cy);
        const v = Math.max(0, Math.min(1, (outer - d) / (outer - inner)));
        state.pixels[r * n + c] = Math.max(state.pixels[r * n + c], v);
      }
    }
  }
  state.last = p;
  drawInk();
  send();
}

function drawInk() {
  const n = state.model.draw, canvas = $("digit-canvas"), ctx = canvas.getContext("2d"), cell = canvas.width / n;
  ctx.fillStyle = "#fff";
  ctx.fillRect(0, 0, canvas.width, canvas.height);
  state.pixels.forEach((v, k) => {
    if (!v) return;
    const g = Math.round(255 * (1 - v));
    ctx.fillStyle = `rgb(${g},${g},${g})`;
    ctx.fillRect((k % n) * cell, Math.floor(k / n) * cell, cell + 0.5, cell + 0.5);
  });
}

// one request in flight; the drawing as it is then goes next
async function send() {
  if (state.sending) return void (state.resend = true);
  state.sending = true;
  const body = { pixels: Array.from(state.pixels) };
  if (state.target !== null) body.target = state.target;
  const reply = await post("/api/digits/predict", body);
  state.sending = false;
  if (reply) {
    state.reply = reply;
    drawReply();
  }
  if (state.resend) {
    state.resend = false;
    send();
  }
}

function drawReply() {
  const r = state.reply;
  $("digit-probs").innerHTML = `<h2>Class probabilities</h2>` + r.probs.map((p, k) =>
    `<div class="prob${k === r.prediction ? " best" : ""}${state.target !== null && k === r.target ? " target" : ""}" data-k="${k}">` +
    `<span>${k}</span><span class="bar"><span style="width:${(100 * p).toFixed(1)}%"></span></span>` +
    `<span class="p">${(100 * p).toFixed(1)}%</span></div>`).join("") +
    `<p class="legend">prediction: <b id="digit-prediction">${r.prediction}</b></p>`;
  $("digit-probs").querySelectorAll(".prob").forEach((row) => row.addEventListener("click", () => {
    state.target = Number(row.dataset.k) === r.prediction ? null : Number(row.dataset.k);
    send();
  }));
  const scale = maxAbs(r.input_grad.flat());
  $("digit-grad-caption").textContent = `∂(score of ${r.target})/∂pixel, scale ±${num(scale)}`;
  paint($("digit-grad"), r.input_grad, scale, true);
  $("digit-maps").innerHTML = `<h2>Feature maps (top) and their gradients ∂(score of ${r.target})/∂map (bottom)</h2>` +
    r.layers.map((layer, i) => `<div class="maps"><span class="name">${esc(layer.name)}<br>` +
      `${layer.maps.length} × ${layer.maps[0].length}×${layer.maps[0].length}</span><div id="maps-${i}"></div></div>`).join("");
  r.layers.forEach((layer, i) => {
    const box = $(`maps-${i}`), vmax = maxAbs(layer.maps.flat(2)), gmax = maxAbs(layer.grads.flat(2));
    const px = Math.max(2, Math.round(40 / layer.maps[0].length));
    layer.maps.forEach((map, c) => {
      const cell = document.createElement("div");
      cell.className = "map";
      for (const [values, s, signed] of [[map, vmax, false], [layer.grads[c], gmax, true]]) {
        const canvas = document.createElement("canvas");
        canvas.width = canvas.height = px * map.length;
        paint(canvas, values, s, signed);
        cell.appendChild(canvas);
      }
      box.appendChild(cell);
    });
  });
}

const maxAbs = (values) => Math.max(1e-300, ...values.map((v) => Math.abs(v ?? 0)));

// t in [0, 1] -> white .. black
const grey = (t) => { const g = Math.round(255 * (1 - Math.max(0, Math.min(1, t)))); return [g, g, g]; };

// a square array as cells: signed values on the symmetric orange-white-blue scale, others in grey
function paint(canvas, rows, scale, signed) {
  const ctx = canvas.getContext("2d");
  ctx.imageSmoothingEnabled = false;
  const picture = heatmap(rows.flat().map((v) => v ?? 0), rows.length, (v) => v / scale, signed ? diverging : grey);
  ctx.drawImage(picture, 0, 0, canvas.width, canvas.height);
}
