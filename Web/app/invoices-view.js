// The member's own invoices (REST `GET …/invoices`: staff read everyone's there too; this page asks for the
// reader's own).

import { api, describe } from './api.js';
import { h, show } from './dom.js';
import { day, money } from './format.js';

const statusNames = { draft: 'Draft', open: 'Due', paid: 'Paid', void: 'Void', uncollectible: 'Written off' };

export class InvoicesView {
  constructor(chamberId, me) {
    this.list = h('ul', { class: 'cards', 'aria-label': 'Invoices' });
    this.element = h('main', { id: 'main', class: 'page' }, h('h1', {}, 'My invoices'), this.list);
    this.load(chamberId, me);
  }

  async load(chamberId, me) {
    try {
      const page = await api('GET', `/v1/chambers/${chamberId}/invoices?user_id=${me.id}&limit=50`);
      if (page.items.length === 0) return show(this.list, h('li', { class: 'empty' }, 'No invoices.'));
      show(this.list, page.items.map((invoice) => h('li', { class: `card invoice status-${invoice.status}` },
        h('h2', {}, invoice.number ?? 'Draft', ' · ', statusNames[invoice.status] ?? invoice.status),
        h('p', {}, `Total ${money(invoice.total_minor, invoice.currency)}`,
          invoice.status === 'open' ? ` · ${money(invoice.amount_due_minor, invoice.currency)} due ${invoice.due_at ? day(invoice.due_at) : ''}` : ''))));
    } catch (error) {
      show(this.list, h('li', { class: 'form-error', role: 'alert' }, describe(error)));
    }
  }

  update() {}
}
