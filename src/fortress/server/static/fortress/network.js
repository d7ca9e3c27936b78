// The network explorer: a link chart drawn by sigma.js (WebGL) over graphology, grown from a
// line or a number through Fortress's /api/v1/network API. No inline script: the page's data
// come from data-* attributes and the API; every text shown is set as text, never as HTML.
(function () {
  "use strict";
  const root = document.getElementById("explorer");
  if (!root) return;
  const Graph = graphology.Graph;
  const library = graphologyLibrary;
  const ROLE_COLOURS = { controller: "#d7191c", line: "#fdae61", runner: "#2c7bb6",
                         customer: "#abd9e9", "": "#9e9e9e" };
  const ROLE_NAMES = { controller: "controller", line: "deal line", runner: "runner",
                       customer: "customer", "": "no role in a line" };
  const COMMUNITY_COLOURS = ["#1b9e77", "#d95f02", "#7570b3", "#e7298a", "#66a61e", "#e6ab02",
                             "#a6761d", "#1f78b4", "#b2df8a", "#fb9a99", "#cab2d6", "#ffff99"];
  const graph = new Graph({ type: "undirected" });
  const selected = new Set();
  const hidden = new Set();
  const more = new Map();
  const $ = (id) => document.getElementById(id);
  let renderer = null;
  let communities = null;
  let days = [];
  let dragged = null;
  const source = root.dataset.source || "comms";
  const numberPage = (node) => (source === "comms" ? `/app/numbers/${encodeURIComponent(node)}` : null);

  function element(tag, text, attributes) {
    const made = document.createElement(tag);
    if (text !== undefined) made.textContent = text;
    for (const [name, value] of Object.entries(attributes || {})) made.setAttribute(name, value);
    return made;
  }

  async function api(method, url, body) {
    const answer = await fetch(url, {
      method, credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRF-Token": root.dataset.csrf },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    if (!answer.ok) {
      let reason = `${answer.status}`;
      try { reason = (await answer.json()).detail || reason; } catch (e) { /* not JSON */ }
      throw new Error(typeof reason === "string" ? reason : JSON.stringify(reason));
    }
    return answer;
  }

  function status(text) { $("status").textContent = text; }

  function add(chart, near) {
    const centre = near && graph.hasNode(near) ? graph.getNodeAttributes(near) : { x: 0, y: 0 };
    const spread = Math.max(1, Math.sqrt(graph.order + chart.nodes.length));
    for (const node of chart.nodes) {
      if (graph.hasNode(node.id)) continue;
      const angle = Math.random() * 2 * Math.PI;
      const distance = spread * (0.2 + Math.random());
      const given = node.x !== null && node.x !== undefined;  // a new chart comes laid out
      graph.addNode(node.id, {
        x: given ? node.x : centre.x + distance * Math.cos(angle),
        y: given ? node.y : centre.y + distance * Math.sin(angle),
        size: 3 + 2 * Math.log10(1 + node.contacts), label: node.id,
        role: node.role, line: node.line, contacts: node.contacts, fixed: false,
      });
    }
    for (const edge of chart.edges) {
      if (graph.hasEdge(edge.source, edge.target)) continue;
      graph.addEdge(edge.source, edge.target, {
        events: edge.events, first: edge.first_day, last: edge.last_day,
        size: 0.5 + Math.log10(edge.events), color: "#b8b8b8",
      });
    }
    for (const [number, count] of Object.entries(chart.more)) more.set(number, count);
  }

  function layout(iterations) {
    if (graph.order < 2) return;
    const settings = library.layoutForceAtlas2.inferSettings(graph);
    library.layoutForceAtlas2.assign(graph, { iterations, settings });
  }

  function dayRange() {
    const seen = new Set();
    graph.forEachEdge((edge, a) => { if (a.first) seen.add(a.first); if (a.last) seen.add(a.last); });
    days = [...seen].sort();
    for (const id of ["day-from", "day-to"]) {
      $(id).max = String(Math.max(days.length - 1, 0));
      $(id).disabled = days.length === 0;
    }
    $("day-from").value = "0";
    $("day-to").value = $("day-to").max;
    showDays();
  }

  function window_() {
    if (!days.length) return null;
    return [days[Number($("day-from").value)], days[Number($("day-to").value)]];
  }

  function showDays() {
    const shown = window_();
    $("day-from-shown").textContent = shown ? shown[0] : "no dates";
    $("day-to-shown").textContent = shown ? shown[1] : "";
    if (renderer) renderer.refresh();
  }

  function edgeShown(attributes) {
    const shown = window_();
    if (!shown || !attributes.first) return true;
    return attributes.first <= shown[1] && attributes.last >= shown[0];
  }

  function nodeShown(node) {
    if (hidden.has(node)) return false;
    if (!window_()) return true;
    return graph.someEdge(node, (edge, attributes) => edgeShown(attributes)) || graph.degree(node) === 0;
  }

  function colour(node, attributes) {
    if ($("colour-by").value === "community" && communities && communities.has(node)) {
      return COMMUNITY_COLOURS[communities.get(node) % COMMUNITY_COLOURS.length];
    }
    return ROLE_COLOURS[attributes.role] || ROLE_COLOURS[""];
  }

  function draw() {
    renderer = new Sigma(graph, $("chart"), {
      renderEdgeLabels: false, labelRenderedSizeThreshold: 6, enableEdgeEvents: false,
      nodeReducer: (node, attributes) => {
        const shown = { ...attributes, color: colour(node, attributes) };
        if (!nodeShown(node)) shown.hidden = true;
        if (selected.has(node)) { shown.highlighted = true; shown.forceLabel = true; }
        if (attributes.fixed) shown.borderColor = "#111111";
        return shown;
      },
      edgeReducer: (edge, attributes) => {
        const [a, b] = graph.extremities(edge);
        if (!edgeShown(attributes) || hidden.has(a) || hidden.has(b)) return { ...attributes, hidden: true };
        if (selected.has(a) || selected.has(b)) return { ...attributes, color: "#555555" };
        return attributes;
      },
    });
    renderer.on("clickNode", ({ node, event }) => {
      if (!event.original.shiftKey) selected.clear();
      if (selected.has(node)) selected.delete(node); else selected.add(node);
      changed();
    });
    renderer.on("clickStage", () => { selected.clear(); changed(); });
    renderer.on("downNode", ({ node }) => { dragged = node; graph.setNodeAttribute(node, "fixed", true); });
    renderer.getMouseCaptor().on("mousemovebody", (event) => {
      if (!dragged) return;
      const at = renderer.viewportToGraph(event);
      graph.mergeNodeAttributes(dragged, { x: at.x, y: at.y });
      event.preventSigmaDefault();
      event.original.preventDefault();
      event.original.stopPropagation();
    });
    renderer.getMouseCaptor().on("mouseup", () => { dragged = null; });
  }

  // After any change: the chart, the selection and the counts; the node table is rebuilt only
  // when what is on the chart or shown changed (`rebuild`), else its boxes are only ticked.
  function changed(news, rebuild) {
    if (renderer) renderer.refresh();
    describeSelection();
    listMore();
    if (rebuild || boxes.size !== graph.order) listNodes();
    else for (const [node, box] of boxes) box.checked = selected.has(node);
    status(`${news ? news + " " : ""}${graph.order} numbers and ${graph.size} contacts on the chart; ` +
           `${selected.size} selected; ${hidden.size} hidden.`);
  }

  function describeSelection() {
    const box = $("selection");
    box.replaceChildren();
    if (!selected.size) { box.append(element("p", "Nothing selected.")); return; }
    const list = element("ul");
    for (const node of selected) {
      const a = graph.getNodeAttributes(node);
      const item = element("li");
      item.append(numberPage(node) ? element("a", node, { href: numberPage(node) }) : element("span", node));
      const role = a.role ? `${ROLE_NAMES[a.role]} of ${a.line}` : ROLE_NAMES[""];
      item.append(document.createTextNode(
        `: ${role}; ${a.contacts} contacts in the network, ${graph.degree(node)} on the chart${a.fixed ? "; pinned" : ""}.`));
      list.append(item);
    }
    box.append(list);
    if (source === "comms") {
      const numbers = encodeURIComponent([...selected].join(","));
      const line = element("p");
      line.append(element("a", "Schedule of events between the selected numbers",
                          { href: `/app/schedule?numbers=${numbers}`, id: "schedule-selected" }));
      box.append(line);
    }
  }

  function listMore() {
    const box = $("more");
    box.replaceChildren();
    const waiting = [...more.entries()].filter(([node, count]) => count > 0 && graph.hasNode(node));
    if (!waiting.length) { box.append(element("p", "Every contact of the expanded nodes is on the chart.")); return; }
    const list = element("ul");
    for (const [node, count] of waiting) {
      const item = element("li", `${node}: and ${count} more `);
      const button = element("button", `Add the next ${Math.min(count, cap())}`, { type: "button" });
      button.addEventListener("click", () => grow([node]));
      item.append(button);
      list.append(item);
    }
    box.append(list);
  }

  const boxes = new Map();
  function listNodes() {
    const body = document.querySelector("#nodes-table tbody");
    const rows = [];
    boxes.clear();
    graph.forEachNode((node, a) => {
      const row = element("tr");
      const pick = element("input", undefined, { type: "checkbox", "aria-label": `Select ${node}` });
      pick.checked = selected.has(node);
      boxes.set(node, pick);
      pick.addEventListener("change", () => { if (pick.checked) selected.add(node); else selected.delete(node); changed(); });
      const cell = element("td"); cell.append(pick); row.append(cell);
      const number = element("td");
      number.append(numberPage(node) ? element("a", node, { href: numberPage(node) }) : element("span", node));
      row.append(number, element("td", ROLE_NAMES[a.role] || a.role), element("td", a.line),
                 element("td", String(a.contacts), { class: "n" }), element("td", nodeShown(node) ? "yes" : "no"));
      rows.push(row);
    });
    body.replaceChildren(...rows);
  }

  function cap() { return Number(root.dataset.cap) || 25; }

  async function grow(numbers) {
    status(`Adding the contacts of ${numbers.length} number(s)…`);
    const answer = await api("POST", "/api/v1/network/expansion",
                             { source, numbers, on_chart: graph.nodes(), cap: cap() });
    const chart = await answer.json();
    add(chart, numbers[0]);
    layout(30);
    dayRange();
    changed(`Added ${chart.nodes.length} numbers.`, true);
  }

  async function measures(nodes, selection) {
    const answer = await api("POST", "/api/v1/network/measures", { source, nodes, selected: selection });
    return answer.json();
  }

  function shownNodes() { return graph.filterNodes((node) => nodeShown(node)); }

  async function showMeasures() {
    const found = await measures(shownNodes(), [...selected]);
    const n = found.network;
    const box = $("measures");
    box.replaceChildren(element("p",
      `Among the ${n.nodes} numbers shown: ${n.edges} contacts, density ${Number(n.density).toFixed(3)}, ` +
      `${n.components} component(s), ${n.communities} communities (modularity ${n.modularity}).`));
    const table = element("table");
    const head = element("tr");
    for (const name of ["Number", "Contacts on the chart", "Betweenness", "Closeness", "PageRank", "Community"]) head.append(element("th", name));
    table.append(head);
    for (const row of found.nodes) {
      const line = element("tr");
      line.append(element("td", row.node), element("td", String(row.degree), { class: "n" }),
                  element("td", Number(row.betweenness).toFixed(4), { class: "n" }),
                  element("td", Number(row.closeness).toFixed(4), { class: "n" }),
                  element("td", Number(row.pagerank).toFixed(4), { class: "n" }),
                  element("td", String(row.community), { class: "n" }));
      table.append(line);
    }
    box.append(table);
  }

  async function colourByCommunity() {
    if ($("colour-by").value !== "community") { renderer.refresh(); return; }
    status("Finding communities among the numbers shown…");
    const found = await measures(shownNodes(), []);
    communities = new Map(found.nodes.map((row) => [row.node, row.community]));
    const legend = $("legend");
    legend.replaceChildren(element("li", `Colour: one per community (${found.network.communities} found by Leiden among the numbers shown; colours repeat after ${COMMUNITY_COLOURS.length})`));
    renderer.refresh();
    changed();
  }

  async function whatIf() {
    status("Running the what-if…");
    const remove = Number($("remove-count").value) || 3;
    const answer = await api("POST", "/api/v1/network/whatif", { source, nodes: shownNodes(), remove });
    const found = await answer.json();
    const box = $("whatif");
    box.replaceChildren();
    const svg = new DOMParser().parseFromString(found.chart_svg, "image/svg+xml").documentElement;
    svg.querySelectorAll("script, foreignObject").forEach((node) => node.remove());
    box.append(document.importNode(svg, true));
    const list = element("ul");
    for (const run of found.strategies) {
      list.append(element("li", `${run.strategy}: removes ${run.removed.join(", ") || "nobody (none on the chart)"}`));
    }
    box.append(list);
    changed();
  }

  function download(blob, name) {
    const link = element("a", undefined, { href: URL.createObjectURL(blob), download: name });
    document.body.append(link);
    link.click();
    setTimeout(() => { URL.revokeObjectURL(link.href); link.remove(); }, 1000);
  }

  function picture() {
    const size = renderer.getDimensions();
    const canvas = element("canvas", undefined, { width: size.width, height: size.height });
    const context = canvas.getContext("2d");
    context.fillStyle = "#ffffff";
    context.fillRect(0, 0, size.width, size.height);
    for (const layer of Object.values(renderer.getCanvases())) context.drawImage(layer, 0, 0, size.width, size.height);
    return canvas;
  }

  function svgPicture() {
    const size = renderer.getDimensions();
    const ns = "http://www.w3.org/2000/svg";
    const svg = document.createElementNS(ns, "svg");
    svg.setAttribute("xmlns", ns);
    svg.setAttribute("width", size.width);
    svg.setAttribute("height", size.height + 30);
    const add_ = (tag, attributes, text) => {
      const made = document.createElementNS(ns, tag);
      for (const [k, v] of Object.entries(attributes)) made.setAttribute(k, v);
      if (text !== undefined) made.textContent = text;
      svg.append(made);
    };
    add_("rect", { width: size.width, height: size.height + 30, fill: "#ffffff" });
    const at = (node) => renderer.graphToViewport(graph.getNodeAttributes(node));
    graph.forEachEdge((edge, a, source, target) => {
      if (!edgeShown(a) || !nodeShown(source) || !nodeShown(target)) return;
      const p = at(source), q = at(target);
      add_("line", { x1: p.x, y1: p.y, x2: q.x, y2: q.y, stroke: "#b8b8b8", "stroke-width": a.size });
    });
    graph.forEachNode((node, a) => {
      if (!nodeShown(node)) return;
      const p = at(node);
      add_("circle", { cx: p.x, cy: p.y, r: a.size, fill: colour(node, a), stroke: a.fixed ? "#111111" : "none" });
      if (selected.has(node) || a.size > 6) add_("text", { x: p.x + a.size + 2, y: p.y + 4, "font-size": 11, "font-family": "sans-serif" }, node);
    });
    let x = 10;
    const key = $("colour-by").value === "role" ? Object.entries(ROLE_COLOURS) : [];
    for (const [role, fill] of key) {
      add_("circle", { cx: x + 6, cy: size.height + 15, r: 6, fill });
      add_("text", { x: x + 16, y: size.height + 19, "font-size": 12, "font-family": "sans-serif" }, ROLE_NAMES[role]);
      x += 30 + 7 * ROLE_NAMES[role].length;
    }
    if (!key.length) add_("text", { x: 10, y: size.height + 19, "font-size": 12, "font-family": "sans-serif" }, "Colour: one per community (Leiden)");
    return new Blob([new XMLSerializer().serializeToString(svg)], { type: "image/svg+xml" });
  }

  async function exportChart() {
    const format = $("export-format").value;
    if (format === "png") { picture().toBlob((blob) => download(blob, "link-chart.png")); return; }
    if (format === "svg") { download(svgPicture(), "link-chart.svg"); return; }
    const answer = await api("POST", `/api/v1/network/export?format=${format}`, { source, nodes: shownNodes() });
    const name = (answer.headers.get("content-disposition") || "").split('filename="')[1] || "link-chart";
    download(await answer.blob(), name.replace(/"$/, ""));
    status(`Exported ${shownNodes().length} numbers as ${format}.`);
  }

  function guarded(action) {
    return () => action().catch((error) => { status(`Could not do that: ${error.message}`); });
  }

  function wire() {
    $("expand").addEventListener("click", guarded(async () => {
      if (!selected.size) { status("Select a node to expand first."); return; }
      await grow([...selected]);
    }));
    $("pin").addEventListener("click", () => {
      for (const node of selected) graph.setNodeAttribute(node, "fixed", !graph.getNodeAttribute(node, "fixed"));
      changed();
    });
    $("hide").addEventListener("click", () => { for (const node of selected) hidden.add(node); selected.clear(); changed("", true); });
    $("unhide").addEventListener("click", () => { hidden.clear(); changed("", true); });
    $("measure").addEventListener("click", guarded(showMeasures));
    $("whatif-run").addEventListener("click", guarded(whatIf));
    $("export").addEventListener("click", guarded(exportChart));
    $("colour-by").addEventListener("change", guarded(colourByCommunity));
    for (const id of ["day-from", "day-to"]) {
      $(id).addEventListener("input", () => {
        if (Number($("day-from").value) > Number($("day-to").value)) $(id === "day-from" ? "day-to" : "day-from").value = $(id).value;
        showDays();
        changed("", true);
      });
    }
  }

  async function begin() {
    const query = new URLSearchParams({ hops: root.dataset.hops, cap: root.dataset.cap, source });
    if (root.dataset.whole) query.set("whole", "true");
    else if (root.dataset.line) query.set("line", root.dataset.line);
    else query.set("number", root.dataset.number);
    const started = performance.now();
    const chart = await (await api("GET", `/api/v1/network/chart?${query}`)).json();
    add(chart, null);
    if (graph.order <= 1000) layout(50);  // the server's PivotMDS positions, refined by ForceAtlas2
    dayRange();
    $("workbench").hidden = false;  // the tools show only once there is a chart to use them on
    draw();
    wire();
    changed();
    root.dataset.ready = "true";
    root.dataset.readyMs = String(Math.round(performance.now() - started));
    root.dataset.readyAt = String(Math.round(performance.now()));  // since navigation began
  }

  begin().catch((error) => {
    status(`The chart could not be drawn: ${error.message}`);
    root.dataset.error = error.message;
  });
})();
