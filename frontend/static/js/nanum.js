/* Nanum's own behaviour, small and progressive: every page works without it.
   A file, not inline script or on*= handlers, so the Content-Security-Policy
   can refuse all inline script. Loaded with defer, and htmx.onLoad runs each
   part for the page and again for every piece htmx swaps in. */
(function () {
  "use strict";

  function each(root, selector, fn) {
    if (root.matches && root.matches(selector)) fn(root);
    root.querySelectorAll(selector).forEach(fn);
  }

  function enhance(root) {
    // The language menu changes the language at once (a button without JS).
    each(root, "select[data-submit-on-change]", function (select) {
      select.addEventListener("change", function () { select.form.submit(); });
    });

    // A link to copy is selected whole when focused.
    each(root, "input[data-select-on-focus]", function (input) {
      input.addEventListener("focus", function () { input.select(); });
    });

    // The rule form shows the chosen type's settings only; the hidden ones
    // are disabled, so the browser neither checks nor sends them.
    each(root, "select[data-rule-type-select]", function (select) {
      var form = select.closest("form");
      function show() {
        form.querySelectorAll("fieldset[data-rule-type]").forEach(function (fieldset) {
          var chosen = fieldset.getAttribute("data-rule-type") === select.value;
          fieldset.hidden = !chosen;
          fieldset.disabled = !chosen;
        });
      }
      select.addEventListener("change", show);
      show();
    });
  }

  if (window.htmx) {
    window.htmx.onLoad(enhance);
  } else {
    enhance(document);
  }
})();
