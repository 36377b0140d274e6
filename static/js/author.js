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
