// Practice conversations: let htmx show the server's 400 answers (a reply that can't be
// chosen) in the chat instead of dropping them. The page works without this file, too.
(function () {
  "use strict";
  document.body.addEventListener("htmx:beforeSwap", function (event) {
    var detail = event.detail;
    if (detail.xhr.status === 400 && detail.target && detail.target.id === "conversation") {
      detail.shouldSwap = true;
      detail.isError = false;
    }
  });
})();
