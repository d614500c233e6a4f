/* The widget's proof of work (ALTCHA v2, deterministic) in a Web Worker: poll-widget.js imports this file and posts
   the challenge's parameters and its URL (src). PBKDF2 is WebCrypto's; scrypt is hash-wasm's, imported only for it. */
"use strict";
const bytes = (hex) => new Uint8Array(hex.match(/../g).map((pair) => parseInt(pair, 16)));
const hex = (buffer) => [...new Uint8Array(buffer)].map((b) => b.toString(16).padStart(2, "0")).join("");

const solve = async (p) => {
  const [nonce, salt] = [bytes(p.nonce), bytes(p.salt)];
  const password = new Uint8Array(nonce.length + 4); // the nonce, then the counter as a big-endian uint32
  password.set(nonce);
  let derive;
  if (p.algorithm == "SCRYPT") {
    importScripts(new URL("vendor/hash-wasm-scrypt.umd.min.js", p.src));
    const params = { salt, costFactor: p.cost, blockSize: p.memoryCost, parallelism: p.parallelism };
    derive = (password) => hashwasm.scrypt({ ...params, password, hashLength: p.keyLength, outputType: "hex" });
  } else {
    const params = { name: "PBKDF2", hash: p.algorithm.split("/")[1], salt, iterations: p.cost };
    derive = async (password) => {
      const key = await crypto.subtle.importKey("raw", password, "PBKDF2", false, ["deriveBits"]);
      return hex(await crypto.subtle.deriveBits(params, key, p.keyLength * 8));
    };
  }
  const started = Date.now();
  for (let counter = 0; counter < 2 ** 32; counter++) {
    new DataView(password.buffer).setUint32(nonce.length, counter);
    const derivedKey = await derive(password);
    if (derivedKey.startsWith(p.keyPrefix)) return postMessage({ counter, derivedKey, time: Date.now() - started });
  }
};
// A failure (a CSP refusing WebAssembly) is thrown outside the promise, so the widget's onerror sees it.
onmessage = ({ data }) => solve(data).catch((e) => setTimeout(() => { throw e; }));
