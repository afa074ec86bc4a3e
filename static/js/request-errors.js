// htmx leaves the page as it is when a request fails (4xx/5xx or no connection), so what the
// user typed stays in its field. This tells them why: the message of the error page the server
// answered with, or a translated sentence when the portal could not be reached at all.
(function () {
  "use strict";

  function region() {
    return document.getElementById("request-error");
  }

  function show(text) {
    var box = region();
    if (!box) return;
    box.textContent = text;
    box.hidden = false;
    box.scrollIntoView({ block: "nearest" });
  }

  document.addEventListener("htmx:beforeRequest", function () {
    var box = region();
    if (box && !box.hidden) {
      box.hidden = true;
      box.textContent = "";
    }
  });

  document.addEventListener("htmx:responseError", function (event) {
    var box = region();
    if (!box) return;
    var answer = new DOMParser().parseFromString(event.detail.xhr.responseText || "", "text/html");
    var message = answer.querySelector(".error p");
    show(message ? message.textContent.trim() : box.dataset.failed);
  });

  document.addEventListener("htmx:sendError", function () {
    var box = region();
    if (box) show(box.dataset.offline);
  });
})();
