// After a move (↑/↓), the page reloads at the moved item's anchor. Put keyboard focus back on the
// same button so someone moving an item several places can keep pressing Enter.
(function () {
  "use strict";
  document.addEventListener("click", function (event) {
    var button = event.target.closest && event.target.closest('button[name="direction"]');
    if (button) sessionStorage.setItem("author-move", button.value);
  });
  var id = window.location.hash.slice(1);
  var direction = sessionStorage.getItem("author-move");
  sessionStorage.removeItem("author-move");
  if (!id || !direction) return;
  var item = document.getElementById(id);
  if (!item) return;
  var same = item.querySelector('button[name="direction"][value="' + direction + '"]:not([disabled])');
  var other = item.querySelector('button[name="direction"]:not([disabled])');
  var target = same || other;
  // After "load": the browser's own jump to the #fragment would otherwise reset focus.
  if (target) window.addEventListener("load", function () { target.focus(); });
})();

// Adding questions to a quiz: the filter narrows the list in place (the server does the same
// when the page is loaded without script), so what was ticked stays ticked while the author
// searches elsewhere; the count says how many are ticked, including ones the filter hides.
(function () {
  "use strict";
  var picker = document.querySelector("[data-picker]");
  var filter = document.querySelector("[data-picker-filter]");
  if (!picker || !filter) return;
  var rows = Array.prototype.slice.call(picker.querySelectorAll("[data-picker-row]"));
  var count = picker.querySelector("[data-picker-count]");
  var none = picker.querySelector("[data-picker-none]");
  var clear = filter.querySelector("[data-picker-clear]");
  var field = function (name) { return filter.elements.namedItem(name); };

  function update() {
    var words = (field("q").value || "").toLowerCase().split(/\s+/).filter(Boolean);
    var bank = field("bank").value;
    var kind = field("kind").value;
    var shown = 0, ticked = 0, hiddenTicked = 0;
    rows.forEach(function (row) {
      var text = row.getAttribute("data-text");
      var keeps = (!bank || row.getAttribute("data-banks").split(" ").indexOf(bank) >= 0) &&
        (!kind || row.getAttribute("data-kind") === kind) &&
        words.every(function (w) { return text.indexOf(w) >= 0; });
      row.hidden = !keeps;
      if (keeps) shown += 1;
      var box = row.querySelector('input[type="checkbox"]');
      if (box && box.checked) {
        ticked += 1;
        if (!keeps) hiddenTicked += 1;
      }
    });
    if (none) none.hidden = shown > 0;
    var template = count.getAttribute(hiddenTicked ? "data-hidden-template" : "data-template");
    count.textContent = template.replace("__N__", ticked).replace("__H__", hiddenTicked);
  }

  filter.addEventListener("input", update);
  filter.addEventListener("change", update);
  filter.addEventListener("submit", function (event) { event.preventDefault(); update(); });
  if (clear) {
    clear.addEventListener("click", function (event) {
      event.preventDefault();
      filter.reset();
      field("q").value = ""; field("bank").value = ""; field("kind").value = "";
      update();
    });
  }
  picker.addEventListener("change", update);
  update();
})();

// The scenario editor. Without this file every box and form still works by page loads.
(function () {
  "use strict";
  var SVG = "http://www.w3.org/2000/svg";

  // Deleting asks first through data-confirm, handled for every page by confirm.js.

  // Let htmx show the editor's 400 answers (errors next to their fields) instead of dropping them.
  document.body.addEventListener("htmx:beforeSwap", function (event) {
    var detail = event.detail;
    if (detail.xhr.status === 400 && detail.target && detail.target.id === "scenario-workspace") {
      detail.shouldSwap = true;
      detail.isError = false;
    }
  });

  // After a line is chosen or saved, put the keyboard where the author is working: the first
  // field with an error, else the line's heading.
  document.body.addEventListener("htmx:afterSwap", function (event) {
    if (!event.detail.target || event.detail.target.id !== "scenario-workspace") return;
    var workspace = document.getElementById("scenario-workspace");
    if (!workspace) return;
    drawArrows();
    var invalid = workspace.querySelector("[aria-invalid='true']");
    var heading = document.getElementById("line-editor-title");
    var target = invalid || heading;
    if (target) {
      target.focus();
      if (!invalid && heading) heading.scrollIntoView({ block: "start" });
    }
  });

  // Arrows from each box to the boxes its replies lead to, over the columns. Decoration only:
  // each reply already names and links its next line.
  function drawArrows() {
    var map = document.querySelector("[data-branch-map]");
    var svg = map && map.querySelector("[data-branch-arrows]");
    if (!svg) return;
    while (svg.firstChild) svg.removeChild(svg.firstChild);
    if (window.getComputedStyle(map).display !== "grid") return; // the phone outline has none
    var origin = map.getBoundingClientRect();
    var left = map.scrollLeft - origin.left;
    var top = map.scrollTop - origin.top;
    svg.setAttribute("width", map.scrollWidth);
    svg.setAttribute("height", map.scrollHeight);
    var defs = document.createElementNS(SVG, "defs");
    var marker = document.createElementNS(SVG, "marker");
    marker.setAttribute("id", "branch-arrowhead");
    marker.setAttribute("viewBox", "0 0 10 10");
    marker.setAttribute("refX", "9");
    marker.setAttribute("refY", "5");
    marker.setAttribute("markerWidth", "7");
    marker.setAttribute("markerHeight", "7");
    marker.setAttribute("orient", "auto-start-reverse");
    var head = document.createElementNS(SVG, "path");
    head.setAttribute("d", "M 0 0 L 10 5 L 0 10 z");
    marker.appendChild(head);
    defs.appendChild(marker);
    svg.appendChild(defs);
    map.querySelectorAll("[data-targets]").forEach(function (box) {
      var from = box.getBoundingClientRect();
      box.getAttribute("data-targets").split(" ").filter(Boolean).forEach(function (name) {
        var target = document.getElementById("box-" + name);
        if (!target || target === box) return;
        var to = target.getBoundingClientRect();
        var path = document.createElementNS(SVG, "path");
        var d;
        if (to.left > from.right) {
          var x1 = from.right + left, y1 = from.top + Math.min(from.height / 2, 40) + top;
          var x2 = to.left + left, y2 = to.top + Math.min(to.height / 2, 40) + top;
          var bend = (x2 - x1) / 2;
          d = "M " + x1 + " " + y1 + " C " + (x1 + bend) + " " + y1 + ", " + (x2 - bend) + " " + y2 + ", " + x2 + " " + y2;
        } else {
          // Back to an earlier step (a loop): round the top of the boxes.
          var sx = from.left + from.width / 2 + left, sy = from.top + top;
          var tx = to.left + to.width / 2 + left, ty = to.top + top;
          var lift = Math.min(sy, ty) - 24;
          d = "M " + sx + " " + sy + " C " + sx + " " + lift + ", " + tx + " " + lift + ", " + tx + " " + ty;
        }
        path.setAttribute("d", d);
        path.setAttribute("class", "branch-arrow" + (box.classList.contains("is-selected") ? " is-selected" : ""));
        path.setAttribute("marker-end", "url(#branch-arrowhead)");
        svg.appendChild(path);
      });
    });
  }

  var timer = null;
  window.addEventListener("resize", function () {
    window.clearTimeout(timer);
    timer = window.setTimeout(drawArrows, 100);
  });
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", drawArrows);
  } else {
    drawArrows();
  }
  window.addEventListener("load", drawArrows);
})();
