// Create and edit a poll: labelled fields, the API's invalid_poll messages next to their field, a live preview.

import * as api from "./api.js";
import { announce, clearErrors, field, h, setError, show } from "./dom.js";
import { loadWidget, previewDraft } from "./preview.js";
import { quizFields } from "./quiz.js";

const VISIBILITY = [["always", "Always"], ["after_vote", "After the reader votes"], ["after_close", "After the poll closes"], ["never", "Never (editors only)"]];
const BLOCKING = [["voter", "One vote per browser"], ["voter_and_ip", "One vote per browser, and a limit per IP address"], ["none", "No blocking (repeat votes allowed)"]];
const DISCLAIMERS = [["standard", "The standard line, in the reader's language"], ["custom", "My own text"], ["off", "None"]];
const CHALLENGES = [["proof_of_work", "Proof of work in the reader's browser"], ["turnstile", "Cloudflare Turnstile"], ["none", "None"]];
const PROOFS = [["", "This stage's default"], ["scrypt", "scrypt (memory-hard: a GPU gains far less)"], ["pbkdf2", "PBKDF2 (for pages whose CSP refuses WebAssembly)"]];
// Where an API error's `field` (or code) is shown: the field's control id.
const FIELD_IDS = {
  id: "poll-id", question: "poll-question", options: "poll-options", opens_at: "poll-opens", closes_at: "poll-closes",
  max_choices: "poll-max", results_visibility: "poll-visibility", repeat_votes: "poll-block", "repeat_votes.block": "poll-block",
  "repeat_votes.ip_limit": "poll-ip-limit", challenge: "poll-challenge", proof_algorithm: "poll-proof", disclaimer: "poll-disclaimer-text",
  article_url: "poll-article", kind: "poll-kind", correct: "poll-correct", explanation: "poll-explanation",
  write_in: "poll-write-in",
};
const CODE_FIELDS = { poll_exists: "id", poll_has_votes: "options" };

