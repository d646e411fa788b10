// The chat page: the channel list (unread counts, last messages, who is online) beside the open conversation
// (messages live, typing, "seen by", pending sends and their moderation outcome, replies, reactions, edits). On a
// phone one of the two shows at a time.

import { api, describe } from './api.js';
import { acceptedTypes, attachmentList, maxAttachments, uploadAttachment } from './attachments.js';
import { ask, h, initials, show, when } from './dom.js';
import { mentionsByName } from './format.js';

const quickReactions = ['👍', '🎉', '❤️'];
const moderatorRoles = ['admin', 'staff', 'moderator'];
const muteChoices = [['600', '10 minutes'], ['3600', 'an hour'], ['86400', 'a day'], ['', 'until lifted']];

/** Slow-mode choices, with the channel's own value among them (set elsewhere, it must not be undone by Apply). */
function slowChoices(current) {
  const choices = [['0', 'Off'], ['10', 'One message per 10 s'], ['30', 'One per 30 s'], ['60', 'One per minute'], ['300', 'One per 5 minutes']];
  if (!choices.some(([value]) => Number(value) === current)) choices.push([String(current), `One per ${current} s`]);
  return choices;
}

/**
 * Runs a redraw and puts the keyboard focus back where it was: on the same control (by its `data-key` row and its
 * position in it), so presence and typing updates do not throw a keyboard user out of the list.
 */
function keepingFocus(root, redraw) {
  const focused = document.activeElement;
  const row = focused && root.contains(focused) ? focused.closest('[data-key]') : null;
  const key = row?.dataset.key;
  const index = row ? [...row.querySelectorAll('a, button, input, select, textarea')].indexOf(focused) : -1;
  redraw();
  if (!key || root.contains(focused)) return;
  const again = root.querySelector(`[data-key="${CSS.escape(key)}"]`);
  again?.querySelectorAll('a, button, input, select, textarea')[index]?.focus();
}

export class ChatView {
  constructor(client, members, channelId) {
    this.client = client;
    this.members = members;
    this.channelId = channelId;
    this.list = h('ul', { class: 'channel-list', 'aria-label': 'Conversations' });
    this.picker = h('div', { class: 'picker', hidden: true });
    this.element = h('main', { id: 'main', class: `chat ${channelId ? 'has-channel' : ''}` },
      h('aside', { class: 'channels', 'aria-label': 'Your conversations' },
        h('div', { class: 'channels-head' }, h('h2', {}, 'Conversations'),
          h('span', { class: 'page-tools' },
            h('button', { type: 'button', class: 'new-direct', onclick: () => this.togglePicker() }, 'New message'),
            ['trial', 'guest'].includes(client.role) ? null : h('button', { type: 'button', class: 'new-group', onclick: () => this.newGroup() }, 'New group'))),
        this.picker, this.list),
      this.conversation = h('section', { class: 'conversation', 'aria-label': 'Conversation' }));
    if (channelId) {
      this.buildConversation();
      this.onNotice = (event) => this.say(event.detail);
      client.addEventListener('notice', this.onNotice);
      client.open(channelId);
    } else {
      client.active = null;
      show(this.conversation, h('p', { class: 'empty' }, 'Choose a conversation.'));
    }
  }

  name(userId) {
    return this.members.get(userId)?.display_name ?? 'Someone';
  }

  channelTitle(item) {
    if (item.channel.kind === 'direct') return this.name(item.peer_id);
    return item.channel.name;
  }

  update() {
    keepingFocus(this.element, () => {
      this.drawList();
      if (this.channelId) this.drawConversation();
    });
  }

