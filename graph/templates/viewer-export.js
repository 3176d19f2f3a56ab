/* stancegraph viewer: the current view as a PNG or an SVG file, made in the page (no server, no CDN).

   vis-network draws on a canvas, so the PNG is that canvas on a white ground. The SVG is built
   from the network's node positions and the shown edges, framed to what is on screen: straight
   lines with the same colours and dash patterns, each node's shape and its label. Labels become
   SVG text through textContent and XMLSerializer, so markup in the data stays text. */
"use strict";

(() => {
  const { network, nodes, edges } = window.stancegraph;
  const SVG = "http://www.w3.org/2000/svg";
  const container = document.getElementById("graph");

  const download = window.stancegraphDownload; // shared.js

  function exportPng() {
    const canvas = container.querySelector("canvas");
    const copy = document.createElement("canvas");
    copy.width = canvas.width;
    copy.height = canvas.height;
    const context = copy.getContext("2d");
    context.fillStyle = "#ffffff";
    context.fillRect(0, 0, copy.width, copy.height);
    context.drawImage(canvas, 0, 0);
    copy.toBlob((blob) => download(blob, "stancegraph.png"), "image/png");
  }

  function svgElement(tag, attributes) {
    const element = document.createElementNS(SVG, tag);
    for (const [name, value] of Object.entries(attributes)) element.setAttribute(name, String(value));
    return element;
  }

  const colourOf = (value, fallback) =>
    typeof value === "string" ? value : (value && (value.background || value.color)) || fallback;

  /** Corner points of a vis shape of radius r around (x, y), for the polygon shapes. */
  function polygon(shape, x, y, r) {
    const turn = (count, start) =>
      Array.from({ length: count }, (_, i) => {
        const angle = start + (2 * Math.PI * i) / count;
        return [x + r * Math.cos(angle), y + r * Math.sin(angle)];
      });
    const points = {
      diamond: turn(4, -Math.PI / 2),
      triangle: turn(3, -Math.PI / 2),
      triangleDown: turn(3, Math.PI / 2),
      hexagon: turn(6, Math.PI / 6),
      star: turn(10, -Math.PI / 2).map(([px, py], i) => (i % 2 ? [x + (px - x) * 0.45, y + (py - y) * 0.45] : [px, py])),
    }[shape];
    return points && points.map((p) => p.map((v) => v.toFixed(1)).join(",")).join(" ");
  }

  function nodeShape(n, x, y) {
    const fill = colourOf(n.color, "#6b7280");
    const r = n.size || 14;
    if (n.shape === "box") {
      const width = Math.max(60, n.label.length * 8 + 20);
      return svgElement("rect", { x: x - width / 2, y: y - 14, width, height: 28, rx: 4, fill });
    }
    if (n.shape === "square") return svgElement("rect", { x: x - r, y: y - r, width: 2 * r, height: 2 * r, fill });
    const points = polygon(n.shape, x, y, r);
    return points ? svgElement("polygon", { points, fill }) : svgElement("circle", { cx: x, cy: y, r, fill });
  }

  /** The shown nodes and edges, framed to the visible part of the canvas. */
  function buildSvg() {
    const shownNodes = nodes.get({ filter: (n) => !n.hidden });
    const ids = new Set(shownNodes.map((n) => n.id));
    const shownEdges = edges.get({ filter: (e) => !e.hidden && ids.has(e.from) && ids.has(e.to) });
    const at = network.getPositions([...ids]);
    const { width, height } = container.getBoundingClientRect();
    const corner = network.DOMtoCanvas({ x: 0, y: 0 });
    const far = network.DOMtoCanvas({ x: width, y: height });
    const svg = svgElement("svg", {
      xmlns: SVG,
      viewBox: `${corner.x} ${corner.y} ${far.x - corner.x} ${far.y - corner.y}`,
      width: Math.round(width),
      height: Math.round(height),
      "font-family": "system-ui, sans-serif",
    });
    svg.append(svgElement("title", {}));
    svg.lastChild.textContent = "stancegraph: who supports and who opposes which clause";
    svg.append(svgElement("rect", { x: corner.x, y: corner.y, width: far.x - corner.x, height: far.y - corner.y, fill: "#ffffff" }));
    const edgeGroup = svgElement("g", { class: "edges", fill: "none" });
    for (const e of shownEdges) {
      const [a, b] = [at[e.from], at[e.to]];
      const line = svgElement("line", {
        x1: a.x, y1: a.y, x2: b.x, y2: b.y,
        stroke: colourOf(e.color, "#a3abb5"),
        "stroke-width": e.width || 1,
        class: `edge ${e.stance ? e.relation : e.layer}`,
      });
      if (Array.isArray(e.dashes)) line.setAttribute("stroke-dasharray", e.dashes.join(" "));
      edgeGroup.append(line);
    }
    const nodeGroup = svgElement("g", { class: "nodes" });
    for (const n of shownNodes) {
      const { x, y } = at[n.id];
      const group = svgElement("g", { class: `node ${n.category}` });
      const label = svgElement("text", {
        x,
        y: n.shape === "box" ? y + 5 : y + (n.size || 14) + 14,
        "text-anchor": "middle",
        "font-size": n.shape === "box" ? 14 : 12,
        fill: n.shape === "box" ? "#ffffff" : "#1f2328",
      });
      label.textContent = n.label;
      group.append(nodeShape(n, x, y), label);
      nodeGroup.append(group);
    }
    svg.append(edgeGroup, nodeGroup);
    return `<?xml version="1.0" encoding="UTF-8"?>\n${new XMLSerializer().serializeToString(svg)}\n`;
  }

  document.getElementById("export-png").addEventListener("click", exportPng);
  document.getElementById("export-svg").addEventListener("click", () =>
    download(new Blob([buildSvg()], { type: "image/svg+xml" }), "stancegraph.svg"),
  );
  window.stancegraph.buildSvg = buildSvg;
})();
