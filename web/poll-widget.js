/* Poll widget, no dependencies: <div data-poll-id="ID" data-api="https://example.com/api"></div> and
   <script src="poll-widget.js" defer></script>. Renders in an open shadow root; theme with data-theme="dark"
   and the --poll-* custom properties below (README, "Widget"). */
(() => {
  "use strict";
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
button{font:inherit;font-weight:700;margin:.75rem .5rem 0 0;padding:.45rem 1.2rem;border:2px solid var(--a);
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
`;
  const PREFIX = "pollw:";
  const memory = {}; // the fallback when the browser blocks storage
  const load = (key) => {
    try {
      const value = localStorage.getItem(PREFIX + key);
      if (value !== null) return value;
    } catch (e) {}
    return key in memory ? memory[key] : null;
  };
  const save = (key, value) => {
    memory[key] = value;
    try {
      localStorage.setItem(PREFIX + key, value);
    } catch (e) {}
  };
  const forget = (key) => {
    delete memory[key];
    try {
      localStorage.removeItem(PREFIX + key);
    } catch (e) {}
  };
  const voterToken = () => {
    let token = load("voter");
    if (!token || !/^[\w-]{8,128}$/.test(token)) {
      const bytes = crypto.getRandomValues(new Uint8Array(16));
      token = "v" + Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
      save("voter", token);
    }
    return token;
  };
  const sleep = (ms) => new Promise((done) => setTimeout(done, ms));
  // ALTCHA v2 proof of work, off the main thread: find the counter whose PBKDF2 key starts with keyPrefix.
  const WORKER = `onmessage=async({data:p})=>{const h=s=>new Uint8Array(s.match(/../g).map(x=>parseInt(x,16))),
n=h(p.nonce),salt=h(p.salt),b=new Uint8Array(n.length+4),t=Date.now(),s=crypto.subtle;b.set(n);
for(let c=0;c<2**32;c++){new DataView(b.buffer).setUint32(n.length,c);const k=await s.importKey("raw",b,"PBKDF2",!1,["deriveBits"]),
d=[...new Uint8Array(await s.deriveBits({name:"PBKDF2",hash:p.algorithm.split("/")[1],salt,iterations:p.cost},k,p.keyLength*8))]
.map(x=>x.toString(16).padStart(2,"0")).join("");if(d.startsWith(p.keyPrefix))return postMessage({counter:c,derivedKey:d,time:Date.now()-t})}}`;
  const solve = (challenge) =>
    new Promise((done, fail) => {
      const worker = new Worker(URL.createObjectURL(new Blob([WORKER], { type: "text/javascript" })));
      worker.onmessage = (e) => {
        worker.terminate();
        done({ proof: btoa(JSON.stringify({ challenge, solution: e.data })), until: challenge.parameters.expiresAt * 1000 });
      };
      worker.onerror = (e) => {
        worker.terminate();
        fail(e);
      };
      worker.postMessage(challenge.parameters);
    });
  const h = (tag, attrs, ...kids) => {
    const el = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (typeof v === "function") el.addEventListener(k, v);
      else if (v != null && v !== false) el.setAttribute(k, v === true ? "" : v);
    }
    el.append(...kids.filter((k) => k != null && k !== "")); // strings become text nodes: labels are never HTML
    return el;
  };
  let sheet = null;
  const HIDDEN = {
    after_vote: "Results are shown to readers who have voted.",
    after_close: "Results will be published when the poll closes.",
    never: "The results of this poll are not published.",
  };

  const mount = (host) => {
    if (host.pollWidget) return;
    host.pollWidget = true;
    const id = host.getAttribute("data-poll-id") || "";
    const api = (host.getAttribute("data-api") || "").replace(/\/+$/, "");
    const path = "/polls/" + encodeURIComponent(id);
    const root = host.attachShadow({ mode: "open" });
    try {
      sheet = sheet || new CSSStyleSheet();
      if (!sheet.cssRules.length) sheet.replaceSync(CSS);
      root.adoptedStyleSheets = [sheet];
    } catch (e) {
      root.append(h("style", {}, CSS));
    }
    const main = h("div");
    const status = h("p", { class: "s", role: "status", "aria-live": "polite" });
    const actions = h("div");
    const region = h("section", { class: "w", "aria-label": "Poll" }, main, status, actions);
    root.append(region);
    let poll = null;
    let acted = false; // move focus only after the reader did something here
    let pending = null; // the proof of work being solved while the reader chooses
    let spent = null; // the proof the last attempt sent: a retry of that attempt sends it again
    let token = null; // a Turnstile token

    const say = (text, error) => {
      status.textContent = text || "";
      status.className = error ? "s e" : "s";
    };
    const show = (...nodes) => {
      main.replaceChildren(...nodes);
      actions.replaceChildren();
    };
    const offerRetry = (text, again) => {
      say(text, true);
      const button = h("button", { type: "button", class: "x", click: () => again() }, "Try again");
      actions.replaceChildren(button);
      if (acted) button.focus();
    };
    const call = async (url, options) => {
      const response = await fetch(api + url, options);
      let body = null;
      try {
        body = await response.json();
      } catch (e) {}
      const code = body && body.error ? body.error.code : null;
      return { status: response.status, body, code, retryAfter: parseInt(response.headers.get("Retry-After"), 10) };
    };
    const mine = () => {
      try {
        return JSON.parse(load("voted:" + id)) || [];
      } catch (e) {
        return [];
      }
    };
    const hidden = (text) => {
      show(h("p", { class: "q" }, poll.question));
      say([text, HIDDEN[poll.results_visibility]].filter(Boolean).join(" "));
    };

    const render = (results, text) => {
      const chosen = mine();
      const total = results.total_voters;
      const closed = results.status === "closed";
      const list = h("ul", { "aria-label": closed ? "Final results" : "Results" });
      for (const option of results.options) {
        const bar = h("i");
        bar.style.width = Math.min(100, option.percent) + "%";
        list.append(
          h(
            "li",
            {},
            h(
              "div",
              { class: "r" },
              h("span", {}, option.label, chosen.includes(option.id) ? h("span", { class: "me" }, " (your choice)") : ""),
              h("span", { class: "p" }, `${option.percent}% (${option.votes} ${option.votes === 1 ? "vote" : "votes"})`)
            ),
            h("div", { class: "bar", "aria-hidden": "true" }, bar)
          )
        );
      }
      const box = h("div", { tabindex: "-1" }, h("p", { class: "q" }, results.question), list);
      const note = `${total} ${total === 1 ? "person has" : "people have"} voted${closed ? ". Final results" : ""}.`;
      const multi = poll.max_choices > 1 ? ` Percentages are of voters, who could choose up to ${poll.max_choices}.` : "";
      show(box, h("p", { class: "n" }, note + multi));
      say(text);
      if (acted) box.focus();
    };

    const showResults = async (text, voted) => {
      say("Loading the results…");
      let r;
      try {
        r = await call(path + "/results" + (voted ? "?voter=" + voterToken() : ""));
      } catch (e) {
        return offerRetry("The results could not be loaded. Check your connection.", () => showResults(text, voted));
      }
      if (r.status === 200) return render(r.body, text);
      if (r.code === "results_hidden") {
        if (voted && poll.results_visibility === "after_vote" && poll.status === "open") {
          forget("voted:" + id); // the API does not know this browser's vote: let it vote
          return form();
        }
        return hidden(text);
      }
      if (r.code === "poll_not_found") return gone();
      offerRetry("The results could not be loaded.", () => showResults(text, voted));
    };

    const gone = () => {
      show();
      say("This poll could not be found.", true);
    };

    const prove = () => {
      pending = call(path + "/challenge").then((r) => (r.status === 200 ? solve(r.body) : Promise.reject(r)));
      pending.catch(() => (pending = null));
      return pending;
    };
    const proofFor = async () => {
      if (poll.challenge === "turnstile") return token;
      if (poll.challenge !== "proof_of_work") return null;
      if (spent) return spent;
      say("Checking…");
      let got = await (pending || prove());
      if (got.until - Date.now() < 5000) got = await prove(); // expired while the reader chose
      pending = null;
      return got.proof;
    };

    const form = () => {
      const max = poll.max_choices;
      const type = max > 1 ? "checkbox" : "radio";
      const legend = h("legend", {}, poll.question, max > 1 ? h("span", { class: "h" }, `Choose up to ${max}.`) : "");
      const fieldset = h("fieldset", {}, legend);
      const boxes = poll.options.map((option) => {
        const input = h("input", { type, name: "choice", value: option.id });
        fieldset.append(h("label", {}, input, h("span", {}, option.label)));
        return input;
      });
      const button = h("button", { type: "submit" }, "Vote");
      const limit = () => {
        const full = boxes.filter((b) => b.checked).length >= max;
        for (const b of boxes) {
          b.disabled = full && !b.checked;
          b.parentNode.className = b.disabled ? "d" : "";
        }
        say(full && max > 1 ? `You have chosen ${max}, the most this poll allows.` : "");
      };
      const submit = (event) => {
        event.preventDefault();
        acted = true;
        const chosen = boxes.filter((b) => b.checked).map((b) => b.value);
        if (!chosen.length) {
          say("Choose an option first.", true);
          return boxes[0].focus();
        }
        if (chosen.length > max) return say(`Choose at most ${max}.`, true);
        for (const b of boxes.concat(button)) b.disabled = true;
        vote(chosen, false, 0, () => {
          button.disabled = false;
          limit();
        });
      };
      show(h("form", { submit, change: max > 1 ? limit : null }, fieldset, h("slot"), button));
      say("");
      if (poll.challenge === "proof_of_work") prove();
      if (poll.challenge === "turnstile") {
        const box = h("div");
        host.append(box); // Turnstile renders in the page (light DOM), shown through the slot
        if (window.turnstile) turnstile.render(box, { sitekey: host.getAttribute("data-turnstile-sitekey"), callback: (t) => (token = t) });
        else say("This poll needs Cloudflare Turnstile, which this page does not load.", true);
      }
    };

    const vote = async (chosen, retrying, attempt, unlock) => {
      actions.replaceChildren();
      let r;
      try {
        spent = await proofFor();
      } catch (e) {
        return offerRetry("Your browser could not complete the check.", () => vote(chosen, retrying, attempt, unlock));
      }
      if (poll.challenge === "turnstile" && !spent) {
        unlock();
        return say("Complete the check above first.", true);
      }
      say(retrying ? "Sending your vote again…" : "Sending your vote…");
      try {
        // text/plain keeps this a "simple" request: no CORS preflight.
        r = await call(path + "/votes", {
          method: "POST",
          headers: { "Content-Type": "text/plain" },
          body: JSON.stringify({ options: chosen, voter: voterToken(), proof: spent || undefined }),
        });
      } catch (e) {
        // The vote may or may not have arrived: the retry sends the same voter token, so it counts at most once.
        return offerRetry("Your vote could not be sent. Check your connection and try again.", () =>
          vote(chosen, true, 0, unlock)
        );
      }
      const code = r.code;
      if (/^challenge_/.test(code || "") && attempt < 2 && poll.challenge === "proof_of_work") {
        spent = null; // refused before counting: solve a new challenge and send again
        return vote(chosen, retrying, attempt + 1, unlock);
      }
      if (r.status === 201 || code === "already_voted") {
        spent = null;
        const fresh = r.status === 201 || retrying; // a retry's already_voted is our own earlier attempt
        if (fresh || !load("voted:" + id)) save("voted:" + id, JSON.stringify(fresh ? chosen : []));
        const text = fresh ? "Thank you, your vote has been counted." : "You have already voted in this poll.";
        return r.body && r.body.results ? render(r.body.results, text) : hidden(text);
      }
      if (r.status === 503 && attempt < 3) {
        const wait = Math.min(30, r.retryAfter > 0 ? r.retryAfter : 2);
        say(`The poll is busy. Trying again in ${wait} second${wait === 1 ? "" : "s"}…`);
        await sleep(wait * 1000);
        return vote(chosen, true, attempt + 1, unlock);
      }
      if (code === "poll_closed") {
        poll.status = "closed";
        return showResults("Sorry, this poll has closed.", false);
      }
      if (code === "poll_not_open") return notYet();
      if (code === "poll_not_found") return gone();
      if (code === "ip_limit_reached") return say("Sorry, too many votes have come from your network for this poll.", true);
      if (code === "address_limit_reached") return say("Sorry, too many votes have come from your network recently. Please try again later.", true);
      if (r.status >= 500) {
        return offerRetry("Something went wrong on our side and your vote was not confirmed.", () =>
          vote(chosen, true, 0, unlock)
        );
      }
      unlock();
      if (code === "invalid_option") return say(`Choose between 1 and ${poll.max_choices} of the options.`, true);
      if (code === "invalid_voter") {
        forget("voter");
        return say("This browser's voting id was not accepted. Please vote again.", true);
      }
      say(`Sorry, your vote was not accepted (${code || "error " + r.status}). Please reload the page.`, true);
    };

    const notYet = () => {
      show(h("p", { class: "q" }, poll.question));
      say(poll.opens_at ? `This poll opens on ${new Date(poll.opens_at).toLocaleString()}.` : "This poll is not open yet.");
    };

    const start = async () => {
      say("Loading the poll…");
      if (!api || !id) return say("This poll is missing its data-poll-id or data-api attribute.", true);
      let r;
      try {
        r = await call(path);
      } catch (e) {
        return offerRetry("The poll could not be loaded. Check your connection.", start);
      }
      if (r.code === "poll_not_found") return gone();
      if (r.status !== 200) return offerRetry("The poll could not be loaded.", start);
      poll = r.body;
      region.setAttribute("aria-label", "Poll: " + poll.question);
      if (load("voted:" + id) !== null) return showResults("You have already voted in this poll.", true);
      if (poll.status === "open") return form();
      if (poll.status === "scheduled") return notYet();
      showResults("This poll is closed.", false);
    };
    start();
  };

  const all = () => document.querySelectorAll("[data-poll-id]").forEach(mount);
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", all);
  else all();
  window.PollWidget = { mount };
})();