  drawList() {
    const client = this.client;
    const signature = JSON.stringify([this.channelId, client.channels, client.channels.map((item) => client.presence.get(item.peer_id))]);
    if (signature === this.listSignature) return;
    this.listSignature = signature;
    show(this.list, client.channels.map((item) => {
      const presence = item.peer_id ? client.presence.get(item.peer_id) ?? 'offline' : null;
      const last = item.last_message;
      const preview = last ? (last.deleted_at ? 'Message deleted' : `${last.sender_id === client.me.id ? 'You: ' : ''}${this.plain(last.body) || 'Attachment'}`) : item.channel.topic ?? '';
      return h('li', { dataset: { key: item.channel.id } },
        h('a', { href: `#/chat/${item.channel.id}`, class: 'channel', 'aria-current': item.channel.id === this.channelId ? 'page' : null, dataset: { channel: item.channel.id } },
          h('span', { class: `avatar kind-${item.channel.kind}`, 'aria-hidden': 'true' }, initials(this.channelTitle(item)),
            presence ? h('span', { class: `dot ${presence}` }) : null),
          h('span', { class: 'channel-text' },
            h('span', { class: 'channel-name' }, this.channelTitle(item), presence ? h('span', { class: 'visually-hidden' }, ` (${presence})`) : null),
            h('span', { class: 'preview' }, preview)),
          h('span', { class: 'channel-meta' }, last ? h('time', { datetime: last.created_at }, when(last.created_at)) : null,
            item.unread_count > 0 ? h('span', { class: 'badge' }, String(item.unread_count), h('span', { class: 'visually-hidden' }, ' unread')) : null)));
    }));
  }

  togglePicker() {
    if (!this.picker.hidden) {
      this.picker.hidden = true;
      return;
    }
    const search = h('input', { id: 'member-search', type: 'search', autocomplete: 'off', placeholder: 'Name' });
    const results = h('ul', { class: 'member-results' });
    const fill = () => {
      const term = search.value.trim().toLowerCase();
      const found = [...this.members.values()].filter((member) => member.user_id !== this.client.me.id && member.display_name.toLowerCase().includes(term)).slice(0, 20);
      show(results, found.map((member) => h('li', {}, h('button', {
        type: 'button',
        onclick: async () => {
          try {
            const channelId = await this.client.openDirect(member.user_id);
            location.hash = `#/chat/${channelId}`;
          } catch (error) {
            show(results, h('li', { class: 'form-error', role: 'alert' }, error.message ?? 'Could not open the conversation.'));
          }
        },
      }, member.display_name, h('small', {}, ` · ${member.role}`)))));
    };
    search.addEventListener('input', fill);
    show(this.picker, h('label', { for: 'member-search' }, 'Message a member'), search, results);
    this.picker.hidden = false;
    fill();
    search.focus();
  }

  /** A group with a name and the members picked (create_channel, §4.15); its owner is the creator. */
  newGroup() {
    const name = h('input', { id: 'group-name', required: true, maxlength: 80 });
    const boxes = [...this.members.values()].filter((member) => member.user_id !== this.client.me.id)
      .sort((a, b) => a.display_name.localeCompare(b.display_name))
      .map((member) => h('label', { class: 'check' }, h('input', { type: 'checkbox', value: member.user_id }), ` ${member.display_name}`));
    const error = h('p', { class: 'form-error', role: 'alert' });
    const dialog = h('dialog', { 'aria-labelledby': 'group-title' }, h('form', { method: 'dialog', onsubmit: async (event) => {
      event.preventDefault();
      const members = boxes.map((box) => box.querySelector('input')).filter((box) => box.checked).map((box) => box.value);
      try {
        const answer = await this.client.socket.request({ type: 'create_channel', kind: 'group', name: name.value.trim(), members });
        dialog.close();
        await this.client.refreshChannels();
        location.hash = `#/chat/${answer.channel.id}`;
      } catch (failure) {
        error.textContent = `${failure.message ?? 'The group could not be made'} (${failure.code})`;
      }
    } },
    h('h2', { id: 'group-title' }, 'New group'),
    h('label', { for: 'group-name' }, 'Name'), name,
    h('fieldset', { class: 'group-members' }, h('legend', {}, 'Members'), boxes),
    error,
    h('div', { class: 'dialog-buttons' }, h('button', { type: 'button', onclick: () => dialog.close('cancel') }, 'Cancel'),
      h('button', { type: 'submit', value: 'create', class: 'primary' }, 'Create group'))));
    dialog.addEventListener('close', () => dialog.remove());
    document.body.append(dialog);
    dialog.showModal();
  }

