// The network view: data, an editable MLP, Play/Step, the boundary, and backprop node by node.
import { post, showError } from "./api.js";
import { diverging, esc, grad, heatmap, num, rgb, val } from "./format.js";

const $ = (id) => document.getElementById(id);
const state = {
  info: null, session: null, settings: null, data: null, frame: null, history: [],
  hidden: [4, 4], playing: false, stream: null, latest: undefined, backward: null, events: [], position: 0, example: 0, selected: null,
};
const BOX = 30;  // a neuron's square, px

export function setupNetwork(info) {
  state.info = info;
  const fill = (id, items) => ($(id).innerHTML = items.map((x) => `<option>${x}</option>`).join(""));
  fill("dataset", info.datasets);
  fill("activation", info.activations);
  fill("optimizer", info.optimizers);
  $("preset").innerHTML += Object.keys(info.presets).map((p) => `<option>${p}</option>`).join("");
  $("preset").addEventListener("change", applyPreset);
  $("add-layer").addEventListener("click", () => editLayers(() => state.hidden.length < info.limits.layers && state.hidden.push(2)));
  $("remove-layer").addEventListener("click", () => editLayers(() => state.hidden.pop()));
  $("new-network").addEventListener("click", newNetwork);
  $("play").addEventListener("click", togglePlay);
  $("speed").addEventListener("change", () => state.playing && (stopPlaying(), togglePlay()));
  $("step").addEventListener("click", () => train(1));
  $("show-gradients").addEventListener("change", drawNetwork);
  $("backward").addEventListener("click", stepBackward);
  $("bp-next").addEventListener("click", () => showEvent(state.position + 1));
  $("bp-prev").addEventListener("click", () => showEvent(state.position - 1));
  $("bp-all").addEventListener("click", () => showEvent(state.events.length));
  $("bp-example").addEventListener("change", (e) => { state.example = Number(e.target.value); buildEvents(); showEvent(state.position); });
  $("network-canvas").addEventListener("click", clickNetwork);
  drawLayerEditor();
  newNetwork();
}

function applyPreset() {
  const preset = state.info.presets[$("preset").value];
  if (!preset) return;
  for (const [key, value] of Object.entries(preset)) {
    if (key === "hidden") state.hidden = [...value];
    else $(key).value = value;
  }
  drawLayerEditor();
  newNetwork();
}

function editLayers(change) {
  change();
  drawLayerEditor();
}

function drawLayerEditor() {
  const limit = state.info.limits.neurons;
  $("layers").innerHTML = state.hidden.map((n, i) =>
    `<div class="layer"><span>hidden ${i + 1}: ${n} neurons</span>` +
    `<button data-i="${i}" data-d="-1">&minus;</button><button data-i="${i}" data-d="1">+</button></div>`).join("") ||
    `<div class="layer"><span>no hidden layer (logistic regression)</span></div>`;
  $("layers").querySelectorAll("button").forEach((b) => b.addEventListener("click", () => {
    const i = Number(b.dataset.i);
    state.hidden[i] = Math.max(1, Math.min(limit, state.hidden[i] + Number(b.dataset.d)));
    drawLayerEditor();
  }));
}

function settings() {
  const number = (id) => Number($(id).value);
  return {
    dataset: $("dataset").value, noise: number("noise"), points: number("points"),
    test_fraction: number("test_fraction"), hidden: state.hidden, activation: $("activation").value,
    optimizer: $("optimizer").value, lr: number("lr"), batch_size: number("batch_size"),
    l2: number("l2"), seed: number("seed"),
  };
}

async function newNetwork() {
  stopPlaying();
  const reply = await post("/api/network", settings());
  if (!reply) return;
  Object.assign(state, { session: reply.session, settings: reply.settings, data: reply.data, history: [] });
  closeBackward();
  setFrame(reply.frame);
}

function setFrame(frame) {
  state.frame = frame;
  state.history.push([frame.steps, frame.train_loss, frame.test_loss]);
  $("stat-steps").textContent = frame.steps;
  $("stat-train").textContent = num(frame.train_loss);
  $("stat-test").textContent = num(frame.test_loss);
  drawBoundary();
  drawLosses();
  drawNetwork();
}

// true when the steps ran
async function train(steps) {
  closeBackward();
  const reply = await post("/api/network/train", { session: state.session, steps });
  if (reply) setFrame(reply.frame);
  return reply !== null;
}

