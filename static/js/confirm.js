// Asks before sending a form marked data-confirm="Delete this reply?", and sends it only on OK.
// A file rather than onsubmit="...": the Content Security Policy runs no inline handlers.
(function () {
  "use strict";
  document.addEventListener("submit", function (event) {
    var form = event.target;
    var question = form instanceof HTMLFormElement ? form.getAttribute("data-confirm") : null;
    if (question && !window.confirm(question)) event.preventDefault();
  });
})();
