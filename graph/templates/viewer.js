/* stancegraph viewer: draws the graph embedded in #graph-data with vis-network, filters it in
   place and shows the evidence of every edge.

   Data reaches the DOM only through textContent and attributes with fixed prefixes, never
   through innerHTML: labels and quotes come from outside and may contain markup.
   Filters only toggle `hidden` flags and the layout is computed once with physics that is then
   switched off, so nodes never move when a filter changes. The filter state lives in the URL
   fragment (and `?focus=ID` etc. in the query string are read too), so a view can be shared.
   The "as of" slider hides the stances that did not hold yet (nodes stay, as in
   graph.analysis.as_of); colouring by coalition recolours actors and keeps their shapes.
   Layers (draft structure, roles and memberships, claims, who drafted) switch the edges that
   explain actors with no stance; a node left with no edge shown is gathered in a grid at the
   right of the graph rather than left floating, and goes back to its place when an edge returns.
   The graph is fitted again whenever its box changes size (a rotated phone, a resized window). */
"use strict";

(() => {
  const el = window.stancegraphElement; // shared.js
  const data = JSON.parse(document.getElementById("graph-data").textContent);
  const $ = (id) => document.getElementById(id);
  const container = $("graph");
  const nodes = new vis.DataSet(data.nodes);
  const edges = new vis.DataSet(data.edges);
  const nodeById = new Map(data.nodes.map((n) => [n.id, n]));
  const edgesOf = new Map(data.nodes.map((n) => [n.id, []]));
  for (const e of data.edges) {
    edgesOf.get(e.from).push(e);
    if (e.to !== e.from) edgesOf.get(e.to).push(e);
  }
  const network = new vis.Network(container, { nodes, edges }, data.options);
  // vis makes its canvas focusable for its keyboard navigation: say what it is and what the keys do.
  const surface = container.querySelector(".vis-network");
  surface.setAttribute("role", "application");
  surface.setAttribute("aria-label", "The graph: arrow keys pan, + and - zoom. Find a node with the search box.");
  // vis focuses its canvas on hover too; only focus that came from the Tab key is outlined.
  let tabbing = false;
  document.addEventListener("keydown", (event) => {
    if (event.key === "Tab") tabbing = true;
  });
  document.addEventListener("pointerdown", () => {
    tabbing = false;
  });
  surface.addEventListener("focus", () => surface.classList.toggle("tabbed", tabbing));
  const MAX_LISTED = 150;
  const JSON_PATHS = { actor: "/api/actors/", clause: "/api/clauses/", draft: "/api/documents/" };

  /* ---------------------------------------------------------------- filter state */

  const FILTERS = ["draft", "stance", "certainty", "layer"]; // checkbox groups; absent from the URL = all
  const boxes = Object.fromEntries(
    FILTERS.map((name) => [name, [...document.querySelectorAll(`input[name="${name}"]`)]]),
  );
  const actorSelect = $("filter-actor");
  const searchInput = $("search-input");
  const slider = $("as-of"); // absent when no position has a date
  const undatedBox = $("show-undated");
  const coalitionBox = $("by-coalition"); // absent when no actor took a stance
  let asOf = null; // an ISO day, or null for every date: the slider only stops where something changes
  const initial = window.stancegraphParams();
  let focused = nodeById.has(initial.get("focus")) ? initial.get("focus") : null;

  /** The filters as sets of allowed values (null: everything allowed) and an actor id or "". */
  function readControls() {
    const state = {
      actor: actorSelect.value,
      asOf,
      undated: !undatedBox || undatedBox.checked,
      colour: coalitionBox?.checked ? "coalition" : "kind",
    };
    for (const name of FILTERS) {
      const checked = boxes[name].filter((b) => b.checked).map((b) => b.value);
      state[name] = checked.length === boxes[name].length ? null : new Set(checked);
    }
    return state;
  }

  function writeControls(params) {
    for (const name of FILTERS) {
      const wanted = params.has(name) ? new Set(params.getAll(name)) : null;
      for (const box of boxes[name]) box.checked = wanted === null || wanted.has(box.value);
    }
    const actor = params.get("actor") || "";
    actorSelect.value = nodeById.get(actor)?.category === "actor" ? actor : "";
    const day = params.get("as_of") || "";
    setAsOf(/^\d{4}-\d{2}-\d{2}$/.test(day) ? day : null);
    if (undatedBox) undatedBox.checked = params.get("undated") !== "hidden";
    if (coalitionBox) coalitionBox.checked = params.get("colour") === "coalition";
  }

  /** Show the graph as of `day` (null: every date); the slider goes to the last stop on or before it. */
  function setAsOf(day) {
    asOf = slider ? day : null;
    if (!slider) return;
    slider.value = day === null ? data.days.length : Math.max(0, data.days.filter((d) => d <= day).length - 1);
    const text = day === null ? "every date" : day;
    $("as-of-day").textContent = text;
    slider.setAttribute("aria-valuetext", text);
  }

  function writeURL(state) {
    const params = new URLSearchParams();
    for (const name of FILTERS) {
      if (state[name] === null) continue;
      if (state[name].size === 0) params.append(name, "");
      for (const value of state[name]) params.append(name, value);
    }
    if (state.actor) params.set("actor", state.actor);
    if (state.asOf) params.set("as_of", state.asOf);
    if (!state.undated) params.set("undated", "hidden");
    if (state.colour !== "kind") params.set("colour", state.colour);
    if (focused) params.set("focus", focused);
    const fragment = params.toString();
    history.replaceState(null, "", location.pathname + (fragment ? `#${fragment}` : ""));
    const toMatrix = $("to-matrix"); // the same filters on the stance matrix (served pages only)
    if (toMatrix) toMatrix.href = `/matrix${fragment ? `#${fragment}` : ""}`;
  }

  /* ---------------------------------------------------------------- visibility */

  const allowed = (set, value) => set === null || set.has(value);

  /** The draft a node belongs to: itself for a draft, its draft for a clause, none for an actor. */
  const draftOf = (id) => {
    const n = nodeById.get(id);
    return n.category === "draft" ? n.id : n.draft;
  };
  const inShownDrafts = (state, id) => !draftOf(id) || allowed(state.draft, draftOf(id));

  /** Whether a stance, or a role, claim or drafting edge, passes the filters (lineage is decided by its ends);
      the certainty filter holds for claims as for stances. */
  function edgePasses(state, e) {
    if (e.stance) {
      return (
        allowed(state.draft, e.document) &&
        (!state.actor || e.from === state.actor) &&
        allowed(state.stance, e.relation) &&
        allowed(state.certainty, e.certainty) &&
        (e.day ? state.asOf === null || e.day <= state.asOf : state.undated)
      );
    }
    return (
      allowed(state.layer, e.layer) &&
      (e.layer !== "claims" || allowed(state.certainty, e.certainty)) &&
      inShownDrafts(state, e.from) &&
      inShownDrafts(state, e.to) &&
      (!state.actor || e.from === state.actor || e.to === state.actor)
    );
  }

  /** Which nodes and edges a filter state shows. Pure: no DOM, no vis. */
  function visibility(state) {
    const edgeOn = new Map();
    const touched = new Set();
    for (const e of data.edges) {
      if (e.layer === "lineage") continue;
      const on = edgePasses(state, e);
      edgeOn.set(e.id, on);
      if (on) touched.add(e.from).add(e.to);
    }
    // Drafts that a shown position reaches through one of their clauses stay as anchors.
    for (const id of [...touched]) {
      const draft = nodeById.get(id).draft;
      if (draft) touched.add(draft);
    }
    const stancesNarrowed = state.stance !== null && !(state.stance.has("supports") && state.stance.has("opposes"));
    const narrowed = state.draft !== null || state.certainty !== null || stancesNarrowed;
    const nodeOn = new Map();
    for (const n of data.nodes) {
      let on;
      if (n.category === "actor") on = state.actor ? n.id === state.actor || touched.has(n.id) : !narrowed || touched.has(n.id);
      else if (n.category === "clause") on = (!n.draft || allowed(state.draft, n.draft)) && (!state.actor || touched.has(n.id));
      else on = allowed(state.draft, n.id) && (!state.actor || touched.has(n.id));
      nodeOn.set(n.id, on);
    }
    for (const e of data.edges) {
      const ends = nodeOn.get(e.from) && nodeOn.get(e.to);
      edgeOn.set(e.id, ends && (e.layer === "lineage" ? allowed(state.layer, "lineage") : edgeOn.get(e.id)));
    }
    return { nodeOn, edgeOn };
  }

  /** The shown nodes that no shown edge touches, by label: they are gathered aside. */
  function lonely(nodeOn, edgeOn) {
    const linked = new Set();
    for (const e of data.edges) if (edgeOn.get(e.id)) linked.add(e.from).add(e.to);
    return data.nodes
      .filter((n) => nodeOn.get(n.id) && !linked.has(n.id))
      .sort((a, b) => a.label.localeCompare(b.label))
      .map((n) => n.id);
  }

  const hiddenNow = { nodes: new Map(), edges: new Map() };

  /** Update only the items whose flag changes: cheap at 10,000 edges, and nothing moves. */
  function setHidden(dataset, current, on) {
    const changes = [];
    for (const [id, shown] of on) {
      if ((current.get(id) || false) !== !shown) changes.push({ id, hidden: !shown });
      current.set(id, !shown);
    }
    if (changes.length) dataset.update(changes);
  }

  /* ---------------------------------------------------------------- gathering aside */

  let home = null; // every node's place in the layout, once it has settled
  const aside = new Set(); // the nodes now gathered at the right
  const ASIDE = { gap: 160, column: 190, row: 56 };

  /** Put the lonely nodes in columns right of the connected ones; bring the others home. */
  function gather(ids) {
    if (!home) return;
    for (const id of [...aside]) {
      if (ids.includes(id)) continue;
      network.moveNode(id, home[id].x, home[id].y);
      aside.delete(id);
    }
    if (!ids.length) return;
    const placed = data.nodes.filter((n) => !isHidden(n.id) && !ids.includes(n.id)).map((n) => home[n.id]);
    const xs = placed.length ? placed.map((p) => p.x) : [0];
    const ys = placed.length ? placed.map((p) => p.y) : [0];
    const top = Math.min(...ys);
    const perColumn = Math.max(4, Math.ceil((Math.max(...ys) - top) / ASIDE.row) + 1);
    const left = Math.max(...xs) + ASIDE.gap;
    ids.forEach((id, i) => {
      network.moveNode(id, left + Math.floor(i / perColumn) * ASIDE.column, top + (i % perColumn) * ASIDE.row);
      aside.add(id);
    });
  }

  function apply() {
    const state = readControls();
    const { nodeOn, edgeOn } = visibility(state);
    setHidden(nodes, hiddenNow.nodes, nodeOn);
    setHidden(edges, hiddenNow.edges, edgeOn);
    gather(lonely(nodeOn, edgeOn));
    paint(state.colour);
    const shown = (on) => [...on.values()].filter(Boolean).length;
    $("status").textContent =
      `${shown(nodeOn)} of ${nodes.length} nodes, ${shown(edgeOn)} of ${edges.length} edges`;
    writeURL(state);
    return state;
  }

  const isHidden = (id) => hiddenNow.nodes.get(id) === true;

  let painted = "kind";
  /** Actors in the colour of their kind or of their coalition; shapes stay, so the kind still shows. */
  function paint(colour) {
    if (colour === painted) return;
    painted = colour;
    const actors = data.nodes.filter((n) => n.coalition_colour);
    nodes.update(actors.map((n) => ({ id: n.id, color: colour === "coalition" ? n.coalition_colour : n.color })));
    $("coalition-legend").hidden = colour !== "coalition";
  }

  /** Show everything again, but keep the colouring: it hides nothing. */
  function clearFilters() {
    writeControls(new URLSearchParams(coalitionBox?.checked ? { colour: "coalition" } : {}));
    apply();
  }

  /* ---------------------------------------------------------------- details */


  const safeHref = (iri) => (iri && /^https?:\/\//i.test(iri) ? iri : null);
  const rdfHref = (id, iri) => (data.standalone ? safeHref(iri) : `/id/${encodeURIComponent(id)}`);

  function link(text, href) {
    return href ? el("a", { href, text }) : el("span", { text });
  }

  function nodeButton(id) {
    return el("button", { type: "button", class: "node-link", "data-node": id, text: nodeById.get(id).label });
  }

  /** What an edge says, in words: a membership reads "envoy of", the rest by their relation. */
  const relationText = (e) => (e.role ? `${e.role} of` : data.labels[e.relation] || e.relation);

  /** One edge: who, how, what, and for a stance or relation the quote and where it comes from. */
  function edgeDetails(e) {
    const kind = e.stance ? e.relation : e.layer;
    const relation = el("span", { class: `relation relation-${kind}`, text: relationText(e) });
    const box = el("div", { class: "edge" }, el("p", { class: "edge-head" }, nodeButton(e.from), " ", relation, " ", nodeButton(e.to)));
    if (e.claim_label) box.append(el("p", { class: "claim", text: e.claim_label }));
    if (!e.stance && !e.quote && !e.source_document) return box;
    // A quote that brings its own quotation marks (a speaker quoted by the source) gets no more.
    if (e.quote) box.append(el("blockquote", { class: /^["“]/.test(e.quote) ? "quote quoted" : "quote", text: e.quote }));
    const facts = el("dl", { class: "facts" });
    const fact = (term, ...value) => facts.append(el("dt", { text: term }), el("dd", {}, ...value));
    fact("Source", link(e.source_label || e.source_document || "unknown", e.source_document && rdfHref(e.source_document, null)));
    if (e.stance || e.date) fact("Date", e.date || "not given");
    if (e.stance || e.certainty) fact("Certainty", e.certainty || "not given");
    if (e.document && nodeById.has(e.document)) fact("Draft", nodeById.get(e.document).label);
    if (e.position) fact("Position", link(e.position, rdfHref(e.position, null)));
    if (e.claim) fact("Claim", link(e.claim, rdfHref(e.claim, null)));
    box.append(facts);
    return box;
  }

  function edgeList(title, list) {
    const section = el("section", {}, el("h3", { text: `${title} (${list.length})` }));
    const items = el("ul", { class: "edges" }, ...list.slice(0, MAX_LISTED).map((e) => el("li", {}, edgeDetails(e))));
    section.append(items);
    if (list.length > MAX_LISTED) section.append(el("p", { class: "hint", text: `and ${list.length - MAX_LISTED} more` }));
    return section;
  }

  function nodeDetails(id) {
    const n = nodeById.get(id);
    const draft = n.draft && nodeById.get(n.draft);
    const kind = draft ? `${n.kind_label} of the ${draft.label}` : n.kind_label;
    const links = el("p", { class: "links" });
    if (!data.standalone && JSON_PATHS[n.category]) links.append(link("JSON", JSON_PATHS[n.category] + encodeURIComponent(id)), " · ");
    links.append(link(data.standalone ? "IRI" : "RDF", rdfHref(id, n.iri)));
    const mine = edgesOf.get(id);
    const other = (e) => nodeById.get(e.from === id ? e.to : e.from).label;
    const order = (a, b) => a.relation.localeCompare(b.relation) || other(a).localeCompare(other(b));
    const section = (title, layer) => {
      const list = mine.filter((e) => e.layer === layer).sort(order);
      return list.length ? edgeList(title, list) : null;
    };
    return [
      el("h2", { text: n.label }),
      el("p", { class: "kind", text: kind }),
      links,
      edgeList("Positions", mine.filter((e) => e.stance).sort(order)),
      section("Roles and memberships", "roles"),
      section("Drafted", "drafting"),
      section("Claims", "claims"),
      section("Draft structure", "lineage"),
    ].filter(Boolean);
  }

  const panel = $("panel");
  function showPanel(...children) {
    $("panel-body").replaceChildren(...children);
    panel.hidden = false;
    panel.scrollTop = 0;
  }

  function closePanel() {
    panel.hidden = true;
    focused = null;
    network.unselectAll();
    writeURL(readControls());
  }

  /** Select a node, bring it into view and open its panel; filters are cleared if they hide it. */
  function focusNode(id) {
    if (isHidden(id)) {
      clearFilters();
      $("status").textContent += ` (filters cleared to show ${nodeById.get(id).label})`;
    }
    focused = id;
    network.selectNodes([id]);
    showPanel(...nodeDetails(id));
    // On a phone the panel is a bottom sheet: bring the node to the middle of what is left above it.
    const sheet = getComputedStyle(panel).position === "fixed";
    const covered = sheet ? container.getBoundingClientRect().bottom - panel.getBoundingClientRect().top : 0;
    network.focus(id, {
      scale: Math.max(network.getScale(), 1),
      offset: { x: 0, y: -Math.max(0, covered) / 2 },
      animation: { duration: 400, easingFunction: "easeInOutQuad" },
    });
    writeURL(readControls());
  }

  /** Exact label or id first, then the shortest label containing the text. */
  function find(text) {
    const wanted = text.trim().toLocaleLowerCase();
    if (!wanted) return null;
    const exact = data.nodes.find((n) => n.label.toLocaleLowerCase() === wanted || n.id.toLocaleLowerCase() === wanted);
    if (exact) return exact.id;
    const partial = data.nodes
      .filter((n) => n.label.toLocaleLowerCase().includes(wanted))
      .sort((a, b) => a.label.length - b.label.length);
    return partial.length ? partial[0].id : null;
  }

  /* ---------------------------------------------------------------- events */

  const card = $("evidence");
  network.on("hoverEdge", ({ edge, pointer }) => {
    card.replaceChildren(edgeDetails(edges.get(edge)));
    const box = container.getBoundingClientRect();
    const x = Math.min(box.left + pointer.DOM.x + 14, window.innerWidth - card.offsetWidth - 8);
    card.style.left = `${Math.max(8, x)}px`;
    card.style.top = `${box.top + pointer.DOM.y + 14}px`;
    card.hidden = false;
    const overflow = card.getBoundingClientRect().bottom - window.innerHeight;
    if (overflow > 0) card.style.top = `${box.top + pointer.DOM.y - card.offsetHeight - 14}px`;
  });
  network.on("blurEdge", () => {
    card.hidden = true;
  });
  network.on("dragStart", () => {
    card.hidden = true;
  });
  network.on("click", ({ nodes: clickedNodes, edges: clickedEdges }) => {
    card.hidden = true;
    if (clickedNodes.length) focusNode(clickedNodes[0]);
    else if (clickedEdges.length) {
      focused = null;
      showPanel(el("h2", { text: "Evidence" }), edgeDetails(edges.get(clickedEdges[0])));
      writeURL(readControls());
    } else if (!panel.hidden) closePanel();
  });

  panel.addEventListener("click", (event) => {
    const target = event.target.closest("[data-node]");
    if (target) focusNode(target.getAttribute("data-node"));
  });
  $("panel-close").addEventListener("click", closePanel);
  document.addEventListener("keydown", (event) => {
    if (event.key === "Escape" && !panel.hidden) closePanel();
  });

  $("controls").addEventListener("change", apply);
  $("reset").addEventListener("click", clearFilters);
  slider?.addEventListener("input", () => {
    setAsOf(data.days[Number(slider.value)] ?? null);
    apply();
  });
  $("search").addEventListener("submit", (event) => {
    event.preventDefault();
    const id = find(searchInput.value);
    if (id) focusNode(id);
    else $("status").textContent = `Nothing matches “${searchInput.value}”`;
  });
  searchInput.addEventListener("change", () => {
    const id = find(searchInput.value);
    if (id) focusNode(id);
  });
  const toggle = $("toggle-controls");
  toggle.addEventListener("click", () => {
    const open = document.body.classList.toggle("controls-open");
    toggle.setAttribute("aria-expanded", String(open));
  });

  /* ---------------------------------------------------------------- start */

  const loading = $("loading");
  network.on("stabilizationProgress", ({ iterations, total }) => {
    loading.textContent = `Laying out the graph… ${Math.round((100 * iterations) / total)}%`;
  });

  let settled;
  const ready = new Promise((resolve) => {
    settled = resolve;
  });
  const start = performance.now();
  function settle() {
    network.setOptions({ physics: { enabled: false } });
    home = network.getPositions();
    apply(); // gathers aside what the filters left alone, now that every node has its place
    network.fit();
    loading.hidden = true;
    if (focused) focusNode(focused);
    settled({ layoutMs: performance.now() - start });
  }

  /** Fit the graph to its box again once the box stops changing size; a focused node stays in view. */
  let refitTimer = null;
  network.on("resize", () => {
    clearTimeout(refitTimer);
    refitTimer = setTimeout(() => {
      if (!home) return;
      if (focused) network.focus(focused, { scale: Math.max(network.getScale(), 1) });
      else network.fit();
    }, 120);
  });
  if (data.nodes.length) network.once("stabilizationIterationsDone", settle);
  else settle();

  writeControls(initial);
  apply();

  // For tests and for the curious, from the browser console.
  window.stancegraph = { network, nodes, edges, ready, focusNode, aside };
})();
