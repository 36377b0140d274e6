// Lesson player: arrow keys (← back a lesson, → the same as the main "Done" button) and
// time-on-lesson pings. Works without it, too.
(function () {
  "use strict";

  document.addEventListener("keydown", function (event) {
    if (event.defaultPrevented || event.altKey || event.ctrlKey || event.metaKey || event.shiftKey) return;
    var target = event.target;
    if (target && (target.isContentEditable || /^(INPUT|TEXTAREA|SELECT|BUTTON)$/.test(target.tagName))) return;
    if (event.key === "ArrowRight") {
      // → must count the same as the main button: it marks the lesson done (a POST) and moves
      // on. Only a preview, which records nothing, follows a plain "next" link instead.
      var form = document.getElementById("complete-form");
      if (form) {
        event.preventDefault();
        if (event.repeat || form.hasAttribute("data-sent")) return;
        form.setAttribute("data-sent", "");
        if (form.requestSubmit) form.requestSubmit();
        else form.submit();
        return;
      }
    }
    var rel = event.key === "ArrowLeft" ? "prev" : event.key === "ArrowRight" ? "next" : null;
    if (!rel) return;
    var link = document.querySelector('a[rel="' + rel + '"]');
    if (link) {
      event.preventDefault();
      window.location.href = link.href;
    }
  });

  var article = document.querySelector("[data-time-url]");
  var tokenInput = document.querySelector("input[name=csrfmiddlewaretoken]");
  if (!article || !tokenInput) return;
  var url = article.getAttribute("data-time-url");
  var visibleSince = document.visibilityState === "visible" ? Date.now() : null;

  function flush(useBeacon) {
    if (visibleSince === null) return;
    var seconds = Math.round((Date.now() - visibleSince) / 1000);
    visibleSince = document.visibilityState === "visible" ? Date.now() : null;
    if (seconds < 1) return;
    var body = new FormData();
    body.append("seconds", String(seconds));
    body.append("csrfmiddlewaretoken", tokenInput.value);
    if (useBeacon && navigator.sendBeacon) {
      navigator.sendBeacon(url, body);
    } else {
      fetch(url, { method: "POST", body: body, credentials: "same-origin", keepalive: true });
    }
  }

  setInterval(function () { flush(false); }, 30000);
  document.addEventListener("visibilitychange", function () {
    if (document.visibilityState === "hidden") flush(true);
    else visibleSince = Date.now();
  });
  window.addEventListener("pagehide", function () { flush(true); });
})();
