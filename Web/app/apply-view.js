// The application to join a chamber (`#/apply/<slug>`), for anyone: its public offer (tiers, categories), an
// account made with the draft when the applicant has none, the five steps saved one by one (an application is
// resumed where it was left), the documents (a business license above all: staff's check looks for one), the
// submission, and then staff's answer as it comes (server-sent events). REST: `/v1/public/chambers/{slug}/membership`,
// `/v1/applications`, `/v1/applications/{id}/events`.

import { api, currentSession, saveSession } from './api.js';
import { h, show } from './dom.js';
import { money } from './format.js';

const steps = ['business', 'tax', 'contact', 'online', 'membership'];
const titles = { account: 'Your account', business: 'Your business', tax: 'Tax registration', contact: 'Contact', online: 'Online', membership: 'Membership' };
const structures = [['llc', 'LLC'], ['corporation', 'Corporation'], ['partnership', 'Partnership'], ['sole_proprietorship', 'Sole proprietorship'], ['non_profit', 'Non-profit']];
const sizes = ['1', '2-10', '11-50', '51-200', '201-500', '501+'];
const socialNetworks = [['facebook', 'Facebook'], ['instagram', 'Instagram'], ['linkedin', 'LinkedIn']];
const documentKinds = [['business_license', 'Business license'], ['insurance_certificate', 'Insurance certificate'], ['tax_exemption_letter', 'Tax exemption letter'], ['logo', 'Logo'], ['other', 'Other']];

export class ApplyView {
  constructor(slug, signedIn) {
    this.slug = slug;
    this.signedIn = signedIn;
    this.status = h('p', { class: 'form-error', role: 'alert' });
    this.progress = h('ol', { class: 'checklist', 'aria-label': 'Steps' });
    this.body = h('div');
    this.element = h('main', { id: 'main', class: 'page apply' }, h('h1', {}, 'Apply for membership'), this.progress, this.status, this.body);
    this.load();
  }

  async load() {
    try {
      this.offer = await api('GET', `/v1/public/chambers/${encodeURIComponent(this.slug)}/membership`, undefined, { signedIn: false });
      this.element.querySelector('h1').textContent = `Join ${this.offer.chamber.name}`;
      if (currentSession()) {
        const mine = await api('GET', '/v1/applications');
        this.application = mine.items.find((item) => item.chamber_id === this.offer.chamber.id && ['draft', 'info_requested'].includes(item.status))
          ?? mine.items.find((item) => item.chamber_id === this.offer.chamber.id);
      }
      this.next();
    } catch (error) {
      this.fail(error);
    }
  }

  fail(error) {
    this.status.textContent = `${error.message ?? 'Something went wrong'} (${error.code ?? 'error'}${error.field ? `, ${error.field}` : ''})`;
  }

  /** Shows the first step not done yet, or the summary. */
  next() {
    if (this.detached) return;
    this.status.textContent = '';
    const application = this.application;
    // Only a sent application waits on staff: a draft or a request for more is the applicant's to edit, unredrawn.
    if (application?.status !== 'submitted') this.stopWatching();
    const missing = application ? application.missing_steps : ['account', ...steps];
    show(this.progress, ['account', ...steps].filter((step) => step !== 'account' || !currentSession() || !application)
      .map((step) => h('li', { class: missing.includes(step) ? '' : 'done' }, titles[step])));
    if (application && !['draft', 'info_requested'].includes(application.status)) return this.showStatus();
    if (!application) return this.startForm();
    const step = application.missing_steps[0];
    if (step) return this.stepForm(step);
    this.submitForm();
  }

  /**
   * Follows the sent application live: staff asking for more, or deciding, redraws the page at once. The stream
   * ends after a final status; one cut short (the node stopped, the token ran out) is opened again, once the API has
   * refreshed the session.
   */
  watch() {
    if (this.watching || !this.application) return;
    const session = currentSession();
    if (!session) return;
    const url = `/v1/applications/${this.application.id}/events?access_token=${encodeURIComponent(session.access_token)}`;
    this.watching = new EventSource(url);
    this.watching.addEventListener('application', (event) => {
      this.retryDelay = 3000;
      const changed = JSON.parse(event.data);
      if (changed.updated_at === this.application.updated_at && changed.status === this.application.status) return;
      this.application = changed;
      this.next();
    });
    this.watching.onerror = async () => {
      if (this.watching?.readyState !== EventSource.CLOSED) return;  // reconnecting by itself
      this.stopWatching();
      if (this.detached || ['approved', 'rejected', 'withdrawn'].includes(this.application.status)) return;
      // Longer each time it fails, up to a minute: a lasting refusal is not asked again every few seconds.
      this.retryDelay = Math.min((this.retryDelay ?? 3000) * 2, 60000);
      this.retry = setTimeout(async () => {
        try {
          this.application = await api('GET', `/v1/applications/${this.application.id}`);
          this.next();
        } catch (error) {
          this.fail(error);
        }
      }, this.retryDelay);
    };
  }

