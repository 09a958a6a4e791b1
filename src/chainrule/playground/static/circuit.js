// The circuit view: a scalar expression's trace, stepped gate by gate, forward then backward.
import { post } from "./api.js";
import { esc, grad, num, val } from "./format.js";

let trace = null;   // the server's reply: forward and backward step lists
let position = 0;   // how many steps are shown (forward steps first, then backward)

const $ = (id) => document.getElementById(id);
const steps = () => (trace ? trace.forward.length + trace.backward.length : 0);

export function setupCircuit(info) {
  const select = $("circuit-example");
  select.innerHTML = info.examples.map((e) => `<option>${e}</option>`).join("");
  select.addEventListener("change", () => load({ example: select.value }));
  $("run-expression").addEventListener("click", runExpression);
  $("expression").addEventListener("keydown", (e) => e.key === "Enter" && runExpression());
  $("c-next").addEventListener("click", () => show(position + 1));
  $("c-prev").addEventListener("click", () => show(position - 1));
  $("c-all").addEventListener("click", () => show(steps()));
  $("c-reset").addEventListener("click", () => show(0));
  load({ example: select.value });
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

async function load(request) {
  const reply = await post("/api/circuit", request);
  if (!reply) return;
  trace = reply;
  $("circuit-title").textContent = trace.title;
  $("c-text").textContent = trace.text;
  show(0);
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
  if (r.uses > 1) text += `\n  fan-out: contribution ${r.use} of ${r.uses}, d${esc(r.name)} so far = ${grad(r.total)}`;
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
