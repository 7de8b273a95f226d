/* Counter sale: click seats to pick them (the checkboxes stay the form), couple seats as a
   pair, and a running count. The page works without this script. */
(function () {
  "use strict";
  var form = document.getElementById("counter-sale");
  var grid = document.getElementById("seat-grid");
  if (!form || !grid) { return; }
  var count = document.getElementById("picked-count");

  function box(id) {
    return grid.querySelector('input[name="seat"][value="' + id + '"]');
  }

  function paint() {
    var picked = 0;
    grid.querySelectorAll(".seat-pick").forEach(function (label) {
      var input = label.querySelector("input");
      label.classList.toggle("picked", input.checked);
      if (input.checked) { picked += 1; }
    });
    if (count) {
      count.textContent = picked ? (form.dataset.pickedText || "").replace("%(count)s", picked) : "";
    }
  }

  grid.addEventListener("change", function (event) {
    var input = event.target;
    if (input.name !== "seat") { return; }
    var pair = input.closest(".seat-pick").dataset.pair;
    var other = pair ? box(pair) : null;
    if (other) { other.checked = input.checked; }
    paint();
  });
  grid.classList.add("seat-map-js");
  paint();
}());
