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
  /* A live research session: who checks in and new posts arrive by Server-Sent Events. Text only. */
  document.querySelectorAll("[data-live-url]").forEach(function (page) {
    if (!window.EventSource) { return; }
    var attendees = document.querySelector("#attendees ul");
    var count = document.querySelector("#attendees [data-count]");
    var posts = document.querySelector("#posts ol");
    var source = new EventSource(page.getAttribute("data-live-url"));
    function line(parent, tag, text, cls) {
      var el = document.createElement(tag);
      el.textContent = text;
      if (cls) { el.className = cls; }
      parent.appendChild(el);
      return el;
    }
    source.addEventListener("session", function (event) {
      var data = JSON.parse(event.data);
      if (attendees) {
        attendees.textContent = "";
        data.attendees.forEach(function (a) {
          var li = line(attendees, "li", a.name + " ");
          var tags = [a.school];
          if (a.late) { tags.push(page.getAttribute("data-late")); }
          if (a.by_host) { tags.push(page.getAttribute("data-by-host")); }
          line(li, "span", tags.join(" · "), "muted");
        });
        if (count) { count.textContent = count.textContent.replace(/\d+/, String(data.attendees.length)); }
      }
      if (posts) {
        data.posts.forEach(function (p) {
          if (document.getElementById("post-" + p.id)) { return; }
          var empty = posts.querySelector("li.muted");
          if (empty) { empty.remove(); }
          var li = line(posts, "li", "");
          li.id = "post-" + p.id;
          line(li, "p", "#" + p.id + " " + p.author + (p.reply_to ? " · → #" + p.reply_to : ""), "muted");
          line(li, "p", p.text, "summary");
        });
      }
      if (data.over) { source.close(); }
    });
  });
});
