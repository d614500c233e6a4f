// Small DOM helpers: elements from data (text, never HTML), announcements, focus and field errors.

export function h(tag, attributes = {}, ...children) {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes || {})) {
    if (value === null || value === undefined || value === false) continue;
    if (name.startsWith("on")) element.addEventListener(name.slice(2), value);
    else if (name === "class") element.className = value;
    else element.setAttribute(name, value === true ? "" : String(value));
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    element.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return element;
}

// Replace an element's children, skipping null, undefined and false (optional parts of a view).
export function put(element, ...children) {
  element.replaceChildren(...children.flat().filter((child) => child !== null && child !== undefined && child !== false));
}

export function announce(message) {
  const region = document.getElementById("announce");
  region.textContent = "";
  window.setTimeout(() => { region.textContent = message; }, 50);
}

// Show a view: replace main's content, set the title, move focus to the view's heading.
export function show(title, ...content) {
  const main = document.getElementById("main");
  put(main, ...content);
  document.title = `${title} · Polls console`;
  const heading = main.querySelector("h1");
  if (heading) {
    heading.setAttribute("tabindex", "-1");
    heading.focus();
  }
}

export function when(iso) {
  if (!iso) return "—";
  const date = new Date(iso);
  return date.toLocaleString(undefined, { dateStyle: "medium", timeStyle: "short" });
}

// A labelled field with a hint and an error slot that aria-describedby points at.
export function field(id, label, control, hint) {
  control.id = id;
  const described = [];
  const parts = [h("label", { for: id }, label)];
  if (hint) {
    parts.push(h("p", { class: "hint", id: `${id}-hint` }, hint));
    described.push(`${id}-hint`);
  }
  parts.push(h("p", { class: "field-error", id: `${id}-error`, hidden: true }));
  described.push(`${id}-error`);
  control.setAttribute("aria-describedby", described.join(" "));
  parts.push(control);
  return h("div", { class: "field", "data-field": id }, ...parts);
}

export function setError(id, message) {
  const slot = document.getElementById(`${id}-error`);
  const control = document.getElementById(id);
  if (slot) {
    slot.textContent = message || "";
    slot.hidden = !message;
  }
  if (control) {
    if (message) control.setAttribute("aria-invalid", "true");
    else control.removeAttribute("aria-invalid");
  }
}

export function clearErrors(root) {
  for (const slot of root.querySelectorAll(".field-error")) {
    slot.textContent = "";
    slot.hidden = true;
  }
  for (const control of root.querySelectorAll("[aria-invalid]")) control.removeAttribute("aria-invalid");
}

// Ask for confirmation in a modal dialog; resolves true or false, and returns focus where it was.
export function confirmDialog(title, message, confirmLabel, danger = false) {
  const opener = document.activeElement;
  return new Promise((resolve) => {
    const dialog = h("dialog", { class: "dialog", "aria-labelledby": "dialog-title", "aria-describedby": "dialog-text" },
      h("h2", { id: "dialog-title" }, title),
      h("p", { id: "dialog-text" }, message),
      h("div", { class: "actions" },
        h("button", { type: "button", class: "secondary", value: "cancel" }, "Cancel"),
        h("button", { type: "button", class: danger ? "danger" : "primary", value: "confirm" }, confirmLabel)));
    const finish = (answer) => {
      dialog.close();
      dialog.remove();
      if (opener && typeof opener.focus === "function") opener.focus();
      resolve(answer);
    };
    dialog.addEventListener("click", (event) => {
      if (event.target instanceof HTMLButtonElement) finish(event.target.value === "confirm");
    });
    dialog.addEventListener("cancel", (event) => { event.preventDefault(); finish(false); });
    document.body.append(dialog);
    dialog.showModal();
    dialog.querySelector("button[value=cancel]").focus();
  });
}
