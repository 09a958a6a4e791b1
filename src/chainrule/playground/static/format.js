// Showing numbers and colours. Numbers arrive from the server; these only format them.

// A number as text: up to 6 significant digits; null (NaN or infinite on the server) as "NaN".
export function num(x) {
  if (x === null || x === undefined) return "NaN";
  if (x === 0) return "0";
  const a = Math.abs(x);
  const text = a >= 1e-4 && a < 1e6 ? String(Number(x.toPrecision(6))) : x.toExponential(4);
  return text;
}

// span markup for a forward value (blue) or a gradient (red), with the full number as its title.
export const val = (x) => `<span class="num" title="${x}">${num(x)}</span>`;
export const grad = (x) => `<span class="grad" title="${x}">${num(x)}</span>`;
export const esc = (s) => String(s).replace(/[&<>"]/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;" })[c]);

const NEG = [245, 147, 34], POS = [8, 119, 189], MID = [248, 248, 248];

// t in [-1, 1] -> orange (negative) .. white .. blue (positive), as RGB
export function diverging(t) {
  const c = Math.max(-1, Math.min(1, t));
  const end = c < 0 ? NEG : POS, w = Math.abs(c);
  return MID.map((m, i) => Math.round(m + (end[i] - m) * w));
}

export const rgb = (c, alpha = 1) => `rgba(${c[0]},${c[1]},${c[2]},${alpha})`;

// a size x size heatmap (row-major values, mapped by f to [-1, 1], coloured by colour) as an offscreen canvas
export function heatmap(values, size, f, colour = diverging) {
  const canvas = document.createElement("canvas");
  canvas.width = canvas.height = size;
  const ctx = canvas.getContext("2d");
  const image = ctx.createImageData(size, size);
  values.forEach((v, k) => {
    const c = v === null ? [200, 0, 200] : colour(f(v));
    image.data.set([c[0], c[1], c[2], 255], 4 * k);
  });
  ctx.putImageData(image, 0, 0);
  return canvas;
}
