// A workflow graph as SVG, left to right: the server gives each node its column (`layer`, longest
// path from a root in topological order) and its row within the column.

import { s } from "./dom.js";

const W = 212, H = 54, GAP_X = 56, GAP_Y = 22, PAD = 12;

// nodes: [{id, layer, row, title, subtitle, cls, tip}], edges: [{source, dest}]
export function drawGraph(nodes, edges, { label = "workflow graph", onSelect = null } = {}) {
  const pos = new Map();
  let cols = 0, rows = 0;
  for (const n of nodes) {
    const x = PAD + n.layer * (W + GAP_X);
    const y = PAD + n.row * (H + GAP_Y);
    pos.set(n.id, { x, y });
    cols = Math.max(cols, n.layer + 1);
    rows = Math.max(rows, n.row + 1);
  }
  const width = PAD * 2 + cols * W + Math.max(0, cols - 1) * GAP_X;
  const height = PAD * 2 + rows * H + Math.max(0, rows - 1) * GAP_Y;
  const svg = s("svg", {
    class: "graph", viewBox: `0 0 ${Math.max(width, 10)} ${Math.max(height, 10)}`,
    width: Math.max(width, 10), height: Math.max(height, 10), role: "img", "aria-label": label,
  });
  svg.append(s("defs", {}, s("marker", {
    id: "arrow", viewBox: "0 0 10 10", refX: 10, refY: 5, markerWidth: 7, markerHeight: 7, orient: "auto-start-reverse",
  }, s("path", { d: "M 0 0 L 10 5 L 0 10 z", class: "arrowhead" }))));
  for (const e of edges) {
    const a = pos.get(e.source), b = pos.get(e.dest);
    if (!a || !b) continue;
    const x1 = a.x + W, y1 = a.y + H / 2, x2 = b.x, y2 = b.y + H / 2;
    const mid = (x1 + x2) / 2;
    svg.append(s("path", {
      class: "edge", d: `M ${x1} ${y1} C ${mid} ${y1}, ${mid} ${y2}, ${x2} ${y2}`, "marker-end": "url(#arrow)",
    }, s("title", {}, `${e.source} → ${e.dest}`)));
  }
  for (const n of nodes) {
    const { x, y } = pos.get(n.id);
    const g = s("g", {
      class: ["node", n.cls], transform: `translate(${x} ${y})`, tabindex: onSelect ? 0 : null,
      "data-node": n.id, "data-state": n.state || null, role: onSelect ? "button" : null,
      "aria-label": `${n.id}: ${n.state || n.subtitle || ""}`,
    },
    s("title", {}, n.tip || `${n.id}\n${n.subtitle || ""}`),
    s("rect", { width: W, height: H, rx: 7, ry: 7 }),
    s("text", { x: 10, y: 21, class: "node-title" }, clip(n.title, 21)),
    s("text", { x: 10, y: 40, class: "node-sub" }, clip(n.subtitle || "", 28)));
    if (n.mark) g.append(s("text", { x: W - 10, y: 21, class: "node-mark", "text-anchor": "end" }, n.mark));
    if (onSelect) {
      g.addEventListener("click", () => onSelect(n.id));
      g.addEventListener("keydown", (ev) => { if (ev.key === "Enter" || ev.key === " ") { ev.preventDefault(); onSelect(n.id); } });
    }
    svg.append(g);
  }
  return svg;
}

function clip(text, n) {
  text = String(text ?? "");
  return text.length > n ? text.slice(0, n - 1) + "…" : text;
}
