// After htmx replaces part of the page, put the keyboard focus back where the user was,
// instead of letting it fall to <body>: on an element the new content marks with
// data-focus, else on the control that sent the request (found again by id, or by name and
// value), else on the first control of the new content. A data-focus element in the request's
// target wins even when the focused control survived the swap. A control the user moves to
// while the request is on its way (Tab out of a field that sent it) is the one kept. A text
// field gets its cursor after its text, as when one clicks at its end; Escape in a form with
// a data-cancel control (an editor opened in place) presses it.
(function () {
  "use strict";
  var FOCUSABLE = "a[href], button, input:not([type=hidden]), select, textarea, summary, [tabindex]";
  var pending = null;

  function selectorFor(element) {
    if (!element || element === document.body) return null;
    if (element.id) return "#" + CSS.escape(element.id);
    var name = element.getAttribute("name");
    if (!name) return null;
    var selector = element.tagName.toLowerCase() + '[name="' + CSS.escape(name) + '"]';
    var value = element.getAttribute("value");
    if (element.tagName === "BUTTON" && value !== null) {
      selector += '[value="' + CSS.escape(value) + '"]';
    }
    return selector;
  }

  function usable(element) {
    return element && !element.disabled && element.getClientRects().length > 0;
  }

  function focusAtEnd(element) {
    if (!element.matches(FOCUSABLE)) element.setAttribute("tabindex", "-1");
    element.focus();
    // Number fields have no cursor to place (their selectionStart is null).
    if (element.matches("textarea, input") && typeof element.selectionStart === "number") {
      var end = element.value.length;
      element.setSelectionRange(end, end);
    }
  }

  document.addEventListener("focusin", function (event) {
    var control = event.target.matches && event.target.matches(FOCUSABLE) && selectorFor(event.target);
    if (pending && control) pending.control = control;
  });

  document.addEventListener("keydown", function (event) {
    if (event.key !== "Escape" || event.defaultPrevented || !event.target.closest) return;
    var form = event.target.closest("form");
    var cancel = form && form.querySelector("[data-cancel]");
    if (!cancel) return;
    event.preventDefault();
    cancel.click();
  });

  // An out-of-band swap never takes back what the user typed after the request left: the
  // field being typed in keeps its current value (a late answer for "0" must not turn the
  // "60" typed since back into "0"; the request the new value sends brings its figures).
  document.addEventListener("htmx:oobBeforeSwap", function (event) {
    var active = document.activeElement;
    var fragment = event.detail.fragment;
    if (!active || !active.id || !active.matches("input, textarea")) return;
    if (!event.detail.target.contains(active) || !fragment || !fragment.querySelector) return;
    var incoming = fragment.querySelector("#" + CSS.escape(active.id));
    if (incoming && incoming.value !== active.value) {
      incoming.value = active.value;
      incoming.setAttribute("value", active.value);
    }
  });

  document.addEventListener("htmx:beforeRequest", function (event) {
    var active = document.activeElement;
    var target = event.detail.target;
    var control = active && active !== document.body ? active : event.detail.elt;
    pending = {
      // A form is no place for the focus: its own controls are.
      control: control.matches(FOCUSABLE) ? selectorFor(control) : null,
      target: target && target.id ? "#" + CSS.escape(target.id) : null,
    };
  });

  document.addEventListener("htmx:afterSettle", function () {
    var wanted = pending;
    pending = null;
    if (!wanted) return;
    var target = wanted.target && document.querySelector(wanted.target);
    // The new content asks for the focus (a confirmation that appeared): it gets it even
    // when the control that asked for it is still there.
    var marked = target && target.querySelector("[data-focus]");
    if (usable(marked)) {
      focusAtEnd(marked);
      return;
    }
    var active = document.activeElement;
    if (active && active !== document.body && document.contains(active)) return;
    var scope = target || document.body;
    var candidates = [
      scope.querySelector("[data-focus]"),
      wanted.control && document.querySelector(wanted.control),
    ];
    var element = candidates.filter(usable)[0];
    if (!element) {
      // The control is gone or disabled (a − at its minimum): its neighbour, or the result.
      element = Array.prototype.filter.call(scope.querySelectorAll(FOCUSABLE), usable)[0] || scope;
    }
    focusAtEnd(element);
  });
})();
