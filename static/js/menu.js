// Header menus (the phone Menu and the Account menu) are <details>, so they open and close
// without this script. It adds what a menu is expected to do: Escape closes it and gives focus
// back to its button, and a click or focus elsewhere on the page closes it too.
(function () {
  "use strict";

  function openMenus() {
    return document.querySelectorAll("details[data-menu][open]");
  }

  document.addEventListener("keydown", function (event) {
    if (event.key !== "Escape") return;
    openMenus().forEach(function (menu) {
      menu.removeAttribute("open");
      var summary = menu.querySelector("summary");
      var active = document.activeElement;
      if (summary && (menu.contains(active) || active === document.body)) summary.focus();
    });
  });

  function closeOutside(event) {
    openMenus().forEach(function (menu) {
      if (!menu.contains(event.target)) menu.removeAttribute("open");
    });
  }
  document.addEventListener("click", closeOutside);
  document.addEventListener("focusin", closeOutside);
})();