  buildConversation() {
    this.title = h('h2', { class: 'conversation-title' });
    this.typingLine = h('p', { class: 'typing', 'aria-live': 'polite' });
    this.notice = h('p', { class: 'conversation-notice', role: 'status' });
    this.pinned = h('section', { class: 'pinned', 'aria-label': 'Pinned', hidden: true });
    this.tools = h('button', { type: 'button', class: 'link tools', hidden: true, onclick: () => {
      const item = this.client.channels.find((entry) => entry.channel.id === this.channelId);
      if (item) this.channelTools(item);
    } }, 'Moderate');
    this.messages = h('ol', { class: 'messages', 'aria-label': 'Messages', role: 'log' });
    this.older = h('button', { type: 'button', class: 'link older', onclick: () => this.client.loadOlder(this.channelId) }, 'Earlier messages');
    this.replying = null;
    this.replyLine = h('div', { class: 'reply-line', hidden: true });
    this.input = h('textarea', { id: 'composer', rows: 1, maxlength: 4000, placeholder: 'Write a message', enterkeyhint: 'send' });
    this.mentions = new Map();
    this.suggestions = h('ul', { id: 'mention-suggestions', class: 'suggestions', 'aria-label': 'Members to mention', hidden: true });
    this.suggestionsSaid = h('p', { class: 'visually-hidden', role: 'status' });
    this.input.addEventListener('input', () => {
      this.client.typing(this.channelId);
      this.suggest();
    });
    this.input.addEventListener('keydown', (event) => {
      if (event.key === 'Enter' && !event.shiftKey && !event.isComposing) {
        event.preventDefault();
        const first = this.suggestions.hidden ? null : this.suggestions.querySelector('button');
        if (first) first.click();
        else this.submit();
      }
      if (event.key === 'Escape') this.suggestions.hidden = true;
    });
    this.readOnly = h('p', { class: 'read-only', hidden: true });
    // Files picked for the next message, uploaded as soon as they are picked.
    this.picked = [];
    this.pickedLine = h('ul', { class: 'picked-files', 'aria-label': 'Files to send', 'aria-live': 'polite', hidden: true });
    this.fileInput = h('input', { type: 'file', id: 'attach-files', accept: acceptedTypes, multiple: true, hidden: true, 'aria-label': 'Files to attach', onchange: () => this.attach() });
    this.composer = h('form', { class: 'composer', onsubmit: (event) => {
      event.preventDefault();
      this.submit();
    } },
    this.fileInput,
    h('button', { type: 'button', class: 'attach', 'aria-label': 'Attach files', title: 'Attach files', onclick: () => this.fileInput.click() }, '📎'),
    h('label', { for: 'composer', class: 'visually-hidden' }, 'Message (type @ to mention a member)'), this.input,
    h('button', { type: 'submit', class: 'primary send' }, 'Send'));
    show(this.conversation,
      h('header', { class: 'conversation-head' }, h('a', { href: '#/chat', class: 'back' }, h('span', { 'aria-hidden': 'true' }, '‹ '), 'Back'), this.title, this.tools),
      this.pinned,
      h('div', { class: 'scroller' }, this.older, this.messages), this.notice, this.typingLine, this.replyLine, this.suggestions, this.suggestionsSaid, this.readOnly, this.pickedLine, this.composer);
  }

  /** Uploads the files just picked to the channel; each is sent with the next message once it is in. */
  async attach() {
    const files = [...this.fileInput.files];
    this.fileInput.value = '';
    for (const file of files) {
      if (this.picked.length >= maxAttachments) {
        this.say(`At most ${maxAttachments} files go with one message.`);
        break;
      }
      const entry = { name: file.name, uploading: true };
      this.picked.push(entry);
      this.drawPicked();
      try {
        Object.assign(entry, await uploadAttachment(this.client.chamberId, this.channelId, file), { uploading: false });
      } catch (error) {
        // Removed meanwhile, it is gone already; otherwise it goes now.
        if (this.picked.includes(entry)) this.picked.splice(this.picked.indexOf(entry), 1);
        this.say(`${file.name}: ${describe(error)}`);
      }
      this.drawPicked();
    }
  }

