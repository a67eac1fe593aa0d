// Behaviour of sextant pprof's web UI, shared by every view.
//
// All state lives in the URL query, as in go tool pprof's UI: a link that changes the view or
// refines the profile copies the current page's parameters and changes one. Nodes (graph boxes,
// table rows) are selected by clicking them or by typing a regexp in the search box; the
// Refine menu then focuses on, ignores, hides or shows them. Enter in the search box focuses
// on the regexp.
(function () {
  "use strict";

  // The node names of this view, indexed as the graph's "nodeN" ids and the table's rows.
  var nodes = JSON.parse(document.getElementById("nodes-data").textContent || "[]");
  var search = document.getElementById("search");
  var selected = new Set();
  var regexpMode = false;

  // Quotes a name so that it matches itself as a regexp (Go's regexp.QuoteMeta).
  function quoteMeta(s) {
    return s.replace(/[\\.+*?()|[\]{}^$]/g, "\\$&");
  }

  // The regexp the current selection stands for.
  function selectionRegexp() {
    if (regexpMode) return search.value;
    var names = [];
    selected.forEach(function (i) { names.push(quoteMeta(nodes[i])); });
    return names.join("|");
  }

  // Rewrites link a's href: the current page's parameters, then edit(params).
  function withParams(a, edit) {
    var url = new URL(a.getAttribute("href"), window.location.href);
    url.hash = "";
    var params = new URLSearchParams(window.location.search);
    edit(params);
    url.search = params.toString();
    a.href = url.toString();
  }

  // Which parameter each Refine entry sets; focus, show and show-from replace the old value,
  // ignore and hide add to it.
  var refineParams = { focus: "f", ignore: "i", hide: "h", show: "s", "show-from": "sf" };

  function updateLink(a) {
    var id = a.id;
    var re = selectionRegexp();
    if (id === "reset") {
      withParams(a, function (p) {
        ["f", "i", "h", "s", "sf", "tf", "ti", "ts", "th", "prunefrom"].forEach(function (k) {
          p.delete(k);
        });
      });
      return;
    }
    if (a.dataset.si !== undefined) {
      withParams(a, function (p) { p.set("si", a.dataset.si); });
      return;
    }
    var param = refineParams[id] || (a.dataset.view !== undefined ? "f" : null);
    if (param === null) return;
    withParams(a, function (p) {
      if (re === "") {
        if (a.dataset.view === undefined) p.delete(param);
        return;
      }
      var old = p.get(param);
      if ((param === "i" || param === "h") && old) re = re + "|" + old;
      p.set(param, re);
    });
  }

  function updateButtons() {
    var enable = search.value !== "" || selected.size > 0;
    Object.keys(refineParams).forEach(function (id) {
      var a = document.getElementById(id);
      if (a) a.classList.toggle("disabled", !enable);
    });
  }

  function setSelected(i, on) {
    if (on) selected.add(i);
    else selected.delete(i);
    var el = document.getElementById("node" + i);
    if (el) el.classList.toggle("selected", on);
  }

  function toggle(i) {
    regexpMode = false;
    setSelected(i, !selected.has(i));
    updateButtons();
  }

  // Selects the nodes whose name matches the search box's regexp.
  function selectMatching() {
    var re = null;
    search.classList.remove("invalid");
    if (search.value !== "") {
      try {
        re = new RegExp(search.value);
      } catch (e) {
        search.classList.add("invalid");
        return;
      }
    }
    for (var i = 0; i < nodes.length; i++) {
      setSelected(i, re !== null && re.test(nodes[i]));
    }
    updateButtons();
    if (window.sextantSearchHook) window.sextantSearchHook(search.value);
  }

  function initMenus() {
    var menus = document.querySelectorAll(".menu");
    function closeAll(except) {
      menus.forEach(function (m) { if (m !== except) m.classList.remove("open"); });
    }
    menus.forEach(function (m) {
      var name = m.querySelector(".menu-name");
      if (!m.querySelector(".submenu")) return;
      name.addEventListener("click", function (e) {
        e.stopPropagation();
        closeAll(m);
        m.classList.toggle("open");
      });
    });
    document.addEventListener("click", function () { closeAll(null); });
    document.addEventListener("keydown", function (e) {
      if (e.key === "Escape") closeAll(null);
    });
    // Links get their final href when they are about to be followed.
    document.querySelectorAll(".submenu a").forEach(function (a) {
      ["mouseenter", "focus", "touchstart", "mousedown"].forEach(function (ev) {
        a.addEventListener(ev, function () { updateLink(a); });
      });
    });
  }

  function initDetails() {
    var details = document.getElementById("details");
    var box = document.getElementById("detailsbox");
    if (!details || !box) return;
    details.addEventListener("click", function (e) {
      e.preventDefault();
      box.classList.toggle("open");
    });
  }

  function initSearch() {
    var timer = null;
    search.addEventListener("input", function () {
      regexpMode = true;
      updateButtons();
      if (timer !== null) clearTimeout(timer);
      // Wait for a pause in typing: matching a big graph on every key is wasted work.
      timer = setTimeout(selectMatching, 250);
    });
    search.addEventListener("keydown", function (e) {
      if (e.key !== "Enter") return;
      e.preventDefault();
      var params = new URLSearchParams(window.location.search);
      if (search.value === "") params.delete("f");
      else params.set("f", search.value);
      window.location.search = params.toString();
    });
  }

  // Pan (drag) and zoom (wheel, around the pointer) for the call graph; a click that did not
  // drag selects the node under it.
  function initGraph() {
    var holder = document.getElementById("graph");
    var svg = holder && holder.querySelector("svg");
    if (!svg) return;
    var g = svg.querySelector("g.graph") || svg.querySelector("g");
    var base = g.getAttribute("transform") || "";
    var scale = 1, tx = 0, ty = 0;
    function apply() {
      g.setAttribute("transform", "translate(" + tx + " " + ty + ") scale(" + scale + ") " + base);
    }
    // Fit: Graphviz sizes the drawing in points; let the viewBox scale it to the window.
    svg.removeAttribute("width");
    svg.removeAttribute("height");
    svg.addEventListener("wheel", function (e) {
      e.preventDefault();
      var pt = svg.createSVGPoint();
      pt.x = e.clientX;
      pt.y = e.clientY;
      var p = pt.matrixTransform(svg.getScreenCTM().inverse());
      var k = Math.exp(-e.deltaY * 0.002);
      tx = p.x - (p.x - tx) * k;
      ty = p.y - (p.y - ty) * k;
      scale *= k;
      apply();
    }, { passive: false });
    var drag = null;
    svg.addEventListener("mousedown", function (e) {
      if (e.button !== 0) return;
      drag = { x: e.clientX, y: e.clientY, tx: tx, ty: ty, moved: false };
      holder.style.cursor = "grabbing";
    });
    window.addEventListener("mousemove", function (e) {
      if (!drag) return;
      var ctm = svg.getScreenCTM();
      var dx = (e.clientX - drag.x) / ctm.a, dy = (e.clientY - drag.y) / ctm.d;
      if (Math.abs(e.clientX - drag.x) + Math.abs(e.clientY - drag.y) > 3) drag.moved = true;
      tx = drag.tx + dx;
      ty = drag.ty + dy;
      apply();
    });
    window.addEventListener("mouseup", function (e) {
      if (!drag) return;
      var moved = drag.moved;
      drag = null;
      holder.style.cursor = "";
      if (moved) return;
      var node = e.target.closest && e.target.closest("g.node");
      if (!node) return;
      var i = parseInt(node.id.replace(/^node/, ""), 10);
      if (!isNaN(i) && i < nodes.length) toggle(i);
    });
    svg.addEventListener("dblclick", function () {
      scale = 1;
      tx = ty = 0;
      apply();
    });
  }

  // The top table: click a row to select it, a column header to sort by it.
  function initTable() {
    var table = document.getElementById("toptable");
    if (!table) return;
    var body = table.tBodies[0];
    var total = Number(table.dataset.total);
    var rows = Array.prototype.slice.call(body.rows);
    body.addEventListener("click", function (e) {
      var tr = e.target.closest("tr");
      if (!tr) return;
      var i = parseInt(tr.id.replace(/^node/, ""), 10);
      if (!isNaN(i)) toggle(i);
    });
    var current = table.dataset.sort || "flat", descending = true;
    // A share as the report prints it (pprof's measurement.Percentage).
    function pct(v) {
      var r = total === 0 ? 0 : (v * 100) / total;
      var a = Math.abs(r);
      if (a >= 99.95 && a <= 100.05) return "100%";
      if (a >= 1) return r.toFixed(2) + "%";
      return Number(r.toPrecision(1)) + "%";
    }
    function sortBy(col) {
      if (col === current) descending = !descending;
      else {
        current = col;
        descending = col !== "name";
      }
      rows.sort(function (a, b) {
        var av = col === "name" ? a.dataset.name : Number(a.dataset[col]);
        var bv = col === "name" ? b.dataset.name : Number(b.dataset[col]);
        var c = av < bv ? -1 : av > bv ? 1 : 0;
        return descending ? -c : c;
      });
      var sum = 0;
      rows.forEach(function (tr) {
        sum += Number(tr.dataset.flat);
        tr.cells[2].textContent = pct(sum);
        body.appendChild(tr);
      });
      table.querySelectorAll("th").forEach(function (th) {
        th.classList.toggle("sorted", th.dataset.sort === col);
        th.classList.toggle("ascending", th.dataset.sort === col && !descending);
      });
    }
    table.querySelectorAll("th[data-sort]").forEach(function (th) {
      th.addEventListener("click", function () { sortBy(th.dataset.sort); });
    });
  }

  // The flame graph view: the search box drives the flame graph's own search.
  function initFlame() {
    var frame = document.getElementById("flame");
    if (!frame) return;
    window.sextantSearchHook = function (q) {
      var doc = frame.contentDocument;
      var box = doc && doc.getElementById("search");
      if (!box) return;
      box.value = q;
      box.dispatchEvent(new Event("input"));
    };
  }

  // The Config menu: "Save as ..." stores this page's options under a name; the cross next to
  // a saved entry deletes it. Both ask the server, then reload so that the menu shows the change.
  function initConfigs() {
    var save = document.getElementById("save-config");
    if (save) {
      save.addEventListener("click", function (e) {
        e.preventDefault();
        var name = window.prompt("Save options as");
        if (!name) return;
        var params = new URLSearchParams(window.location.search);
        params.set("config", name);
        send("./saveconfig?" + params.toString());
      });
    }
    document.querySelectorAll(".config-delete").forEach(function (x) {
      x.addEventListener("click", function (e) {
        e.preventDefault();
        e.stopPropagation();
        var name = x.dataset.config;
        if (!window.confirm("Delete config " + name + "?")) return;
        send("./deleteconfig?config=" + encodeURIComponent(name));
      });
    });
    function send(url) {
      fetch(url).then(function (r) {
        if (r.ok) {
          window.location.reload();
        } else {
          r.text().then(function (t) { window.alert(t); });
        }
      });
    }
  }

  initMenus();
  initDetails();
  initConfigs();
  initFlame();
  initSearch();
  initGraph();
  initTable();
  updateButtons();
})();
