/* Poll widget: docs/widget.md (notes there; this file stays under 7.5 KB gzipped). */
(() => {
  "use strict";
  const SRC = document.currentScript?.src || location.href;
  const CSS = `
:host{display:block}
.w{all:initial;display:block;box-sizing:border-box;max-width:40rem;margin:1.5rem 0;padding:1rem 1.25rem;
font:1rem/1.45 var(--poll-font,system-ui,Arial,sans-serif);
--f:var(--poll-fg,#1a1a1a);--b:var(--poll-bg,#fff);--a:var(--poll-accent,#0b5cad);--c:var(--poll-on-accent,#fff);
--m:var(--poll-muted,#555);--l:var(--poll-border,#767676);--t:var(--poll-track,#e6e6e6);--e:var(--poll-error,#b00020);
color:var(--f);background:var(--b);border:1px solid var(--l);border-radius:var(--poll-radius,6px)}
:host([data-theme=dark]) .w{color-scheme:dark;--f:var(--poll-fg,#f2f2f2);--b:var(--poll-bg,#1c1c1c);--a:var(--poll-accent,#8cc4ff);
--c:var(--poll-on-accent,#111);--m:var(--poll-muted,#c8c8c8);--l:var(--poll-border,#8a8a8a);--t:var(--poll-track,#3b3b3b);
--e:var(--poll-error,#ff9e9e)}
*{box-sizing:border-box}
fieldset{border:0;margin:0;padding:0;min-width:0}
legend,.q{display:block;padding:0;margin:0 0 .5rem;font-weight:700;font-size:1.15em;color:var(--f)}
.h{display:block;font-weight:400;font-size:.8em;color:var(--m)}
label{display:flex;align-items:center;gap:.6rem;padding:.3rem 0;cursor:pointer;color:var(--f)}
label.d{color:var(--m);cursor:default}
input{width:1.15rem;height:1.15rem;margin:0;flex:none;accent-color:var(--a)}
.o input{flex:1;width:auto;height:auto;padding:.25rem;font:inherit;color:var(--f);background:var(--b);border:1px solid var(--l)}
button{font:inherit;font-weight:700;margin:.75rem 0 0;margin-inline-end:.5rem;padding:.45rem 1.2rem;border:2px solid var(--a);
border-radius:4px;background:var(--a);color:var(--c);cursor:pointer}
button.x{background:var(--b);color:var(--a)}
button:disabled{opacity:.65;cursor:default}
:focus-visible{outline:3px solid var(--a);outline-offset:2px}
div:focus-visible{outline-offset:6px}
ul{list-style:none;margin:0;padding:0}
li{margin:0 0 .6rem}
.r{display:flex;justify-content:space-between;gap:1rem}
.n,.me{color:var(--m);font-size:.9em}
.p{font-variant-numeric:tabular-nums;white-space:nowrap}
.bar{height:.65rem;margin-top:.2rem;background:var(--t);border-radius:3px;overflow:hidden}
.bar i{display:block;height:100%;background:var(--a)}
.s{margin:.5rem 0 0;min-height:1.45em}
.s.e{color:var(--e);font-weight:700}
.dc{margin:.5rem 0 0;font-size:.8em;color:var(--m)}
.ok,.qz{font-weight:700}
`;
  // English is the key of locales/<lang>.js.
  const SAY = {
    after_vote: "Results are shown to readers who have voted.",
    after_close: "Results will be published when the poll closes.",
    never: "The results of this poll are not published.",
    already_voted: "You have already voted in this poll.",
    poll_closed: "Sorry, this poll has closed.",
    poll_not_found: "This poll could not be found.",
    ip_limit_reached: "Sorry, too many votes have come from your network for this poll.",
    address_limit_reached: "Sorry, too many votes have come from your network recently. Please try again later.",
    rate_limited: "Sorry, too many votes have come from your network recently. Please try again later.",
    invalid_option: "Choose between 1 and {n} of the options.",
    invalid_voter: "This browser's voting id was not accepted. Please vote again.",
    challenge_failed: "Your browser could not complete the check. Please reload the page.",
    invalid_write_in: "Your answer could not be accepted. Please shorten or reword it.",
  };
  const LOCALES = "cy gd ga fr de es it pt nl pl ar".split(" ");
  const packs = { en: { disclaimer: "Readers' poll: a self-selected sample, not a scientific survey." } };
  const memory = {};
  const load = (key) => {
    let value;
    try {
      value = localStorage.getItem("pollw:" + key);
    } catch (e) {}
    return value ?? memory[key] ?? null;
  };
  const save = (key, value) => {
    memory[key] = value;
    try {
      value == null ? localStorage.removeItem("pollw:" + key) : localStorage.setItem("pollw:" + key, value);
    } catch (e) {}
  };
  const voterToken = () => {
    let token = load("voter");
    if (!/^[\w-]{8,128}$/.test(token)) {
      save("voter", (token = "v" + [...crypto.getRandomValues(new Uint8Array(16))].map((b) => b.toString(16).padStart(2, "0")).join("")));
    }
    return token;
  };
  const solve = (challenge) => {
    const worker = new Worker(URL.createObjectURL(new Blob([`importScripts("${new URL("pow-worker.js", SRC)}")`], { type: "text/javascript" })));
    worker.postMessage({ ...challenge.parameters, src: SRC });
    return new Promise((done, fail) => {
      worker.onmessage = (e) => done({ proof: btoa(JSON.stringify({ challenge, solution: e.data })), until: challenge.parameters.expiresAt * 1e3 });
      worker.onerror = fail;
    }).finally(() => worker.terminate());
  };
  const h = (tag, attrs, ...kids) => {
    const el = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs)) v?.call ? el.addEventListener(k, v) : v != null && v !== false && el.setAttribute(k, v);
    el.append(...kids.filter((k) => k));
    return el;
  };
  const words = async (lang) => {
    const S = await (packs[lang] ||= new Promise((done) => {
      const got = () => done((window.pollWidgetLocales || {})[lang] || {});
      document.head.append(h("script", { src: new URL(`locales/${lang}.js`, SRC), load: got, error: got }));
    }));
    const number = new Intl.NumberFormat(lang);
    const plural = new Intl.PluralRules(lang);
    const dated = Intl.DateTimeFormat.supportedLocalesOf(lang)[0];
    const t = (english, n, x) => {
      let s = S[english.other || english] || english;
      if (s.other) s = s[plural.select(n)] || s.other;
      return s.replace(/{(.)}/g, (_, k) => (k == "n" ? number.format(n) : x));
    };
    t.disclaimer = S.disclaimer || packs.en.disclaimer;
    t.percent = new Intl.NumberFormat(lang, { style: "percent", maximumFractionDigits: 1 });
    t.date = (d) => new Date(d).toLocaleString(dated || "en-GB", { dateStyle: dated ? "long" : "short", timeStyle: "short" });
    return t;
  };
  // A constructable sheet, which CSP does not govern (`style-src 'self'` blocks a <style>).
  let sheet;
  try {
    (sheet = new CSSStyleSheet()).replaceSync(CSS);
  } catch (e) {}
  const hash = (text) => [...text].reduce((a, c) => Math.imul(a ^ c.charCodeAt(), 16777619), 2166136261) >>> 0;

  const mount = (host) => {
    if (host.pollWidget) return;
    host.pollWidget = 1;
    const attr = (name) => host.getAttribute("data-" + name) || "";
    const id = attr("poll-id");
    const site = (attr("site") || (!attr("api") && (SRC.match(/(.*)\/widget\//) || [])[1]) || "").replace(/\/+$/, "");
    const api = (attr("api") || site + "/api").replace(/\/+$/, "");
    const path = "/polls/" + encodeURIComponent(id);
    const latest = path.replace("polls", "results") + "/latest.json";
    const view = attr("view") == "results";
    const asked = (attr("lang") || host.closest("[lang]")?.lang || "").replace(/_/g, "-");
    const tag = (asked.match(/^[a-z]{2,3}(-[a-z]{4})?(-([a-z]{2}|\d{3}))?(?=-|$)/i) || [""])[0].toLowerCase();
    const ui = LOCALES.find((l) => tag.split("-")[0] == l) || "en";
    const root = host.attachShadow({ mode: "open" });
    if (sheet && root.adoptedStyleSheets) root.adoptedStyleSheets = [sheet];
    else root.append(h("style", {}, CSS));
    const main = h("div", {});
    const status = h("p", { class: "s", role: "status", "aria-live": "polite" });
    const actions = h("div", {});
    const region = h("section", { class: "w", lang: ui, dir: ui == "ar" ? "rtl" : "ltr" }, main, status, actions);
    root.append(region);
    let t, poll;
    let acted = false;
    let pending = null;
    let spent = null;
    let writing = "";
    let token = null;
    let surged = 0;
    let timer, shown, answer;

    const text = (words, tag = "span", attrs) => h(tag, { lang: poll.lang, dir: "auto", ...attrs }, words);
    const question = (q = poll.question, lang = poll.lang) => text(q, "p", { class: "q", lang });
    const query = (...parts) => (parts = parts.filter((p) => p).join("&")) && "?" + parts;
    const lang = () => poll.lang != poll.languages?.[0] && "lang=" + poll.lang;
    const say = (words, error) => {
      status.textContent = words || "";
      status.className = error ? "s e" : "s";
    };
    const show = (...nodes) => {
      shown = 0;
      main.replaceChildren(...nodes);
      actions.replaceChildren();
    };
    const offerRetry = (words, again) => {
      say(words, 1);
      const button = h("button", { type: "button", class: "x", click: () => again() }, t("Try again"));
      actions.replaceChildren(button);
      if (acted) button.focus();
    };
    const edge = async (key, cache) => site && fetch(site + key, { cache }).then((r) => r.ok && r.json()).catch(() => 0);
    const local = (doc, tr = doc.translations || {}) => {
      let l;
      for (let p = tag; p && !l; p = p.replace(/-?[^-]*$/, "")) l = [doc.lang, ...Object.keys(tr)].find((k) => k.toLowerCase() == p);
      return (tr = tr[l])
        ? { ...doc, lang: l, question: tr.question, options: doc.options.map((o) => ({ ...o, label: tr.options[o.id] })), disclaimer: doc.disclaimer && (tr.disclaimer || doc.disclaimer), quiz: doc.quiz && { ...doc.quiz, explanation: tr.explanation || doc.quiz.explanation } }
        : doc;
    };
    const call = async (url, options) => {
      const response = await fetch(api + url, options);
      const body = await response.json().catch(() => ({}));
      return { status: response.status, body, code: body.error?.code, wait: parseInt(response.headers.get("Retry-After")) };
    };
    const mine = () => {
      try {
        return JSON.parse(load("voted:" + id)) || [];
      } catch (e) {
        return [];
      }
    };
    // A quiz's answer, after the vote: right or wrong, the correct option(s), the share of right voters, the explanation.
    const quiz = (q, options = poll.options) => {
      if (!q) return [[], ""];
      const chosen = mine();
      const right = chosen.length == q.correct.length && chosen.every((c) => q.correct.includes(c));
      const said = (chosen.length ? (right ? t("Your answer is right.") : t("Your answer is wrong.")) + " " : "") + t("Correct answer: {x}.", 0, options.filter((o) => q.correct.includes(o.id)).map((o) => o.label).join(", "));
      return [[h("p", { class: "qz" }, said), q.right_share != null && h("p", { class: "n" }, t("{x} of voters got it right.", 0, t.percent.format(q.right_share / 100))), q.explanation && text(q.explanation, "p")], said];
    };
    const hidden = (said, v = poll.results_visibility) => {
      const [bits, verdict] = quiz(answer);
      show(question(), ...bits);
      const until = v == "after_close" && poll.status == "open" && poll.closes_at;
      say(said + " " + verdict + (verdict && " ") + (until ? t("Results will be published when the poll closes on {x}.", 0, t.date(until)) : t(SAY[v] || "")));
    };

    const render = (results, said) => {
      const chosen = mine();
      const closed = results.status == "closed";
      const q = results.quiz || answer;
      const [bits, verdict] = quiz(q, results.options);
      const list = h("ul", { "aria-label": closed ? t("Final results") : t("Results") });
      for (const o of results.options.concat(results.other?.votes ? [{ ...results.other, id: "", label: t("Other") }] : [])) {
        const bar = h("i", {});
        bar.style.width = Math.min(100, o.percent) + "%";
        const label = h("span", {}, text(o.label), chosen.includes(o.id) && h("span", { class: "me" }, " " + t("(your choice)")), q?.correct.includes(o.id) && h("span", { class: "ok" }, " ✓ " + t("(correct answer)")));
        const figures = h("span", { class: "p" }, t({ one: "{x} ({n} vote)", other: "{x} ({n} votes)" }, o.votes, t.percent.format(o.percent / 100)));
        list.append(h("li", {}, h("div", { class: "r" }, label, figures), h("div", { class: "bar", "aria-hidden": "true" }, bar)));
      }
      const box = h("div", { tabindex: -1 }, question(results.question, results.lang), list, ...bits);
      const note = [
        t({ one: "{n} person has voted.", other: "{n} people have voted." }, results.total_voters),
        closed && t("Final results") + ".",
        poll.max_choices > 1 && t("Percentages are of voters, who could choose up to {n}.", poll.max_choices),
      ];
      show(box, h("p", { class: "n" }, note.filter((n) => n).join(" ")));
      say(verdict ? said + " " + verdict : said);
      if (acted) box.focus();
      shown = results;
      live();
    };
    const counted = (r) => r.status + r.total_voters + r.options.map((o) => o.votes);
    const live = () => {
      clearTimeout(timer);
      timer = shown && !document.hidden && poll.status == "open" && poll.results_visibility == "always" && setTimeout(async () => {
        const r = await edge(latest, "no-cache");
        if (shown && r?.total_voters >= shown.total_voters && counted(r) != counted(shown)) {
          poll.status = r.status;
          acted = main.contains(root.activeElement);
          render({ quiz: shown.quiz, ...local(r) }, t({ one: "{n} person has voted.", other: "{n} people have voted." }, r.total_voters));
        } else live();
      }, 12e3 + Math.random() * 6e3);
    };
    document.addEventListener("visibilitychange", live);

    const showResults = async (said, voted) => {
      const open = { always: 1, after_close: poll.status == "closed" }[poll.results_visibility];
      if (!open && !voted) return hidden(said);
      say(t("Loading the results…"));
      let r = !voted && open && (await edge(latest));
      if (r) return render(local(r), said);
      try {
        r = await call(path + "/results" + query(voted && "voter=" + voterToken(), lang()));
      } catch (e) {
        return offerRetry(t("This could not be loaded. Check your connection."), () => showResults(said, voted));
      }
      if (r.status == 200) return render(r.body, said);
      if (r.code == "results_hidden") {
        if (voted && !view && poll.results_visibility == "after_vote" && poll.status == "open") {
          save("voted:" + id);
          return form();
        }
        return hidden(said);
      }
      if (r.code == "poll_not_found") return gone();
      offerRetry(t("This could not be loaded."), () => showResults(said, voted));
    };

    const gone = () => {
      show();
      say(t(SAY.poll_not_found), 1);
    };

    const prove = () => {
      pending = call(path + "/challenge" + (window.turnstile ? "" : "?turnstile=0")).then((r) => (r.status == 200 ? solve(r.body) : Promise.reject(r)));
      pending.catch(() => (pending = null));
      return pending;
    };
    const proofFor = async () => {
      if (poll.challenge == "turnstile") return token;
      if (poll.challenge != "proof_of_work") return null;
      if (spent) return spent;
      say(t("Checking…"));
      let got = await (pending || prove());
      if (got.until - Date.now() < 5e3) got = await prove();
      pending = null;
      return got.proof;
    };

    const form = () => {
      const max = poll.max_choices;
      const fieldset = h("fieldset", {}, h("legend", {}, text(poll.question), max > 1 && h("span", { class: "h" }, t("Choose up to {n}.", max))));
      const seed = poll.randomize_options && voterToken() + id;
      const options = seed ? [...poll.options].sort((a, b) => hash(a.id + seed) - hash(b.id + seed)) : poll.options;
      const boxes = options.map((option) => {
        const input = h("input", { type: max > 1 ? "checkbox" : "radio", name: "choice", value: option.id });
        fieldset.append(h("label", {}, input, text(option.label)));
        return input;
      });
      const other = poll.write_in && h("input", { type: "text", maxlength: 80 });
      if (other) fieldset.append(h("label", { class: "o" }, t("Other"), other));
      const button = h("button", { type: "submit" }, t("Vote"));
      const limit = () => {
        const full = boxes.filter((b) => b.checked).length + !!written() >= max;
        for (const b of boxes) b.parentNode.className = (b.disabled = full && !b.checked) ? "d" : "";
        say(full && max > 1 && t("You have chosen {n}, the most this poll allows.", max));
      };
      const submit = (event) => {
        event.preventDefault();
        acted = true;
        const chosen = boxes.filter((b) => b.checked).map((b) => b.value);
        writing = written();
        if (!chosen.length && !writing) {
          say(t("Choose an option first."), 1);
          return boxes[0].focus();
        }
        if (chosen.length + !!writing > max) return say(t("Choose at most {n}.", max), 1);
        for (const b of boxes.concat(button, other || [])) b.disabled = true;
        vote(chosen, false, 0, () => {
          button.disabled = false;
          limit();
        });
      };
      const written = () => other && other.value.trim();
      const change = (e) => {
        if (poll.challenge == "proof_of_work" && !pending) prove();
        // One choice: typing an answer clears the option, choosing an option clears the answer.
        if (max < 2 && other) e.target == other ? boxes.forEach((b) => (b.checked = false)) : (other.value = "");
        if (max > 1) limit();
      };
      show(h("form", { submit, change, input: change }, fieldset, h("slot", { name: "t" }), button));
      say();
      if (poll.challenge == "turnstile") check();
    };

    const check = () => {
      const box = h("div", { slot: "t" });
      host.append(box);
      window.turnstile?.render(box, { sitekey: attr("turnstile-sitekey"), callback: (v) => (token = v) });
    };

    const vote = async (chosen, retrying, attempt, unlock) => {
      actions.replaceChildren();
      let r;
      try {
        spent = await proofFor();
      } catch (e) {
        if (e.code == "turnstile_required") return (poll.challenge = "turnstile"), (surged = 1), check(), unlock(), say(t("Complete the check above first."), 1);
        return offerRetry(t("Your browser could not complete the check."), () => vote(chosen, retrying, attempt, unlock));
      }
      if (poll.challenge == "turnstile" && !spent) {
        unlock();
        return say(t("Complete the check above first."), 1);
      }
      say(retrying ? t("Sending your vote again…") : t("Sending your vote…"));
      try {
        // text/plain: no preflight; a retry sends the same voter token.
        r = await call(path + "/votes" + query(lang()), {
          method: "POST",
          headers: { "Content-Type": "text/plain" },
          body: JSON.stringify({ options: chosen, voter: voterToken(), proof: spent || undefined, other: writing || undefined }),
        });
      } catch (e) {
        return offerRetry(t("Your vote could not be sent. Check your connection and try again."), () => vote(chosen, true, 0, unlock));
      }
      const code = r.code;
      const challenged = /^challenge_/.test(code);
      if (challenged && attempt < 2 && (poll.challenge == "proof_of_work" || surged)) {
        spent = null;
        if (surged) poll.challenge = "proof_of_work", (surged = 0);
        return vote(chosen, retrying, attempt + 1, unlock);
      }
      if (r.status == 201 || code == "already_voted") {
        spent = null;
        const fresh = r.status == 201 || retrying;
        if (fresh || !load("voted:" + id)) save("voted:" + id, JSON.stringify(fresh ? chosen : []));
        const said = fresh ? t("Thank you, your vote has been counted.") : t(SAY[code]);
        answer = r.body.quiz || r.body.results?.quiz;
        return r.body.results ? render(r.body.results, said) : hidden(said);
      }
      if (r.status == 503 && attempt < 3) {
        const wait = Math.min(30, r.wait > 0 ? r.wait : 2);
        say(t({ one: "The poll is busy. Trying again in {n} second…", other: "The poll is busy. Trying again in {n} seconds…" }, wait));
        await new Promise((done) => setTimeout(done, wait * 1e3));
        return vote(chosen, true, attempt + 1, unlock);
      }
      if (code == "poll_closed") {
        poll.status = "closed";
        return showResults(t(SAY[code]));
      }
      if (code == "poll_not_open") return notYet();
      if (code == "poll_not_found") return gone();
      if (r.status > 499)
        return offerRetry(t("Something went wrong on our side and your vote was not confirmed."), () => vote(chosen, true, 0, unlock));
      if (code != "ip_limit_reached") unlock();
      if (code == "invalid_voter") save("voter");
      const known = SAY[challenged ? "challenge_failed" : code];
      say(known ? t(known, poll.max_choices) : t("Sorry, your vote was not accepted ({x}). Please reload the page.", 0, code || r.status), 1);
    };

    const notYet = () => {
      show(question());
      say(poll.opens_at ? t("This poll opens on {x}.", 0, t.date(poll.opens_at)) : t("This poll is not open yet."));
    };

    const start = async () => {
      const got = api && id && edge(path + ".json").then((d) => (d && !(Date.parse(d[{ open: "closes_at", scheduled: "opens_at" }[d.status]]) < Date.now()) ? { status: 200, body: local(d) } : call(path + query(tag && "lang=" + tag)))).catch(() => 0);
      t ||= await words(ui);
      say(t("Loading the poll…"));
      const r = await got;
      if (!got) return gone();
      if (!r) return offerRetry(t("This could not be loaded. Check your connection."), start);
      if (r.code == "poll_not_found") return gone();
      if (r.status != 200) return offerRetry(t("This could not be loaded."), start);
      poll = r.body;
      region.setAttribute("aria-label", t("Poll: {x}", 0, poll.question));
      // The disclaimer: missing or true, the locale's; a string, the poll's own (translated by local()).
      const d = poll.disclaimer ?? true;
      if (d) region.append(d.big ? text(d, "p", { class: "dc" }) : h("p", { class: "dc" }, t.disclaimer));
      if (view) return poll.status == "scheduled" ? notYet() : showResults("", poll.results_visibility == "after_vote" && load("voted:" + id) != null);
      if (load("voted:" + id) != null) return showResults(t(SAY.already_voted), 1);
      if (poll.status == "open") return form();
      if (poll.status == "scheduled") return notYet();
      showResults(t("This poll is closed."));
    };
    start();
  };

  const all = () => document.querySelectorAll("[data-poll-id]").forEach(mount);
  if (document.readyState == "loading") document.addEventListener("DOMContentLoaded", all);
  else all();
  window.PollWidget = { mount };
})();
