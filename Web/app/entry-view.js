// The first page: on a demo server one click signs in as each role; everywhere, sign-in (with a second factor when
// the account has one) and registration.

import { api, ApiError, describe, saveSession } from './api.js';
import { h, show } from './dom.js';

const featuredRoles = ['admin', 'staff', 'member', 'guest'];
const roleNotes = {
  admin: 'Runs the chamber: settings, members, moderation',
  staff: 'Reviews applications and messages',
  member: 'Chats, finds businesses, registers for events',
  guest: 'Reads what the chamber shares with guests',
};

/** Draws the entry page into `root`; `signedIn` is called once a session is stored. */
export function renderEntry(root, instance, signedIn) {
  const status = h('p', { class: 'form-error', role: 'alert' });
  const fail = (error) => {
    status.textContent = describe(error);
  };
  const logIn = async (email, password) => {
    status.textContent = '';
    try {
      const answer = await api('POST', '/v1/auth/login', { email, password }, { signedIn: false });
      if (answer.two_factor_required) return askSecondFactor(answer.challenge_token);
      saveSession(answer);
      signedIn();
    } catch (error) {
      fail(error);
    }
  };
  const askSecondFactor = (challengeToken) => {
    const code = h('input', { id: 'code', name: 'code', inputmode: 'numeric', autocomplete: 'one-time-code', required: true });
    const form = h('form', {
      class: 'card',
      onsubmit: async (event) => {
        event.preventDefault();
        const value = code.value.replace(/\s+/g, '');
        const body = /^\d{6}$/.test(value) ? { challenge_token: challengeToken, code: value } : { challenge_token: challengeToken, recovery_code: value };
        try {
          saveSession(await api('POST', '/v1/auth/login/two-factor', body, { signedIn: false }));
          signedIn();
        } catch (error) {
          fail(error);
        }
      },
    },
    h('h2', {}, 'Two-factor sign-in'),
    h('label', { for: 'code' }, 'The 6-digit code from your authenticator app, or a recovery code'),
    code, h('button', { class: 'primary', type: 'submit' }, 'Continue'), status);
    show(root, h('main', { id: 'main', class: 'entry' }, form));
    code.focus();
  };

  const sections = [h('header', { class: 'entry-head' }, h('img', { src: '/app/icon.svg', alt: '', width: 48, height: 48 }),
    h('h1', {}, 'ChamberConnect'), h('p', {}, 'Your chamber of commerce, live: chat with members, run events and membership.'))];

  if (instance.demo) {
    const logins = instance.demo.logins;
    const button = (login) => h('button', {
      class: 'demo-role', type: 'button', dataset: { role: login.role },
      onclick: () => logIn(login.email, instance.demo.password),
    }, h('strong', {}, `Try as ${login.role}`), roleNotes[login.role] ? h('span', {}, roleNotes[login.role]) : null);
    const featured = featuredRoles.map((role) => logins.find((login) => login.role === role)).filter(Boolean);
    const others = logins.filter((login) => !featuredRoles.includes(login.role));
    sections.push(h('section', { class: 'card demo', 'aria-labelledby': 'demo-title' },
      h('h2', { id: 'demo-title' }, 'Try the demo chamber'),
      h('p', { class: 'note' }, 'One click signs you in to the Springfield demo chamber. Everyone trying this server shares these accounts and sees what the others write, and the demo data may be reset at any time.'),
      h('div', { class: 'demo-roles' }, featured.map(button)),
      others.length ? h('details', {}, h('summary', {}, 'More roles'), h('div', { class: 'demo-roles' }, others.map(button))) : null,
      h('p', {}, 'Or ', h('a', { href: `#/apply/${instance.demo.chamber_slug}` }, 'apply to join the demo chamber'), ' as a new business, or ',
        h('a', { href: `#/directory/${instance.demo.chamber_slug}` }, 'browse its public directory'), '.')));
  }

  const email = h('input', { id: 'email', name: 'email', type: 'email', autocomplete: 'username', required: true });
  const password = h('input', { id: 'password', name: 'password', type: 'password', autocomplete: 'current-password', required: true });
  sections.push(h('form', {
    class: 'card', 'aria-labelledby': 'signin-title',
    onsubmit: (event) => {
      event.preventDefault();
      logIn(email.value.trim(), password.value);
    },
  },
  h('h2', { id: 'signin-title' }, 'Sign in'),
  h('label', { for: 'email' }, 'E-mail'), email,
  h('label', { for: 'password' }, 'Password'), password,
  h('button', { class: 'primary', type: 'submit' }, 'Sign in')));

  const name = h('input', { id: 'new-name', name: 'display_name', autocomplete: 'name', required: true, maxlength: 80 });
  const newEmail = h('input', { id: 'new-email', name: 'email', type: 'email', autocomplete: 'email', required: true });
  const newPassword = h('input', { id: 'new-password', name: 'password', type: 'password', autocomplete: 'new-password', required: true, minlength: 10 });
  sections.push(h('details', { class: 'card' }, h('summary', {}, 'New here? Create an account'),
    h('form', {
      onsubmit: async (event) => {
        event.preventDefault();
        status.textContent = '';
        try {
          await api('POST', '/v1/auth/register', { email: newEmail.value.trim(), password: newPassword.value, display_name: name.value.trim() }, { signedIn: false });
          await logIn(newEmail.value.trim(), newPassword.value);
        } catch (error) {
          fail(error);
        }
      },
    },
    h('label', { for: 'new-name' }, 'Your name'), name,
    h('label', { for: 'new-email' }, 'E-mail'), newEmail,
    h('label', { for: 'new-password' }, 'Password (at least 10 characters)'), newPassword,
    h('button', { class: 'primary', type: 'submit' }, 'Create account'))));
  sections.push(status);
  show(root, h('main', { id: 'main', class: 'entry' }, sections));
}
