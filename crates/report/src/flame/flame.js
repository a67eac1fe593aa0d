// Interaction for sextant's flame graphs: hover shows a frame's details, click zooms into a
// frame (its callers stay, dimmed, below it), "Reset zoom" or a click on the root undoes it,
// the search box highlights frames whose name matches (a regexp, or plain text when it is
// not a valid regexp) and shows their share, "Invert" turns the graph into an icicle (root at
// the top). Positions are recomputed from each frame's exact sample units (data-o, data-w).
// A link can open a view: #s=REGEXP searches, #z=NAME zooms into the widest frame so named,
// #inverted shows the icicle (joined by &, values URL-encoded).
(function () {
  "use strict";
  var svg = document.documentElement;
  var cfg = {
    width: parseFloat(svg.getAttribute("width")),
    height: parseFloat(svg.getAttribute("height")),
    pad: parseFloat(svg.getAttribute("data-pad")),
    rowH: parseFloat(svg.getAttribute("data-frame-height")),
    padTop: parseFloat(svg.getAttribute("data-pad-top")),
    padBottom: parseFloat(svg.getAttribute("data-pad-bottom")),
    charW: parseFloat(svg.getAttribute("data-font")) * parseFloat(svg.getAttribute("data-char")),
  };
  var details, matched, reset, search;
  var frames = [];
  var inverted = false;
  var zoomed = null;

  // A frame's full name: its title up to the " (value, share)" suffix.
  function nameOf(title) {
    var i = title.lastIndexOf(" (");
    return i < 0 ? title : title.slice(0, i);
  }

  function init() {
    details = document.getElementById("details").firstChild;
    matched = document.getElementById("matched");
    reset = document.getElementById("reset");
    search = document.getElementById("search");
    var gs = document.querySelectorAll("#frames > g.f");
    for (var i = 0; i < gs.length; i++) {
      var g = gs[i];
      var title = g.querySelector("title").textContent;
      frames.push({
        g: g,
        rect: g.querySelector("rect"),
        text: g.querySelector("text"),
        title: title,
        name: nameOf(title),
        o: Number(g.getAttribute("data-o")),
        w: Number(g.getAttribute("data-w")),
        d: Number(g.getAttribute("data-d")),
      });
    }
    var byG = new Map(frames.map(function (f) { return [f.g, f]; }));
    var holder = document.getElementById("frames");
    holder.addEventListener("mouseover", function (e) {
      var f = byG.get(e.target.closest("g.f"));
      if (f) details.nodeValue = f.title;
    });
    holder.addEventListener("mouseout", function () { details.nodeValue = " "; });
    holder.addEventListener("click", function (e) {
      var f = byG.get(e.target.closest("g.f"));
      if (f) zoom(f.d === 0 ? null : f);
    });
    reset.addEventListener("click", function () { zoom(null); });
    document.getElementById("invert").addEventListener("click", function () {
      inverted = !inverted;
      layout();
    });
    search.addEventListener("input", function () { highlight(search.value); });
    fromLink(window.location.hash.slice(1));
    document.addEventListener("keydown", function (e) {
      if ((e.ctrlKey || e.metaKey) && e.key === "f") {
        e.preventDefault();
        search.focus();
      } else if (e.key === "Escape") {
        search.value = "";
        highlight("");
        zoom(null);
      }
    });
  }

  // Applies the view a link's fragment asks for.
  function fromLink(fragment) {
    var parts = fragment ? fragment.split("&") : [];
    for (var i = 0; i < parts.length; i++) {
      var eq = parts[i].indexOf("=");
      var key = eq < 0 ? parts[i] : parts[i].slice(0, eq);
      var value = eq < 0 ? "" : decodeURIComponent(parts[i].slice(eq + 1));
      if (key === "s") {
        search.value = value;
        highlight(value);
      } else if (key === "z") {
        var best = null;
        for (var j = 0; j < frames.length; j++) {
          if (frames[j].name === value && (best === null || frames[j].w > best.w)) best = frames[j];
        }
        if (best !== null && best.d > 0) zoom(best);
      } else if (key === "inverted") {
        inverted = true;
        layout();
      }
    }
  }

  // The name as it fits `px` pixels (as the server fits it): whole, else without its package
  // path, cut if still too long.
  function fit(name, px) {
    var n = Math.floor((px - 6) / cfg.charW);
    if (n < 3) return "";
    if (name.length <= n) return name;
    name = shortName(name);
    return name.length <= n ? name : name.slice(0, n - 2) + "..";
  }

  // github.com/a/b.(*T).M -> b.(*T).M; core::ptr::drop_in_place -> ptr::drop_in_place.
  function shortName(name) {
    var head = name.search(/[(\[<]/);
    if (head < 0) head = name.length;
    var slash = name.lastIndexOf("/", head - 1);
    if (slash >= 0 && slash < head) return name.slice(slash + 1);
    if (head === name.length) {
      var last = name.lastIndexOf("::");
      var second = last > 0 ? name.lastIndexOf("::", last - 1) : -1;
      if (second >= 0) return name.slice(second + 2);
    }
    return name;
  }

  function rowY(d) {
    return inverted
      ? cfg.padTop + d * cfg.rowH
      : cfg.height - cfg.padBottom - (d + 1) * cfg.rowH;
  }

  // Places every frame for the current zoom and orientation.
  function layout() {
    var inner = cfg.width - 2 * cfg.pad;
    var z = zoomed || frames[0];
    var scale = inner / z.w;
    for (var i = 0; i < frames.length; i++) {
      var f = frames[i];
      var x, w;
      var inside = f.d >= z.d && f.o >= z.o && f.o + f.w <= z.o + z.w;
      var caller = f.d < z.d && f.o <= z.o && f.o + f.w >= z.o + z.w;
      if (inside) {
        x = cfg.pad + (f.o - z.o) * scale;
        w = f.w * scale;
      } else if (caller) {
        x = cfg.pad;
        w = inner;
      }
      f.g.classList.toggle("hide", !(inside || caller));
      f.g.classList.toggle("dim", caller && zoomed !== null);
      if (!(inside || caller)) continue;
      var y = rowY(f.d);
      f.rect.setAttribute("x", x.toFixed(2));
      f.rect.setAttribute("width", w.toFixed(2));
      f.rect.setAttribute("y", y);
      f.text.setAttribute("x", (x + 3).toFixed(2));
      f.text.setAttribute("y", y + cfg.rowH - 4.5);
      f.text.textContent = fit(f.name, w);
    }
  }

  function zoom(f) {
    zoomed = f;
    reset.classList.toggle("hide", f === null);
    layout();
  }

  // Highlights the frames whose name matches `q`; shows the share of the samples they cover
  // (nested matches counted once).
  function highlight(q) {
    var re = null;
    if (q) {
      try {
        re = new RegExp(q);
      } catch (err) {
        re = { test: function (s) { return s.indexOf(q) >= 0; } };
      }
    }
    var spans = [];
    for (var i = 0; i < frames.length; i++) {
      var f = frames[i];
      var hit = re !== null && f.d > 0 && re.test(f.name);
      f.g.classList.toggle("match", hit);
      if (hit) spans.push([f.o, f.o + f.w]);
    }
    if (re === null) {
      matched.classList.add("hide");
      return;
    }
    spans.sort(function (a, b) { return a[0] - b[0] || b[1] - a[1]; });
    var covered = 0, end = -Infinity;
    for (var j = 0; j < spans.length; j++) {
      var s = spans[j];
      if (s[0] >= end) {
        covered += s[1] - s[0];
        end = s[1];
      } else if (s[1] > end) {
        covered += s[1] - end;
        end = s[1];
      }
    }
    var pct = frames.length ? (100 * covered) / frames[0].w : 0;
    matched.firstChild.nodeValue = "Matched: " + pct.toFixed(2) + "% (" + spans.length + " frames)";
    matched.classList.remove("hide");
  }

  if (document.readyState === "loading") {
    window.addEventListener("load", init);
  } else {
    init();
  }
})();
