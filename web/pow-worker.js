/* The poll widget's proof of work (ALTCHA v2, deterministic mode), run in a Web Worker so the page stays
   responsive. poll-widget.js starts a worker that imports this file (importScripts needs no CORS, so it may be
   hosted beside the widget on any origin) and posts it the challenge's parameters; it answers with
   {counter, derivedKey, time}: the counter whose PBKDF2 key starts with the signed keyPrefix. */
"use strict";
const bytes = (hex) => new Uint8Array(hex.match(/../g).map((pair) => parseInt(pair, 16)));
const hex = (buffer) => [...new Uint8Array(buffer)].map((b) => b.toString(16).padStart(2, "0")).join("");

onmessage = async ({ data: p }) => {
  const nonce = bytes(p.nonce);
  const salt = bytes(p.salt);
  const password = new Uint8Array(nonce.length + 4); // the nonce, then the counter as a big-endian uint32
  password.set(nonce);
  const started = Date.now();
  for (let counter = 0; counter < 2 ** 32; counter++) {
    new DataView(password.buffer).setUint32(nonce.length, counter);
    const key = await crypto.subtle.importKey("raw", password, "PBKDF2", false, ["deriveBits"]);
    const params = { name: "PBKDF2", hash: p.algorithm.split("/")[1], salt, iterations: p.cost };
    const derivedKey = hex(await crypto.subtle.deriveBits(params, key, p.keyLength * 8));
    if (derivedKey.startsWith(p.keyPrefix)) return postMessage({ counter, derivedKey, time: Date.now() - started });
  }
};
