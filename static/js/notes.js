// The note form: a clickable body chart tied to the "Areas worked" checkboxes; autosave that says
// so when a save fails and keeps trying (with a growing pause, and at once when the connection
// returns); and a copy of the draft kept in this browser, so a closed tab or a lost connection
// loses nothing not yet saved.
(function () {
  const form = document.getElementById("note-form");
  if (!form) return;

  // --- The body chart -----------------------------------------------------------------------
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

  // --- The copy kept in this browser ----------------------------------------------------------
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
    if (!stored) return false;
    if (stored.at <= savedAt) {  // the server has it (a save or a submit that went through)
      localStorage.removeItem(key);
      return false;
    }
    form.querySelectorAll("input, textarea, select").forEach((field) => {
      if (field.type === "checkbox" || field.type === "radio") {
        const value = stored.values[field.name + "=" + field.value];
        if (value !== undefined) field.checked = value;
      } else if (field.name in stored.values && field.name !== "csrfmiddlewaretoken") {
        field.value = stored.values[field.name];
      }
    });
    document.getElementById("draft-restored").classList.remove("d-none");
    return true;
  }

  // --- Autosave -------------------------------------------------------------------------------
  const status = document.getElementById("autosave-status");
  const FIRST_RETRY = 2000, LONGEST_RETRY = 60000;
  let edits = 0;         // edits made on this page, counted; the server has those up to `savedEdits`
  let savedEdits = 0;
  let saving = false;    // one save at a time; edits made meanwhile are sent by the next one
  let timer = null;
  let retryIn = FIRST_RETRY;

  function say(text, failed) {
    status.removeAttribute("aria-busy");
    const span = document.createElement("span");
    span.className = failed ? "text-danger fw-semibold" : "text-body-secondary";
    if (failed) span.setAttribute("role", "alert");  // announced at once, not when the reader is idle
    span.textContent = (failed ? "⚠ " : "") + text;
    status.replaceChildren(span);
  }
  function pending() {
    say("Changes not saved yet…", false);
    status.setAttribute("aria-busy", "true");
  }
  function schedule(delay) {
    clearTimeout(timer);
    timer = setTimeout(save, delay);
  }
  function edited(delay) {
    edits += 1;
    snapshot();
    // Never "saved" while there is something unsaved; a failure stays said until a save succeeds.
    // Busy: screen readers wait for the outcome instead of hearing this at every pause in typing.
    if (!status.querySelector('[role="alert"]')) pending();
    schedule(delay);
  }
  function failed(reason) {
    const seconds = Math.round(retryIn / 1000);
    say("Not saved: " + reason + " Your changes are kept on this device; trying again in " + seconds +
        " s" + (navigator.onLine ? "." : " or when the connection returns."), true);
    schedule(retryIn);
    retryIn = Math.min(retryIn * 2, LONGEST_RETRY);
  }
  async function save() {
    clearTimeout(timer);
    if (saving || savedEdits === edits) return;
    saving = true;
    const sending = edits;
    try {
      const response = await fetch(form.dataset.autosaveUrl, {
        method: "POST",
        body: new FormData(form),
        headers: { "X-Requested-With": "fetch" },
        credentials: "same-origin",
      });
      // The view marks its answers; anything else (a sign-in page after a redirect, a proxy's
      // error page) did not save the note, whatever its status.
      const outcome = response.ok ? response.headers.get("X-Autosave") : null;
      if (!outcome) {
        failed(response.redirected ? "you may have been signed out (sign in again in another tab)."
          : "the server answered with an error (" + response.status + ").");
        return;
      }
      status.innerHTML = await response.text();  // the view's own short message
      status.removeAttribute("aria-busy");
      retryIn = FIRST_RETRY;
      savedEdits = sending;  // "invalid" and "signed" are answers too: the next edit tries again
      if (outcome === "saved" && savedEdits === edits) localStorage.removeItem(key);
      if (savedEdits !== edits) {  // typed while it was being saved
        pending();
        schedule(300);
      }
    } catch (error) {
      failed(navigator.onLine ? "the server could not be reached." : "no connection.");
    } finally {
      saving = false;
    }
  }

  form.addEventListener("input", function () { edited(1500); });
  form.addEventListener("change", function () { edited(300); });
  window.addEventListener("online", function () {
    if (savedEdits !== edits) {
      retryIn = FIRST_RETRY;
      save();
    }
  });
  window.addEventListener("offline", function () {
    if (savedEdits !== edits) say("No connection: your changes are kept on this device and saved when it returns.", true);
  });
  form.addEventListener("submit", function (event) {
    if (!navigator.onLine) {  // the page would be lost for the browser's "no connection" page
      event.preventDefault();
      say("No connection: nothing was sent. Your changes are kept on this device; save or sign once it returns.", true);
    }
  });

  if (restore()) edited(0);  // and save it to the server now
  paintChart();
})();