function localInput(iso) {
  if (!iso) return "";
  const date = new Date(iso);
  const pad = (n) => String(n).padStart(2, "0");
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}T${pad(date.getHours())}:${pad(date.getMinutes())}`;
}

function isoOf(value) {
  return value ? new Date(value).toISOString().replace(/\.\d{3}Z$/, "Z") : null;
}

function select(choices, chosen) {
  return h("select", {}, choices.map(([value, label]) => h("option", { value, selected: value === chosen }, label)));
}

export async function formView({ session, onStop }, pollId) {
  const editing = Boolean(pollId);
  let poll = null;
  let challengeKnown = false;
  let proofKnown = false; // the API offers `proof_algorithm`
  if (editing) {
    try {
      poll = await api.get(`/polls/${encodeURIComponent(pollId)}/admin`);
    } catch (error) {
      show("Poll not found", h("h1", {}, "This poll cannot be edited"), h("p", { role: "alert" }, error.message), h("a", { href: "#/polls" }, "Back to the polls"));
      return;
    }
    challengeKnown = "challenge" in poll;
    proofKnown = "proof_algorithm" in poll;
  } else {
    // The stuffing defences add `challenge` to polls; offer the field only once the API knows it.
    const sample = await api.get("/polls?limit=1").catch(() => ({ polls: [] }));
    challengeKnown = sample.polls.length > 0 && "challenge" in sample.polls[0];
    proofKnown = sample.polls.length > 0 && "proof_algorithm" in sample.polls[0];
  }
  const draft = poll || { question: "", options: [{ label: "" }, { label: "" }], max_choices: 1, results_visibility: "always", repeat_votes: { block: "voter", ip_limit: 20 } };

  const question = h("textarea", { rows: 3, maxlength: 300, required: true }, draft.question);
  const optionList = h("ol", { class: "option-list" });
  const addOption = h("button", { type: "button", class: "secondary" }, "Add option");
  const idInput = h("input", { type: "text", pattern: "[a-z0-9-]{3,64}", autocomplete: "off", spellcheck: "false" });
  const opens = h("input", { type: "datetime-local", value: localInput(editing ? draft.opens_at : null) });
  const closes = h("input", { type: "datetime-local", value: localInput(draft.closes_at) });
  const maxChoices = h("input", { type: "number", min: 1, max: 20, value: draft.max_choices, inputmode: "numeric" });
  const visibility = select(VISIBILITY, draft.results_visibility);
  const block = select(BLOCKING, draft.repeat_votes.block);
  const ipLimit = h("input", { type: "number", min: 1, max: 1000000, value: draft.repeat_votes.ip_limit || 20, inputmode: "numeric" });
  const challenge = select(CHALLENGES, draft.challenge || "proof_of_work");
  const proof = select(editing ? PROOFS.slice(1) : PROOFS, draft.proof_algorithm || "");
  const given = draft.disclaimer === undefined ? true : draft.disclaimer;
  const disclaimer = select(DISCLAIMERS, given === true ? "standard" : given === false ? "off" : "custom");
  const disclaimerText = h("input", { type: "text", maxlength: 200, value: typeof given === "string" ? given : "" });
  const article = h("input", { type: "url", maxlength: 2000, value: draft.article_url || "", autocomplete: "off", spellcheck: "false" });
  const writeIn = h("input", { type: "checkbox", checked: Boolean(draft.write_in) });
  const problem = h("p", { class: "form-error", role: "alert", tabindex: "-1", hidden: true });
  const preview = h("div", { class: "preview-box" });
  const labels = () => [...optionList.querySelectorAll("input[data-option]")].map((input) => input.value);
  const quiz = quizFields(poll, labels, editing);

  function optionRow(label, index) {
    const input = h("input", { type: "text", maxlength: 200, value: label, "data-option": "" });
    const remove = h("button", { type: "button", class: "link" }, "Remove");
    const row = h("li", {}, field(`poll-option-${index}`, `Option ${index + 1}`, input), remove);
    remove.addEventListener("click", () => {
      if (optionList.children.length <= 2) return announce("A poll needs at least two options.");
      row.remove();
      renumber();
      optionList.querySelector("input").focus();
      update();
    });
    return row;
  }
  function renumber() {
    [...optionList.children].forEach((row, index) => {
      const input = row.querySelector("input");
      const label = row.querySelector("label");
      const old = input.id;
      input.id = `poll-option-${index}`;
      label.setAttribute("for", input.id);
      label.textContent = `Option ${index + 1}`;
      row.querySelector(".field-error").id = `${input.id}-error`;
      input.setAttribute("aria-describedby", `${input.id}-error`);
      if (old !== input.id) row.querySelector(".field").dataset.field = input.id;
    });
  }
  draft.options.forEach((option, index) => optionList.append(optionRow(option.label, index)));
  addOption.addEventListener("click", () => {
    if (optionList.children.length >= 20) return announce("A poll has at most 20 options.");
    const row = optionRow("", optionList.children.length);
    optionList.append(row);
    row.querySelector("input").focus();
  });

  const optionsGroup = h("fieldset", { class: "field", id: "poll-options", "aria-describedby": "poll-options-error" },
    h("legend", {}, "Options"),
    h("p", { class: "field-error", id: "poll-options-error", hidden: true }),
    optionList, addOption);
  const ipField = field("poll-ip-limit", "Votes allowed per IP address", ipLimit);
  const showIp = () => { ipField.hidden = block.value !== "voter_and_ip"; };
  block.addEventListener("change", showIp);
  showIp();
  const textField = field("poll-disclaimer-text", "Disclaimer text", disclaimerText, "Up to 200 characters, one line.");
  const showText = () => { textField.hidden = disclaimer.value !== "custom"; };
  disclaimer.addEventListener("change", showText);
  showText();
  const disclaimerValue = () => (disclaimer.value === "standard" ? true : disclaimer.value === "off" ? false : disclaimerText.value);
  const proofField = field("poll-proof", "Proof of work", proof, "What the reader's browser computes: scrypt needs 'wasm-unsafe-eval' in a page's CSP.");
  const showProof = () => { proofField.hidden = !proofKnown || challenge.value !== "proof_of_work"; };
  challenge.addEventListener("change", showProof);
  showProof();
  const setOnCreate = editing ? "Set when the poll is created." : null;
  for (const control of [maxChoices, visibility, block, ipLimit]) if (editing) control.disabled = true;

  const form = h("form", { class: "poll-form", novalidate: true },
    problem,
    editing ? null : field("poll-id", "Poll id (optional)", idInput, "Lower-case letters, digits and hyphens, 3 to 64; random when empty."),
    field("poll-question", "Question", question, "Up to 300 characters."),
    optionsGroup,
    ...quiz.elements,
    h("fieldset", { class: "field" }, h("legend", {}, "Schedule"),
      field("poll-opens", "Opens at", opens, editing ? "Your local time." : "Your local time; empty opens it now."),
      field("poll-closes", "Closes at", closes, "Your local time; empty keeps it open until an editor closes it.")),
    field("poll-max", "Most choices a reader may tick", maxChoices, setOnCreate || "1 is a single-choice poll."),
    field("poll-visibility", "Results visible to readers", visibility, setOnCreate),
    field("poll-block", "Repeat-vote blocking", block, setOnCreate),
    ipField,
    challengeKnown
      ? field("poll-challenge", "Bot challenge", challenge, "What a reader's browser must pass before a vote counts.")
      : h("p", { class: "hint waiting" }, "Bot challenge: this API does not offer one."),
    proofField,
    field("poll-disclaimer", "Disclaimer", disclaimer, "Shown with the poll, its results, its share card and CSV: \u201cReaders' poll: a self-selected sample, not a scientific survey.\u201d"),
    textField,
    field("poll-article", "Article link (optional)", article, "The story the poll belongs to (https): its pages link back to it."),
    field("poll-write-in", "Readers may write in their own answer", writeIn, "Held for moderation on the poll's page: none is shown to readers before you approve it."),
    h("div", { class: "actions" },
      h("button", { type: "submit", class: "primary" }, editing ? "Save changes" : "Create poll"),
      h("a", { class: "button secondary", href: editing ? `#/polls/${encodeURIComponent(pollId)}` : "#/polls" }, "Cancel")));

  function body() {
    const options = labels();
    const wanted = { question: question.value, options: quiz.options(options), ...(editing ? {} : quiz.created()) };
    if (!editing) {
      if (idInput.value.trim()) wanted.id = idInput.value.trim();
      if (opens.value) wanted.opens_at = isoOf(opens.value);
      if (closes.value) wanted.closes_at = isoOf(closes.value);
      wanted.max_choices = Number(maxChoices.value);
      wanted.results_visibility = visibility.value;
      wanted.repeat_votes = block.value === "voter_and_ip" ? { block: block.value, ip_limit: Number(ipLimit.value) } : { block: block.value };
      if (challengeKnown) wanted.challenge = challenge.value;
      if (proofKnown && proof.value) wanted.proof_algorithm = proof.value;
      wanted.disclaimer = disclaimerValue();
      if (article.value.trim()) wanted.article_url = article.value.trim();
      if (writeIn.checked) wanted.write_in = true;
      return wanted;
    }
    const changed = {};
    if (question.value !== poll.question) changed.question = question.value;
    if (JSON.stringify(options) !== JSON.stringify(poll.options.map((o) => o.label))) changed.options = quiz.options(options);
    Object.assign(changed, quiz.changed());
    const opensAt = isoOf(opens.value);
    if (opens.value && opensAt !== poll.opens_at) changed.opens_at = opensAt;
    const closesAt = isoOf(closes.value);
    if (closesAt !== poll.closes_at) changed.closes_at = closesAt;
    if (challengeKnown && challenge.value !== poll.challenge) changed.challenge = challenge.value;
    if (proofKnown && proof.value !== poll.proof_algorithm) changed.proof_algorithm = proof.value;
    if (disclaimerValue() !== given) changed.disclaimer = disclaimerValue();
    const link = article.value.trim() || null;
    if (link !== (poll.article_url || null)) changed.article_url = link;
    if (writeIn.checked !== Boolean(poll.write_in)) changed.write_in = writeIn.checked;
    return changed;
  }

  let timer = null;
  function update() {
    quiz.refresh();
    window.clearTimeout(timer);
    timer = window.setTimeout(() => {
      const options = [...optionList.querySelectorAll("input[data-option]")].map((input, index) => ({ id: `option-${index}`, label: input.value || `Option ${index + 1}` }));
      previewDraft(preview, {
        question: question.value || "Your question",
        options,
        status: "open",
        opens_at: null,
        closes_at: isoOf(closes.value),
        max_choices: Math.max(1, Math.min(Number(maxChoices.value) || 1, options.length)),
        results_visibility: visibility.value,
        challenge: "none",
        disclaimer: disclaimer.value === "custom" ? disclaimerText.value.trim() || true : disclaimerValue(),
        article_url: article.value.trim() || null,
      });
    }, 250);
  }
  form.addEventListener("input", update);
  form.addEventListener("change", update);
  onStop(() => window.clearTimeout(timer));

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    clearErrors(form);
    problem.hidden = true;
    const wanted = body();
    if (editing && Object.keys(wanted).length === 0) {
      problem.textContent = "Nothing has changed.";
      problem.hidden = false;
      return problem.focus();
    }
    try {
      const saved = editing ? await api.patch(`/polls/${encodeURIComponent(pollId)}`, wanted) : await api.post("/polls", wanted);
      announce(editing ? "Changes saved." : "Poll created.");
      window.location.hash = `#/polls/${encodeURIComponent(saved.id)}`;
    } catch (error) {
      showError(error);
    }
  });

  function showError(error) {
    const name = error.field || CODE_FIELDS[error.code];
    let target = null;
    if (name) {
      const option = name.match(/^options\[(\d+)\]/);
      const base = name.split(/[.[]/)[0];
      const id = option ? `poll-option-${option[1]}` : FIELD_IDS[name] || FIELD_IDS[base];
      if (id && document.getElementById(id) && !document.getElementById(id).closest("[hidden]")) {
        const text = error.message.replace(/^[\w.[\]]+: /, "");
        setError(id, text.charAt(0).toUpperCase() + text.slice(1));
        target = document.getElementById(id);
        if (target.tagName === "FIELDSET") target = target.querySelector("input") || target;
      }
    }
    if (!target) {
      problem.textContent = error.message;
      problem.hidden = false;
      target = problem;
    }
    target.focus();
  }

  const title = editing ? "Edit poll" : "New poll";
  show(title, h("h1", {}, title),
    h("div", { class: "form-layout" }, form,
      h("aside", { class: "preview", "aria-labelledby": "preview-title" },
        h("h2", { id: "preview-title" }, "Preview"),
        h("p", { class: "hint" }, "The real widget, as readers will see it. A vote here counts nowhere."),
        preview)));
  await loadWidget(new URL("../widget/poll-widget.js", window.location.href).href);
  update();
}
