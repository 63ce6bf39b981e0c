// The score sheet's keyboard and live total; the pages work without it.
// A digit typed outside a field starts the first empty score; j/k (outside fields) go to the next/previous item.
(function () {
  "use strict";
  var form = document.getElementById("score-form");
  var output = document.getElementById("total");
  var inputs = form ? Array.prototype.slice.call(form.querySelectorAll("input.score")) : [];
  var CENTS = /^\d+(\.\d{1,2})?$/;

  function cents(text) { // "86.5" -> 8650, exactly (no binary fractions)
    var parts = text.split(".");
    return parseInt(parts[0], 10) * 100 + parseInt(((parts[1] || "") + "00").slice(0, 2), 10);
  }

  function total() { // as the review computes it: sum(score * weight) / 100, half up to cents
    var low = cents(form.dataset.min), high = cents(form.dataset.max), sum = 0;
    for (var i = 0; i < inputs.length; i++) {
      var text = inputs[i].value.trim();
      if (!CENTS.test(text) || cents(text) < low || cents(text) > high) { output.textContent = "—"; return; }
      sum += cents(text) * parseInt(inputs[i].dataset.weight, 10);
    }
    var c = Math.floor((sum + 50) / 100); // sum is in cent-percent; half up
    output.textContent = Math.floor(c / 100) + "." + ("0" + (c % 100)).slice(-2);
  }

  if (form && output) { form.addEventListener("input", total); }

  document.addEventListener("keydown", function (event) {
    var t = event.target, tag = t && t.tagName;
    if (event.ctrlKey || event.metaKey || event.altKey || tag === "INPUT" || tag === "TEXTAREA" || tag === "SELECT") { return; }
    if (/^[0-9]$/.test(event.key) && inputs.length) {
      var empty = inputs.filter(function (i) { return i.value === ""; })[0] || inputs[0];
      empty.focus();
      return; // the digit lands in the field it focused
    }
    var link = document.querySelector('a[data-key="' + event.key + '"]');
    if (link) { event.preventDefault(); window.location.href = link.href; }
  });
}());
