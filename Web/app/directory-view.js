// The business directory with search: each listing as the chamber's privacy shows it to the reader (REST
// `GET /v1/chambers/{chamberId}/directory`); or, by a chamber's slug and without signing in, what the chamber
// makes public (`GET /v1/public/chambers/{slug}/directory`, the page `#/directory/<slug>`).

import { api, describe } from './api.js';
import { h, show } from './dom.js';

export class DirectoryView {
  /**
   * `publicSlug`: the public directory of that chamber, for anyone (then `chamberId` and `client` are null); `slug`:
   * the signed-in chamber's, for its category names.
   */
  constructor(chamberId, client, { publicSlug, slug } = {}) {
    this.chamberId = chamberId;
    this.client = client;
    this.publicSlug = publicSlug;
    this.categories = this.categoryNames(publicSlug ?? slug);
    this.heading = h('h1', {}, 'Directory');
    this.results = h('ul', { class: 'cards', 'aria-label': 'Businesses' });
    this.more = h('button', { type: 'button', hidden: true, onclick: () => this.search(this.cursor) }, 'More businesses');
    this.status = h('p', { class: 'note', role: 'status' });
    this.query = h('input', { id: 'directory-search', type: 'search', autocomplete: 'off', placeholder: 'Name, street, what they do' });
    let timer;
    this.query.addEventListener('input', () => {
      clearTimeout(timer);
      timer = setTimeout(() => this.search(), 250);
    });
    this.element = h('main', { id: 'main', class: 'page' },
      this.heading,
      publicSlug ? h('p', { class: 'note' }, 'What the chamber’s members list publicly. ',
        h('a', { href: `#/apply/${encodeURIComponent(publicSlug)}` }, 'Apply to join'), ' or ', h('a', { href: '#/' }, 'sign in'), '.') : null,
      h('form', { role: 'search', onsubmit: (event) => {
        event.preventDefault();
        this.search();
      } }, h('label', { for: 'directory-search' }, 'Search businesses'), this.query),
      this.status, this.results, this.more);
    this.search();
  }

  /** The chamber's category names by code, from its public offer; codes alone when it cannot be read. */
  async categoryNames(slug) {
    if (!slug) return {};
    try {
      const offer = await api('GET', `/v1/public/chambers/${encodeURIComponent(slug)}/membership`, undefined, { signedIn: false });
      return Object.fromEntries(offer.categories.map((category) => [category.code, category.name]));
    } catch {
      return {};
    }
  }

  async search(cursor) {
    const words = this.query.value.trim();
    const parameters = new URLSearchParams({ limit: '30' });
    if (words) parameters.set('q', words);
    if (cursor) parameters.set('cursor', cursor);
    try {
      const page = this.publicSlug
        ? await api('GET', `/v1/public/chambers/${encodeURIComponent(this.publicSlug)}/directory?${parameters}`, undefined, { signedIn: false })
        : await api('GET', `/v1/chambers/${this.chamberId}/directory?${parameters}`);
      if (page.chamber) this.heading.textContent = `${page.chamber.name}: directory`;
      const names = await this.categories;
      const cards = page.items.map((business) => this.card(business, names));
      if (cursor) this.results.append(...cards);
      else show(this.results, cards);
      this.cursor = page.next_cursor;
      this.more.hidden = !page.next_cursor;
      this.status.textContent = !cursor && page.items.length === 0 ? (words ? `No business matches “${words}”.` : 'No business is listed yet.') : '';
    } catch (error) {
      this.status.textContent = describe(error);
    }
  }

  card(business, categoryNames = {}) {
    const address = business.address ?? {};
    const place = [address.line1, address.city, address.region].filter(Boolean).join(', ');
    const website = business.website ? h('a', { href: business.website, rel: 'noopener noreferrer', target: '_blank' }, new URL(business.website).host) : null;
    // Only https logos: the page's Content-Security-Policy loads no other images from outside, and a page served
    // over https must not mix in http.
    const logo = /^https:\/\//i.test(business.logo_url ?? '')
      ? h('img', { class: 'logo', src: business.logo_url, alt: '', width: 48, height: 48, loading: 'lazy', referrerpolicy: 'no-referrer' })
      : null;
    return h('li', { class: 'card business' },
      logo,
      h('h2', {}, business.display_name ?? business.legal_name),
      business.category ? h('p', { class: 'note' }, categoryNames[business.category] ?? business.category) : null,
      business.description ? h('p', {}, business.description) : null,
      place ? h('p', {}, place) : null,
      this.canMessage(business) ? h('button', { type: 'button', class: 'message-owner', onclick: () => this.message(business) }, 'Message the owner') : null,
      h('p', { class: 'contact' }, website, business.phone ? h('a', { href: `tel:${business.phone}` }, business.phone) : null,
        business.email ? h('a', { href: `mailto:${business.email}` }, business.email) : null));
  }

  /** A direct conversation with the business's owner, when they are another member and the reader may start one. */
  canMessage(business) {
    return this.client && business.owner_user_id && business.owner_user_id !== this.client.me.id && !['trial', 'guest'].includes(this.client.role);
  }

  async message(business) {
    try {
      location.hash = `#/chat/${await this.client.openDirect(business.owner_user_id)}`;
    } catch (error) {
      this.status.textContent = `${error.message ?? 'The conversation could not be opened'} (${error.code})`;
    }
  }

  update() {}
}
