// The poll API with the editor's bearer token; errors carry the API's code, message and field.

import { accessToken } from "./auth.js";

export class ApiError extends Error {
  constructor(status, code, message, field) {
    super(message);
    this.status = status;
    this.code = code;
    this.field = field;
  }
}

let config = null;
let onSignedOut = () => {};

export function configure(settings, signedOut) {
  config = settings;
  onSignedOut = signedOut;
}

export async function request(method, path, body, { raw = false } = {}) {
  const token = await accessToken(config);
  if (!token) {
    onSignedOut("Your sign-in has expired. Sign in again.");
    throw new ApiError(401, "unauthorized", "Sign in again.");
  }
  const headers = { Authorization: `Bearer ${token}` };
  if (body !== undefined) headers["Content-Type"] = "application/json";
  let response;
  try {
    response = await fetch(config.api.replace(/\/+$/, "") + path, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  } catch {
    throw new ApiError(0, "network", "The poll API cannot be reached. Check your connection and try again.");
  }
  if (response.status === 401) {
    onSignedOut("Your sign-in has expired or was revoked. Sign in again.");
  }
  if (!response.ok) {
    const data = await response.json().catch(() => ({}));
    const error = data.error || {};
    throw new ApiError(response.status, error.code || "error", error.message || `The API answered ${response.status}.`, error.field);
  }
  if (raw) return response;
  return response.status === 204 ? null : response.json();
}

export const get = (path) => request("GET", path);
export const post = (path, body) => request("POST", path, body);
export const patch = (path, body) => request("PATCH", path, body);
export const remove = (path) => request("DELETE", path);

export function apiUrl() {
  return config.api.replace(/\/+$/, "");
}

// Download an API file (a CSV) with the bearer token, under the given file name.
export async function download(path, filename) {
  const response = await request("GET", path, undefined, { raw: true });
  const link = document.createElement("a");
  link.href = URL.createObjectURL(await response.blob());
  link.download = filename;
  document.body.append(link);
  link.click();
  link.remove();
  window.setTimeout(() => URL.revokeObjectURL(link.href), 1000);
}
