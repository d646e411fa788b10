// The member's notification preferences in this chamber (REST `…/notification-preferences`), and this browser's
// Web Push subscription (`POST /v1/me/devices`, when the server sends Web Push).

import { api, describe } from './api.js';
import { h, show } from './dom.js';

const categories = {
  direct_messages: 'Direct messages', mentions: 'Mentions and replies', announcements: 'Announcements',
  channel_messages: 'Other messages in groups', events: 'Events', membership: 'Membership', billing: 'Invoices and payments',
};
const deliveries = { in_app: 'In the app', push: 'Push', email: 'E-mail' };
const levels = [['all', 'All'], ['mentions', 'Mentions'], ['none', 'None']];

export class PreferencesView {
  constructor(chamberId, instance) {
    this.chamberId = chamberId;
    this.instance = instance;
    this.status = h('p', { class: 'note', role: 'status' });
    this.form = h('div');
    this.push = h('section', { class: 'card', 'aria-labelledby': 'push-title' });
    this.element = h('main', { id: 'main', class: 'page' },
      h('h1', {}, 'Notification settings'), this.status, this.push, this.form);
    this.load();
    this.drawPush().catch((error) => show(this.push, h('p', { class: 'note' }, `Push is not available here: ${error.message}`)));
  }

  async load() {
    try {
      this.draw(await api('GET', `/v1/chambers/${this.chamberId}/notification-preferences`));
    } catch (error) {
      this.status.textContent = describe(error);
    }
  }

  async save(patch) {
    const focused = document.activeElement?.id;
    try {
      this.draw(await api('PATCH', `/v1/chambers/${this.chamberId}/notification-preferences`, patch));
      if (focused) document.getElementById(focused)?.focus();
      this.status.textContent = 'Saved.';
    } catch (error) {
      this.status.textContent = describe(error);
    }
  }

  draw(preferences) {
    const rows = Object.entries(categories).map(([category, title]) => h('tr', {},
      h('th', { scope: 'row' }, title),
      Object.keys(deliveries).map((delivery) => {
        const id = `level-${category}-${delivery}`;
        return h('td', {}, h('label', { for: id, class: 'visually-hidden' }, `${title}: ${deliveries[delivery]}`),
          h('select', { id, onchange: (event) => this.save({ categories: { [category]: { [delivery]: event.target.value } } }) },
            levels.map(([value, label]) => h('option', { value, selected: preferences.categories[category][delivery] === value }, label))));
      })));
    const quiet = preferences.quiet_hours;
    const start = h('input', { id: 'quiet-start', type: 'time', value: quiet?.start ?? '' });
    const end = h('input', { id: 'quiet-end', type: 'time', value: quiet?.end ?? '' });
    show(this.form,
      h('section', { class: 'card' }, h('h2', {}, 'What reaches you, and how'),
        h('div', { class: 'table-wrap' }, h('table', {},
          h('thead', {}, h('tr', {}, h('td', {}), Object.values(deliveries).map((title) => h('th', { scope: 'col' }, title)))), h('tbody', {}, rows)))),
      h('section', { class: 'card' }, h('h2', {}, 'E-mail and privacy'),
        h('label', { for: 'digest' }, 'E-mail what I have not read'),
        h('select', { id: 'digest', onchange: (event) => this.save({ email_digest: event.target.value }) },
          [['immediate', 'Soon after it happens'], ['hourly', 'Once an hour'], ['daily', 'Once a day']]
            .map(([value, label]) => h('option', { value, selected: preferences.email_digest === value }, label))),
        h('label', { class: 'check' }, h('input', { type: 'checkbox', checked: preferences.preview, onchange: (event) => this.save({ preview: event.target.checked }) }),
          ' Show what was written in pushes and e-mails')),
      h('form', { class: 'card', onsubmit: (event) => {
        event.preventDefault();
        this.save({ quiet_hours: start.value && end.value ? { start: start.value, end: end.value } : null });
      } },
      h('h2', {}, 'Quiet hours'),
      h('p', { class: 'note' }, `Nothing is pushed between these times (${quiet?.time_zone ?? 'the chamber\'s time zone'}), except urgent announcements. Leave both empty for none.`),
      h('label', { for: 'quiet-start' }, 'From'), start, h('label', { for: 'quiet-end' }, 'Until'), end,
      h('button', { type: 'submit', class: 'primary' }, 'Save quiet hours')));
  }

  /** Push in this browser: offered when the server sends Web Push and the browser can receive it. */
  async drawPush() {
    const key = this.instance.web_push?.application_server_key;
    const title = h('h2', { id: 'push-title' }, 'Push notifications in this browser');
    if (!key) return show(this.push, title, h('p', { class: 'note' }, 'This server does not send browser push notifications.'));
    if (!('serviceWorker' in navigator) || !('PushManager' in window)) {
      return show(this.push, title, h('p', { class: 'note' }, 'This browser cannot receive push notifications.'));
    }
    const registration = await navigator.serviceWorker.register('/app/sw.js', { scope: '/app/' });
    const subscription = await registration.pushManager.getSubscription();
    // A subscription this browser holds is registered again: the device ends with the session it was registered by.
    if (subscription) {
      await api('POST', '/v1/me/devices', { platform: 'web_push', name: navigator.userAgent.slice(0, 100), web_push: subscription.toJSON() }).catch(() => {});
    }
    const state = h('p', {}, subscription ? 'This browser receives your notifications when the app is closed.' : 'Off in this browser.');
    const button = h('button', { type: 'button', class: 'primary', onclick: async () => {
      try {
        const permission = await Notification.requestPermission();
        if (permission !== 'granted') {
          state.textContent = 'The browser was not allowed to show notifications.';
          return;
        }
        const created = await registration.pushManager.subscribe({ userVisibleOnly: true, applicationServerKey: key });
        await api('POST', '/v1/me/devices', { platform: 'web_push', name: navigator.userAgent.slice(0, 100), web_push: created.toJSON() });
        state.textContent = 'This browser receives your notifications when the app is closed.';
        button.hidden = true;
      } catch (error) {
        state.textContent = `Push could not be turned on: ${error.message}`;
      }
    } }, 'Turn on');
    button.hidden = Boolean(subscription);
    show(this.push, title, state, button);
  }

  update() {}
}