  drawPicked() {
    this.pickedLine.hidden = this.picked.length === 0 || this.composer.hidden;
    show(this.pickedLine, this.picked.map((entry) => h('li', {}, entry.uploading ? `${entry.name} (uploading…)` : entry.name, ' ',
      h('button', { type: 'button', class: 'link', 'aria-label': `Remove ${entry.name}`, onclick: () => {
        this.picked.splice(this.picked.indexOf(entry), 1);
        this.drawPicked();
      } }, 'Remove'))));
  }

  /** While a word starting with @ is typed: the members whose names start with the rest, to pick one. */
  suggest() {
    const before = this.input.value.slice(0, this.input.selectionStart);
    const typed = before.match(/(^|\s)@([^\s@]{0,30})$/);
    if (!typed) {
      this.suggestions.hidden = true;
      return;
    }
    const prefix = typed[2].toLowerCase();
    const found = [...this.members.values()]
      .filter((member) => member.user_id !== this.client.me.id && member.display_name.toLowerCase().split(/\s+/).some((word) => word.startsWith(prefix)))
      .slice(0, 6);
    this.suggestions.hidden = found.length === 0;
    this.input.setAttribute('aria-expanded', String(found.length > 0));
    this.input.setAttribute('aria-controls', 'mention-suggestions');
    this.suggestionsSaid.textContent = found.length ? `${found.length} members to mention; Enter picks ${found[0].display_name}, Tab to choose another` : '';
    show(this.suggestions, found.map((member) => h('li', {}, h('button', { type: 'button', onclick: () => {
      const label = `@${member.display_name}`;
      this.mentions.set(label, member.user_id);
      const start = before.length - typed[2].length - 1;
      this.input.value = `${this.input.value.slice(0, start)}${label} ${this.input.value.slice(this.input.selectionStart)}`;
      this.suggestions.hidden = true;
      this.input.focus();
      this.input.selectionStart = this.input.selectionEnd = start + label.length + 1;
    } }, `@${member.display_name}`))));
  }

  submit() {
    let body = this.input.value.trim();
    if (this.picked.some((entry) => entry.uploading)) {
      this.say('Wait a moment: the files are still uploading.');
      return;
    }
    if (!body && this.picked.length === 0) return;
    // Mentions picked from the list go on the wire as <@USER_ID> (§4.7); longest names first, so "@Ann Lee" is not
    // taken for "@Ann".
    for (const [label, userId] of [...this.mentions].sort((a, b) => b[0].length - a[0].length)) body = body.split(label).join(`<@${userId}>`);
    this.mentions.clear();
    this.suggestions.hidden = true;
    this.client.send(this.channelId, body, this.replying, this.picked);
    this.picked = [];
    this.drawPicked();
    this.input.value = '';
    this.setReply(null);
  }

  setReply(message) {
    this.replying = message?.id ?? null;
    this.replyLine.hidden = !message;
    if (message) {
      show(this.replyLine, h('span', {}, `Replying to ${this.name(message.sender_id)}: ${this.plain(message.body).slice(0, 80)}`),
        h('button', { type: 'button', class: 'link', onclick: () => this.setReply(null) }, 'Cancel'));
      this.input.focus();
    }
  }

  drawConversation() {
    const client = this.client;
    const item = client.channels.find((entry) => entry.channel.id === this.channelId);
    const state = client.states.get(this.channelId);
    this.title.textContent = item ? this.channelTitle(item) : '';
    this.drawEventRoom(item, state);
    this.tools.hidden = !item || item.channel.kind === 'direct' || item.channel.kind === 'announcement' || !this.moderates();
    this.composerState(item);
    const scroller = this.messages.parentElement;
    const atBottom = scroller.scrollHeight - scroller.scrollTop - scroller.clientHeight < 40;
    const ordered = state ? state.ordered() : [];
    this.older.hidden = !state || state.complete || ordered.length === 0;
    const mine = ordered.filter((message) => message.sender_id === client.me.id && !message.deleted_at);
    const lastMine = mine[mine.length - 1];
    const pending = client.pendingIn(this.channelId);
    const seen = lastMine ? client.seenBy(this.channelId, lastMine.seq) : [];
    const signature = JSON.stringify([ordered, pending, seen, client.role]);
    if (signature !== this.rowsSignature) {
      this.rowsSignature = signature;
      const rows = ordered.map((message) => this.messageRow(message, state, message === lastMine));
      for (const send of pending) rows.push(this.pendingRow(send));
      show(this.messages, rows);
    }
    const typers = client.typingIn(this.channelId).map((user) => this.name(user));
    this.typingLine.textContent = typers.length ? `${typers.join(', ')} ${typers.length > 1 ? 'are' : 'is'} typing…` : '';
    if (atBottom) scroller.scrollTop = scroller.scrollHeight;
  }

