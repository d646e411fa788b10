// A client of the WebSocket protocol v1 (Protocol/websocket.md) for one chamber: it authenticates with an `auth`
// frame (§2.3: a browser cannot read why an upgrade was refused, but it reads an error frame and a close code, and
// the token stays out of URLs), answers requests by their id, keeps the token fresh on the socket (§2.4), and
// reconnects by the close code's rule (§11) with exponential backoff and full jitter. What to do after a reconnect (resubscribe, resend) is the listener's: the
// socket announces each `welcome`.

import { currentSession, freshAccessToken, refreshSession } from './api.js';

/** Close codes after which the client must not reconnect on its own (§11: 4500–4999), with what to tell the user. */
const requestTimeout = 20_000;

const finalCloses = {
  4500: 'Your sign-in was refused. Please sign in again.',
  4503: 'Your session ended, or you are no longer a member of this chamber.',
  4504: 'An administrator disconnected you. Please sign in again.',
  4505: 'You have been banned from this chamber by a moderator.',
};

/**
 * Events: `welcome` (detail: the frame), `frame` (every other unsolicited frame), `state` (detail:
 * `connecting`, `online`, `offline`, or `ended` with `reason`).
 */
export class ChamberSocket extends EventTarget {
  constructor(chamberId) {
    super();
    this.chamberId = chamberId;
    this.state = 'connecting';
    this.attempt = 0;
    this.requests = new Map();
    this.counter = 0;
    this.ended = false;
    this.socket = null;
    this.lastNotice = null;
  }

  /** Opens the socket (again). */
  async connect() {
    if (this.ended) return;
    this.setState('connecting');
    const token = await freshAccessToken();
    if (this.ended) return;
    if (!token) {
      if (!currentSession()) return this.end('Your session has ended. Please sign in again.');
      return this.closed(null, 1006); // the refresh did not get through: back off and try again
    }
    const scheme = location.protocol === 'https:' ? 'wss:' : 'ws:';
    const socket = new WebSocket(`${scheme}//${location.host}/v1/ws?chamber_id=${encodeURIComponent(this.chamberId)}`);
    this.socket = socket;
    socket.onopen = () => socket.send(JSON.stringify({ type: 'auth', id: 'auth', token }));
    socket.onmessage = (event) => this.receive(JSON.parse(event.data));
    socket.onclose = (event) => this.closed(socket, event.code);
  }

  /** Sends a frame that expects no answer (`typing`). */
  post(frame) {
    if (this.socket?.readyState === WebSocket.OPEN && this.state === 'online') this.socket.send(JSON.stringify(frame));
  }

  /**
   * Sends a request and resolves with its answer (a frame with the same `id`); rejects with the `error` frame, or
   * with `{code: 'disconnected'}` when the socket closed first (the outcome is then unknown, §6.7).
   */
  request(frame) {
    return new Promise((resolve, reject) => {
      if (this.socket?.readyState !== WebSocket.OPEN || this.state !== 'online') return reject({ code: 'disconnected' });
      const id = `r${++this.counter}`;
      // A request refused as rate_limited is answered without its id (§12.2): after a while it counts as unanswered.
      const timer = setTimeout(() => {
        if (this.requests.delete(id)) reject({ code: 'timeout', message: 'The server did not answer in time.' });
      }, requestTimeout);
      this.requests.set(id, {
        resolve: (answer) => (clearTimeout(timer), resolve(answer)),
        reject: (error) => (clearTimeout(timer), reject(error)),
      });
      this.socket.send(JSON.stringify({ ...frame, id }));
    });
  }

  /** Closes for good (sign-out, leaving the chamber's page). */
  close() {
    this.ended = true;
    clearTimeout(this.retryTimer);
    clearTimeout(this.refreshTimer);
    this.socket?.close(1000);
  }

