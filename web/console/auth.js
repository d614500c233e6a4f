// Signing in through the stage's Cognito user pool with the real InitiateAuth flow (USER_PASSWORD_AUTH),
// straight from the browser to the Cognito endpoint (locally: the embedded AWS endpoint, moto).

const KEY = "polls-console:session";

export class AuthError extends Error {
  constructor(code, message) {
    super(message);
    this.code = code;
  }
}

function endpoint(config) {
  return config.cognito.endpoint || `https://cognito-idp.${config.cognito.region}.amazonaws.com/`;
}

async function cognito(config, action, body) {
  let response;
  try {
    response = await fetch(endpoint(config), {
      method: "POST",
      headers: {
        "Content-Type": "application/x-amz-json-1.1",
        "X-Amz-Target": `AWSCognitoIdentityProviderService.${action}`,
      },
      body: JSON.stringify(body),
    });
  } catch {
    throw new AuthError("NetworkError", "The sign-in service cannot be reached. Check your connection and try again.");
  }
  const data = await response.json().catch(() => ({}));
  if (!response.ok) {
    const code = String(data.__type || "Error").split("#").pop();
    throw new AuthError(code, data.message || "Sign-in failed.");
  }
  return data;
}

export function claims(token) {
  try {
    const part = token.split(".")[1].replace(/-/g, "+").replace(/_/g, "/");
    return JSON.parse(decodeURIComponent(escape(atob(part))));
  } catch {
    return {};
  }
}

function keep(result, previous = {}) {
  const access = claims(result.AccessToken);
  const id = claims(result.IdToken || "");
  const session = {
    accessToken: result.AccessToken,
    refreshToken: result.RefreshToken || previous.refreshToken,
    expiresAt: (access.exp || 0) * 1000,
    email: id.email || previous.email || access.username,
    groups: access["cognito:groups"] || [],
  };
  sessionStorage.setItem(KEY, JSON.stringify(session));
  return session;
}

export function current() {
  try {
    return JSON.parse(sessionStorage.getItem(KEY) || "null");
  } catch {
    return null;
  }
}

// Returns {session} once signed in, or {challenge, session: cognitoSession} when a new password is required.
export async function signIn(config, email, password) {
  const answer = await cognito(config, "InitiateAuth", {
    AuthFlow: "USER_PASSWORD_AUTH",
    ClientId: config.cognito.clientId,
    AuthParameters: { USERNAME: email, PASSWORD: password },
  });
  if (answer.AuthenticationResult) return { session: keep(answer.AuthenticationResult, { email }) };
  return { challenge: answer.ChallengeName, cognitoSession: answer.Session, email };
}

export async function setNewPassword(config, email, cognitoSession, password) {
  const answer = await cognito(config, "RespondToAuthChallenge", {
    ChallengeName: "NEW_PASSWORD_REQUIRED",
    ClientId: config.cognito.clientId,
    Session: cognitoSession,
    ChallengeResponses: { USERNAME: email, NEW_PASSWORD: password },
  });
  if (!answer.AuthenticationResult) throw new AuthError(answer.ChallengeName || "Error", "Sign-in needs a step this console does not support.");
  return keep(answer.AuthenticationResult, { email });
}

// A fresh access token: the kept one, or one from the refresh token when it is about to expire.
export async function accessToken(config) {
  const session = current();
  if (!session) return null;
  if (session.expiresAt - Date.now() > 60_000) return session.accessToken;
  if (!session.refreshToken) return null;
  try {
    const answer = await cognito(config, "InitiateAuth", {
      AuthFlow: "REFRESH_TOKEN_AUTH",
      ClientId: config.cognito.clientId,
      AuthParameters: { REFRESH_TOKEN: session.refreshToken },
    });
    return keep(answer.AuthenticationResult, session).accessToken;
  } catch {
    forget();
    return null;
  }
}

export function forget() {
  sessionStorage.removeItem(KEY);
}

// Sign out everywhere: Cognito revokes the tokens, so the API refuses them too (within its short cache).
export async function signOut(config) {
  const session = current();
  forget();
  if (!session) return;
  try {
    await cognito(config, "GlobalSignOut", { AccessToken: session.accessToken });
  } catch {
    // Already expired or revoked: signed out either way.
  }
}

export function isAdmin(session) {
  return Boolean(session && session.groups.includes("admins"));
}
