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
