/* html_report.js: draws each incident's tactic lanes and its graph of accounts, hosts and
 * outside addresses from the incident's JSON block, and filters its timeline. Every string
 * from the logs goes into the page as text (textContent), never as markup. */
"use strict";
(function () {
  var SVG = "http://www.w3.org/2000/svg";
  var SEV = function (s) { return s >= 90 ? "#a4161a" : s >= 70 ? "#d9480f" : s >= 40 ? "#b08900" : "#2b8a3e"; };

  function el(name, attrs, parent) {
    var e = document.createElementNS(SVG, name);
    for (var k in attrs) e.setAttribute(k, String(attrs[k]));
    if (parent) parent.appendChild(e);
    return e;
  }
  function text(parent, x, y, s, anchor) {
    var t = el("text", { x: x, y: y, "text-anchor": anchor || "start" }, parent);
    t.textContent = s;
    return t;
  }
  function tip(parent, s) { el("title", {}, parent).textContent = s; }
  function cut(s, n) { return s.length > n ? s.slice(0, n - 1) + "\u2026" : s; }
  function iso(ms) { return new Date(ms).toISOString().replace("T", " ").replace(/\.\d+Z$/, "Z"); }

  /* Alerts on lanes, one per tactic reached, along the incident's time. */
  function lanes(box, d) {
    var W = 1000, L = 160, R = 16, H = 22, top = 8;
    var h = top + d.lanes.length * H + 24;
    var svg = el("svg", { viewBox: "0 0 " + W + " " + h, width: W, height: h, role: "img" }, box);
    tip(svg, "alerts by ATT&CK tactic over time");
    var span = Math.max(d.last_ms - d.first_ms, 1);
    var x = function (t) { return d.last_ms > d.first_ms ? L + (t - d.first_ms) / span * (W - L - R) : (L + W - R) / 2; };
    d.lanes.forEach(function (name, i) {
      var y = top + i * H;
      el("rect", { x: L, y: y + 1, width: W - L - R, height: H - 2, fill: i % 2 ? "#fafbfc" : "#f1f3f5" }, svg);
      text(svg, L - 6, y + H / 2 + 4, name, "end");
    });
    d.points.forEach(function (p) {
      var c = el("circle", { cx: x(p.t_ms), cy: top + p.lane * H + H / 2, r: 5, fill: SEV(p.sev),
        stroke: "#fff", "stroke-width": 1 }, svg);
      tip(c, "alert " + p.n + " \u00b7 " + iso(p.t_ms) + " \u00b7 " + p.title);
    });
    var yb = top + d.lanes.length * H + 14;
    text(svg, L, yb, iso(d.first_ms), "start");
    if (d.last_ms > d.first_ms) text(svg, W - R, yb, iso(d.last_ms), "end");
  }

  /* Accounts, hosts and outside parties in three columns, linked by the alerts between
   * them; the order in each column follows its neighbours, to keep lines from crossing. */
  function graph(box, d, filter) {
    var cols = { user: [], host: [], outside: [] }, order = ["user", "host", "outside"];
    var adj = d.nodes.map(function () { return []; });
    d.edges.forEach(function (e) { adj[e.a].push(e.b); adj[e.b].push(e.a); });
    d.nodes.forEach(function (n, i) { (cols[n.kind] || cols.outside).push(i); });
    var pos = {};
    function place() { order.forEach(function (k) { cols[k].forEach(function (n, i) { pos[n] = i; }); }); }
    cols.host.sort(function (a, b) { return adj[b].length - adj[a].length; });
    place();
    function bary(n) {
      var s = 0, c = 0;
      adj[n].forEach(function (m) { if (d.nodes[m].kind !== d.nodes[n].kind) { s += pos[m]; c++; } });
      return c ? s / c : pos[n];
    }
    for (var pass = 0; pass < 3; pass++) {
      ["user", "outside", "host"].forEach(function (k) {
        var b = {};
        cols[k].forEach(function (n) { b[n] = bary(n); });
        cols[k].sort(function (p, q) { return b[p] - b[q]; });
        place();
      });
    }
    var W = 1000, NW = 230, RH = 21, top = 24;
    var rows = Math.max(cols.user.length, cols.host.length, cols.outside.length, 1);
    var h = top + rows * RH + 8;
    var svg = el("svg", { viewBox: "0 0 " + W + " " + h, width: W, height: h, role: "img" }, box);
    tip(svg, "accounts, hosts and outside addresses linked by alerts");
    var X = { user: 10, host: (W - NW) / 2, outside: W - NW - 10 };
    ["accounts", "hosts", "outside"].forEach(function (s, i) {
      text(svg, X[order[i]] + NW / 2, 14, s, "middle").setAttribute("font-weight", "600");
    });
    function at(n) {
      var k = cols[d.nodes[n].kind] ? d.nodes[n].kind : "outside";
      var y = top + pos[n] * RH + RH / 2;
      return { x: X[k], y: y };
    }
    var edges = d.edges.map(function (e) {
      var a = at(e.a), b = at(e.b), path;
      if (a.x > b.x) { var t = a; a = b; b = t; }
      if (a.x === b.x) { /* two hosts: a loop out to the right of their column */
        var xr = a.x + NW, bulge = xr + 14 + Math.min(Math.abs(a.y - b.y) / 4, 60);
        path = "M" + xr + "," + a.y + " C" + bulge + "," + a.y + " " + bulge + "," + b.y + " " + xr + "," + b.y;
      } else {
        var x1 = a.x + NW, x2 = b.x, mx = (x1 + x2) / 2;
        path = "M" + x1 + "," + a.y + " C" + mx + "," + a.y + " " + mx + "," + b.y + " " + x2 + "," + b.y;
      }
      var p = el("path", { d: path,
        fill: "none", stroke: SEV(e.sev), "stroke-width": Math.min(1.5 + Math.log2(e.alerts), 6), "class": "edge" }, svg);
      tip(p, e.alerts + " alert" + (e.alerts === 1 ? "" : "s") + ": " + e.titles.join("; "));
      return p;
    });
    var nodes = d.nodes.map(function (n, i) {
      var q = at(i);
      var g = el("g", { "class": "node " + n.kind, transform: "translate(" + q.x + "," + (q.y - RH / 2 + 2) + ")" }, svg);
      el("rect", { width: NW, height: RH - 4, rx: 3 }, g);
      text(g, 6, RH / 2 + 2, cut(n.label, 36));
      tip(g, n.kind + ": " + n.label + " (" + adj[i].length + " link" + (adj[i].length === 1 ? "" : "s") + ")");
      g.addEventListener("click", function () { select(i); });
      return g;
    });
    var chosen = -1;
    function select(i) {
      chosen = chosen === i ? -1 : i;
      nodes.forEach(function (g, j) {
        g.classList.toggle("sel", j === chosen);
        g.classList.toggle("dimmed", chosen >= 0 && j !== chosen && adj[chosen].indexOf(j) < 0);
      });
      edges.forEach(function (p, j) {
        var e = d.edges[j];
        p.classList.toggle("dimmed", chosen >= 0 && e.a !== chosen && e.b !== chosen);
      });
      if (filter) { filter.value = chosen >= 0 ? d.nodes[chosen].label : ""; filter.dispatchEvent(new Event("input")); }
    }
    if (d.nodes_not_shown) {
      var p = document.createElement("p");
      p.className = "dim small";
      p.textContent = d.nodes_not_shown + " more accounts, hosts or addresses not drawn.";
      box.appendChild(p);
    }
  }

  function timelineFilter(section) {
    var input = section.querySelector("input.filter");
    var rows = section.querySelectorAll("table.tl tbody tr");
    if (!input) return null;
    input.addEventListener("input", function () {
      var q = input.value.trim().toLowerCase();
      rows.forEach(function (r) { r.classList.toggle("hidden", q !== "" && r.textContent.toLowerCase().indexOf(q) < 0); });
    });
    return input;
  }

  /* A link to an alert opens its events. */
  function openTarget() {
    var t = location.hash.length > 1 ? document.getElementById(decodeURIComponent(location.hash.slice(1))) : null;
    if (t && t.tagName === "DETAILS") { t.open = true; t.scrollIntoView(); }
  }
  window.addEventListener("hashchange", openTarget);

  document.querySelectorAll("section.incident").forEach(function (section) {
    var block = section.querySelector("script.tocsin-data");
    var filter = timelineFilter(section);
    if (!block) return;
    var d = JSON.parse(block.textContent);
    var lb = section.querySelector("[data-chart=lanes]"), gb = section.querySelector("[data-chart=graph]");
    if (lb && d.lanes.length) lanes(lb, d);
    if (gb && d.nodes.length) graph(gb, d, filter);
  });
  openTarget();
})();
