// Quiz page: tell the learner when an autosave fails (signed out, time up). Saving itself is htmx.
(function () {
  "use strict";
  var box = document.getElementById("save-problem");
  if (!box) return;
  document.body.addEventListener("htmx:responseError", function (event) {
    var xhr = event.detail.xhr;
    box.textContent = xhr && xhr.responseText ? xhr.responseText : "We couldn't save that answer. Check your connection.";
    box.hidden = false;
  });
  document.body.addEventListener("htmx:sendError", function () {
    box.textContent = "You seem to be offline. Your earlier answers are saved; this one will save when you're back.";
    box.hidden = false;
  });
  document.body.addEventListener("htmx:afterRequest", function (event) {
    if (event.detail.successful) box.hidden = true;
  });
})();