  receive(frame) {
    if (frame.type === 'welcome') {
      this.setState('online');
      this.upSince = Date.now();
      this.scheduleRefresh(frame.token_expires_at);
      this.dispatchEvent(new CustomEvent('welcome', { detail: frame }));
      return;
    }
    if (frame.type === 'error' && frame.id === 'auth') {
      // The close that follows says what to do (4500, 4505); the reason is kept for the user.
      this.authError = frame;
      return;
    }
    const waiting = frame.id && this.requests.get(frame.id);
    if (waiting && frame.type !== 'message') {
      this.requests.delete(frame.id);
      if (frame.type === 'error') waiting.reject(frame);
      else waiting.resolve(frame);
      // A `subscribe` is answered by `subscribed`; replayed events before it have no id and come as frames.
      if (frame.type !== 'subscribed' && frame.type !== 'receipt' && frame.type !== 'review_item') return;
    }
    if (frame.type === 'moderation_notice' && frame.kind === 'banned') this.lastNotice = frame;
    this.dispatchEvent(new CustomEvent('frame', { detail: frame }));
  }

  closed(socket, code) {
    if (socket && socket !== this.socket) return;
    clearTimeout(this.refreshTimer);
    for (const { reject } of this.requests.values()) reject({ code: 'disconnected' });
    this.requests.clear();
    if (this.ended) return;
    if (code === 4505) {
      const until = this.lastNotice?.until ? ` until ${new Date(this.lastNotice.until).toLocaleString()}` : '';
      const reason = this.lastNotice?.reason ? ` Reason: ${this.lastNotice.reason}` : '';
      if (!this.lastNotice && this.authError) return this.end(`You are banned from this chamber: ${this.authError.message}`);
      return this.end(`You have been banned from this chamber by a moderator${until}.${reason}`);
    }
    if (code === 4500) {
      // A token that expired between the check and the upgrade: one refresh, then a retry; otherwise stop.
      if (!this.retriedAuth) {
        this.retriedAuth = true;
        return refreshSession().then((good) => (good ? this.connect() : this.end(finalCloses[4500])));
      }
      return this.end(finalCloses[4500]);
    }
    if (code >= 4500 && code <= 4999) return this.end(finalCloses[code] ?? 'The server ended this connection.');
    if (this.state === 'online' && Date.now() - this.upSince > 60_000) this.attempt = 0;
    this.setState('offline');
    if (code === 4005) return this.connect(); // new rights: at once
    // Full jitter in [0, min(60 s, 1 s × 2^attempt)]; 0.5–5 s when the node shuts down (1001); at least 10 s after
    // flooding (4002).
    const ceiling = Math.min(60_000, 1000 * 2 ** this.attempt++);
    let delay = Math.random() * ceiling;
    if (code === 1001) delay = 500 + Math.random() * 4500;
    if (code === 4002) delay += 10_000;
    this.retryTimer = setTimeout(() => this.connect(), delay);
  }

  scheduleRefresh(expiresAt) {
    this.retriedAuth = false;
    clearTimeout(this.refreshTimer);
    const due = Math.max(5_000, Date.parse(expiresAt) - Date.now() - 60_000);
    this.refreshTimer = setTimeout(async () => {
      if (!(await refreshSession())) return;
      const token = await freshAccessToken();
      this.request({ type: 'refresh', token }).then(
        () => this.scheduleRefresh(currentSession()?.access_token_expires_at ?? new Date(Date.now() + 600_000).toISOString()),
        () => {},
      );
    }, due);
  }

  /** Reconnects now (the browser says the network is back), skipping what is left of the backoff. */
  reconnectNow() {
    if (this.state !== 'offline') return;
    clearTimeout(this.retryTimer);
    this.connect();
  }

  end(reason) {
    this.ended = true;
    this.setState('ended', reason);
  }

  setState(state, reason) {
    this.state = state;
    this.dispatchEvent(new CustomEvent('state', { detail: { state, reason } }));
  }
}