// Play: the server streams a frame after every "steps per frame" steps (server-sent events);
// the page draws the latest one at each animation frame and closes the stream to pause.
function togglePlay() {
  if (state.playing) return stopPlaying();
  closeBackward();
  state.playing = true;
  $("play").textContent = "Pause";
  const started = state.frame.steps;
  const query = new URLSearchParams({ session: state.session, steps: $("speed").value, frames: 100000 });
  const stream = new EventSource(`/api/network/stream?${query}`);
  state.stream = stream;
  stream.onmessage = (event) => showLatest(JSON.parse(event.data).frame);
  stream.addEventListener("refused", (event) => {   // the session expired while playing
    stopPlaying();
    showError(JSON.parse(event.data).error);
  });
  stream.onerror = () => {   // refused at the start, or ended: one plain step shows why, if anything
    const starting = state.frame.steps === started;
    stopPlaying();
    if (starting) train(1);
  };
}

function showLatest(frame) {
  if (state.latest === undefined) requestAnimationFrame(() => {
    setFrame(state.latest);
    state.latest = undefined;
  });
  state.latest = frame;
}

function stopPlaying() {
  if (state.stream) state.stream.close();
  state.stream = null;
  state.playing = false;
  $("play").textContent = "Play";
}

// ---- drawing: the boundary with the points, the loss curves --------------------------------

function toPixel(x, y, size) {
  const e = state.frame.extent;
  return [((x + e) / (2 * e)) * size, ((e - y) / (2 * e)) * size];
}

function drawBoundary() {
  const canvas = $("boundary"), ctx = canvas.getContext("2d"), f = state.frame;
  ctx.imageSmoothingEnabled = true;
  ctx.drawImage(heatmap(f.boundary, f.grid, (p) => p / 500 - 1), 0, 0, canvas.width, canvas.height);
  const marked = new Set(state.backward ? state.backward.index : []);
  for (const [part, ring] of [["train", "#fff"], ["test", "#222"]]) {
    const { x, y } = state.data[part];
    x.forEach(([a, b], k) => {
      const [px, py] = toPixel(a, b, canvas.width);
      ctx.beginPath();
      ctx.arc(px, py, 3.2, 0, 2 * Math.PI);
      ctx.fillStyle = y[k] === 1 ? "#0877bd" : "#f59322";
      ctx.fill();
      ctx.strokeStyle = ring;
      ctx.lineWidth = 1;
      ctx.stroke();
    });
  }
  if (state.backward) {   // the mini-batch being explained, its chosen example larger
    state.backward.x.forEach(([a, b], k) => {
      const [px, py] = toPixel(a, b, canvas.width);
      ctx.beginPath();
      ctx.arc(px, py, k === state.example ? 8 : 5, 0, 2 * Math.PI);
      ctx.strokeStyle = "#e53935";
      ctx.lineWidth = k === state.example ? 3 : 1.5;
      ctx.stroke();
    });
  }
}

function drawLosses() {
  const canvas = $("losses"), ctx = canvas.getContext("2d"), w = canvas.width, h = canvas.height;
  ctx.clearRect(0, 0, w, h);
  const points = state.history.filter((p) => p[1] !== null && p[2] !== null);
  if (points.length < 2) return;
  const top = Math.max(...points.map((p) => Math.max(p[1], p[2])), 1e-9);
  const last = points[points.length - 1][0], first = points[0][0];
  for (const [column, colour] of [[1, "#333"], [2, "#aaa"]]) {
    ctx.beginPath();
    points.forEach((p, k) => {
      const x = ((p[0] - first) / Math.max(1, last - first)) * (w - 10) + 5;
      const y = h - 5 - (p[column] / top) * (h - 20);
      k ? ctx.lineTo(x, y) : ctx.moveTo(x, y);
    });
    ctx.strokeStyle = colour;
    ctx.lineWidth = 1.5;
    ctx.stroke();
  }
  ctx.fillStyle = "#333";
  ctx.font = "11px system-ui";
  ctx.fillText("train loss", 8, 12);
  ctx.fillStyle = "#999";
  ctx.fillText("test loss", 70, 12);
}

// ---- the network diagram -----------------------------------------------------------------

