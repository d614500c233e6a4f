/*
 * A multi-question quiz in a news page, one poll after another through the poll widget's own embed.
 *
 *   <div data-quiz-id="QUIZ_ID" data-site="https://SITE"></div>
 *   <script src="https://SITE/widget/quiz.js" defer></script>
 *
 * The widget (poll-widget.js beside this file) is loaded if the page has not loaded it. The reader's progress and
 * running score stay in their browser (localStorage "pollq:<quiz id>"); at the end the score is posted with the
 * widget's voter token, and the API works it out from the reader's own ballots and counts it once. The answer,
 * "You got N of M" and the share of readers per score, is announced to screen readers.
 */
(() => {
  "use strict";
  const SRC = document.currentScript?.src || location.href;
  const memory = {};
  const load = (key) => {
    let value;
    try {
      value = localStorage.getItem(key);
    } catch (e) {}
    value ??= memory[key] ?? null;
    try {
      return JSON.parse(value);
    } catch (e) {
      return value;
    }
  };
  const save = (key, value) => {
    memory[key] = JSON.stringify(value);
    try {
      localStorage.setItem(key, memory[key]);
    } catch (e) {}
  };
  const h = (tag, attrs, ...kids) => {
    const el = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs)) v?.call ? el.addEventListener(k, v) : v != null && v !== false && el.setAttribute(k, v);
    el.append(...kids.filter((k) => k != null));
    return el;
  };
  const percent = new Intl.NumberFormat("en", { style: "percent", maximumFractionDigits: 1 });
  const plural = (n, one, other) => `${n} ${n == 1 ? one : other}`;
  const same = (a, b) => a.length == b.length && a.every((x) => b.includes(x));

  // The widget, loaded beside this file unless the page has it.
  const widget = () =>
    window.PollWidget
      ? Promise.resolve(window.PollWidget)
      : new Promise((done, fail) => {
          const ready = () => (window.PollWidget ? done(window.PollWidget) : fail(new Error("no widget")));
          const script = document.querySelector('script[src*="poll-widget"]');
          if (script && !window.PollWidget) return script.addEventListener("load", ready), script.addEventListener("error", fail);
          document.head.append(h("script", { src: new URL("poll-widget.js", SRC), load: ready, error: fail }));
        });

  const mount = (host) => {
    if (host.pollQuiz) return;
    host.pollQuiz = 1;
    const attr = (name) => host.getAttribute("data-" + name) || "";
    const id = attr("quiz-id");
    const site = (attr("site") || (!attr("api") && (SRC.match(/(.*)\/widget\//) || [])[1]) || "").replace(/\/+$/, "");
    const api = (attr("api") || site + "/api").replace(/\/+$/, "");
    const path = "/quizzes/" + encodeURIComponent(id);
    const key = "pollq:" + id;
    const state = load(key) || { at: 0, right: {}, done: null };
    const call = async (route, init) => {
      const r = await fetch(api + route, init);
      const body = await r.json().catch(() => ({}));
      return { status: r.status, body, code: body?.error?.code };
    };

    const title = h("h2", { class: "quiz-title" });
    const step = h("h3", { class: "quiz-step", tabindex: "-1" });
    const slot = h("div", { class: "quiz-poll" });
    const status = h("p", { class: "quiz-status", role: "status", "aria-live": "polite" });
    const next = h("button", { type: "button", class: "quiz-next", hidden: true });
    const region = h("section", { class: "quiz", "aria-label": "Quiz" }, title, step, slot, status, next);
    host.replaceChildren(region);
    let quiz, watching;

    const say = (text) => (status.textContent = text);
    const score = () => Object.values(state.right).filter((r) => r === true).length;
    const known = () => Object.values(state.right).some((r) => r !== null);

    const showQuestion = async (index, focus) => {
      clearInterval(watching);
      const poll = quiz.polls[index];
      state.at = index;
      save(key, state);
      next.hidden = true;
      step.textContent = `Question ${index + 1} of ${quiz.polls.length}`;
      const embed = h("div", { "data-poll-id": poll.id, "data-site": attr("site") || null, "data-api": attr("api") || null });
      slot.replaceChildren(embed);
      (await widget()).mount(embed);
      if (focus) step.focus();
      // The widget notes a vote in the reader's storage ("pollw:voted:<poll>"): watch for it.
      const voted = () => load("pollw:voted:" + poll.id);
      const check = () => voted() != null && (clearInterval(watching), answered(index, voted()));
      watching = setInterval(check, 300);
      check();
    };

    const answered = async (index, chosen) => {
      const poll = quiz.polls[index];
      if (!(poll.id in state.right)) {
        // The right answer comes with a voter's results (their `quiz`: hidden where the poll hides results); else unknown.
        const r = await call(`/polls/${encodeURIComponent(poll.id)}/results?voter=${encodeURIComponent(load("pollw:voter") || "")}`).catch(() => ({}));
        const correct = r.body?.quiz?.correct;
        state.right[poll.id] = Array.isArray(correct) && chosen.length ? same(chosen, correct) : null;
        save(key, state);
      }
      const last = index + 1 == quiz.polls.length;
      next.textContent = last ? "See your score" : "Next question";
      next.hidden = false;
      const sofar = known() ? ` Score so far: ${score()}.` : "";
      say(`Answer ${index + 1} of ${quiz.polls.length} recorded.${sofar} ${next.textContent} below.`);
    };

    next.addEventListener("click", () => (state.at + 1 < quiz.polls.length ? showQuestion(state.at + 1, true) : finish()));

    const finish = async () => {
      next.hidden = true;
      say("Counting your score…");
      const voter = load("pollw:voter");
      const r = await call(path + "/score", {
        method: "POST",
        headers: { "Content-Type": "text/plain" }, // no preflight
        body: JSON.stringify({ voter }),
      }).catch(() => null);
      if (!r || r.status > 499) {
        next.textContent = "Try again";
        next.hidden = false;
        return say("Your score could not be counted. Check your connection and try again.");
      }
      if (r.status != 200) return say(r.code == "quiz_unanswered" ? "Answer at least one question first." : "Your score could not be counted.");
      state.done = r.body;
      save(key, state);
      result(r.body, true);
    };

    const result = (body, focus) => {
      clearInterval(watching);
      step.textContent = `You got ${body.score} of ${body.out_of}`;
      const scores = body.distribution.scores;
      const list = h(
        "ul",
        { class: "quiz-scores", "aria-label": "How readers scored" },
        ...scores.map((s) =>
          h(
            "li",
            { class: s.score == body.score ? "quiz-mine" : null },
            `${s.score} of ${body.out_of}${s.score == body.score ? " (you)" : ""}: `,
            `${percent.format(s.share)} (${plural(s.readers, "reader", "readers")})`,
          ),
        ),
      );
      slot.replaceChildren(h("p", {}, `Readers who finished: ${body.distribution.readers}.`), list);
      next.hidden = true;
      say(`You got ${body.score} of ${body.out_of}.`);
      if (focus) step.focus();
    };

    const start = async () => {
      say("Loading the quiz…");
      const r = await call(path).catch(() => null);
      if (!r || r.status != 200) return say(r?.code == "quiz_not_found" ? "This quiz is not available." : "The quiz could not be loaded.");
      quiz = r.body;
      title.textContent = quiz.title;
      region.setAttribute("aria-label", "Quiz: " + quiz.title);
      say("");
      if (state.done) return result(state.done, false);
      showQuestion(Math.min(state.at, quiz.polls.length - 1), false);
    };
    start();
  };

  const all = () => document.querySelectorAll("[data-quiz-id]").forEach(mount);
  if (document.readyState == "loading") document.addEventListener("DOMContentLoaded", all);
  else all();
  window.PollQuiz = { mount };
})();
