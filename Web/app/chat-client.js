// The chat of one chamber as the page sees it: the channel list with unread counts, each open channel's stream,
// sends until they are acknowledged, typing, read positions and presence. It speaks the socket protocol
// (Protocol/websocket.md) and announces every change with a `change` event; the views only draw.

import { ChannelState } from './channel-state.js';
import { ChamberSocket } from './socket.js';

const typingEvery = 2_000;

export class ChatClient extends EventTarget {
  constructor(chamberId, me) {
    super();
    this.chamberId = chamberId;
    this.me = me;
    this.role = null;
    this.channels = [];
    this.states = new Map();
    /**
     * Sends not acknowledged yet, by client_message_id: `{channelId, body, replyTo, attachments, status, reason}`. Kept in this
     * browser's storage, so a send whose answer was lost is sent again (with its id) even after a reload.
     */
    this.outboxKey = `chamberconnect.outbox.${chamberId}.${me.id}`;
    this.outbox = new Map(loadOutbox(this.outboxKey));
    this.typers = new Map();
    this.presence = new Map();
    this.onlineCount = 0;
    this.lastTyping = new Map();
    this.lastRead = new Map();
    this.readTimers = new Map();
    this.active = null;
    this.notices = [];
    this.socket = new ChamberSocket(chamberId);
    this.socket.addEventListener('welcome', (event) => this.welcomed(event.detail));
    this.socket.addEventListener('frame', (event) => this.receive(event.detail));
    this.socket.addEventListener('state', () => this.changed());
  }

  start() {
    this.socket.connect();
  }

  stop() {
    this.socket.close();
    clearInterval(this.typingSweep);
    for (const timer of [this.listTimer, this.rateTimer, this.retryTimer, ...this.readTimers.values()]) clearTimeout(timer);
  }

  changed() {
    saveOutbox(this.outboxKey, this.outbox);
    this.dispatchEvent(new Event('change'));
  }

  /** Tells the page something the server said of the user's own action. */
  notify(text) {
    this.dispatchEvent(new CustomEvent('notice', { detail: text }));
  }

  /** After every (re)connect: resubscribe from what is stored, refresh the list and presence, resend (§6.4). */
  async welcomed(welcome) {
    this.role = welcome.role;
    this.typingTTL = welcome.limits.typing_ttl_ms;
    this.typingSweep ??= setInterval(() => this.expireTypers(), 1000);
    // Pending sends first: they do not wait for the resubscribes (§6.4 step 4 may come in any order).
    this.resendPending();
    const resubscribes = [...this.states.values()].map((state) => this.subscribe(state));
    await Promise.allSettled([this.refreshChannels(), this.refreshPresence(), ...resubscribes]);
    if (this.active) this.markRead(this.active);
    this.changed();
  }

  /**
   * Sends again every send whose outcome is unknown, and held ones (a retry of a held send is answered held again,
   * or rejected once a moderator rejected it: §6.7, §4.26), each with its own client_message_id.
   */
  resendPending() {
    for (const [clientMessageId, send] of this.outbox) {
      if (send.status === 'sending' || send.status === 'held') this.transmit(clientMessageId, send);
    }
  }

  async refreshChannels() {
    const answer = await this.socket.request({ type: 'channels' });
    this.channels = answer.items;
    this.changed();
  }

  async refreshPresence() {
    const answer = await this.socket.request({ type: 'presence', limit: 200 });
    this.presence = new Map(answer.users.map((user) => [user.user_id, user.status]));
    this.onlineCount = answer.online_count;
  }

  /** Shows a channel: subscribes the first time (then the newest page of history), and reads it. */
  async open(channelId) {
    this.active = channelId;
    if (!this.states.has(channelId)) {
      const state = new ChannelState(channelId);
      this.states.set(channelId, state);
      if (this.socket.state === 'online') await this.subscribe(state);
    }
    this.markRead(channelId);
    this.changed();
  }

  async subscribe(state) {
    const frame = { type: 'subscribe', channel_id: state.id };
    if (state.seq !== null) frame.since = state.seq;
    try {
      const subscribed = await this.socket.request(frame);
      state.subscribed(subscribed.last_seq);
    } catch (error) {
      if (error.code === 'channel_not_found') this.states.delete(state.id);
      return;
    }
    if (!state.loaded) await this.loadHistory(state);
    this.changed();
  }

  async loadHistory(state, before) {
    const frame = { type: 'history', channel_id: state.id, limit: 50 };
    if (before) frame.before = before;
    const mark = state.mark();
    try {
      const page = await this.socket.request(frame);
      state.merge(page.messages, mark);
      if (!before) state.loaded = true;
      if (page.messages.length < 50) state.complete = true;
    } catch {
      // Not loaded: asked again at the next (re)subscribe, or the next scroll.
    }
    this.changed();
  }

  async loadOlder(channelId) {
    const state = this.states.get(channelId);
    if (state && !state.complete) await this.loadHistory(state, state.oldest());
  }