// neuron centres: columns = input, hidden layers, output
function positions() {
  const sizes = [2, ...state.settings.hidden, 1];
  const canvas = $("network-canvas");
  const tallest = Math.max(...sizes);
  canvas.height = Math.max(260, tallest * (BOX + 10) + 50);
  const dx = (canvas.width - 200) / (sizes.length - 1);  // room on the right for the output's numbers
  return sizes.map((n, l) => Array.from({ length: n }, (_, j) => ({
    x: 60 + l * dx, y: canvas.height / 2 + (j - (n - 1) / 2) * (BOX + 10),
  })));
}

// which numbers the backward stepping has revealed so far
function revealed() {
  const shown = { delta: new Set(), weights: new Set() };
  for (const e of state.events.slice(0, state.position)) {
    if (e.kind === "delta") shown.delta.add(`${e.layer},${e.neuron}`);
    if (e.kind === "weights") shown.weights.add(e.layer);
  }
  return shown;
}

function drawNetwork() {
  if (!state.frame) return;
  const canvas = $("network-canvas"), ctx = canvas.getContext("2d"), f = state.frame;
  const at = positions();
  ctx.clearRect(0, 0, canvas.width, canvas.height);
  const gradients = $("show-gradients").checked;
  const bw = state.backward, shown = bw ? revealed() : null;
  const current = bw ? state.events[state.position - 1] : null;
  // gradient colours share one scale over the whole network, so fading gradients show
  const gradScale = bw ? Math.max(1e-300, ...bw.layers.map((layer) => Math.max(...layer.weight_grad.flat().map(Math.abs)))) : 1;
  f.weights.forEach((W, l) => {  // W: (n_{l+1}, n_l); layer l+1's weights
    const G = bw ? bw.layers[l].weight_grad : null;
    const useGrad = G && (gradients || shown.weights.has(l));
    W.forEach((row, j) => row.forEach((w, k) => {
      const from = at[l][k], to = at[l + 1][j];
      ctx.beginPath();
      ctx.moveTo(from.x + BOX / 2, from.y);
      ctx.lineTo(to.x - BOX / 2, to.y);
      const t = useGrad ? -G[j][k] / gradScale : Math.tanh(w);  // a descent step moves w by -dC/dw
      ctx.strokeStyle = rgb(diverging(t), 0.9);
      ctx.lineWidth = 0.5 + 4 * Math.min(1, Math.abs(t));
      if (state.selected && state.selected.kind === "weight" && state.selected.layer === l &&
          state.selected.row === j && state.selected.col === k) { ctx.strokeStyle = "#e53935"; ctx.lineWidth = 4; }
      ctx.stroke();
    }));
  });
  const size = f.neuron_grid;
  const roomy = at[1][0].x - at[0][0].x >= 120;  // room for every neuron's numbers beside it
  const deltaScale = bw ? Math.max(1e-300, ...bw.layers.map((layer) => Math.max(...layer.delta[state.example].map(Math.abs)))) : 1;
  at.forEach((column, l) => column.forEach((p, j) => {
    let image;
    if (l === 0) image = heatmap(inputMap(j, size), size, (v) => v / f.extent);
    else if (l === at.length - 1) image = heatmap(f.boundary, f.grid, (p) => p / 500 - 1);
    else image = heatmap(f.neurons[l - 1][j], size, (v) => v / 1000);  // tanh(a) in thousandths
    ctx.drawImage(image, p.x - BOX / 2, p.y - BOX / 2, BOX, BOX);
    const active = current && current.layer === l && current.neuron === j;
    const picked = state.selected && state.selected.kind === "neuron" && state.selected.layer === l && state.selected.neuron === j;
    ctx.strokeStyle = active || picked ? "#e53935" : "#555";
    ctx.lineWidth = active || picked ? 3 : 1;
    ctx.strokeRect(p.x - BOX / 2, p.y - BOX / 2, BOX, BOX);
    if (bw && l > 0) drawNumbers(ctx, bw.layers[l - 1], l, j, p, shown, roomy || active || picked, deltaScale);
  }));
  ctx.fillStyle = "#666";
  ctx.font = "11px system-ui";
  ctx.fillText("x1, x2", at[0][0].x - 18, 14);
  ctx.fillText("output", at[at.length - 1][0].x - 16, 14);
}