  /**
   * An event's live room: the organisers' notices and posts pinned above the conversation (§4.16), and for staff
   * the door's figures, live (§5.22).
   */
  drawEventRoom(item, state) {
    const isEvent = item?.channel.kind === 'event';
    this.pinned.hidden = !isEvent;
    if (!isEvent) return;
    const organisers = ['admin', 'staff'];
    const notices = (state ? state.ordered() : [])
      .filter((message) => !message.deleted_at && (message.data?.event_notice || organisers.includes(this.members.get(message.sender_id)?.role)))
      .slice(-3);
    const staff = organisers.includes(this.client.role) && item.channel.event_id;
    if (staff && !this.attendanceAsked) {
      this.attendanceAsked = true;
      this.onAttendance = (event) => {
        if (event.detail.type === 'event_attendance' && event.detail.channel_id === this.channelId) {
          this.attendance = event.detail.attendance;
          this.update();
        }
      };
      this.client.addEventListener('frame', this.onAttendance);
      api('GET', `/v1/chambers/${this.client.chamberId}/events/${item.channel.event_id}/attendance`).then((attendance) => {
        this.attendance = attendance;
        this.update();
      }, () => {});
    }
    const figures = this.attendance;
    show(this.pinned,
      staff && figures ? h('p', { class: 'attendance', role: 'status' },
        h('strong', {}, `${figures.checked_in_seats} checked in`), ` · ${figures.seats_taken}${figures.capacity ? ` of ${figures.capacity}` : ''} seats taken`,
        ` · ${figures.walk_ins} walk-ins · ${figures.by_status.waitlisted.registrations} waiting`) : null,
      notices.length ? h('div', { class: 'pins' }, h('h3', {}, 'From the organisers'),
        h('ul', {}, notices.map((message) => h('li', {}, h('strong', {}, this.name(message.sender_id)), ': ', this.withMentions(message.body))))) : null);
  }

  /** The composer shows only where the member may post, and says why not. */
  composerState(item) {
    const role = this.client.role;
    let why = null;
    if (!item) why = null;
    else if (item.channel.archived_at) why = 'This conversation is archived.';
    else if (item.channel.kind === 'announcement' && !['admin', 'staff'].includes(role)) why = 'Only the chamber office posts announcements.';
    else if (role === 'guest') why = 'Guests read along; members post.';
    else if (item.channel.locked_at && !this.moderates()) why = 'A moderator locked this conversation.';
    this.composer.hidden = Boolean(why);
    this.pickedLine.hidden = this.picked.length === 0 || this.composer.hidden;
    this.readOnly.textContent = why ?? '';
    this.readOnly.hidden = !why;
  }

