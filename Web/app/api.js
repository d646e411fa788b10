// The REST side (Protocol/openapi.yaml): the signed-in session, and calls that refresh it when the access token runs
// out. Tokens are kept in this browser's local storage, so a reload or a second tab stays signed in.

const storageKey = 'chamberconnect.session';

/** A refused call, with the API's stable error code. */
export class ApiError extends Error {
  constructor(status, code, message, field) {
    super(message);
    this.status = status;
    this.code = code;
    this.field = field;
  }
}

/** What a failed request says on the page: the server's message and its stable code, or that it was not reached. */
export function describe(error) {
  return error instanceof ApiError ? `${error.message} (${error.code})` : 'The server could not be reached. Try again.';
}

/** The stored session: the TokenGrant of the last login or refresh, or null. */
export function currentSession() {
  try {
    return JSON.parse(localStorage.getItem(storageKey));
  } catch {
    return null;
  }
}

export function saveSession(grant) {
  localStorage.setItem(storageKey, JSON.stringify(grant));
}

export function forgetSession() {
  localStorage.removeItem(storageKey);
}

/**
 * Calls the API; a `401 token_expired` refreshes the session once and tries again. A `Blob` (a picked file) is sent
 * as its bytes under its own type, anything else as JSON.
 */
export async function api(method, path, body, { signedIn = true, headers: extra = {} } = {}) {
  return read(await send(method, path, body, signedIn, extra));
}

/** The bytes a signed-in GET answers (a message's attachment), as a Blob. */
export async function fetchFile(path) {
  const response = await send('GET', path, undefined, true, {});
  if (!response.ok) return read(response);
  return response.blob();
}

async function send(method, path, body, signedIn, extra) {
  const attempt = () => {
    const headers = { ...extra };
    const raw = body instanceof Blob;
    if (body !== undefined) headers['content-type'] = raw ? body.type || 'application/octet-stream' : 'application/json';
    const session = currentSession();
    if (signedIn && session) headers.authorization = `Bearer ${session.access_token}`;
    return fetch(path, { method, headers, body: body === undefined ? undefined : raw ? body : JSON.stringify(body) });
  };
  let response = await attempt();
  if (response.status === 401 && signedIn && currentSession()) {
    const answer = await response.clone().json().catch(() => null);
    if (answer?.error?.code === 'token_expired' && (await refreshSession())) response = await attempt();
  }
  return response;
}

async function read(response) {
  if (response.status === 204) return null;
  const json = (response.headers.get('content-type') ?? '').includes('json');
  const answer = json ? await response.json() : await response.text();
  if (!response.ok) {
    const error = answer?.error ?? {};
    throw new ApiError(response.status, error.code ?? `http_${response.status}`, error.message ?? response.statusText, error.field);
  }
  return answer;
}

let refreshing = null;

/**
 * Spends the refresh token for a new pair. One refresh at a time: refresh tokens rotate and work once, and a
 * second tab or call spending the same one would end the whole session (`refresh_token_reused`).
 * Resolves to whether the session is still good.
 */
export function refreshSession() {
  const spent = currentSession()?.refresh_token;
  // Across tabs too: the browser's lock lets one tab refresh at a time, and the next finds the pair it stored.
  const exclusively = (work) => (navigator.locks ? navigator.locks.request('chamberconnect-refresh', work) : work());
  refreshing ??= exclusively(async () => {
    const session = currentSession();
    if (!session) return false;
    if (session.refresh_token !== spent) return true;
    try {
      saveSession(await read(await fetch('/v1/auth/refresh', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ refresh_token: session.refresh_token }),
      })));
      return true;
    } catch (error) {
      // Only a refused refresh token ends the session; a network error or a busy server leaves it for a retry.
      if (error instanceof ApiError && error.status === 401) forgetSession();
      return false;
    }
  }).finally(() => {
    refreshing = null;
  });
  return refreshing;
}

/** A fresh access token: refreshed first when it has less than half a minute left. */
export async function freshAccessToken() {
  const session = currentSession();
  if (!session) return null;
  if (Date.parse(session.access_token_expires_at) - Date.now() < 30_000 && !(await refreshSession())) return null;
  return currentSession()?.access_token ?? null;
}

/** Every page of a list route, up to `max` items. */
export async function allPages(path, max = 1000) {
  const items = [];
  let cursor = null;
  do {
    const separator = path.includes('?') ? '&' : '?';
    const page = await api('GET', `${path}${separator}limit=200${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`);
    items.push(...page.items);
    cursor = page.next_cursor;
  } while (cursor && items.length < max);
  return items;
}
