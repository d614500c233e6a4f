// Quizzes: the list (each with its score distribution) and the form that creates or changes one.

import * as api from "./api.js";
import { announce, clearErrors, field, h, put, setError, show, when } from "./dom.js";

const enc = encodeURIComponent;

function scoreLine(found) {
  const { readers, scores } = found.distribution;
  if (!readers) return "No scores yet.";
  return `${readers} reader${readers === 1 ? "" : "s"}: ` +
    scores.map((s) => `${s.score}/${found.out_of} ${Math.round(s.share * 1000) / 10}%`).join(", ");
}

export async function quizListView() {
  const results = h("div", { class: "list-results" }, h("p", {}, "Loading quizzes…"));
  show("Quizzes", h("div", { class: "title-row" }, h("h1", {}, "Quizzes"), h("a", { class: "button primary", href: "#/quizzes/new" }, "New quiz")), results);
  let found;
  try {
    found = (await api.get("/quizzes")).quizzes;
  } catch (error) {
    return put(results, h("p", { class: "form-error", role: "alert" }, error.message));
  }
  const scores = await Promise.all(found.map((quiz) => api.get(`/quizzes/${enc(quiz.id)}/scores`).catch(() => null)));
  const rows = found.map((quiz, index) => h("tr", {},
    h("th", { scope: "row" }, h("a", { href: `#/quizzes/${enc(quiz.id)}/edit` }, quiz.title)),
    h("td", {}, String(quiz.polls.length)),
    h("td", {}, scores[index] ? scoreLine(scores[index]) : "—"),
    h("td", {}, when(quiz.created_at)),
    h("td", {}, quiz.id)));
  put(results,
    h("p", { role: "status" }, found.length ? `${found.length} quiz${found.length === 1 ? "" : "zes"}.` : "No quizzes yet."),
    found.length ? h("div", { class: "table-wrap", tabindex: "0", role: "region", "aria-label": "Quizzes" },
      h("table", {},
        h("thead", {}, h("tr", {}, ["Title", "Questions", "Scores", "Created", "Id"].map((name) => h("th", { scope: "col" }, name)))),
        h("tbody", {}, rows))) : null);
}

export async function quizFormView(_context, quizId) {
  const editing = Boolean(quizId);
  let quiz = null;
  if (editing) {
    try {
      quiz = (await api.get("/quizzes")).quizzes.find((found) => found.id === quizId);
    } catch (error) {
      return show("Quiz", h("h1", {}, "Quiz"), h("p", { class: "form-error", role: "alert" }, error.message));
    }
    if (!quiz) return show("Quiz", h("h1", {}, "Quiz"), h("p", { role: "alert" }, "No quiz has this id."));
  }
  const title = h("input", { type: "text", name: "title", maxlength: "300", required: true, value: quiz ? quiz.title : "" });
  const polls = h("textarea", { name: "polls", rows: "6", required: true }, quiz ? quiz.polls.join("\n") : "");
  const id = h("input", { type: "text", name: "id", pattern: "[a-z0-9-]{3,64}", value: quiz ? quiz.id : "", disabled: editing });
  const problem = h("p", { class: "form-error", role: "alert", tabindex: "-1", hidden: true });
  const form = h("form", { class: "quiz-form", novalidate: true },
    problem,
    field("quiz-title", "Title", title),
    field("quiz-polls", "Poll ids, one a line, in order", polls,
      "2 to 20 quiz polls (kind quiz, with their correct options). New polls start the scores afresh."),
    field("quiz-id", "Id", id, editing ? "An id cannot change." : "Optional: a-z, 0-9 and -, 3 to 64 characters."),
    h("div", { class: "actions" },
      h("button", { type: "submit", class: "primary" }, editing ? "Save changes" : "Create quiz"),
      editing ? h("button", { type: "button", class: "danger", onclick: remove }, "Delete quiz") : null));
  const ids = { title: "quiz-title", polls: "quiz-polls", id: "quiz-id" };

  async function remove() {
    try {
      await api.remove(`/quizzes/${enc(quizId)}`);
      announce("Quiz deleted.");
      window.location.hash = "#/quizzes";
    } catch (error) {
      fail(error);
    }
  }

  function fail(error) {
    const name = (error.field || "").split("[")[0];
    const target = ids[name] && document.getElementById(ids[name]);
    if (target) {
      setError(ids[name], error.message);
      return target.focus();
    }
    problem.textContent = error.message;
    problem.hidden = false;
    problem.focus();
  }

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    clearErrors(form);
    problem.hidden = true;
    const body = { title: title.value.trim(), polls: polls.value.split(/\s+/).filter(Boolean) };
    if (!editing && id.value.trim()) body.id = id.value.trim();
    try {
      if (editing) await api.patch(`/quizzes/${enc(quizId)}`, body);
      else await api.post("/quizzes", body);
      announce(editing ? "Changes saved." : "Quiz created.");
      window.location.hash = "#/quizzes";
    } catch (error) {
      fail(error);
    }
  });
  const heading = editing ? "Edit quiz" : "New quiz";
  show(heading, h("h1", {}, heading), form);
}