  messageRow(message, state, lastOfMine) {
    const client = this.client;
    const own = message.sender_id === client.me.id;
    const replyTo = message.reply_to ? state.messages.get(message.reply_to) : null;
    const seenBy = lastOfMine ? client.seenBy(this.channelId, message.seq).map((user) => this.name(user)) : [];
    const reactions = Object.entries(message.reactions ?? {}).map(([emoji, users]) => h('button', {
      type: 'button', class: `reaction ${users.includes(client.me.id) ? 'mine' : ''}`, 'aria-pressed': users.includes(client.me.id) ? 'true' : 'false',
      onclick: () => client.react(message.id, emoji, !users.includes(client.me.id)).catch(() => {}),
    }, `${emoji} ${users.length}`));
    const actions = message.deleted_at ? null : h('div', { class: 'actions' },
      quickReactions.map((emoji) => h('button', { type: 'button', class: 'link', 'aria-label': `React with ${emoji}`, onclick: () => client.react(message.id, emoji, true).catch(() => {}) }, emoji)),
      h('button', { type: 'button', class: 'link', onclick: () => this.setReply(message) }, 'Reply'),
      own ? h('button', { type: 'button', class: 'link', onclick: () => this.editMessage(message) }, 'Edit') : null,
      own || this.moderates() ? h('button', { type: 'button', class: 'link', onclick: () => this.deleteMessage(message, own) }, 'Delete') : null,
      !own && client.role !== 'guest' ? h('button', { type: 'button', class: 'link', onclick: () => this.report(message) }, 'Report') : null,
      !own && this.moderates() ? h('button', { type: 'button', class: 'link', onclick: () => this.sanction(message.sender_id, 'mute') }, 'Mute') : null,
      !own && this.moderates() && this.kicks() ? h('button', { type: 'button', class: 'link', onclick: () => this.sanction(message.sender_id, 'kick') }, 'Kick') : null,
      !own && this.moderates() ? h('button', { type: 'button', class: 'link', onclick: () => this.sanction(message.sender_id, 'ban') }, 'Ban') : null);
    return h('li', { class: `message ${own ? 'own' : ''}`, dataset: { seq: message.seq, id: message.id, key: message.id } },
      h('div', { class: 'message-head' }, h('strong', {}, this.name(message.sender_id)), ' ', h('time', { datetime: message.created_at }, when(message.created_at)),
        message.edited_at && !message.deleted_at ? h('small', {}, ' (edited)') : null),
      replyTo ? h('blockquote', {}, `${this.name(replyTo.sender_id)}: ${this.plain(replyTo.body).slice(0, 80)}`) : null,
      message.deleted_at ? h('p', { class: 'body deleted' }, 'Message deleted') : message.body ? h('p', { class: 'body' }, this.withMentions(message.body)) : null,
      message.deleted_at ? null : attachmentList(message.attachments, (error) => this.failed(error)),
      reactions.length ? h('div', { class: 'reactions' }, reactions) : null,
      seenBy.length ? h('p', { class: 'seen' }, `Seen by ${seenBy.join(', ')}`) : null,
      actions);
  }

  /** A body as one line of text, mentions by name. */
  plain(body) {
    return mentionsByName(body, (id) => this.name(id));
  }

  /** `<@USER_ID>` shown as `@Name`. */
  withMentions(body) {
    return body.split(/(<@[0-9a-f-]{36}>)/).map((part) => {
      const mention = part.match(/^<@([0-9a-f-]{36})>$/);
      return mention ? h('span', { class: 'mention' }, `@${this.name(mention[1])}`) : part;
    });
  }

  pendingRow(send) {
    const labels = {
      sending: 'Sending…', sent: 'Sent', held: `Waiting for a moderator's review: ${send.reason}`,
      rejected: `Not published: ${send.reason}`, failed: `Not sent: ${send.reason}`,
    };
    const final = send.status === 'rejected' || send.status === 'failed';
    return h('li', { class: `message own pending status-${send.status}`, dataset: { clientMessageId: send.clientMessageId, key: send.clientMessageId } },
      send.body ? h('p', { class: 'body' }, send.body) : null,
      send.attachments?.length ? h('p', { class: 'pending-files' }, send.attachments.map((attachment) => attachment.name).join(', ')) : null,
      h('p', { class: 'pending-status' }, labels[send.status]),
      final ? h('button', { type: 'button', class: 'link', onclick: () => this.client.discard(send.clientMessageId) }, 'Dismiss') : null);
  }

  moderates() {
    return moderatorRoles.includes(this.client.role);
  }

  /** Whether the open conversation is one a member can be kicked from (a group or an event room, §4.23). */
  kicks() {
    const kind = this.client.channels.find((entry) => entry.channel.id === this.channelId)?.channel.kind;
    return kind === 'group' || kind === 'event';
  }