  receive(frame) {
    switch (frame.type) {
      case 'message':
      case 'message_edited':
      case 'message_deleted':
      case 'reaction':
        return this.streamEvent(frame);
      case 'recovery_incomplete': {
        const state = this.states.get(frame.channel_id);
        if (!state || state.seq === null) return; // a first visit loads its history after `subscribed` anyway
        state.skipTo(frame.latest_seq);
        this.loadHistory(state);
        return;
      }
      case 'typing':
        if (frame.user_id === this.me.id) return;
        this.typers.set(`${frame.channel_id} ${frame.user_id}`, Date.now() + frame.expires_in_ms);
        return this.changed();
      case 'receipt':
        return this.receipt(frame);
      case 'presence':
        for (const user of frame.users ?? []) this.presence.set(user.user_id, user.status);
        this.onlineCount = frame.online_count;
        return this.changed();
      case 'channel_changed':
        return this.channelChanged(frame.channel_id);
      case 'error':
        // Not processed (§12.2), and without an id to say which: what may have been a send goes again in a second.
        if (frame.code === 'rate_limited') {
          clearTimeout(this.rateTimer);
          this.rateTimer = setTimeout(() => this.resendPending(), 1000);
        }
        return;
      case 'moderation_notice':
        return this.moderationNotice(frame);
      default:
        this.dispatchEvent(new CustomEvent('frame', { detail: frame }));
    }
  }

  /**
   * The channel list changed (§7.4): refetched (debounced). A shown channel that is still listed is subscribed again
   * from its stored seq (the server ends the subscription of a member removed and added back); one no longer
   * listed is dropped.
   */
  channelChanged(channelId) {
    this.changedChannels ??= new Set();
    this.changedChannels.add(channelId);
    clearTimeout(this.listTimer);
    this.listTimer = setTimeout(async () => {
      const changed = this.changedChannels;
      this.changedChannels = new Set();
      await this.refreshChannels().catch(() => {});
      for (const id of changed) {
        const state = this.states.get(id);
        if (!state) continue;
        if (this.channels.some((item) => item.channel.id === id)) this.subscribe(state);
        else this.states.delete(id);
      }
      this.changed();
    }, 200);
  }

  streamEvent(event) {
    const state = this.states.get(event.channel_id);
    if (state) {
      let outcome = state.apply(event);
      if (outcome === 'gap') {
        // Never without a recovery_incomplete before it (§6.6); if it happens, treat it as one.
        state.skipTo(event.seq - 1);
        outcome = state.apply(event);
        this.loadHistory(state);
      }
    }
    if (event.type === 'message') {
      const message = event.message;
      if (message.sender_id === this.me.id) this.outbox.delete(message.client_message_id);
      this.typers.delete(`${event.channel_id} ${message.sender_id}`);
      const item = this.channels.find((entry) => entry.channel.id === event.channel_id);
      if (item) {
        item.last_message = message;
        item.channel.last_seq = event.seq;
        if (message.sender_id !== this.me.id && this.active !== event.channel_id) item.unread_count += 1;
        this.channels = [item, ...this.channels.filter((entry) => entry !== item)];
      } else {
        this.refreshChannels().catch(() => {});
      }
      if (this.active === event.channel_id) this.markRead(event.channel_id);
    }
    this.changed();
  }

  receipt(frame) {
    const state = this.states.get(frame.channel_id);
    if (state) {
      state.readers ??= new Map();
      state.readers.set(frame.user_id, Math.max(frame.seq, state.readers.get(frame.user_id) ?? 0));
    }
    if (frame.user_id === this.me.id && frame.unread_count !== undefined) {
      const item = this.channels.find((entry) => entry.channel.id === frame.channel_id);
      if (item) {
        item.unread_count = frame.unread_count;
        item.last_read_seq = Math.max(item.last_read_seq, frame.seq);
      }
    }
    this.changed();
  }

  moderationNotice(notice) {
    if (notice.kind === 'held_approved') this.outbox.delete(notice.client_message_id);
    if (notice.kind === 'held_rejected') {
      const send = this.outbox.get(notice.client_message_id);
      if (send) Object.assign(send, { status: 'rejected', reason: notice.reason ?? 'A moderator declined this message.' });
    }
    this.notices.push(notice);
    this.changed();
  }

  /**
   * Sends a message: shown at once as pending, reconciled by its client_message_id (§6.7). `attachments` are files
   * uploaded to the channel first, as the upload answered them.
   */
  send(channelId, body, replyTo = null, attachments = []) {
    const clientMessageId = crypto.randomUUID();
    const send = { channelId, body, replyTo, attachments, status: 'sending', createdAt: new Date().toISOString() };
    this.outbox.set(clientMessageId, send);
    this.transmit(clientMessageId, send);
    this.changed();
  }

