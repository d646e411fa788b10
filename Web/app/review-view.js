// Staff's review queue, live: messages a rule held and messages members reported, as they come in on every node, with
// approve and reject (Protocol/websocket.md §4.25–4.26, §5.17).

import { describe } from './api.js';
import { attachmentList } from './attachments.js';
import { h, show, when } from './dom.js';

export class ReviewView {
  constructor(client, members, membership) {
    this.client = client;
    this.members = members;
    this.items = new Map();
    // Staff see the queue; moderators and admins decide (§4.26).
    this.decides = ['admin', 'moderator'].includes(membership.role);
    this.error = h('p', { class: 'form-error', role: 'alert' });
    this.list = h('ul', { class: 'review-items', 'aria-label': 'Items to review' });
    this.element = h('main', { id: 'main', class: 'review' },
      h('h1', {}, 'Review queue'),
      h('p', { class: 'note' }, `Messages the chamber's rules held and messages members reported in ${membership.chamber.name}. Decisions reach the author at once.`),
      this.error, this.list);
    this.onFrame = (event) => this.frame(event.detail);
    client.addEventListener('frame', this.onFrame);
    this.onState = (event) => {
      if (event.detail.state === 'online') this.load();
    };
    client.socket.addEventListener('state', this.onState);
    if (client.socket.state === 'online') this.load();
  }

  async load() {
    try {
      const answer = await this.client.socket.request({ type: 'review_queue', state: 'pending', limit: 200 });
      this.items = new Map(answer.items.map((item) => [item.id, item]));
      this.update();
    } catch (error) {
      if (error.code !== 'disconnected') this.error.textContent = error.message ?? error.code;
    }
  }

  frame(frame) {
    if (frame.type !== 'review_item') return;
    if (frame.item.state === 'pending') this.items.set(frame.item.id, frame.item);
    else this.items.delete(frame.item.id);
    this.update();
  }

  async decide(item, decision) {
    this.error.textContent = '';
    try {
      await this.client.socket.request({ type: 'review', item_id: item.id, decision });
      this.items.delete(item.id);
    } catch (error) {
      this.error.textContent = error.code === 'already_decided' ? 'Another moderator decided this one first.' : error.message ?? error.code;
      if (error.code === 'already_decided' || error.code === 'review_item_not_found') this.items.delete(item.id);
    }
    this.update();
  }

  update() {
    const channelName = (id) => {
      const item = this.client.channels.find((entry) => entry.channel.id === id);
      return item ? (item.channel.name ?? 'a direct conversation') : 'a channel';
    };
    const items = [...this.items.values()].sort((a, b) => a.created_at.localeCompare(b.created_at));
    if (items.length === 0) return show(this.list, h('li', { class: 'empty' }, 'Nothing waits for review.'));
    show(this.list, items.map((item) => h('li', { class: 'review-item', dataset: { item: item.id } },
      h('p', { class: 'review-meta' }, h('strong', {}, this.members.get(item.author_id)?.display_name ?? 'A member'), ` in ${channelName(item.channel_id)} · `,
        h('time', { datetime: item.created_at }, when(item.created_at))),
      item.body ? h('blockquote', {}, item.body) : null,
      attachmentList(item.attachments, (error) => (this.error.textContent = describe(error))),
      h('p', { class: 'review-why' }, item.kind === 'held' ? `Held by the rule “${item.rule}”: ${item.reason}` : `Reported ${item.reports} time${item.reports === 1 ? '' : 's'}: ${item.reason}`),
      this.decides && h('div', { class: 'review-actions' },
        h('button', { type: 'button', class: 'primary', onclick: () => this.decide(item, 'approve') }, item.kind === 'held' ? 'Approve and publish' : 'Keep'),
        h('button', { type: 'button', class: 'danger', onclick: () => this.decide(item, 'reject') }, item.kind === 'held' ? 'Reject' : 'Remove message')))));
  }

  detach() {
    this.client.removeEventListener('frame', this.onFrame);
    this.client.socket.removeEventListener('state', this.onState);
  }
}
