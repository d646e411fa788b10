// One channel's stream as a client keeps it (Protocol/websocket.md §6.2): the highest sequence number applied, the
// messages by id, and the rule that applies an event only when it is the next one. Pure: no socket, no page.

export class ChannelState {
  constructor(id) {
    this.id = id;
    /** The highest sequence number applied; null until the first `subscribed`. */
    this.seq = null;
    this.messages = new Map();
    /** Events that came before the first `subscribed` (§6.3), applied once it says where the stream starts. */
    this.early = [];
    /** Message ids a stream event changed, and when: a history page asked for before that keeps the stream's state. */
    this.touched = new Map();
    this.clock = 0;
    /** Whether the newest history page has been merged; whether paging back reached the first message. */
    this.loaded = false;
    this.complete = false;
  }

  /**
   * Applies a stream event. Returns `applied`, `duplicate` (already applied: ignored), `early` (held until
   * subscribed) or `gap` (a later event with none before it: the caller treats it as recovery_incomplete, §6.2).
   */
  apply(event) {
    if (this.seq === null) {
      this.early.push(event);
      return 'early';
    }
    if (event.seq <= this.seq) return 'duplicate';
    if (event.seq > this.seq + 1) return 'gap';
    this.seq = event.seq;
    // A new message joins the cache; a change to one that is not loaded yet is left to the history page that
    // loads it (adding it here would leave a hole between it and what is loaded).
    const id = event.message?.id ?? event.message_id;
    if (event.type === 'message' || this.messages.has(id)) {
      if (event.type === 'reaction') this.react(event);
      else this.put(event.message);
      this.touched.set(id, ++this.clock);
    }
    return 'applied';
  }

  /** `subscribed`: the stream continues after `lastSeq`; events held before it are applied. */
  subscribed(lastSeq) {
    if (this.seq === null || lastSeq > this.seq) this.seq = lastSeq;
    const early = this.early.sort((a, b) => a.seq - b.seq);
    this.early = [];
    for (const event of early) this.apply(event);
  }

  /**
   * `recovery_incomplete`: events up to `latestSeq` will not come, and what is cached may be stale (§6.5): the cache
   * is dropped, to be loaded again from the newest page.
   */
  skipTo(latestSeq) {
    this.seq = latestSeq;
    this.messages.clear();
    this.touched.clear();
    this.complete = false;
    this.loaded = false;
  }

  /** A history request is about to go out: returns the mark to pass to ``merge``. */
  mark() {
    return this.clock;
  }

  /** Merges a history page, keeping the state of messages a stream event changed after the page was asked for. */
  merge(messages, mark) {
    for (const message of messages) {
      if ((this.touched.get(message.id) ?? -1) > mark) continue;
      this.put(message);
    }
  }

  put(message) {
    this.messages.set(message.id, { ...message, reactions: { ...message.reactions } });
  }

  react(event) {
    const message = this.messages.get(event.message_id);
    if (!message) return;
    const users = message.reactions[event.emoji] ?? [];
    if (event.added) {
      if (!users.includes(event.user_id)) message.reactions[event.emoji] = [...users, event.user_id];
    } else {
      const left = users.filter((user) => user !== event.user_id);
      if (left.length) message.reactions[event.emoji] = left;
      else delete message.reactions[event.emoji];
    }
  }

  /** The messages in the order of the stream. */
  ordered() {
    return [...this.messages.values()].sort((a, b) => a.seq - b.seq);
  }

  /** The smallest message seq held (for paging back with `before`). */
  oldest() {
    let oldest = null;
    for (const message of this.messages.values()) if (oldest === null || message.seq < oldest) oldest = message.seq;
    return oldest;
  }
}
