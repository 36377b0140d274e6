// Quiz steps: the countdown, telling the learner when an autosave fails, Move up / Move down
// without a page load, warnings for a matching answer used twice, and saving a changed answer
// before a jump to another question. Saving itself is htmx; every step works without this file.
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

  var form = document.getElementById("quiz-form");
  var box = document.getElementById("save-problem");
  if (box) {
    document.body.addEventListener("htmx:responseError", function (event) {
      var xhr = event.detail.xhr;
      box.textContent = xhr && xhr.responseText ? xhr.responseText : "We couldn't save that answer. Check your connection.";
      box.hidden = false;
    });
    document.body.addEventListener("htmx:sendError", function () {
      box.textContent = "You seem to be offline. Your earlier answers are saved; this one will save when you're back.";
      box.hidden = false;
    });
  }
  if (!form) return;

  // A change not yet saved (or still on its way): a jump to another question goes through the
  // form instead, so the server saves it first.
  var unsaved = false;
  var pending = 0;
  form.addEventListener("input", function () { unsaved = true; });
  form.addEventListener("change", function () { unsaved = true; });
  document.body.addEventListener("htmx:beforeRequest", function () { pending += 1; unsaved = false; });
  document.body.addEventListener("htmx:afterRequest", function (event) {
    pending = Math.max(0, pending - 1);
    if (!event.detail.successful) {
      unsaved = true;
    } else {
      if (!pending) unsaved = false;
      if (box) box.hidden = true;
    }
  });
  document.addEventListener("click", function (event) {
    var link = event.target.closest ? event.target.closest("a.step-link") : null;
    if (!link || !(unsaved || pending)) return;
    var number = new URL(link.href).searchParams.get("q");
    if (!number) return;
    event.preventDefault();
    var go = document.createElement("input");
    go.type = "hidden";
    go.name = "go";
    go.value = number;
    form.appendChild(go);
    form.submit();
  });

  function changed(element) {
    element.dispatchEvent(new Event("change", { bubbles: true }));
  }

  // --- Put in order ---------------------------------------------------------------------------
  function refreshButtons(list) {
    var items = list.querySelectorAll(".order-item");
    items.forEach(function (item, index) {
      item.querySelector("[value$=':up']").disabled = index === 0;
      item.querySelector("[value$=':down']").disabled = index === items.length - 1;
    });
  }

  function enableOrder(list) {
    list.querySelectorAll("input[type=hidden]").forEach(function (input) { input.disabled = false; });
    var keep = form.querySelector(".order-keep");
    if (keep) keep.remove();
  }

  function announce(list, text) {
    var region = list.parentElement.querySelector("[aria-live=assertive]");
    if (!region) return;
    // Cleared first so the same words twice in a row are announced twice.
    region.textContent = "";
    window.setTimeout(function () { region.textContent = text; }, 50);
  }

  form.addEventListener("click", function (event) {
    var button = event.target.closest ? event.target.closest("button") : null;
    if (!button) return;
    var list = form.querySelector("ul.ordering");
    if (!list) return;
    if (button.name && /-keep$/.test(button.name)) {
      event.preventDefault();
      enableOrder(list);
      changed(list);
      announce(list, list.getAttribute("data-kept"));
      var first = list.querySelector(".order-move:not([disabled])");
      if (first) first.focus();
      return;
    }
    if (!button.classList.contains("order-move")) return;
    event.preventDefault();
    var item = button.closest(".order-item");
    var up = /:up$/.test(button.value);
    var sibling = up ? item.previousElementSibling : item.nextElementSibling;
    if (!sibling) return;
    list.insertBefore(item, up ? sibling : sibling.nextElementSibling);
    refreshButtons(list);
    enableOrder(list);
    var same = item.querySelector(up ? "[value$=':up']" : "[value$=':down']");
    var other = item.querySelector(up ? "[value$=':down']" : "[value$=':up']");
    (same.disabled ? other : same).focus();
    var items = Array.prototype.slice.call(list.querySelectorAll(".order-item"));
    announce(
      list,
      list.getAttribute("data-moved")
        .replace("{item}", item.querySelector(".order-text").textContent.trim())
        .replace("{n}", String(items.indexOf(item) + 1))
        .replace("{total}", String(items.length))
    );
    changed(list);
  });

  // --- Matching: the same answer for two prompts ----------------------------------------------
  function checkMatches() {
    var rows = Array.prototype.slice.call(form.querySelectorAll(".match-row"));
    var picks = rows.map(function (row) {
      var checked = row.querySelector("input[type=radio]:checked");
      return checked ? checked.value : null;
    });
    rows.forEach(function (row, index) {
      var others = [];
      rows.forEach(function (other, j) {
        if (j !== index && picks[index] !== null && picks[j] === picks[index]) {
          // One pair of quotes, even around a prompt that is itself in quotes.
          others.push(other.querySelector("legend").textContent.trim().replace(/^["'“”‘’«»„]+|["'“”‘’«»„]+$/g, ""));
        }
      });
      var warning = row.querySelector(".field-warning");
      var text = others.length ? row.getAttribute("data-dup-template").replace("%s", others.join("”, “")) : "";
      if (warning.textContent !== text) warning.textContent = text;
    });
  }
  if (form.querySelector(".match-row")) form.addEventListener("change", checkMatches);
})();