  /** Shows what the server answered, in the conversation (the answer's own words and code). */
  say(text) {
    this.notice.textContent = text;
    clearTimeout(this.noticeTimer);
    this.noticeTimer = setTimeout(() => (this.notice.textContent = ''), 8000);
  }

  failed(error) {
    this.say(`${error.message ?? 'That did not work'} (${error.code})`);
  }

  async editMessage(message) {
    const answer = await ask('Edit your message', [{ name: 'body', label: 'Message', value: message.body, type: 'textarea' }], 'Save');
    if (!answer || answer.body === message.body || (answer.body.trim() === '' && !message.attachments?.length)) return;
    this.client.edit(message.id, answer.body.trim()).catch((error) => this.failed(error));
  }

  async deleteMessage(message, own) {
    if (own) return this.client.remove(message.id).catch((error) => this.failed(error));
    const answer = await ask(`Delete ${this.name(message.sender_id)}'s message?`, [{ name: 'reason', label: 'Reason (told to the author)', maxlength: 500 }], 'Delete');
    if (!answer) return;
    this.client.moderate({ action: 'delete_message', message_id: message.id, reason: answer.reason || undefined })
      .then(() => this.say('Message deleted.'), (error) => this.failed(error));
  }

  async report(message) {
    const answer = await ask('Report this message to the moderators', [{ name: 'reason', label: 'What is wrong with it?', type: 'textarea', maxlength: 500 }], 'Report');
    if (!answer || !answer.reason.trim()) return;
    this.client.report(message.id, answer.reason.trim()).then(() => this.say('Reported. Thank you.'), (error) => this.failed(error));
  }

  /** Mutes, kicks (from this conversation) or bans a member, for a while or until lifted. */
  async sanction(userId, action) {
    const words = { mute: ['Mute', 'muted'], kick: ['Kick', 'kicked out of this conversation'], ban: ['Ban', 'banned'] }[action];
    const fields = [{ name: 'duration', label: 'For', type: 'select', options: muteChoices, value: action === 'ban' ? '' : '600' },
      { name: 'reason', label: 'Reason (told to the member)', maxlength: 500 }];
    if (action === 'mute') fields.push({ name: 'scope', label: 'Where', type: 'select', options: [['channel', 'In this conversation'], ['chamber', 'Everywhere in the chamber']] });
    const answer = await ask(`${words[0]} ${this.name(userId)}`, fields, words[0]);
    if (!answer) return;
    const frame = { action, user_id: userId };
    if (answer.duration) frame.duration_seconds = Number(answer.duration);
    if (answer.reason) frame.reason = answer.reason;
    if (answer.scope === 'channel' || action === 'kick') frame.channel_id = this.channelId;
    this.client.moderate(frame).then(() => this.say(`${this.name(userId)}: ${words[1]}.`), (error) => this.failed(error));
  }

  async channelTools(item) {
    const answer = await ask(`Moderate ${this.channelTitle(item)}`, [
      { name: 'lock', label: 'Posting', type: 'select', value: item.channel.locked_at ? 'locked' : 'open', options: [['open', 'Everyone may post'], ['locked', 'Locked: only moderators post']] },
      { name: 'slow', label: 'Slow mode', type: 'select', value: String(item.channel.slow_mode_seconds ?? 0), options: slowChoices(item.channel.slow_mode_seconds ?? 0) },
    ], 'Apply');
    if (!answer) return;
    try {
      const locked = Boolean(item.channel.locked_at);
      if ((answer.lock === 'locked') !== locked) await this.client.moderate({ action: locked ? 'unlock' : 'lock', channel_id: item.channel.id });
      if (Number(answer.slow) !== (item.channel.slow_mode_seconds ?? 0)) await this.client.moderate({ action: 'slow_mode', channel_id: item.channel.id, seconds: Number(answer.slow) });
      this.say('Applied.');
    } catch (error) {
      this.failed(error);
    }
  }

  detach() {
    this.client.active = null;
    if (this.onNotice) this.client.removeEventListener('notice', this.onNotice);
    if (this.onAttendance) this.client.removeEventListener('frame', this.onAttendance);
  }
}
