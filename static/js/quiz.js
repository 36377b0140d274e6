// Quiz page: tell the learner when an autosave fails (signed out, time up). Saving itself is htmx.
(function () {
  "use strict";
  // A visible countdown for timed quizzes. The server keeps the real clock; this only helps
  // people pace themselves, and warns once, politely, with a minute to go.
  var timer = document.getElementById("time-left");
  if (timer) {
    var deadline = Date.parse(timer.getAttribute("data-deadline"));
    var warned = false;
    var tick = function () {
      var left = Math.max(0, Math.round((deadline - Date.now()) / 1000));
      var minutes = Math.floor(left / 60);
      var seconds = String(left % 60).padStart(2, "0");
      timer.textContent = left > 0 ? "(" + minutes + ":" + seconds + " left)" : "(time's up: submit now)";
      if (left <= 60 && !warned) {
        warned = true;
        timer.setAttribute("aria-live", "polite");
      }
      if (left > 0) window.setTimeout(tick, 1000);
    };
    tick();
  }
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
