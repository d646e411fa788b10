// The member's notification feed (REST `GET …/notifications`, live `notification` frames, §5.20): newest first,
// unread ones marked; opening one goes to its conversation, or for a notice (no channel) to the member's invoices.

import { api } from './api.js';
import { mentionsByName } from './format.js';
import { h, show, when } from './dom.js';

export class NotificationsView {
  constructor(client, chamberId, badge, members) {
    this.client = client;
    this.members = members;
    this.chamberId = chamberId;
    this.badge = badge;
    this.items = [];
    this.list = h('ul', { class: 'feed', 'aria-label': 'Notifications' });
    this.element = h('main', { id: 'main', class: 'page' },
      h('div', { class: 'page-head' }, h('h1', {}, 'Notifications'),
        h('span', { class: 'page-tools' }, h('a', { href: '#/preferences' }, 'Settings'),
          h('button', { type: 'button', onclick: () => this.readAll() }, 'Mark all read'))),
      this.list);
    this.onFrame = (event) => this.frame(event.detail);
    client.addEventListener('frame', this.onFrame);
    this.load();
  }

  async load() {
    try {
      const page = await api('GET', `/v1/chambers/${this.chamberId}/notifications?limit=50`);
      this.items = page.items;
      this.badge.set(page.unread_count);
      this.update();
    } catch (error) {
      show(this.list, h('li', { class: 'form-error', role: 'alert' }, error.message));
    }
  }

  frame(frame) {
    if (frame.type === 'notification') {
      this.items = [frame.notification, ...this.items.filter((item) => item.id !== frame.notification.id)];
      this.update();
    } else if (frame.type === 'notifications_read') {
      const read = new Set(frame.ids ?? []);
      for (const item of this.items) if (frame.all || read.has(item.id)) item.read_at ??= new Date().toISOString();
      this.update();
    }
  }

  /** Mentions (`<@USER_ID>`) by name. */
  plain(text) {
    return mentionsByName(text, (id) => this.members.get(id)?.display_name ?? 'someone');
  }

  async readAll() {
    await api('POST', `/v1/chambers/${this.chamberId}/notifications/read`, { all: true }).catch(() => {});
  }

  update() {
    if (this.items.length === 0) return show(this.list, h('li', { class: 'empty' }, 'Nothing yet: mentions, direct messages, announcements, invoices and news of your membership show here.'));
    show(this.list, this.items.map((item) => h('li', { class: `notification ${item.read_at ? '' : 'unread'}` },
      h('a', {
        href: NotificationsView.address(item),
        onclick: () => api('POST', `/v1/chambers/${this.chamberId}/notifications/read`, { ids: [item.id] }).catch(() => {}),
      },
      h('strong', {}, item.title), item.count > 1 ? ` (${item.count})` : '', item.read_at ? null : h('span', { class: 'visually-hidden' }, ' (unread)'),
      h('span', { class: 'preview' }, this.plain(item.text) || 'Attachment'),
      h('time', { datetime: item.updated_at }, when(item.updated_at))))));
  }

  /** Where an entry leads: its conversation; an invoice's notice to the invoices; a membership's stays here. */
  static address(item) {
    if (item.channel_id) return `#/chat/${item.channel_id}`;
    return item.subject?.kind === 'invoice' ? '#/invoices' : '#/notifications';
  }

  detach() {
    this.client.removeEventListener('frame', this.onFrame);
  }
}
