/* storefront serve: reloads the page after a rebuild, swaps stylesheets in place when only
   CSS changed, and shows build errors over the page until they are fixed. */
(function () {
  "use strict";
  var OVERLAY_ID = "storefront-error-overlay";
  // the overlay's words, in the partner's language, come with the script tag the preview writes
  var script = document.currentScript;
  var words = script ? script.dataset : {};

  function showErrors(problems) {
    var overlay = document.getElementById(OVERLAY_ID);
    if (!overlay) {
      overlay = document.createElement("div");
      overlay.id = OVERLAY_ID;
      overlay.setAttribute("role", "alertdialog");
      overlay.setAttribute("aria-label", words.label || "Build error");
      if (words.lang) overlay.setAttribute("lang", words.lang);
      overlay.style.cssText = "position:fixed;inset:0;z-index:2147483647;overflow:auto;padding:2rem;" +
        "background:#14141c;color:#fff;font:15px/1.5 ui-monospace,Menlo,Consolas,monospace;" +
        "text-align:left;letter-spacing:normal;text-transform:none";
      document.body.appendChild(overlay);
    }
    overlay.innerHTML = "";
    var title = document.createElement("h2");
    title.textContent = words.title || "Build failed: fix this and save, the page updates by itself";
    title.style.cssText = "margin:0 0 1rem;padding:0;border:0;background:none;" +
      "font:600 20px/1.3 system-ui,sans-serif;color:#ff8a80";
    overlay.appendChild(title);
    problems.forEach(function (problem) {
      var line = document.createElement("pre");
      line.className = "storefront-problem";
      line.textContent = problem;
      // the theme's own rules for pre (a light box, a border) must not reach the overlay
      line.style.cssText = "margin:0 0 .75rem;padding:0;border:0;box-shadow:none;background:none;" +
        "white-space:pre-wrap;color:#fff;font:inherit";
      overlay.appendChild(line);
    });
  }

  function swapStylesheets() {
    fetch(location.href, {cache: "no-store"}).then(function (response) { return response.text(); })
      .then(function (text) {
        var fresh = new DOMParser().parseFromString(text, "text/html");
        var wanted = Array.prototype.map.call(fresh.querySelectorAll('link[rel="stylesheet"]'),
          function (link) { return link.getAttribute("href"); });
        var current = document.querySelectorAll('link[rel="stylesheet"]');
        if (wanted.length !== current.length) { location.reload(); return; }
        Array.prototype.forEach.call(current, function (link, i) {
          if (link.getAttribute("href") !== wanted[i]) link.setAttribute("href", wanted[i]);
        });
      })
      .catch(function () { location.reload(); });
  }

  var source = new EventSource("/_storefront/events");
  var failing = false;
  source.onmessage = function (event) {
    var message = JSON.parse(event.data);
    if (message.type === "error") {
      failing = true;
      showErrors(message.problems);
    } else if (message.type === "css" && !failing) {
      swapStylesheets();
    } else if (message.type === "reload" || (message.type === "css" && failing) ||
               (message.type === "ok" && failing)) {
      location.reload();
    }
  };
})();
