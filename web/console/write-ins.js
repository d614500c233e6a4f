// A poll's write-in answers for moderation: each distinct answer with its votes, first and last seen and sample
// spellings; approve (optionally relabelled), merge into an option, or reject. Answers rejected automatically (a
// link, an address, a phone number, a listed word) are listed apart. Everything readers typed is shown as text.

import * as api from "./api.js";
import { announce, h, put, when } from "./dom.js";

const REASONS = { link: "a link", email: "an e-mail address", phone: "a phone number", words: "a word on the list" };
const STATUS = { pending: "Waiting", approved: "Approved", merged: "Merged", rejected: "Rejected", auto_rejected: "Rejected automatically" };

// The label editors know an option by (an approved answer is an option too).
function optionLabel(options, id) {
  return options.find((o) => o.id === id)?.label ?? id;
}

export function writeInsSection(poll) {
  const path = `/polls/${encodeURIComponent(poll.id)}`;
  const box = h("div", {}, h("p", {}, "Loading the write-in answers…"));
  const status = h("p", { class: "hint", role: "status" });

  async function decide(answer, body, done) {
    status.textContent = "Saving…";
    try {
      const now = await api.post(`${path}/write-ins/${encodeURIComponent(answer.id)}`, body);
      const said = `“${answer.text}” is now ${STATUS[now.status].toLowerCase()}${now.into ? ` into “${now.label || now.into}”` : ""}.`;
      status.textContent = said;
      announce(said);
      await load();
      done?.();
    } catch (error) {
      status.textContent = `The decision was not saved: ${error.message}`;
    }
  }

  function actions(answer, options, index) {
    const name = `“${answer.text}”`;
    const label = h("input", { type: "text", maxlength: 200, value: answer.label || answer.text, "aria-label": `Label for ${name} when approved` });
    const approve = h("button", { type: "button", class: "secondary", onclick: () => {
      const wanted = label.value.trim();
      decide(answer, wanted && wanted !== answer.text ? { action: "approve", label: wanted } : { action: "approve" });
    } }, "Approve");
    const targets = options.filter((o) => o.id !== answer.id);
    const into = h("select", { "aria-label": `Option to merge ${name} into` },
      targets.map((o) => h("option", { value: o.id, selected: o.id === answer.into }, o.label)));
    const merge = h("button", { type: "button", class: "secondary", onclick: () => decide(answer, { action: "merge", into: into.value }) }, "Merge");
    const reject = h("button", { type: "button", class: "secondary", onclick: () => decide(answer, { action: "reject" }) }, "Reject");
    for (const [button, what] of [[approve, "Approve"], [merge, "Merge"], [reject, "Reject"]]) {
      button.setAttribute("aria-label", `${what} ${name}`);
      button.dataset.answer = String(index);
    }
    return h("div", { class: "write-in-actions" }, label, approve, into, merge, reject);
  }

  function table(caption, answers, options, showReason) {
    return h("div", { class: "table-wrap", tabindex: "0", role: "region", "aria-label": caption },
      h("table", { class: "write-ins" },
        h("caption", {}, caption),
        h("thead", {}, h("tr", {},
          ["Answer", "Votes", showReason ? "Why" : "Status", "First seen", "Last seen", "Spellings", "Decision"].map((c) => h("th", { scope: "col" }, c)))),
        h("tbody", {}, answers.map((answer, index) => h("tr", { "data-answer-id": answer.id },
          h("th", { scope: "row" }, answer.text),
          h("td", {}, answer.votes),
          h("td", {}, showReason ? `Holds ${REASONS[answer.reason] || answer.reason}` :
            STATUS[answer.status] + (answer.into ? `: into “${optionLabel(options, answer.into)}”` : "")),
          h("td", {}, when(answer.first)),
          h("td", {}, when(answer.last)),
          h("td", {}, h("ul", { class: "spellings" }, answer.spellings.map((s) => h("li", {}, s)))),
          h("td", {}, actions(answer, options, index)))))));
  }

  async function load() {
    let queue, current;
    try {
      [queue, current] = await Promise.all([api.get(`${path}/write-ins`), api.get(`${path}/admin`)]);
    } catch (error) {
      put(box, h("p", {}, `The write-in answers could not be loaded: ${error.message}`));
      return;
    }
    const answers = queue.answers;
    const automatic = answers.filter((a) => a.status === "auto_rejected");
    const waiting = answers.filter((a) => a.status === "pending");
    const decided = answers.filter((a) => a.status !== "auto_rejected" && a.status !== "pending");
    put(box,
      h("p", { class: "hint" }, "Readers' own answers, counted like options. None is shown to readers until you approve it: " +
        "until then its votes count in the results' “Other” line, without its text. Approving makes it an option with the " +
        "votes it has; merging counts its votes in the option you choose; rejecting keeps them under “Other”."),
      answers.length ? null : h("p", {}, "No reader has written an answer in yet."),
      queue.unlisted_votes ? h("p", { class: "hint", "data-unlisted": "" }, `${queue.unlisted_votes} more ` +
        `${queue.unlisted_votes === 1 ? "vote" : "votes"} went to answers written in after the first ` +
        `${queue.limit.toLocaleString("en")}: they count in “Other” and are not listed.`) : null,
      waiting.length ? table(`Waiting for a decision (${waiting.length})`, waiting, current.options, false) : null,
      decided.length ? table(`Decided (${decided.length})`, decided, current.options, false) : null,
      automatic.length ? table(`Rejected automatically (${automatic.length})`, automatic, current.options, true) : null);
  }

  return { element: h("div", {}, box, status), load };
}
