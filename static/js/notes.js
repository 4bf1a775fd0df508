// The note form: a clickable body chart tied to the "Areas worked" checkboxes, and a copy of the
// draft kept in this browser, so a closed tab or a lost connection loses nothing not yet saved.
(function () {
  const form = document.getElementById("note-form");
  if (!form) return;

  const boxes = () => form.querySelectorAll('input[name="areas_worked"]');
  function paintChart() {
    const on = new Set(Array.from(boxes()).filter((b) => b.checked).map((b) => b.value));
    document.querySelectorAll(".body-chart .area").forEach((shape) => {
      shape.classList.toggle("on", on.has(shape.dataset.area));
    });
  }
  document.querySelectorAll(".body-chart .area").forEach((shape) => {
    shape.addEventListener("click", function () {
      const box = form.querySelector('input[name="areas_worked"][value="' + shape.dataset.area + '"]');
      if (box) {
        box.checked = !box.checked;
        box.dispatchEvent(new Event("change", { bubbles: true }));
      }
    });
  });
  form.addEventListener("change", paintChart);

  const key = form.dataset.draftKey;
  const savedAt = Number(form.dataset.savedAt || 0) * 1000;
  function snapshot() {
    const values = {};
    form.querySelectorAll("input, textarea, select").forEach((field) => {
      if (!field.name || field.name === "csrfmiddlewaretoken") return;
      if (field.type === "checkbox" || field.type === "radio") {
        values[field.name + "=" + field.value] = field.checked;
      } else {
        values[field.name] = field.value;
      }
    });
    localStorage.setItem(key, JSON.stringify({ at: Date.now(), values: values }));
  }
  function restore() {
    const stored = JSON.parse(localStorage.getItem(key) || "null");
    if (!stored || stored.at <= savedAt) return;
    form.querySelectorAll("input, textarea, select").forEach((field) => {
      if (field.type === "checkbox" || field.type === "radio") {
        const value = stored.values[field.name + "=" + field.value];
        if (value !== undefined) field.checked = value;
      } else if (field.name in stored.values && field.name !== "csrfmiddlewaretoken") {
        field.value = stored.values[field.name];
      }
    });
    document.getElementById("draft-restored").classList.remove("d-none");
    if (window.htmx) window.htmx.trigger(form, "change");  // and save it to the server now
  }
  form.addEventListener("input", snapshot);
  form.addEventListener("change", snapshot);
  document.body.addEventListener("htmx:afterRequest", function (event) {
    if (event.detail.elt === form && event.detail.successful) localStorage.removeItem(key);
  });
  form.addEventListener("submit", function () { localStorage.removeItem(key); });
  restore();
  paintChart();
})();
