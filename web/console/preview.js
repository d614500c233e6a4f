// The real widget (the site's poll-widget.js) in the console: a draft answered by the console, or a live poll.

const PREVIEW_API = "https://preview.invalid/api"; // never reached: the console answers the widget's requests
let drafts = new Map();
let serial = 0;

function previewResponse(url, init) {
  const match = url.match(/\/polls\/([^/?]+)(\/votes|\/results)?/);
  const poll = match && drafts.get(match[1]);
  if (!poll) return new Response(JSON.stringify({ error: { code: "poll_not_found", message: "no such draft" } }), { status: 404 });
  if (!match[2]) return Response.json(poll);
  const chosen = match[2] === "/votes" ? JSON.parse((init && init.body) || "{}").options || [] : [];
  const options = poll.options.map((o) => ({ ...o, votes: chosen.includes(o.id) ? 1 : 0, percent: chosen.includes(o.id) ? 100 : 0 }));
  const results = { poll_id: poll.id, question: poll.question, status: poll.status, total_voters: chosen.length ? 1 : 0, options, as_of: new Date().toISOString() };
  return Response.json(match[2] === "/votes" ? { poll_id: poll.id, options: chosen, results } : results, { status: match[2] === "/votes" ? 201 : 200 });
}

// Answer the widget's requests to the preview API from the drafts; everything else goes to the network.
const networkFetch = window.fetch.bind(window);
window.fetch = (input, init) => {
  const url = typeof input === "string" ? input : input.url;
  if (url.startsWith(PREVIEW_API)) return Promise.resolve(previewResponse(url, init));
  return networkFetch(input, init);
};

function mount(container, pollId, api) {
  if (!window.PollWidget) {
    container.replaceChildren(Object.assign(document.createElement("p"), { textContent: "The widget script did not load." }));
    return;
  }
  const host = document.createElement("div");
  host.setAttribute("data-poll-id", pollId);
  host.setAttribute("data-api", api);
  container.replaceChildren(host);
  window.PollWidget.mount(host);
}

// Show a draft poll (the form's fields) in the real widget; a vote in it counts nowhere.
export function previewDraft(container, draft) {
  serial += 1;
  const id = `preview-${serial}`;
  drafts = new Map([[id, { ...draft, id }]]);
  for (const key of Object.keys(localStorage)) if (key.startsWith("pollw:voted:preview-")) localStorage.removeItem(key);
  mount(container, id, PREVIEW_API);
}

// Show a stored poll in the real widget against the real API: a vote here is a real vote.
export function previewPoll(container, pollId, api) {
  mount(container, pollId, api);
}

export function loadWidget(src) {
  if (window.PollWidget || document.querySelector("script[data-widget]")) return Promise.resolve();
  return new Promise((resolve) => {
    const script = document.createElement("script");
    script.src = src;
    script.dataset.widget = "";
    script.onload = resolve;
    script.onerror = resolve;
    document.head.append(script);
  });
}