  stopWatching() {
    this.watching?.close();
    this.watching = null;
  }

  detach() {
    this.detached = true;
    clearTimeout(this.retry);
    this.stopWatching();
  }

  showStatus() {
    if (this.application.status === 'submitted') this.watch();
    else this.stopWatching();
    const said = {
      submitted: 'Your application is with the chamber\'s staff. You will hear by e-mail.',
      approved: 'Welcome: you are a member now.', rejected: `Your application was declined${this.application.decision_reason ? `: ${this.application.decision_reason}` : '.'}`,
    };
    const ended = ['rejected', 'withdrawn'].includes(this.application.status);
    show(this.body, h('section', { class: 'card' }, h('h2', {}, 'Application sent'), h('p', { class: 'application-status' }, said[this.application.status] ?? this.application.status),
      this.application.status === 'approved' ? h('button', { type: 'button', class: 'primary', onclick: () => this.signedIn() }, 'Open the chamber') : null,
      // A closed application does not stop a new one (only an open one does).
      ended ? h('button', { type: 'button', class: 'primary', onclick: () => this.startForm() }, 'Apply again') : null));
  }

  startForm() {
    const fields = currentSession() ? [] : [
      field('apply-name', 'Your name', { autocomplete: 'name', required: true, maxlength: 80 }),
      field('apply-email', 'E-mail', { type: 'email', autocomplete: 'email', required: true }),
      field('apply-password', 'Password (at least 10 characters)', { type: 'password', autocomplete: 'new-password', required: true, minlength: 10 }),
    ];
    show(this.body, h('form', { class: 'card', onsubmit: async (event) => {
      event.preventDefault();
      const body = { chamber_id: this.offer.chamber.id };
      if (fields.length) body.account = { display_name: value('apply-name'), email: value('apply-email'), password: document.getElementById('apply-password').value };
      try {
        const started = await api('POST', '/v1/applications', body, { signedIn: Boolean(currentSession()) });
        if (started.session) saveSession(started.session);
        this.application = started.application;
        this.next();
      } catch (error) {
        this.fail(error);
      }
    } },
    h('h2', {}, titles.account),
    h('p', { class: 'note' }, `${this.offer.chamber.name} offers: `, this.offer.tiers.map((tier) => `${tier.name} (${money(tier.dues_cents, tier.currency)})`).join(', ') || 'membership'),
    fields, h('button', { type: 'submit', class: 'primary' }, currentSession() ? 'Start my application' : 'Create my account and start')));
  }

  stepForm(step) {
    const saved = this.application.steps[step] ?? {};
    const forms = {
      business: () => [
        field('legal_name', 'Legal name', { required: true, maxlength: 200, value: saved.legal_name }),
        field('dba', 'Trading as (optional)', { maxlength: 200, value: saved.dba }),
        select('structure', 'Structure', structures, saved.structure),
        field('year_founded', 'Year founded', { type: 'number', min: 1800, max: new Date().getFullYear(), required: true, value: saved.year_founded }),
        select('size', 'People', sizes.map((size) => [size, size]), saved.size),
      ],
      tax: () => [
        field('ein', 'EIN (NN-NNNNNNN)', { required: true, pattern: '\\d{2}-?\\d{7}', value: saved.ein }),
        field('state_registration_number', 'State registration number (optional)', { maxlength: 40, value: saved.state_registration_number }),
        field('registration_state', 'State of registration (optional)', { maxlength: 100, value: saved.registration_state }),
      ],
      contact: () => [
        field('email', 'Business e-mail', { type: 'email', required: true, value: saved.email }),
        field('phone', 'Phone (optional)', { type: 'tel', maxlength: 40, value: saved.phone }),
        field('line1', 'Street address', { required: true, value: saved.address?.line1 }),
        field('city', 'City', { required: true, value: saved.address?.city }),
        field('postal_code', 'Postal code (optional)', { value: saved.address?.postal_code }),
        select('category', 'What the business does', this.offer.categories.map((category) => [category.code, category.name]), saved.category),
      ],
      online: () => [
        field('website', 'Website (optional)', { type: 'url', value: saved.website }),
        field('description', 'A few words about the business (optional)', { maxlength: 4000, value: saved.description }),
        field('logo_url', 'Logo address (optional, https://…)', { type: 'url', value: saved.logo_url }),
        socialNetworks.map(([network, label]) => field(`social-${network}`, `${label} page (optional)`, { type: 'url', value: saved.social_links?.[network] })),
      ],
      membership: () => [
        select('tier_id', 'Membership tier', this.offer.tiers.map((tier) => [tier.id, `${tier.name} · ${money(tier.dues_cents, tier.currency)} ${tier.period}`]), saved.tier_id),
        h('label', { class: 'check' }, h('input', { id: 'agreement', type: 'checkbox', required: true }), ' I accept the chamber\'s membership agreement'),
      ],
    };
    show(this.body, h('form', { class: 'card', onsubmit: async (event) => {
      event.preventDefault();
      try {
        this.application = await api('PUT', `/v1/applications/${this.application.id}/steps/${step}`, this.stepBody(step));
        this.next();
      } catch (error) {
        this.fail(error);
      }
    } }, h('h2', {}, titles[step]), forms[step](), h('button', { type: 'submit', class: 'primary' }, 'Save and continue')));
    this.body.querySelector('input, select')?.focus();
  }

