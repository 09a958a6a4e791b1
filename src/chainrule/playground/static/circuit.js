// The circuit view: a scalar expression's trace, stepped gate by gate, forward then backward.
import { post } from "./api.js";
import { esc, grad, num, val } from "./format.js";

let trace = null;   // the server's reply: forward and backward step lists
let position = 0;   // how many steps are shown (forward steps first, then backward)
let request = null; // what the trace is of: {example} or {expression}, with its input values
let sending = false, resend = false;  // one slider request in flight at a time, the latest values next

const $ = (id) => document.getElementById(id);
const steps = () => (trace ? trace.forward.length + trace.backward.length : 0);

export function setupCircuit(info) {
  const select = $("circuit-example");
  select.innerHTML = info.examples.map((e) => `<option>${e}</option>`).join("");
  select.addEventListener("change", () => load({ example: select.value, values: {} }));
  $("run-expression").addEventListener("click", runExpression);
  $("expression").addEventListener("keydown", (e) => e.key === "Enter" && runExpression());
  $("c-next").addEventListener("click", () => show(position + 1));
  $("c-prev").addEventListener("click", () => show(position - 1));
  $("c-all").addEventListener("click", () => show(steps()));
  $("c-reset").addEventListener("click", () => show(0));
  $("nudge").addEventListener("click", nudge);
  load({ example: select.value, values: {} });
}

// "x=-2, y=5" -> {x: -2, y: 5}; the server checks the names and the numbers
function parseValues(text) {
  const values = {};
  for (const item of text.split(/[,\s]+/).filter(Boolean)) {
    const [name, value] = item.split("=");
    values[name] = value === undefined || value.trim() === "" ? value : Number(value);
  }
  return values;
}

function runExpression() {
  load({ expression: $("expression").value, values: parseValues($("values").value) });
}

// a new circuit: its trace from the start, a slider per input
async function load(next) {
  const reply = await post("/api/circuit", next);
  if (!reply) return;
  request = { ...next, values: { ...reply.inputs } };
  setTrace(reply);
  drawSliders();
  $("nudge-result").innerHTML = "";
  show(0);
}

function setTrace(reply) {
  trace = reply;
  $("circuit-title").textContent = trace.title;
  $("c-text").textContent = trace.text;
}

function drawSliders() {
  const names = Object.keys(request.values);
  $("c-sliders").innerHTML = names.map((name) => {
    const v = request.values[name], span = Math.max(2, 2 * Math.abs(v));
    return `<label class="slider">${esc(name)} <input type="range" data-name="${esc(name)}" min="${v - span}" ` +
      `max="${v + span}" step="${span / 100}" value="${v}"><output>${num(v)}</output></label>`;
  }).join("");
  $("c-sliders").querySelectorAll("input").forEach((slider) => slider.addEventListener("input", () => {
    request.values[slider.dataset.name] = Number(slider.value);
    slider.nextElementSibling.textContent = num(Number(slider.value));
    recompute();
  }));
  $("nudge-name").innerHTML = names.map((name) => `<option>${esc(name)}</option>`).join("");
}

// the same circuit at the sliders' values, at the same step
async function recompute() {
  if (sending) return void (resend = true);
  sending = true;
  const reply = await post("/api/circuit", request);
  sending = false;
  if (reply) {
    setTrace(reply);
    show(position);
    $("nudge-result").innerHTML = "";
  }
  if (resend) {
    resend = false;
    recompute();
  }
}

async function nudge() {
  const name = $("nudge-name").value;
  const r = await post("/api/circuit/nudge", { ...request, name, h: Number($("nudge-h").value) });
  if (!r) return;
  const f = esc(trace.output), x = esc(name);
  $("nudge-result").innerHTML = `nudge ${x} = ${val(r.value)} by h = ${val(r.h)}:\n` +
    `  predicted by the gradient: h × ∂${f}/∂${x} = ${num(r.h)} × ${grad(r.grad)} = <span id="nudge-predicted">${val(r.predicted)}</span>\n` +
    `  measured: ${f}(${x} + h) − ${f}(${x}) = ${num(r.f_nudged)} − ${num(r.f)} = <span id="nudge-measured">${val(r.measured)}</span>\n` +
    `<span class="rule">The gradient is the slope: for a small h the two agree, up to a term in h² (halve h and the gap shrinks four times).</span>`;
}

function show(n) {
  position = Math.max(0, Math.min(steps(), n));
  $("c-progress").textContent = `step ${position} of ${steps()}`;
  $("c-prev").disabled = position === 0;
  $("c-next").disabled = position === steps();
  draw();
  $("c-step").innerHTML = explain();
}

