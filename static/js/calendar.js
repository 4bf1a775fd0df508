// The calendar grid (templates/sessions/_grid.html): arrow keys move between free times and visits,
// a click on a visit opens its quick actions, a booked visit moves by dragging it (mouse, pen or
// finger) or from the keyboard (M, then the arrow keys and Enter; Escape puts it back). A move is
// asked of the server, which may refuse (the time is taken): the visit then stays where it was and
// the reason is shown. Positions are set through the CSSOM: the Content-Security-Policy forbids
// style attributes in the markup, not styles set by a script.
(function () {
  "use strict";

  const DRAG_THRESHOLD = 6; // pixels a pointer must travel before a press becomes a drag

  function rowOf(element) {
    const match = element.className.match(/\brow-(\d+)\b/);
    return match ? Number(match[1]) : 1;
  }

  function spanOf(element) {
    const match = element.className.match(/\bspan-(\d+)\b/);
    return match ? Number(match[1]) : 1;
  }

  function csrfToken() {
    try {
      return JSON.parse(document.body.getAttribute("hx-headers"))["X-CSRFToken"];
    } catch (error) {
      return "";
    }
  }

  class CalendarGrid {
    constructor(grid) {
      this.grid = grid;
      this.columns = Array.from(grid.querySelectorAll(".cal-column[data-column]"));
      this.moveUrl = grid.dataset.moveUrl;
      this.actionsUrl = grid.dataset.actionsUrl;
      const [hour, minute] = grid.dataset.first.split(":").map(Number);
      this.firstMinutes = hour * 60 + minute;
      this.rowMinutes = Number(grid.dataset.rowMinutes);
      this.announcer = document.getElementById("calendar-announce");
      this.message = document.getElementById("calendar-message");
      this.picked = null; // the visit being moved from the keyboard
      this.target = null; // {column, row} the move would go to
      this.marker = null;
      this.setUpFocus();
      grid.addEventListener("keydown", (event) => this.onKey(event));
      grid.addEventListener("click", (event) => this.onClick(event));
      grid.addEventListener("pointerdown", (event) => this.onPointerDown(event));
      // A visit is a link, and the browser would drag a link's address (and cancel the pointer).
      grid.addEventListener("dragstart", (event) => event.preventDefault());
      this.keepNowLineMoving();
      grid.dataset.ready = "true"; // for anyone waiting on the grid to answer (tests)
    }

    // --- Focus: one tab stop for the grid, arrow keys between its items ---------------------------

    items(column) {
      return Array.from(column.querySelectorAll(".cell, .appt")).sort((a, b) => rowOf(a) - rowOf(b));
    }

    setUpFocus() {
      const all = this.columns.flatMap((column) => this.items(column));
      all.forEach((item) => item.setAttribute("tabindex", "-1"));
      const first = all.find((item) => item.classList.contains("appt")) || all[0];
      if (first) first.setAttribute("tabindex", "0");
    }

    focusItem(item) {
      if (!item) return;
      this.grid.querySelectorAll('[tabindex="0"]').forEach((other) => other.setAttribute("tabindex", "-1"));
      item.setAttribute("tabindex", "0");
      item.focus();
    }

    nearest(column, row, direction) {
      const items = this.items(column);
      if (direction === 0) {
        return items.reduce((best, item) => (!best || Math.abs(rowOf(item) - row) < Math.abs(rowOf(best) - row) ? item : best), null);
      }
      const ahead = items.filter((item) => (direction > 0 ? rowOf(item) > row : rowOf(item) < row));
      return direction > 0 ? ahead[0] : ahead[ahead.length - 1];
    }

    onKey(event) {
      if (this.picked) {
        this.onMoveKey(event);
        return;
      }
      const item = event.target.closest(".cell, .appt");
      if (!item) return;
      const column = item.closest(".cal-column");
      const index = this.columns.indexOf(column);
      const row = rowOf(item);
      const moves = {
        ArrowUp: () => this.nearest(column, row, -1),
        ArrowDown: () => this.nearest(column, row, 1),
        ArrowLeft: () => this.columns[index - 1] && this.nearest(this.columns[index - 1], row, 0),
        ArrowRight: () => this.columns[index + 1] && this.nearest(this.columns[index + 1], row, 0),
      };
      if (moves[event.key]) {
        event.preventDefault();
        this.focusItem(moves[event.key]());
      } else if ((event.key === "m" || event.key === "M") && item.dataset.movable && this.moveUrl) {
        event.preventDefault();
        this.pick(item);
      }
    }

    // --- Moving from the keyboard -----------------------------------------------------------------

    pick(block) {
      this.picked = block;
      block.classList.add("picked");
      this.setTarget(block.closest(".cal-column"), rowOf(block));
    }

    onMoveKey(event) {
      const { column, row } = this.target;
      const index = this.columns.indexOf(column);
      const rows = this.rowCount(column);
      const steps = {
        ArrowUp: [column, Math.max(1, row - 1)],
        ArrowDown: [column, Math.min(rows - spanOf(this.picked) + 1, row + 1)],
        ArrowLeft: [this.columns[Math.max(0, index - 1)], row],
        ArrowRight: [this.columns[Math.min(this.columns.length - 1, index + 1)], row],
      };
      if (steps[event.key]) {
        event.preventDefault();
        this.setTarget(...steps[event.key]);
      } else if (event.key === "Enter") {
        event.preventDefault();
        const block = this.picked;
        this.dropPicked();
        this.send(block, column, row);
      } else if (event.key === "Escape") {
        event.preventDefault();
        const block = this.picked;
        this.dropPicked();
        this.announce("Move cancelled.");
        block.focus();
      } else if (event.key === "Tab") {
        this.dropPicked();
      }
    }

    dropPicked() {
      if (this.picked) this.picked.classList.remove("picked");
      this.picked = null;
      this.clearTarget();
    }

    // --- The target marker, shared by dragging and the keyboard ----------------------------------

    trackSizes(column) {
      const sizes = getComputedStyle(column).gridTemplateRows.split(" ").map(parseFloat);
      return { head: sizes[0], row: sizes[1] || sizes[0] };
    }

    rowCount(column) {
      const match = column.className.match(/\brows-(\d+)\b/);
      return match ? Number(match[1]) : 56;
    }

    timeOf(row) {
      const minutes = this.firstMinutes + (row - 1) * this.rowMinutes;
      return String(Math.floor(minutes / 60)).padStart(2, "0") + ":" + String(minutes % 60).padStart(2, "0");
    }

    setTarget(column, row) {
      const block = this.picked || this.dragged;
      this.target = { column, row };
      if (!this.marker) {
        this.marker = document.createElement("div");
        this.marker.className = "cal-target";
        this.marker.setAttribute("aria-hidden", "true");
      }
      const sizes = this.trackSizes(column);
      this.marker.style.top = sizes.head + (row - 1) * sizes.row + "px";
      this.marker.style.height = spanOf(block) * sizes.row + "px";
      column.appendChild(this.marker);
      this.announce(`Move to ${column.getAttribute("aria-label")} at ${this.timeOf(row)}. Enter moves it, Escape cancels.`);
    }

    clearTarget() {
      if (this.marker) this.marker.remove();
      this.target = null;
    }

    // --- Dragging with a pointer ------------------------------------------------------------------

    onPointerDown(event) {
      const block = event.target.closest(".appt[data-movable]");
      if (!block || !this.moveUrl || event.button !== 0) return;
      const start = { x: event.clientX, y: event.clientY };
      const grab = event.clientY - block.getBoundingClientRect().top; // where on the block it was held
      block.setPointerCapture(event.pointerId); // the moves that follow are the block's, wherever the pointer goes
      const onMove = (move) => {
        const dx = move.clientX - start.x;
        const dy = move.clientY - start.y;
        if (!this.dragged && Math.hypot(dx, dy) < DRAG_THRESHOLD) return;
        if (!this.dragged) {
          this.dragged = block;
          block.classList.add("dragging");
        }
        block.style.transform = `translate(${dx}px, ${dy}px)`;
        const spot = this.spotAt(move.clientX, move.clientY - grab);
        if (spot) this.setTarget(spot.column, spot.row);
      };
      const onUp = () => {
        block.removeEventListener("pointermove", onMove);
        block.removeEventListener("pointerup", onUp);
        block.removeEventListener("pointercancel", onUp);
        if (!this.dragged) return;
        const target = this.target;
        this.dragged = null;
        this.justDragged = true; // the click that ends a drag does not open the quick actions
        setTimeout(() => (this.justDragged = false), 0);
        this.clearTarget();
        block.classList.remove("dragging");
        if (target) {
          this.send(block, target.column, target.row);
        } else {
          block.style.transform = "";
        }
      };
      block.addEventListener("pointermove", onMove);
      block.addEventListener("pointerup", onUp);
      block.addEventListener("pointercancel", onUp);
    }

    spotAt(x, top) {
      const column = this.columns.find((candidate) => {
        const box = candidate.getBoundingClientRect();
        return x >= box.left && x <= box.right;
      });
      if (!column) return null;
      const sizes = this.trackSizes(column);
      const offset = top - column.getBoundingClientRect().top - sizes.head;
      const rows = this.rowCount(column);
      const row = Math.min(rows, Math.max(1, Math.round(offset / sizes.row) + 1));
      return { column, row };
    }

    // --- Asking the server ------------------------------------------------------------------------

    send(block, column, row, confirm = "") {
      const body = new FormData();
      body.append("appointment", block.dataset.id);
      body.append("therapist", column.dataset.therapist);
      body.append("day", column.dataset.day);
      body.append("start", this.timeOf(row));
      body.append("confirm", confirm);
      this.announce("Moving…");
      fetch(this.moveUrl, {
        method: "POST",
        body,
        headers: { "X-CSRFToken": csrfToken(), Accept: "application/json" },
        credentials: "same-origin",
      })
        .then((response) => response.json())
        .then((answer) => {
          if (answer.moved) {
            this.show(answer.message, "success");
            return refresh(block.dataset.id);
          }
          if (answer.warnings && window.confirm(`${answer.warnings.join("\n")}\n\nMove anyway?`)) {
            return this.send(block, column, row, answer.confirm);
          }
          block.style.transform = ""; // snaps back
          this.show(answer.message || "Not moved.", answer.warnings ? "warning" : "danger");
          block.focus();
          return null;
        })
        .catch(() => {
          block.style.transform = "";
          this.show("The calendar could not reach the server; the visit was not moved.", "danger");
          block.focus();
        });
    }

    show(text, kind) {
      if (this.message) {
        this.message.textContent = text;
        this.message.className = `alert alert-${kind}`;
      } else {
        this.announce(text);
      }
    }

    announce(text) {
      if (this.announcer) this.announcer.textContent = text;
    }

    // --- Quick actions ----------------------------------------------------------------------------

    onClick(event) {
      const block = event.target.closest(".appt");
      if (!block || event.ctrlKey || event.metaKey || event.shiftKey) return;
      event.preventDefault();
      if (this.justDragged) return;
      const dialog = document.getElementById("quick-actions");
      const back = window.location.pathname + window.location.search;
      fetch(`${this.actionsUrl}${block.dataset.id}/actions/?next=${encodeURIComponent(back)}`, { credentials: "same-origin", cache: "no-store" })
        .then((response) => {
          if (!response.ok) throw new Error(String(response.status));
          return response.text();
        })
        .then((html) => {
          document.getElementById("quick-actions-body").innerHTML = html;
          dialog.returnFocusTo = block;
          dialog.showModal();
        })
        .catch(() => {
          window.location.href = block.href; // the visit's own page has the same actions
        });
    }

    // --- The "now" line ---------------------------------------------------------------------------

    keepNowLineMoving() {
      const line = this.grid.querySelector("[data-now]");
      if (!line) return;
      let minutes = (rowOf(line) - 1) * this.rowMinutes + Number((line.className.match(/\bat-(\d+)\b/) || [0, 0])[1]);
      window.setInterval(() => {
        minutes += 1;
        const row = Math.floor(minutes / this.rowMinutes) + 1;
        if (row > this.rowCount(line.closest(".cal-column"))) {
          line.remove();
          return;
        }
        line.className = `now-line row-${row} at-${minutes % this.rowMinutes}`;
      }, 60000);
    }
  }

  // After a move, the grid is read again from the server and replaced, focus on the moved visit.
  function refresh(movedId) {
    return fetch(window.location.href, { credentials: "same-origin", cache: "no-store" })
      .then((response) => response.text())
      .then((html) => {
        const fresh = new DOMParser().parseFromString(html, "text/html").getElementById("calendar-grid");
        const current = document.getElementById("calendar-grid");
        if (!fresh || !current) return;
        current.replaceWith(fresh);
        const grid = new CalendarGrid(fresh);
        const moved = fresh.querySelector(`.appt[data-id="${movedId}"]`);
        if (moved) grid.focusItem(moved);
      });
  }

  document.addEventListener("click", (event) => {
    const close = event.target.closest("[data-close-dialog]");
    if (close) close.closest("dialog").close();
  });
  const dialog = document.getElementById("quick-actions");
  if (dialog) {
    dialog.addEventListener("close", () => {
      if (dialog.returnFocusTo && dialog.returnFocusTo.isConnected) dialog.returnFocusTo.focus();
    });
  }
  const grid = document.getElementById("calendar-grid");
  if (grid) new CalendarGrid(grid);
})();
