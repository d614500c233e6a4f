// The editors' console: sign in, then a hash router over the views. Plain ES modules, no build step.

import * as api from "./api.js";
import * as auth from "./auth.js";
import { auditView } from "./audit.js";
import { announce, field, h, setError, show } from "./dom.js";
import { formView } from "./form.js";
import { listView } from "./list.js";
import { pollView } from "./poll.js";
import { quizFormView, quizListView } from "./quizzes.js";

const state = { config: null, stop: null };

function route() {
  const hash = window.location.hash;
  if (!hash.startsWith("#/")) return; // e.g. the skip link (#main): not a view
  if (state.stop) state.stop(); // the previous view's timers
  state.stop = null;
  const session = auth.current();
  renderHeader(session);
  if (!session) return signInView();
  const [path, search] = hash.slice(1).split("?");
  const params = new URLSearchParams(search || "");
  const parts = path.split("/").filter(Boolean).map(decodeURIComponent);
  const context = { config: state.config, session, params, onStop: (stop) => { state.stop = stop; } };
  if (parts[0] === "audit") return auditView(context);
  if (parts[0] === "quizzes" && parts[1] === "new") return quizFormView(context, null);
  if (parts[0] === "quizzes" && parts[1] && parts[2] === "edit") return quizFormView(context, parts[1]);
  if (parts[0] === "quizzes") return quizListView(context);
  if (parts[0] === "polls" && parts[1] === "new") return formView(context, null);
  if (parts[0] === "polls" && parts[1] && parts[2] === "edit") return formView(context, parts[1]);
  if (parts[0] === "polls" && parts[1]) return pollView(context, parts[1]);
  return listView(context);
}

function renderHeader(session) {
  document.getElementById("nav").hidden = !session;
  document.getElementById("who").hidden = !session;
  if (session) {
    const role = auth.isAdmin(session) ? "admin" : "editor";
    document.getElementById("who-name").textContent = `${session.email} (${role})`;
  }
}

function signedOut(message) {
  auth.forget();
  renderHeader(null);
  signInView(message);
}

function signInView(message) {
  const email = h("input", { type: "email", name: "email", autocomplete: "username", required: true });
  const password = h("input", { type: "password", name: "password", autocomplete: "current-password", required: true });
  const problem = h("p", { class: "form-error", role: "alert", hidden: !message }, message || "");
  const form = h("form", { class: "signin", novalidate: true },
    problem,
    field("signin-email", "Email", email),
    field("signin-password", "Password", password),
    h("button", { type: "submit", class: "primary" }, "Sign in"));
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    problem.hidden = true;
    setError("signin-email", email.value.trim() ? "" : "Enter your email address.");
    setError("signin-password", password.value ? "" : "Enter your password.");
    if (!email.value.trim()) return email.focus();
    if (!password.value) return password.focus();
    try {
      const answer = await auth.signIn(state.config, email.value.trim(), password.value);
      if (answer.challenge === "NEW_PASSWORD_REQUIRED") return newPasswordView(answer);
      if (answer.challenge) throw new auth.AuthError(answer.challenge, "Sign-in needs a step this console does not support yet.");
      announce("Signed in.");
      if (window.location.hash.startsWith("#/")) route();
      else window.location.hash = "#/polls";
    } catch (error) {
      const wrong = error.code === "NotAuthorizedException" || error.code === "UserNotFoundException";
      if (wrong) {
        setError("signin-password", "The email or password is not right.");
        password.focus();
      } else {
        problem.textContent = error.message;
        problem.hidden = false;
        problem.focus();
      }
    }
  });
  problem.setAttribute("tabindex", "-1");
  show("Sign in", h("h1", {}, "Sign in to the polls console"),
    h("p", {}, "Editors and admins of this newsroom sign in with their newsroom account."), form);
}

function newPasswordView(answer) {
  const password = h("input", { type: "password", autocomplete: "new-password", required: true });
  const form = h("form", { class: "signin", novalidate: true },
    field("new-password", "New password", password, "At least 12 characters, with upper and lower case letters and a number."),
    h("button", { type: "submit", class: "primary" }, "Set password and sign in"));
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    try {
      await auth.setNewPassword(state.config, answer.email, answer.cognitoSession, password.value);
      window.location.hash = "#/polls";
      route();
    } catch (error) {
      setError("new-password", error.message);
      password.focus();
    }
  });
  show("Choose a password", h("h1", {}, "Choose your password"), h("p", {}, "This is your first sign-in: choose your own password."), form);
}

async function start() {
  const response = await fetch("config.json", { cache: "no-store" });
  state.config = await response.json();
  api.configure(state.config, signedOut);
  document.getElementById("sign-out").addEventListener("click", async () => {
    if (state.stop) state.stop();
    await auth.signOut(state.config);
    renderHeader(null);
    announce("Signed out.");
    signInView("You have signed out.");
  });
  window.addEventListener("hashchange", route);
  if (!window.location.hash.startsWith("#/")) window.location.hash = "#/polls";
  else route();
}

start().catch(() => {
  show("Unavailable", h("h1", {}, "The console cannot start"), h("p", {}, "Its configuration (config.json) could not be loaded."));
});
