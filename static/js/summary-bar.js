// The amount-to-pay bar at the bottom of a phone's screen (wizard/_summary.html) repeats the
// summary's own figure; it steps aside while the summary's "Amount to pay" row is in view.
// The summary is swapped by htmx as the customer types, bar included: each new bar takes
// the state of the one it replaces, so it does not flash while the row is in view.
(function () {
  "use strict";
  var OFF = "summary-bar-off";
  var observer = null;
  var rowInView = false;

  function watch() {
    if (observer) observer.disconnect();
    observer = null;
    var bar = document.querySelector("#summary .summary-bar");
    var row = document.querySelector("#summary tr.due");
    if (!bar || !row || !("IntersectionObserver" in window)) return;
    bar.classList.toggle(OFF, rowInView);
    observer = new IntersectionObserver(function (entries) {
      rowInView = entries[entries.length - 1].isIntersecting;
      bar.classList.toggle(OFF, rowInView);
    });
    observer.observe(row);
    if (bar.dataset.bound) return;  // a swap elsewhere on the page left this bar in place
    bar.dataset.bound = "1";
    bar.addEventListener("click", function () {
      var due = document.querySelector("#summary tr.due");
      if (due) due.scrollIntoView({ behavior: "smooth", block: "center" });
    });
  }

  document.addEventListener("DOMContentLoaded", watch);
  document.addEventListener("htmx:afterSettle", watch);
})();
