// A quiz in the poll form: the kind, a tick for each correct option, the explanation (issue 23).

import { field, h } from "./dom.js";

const KINDS = [["poll", "Poll (no right answer)"], ["quiz", "Quiz (a right answer, shown to a reader after their vote)"]];

// An option id made from a label, as the API makes them (core/text.py): a slug, numbered when taken.
function slugs(labels) {
  const taken = new Set();
  return labels.map((label, index) => {
    const ascii = label.normalize("NFKD").replace(/[^\x00-\x7f]/g, "").toLowerCase().replaceAll("'", "");
    const base = ascii.replace(/[^a-z0-9]+/g, "-").replace(/^-+|-+$/g, "").slice(0, 40).replace(/-+$/, "") || `option-${index + 1}`;
    let id = base;
    for (let n = 2; taken.has(id); n += 1) id = `${base}-${n}`;
    taken.add(id);
    return id;
  });
}

// The quiz's fields for a poll being created (poll null) or edited; `labels()` reads the option labels as typed.
export function quizFields(poll, labels, editing) {
  const kind = h("select", {}, KINDS.map(([value, label]) => h("option", { value, selected: value === (poll?.kind || "poll") }, label)));
  const ticks = h("div", { class: "quiz-ticks" });
  const correct = h("fieldset", { class: "field", id: "poll-correct", "aria-describedby": "poll-correct-error" },
    h("legend", {}, "Correct options"),
    h("p", { class: "hint" }, "Tick every option a right answer must choose (at most the most choices a reader may tick)."),
    h("p", { class: "field-error", id: "poll-correct-error", hidden: true }),
    ticks);
  const explanation = h("textarea", { rows: 3, maxlength: 600 }, poll?.explanation || "");
  const explained = field("poll-explanation", "Explanation (optional)", explanation, "Up to 600 characters, shown with the answer after the vote.");
  // The ticked rows, by position: a tick stays with its row while its label is typed.
  const chosen = new Set((poll?.options || []).flatMap((o, i) => ((poll.correct || []).includes(o.id) ? [i] : [])));

  // The ids the options will have: the poll's own while its labels are unchanged, else slugs of the labels.
  const ids = () => {
    const typed = labels();
    const same = poll && JSON.stringify(typed) === JSON.stringify(poll.options.map((o) => o.label));
    return same ? poll.options.map((o) => o.id) : slugs(typed);
  };
  const refresh = () => {
    const isQuiz = kind.value === "quiz";
    correct.hidden = explained.hidden = !isQuiz;
    const now = ids();
    const typed = labels();
    const boxes = [...ticks.querySelectorAll("input")];
    if (boxes.length === now.length && boxes.every((box, i) => box.value === now[i] && box.nextSibling.textContent === (typed[i] || `Option ${i + 1}`))) return;
    for (const i of chosen) if (i >= now.length) chosen.delete(i);
    ticks.replaceChildren(...now.map((id, i) => {
      const box = h("input", { type: "checkbox", value: id, checked: chosen.has(i) });
      box.addEventListener("change", () => (box.checked ? chosen.add(i) : chosen.delete(i)));
      return h("label", { class: "tick" }, box, h("span", {}, typed[i] || `Option ${i + 1}`));
    }));
  };
  kind.addEventListener("change", refresh);
  refresh();

  const correctNow = () => ids().filter((id, i) => chosen.has(i));
  return {
    elements: [field("poll-kind", "Kind", kind, editing ? "The kind and the correct options can change only while the poll has no votes." : null), correct, explained],
    refresh,
    isQuiz: () => kind.value === "quiz",
    // Options as the API takes them: for a quiz, with the ids `correct` names.
    options: (typed) => (kind.value === "quiz" ? ids().map((id, i) => ({ id, label: typed[i] })) : typed),
    // The create request's quiz fields.
    created: () => (kind.value === "quiz" ? { kind: "quiz", correct: correctNow(), ...(explanation.value.trim() ? { explanation: explanation.value.trim() } : {}) } : {}),
    // The change request's quiz fields: only what differs from the poll.
    changed: () => {
      const out = {};
      const isQuiz = kind.value === "quiz";
      if (kind.value !== (poll.kind || "poll")) out.kind = kind.value;
      const wanted = isQuiz ? correctNow() : [];
      if (JSON.stringify(wanted) !== JSON.stringify(poll.correct || [])) out.correct = wanted;
      const text = isQuiz ? explanation.value.trim() || null : null;
      if (text !== (poll.explanation ?? null)) out.explanation = text;
      return out;
    },
  };
}
