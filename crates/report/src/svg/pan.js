// Pan and zoom for sextant's SVG call graphs. Drag to move the drawing, turn the mouse wheel
// to zoom around the pointer, double-click to go back to the first view. The drawing is the
// group with id "viewport"; this script only rewrites that group's transform.
(function () {
  "use strict";
  var viewport = document.getElementById("viewport");
  if (!viewport) {
    return;
  }
  var root = viewport.ownerSVGElement;
  // The transform the page opens with, kept to undo everything on double-click.
  var initial = viewport.getAttribute("transform") || "";
  // The view as plain numbers: a uniform scale s, then a shift (x, y).
  var view = read();
  var drag = null;

  function read() {
    var t = viewport.transform.baseVal.consolidate();
    var m = t ? t.matrix : { a: 1, e: 0, f: 0 };
    return { s: m.a, x: m.e, y: m.f };
  }

  function apply() {
    viewport.setAttribute(
      "transform",
      "matrix(" + [view.s, 0, 0, view.s, view.x, view.y].join(",") + ")"
    );
  }

  // The pointer's position in the root element's user space.
  function pointer(event) {
    var p = root.createSVGPoint();
    p.x = event.clientX;
    p.y = event.clientY;
    var toUser = root.getScreenCTM();
    return toUser ? p.matrixTransform(toUser.inverse()) : p;
  }

  root.addEventListener(
    "wheel",
    function (event) {
      event.preventDefault();
      // One notch (about 100 units of deltaY) zooms by a fifth.
      var factor = Math.pow(1.2, -event.deltaY / 100);
      var p = pointer(event);
      // Scale about p, so that the point under the pointer stays put.
      view = {
        s: view.s * factor,
        x: p.x - (p.x - view.x) * factor,
        y: p.y - (p.y - view.y) * factor,
      };
      apply();
    },
    { passive: false }
  );

  root.addEventListener("mousedown", function (event) {
    if (event.button !== 0) {
      return;
    }
    var p = pointer(event);
    drag = { x: p.x, y: p.y, vx: view.x, vy: view.y };
    root.style.cursor = "move";
  });

  root.addEventListener("mousemove", function (event) {
    if (!drag) {
      return;
    }
    var p = pointer(event);
    view.x = drag.vx + (p.x - drag.x);
    view.y = drag.vy + (p.y - drag.y);
    apply();
  });

  function stop() {
    drag = null;
    root.style.cursor = "";
  }
  root.addEventListener("mouseup", stop);
  root.addEventListener("mouseleave", stop);

  root.addEventListener("dblclick", function () {
    viewport.setAttribute("transform", initial);
    view = read();
  });
})();
