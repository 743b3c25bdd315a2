// Borrower notice page: show the time pickers only when "another time" is chosen, and
// disable them otherwise so that stale values are not sent with another answer.
(function () {
  "use strict";
  var form = document.getElementById("borrower-answer");
  var times = document.getElementById("proposed-times");
  if (!form || !times) return;

  function update() {
    var chosen = form.querySelector('input[name="kind"]:checked');
    var wanted = chosen !== null && chosen.value === "propose_times";
    times.hidden = !wanted;
    times.disabled = !wanted;
  }

  form.addEventListener("change", function (event) {
    if (event.target.name === "kind") update();
  });
  update();
})();
