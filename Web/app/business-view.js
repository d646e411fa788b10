// A member's business and the people on its tier's seats (REST `…/businesses/{businessId}/people`): who holds them;
// for the membership's holder and chamber staff, invitations by e-mail (a member joins a business only by accepting
// one), their revocation and seats freed; for chamber staff, a member given a seat directly; for its staff, leaving.

import { api, describe } from './api.js';
import { ask, h, show } from './dom.js';

export class BusinessView {
  /** `members`: the chamber's members by id (staff may give those without a business a seat). */
  constructor(chamberId, businessId, me, role, members) {
    this.chamberId = chamberId;
    this.path = `/v1/chambers/${chamberId}/businesses/${businessId}`;
    this.me = me;
    this.isStaff = ['admin', 'staff'].includes(role);
    this.members = members;
    this.heading = h('h1', {}, 'My business');
    this.seats = h('p', { class: 'seats', id: 'business-seats' });
    this.list = h('ul', { class: 'members', 'aria-label': 'People of the business' });
    this.pending = h('div');
    this.notice = h('p', { class: 'note', role: 'status' });
    this.status = h('p', { class: 'form-error', role: 'alert' });
    this.manage = h('div');
    this.element = h('main', { id: 'main', class: 'page' },
      this.heading, this.seats, this.notice, this.status, this.list, this.pending, this.manage);
    this.load();
  }

  async load() {
    try {
      const [business, seating] = await Promise.all([api('GET', this.path), api('GET', `${this.path}/people`)]);
      this.name = business.display_name ?? business.legal_name;
      this.heading.textContent = this.name;
      const manager = this.isStaff || seating.people.some((person) => person.seat === 'holder' && person.user_id === this.me.id);
      this.seats.textContent = seating.seats === 0
        ? 'This business has no membership with the chamber, so no seats.'
        : `${seating.seats_taken} of ${seating.seats} seats taken` +
          (seating.invitations_pending ? ` (${seating.invitations_pending} kept for ${seating.invitations_pending === 1 ? 'an invitation' : 'invitations'})` : '') +
          (seating.seats_taken >= seating.seats ? '. Every seat is taken: free one, or ask the chamber for a tier with more.' : '.');
      show(this.list, seating.people.map((person) => this.row(person, manager)));
      show(this.pending, seating.invitations.length ? [
        h('h2', {}, 'Invitations waiting'),
        h('ul', { class: 'members', 'aria-label': 'Invitations waiting' }, seating.invitations.map((invitation) =>
          h('li', { class: 'member-row invitation-row' },
            h('span', { class: 'member-name' }, invitation.email, h('small', {}, ` until ${new Date(invitation.expires_at).toLocaleDateString()}`)),
            h('button', { type: 'button', class: 'link', onclick: () => this.revoke(invitation) }, `Revoke the invitation to ${invitation.email}`)))),
      ] : null);
      show(this.manage, manager && seating.seats > 0 ? this.forms(seating) : null);
    } catch (error) {
      this.status.textContent = describe(error);
    }
  }

  row(person, manager) {
    const mine = person.user_id === this.me.id;
    const action = person.seat === 'holder' ? null
      : mine ? h('button', { type: 'button', class: 'link', onclick: () => this.free(person, `Leave ${this.name}?`, 'Leave', 'You left the business.') }, 'Leave the business')
        : manager ? h('button', { type: 'button', class: 'link', onclick: () => this.free(person, `Free ${person.display_name}'s seat?`, 'Free the seat', `${person.display_name}'s seat is free.`) }, `Free ${person.display_name}'s seat`)
          : null;
    return h('li', { class: 'member-row', dataset: { userId: person.user_id } },
      h('span', { class: 'member-name' }, h('strong', {}, person.display_name), h('small', {}, person.seat === 'holder' ? ' holds the membership' : ' staff')),
      action);
  }

  forms(seating) {
    const full = seating.seats_taken >= seating.seats;
    const email = h('input', { id: 'seat-email', type: 'email', required: true, autocomplete: 'off' });
    const seated = new Set(seating.people.map((person) => person.user_id));
    const candidates = this.isStaff
      ? [...this.members.values()].filter((member) => !member.business_id && !seated.has(member.user_id))
      : [];
    const pick = h('select', { id: 'seat-member' }, candidates.map((member) => h('option', { value: member.user_id }, member.display_name)));
    // A disabled button says why: the seats line, which names a full business.
    const why = full ? 'business-seats' : null;
    return [
      h('form', { class: 'card invite', onsubmit: (event) => this.submit(event, () => api('POST', `${this.path}/people`, { email: email.value.trim() }), `Invitation sent to ${email.value.trim()}.`) },
        h('h2', {}, 'Invite someone to a seat'),
        h('p', { class: 'note' }, 'Someone new joins the chamber on the seat; a member of the chamber takes it when they accept.'),
        h('label', { for: 'seat-email' }, 'E-mail'), email,
        h('button', { type: 'submit', class: 'primary', disabled: full, 'aria-describedby': why }, 'Send invitation')),
      candidates.length ? h('form', { class: 'card', onsubmit: (event) => this.submit(event, () => api('PUT', `${this.path}/people/${pick.value}`), 'Seat given.') },
        h('h2', {}, 'Give a member of the chamber a seat'),
        h('label', { for: 'seat-member' }, 'Member'), pick,
        h('button', { type: 'submit', class: 'primary', disabled: full, 'aria-describedby': why }, 'Give a seat')) : null,
    ];
  }

  async submit(event, send, done) {
    event.preventDefault();
    this.status.textContent = '';
    try {
      await send();
      this.notice.textContent = done;
      await this.load();
    } catch (error) {
      this.status.textContent = describe(error);
    }
  }

  async revoke(invitation) {
    this.status.textContent = '';
    try {
      await api('DELETE', `${this.path}/people/invitations/${invitation.id}`);
      this.notice.textContent = `The invitation to ${invitation.email} is revoked; its seat is free.`;
      await this.load();
    } catch (error) {
      this.status.textContent = describe(error);
    }
  }

  async free(person, question, verb, done) {
    if (!await ask(question, [], verb)) return;
    this.status.textContent = '';
    try {
      await api('DELETE', `${this.path}/people/${person.user_id}`);
      this.notice.textContent = done;
      const member = this.members.get(person.user_id);
      if (member) delete member.business_id;
      if (person.user_id === this.me.id) location.hash = '#/chat';
      else await this.load();
    } catch (error) {
      this.status.textContent = describe(error);
    }
  }

  update() {}
}
