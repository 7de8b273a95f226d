/* The seat layout editor (admin/seat_layout.html): clicking a place in the grid paints it
   with the chosen kind and writes the same character into the text form, which is what the
   server reads. Without this script the text form alone does the job. No inline code, so it
   runs under a nonce-based Content-Security-Policy. */
(function () {
  "use strict";
  var grid = document.getElementById("seat-grid");
  var text = document.getElementById("layout");
  var palette = document.getElementById("seat-palette");
  if (!grid || !text || !palette || !grid.hasAttribute("data-editable")) {
    return;
  }
  var CHARS = {standard: "S", vip: "V", couple: "C", wheelchair: "W", blocked: "X", aisle: "."};
  var KINDS = {};
  Object.keys(CHARS).forEach(function (kind) { KINDS[CHARS[kind]] = kind; });
  var stale = document.getElementById("grid-stale");
  palette.hidden = false;

  function brush() {
    var checked = palette.querySelector("input[name=brush]:checked");
    return checked ? checked.value : "standard";
  }

  function markStale() {
    grid.classList.add("seat-map-stale");
    if (stale) { stale.hidden = false; }
  }

  function paint(lines, cell, kind) {
    var row = Number(cell.getAttribute("data-row")) - 1;
    var col = Number(cell.getAttribute("data-col")) - 1;
    var line = lines[row];
    if (line === undefined || col >= line.length) { return; }
    lines[row] = line.slice(0, col) + CHARS[kind] + line.slice(col + 1);
    cell.className = "seat seat-" + kind + (kind === "aisle" ? "" : " state-free");
    cell.setAttribute("data-kind", kind);
    if (kind === "aisle") { cell.textContent = ""; }
  }

  grid.addEventListener("click", function (event) {
    var cell = event.target.closest("button.seat");
    if (!cell) { return; }
    var lines = text.value.replace(/\r/g, "").split("\n");
    var kind = brush();
    if (cell.getAttribute("data-kind") === kind) {
      kind = kind === "standard" ? "aisle" : "standard"; /* a second click toggles it back */
    }
    paint(lines, cell, kind);
    if (kind === "couple") { /* a couple seat is two places: paint its right half too */
      var next = cell.nextElementSibling;
      if (next && next.matches("button.seat")) { paint(lines, next, "couple"); }
    }
    text.value = lines.join("\n");
    markStale();
  });
  text.addEventListener("input", markStale);
}());