  stepBody(step) {
    const optional = (id) => value(id) || undefined;
    switch (step) {
      case 'business': return { legal_name: value('legal_name'), dba: optional('dba'), structure: value('structure'), year_founded: Number(value('year_founded')), size: value('size') };
      case 'tax': return { ein: value('ein'), state_registration_number: optional('state_registration_number'), registration_state: optional('registration_state') };
      case 'contact': return {
        email: value('email'), phone: optional('phone'), category: value('category'),
        address: { line1: value('line1'), city: value('city'), postal_code: optional('postal_code'), country: 'US' },
      };
      case 'online': return {
        website: optional('website'), description: optional('description'), logo_url: optional('logo_url'),
        social_links: Object.fromEntries(socialNetworks.map(([network]) => [network, optional(`social-${network}`)]).filter(([, url]) => url)),
      };
      default: return { tier_id: value('tier_id'), agreement_accepted: document.getElementById('agreement').checked };
    }
  }

  submitForm() {
    const asked = this.application.info_request;
    // Kept across redraws (a document attached or removed redraws the form): the answer typed so far stays.
    const response = h('textarea', { id: 'apply-response', rows: 3, maxlength: 4000, oninput: () => { this.answer = response.value; } });
    response.value = this.answer ?? '';
    show(this.body, h('form', { class: 'card', onsubmit: async (event) => {
      event.preventDefault();
      try {
        const body = asked && response.value.trim() ? { response: response.value.trim() } : {};
        this.application = await api('POST', `/v1/applications/${this.application.id}/submit`, body);
        this.next();
      } catch (error) {
        this.fail(error);
      }
    } },
    h('h2', {}, 'Ready to send'),
    asked ? [h('p', {}, `The chamber asked: ${asked}`), h('label', { for: 'apply-response' }, 'Your answer'), response] : h('p', {}, 'Every step is filled in. Staff review it next.'),
    this.documentsSection(),
    h('p', {}, 'Change a step: ', steps.map((step) => h('button', { type: 'button', class: 'link', onclick: () => this.stepForm(step) }, titles[step]))),
    h('button', { type: 'submit', class: 'primary' }, 'Send my application')));
  }

  /** The documents attached so far, each removable, and a file to attach: PDF, PNG or JPEG (a logo also WebP). */
  documentsSection() {
    const documents = this.application.documents ?? [];
    const kindName = Object.fromEntries(documentKinds);
    const picker = h('input', { id: 'apply-document', type: 'file', accept: 'application/pdf,image/png,image/jpeg,image/webp' });
    const attach = async () => {
      const file = picker.files[0];
      if (!file) return;
      try {
        const query = new URLSearchParams({ kind: value('apply-document-kind'), name: file.name });
        this.application = (await api('POST', `/v1/applications/${this.application.id}/documents?${query}`, file)).application;
        this.submitForm();
      } catch (error) {
        this.fail(error);
      }
    };
    const remove = async (document) => {
      try {
        this.application = await api('DELETE', `/v1/applications/${this.application.id}/documents/${document.id}`);
        this.submitForm();
      } catch (error) {
        this.fail(error);
      }
    };
    return h('fieldset', { class: 'documents' }, h('legend', {}, 'Documents'),
      h('p', { class: 'note' }, 'Staff look for your business license; attach anything else they may ask for.'),
      documents.length
        ? h('ul', { class: 'attached' }, documents.map((document) => h('li', {}, `${kindName[document.kind] ?? document.kind}: ${document.name} `,
          h('button', { type: 'button', class: 'link', 'aria-label': `Remove ${document.name}`, onclick: () => remove(document) }, 'Remove'))))
        : h('p', {}, 'No document attached yet.'),
      select('apply-document-kind', 'Kind of document', documentKinds, 'business_license'),
      h('label', { for: 'apply-document' }, 'File'), picker,
      h('button', { type: 'button', class: 'attach-document', onclick: attach }, 'Attach'));
  }

  update() {}
}

function field(id, label, attributes) {
  return [h('label', { for: id }, label), h('input', { id, ...attributes })];
}

function select(id, label, options, selected) {
  return [h('label', { for: id }, label), h('select', { id, required: true }, options.map(([value, text]) => h('option', { value, selected: value === selected }, text)))];
}

function value(id) {
  return document.getElementById(id).value.trim();
}