function explain() {
  const f = trace.forward.length;
  if (position === 0) return `<span class="rule">Press "next step": the forward pass computes each value from its inputs, then the backward pass sends d${esc(trace.output)} back through every gate.</span>`;
  if (position <= f) {
    const r = trace.forward[position - 1];
    if (r.op === "input" || r.op === "constant") return `forward: ${esc(r.name)} is an ${r.op}: ${esc(r.name)} = ${val(r.value)}`;
    const inputs = r.inputs.map((name) => {
      const rec = trace.forward.find((x) => x.name === name);
      return rec ? `${esc(name)} = ${val(rec.value)}` : esc(name);
    });
    return `forward: ${esc(r.rule)}\n  with ${inputs.join(", ")}\n  ${esc(r.name)} = ${val(r.value)}`;
  }
  const r = trace.backward[position - f - 1];
  if (r.op === "seed") return `backward starts at the output: ${esc(r.rule)}, so d${esc(r.name)} = ${grad(r.grad)}`;
  let text = `backward through ${esc(r.output)}'s gate: ${esc(r.rule)}\n` +
    `  upstream d${esc(r.output)} × local ∂${esc(r.output)}/∂${esc(r.name)} = ` +
    `${grad(r.upstream)} × ${val(r.local)} = ${grad(r.grad)}`;
  if (r.uses > 1) {   // the contributions to this input so far, summed
    const parts = trace.backward.slice(1, position - f).filter((s) => s.name === r.name).map((s) => (s.grad < 0 ? `(${num(s.grad)})` : num(s.grad)));
    text += `\n  fan-out: ${esc(r.name)} feeds ${r.uses} gates, contribution ${r.use} of ${r.uses}:` +
      ` d${esc(r.name)} = ${parts.join(" + ")} = ${grad(r.total)}` + (r.use < r.uses ? " so far" : "");
  }
  return text + `\n<span class="rule">${esc(r.gate)}</span>`;
}

// Layout: each value in the column after its deepest input; gates drawn between.
function layout() {
  const column = {}, rows = {}, nodes = [];
  for (const r of trace.forward) {
    const c = r.inputs.length ? 1 + Math.max(...r.inputs.map((n) => column[n] ?? 0)) : 0;
    column[r.name] = c;
    rows[c] = (rows[c] ?? 0) + 1;
    nodes.push({ r, c, row: rows[c] - 1 });
  }
  const columns = 1 + Math.max(...Object.values(column));
  const height = Math.max(...Object.values(rows));
  return { nodes, columns, height };
}

function draw() {
  const svg = $("circuit-svg");
  const { nodes, columns, height } = layout();
  const dx = Math.min(170, 740 / columns), dy = 70, w = 96, h = 44;
  svg.setAttribute("height", Math.max(160, height * dy + 40));
  const at = {};
  nodes.forEach((n) => (at[n.r.name] = { x: 20 + n.c * dx, y: 20 + n.row * dy + (height - (nodes.filter((m) => m.c === n.c).length)) * dy / 2 }));
  const f = trace.forward.length;
  const shownForward = new Set(trace.forward.slice(0, Math.min(position, f)).map((r) => r.name));
  const done = trace.backward.slice(0, Math.max(0, position - f));
  const gradSoFar = {};
  for (const r of done) gradSoFar[r.name] = r.op === "seed" ? r.grad : r.total;
  const current = position > f ? done[done.length - 1] : position > 0 ? trace.forward[position - 1] : null;
  let out = "";
  for (const n of nodes) {   // wires from inputs into the gate in front of the value
    const to = at[n.r.name];
    for (const name of n.r.inputs) {
      const from = at[name];
      if (!from) continue;
      const active = current && ((current.phase === "forward" && current.name === n.r.name) ||
        (current.phase === "backward" && current.output === n.r.name && current.name === name));
      out += `<path class="${active ? "active" : ""}" d="M${from.x + w},${from.y + h / 2} C${from.x + w + 30},${from.y + h / 2} ${to.x - 50},${to.y + h / 2} ${to.x - 22},${to.y + h / 2}"/>`;
    }
  }
  for (const n of nodes) {
    const { x, y } = at[n.r.name];
    const active = current && current.name === n.r.name;
    if (n.r.inputs.length) {
      out += `<g class="gate${current && current.output === n.r.name ? " active" : ""}"><circle cx="${x - 12}" cy="${y + h / 2}" r="10"/>` +
        `<text x="${x - 12}" y="${y + h / 2 + 4}" text-anchor="middle">${esc(symbol(n.r.op))}</text></g>`;
    }
    const shown = shownForward.has(n.r.name);
    const g = gradSoFar[n.r.name];
    out += `<g class="value ${n.r.inputs.length ? "" : "input"}${active ? " active" : ""}" data-name="${esc(n.r.name)}">` +
      `<rect x="${x}" y="${y}" width="${w}" height="${h}" rx="4"/>` +
      `<text x="${x + 6}" y="${y + 14}">${esc(n.r.name)}</text>` +
      `<text class="v" x="${x + 6}" y="${y + 27}">${shown ? num(n.r.value) : ""}</text>` +
      `<text class="g" x="${x + 6}" y="${y + 40}">${g !== undefined ? "d=" + num(g) : ""}</text></g>`;
  }
  svg.innerHTML = out;
}

const SYMBOLS = { add: "+", sub: "−", mul: "×", div: "÷", pow: "^", neg: "−", sigmoid: "σ", exp: "e", log: "ln", tanh: "th", relu: "r", sqrt: "√", abs: "|·|", maximum: "max", minimum: "min", sin: "sin", cos: "cos" };
const symbol = (op) => SYMBOLS[op] ?? op;
