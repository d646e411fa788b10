// Events: what is coming, with seats left; registering (with an Idempotency-Key, so a retry registers once), the
// waitlist when full, one's own registration and its live room.

import { api, describe } from './api.js';
import { h, show } from './dom.js';
import { eventTime, money } from './format.js';

const statusNames = {
  confirmed: 'You are registered', pending_payment: 'Registered, awaiting payment', waitlisted: 'On the waitlist',
  offered: 'A seat is offered to you',
};

export class EventsView {
  constructor(chamberId) {
    this.chamberId = chamberId;
    this.list = h('ul', { class: 'cards', 'aria-label': 'Events' });
    this.element = h('main', { id: 'main', class: 'page' }, h('h1', {}, 'Events'), this.list);
    this.load();
  }

  async load() {
    try {
      const page = await api('GET', `/v1/chambers/${this.chamberId}/events?limit=50`);
      const upcoming = page.items.filter((event) => event.status === 'published' && Date.parse(event.ends_at) > Date.now());
      if (upcoming.length === 0) return show(this.list, h('li', { class: 'empty' }, 'No upcoming events.'));
      // The list leaves out ticket types: each event is read whole; the reader's registrations come in one list.
      const [events, mine] = await Promise.all([
        Promise.all(upcoming.map((event) => (event.ticket_types ? event : api('GET', `/v1/chambers/${this.chamberId}/events/${event.id}`).catch(() => event)))),
        api('GET', `/v1/chambers/${this.chamberId}/registrations/mine`),
      ]);
      const byEvent = new Map(mine.items.map((registration) => [registration.event_id, registration]));
      show(this.list, events.map((event) => this.card(event, byEvent.get(event.id))));
    } catch (error) {
      show(this.list, h('li', { class: 'form-error', role: 'alert' }, describe(error)));
    }
  }

  card(event, registration) {
    const status = h('p', { class: 'form-error', role: 'alert' });
    const tickets = (event.ticket_types ?? []).filter((ticket) => ticket.active);
    const choice = h('select', { id: `ticket-${event.id}` }, tickets.map((ticket) => h('option', { value: ticket.id },
      `${ticket.name} · ${ticket.price_cents ? money(ticket.price_cents, ticket.currency) : 'free'}`)));
    const register = async (waitlist) => {
      status.textContent = '';
      try {
        const body = { ticket_type_id: choice.value };
        if (waitlist) body.waitlist = true;
        await fetchWithKey(`/v1/chambers/${this.chamberId}/events/${event.id}/registrations`, body);
        this.load();
      } catch (error) {
        if (error.code === 'event_full') {
          status.textContent = '';
          show(actions, h('p', {}, 'The event is full.'), h('button', { type: 'button', onclick: () => register(true) }, 'Join the waitlist'));
        } else {
          status.textContent = describe(error);
        }
      }
    };
    const actions = h('div', { class: 'event-actions' });
    if (registration?.status === 'offered') {
      show(actions, h('p', { class: 'registered' }, 'A seat is offered to you',
        registration.offer_expires_at ? ` until ${eventTime(registration.offer_expires_at, event.time_zone)}` : ''),
      h('button', { type: 'button', class: 'primary', onclick: async () => {
        try {
          await api('POST', `/v1/chambers/${this.chamberId}/registrations/${registration.id}/accept`, undefined, { headers: { 'idempotency-key': crypto.randomUUID() } });
          this.load();
        } catch (error) {
          status.textContent = describe(error);
        }
      } }, 'Take the seat'));
    } else if (registration) {
      show(actions, h('p', { class: 'registered' }, statusNames[registration.status] ?? registration.status,
        registration.seats > 1 ? ` · ${registration.seats} seats` : ''),
      event.room_id && ['confirmed', 'pending_payment'].includes(registration.status) ? h('a', { href: `#/chat/${event.room_id}`, class: 'button' }, 'Open the live room') : null);
    } else if (tickets.length) {
      show(actions, h('label', { for: `ticket-${event.id}` }, 'Ticket'), choice,
        h('button', { type: 'button', class: 'primary', onclick: () => register(false) }, 'Register'));
    }
    return h('li', { class: 'card event', dataset: { event: event.id } },
      h('h2', {}, event.title),
      h('p', {}, eventTime(event.starts_at, event.time_zone)),
      event.venue ? h('p', {}, event.venue) : null,
      event.format === 'virtual' ? h('p', { class: 'note' }, 'Online') : null,
      event.capacity ? h('p', { class: 'note' }, `${event.seats_left ?? Math.max(0, event.capacity - event.seats_taken)} of ${event.capacity} seats left`) : null,
      event.description ? h('p', {}, event.description) : null,
      actions, status);
  }

  update() {}
}

/** A POST that moves seats or money: one Idempotency-Key per click, so a retried request registers once. */
function fetchWithKey(path, body) {
  return api('POST', path, body, { headers: { 'idempotency-key': crypto.randomUUID() } });
}
