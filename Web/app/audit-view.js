// The chamber's audit log with filters, and the same entries as CSV (REST `…/audit-log`, `…/audit-log/export`).

import { api, describe, freshAccessToken } from './api.js';
import { h, show } from './dom.js';

export class AuditView {
  constructor(chamberId, members) {
    this.chamberId = chamberId;
    this.members = members;
    this.status = h('p', { class: 'form-error', role: 'alert' });
    this.rows = h('tbody');
    this.more = h('button', { type: 'button', hidden: true, onclick: () => this.load(this.cursor) }, 'Older entries');
    this.action = h('input', { id: 'audit-action', placeholder: 'e.g. member.role_changed', autocomplete: 'off' });
    this.since = h('input', { id: 'audit-since', type: 'date' });
    this.until = h('input', { id: 'audit-until', type: 'date' });
    this.element = h('main', { id: 'main', class: 'page' },
      h('h1', {}, 'Audit log'),
      h('form', { class: 'card filters', onsubmit: (event) => {
        event.preventDefault();
        this.load();
      } },
      h('div', {}, h('label', { for: 'audit-action' }, 'Action'), this.action),
      h('div', {}, h('label', { for: 'audit-since' }, 'From'), this.since),
      h('div', {}, h('label', { for: 'audit-until' }, 'Until'), this.until),
      h('div', { class: 'filter-buttons' }, h('button', { type: 'submit', class: 'primary' }, 'Filter'),
        h('button', { type: 'button', onclick: () => this.download() }, 'Download CSV'))),
      this.status,
      h('div', { class: 'table-wrap' }, h('table', {}, h('caption', { class: 'visually-hidden' }, 'Audit entries, newest first'),
        h('thead', {}, h('tr', {}, ['When', 'Who', 'Action', 'Target', 'Reason'].map((title) => h('th', { scope: 'col' }, title)))), this.rows)),
      this.more);
    this.load();
  }

  filters() {
    const parameters = new URLSearchParams();
    if (this.action.value.trim()) parameters.set('action', this.action.value.trim());
    if (this.since.value) parameters.set('since', new Date(`${this.since.value}T00:00:00`).toISOString().replace(/\.\d{3}Z$/, 'Z'));
    if (this.until.value) {
      // `until` is exclusive: the next day's midnight takes in the whole day chosen.
      const end = new Date(`${this.until.value}T00:00:00`);
      end.setDate(end.getDate() + 1);
      parameters.set('until', end.toISOString().replace(/\.\d{3}Z$/, 'Z'));
    }
    return parameters;
  }

  async load(cursor) {
    this.status.textContent = '';
    // Older pages keep the filters of the first one, whatever the fields say since.
    if (!cursor) this.used = this.filters();
    const parameters = new URLSearchParams(this.used);
    parameters.set('limit', '100');
    if (cursor) parameters.set('cursor', cursor);
    try {
      const page = await api('GET', `/v1/chambers/${this.chamberId}/audit-log?${parameters}`);
      const rows = page.items.map((entry) => h('tr', {},
        h('td', {}, new Date(entry.at).toLocaleString()),
        h('td', {}, this.members.get(entry.actor_id)?.display_name ?? entry.actor_id ?? 'the system'),
        h('td', {}, entry.action), h('td', {}, entry.target ?? ''), h('td', {}, entry.reason ?? '')));
      if (cursor) this.rows.append(...rows);
      else show(this.rows, rows);
      this.cursor = page.next_cursor;
      this.more.hidden = !page.next_cursor;
    } catch (error) {
      this.status.textContent = describe(error);
    }
  }

  /** The CSV needs the bearer token, which a plain link cannot carry: fetched, then saved from memory. */
  async download() {
    let response;
    try {
      response = await fetch(`/v1/chambers/${this.chamberId}/audit-log/export?${this.filters()}`, {
        headers: { authorization: `Bearer ${await freshAccessToken()}` },
      });
    } catch {
      this.status.textContent = 'The server could not be reached.';
      return;
    }
    if (!response.ok) {
      this.status.textContent = `The export failed (${response.status}).`;
      return;
    }
    const link = h('a', { href: URL.createObjectURL(await response.blob()), download: 'audit-log.csv' });
    document.body.append(link);
    link.click();
    link.remove();
    setTimeout(() => URL.revokeObjectURL(link.href), 10_000);
  }

  update() {}
}