// a neuron's a (or z at the output) and, once revealed, its delta: as text where there is
// room, and always as a red bar under the neuron, its length |delta| on the network's scale
function drawNumbers(ctx, layer, l, j, p, shown, withText, deltaScale) {
  const output = l === state.frame.weights.length;
  const value = (output ? layer.z : layer.a)[state.example][j];
  const revealed = shown.delta.has(`${l},${j}`);
  const delta = layer.delta[state.example][j];
  ctx.font = "10px ui-monospace, monospace";
  const label = (text, colour, y) => {  // on a white backing, so the weight lines don't cross it
    ctx.fillStyle = "rgba(255,255,255,0.85)";
    ctx.fillRect(p.x + BOX / 2 + 2, y - 9, ctx.measureText(text).width + 2, 11);
    ctx.fillStyle = colour;
    ctx.fillText(text, p.x + BOX / 2 + 3, y);
  };
  if (withText) {
    label(`${output ? "z" : "a"} ${num(value)}`, "#1f4e9e", p.y - 3);
    if (revealed) label(`δ ${num(delta)}`, "#c62828", p.y + 10);
  }
  if (revealed) {
    ctx.fillStyle = "#c62828";
    ctx.fillRect(p.x - BOX / 2, p.y + BOX / 2 + 1, Math.max(1, BOX * Math.abs(delta) / deltaScale), 3);
  }
}

function inputMap(j, size) {   // the input neuron's own coordinate over the grid (a picture)
  const e = state.frame.extent, values = [];
  for (let r = 0; r < size; r++) for (let c = 0; c < size; c++)
    values.push(j === 0 ? -e + (2 * e * c) / (size - 1) : e - (2 * e * r) / (size - 1));
  return values;
}

// ---- backpropagation, node by node ---------------------------------------------------------

async function stepBackward() {
  stopPlaying();
  const reply = await post("/api/network/backward", { session: state.session });
  if (!reply) return;
  state.backward = reply;
  state.example = 0;
  state.selected = null;
  $("bp-example").innerHTML = state.backward.index.map((_, k) => `<option value="${k}">${k + 1} of ${state.backward.index.length}</option>`).join("");
  $("backprop").hidden = false;
  buildEvents();
  showEvent(0);
  drawBoundary();
}

function closeBackward() {
  state.backward = null;
  state.events = [];
  state.selected = null;
  $("backprop").hidden = true;
}

// the steps of one backward pass: BP1 at the output, BP2 neuron by neuron, BP3/BP4 per layer
function buildEvents() {
  const L = state.backward.layers.length, events = [{ kind: "delta", layer: L, neuron: 0 }];
  events.push({ kind: "weights", layer: L - 1 });
  for (let l = L - 1; l >= 1; l--) {
    state.backward.layers[l - 1].z[0].forEach((_, j) => events.push({ kind: "delta", layer: l, neuron: j }));
    events.push({ kind: "weights", layer: l - 1 });
  }
  state.events = events;
}

function showEvent(n) {
  state.position = Math.max(0, Math.min(state.events.length, n));
  $("bp-progress").textContent = `step ${state.position} of ${state.events.length}`;
  $("bp-prev").disabled = state.position === 0;
  $("bp-next").disabled = state.position === state.events.length;
  const e = state.events[state.position - 1];
  $("bp-step").innerHTML = e ? describe(e) : start();
  drawNetwork();
  drawBoundary();
}

function start() {
  const b = state.backward;
  return `Mini-batch of ${b.index.length} training points (circled on the output plot), cost C = ${val(b.loss)}` +
    ` (mean binary cross-entropy).\n<span class="rule">Press "next node": the backward pass starts at the output and ` +
    `moves one neuron at a time towards the input. Numbers are for the chosen example; ` +
    `weight gradients sum over the whole batch.</span>`;
}

