// A new chamber's set-up, for its admins: identity and branding (applied to the app at once), membership tiers,
// moderation rules and staff, with a checklist of what is done. Every step is the documented REST call
// (`PATCH /v1/chambers/{id}`, `…/tiers`, `PUT …/moderation/settings`, `…/invitations`).

import { allPages, api, describe } from './api.js';
import { h, show } from './dom.js';
import { minorDigits, money } from './format.js';

export class SetupView {
  constructor(chamber, onChamberChanged) {
    this.chamber = chamber;
    this.onChamberChanged = onChamberChanged;
    this.checklist = h('ol', { class: 'checklist', 'aria-label': 'Set-up steps' });
    this.status = h('p', { class: 'note', role: 'status' });
    this.identity = h('section', { class: 'card', id: 'setup-identity' });
    this.tiers = h('section', { class: 'card', id: 'setup-tiers' });
    this.moderation = h('section', { class: 'card', id: 'setup-moderation' });
    this.element = h('main', { id: 'main', class: 'page' },
      h('h1', {}, 'Set up your chamber'),
      h('p', { class: 'note' }, 'Four steps: who you are, what membership costs, the rules of conversation, and your staff. Each saves on its own.'),
      this.checklist, this.status, this.identity, this.tiers, this.moderation,
      h('section', { class: 'card' }, h('h2', {}, '4. Your staff'),
        h('p', {}, 'Invite the people who run the chamber with you as staff or moderators on the ', h('a', { href: '#/members' }, 'Members'), ' page.')));
    this.drawIdentity();
    this.load();
  }

  async load() {
    try {
      const [tiers, rules, members] = await Promise.all([
        api('GET', `/v1/chambers/${this.chamber.id}/tiers`),
        api('GET', `/v1/chambers/${this.chamber.id}/moderation/settings`),
        allPages(`/v1/chambers/${this.chamber.id}/members`),
      ]);
      this.tierList = tiers.items;
      this.drawTiers();
      this.drawModeration(rules);
      this.staffCount = members.filter((member) => ['staff', 'moderator'].includes(member.role)).length;
      this.rulesSet = Object.keys(rules.own ?? {}).length > 0;
      this.drawChecklist();
    } catch (error) {
      this.status.textContent = describe(error);
    }
  }

  drawChecklist() {
    const branding = this.chamber.branding ?? {};
    const steps = [
      ['Name and branding', Boolean(branding.primary_color || branding.logo_url || branding.tagline)],
      ['Membership tiers', (this.tierList ?? []).length > 0],
      ['Moderation rules', this.rulesSet],
      ['Staff invited', (this.staffCount ?? 0) > 0],
    ];
    show(this.checklist, steps.map(([title, done]) => h('li', { class: done ? 'done' : '' }, title, h('span', { class: 'visually-hidden' }, done ? ' (done)' : ' (to do)'),
      h('span', { 'aria-hidden': 'true' }, done ? ' ✓' : ''))));
  }

  drawIdentity() {
    const chamber = this.chamber;
    const branding = chamber.branding ?? {};
    const field = (id, label, attributes) => [h('label', { for: id }, label), h('input', { id, ...attributes })];
    const [nameLabel, name] = field('setup-name', 'Name', { value: chamber.name, required: true, maxlength: 120 });
    const [taglineLabel, tagline] = field('setup-tagline', 'Tagline', { value: branding.tagline ?? '', maxlength: 200 });
    const [colorLabel, color] = field('setup-color', 'Colour', { type: 'color', value: branding.primary_color ?? '#1D4ED8' });
    const [logoLabel, logo] = field('setup-logo', 'Logo (an https address of the image)', { type: 'url', value: branding.logo_url ?? '' });
    const [websiteLabel, website] = field('setup-website', 'Website', { type: 'url', value: branding.website ?? '' });
    const [zoneLabel, zone] = field('setup-timezone', 'Time zone', { value: chamber.settings.timezone, placeholder: 'America/Chicago' });
    const [currencyLabel, currency] = field('setup-currency', 'Currency (ISO 4217)', { value: chamber.settings.currency, maxlength: 3 });
    show(this.identity, h('form', { onsubmit: async (event) => {
      event.preventDefault();
      try {
        this.chamber = await api('PATCH', `/v1/chambers/${chamber.id}`, {
          name: name.value.trim(),
          settings: { timezone: zone.value.trim(), currency: currency.value.trim().toUpperCase() },
          branding: { tagline: tagline.value.trim() || null, primary_color: color.value.toUpperCase(), logo_url: logo.value.trim() || null, website: website.value.trim() || null },
        });
        this.status.textContent = 'Saved: the app now wears your colours.';
        this.onChamberChanged(this.chamber);
        this.drawChecklist();
      } catch (error) {
        this.status.textContent = `${error.message} (${error.code}${error.field ? `, ${error.field}` : ''})`;
      }
    } },
    h('h2', {}, '1. Name and branding'), nameLabel, name, taglineLabel, tagline, colorLabel, color, logoLabel, logo, websiteLabel, website,
    zoneLabel, zone, currencyLabel, currency, h('button', { type: 'submit', class: 'primary' }, 'Save')));
  }