  async transmit(clientMessageId, send) {
    try {
      const frame = { type: 'send', channel_id: send.channelId, client_message_id: clientMessageId, body: send.body };
      if (send.replyTo) frame.reply_to = send.replyTo;
      if (send.attachments?.length) frame.attachments = send.attachments.map(({ url, content_type, size, name }) => ({ url, content_type, size, name }));
      const ack = await this.socket.request(frame);
      if (ack.changed_by) this.notify(`Your message was published as the chamber's rules changed it (${ack.changed_by.join(', ')}).`);
      if (ack.status === 'held') Object.assign(send, { status: 'held', reason: ack.reason });
      else if (this.outbox.has(clientMessageId)) {
        // Published: the message event follows (or came first and removed it already).
        const state = this.states.get(send.channelId);
        if (!state || state.messages.has(ack.message_id)) this.outbox.delete(clientMessageId);
        else Object.assign(send, { status: 'sent', messageId: ack.message_id });
      }
    } catch (error) {
      // Unknown outcome (the socket closed, §6.7): kept, and resent with the same id after the reconnect.
      const retry = ['disconnected', 'timeout', 'rate_limited', 'internal_error', 'unavailable'].includes(error.code);
      if (!retry) Object.assign(send, { status: error.code === 'message_rejected' ? 'rejected' : 'failed', reason: error.message ?? error.code });
      else if (error.code !== 'disconnected') {
        clearTimeout(this.retryTimer);
        this.retryTimer = setTimeout(() => this.resendPending(), 2000);
      }
    }
    this.changed();
  }

  /** The sends of a channel that are not in its stream (yet). */
  pendingIn(channelId) {
    const state = this.states.get(channelId);
    return [...this.outbox.entries()]
      .filter(([, send]) => send.channelId === channelId && !(send.messageId && state?.messages.has(send.messageId)))
      .map(([clientMessageId, send]) => ({ clientMessageId, ...send }));
  }

  discard(clientMessageId) {
    this.outbox.delete(clientMessageId);
    this.changed();
  }

  /** The user is typing: tells the channel at most once every 2 s (§7.2). */
  typing(channelId) {
    const now = Date.now();
    if (now - (this.lastTyping.get(channelId) ?? 0) < typingEvery) return;
    this.lastTyping.set(channelId, now);
    this.socket.post({ type: 'typing', channel_id: channelId });
  }

  typingIn(channelId) {
    const now = Date.now();
    return [...this.typers.entries()]
      .filter(([key, until]) => until > now && key.startsWith(`${channelId} `))
      .map(([key]) => key.split(' ')[1]);
  }

  expireTypers() {
    const now = Date.now();
    let expired = false;
    for (const [key, until] of this.typers) if (until <= now) expired = this.typers.delete(key);
    if (expired) this.changed();
  }

  /** Moves the read position to the newest event shown, at most once a second per channel (§7.1). */
  markRead(channelId) {
    const state = this.states.get(channelId);
    if (!state || state.seq === null || document.visibilityState === 'hidden') return;
    const item = this.channels.find((entry) => entry.channel.id === channelId);
    if (item && item.last_read_seq >= state.seq && item.unread_count === 0) return;
    clearTimeout(this.readTimers.get(channelId));
    const wait = Math.max(0, 1000 - (Date.now() - (this.lastRead.get(channelId) ?? 0)));
    this.readTimers.set(channelId, setTimeout(() => {
      this.lastRead.set(channelId, Date.now());
      this.socket.request({ type: 'read', channel_id: channelId, seq: state.seq }).catch(() => {});
    }, wait));
  }

  /** Who has read a message (their position reached its seq), the reader excluded. */
  seenBy(channelId, seq) {
    const readers = this.states.get(channelId)?.readers ?? new Map();
    return [...readers.entries()].filter(([user, position]) => user !== this.me.id && position >= seq).map(([user]) => user);
  }

  async openDirect(userId) {
    const answer = await this.socket.request({ type: 'open_direct', user_id: userId });
    await this.refreshChannels();
    return answer.channel.id;
  }

  react(messageId, emoji, add) {
    return this.socket.request({ type: 'react', message_id: messageId, emoji, add });
  }

  edit(messageId, body) {
    return this.socket.request({ type: 'edit', message_id: messageId, body });
  }

  remove(messageId) {
    return this.socket.request({ type: 'delete', message_id: messageId });
  }

  /** A moderator's action (§4.23). */
  moderate(frame) {
    return this.socket.request({ type: 'moderate', ...frame });
  }

  report(messageId, reason) {
    return this.socket.request({ type: 'report', message_id: messageId, reason });
  }

  setAway(away) {
    this.socket.request({ type: 'set_status', status: away ? 'away' : 'online' }).catch(() => {});
  }
}

function loadOutbox(key) {
  try {
    return Object.entries(JSON.parse(localStorage.getItem(key)) ?? {});
  } catch {
    return [];
  }
}

function saveOutbox(key, outbox) {
  if (outbox.size === 0) localStorage.removeItem(key);
  else localStorage.setItem(key, JSON.stringify(Object.fromEntries(outbox)));
}
