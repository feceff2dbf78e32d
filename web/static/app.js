/* The pages' few behaviours, from a file: the Content-Security-Policy allows no inline script. */
document.addEventListener("DOMContentLoaded", function () {
  /* The print view's button. */
  document.querySelectorAll("[data-action=print]").forEach(function (button) {
    button.addEventListener("click", function () { window.print(); });
  });
  /* Mentoring's quick record: typing a duration unticks the chips; ticking a chip clears it. */
  document.querySelectorAll("form.quick").forEach(function (form) {
    var custom = form.querySelector("input[name=minutes_custom]");
    var chips = form.querySelectorAll("input[name=minutes]");
    if (!custom) { return; }
    custom.addEventListener("input", function () {
      if (custom.value) { chips.forEach(function (chip) { chip.checked = false; }); }
    });
    chips.forEach(function (chip) {
      chip.addEventListener("change", function () { custom.value = ""; });
    });
  });
});