  drawTiers() {
    const name = h('input', { id: 'tier-name', required: true, maxlength: 60 });
    const digits = minorDigits(this.chamber.settings.currency);
    const dues = h('input', { id: 'tier-dues', type: 'number', min: 0, step: digits ? `0.${'0'.repeat(digits - 1)}1` : '1', required: true });
    const period = h('select', { id: 'tier-period' }, [['annual', 'a year'], ['quarterly', 'a quarter'], ['monthly', 'a month']].map(([value, label]) => h('option', { value }, label)));
    const currency = this.chamber.settings.currency;
    show(this.tiers,
      h('h2', {}, '2. Membership tiers'),
      this.tierList.length
        ? h('ul', {}, this.tierList.map((tier) => h('li', {}, h('strong', {}, tier.name), ` · ${money(tier.dues_cents, currency)} ${tier.period}`)))
        : h('p', { class: 'note' }, 'No tier yet: applicants choose one when they apply.'),
      h('form', { class: 'inline-form', onsubmit: async (event) => {
        event.preventDefault();
        try {
          // Dues are whole minor units (cents) on the wire: the amount typed is converted without floating error.
          const digits = minorDigits(currency);
          const [whole, fraction = ''] = dues.value.split('.');
          const cents = Number(whole) * 10 ** digits + Number(fraction.padEnd(digits, '0').slice(0, digits) || 0);
          await api('POST', `/v1/chambers/${this.chamber.id}/tiers`, { name: name.value.trim(), dues_cents: cents, period: period.value });
          this.load();
        } catch (error) {
          this.status.textContent = describe(error);
        }
      } },
      h('label', { for: 'tier-name' }, 'Tier name'), name, h('label', { for: 'tier-dues' }, `Dues (${currency})`), dues,
      h('label', { for: 'tier-period' }, 'Per'), period, h('button', { type: 'submit', class: 'primary' }, 'Add tier')));
  }

  drawModeration(rules) {
    const own = rules.own ?? {};
    const effective = rules.effective ?? {};
    const links = h('select', { id: 'rules-links' }, [['allow', 'Allowed'], ['allow_list', 'Only to the chamber\'s allowed sites'], ['hold', 'Held for review'], ['block', 'Refused']]
      .map(([value, label]) => h('option', { value, selected: (effective.links?.policy ?? 'allow') === value }, label)));
    const newDays = h('input', { id: 'rules-new-days', type: 'number', min: 0, max: 365, value: effective.links?.new_member_days ?? 3 });
    const mentions = h('input', { id: 'rules-mentions', type: 'number', min: 1, max: 100, value: effective.mentions?.max ?? 10 });
    const words = h('textarea', { id: 'rules-words', rows: 3, value: (own.words ?? []).join('\n') });
    show(this.moderation, h('form', { onsubmit: async (event) => {
      event.preventDefault();
      try {
        const settings = {
          ...own,
          links: { ...(own.links ?? {}), policy: links.value, new_member_days: Number(newDays.value) },
          mentions: { max: Number(mentions.value) },
          words: words.value.split('\n').map((word) => word.trim()).filter(Boolean),
        };
        this.drawModeration(await api('PUT', `/v1/chambers/${this.chamber.id}/moderation/settings`, settings));
        this.rulesSet = true;
        this.drawChecklist();
        this.status.textContent = 'Rules saved: they apply to the next message.';
      } catch (error) {
        this.status.textContent = `${error.message} (${error.code}${error.field ? `, ${error.field}` : ''})`;
      }
    } },
    h('h2', {}, '3. Rules of conversation'),
    h('p', { class: 'note' }, `${rules.word_count} listed words and phrases are held for review; staff and moderators are never held.`),
    h('label', { for: 'rules-links' }, 'Links in members\' messages'), links,
    h('label', { for: 'rules-new-days' }, 'Days a new member\'s links are held for review'), newDays,
    h('label', { for: 'rules-mentions' }, 'Most people one message may mention'), mentions,
    h('label', { for: 'rules-words' }, 'Your own words to hold (one per line)'), words,
    h('button', { type: 'submit', class: 'primary' }, 'Save rules')));
  }

  update() {}
}