function describe(e) {
  const b = state.backward, i = state.example, L = b.layers.length;
  if (e.kind === "delta" && e.layer === L) {
    const out = b.layers[L - 1];
    return `BP1, output neuron: δ = ∂C/∂z = (σ(z) − y) / m\n` +
      `  z = ${val(out.z[i][0])}, σ(z) = ${val(out.prob[i][0])}, y = ${val(b.y[i])}, m = ${b.index.length}\n` +
      `  δ = (${num(out.prob[i][0])} − ${num(b.y[i])}) / ${b.index.length} = ${grad(out.delta[i][0])}`;
  }
  if (e.kind === "delta") {
    const layer = b.layers[e.layer - 1], next = b.layers[e.layer], j = e.neuron;
    const terms = next.weight.map((row, k) => `${num(row[j])}·${num(next.delta[i][k])}`).join(" + ");
    return `BP2, hidden layer ${e.layer}, neuron ${j + 1}: δ = (Σ_k w_kj δ_k) × σ'(z)\n` +
      `  ∂C/∂a = Σ_k w_kj δ_k = ${terms} = ${grad(layer.a_grad[i][j])}\n` +
      `  σ'(z) at z = ${val(layer.z[i][j])}: ${val(layer.local[i][j])}\n` +
      `  δ = upstream × local = ${grad(layer.a_grad[i][j])} × ${val(layer.local[i][j])} = <span id="bp-delta">${grad(layer.delta[i][j])}</span>`;
  }
  const layer = b.layers[e.layer];
  const name = e.layer === L - 1 ? "the output layer" : `hidden layer ${e.layer + 1}`;
  return `BP3 and BP4, ${name}: every weight and bias gradient, summed over the batch\n` +
    `  ∂C/∂b_j = Σ_batch δ_j,  ∂C/∂w_jk = Σ_batch δ_j · a_k (a_k: the input to the weight)\n` +
    `  ∂C/∂b = [${layer.bias_grad.map(num).join(", ")}]\n` +
    `<span class="rule">The lines of this layer are now coloured by −∂C/∂w (the direction a descent step moves each weight). Click a weight or a neuron for its numbers.</span>`;
}

// ---- clicking a neuron or a weight -------------------------------------------------------

function clickNetwork(event) {
  if (!state.frame) return;
  const rect = event.target.getBoundingClientRect();
  const x = event.clientX - rect.left, y = event.clientY - rect.top;
  const at = positions();
  state.selected = null;
  at.forEach((column, l) => column.forEach((p, j) => {
    if (Math.abs(x - p.x) <= BOX / 2 && Math.abs(y - p.y) <= BOX / 2) state.selected = { kind: "neuron", layer: l, neuron: j };
  }));
  if (!state.selected) {
    let best = 6;
    state.frame.weights.forEach((W, l) => W.forEach((row, j) => row.forEach((_, k) => {
      const d = distance(x, y, at[l][k].x + BOX / 2, at[l][k].y, at[l + 1][j].x - BOX / 2, at[l + 1][j].y);
      if (d < best) { best = d; state.selected = { kind: "weight", layer: l, row: j, col: k }; }
    })));
  }
  $("bp-detail").innerHTML = state.selected ? detail(state.selected) : "";
  drawNetwork();
}

function distance(px, py, x1, y1, x2, y2) {
  const dx = x2 - x1, dy = y2 - y1;
  const t = Math.max(0, Math.min(1, ((px - x1) * dx + (py - y1) * dy) / (dx * dx + dy * dy)));
  return Math.hypot(px - x1 - t * dx, py - y1 - t * dy);
}

function detail(s) {
  const b = state.backward, i = state.example;
  if (s.kind === "weight") {
    const w = state.frame.weights[s.layer][s.row][s.col];
    const from = s.layer === 0 ? `input x${s.col + 1}` : `neuron ${s.col + 1} of hidden layer ${s.layer}`;
    let text = `weight from ${from} to neuron ${s.row + 1} of layer ${s.layer + 1}: w = ${val(w)}`;
    if (b) {
      const a = s.layer === 0 ? b.x[i][s.col] : b.layers[s.layer - 1].a[i][s.col];
      text += `\n  BP4: ∂C/∂w = Σ_batch δ_j a_k = ${grad(b.layers[s.layer].weight_grad[s.row][s.col])}` +
        `\n  this example: δ_j = ${grad(b.layers[s.layer].delta[i][s.row])}, a_k = ${val(a)}`;
    }
    return text;
  }
  if (s.layer === 0) return `input x${s.neuron + 1}` + (b ? ` = ${val(b.x[i][s.neuron])} for this example` : "");
  const name = s.layer === state.frame.weights.length ? "output neuron" : `neuron ${s.neuron + 1} of hidden layer ${s.layer}`;
  if (!b) return `${name}: press "Step backward" for its numbers`;
  const layer = b.layers[s.layer - 1];
  return `${name}, this example: z = ${val(layer.z[i][s.neuron])}, a = ${val(layer.a[i][s.neuron])}, ` +
    `δ = ∂C/∂z = ${grad(layer.delta[i][s.neuron])}, ∂C/∂b = ${grad(layer.bias_grad[s.neuron])} (batch)`;
}
