/* stancegraph stance matrix: actors (rows) against drafts and clauses (columns), fetched once from
   /api/matrix and drawn a window at a time.

   Only the cells on screen exist in the DOM: a sticky "window" the size of the scroll box is
   redrawn from the payload's sparse rows whenever the box scrolls or changes size, and a sizer
   gives the scrollbars the whole matrix's extent. The grid is an ARIA grid (aria-rowcount and
   aria-colcount give the whole size, each drawn row and cell its index) with one roving tab stop:
   arrow keys, Home/End and Page Up/Down move it, Enter or a click opens the cell's evidence
   (fetched from /api/matrix/cell). Labels reach the DOM only through textContent and attributes.
   The filters use the graph viewer's parameter names and live in the URL fragment, so a link
   carries over between the two pages; parameters the matrix does not use (the viewer's layers,
   colour, focus) are kept for the way back. */
"use strict";

(() => {
  const el = window.stancegraphElement; // shared.js
  const $ = (id) => document.getElementById(id);
  const config = JSON.parse($("matrix-config").textContent);
  const grid = $("matrix");
  const win = $("window");
  const sizer = $("sizer");
  const status = $("status");
  const MARKS = { 1: "✓", 2: "✗", 3: "±" };
  const WORDS = { 1: "supports", 2: "opposes", 3: "supports and opposes" };
  const CERTAINTY_MARKS = config.certainty_marks;
  const SUPERSCRIPT = "⁰¹²³⁴⁵⁶⁷⁸⁹";
  const DRAFT_COLOURS = ["#37474f", "#7b1fa2", "#00838f", "#ad1457", "#5d4037", "#283593", "#827717", "#4e342e"];
  const FILTERS = ["draft", "stance", "certainty"]; // checkbox groups: absent from the URL = all
  const OWN = new Set([...FILTERS, "as_of", "undated", "sort", "with"]);
  const boxes = Object.fromEntries(FILTERS.map((name) => [name, [...document.querySelectorAll(`input[name="${name}"]`)]]));
  const asOfInput = $("as-of");
  const undatedBox = $("show-undated");
  const sortSelect = $("sort");
  const withSelect = $("with");

  let data = null; // the payload of /api/matrix
  let geometry = null;
  let active = { row: 0, col: 0 };
  let passthrough = []; // [name, value] pairs the viewer uses and the matrix keeps
  let requested = 0;

  /* ---------------------------------------------------------------- the URL and the controls */

  function writeControls(params) {
    for (const name of FILTERS) {
      const wanted = params.has(name) ? new Set(params.getAll(name)) : null;
      for (const box of boxes[name]) box.checked = wanted === null || wanted.has(box.value);
    }
    const day = params.get("as_of") || "";
    asOfInput.value = /^\d{4}-\d{2}-\d{2}$/.test(day) ? day : "";
    undatedBox.checked = params.get("undated") !== "hidden";
    sortSelect.value = ["name", "coalition", "alignment"].includes(params.get("sort")) ? params.get("sort") : "name";
    const chosen = params.get("with") || "";
    if (chosen && ![...withSelect.options].some((o) => o.value === chosen)) withSelect.append(new Option(chosen, chosen));
    withSelect.value = chosen;
    passthrough = [...params].filter(([name]) => !OWN.has(name));
  }

  /** The filters and sort as parameters, in the viewer's words: only what narrows is written. */
  function stateParams() {
    const params = new URLSearchParams();
    for (const name of FILTERS) {
      const checked = boxes[name].filter((b) => b.checked).map((b) => b.value);
      if (checked.length === boxes[name].length) continue;
      if (!checked.length) params.append(name, "");
      for (const value of checked) params.append(name, value);
    }
    if (asOfInput.value) params.set("as_of", asOfInput.value);
    if (!undatedBox.checked) params.set("undated", "hidden");
    if (sortSelect.value !== "name") params.set("sort", sortSelect.value);
    if (sortSelect.value === "alignment" && withSelect.value) params.set("with", withSelect.value);
    return params;
  }

  function writeURL(params) {
    const all = new URLSearchParams(params);
    for (const [name, value] of passthrough) all.append(name, value);
    const fragment = all.toString();
    history.replaceState(null, "", location.pathname + (fragment ? `#${fragment}` : ""));
    // The same filters on the other page; sort and alignment are the matrix's own.
    const shared = new URLSearchParams([...all].filter(([name]) => name !== "sort" && name !== "with"));
    $("to-viewer").href = `/viewer${shared.toString() ? `#${shared}` : ""}`;
  }

  /* ---------------------------------------------------------------- loading */

  async function load() {
    const params = stateParams();
    writeURL(params);
    const api = new URLSearchParams(params);
    $("export-csv").href = `/api/matrix?${new URLSearchParams([...api, ["format", "csv"]])}`;
    if (sortSelect.value === "alignment" && !withSelect.value) {
      status.textContent = "Choose the actor to align with.";
      api.delete("sort");
    }
    const ticket = ++requested;
    status.textContent = "Loading the matrix…";
    const started = performance.now();
    const response = await fetch(`/api/matrix?${api}`, { headers: { Accept: "application/json" } });
    if (ticket !== requested) return;
    if (!response.ok) {
      const problem = await response.json().catch(() => ({}));
      status.textContent = `The matrix could not be loaded: ${problem.detail || response.status}`;
      return;
    }
    data = await response.json();
    if (ticket !== requested) return;
    fillWith();
    layout();
    active = { row: Math.min(active.row, Math.max(0, data.rows.ids.length - 1)), col: Math.min(active.col, Math.max(0, data.columns.ids.length - 1)) };
    draw();
    const { rows, columns } = data;
    status.textContent = `${rows.ids.length} actors × ${columns.ids.length} drafts and clauses, ${data.positions} positions`;
    window.stancegraph.loaded = { ms: performance.now() - started, cells: data.cells.columns.length };
    document.body.dataset.ready = String(ticket);
  }

  /** The alignment choices: every actor in the matrix, by name, and the one chosen. */
  function fillWith() {
    const chosen = withSelect.value;
    const order = data.rows.ids.map((id, i) => [id, data.rows.labels[i]]).sort((a, b) => a[1].localeCompare(b[1]));
    withSelect.replaceChildren(new Option("(choose an actor)", ""), ...order.map(([id, label]) => new Option(label, id)));
    withSelect.value = chosen;
  }

  /* ---------------------------------------------------------------- geometry and drawing */

  function layout() {
    const phone = window.matchMedia("(max-width: 760px)").matches;
    geometry = { rowH: 28, colW: 34, headW: phone ? 130 : 220, bandH: 24, headH: phone ? 120 : 200 };
    const g = geometry;
    // Every cell has the same size: set once here, so a redraw only places cells (left offsets).
    grid.style.setProperty("--row-h", `${g.rowH}px`);
    grid.style.setProperty("--col-w", `${g.colW}px`);
    grid.setAttribute("aria-rowcount", String(data.rows.ids.length + 1));
    grid.setAttribute("aria-colcount", String(data.columns.ids.length + 1));
    resize();
  }

  function resize() {
    if (!geometry) return;
    const g = geometry;
    const width = grid.clientWidth;
    const height = grid.clientHeight;
    win.style.width = `${width}px`;
    win.style.height = `${height}px`;
    const full = { w: g.headW + data.columns.ids.length * g.colW, h: g.bandH + g.headH + data.rows.ids.length * g.rowH };
    sizer.style.width = `${full.w}px`;
    sizer.style.height = `${Math.max(0, full.h - height)}px`;
  }

  /** The rows and columns on screen now. */
  function visibleRange() {
    const g = geometry;
    const top = grid.scrollTop;
    const left = grid.scrollLeft;
    const bodyH = grid.clientHeight - g.bandH - g.headH;
    const bodyW = grid.clientWidth - g.headW;
    const rows = data.rows.ids.length;
    const cols = data.columns.ids.length;
    return {
      r0: Math.min(rows, Math.floor(top / g.rowH)),
      r1: Math.min(rows, Math.ceil((top + Math.max(0, bodyH)) / g.rowH)),
      c0: Math.min(cols, Math.floor(left / g.colW)),
      c1: Math.min(cols, Math.ceil((left + Math.max(0, bodyW)) / g.colW)),
      top,
      left,
    };
  }


  const place = (element, x, y, w, h) => {
    element.style.cssText = `left:${x}px;top:${y}px;width:${w}px;height:${h}px`;
    return element;
  };

  /** The index in the sparse table of the cell (row, col), or -1. */
  function cellIndex(row, col) {
    const { offsets, columns } = data.cells;
    let lo = offsets[row];
    let hi = offsets[row + 1];
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (columns[mid] < col) lo = mid + 1;
      else hi = mid;
    }
    return lo < offsets[row + 1] && columns[lo] === col ? lo : -1;
  }

  const columnName = (col) => {
    const draft = data.drafts[data.columns.drafts[col]];
    return col === draft.first ? `${draft.label} (the whole draft)` : data.columns.labels[col];
  };

  /** What a cell says, in words: its accessible name and the PNG's fallback. */
  function cellWords(row, col, index) {
    const who = `${data.rows.labels[row]} on ${columnName(col)}`;
    if (index < 0) return `${who}: no position`;
    const { stances, certainties, counts } = data.cells;
    const n = counts[index];
    return `${who}: ${WORDS[stances[index]]}, ${data.certainties[certainties[index]]}${n > 1 ? `, ${n} positions` : ""}`;
  }

  const superscript = (n) => String(n).split("").map((d) => SUPERSCRIPT[d]).join("");

  function draw() {
    if (!data) return;
    const g = geometry;
    const { r0, r1, c0, c1, top, left } = visibleRange();
    const x = (col) => g.headW + col * g.colW - left;
    const y = (row) => g.bandH + g.headH + row * g.rowH - top;
    const parts = [];
    // Draft bands (decoration: each column header names its draft too).
    const bands = el("div", { class: "bands", "aria-hidden": "true" });
    for (const [i, draft] of data.drafts.entries()) {
      const start = Math.max(draft.first, c0);
      const end = Math.min(draft.first + draft.columns, c1);
      if (start >= end) continue;
      const band = place(el("div", { class: "band", text: draft.label, title: draft.label }), x(start), 0, (end - start) * g.colW, g.bandH);
      band.style.background = DRAFT_COLOURS[i % DRAFT_COLOURS.length];
      bands.append(band);
    }
    parts.push(place(bands, 0, 0, 0, 0));
    // The header row.
    const head = el("div", { role: "row", "aria-rowindex": "1", class: "row head" });
    head.style.cssText = `top:${g.bandH}px;height:${g.headH}px`;
    head.append(place(el("div", { role: "columnheader", "aria-colindex": "1", class: "corner", text: "Actor" }), 0, -g.bandH, g.headW, g.bandH + g.headH));
    for (let col = c0; col < c1; col++) {
      const draft = data.drafts[data.columns.drafts[col]];
      const whole = col === draft.first;
      const header = el("div", {
        role: "columnheader",
        "aria-colindex": String(col + 2),
        class: whole ? "colhead draft" : "colhead",
        title: columnName(col),
        "aria-label": whole ? `${draft.label} (the whole draft)` : `${data.columns.labels[col]} (${draft.label})`,
        text: data.columns.labels[col],
      });
      head.append(place(header, x(col), 0, g.colW, g.headH));
    }
    // The body rows: a row header and the cells on screen.
    const body = [];
    const { stances, certainties, counts } = data.cells;
    for (let row = r0; row < r1; row++) {
      const line = el("div", { role: "row", "aria-rowindex": String(row + 2), class: "row" });
      line.style.cssText = `top:${y(row)}px;height:${g.rowH}px`;
      const label = el("div", { role: "rowheader", "aria-colindex": "1", class: "rowhead", title: data.rows.labels[row] }, el("span", { text: data.rows.labels[row] }));
      if (data.rows.alignment.length) {
        const score = data.rows.alignment[row];
        label.append(el("span", { class: "score", text: score === null ? "–" : score.toFixed(2) }));
      } else if (data.rows.coalitions.length && data.rows.coalitions[row] !== null) {
        label.append(el("span", { class: "group", text: `group ${data.rows.coalitions[row] + 1}` }));
      }
      for (let col = c0; col < c1; col++) {
        const index = cellIndex(row, col);
        const first = data.drafts[data.columns.drafts[col]].first === col;
        const cell = el("div", {
          role: "gridcell",
          "aria-colindex": String(col + 2),
          "aria-label": cellWords(row, col, index),
          tabindex: row === active.row && col === active.col ? "0" : "-1",
          "data-row": String(row),
          "data-col": String(col),
        });
        let cls = first ? "cell first" : "cell";
        if (index >= 0) {
          cls += ` s${stances[index]}`;
          cell.append(`${MARKS[stances[index]]}${CERTAINTY_MARKS[certainties[index]]}`);
          if (counts[index] > 1) cell.append(el("span", { class: "n", text: superscript(counts[index]) }));
        }
        if (row === active.row && col === active.col) cls += " active";
        cell.className = cls;
        cell.style.left = `${x(col)}px`;
        line.append(cell);
      }
      line.prepend(place(label, 0, 0, g.headW, g.rowH));
      body.push(line);
    }
    const focusInside = win.contains(document.activeElement);
    win.replaceChildren(...parts, head, ...body);
    // Redrawing replaces the cells: the focused one is focused again (it is still on screen when
    // the keys moved it; a mouse scroll that took it away leaves the focus on the grid).
    if (focusInside) (activeCell() || grid).focus({ preventScroll: true });
    // One tab stop always: if the active cell scrolled away, the first cell on screen takes it.
    if (!activeCell() && r1 > r0 && c1 > c0 && !focusInside) {
      active = { row: r0, col: c0 };
      win.querySelector(`[data-row="${r0}"][data-col="${c0}"]`)?.setAttribute("tabindex", "0");
    }
  }

  const activeCell = () => win.querySelector(`[data-row="${active.row}"][data-col="${active.col}"]`);

  let frame = 0;
  grid.addEventListener("scroll", () => {
    if (!frame) frame = requestAnimationFrame(() => { frame = 0; draw(); });
  });
  // A new size (the evidence panel opening, a rotated phone): the focused cell stays on screen.
  new ResizeObserver(() => {
    if (!data) return;
    resize();
    if (grid.contains(document.activeElement)) moveTo(active.row, active.col);
    else draw();
  }).observe(grid);

  /* ---------------------------------------------------------------- keyboard and focus */

  /** Make (row, col) the active cell, scroll it into view, draw, and focus it. */
  function moveTo(row, col) {
    const rows = data.rows.ids.length;
    const cols = data.columns.ids.length;
    if (!rows || !cols) return;
    active = { row: Math.max(0, Math.min(rows - 1, row)), col: Math.max(0, Math.min(cols - 1, col)) };
    const g = geometry;
    const bodyH = grid.clientHeight - g.bandH - g.headH;
    const bodyW = grid.clientWidth - g.headW;
    const cellTop = active.row * g.rowH;
    const cellLeft = active.col * g.colW;
    if (cellTop < grid.scrollTop) grid.scrollTop = cellTop;
    else if (cellTop + g.rowH > grid.scrollTop + bodyH) grid.scrollTop = cellTop + g.rowH - bodyH;
    if (cellLeft < grid.scrollLeft) grid.scrollLeft = cellLeft;
    else if (cellLeft + g.colW > grid.scrollLeft + bodyW) grid.scrollLeft = cellLeft + g.colW - bodyW;
    draw();
    activeCell()?.focus({ preventScroll: true });
  }

  grid.addEventListener("keydown", (event) => {
    if (!data || !(event.target === grid || event.target.matches(".cell"))) return;
    const page = Math.max(1, Math.floor((grid.clientHeight - geometry.bandH - geometry.headH) / geometry.rowH) - 1);
    const { row, col } = active;
    const last = data.columns.ids.length - 1;
    const moves = {
      ArrowUp: [row - 1, col],
      ArrowDown: [row + 1, col],
      ArrowLeft: [row, col - 1],
      ArrowRight: [row, col + 1],
      PageUp: [row - page, col],
      PageDown: [row + page, col],
      Home: event.ctrlKey ? [0, 0] : [row, 0],
      End: event.ctrlKey ? [data.rows.ids.length - 1, last] : [row, last],
    };
    if (event.key in moves) {
      event.preventDefault();
      moveTo(...moves[event.key]);
    } else if (event.key === "Enter" || event.key === " ") {
      event.preventDefault();
      openCell(row, col);
    }
  });

  grid.addEventListener("click", (event) => {
    const cell = event.target.closest(".cell");
    if (!cell) return;
    active = { row: Number(cell.dataset.row), col: Number(cell.dataset.col) };
    draw();
    activeCell()?.focus({ preventScroll: true });
    openCell(active.row, active.col);
  });

  /* ---------------------------------------------------------------- evidence */

  const panel = $("panel");
  const idHref = (id) => `/id/${encodeURIComponent(id)}`;

  function positionDetails(position) {
    const box = el("div", { class: "position" });
    box.append(
      el("p", { class: "edge-head" },
        el("span", { class: `relation relation-${position.stance}`, text: position.stance }), " ",
        el("a", { href: idHref(position.id), text: position.label })),
    );
    if (position.quote) box.append(el("blockquote", { class: /^["“]/.test(position.quote) ? "quote quoted" : "quote", text: position.quote }));
    const facts = el("dl", { class: "facts" });
    const fact = (term, ...value) => facts.append(el("dt", { text: term }), el("dd", {}, ...value));
    fact("Source", position.source ? el("a", { href: idHref(position.source.id), text: position.source.label || position.source.id }) : "not given");
    fact("Date", position.date || "not given");
    fact("Certainty", position.certainty || "not given");
    if (position.note) fact("Note", position.note);
    fact("Position", el("a", { href: idHref(position.id), text: position.id }));
    box.append(facts);
    return box;
  }

  async function openCell(row, col) {
    const actor = data.rows.ids[row];
    const target = data.columns.ids[col];
    const title = el("h2", { id: "panel-title", text: `${data.rows.labels[row]} on ${columnName(col)}` });
    const links = el("p", { class: "links" }, el("a", { href: idHref(actor), text: data.rows.labels[row] }), " · ", el("a", { href: idHref(target), text: columnName(col) }));
    $("panel-body").replaceChildren(title, links, el("p", { class: "hint", text: "Loading the evidence…" }));
    panel.hidden = false;
    const params = stateParams();
    params.delete("sort");
    params.delete("with");
    params.set("actor", actor);
    params.set("target", target);
    const response = await fetch(`/api/matrix/cell?${params}`, { headers: { Accept: "application/json" } });
    const positions = response.ok ? await response.json() : [];
    const heading = el("h3", { text: positions.length === 1 ? "1 position" : `${positions.length} positions` });
    const list = positions.length ? positions.map(positionDetails) : [el("p", { text: "No position under the current filters." })];
    $("panel-body").replaceChildren(title, links, heading, ...list);
  }

  function closePanel() {
    panel.hidden = true;
    moveTo(active.row, active.col); // back to the cell, in view of the wider grid
  }
  $("panel-close").addEventListener("click", closePanel);
  document.addEventListener("keydown", (event) => {
    if (event.key === "Escape" && !panel.hidden) closePanel();
  });

  /* ---------------------------------------------------------------- export as PNG */

  /** The matrix as it is on screen, drawn on a canvas: bands, headers and cells, with their marks. */
  function drawPng() {
    const g = geometry;
    const scale = window.devicePixelRatio || 1;
    const canvas = document.createElement("canvas");
    canvas.width = Math.round(grid.clientWidth * scale);
    canvas.height = Math.round(grid.clientHeight * scale);
    const c = canvas.getContext("2d");
    c.scale(scale, scale);
    c.fillStyle = "#ffffff";
    c.fillRect(0, 0, grid.clientWidth, grid.clientHeight);
    const gridBox = grid.getBoundingClientRect();
    const fill = { s1: "#d8f3e8", s2: "#fde5d6", s3: "#ebe8f6" };
    c.textBaseline = "middle";
    for (const element of win.querySelectorAll(".band, .corner, .colhead, .rowhead, .cell")) {
      const box = element.getBoundingClientRect();
      const [x, y, w, h] = [box.left - gridBox.left, box.top - gridBox.top, box.width, box.height];
      const style = getComputedStyle(element);
      const kind = [...element.classList].find((name) => name in fill);
      c.fillStyle = kind ? fill[kind] : style.backgroundColor;
      c.fillRect(x, y, w, h);
      c.strokeStyle = "#d0d7de";
      c.strokeRect(x + 0.5, y + 0.5, w, h);
      c.fillStyle = style.color;
      c.font = `${style.fontWeight} ${style.fontSize} system-ui, sans-serif`;
      c.save();
      c.beginPath();
      c.rect(x, y, w, h);
      c.clip();
      if (element.classList.contains("colhead")) {
        c.translate(x + w / 2, y + h - 4);
        c.rotate(-Math.PI / 2);
        c.fillText(element.textContent, 0, 0);
      } else if (element.classList.contains("cell")) {
        c.textAlign = "center";
        c.fillText(element.textContent, x + w / 2, y + h / 2);
      } else {
        c.fillText(element.textContent, x + 6, y + h / 2);
      }
      c.restore();
    }
    return canvas;
  }

  $("export-png").addEventListener("click", () => {
    if (!data) return;
    drawPng().toBlob((blob) => window.stancegraphDownload(blob, "stancegraph-matrix.png"), "image/png");
  });

  /* ---------------------------------------------------------------- start */

  $("controls").addEventListener("change", (event) => {
    if (event.target === withSelect && withSelect.value) sortSelect.value = "alignment";
    load();
  });
  $("controls").addEventListener("submit", (event) => event.preventDefault());
  $("reset").addEventListener("click", () => {
    writeControls(new URLSearchParams());
    load();
  });
  const toggle = $("toggle-controls");
  toggle.addEventListener("click", () => {
    const open = document.body.classList.toggle("controls-open");
    toggle.setAttribute("aria-expanded", String(open));
  });

  window.stancegraph = { loaded: null, draw, moveTo, openCell, drawPng }; // for tests and the benchmark
  writeControls(window.stancegraphParams());
  load();
})();
