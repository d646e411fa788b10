// Staff's queue of membership applications (REST `…/applications`): each submitted application with its business,
// its automatic checks and legitimacy score, its documents (each opened by a signed link), and approve, reject (with
// a reason) or ask for more (with a message).

import { api, describe } from './api.js';
import { ask, h, show, when } from './dom.js';

const checkNames = {
  ein_format: 'EIN format', ein_prefix: 'EIN prefix', duplicate_tax_id: 'Tax id not already a member', duplicate_business: 'Business not already a member',
  duplicate_email: 'E-mail not already a member', domain_match: 'E-mail matches the website', documents_present: 'Documents attached', website_reachable: 'Website reachable',
};

export class ApplicationsView {
  constructor(chamberId) {
    this.chamberId = chamberId;
    this.status = h('p', { class: 'note', role: 'status' });
    this.list = h('ul', { class: 'cards', 'aria-label': 'Applications' });
    this.element = h('main', { id: 'main', class: 'page' }, h('h1', {}, 'Applications'), this.status, this.list);
    this.load();
  }

  async load() {
    try {
      const page = await api('GET', `/v1/chambers/${this.chamberId}/applications?status=submitted&limit=100`);
      if (page.items.length === 0) return show(this.list, h('li', { class: 'empty' }, 'No application waits for a decision.'));
      show(this.list, page.items.map((application) => this.card(application)));
    } catch (error) {
      this.status.textContent = describe(error);
    }
  }

  card(application) {
    const business = application.steps.business ?? {};
    const contact = application.steps.contact ?? {};
    const decide = async (decision) => {
      let body = { decision };
      if (decision === 'reject') {
        const answer = await ask('Reject this application', [{ name: 'reason', label: 'Reason (mailed to the applicant)', type: 'textarea', maxlength: 2000 }], 'Reject');
        if (!answer?.reason.trim()) return;
        body.reason = answer.reason.trim();
      }
      if (decision === 'request_info') {
        const answer = await ask('Ask the applicant for more', [{ name: 'message', label: 'What do you need? (mailed to the applicant)', type: 'textarea', maxlength: 4000 }], 'Send');
        if (!answer?.message.trim()) return;
        body = { decision, message: answer.message.trim() };
      }
      try {
        await api('POST', `/v1/chambers/${this.chamberId}/applications/${application.id}/decision`, body);
        this.status.textContent = { approve: 'Approved: the applicant is a member now.', reject: 'Rejected.', request_info: 'Asked for more.' }[decision];
        this.load();
      } catch (error) {
        this.status.textContent = describe(error);
      }
    };
    // The tab is opened at the click, before the link is fetched: a browser lets a click open a tab, not an answer.
    const open = async (document) => {
      const tab = window.open('about:blank', '_blank');
      if (tab) tab.opener = null;
      try {
        const link = await api('GET', `/v1/chambers/${this.chamberId}/applications/${application.id}/documents/${document.id}/link`);
        if (tab) tab.location = link.url;
        else show(this.status, 'The browser kept the document from opening a tab: ', h('a', { href: link.url, target: '_blank', rel: 'noopener' }, `open ${document.name}`), '.');
      } catch (error) {
        tab?.close();
        this.status.textContent = describe(error);
      }
    };
    const documents = application.documents ?? [];
    return h('li', { class: 'card application', dataset: { application: application.id } },
      h('h2', {}, business.legal_name ?? 'An application', business.dba ? ` (${business.dba})` : ''),
      h('p', { class: 'note' }, `Submitted ${application.submitted_at ? when(application.submitted_at) : ''} · score ${application.score ?? '–'} / 100`),
      contact.email ? h('p', {}, contact.email, contact.address?.city ? ` · ${contact.address.city}` : '') : null,
      application.checks?.length ? h('ul', { class: 'checks' }, application.checks.map((check) => h('li', { class: `check-${check.result}` },
        `${checkNames[check.name] ?? check.name}: ${check.result.replace('_', ' ')}`, check.detail ? ` (${check.detail})` : ''))) : null,
      documents.length ? h('ul', { class: 'documents', 'aria-label': 'Documents' }, documents.map((document) => h('li', {},
        h('button', { type: 'button', class: 'link open-document', onclick: () => open(document) }, document.name),
        ` · ${document.kind.replaceAll('_', ' ')}, ${Math.max(1, Math.round(document.size / 1024))} KB, ${document.scan_status.replaceAll('_', ' ')}`))) : h('p', { class: 'note' }, 'No document attached.'),
      h('div', { class: 'review-actions' },
        h('button', { type: 'button', class: 'primary', onclick: () => decide('approve') }, 'Approve'),
        h('button', { type: 'button', onclick: () => decide('request_info') }, 'Ask for more'),
        h('button', { type: 'button', class: 'danger', onclick: () => decide('reject') }, 'Reject')));
  }

  update() {}
}
