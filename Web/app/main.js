// The app's shell: who is signed in, which chamber, and which page the address names (`#/chat`, `#/chat/<channel>`,
// `#/review`). Pages draw from a ChatClient, which holds the chamber's socket for as long as the chamber is shown.

import { allPages, api, currentSession, describe, forgetSession } from './api.js';
import { forgetFiles } from './attachments.js';
import { ChatClient } from './chat-client.js';
import { ApplicationsView } from './applications-view.js';
import { ApplyView } from './apply-view.js';
import { AuditView } from './audit-view.js';
import { BusinessView } from './business-view.js';
import { ChatView } from './chat-view.js';
import { DirectoryView } from './directory-view.js';
import { h, show } from './dom.js';
import { renderEntry } from './entry-view.js';
import { EventsView } from './events-view.js';
import { FiguresView } from './figures-view.js';
import { InvoicesView } from './invoices-view.js';
import { MembersView } from './members-view.js';
import { NotificationsView } from './notifications-view.js';
import { PreferencesView } from './preferences-view.js';
import { ReviewView } from './review-view.js';
import { SetupView } from './setup-view.js';

const root = document.getElementById('app');
const chamberKey = 'chamberconnect.chamber';
/** An invitation's token from its link (`#/invitation/<token>`), kept through signing in or registering. */
const invitationKey = 'chamberconnect.invitation';
/**
 * The pages, who may open each (every role when `roles` is absent; only when `available()` says so, if it is there),
 * and how to make one.
 */
const pages = {
  chat: { title: 'Chat', make: (argument) => new ChatView(client, members, argument ?? null) },
  directory: { title: 'Directory', make: () => new DirectoryView(membership.chamber.id, client, { slug: membership.chamber.slug }) },
  business: {
    title: 'My business',
    available: () => Boolean(members.get(me.user.id)?.business_id),
    make: () => new BusinessView(membership.chamber.id, members.get(me.user.id).business_id, me.user, membership.role, members),
  },
  events: { title: 'Events', make: () => new EventsView(membership.chamber.id) },
  notifications: { title: 'Notifications', make: () => new NotificationsView(client, membership.chamber.id, badge, members) },
  preferences: { title: 'Notification settings', hidden: true, make: () => new PreferencesView(membership.chamber.id, instance) },
  invoices: { title: 'Invoices', roles: ['admin', 'staff', 'moderator', 'board', 'member', 'trial'], make: () => new InvoicesView(membership.chamber.id, me.user) },
  review: { title: 'Review', roles: ['admin', 'staff', 'moderator'], make: () => new ReviewView(client, members, membership) },
  applications: { title: 'Applications', roles: ['admin', 'staff'], make: () => new ApplicationsView(membership.chamber.id) },
  members: { title: 'Members', roles: ['admin', 'staff'], make: () => new MembersView(membership.chamber.id, membership, me.user) },
  audit: { title: 'Audit log', roles: ['admin', 'staff', 'board'], make: () => new AuditView(membership.chamber.id, members) },
  figures: { title: 'Live', roles: ['admin', 'staff', 'moderator'], make: () => new FiguresView(client, me.user.is_platform_admin) },
  setup: { title: 'Set-up', roles: ['admin'], make: () => new SetupView(membership.chamber, chamberChanged) },
};

const allowed = (name) => Object.hasOwn(pages, name) && (!pages[name].roles || pages[name].roles.includes(membership.role)) &&
  (!pages[name].available || pages[name].available());

/** The unread notifications, on the navigation. */
const badge = {
  count: 0,
  set(count) {
    this.count = count;
    const link = document.querySelector('nav a[href="#/notifications"]');
    if (link) link.textContent = count ? `Notifications (${count})` : 'Notifications';
  },
};

let instance = null;
let me = null;
let membership = null;
let client = null;
let members = new Map();
let view = null;

async function boot() {
  // A push names its chamber (`?chamber=`, sw.js): open that one.
  const pushed = new URLSearchParams(location.search).get('chamber');
  if (pushed) localStorage.setItem(chamberKey, pushed);
  try {
    instance = await api('GET', '/v1/public/instance', undefined, { signedIn: false });
  } catch {
    instance = {};
  }
  window.addEventListener('hashchange', route);
  window.addEventListener('online', () => client?.socket.reconnectNow());
  document.addEventListener('visibilitychange', () => {
    client?.setAway(document.visibilityState === 'hidden');
    if (document.visibilityState === 'visible' && client?.active) client.markRead(client.active);
  });
  await route();
}

async function route() {
  let [page, argument] = location.hash.replace(/^#\/?/, '').split('/');
  if (page === 'invitation' && argument) {
    let token = argument;
    try {
      token = decodeURIComponent(argument);
    } catch {
      // Kept as written: the server says what is wrong with it.
    }
    sessionStorage.setItem(invitationKey, token);
    // The token leaves the address at once (history, screenshots): it is kept for this tab only.
    history.replaceState(null, '', '#/chat');
    [page, argument] = ['chat', undefined];
  }
  // The application form is for anyone, signed in or not (it makes the account with the draft).
  if (page === 'apply' && argument) {
    view?.detach?.();
    view = new ApplyView(decodeURIComponent(argument), () => {
      me = null;
      location.hash = '#/chat';
    });
    return show(root, view.element);
  }
  // A chamber's public directory is for anyone too.
  if (page === 'directory' && argument) {
    view?.detach?.();
    view = new DirectoryView(null, null, { publicSlug: decodeURIComponent(argument) });
    return show(root, view.element);
  }
  if (!currentSession()) {
    renderEntry(root, instance, () => route());
    if (sessionStorage.getItem(invitationKey)) {
      root.querySelector('main')?.prepend(h('p', { class: 'card invitation-note', role: 'status' },
        'You have an invitation. Sign in, or create an account with the address it was sent to, and it is accepted.'));
    }
    return;
  }
  const invitation = sessionStorage.getItem(invitationKey);
  if (invitation) return acceptInvitation(invitation);
  if (!me) {
    try {
      me = await api('GET', '/v1/me');
    } catch (error) {
      if (error.status === 401) return signOut();
      return fatal('The server could not be reached. Reload to try again.');
    }
  }
  if (me.memberships.length === 0) return noChamber();
  const wanted = localStorage.getItem(chamberKey);
  const chosen = me.memberships.find((entry) => entry.chamber.id === wanted) ?? me.memberships[0];
  if (membership?.chamber.id !== chosen.chamber.id) await enterChamber(chosen);
  view?.detach?.();
  view = (allowed(page) ? pages[page] : pages.chat).make(argument);
  draw();
}

/** Accepts an invitation and opens its chamber; says why when it cannot. */
async function acceptInvitation(token) {
  try {
    const joined = await api('POST', '/v1/invitations/accept', { token });
    sessionStorage.removeItem(invitationKey);
    localStorage.setItem(chamberKey, joined.chamber.id);
    // Read again: a new chamber, or a new seat of a business in this one.
    me = null;
    membership = null;
    return route();
  } catch (error) {
    // A session that ended keeps the invitation for the next sign-in; any other answer is final for this link.
    if (error.status === 401) return signOut();
    sessionStorage.removeItem(invitationKey);
    show(root, h('main', { id: 'main', class: 'entry' }, h('section', { class: 'card', role: 'alert' },
      h('h1', {}, 'The invitation could not be accepted'), h('p', {}, describe(error)),
      h('button', { type: 'button', class: 'primary', onclick: () => route() }, 'Continue'))));
  }
}

async function enterChamber(chosen) {
  client?.stop();
  membership = chosen;
  localStorage.setItem(chamberKey, chosen.chamber.id);
  applyBranding(chosen.chamber);
  members = new Map((await allPages(`/v1/chambers/${chosen.chamber.id}/members`).catch(() => [])).map((member) => [member.user_id, member]));
  // Every role reads its own entry, with the business it is with, even where the list is staff's.
  const mine = members.get(me.user.id) ?? await api('GET', `/v1/chambers/${chosen.chamber.id}/members/${me.user.id}`).catch(() => ({}));
  members.set(me.user.id, { ...mine, user_id: me.user.id, display_name: me.user.display_name, role: chosen.role });
  client = new ChatClient(chosen.chamber.id, me.user);
  client.addEventListener('change', () => {
    // When the member first sees their conversations: the browser's own measure of a first load.
    if (client.channels.length && performance.getEntriesByName('chamberconnect-ready').length === 0) performance.mark('chamberconnect-ready');
    view?.update();
  });
  client.socket.addEventListener('state', (event) => {
    if (event.detail.state === 'ended') ended(event.detail.reason);
    else drawStatus();
  });
  client.addEventListener('frame', (event) => {
    if (event.detail.unread_count !== undefined && ['notification', 'notifications_read'].includes(event.detail.type)) badge.set(event.detail.unread_count);
  });
  client.start();
  api('GET', `/v1/chambers/${chosen.chamber.id}/notifications?limit=1`).then((page) => badge.set(page.unread_count), () => {});
}

/** The admin changed the chamber (name, colours): the app wears it at once. */
function chamberChanged(chamber) {
  membership.chamber = chamber;
  const entry = me.memberships.find((item) => item.chamber.id === chamber.id);
  if (entry) entry.chamber = chamber;
  applyBranding(chamber);
  draw();
}

function applyBranding(chamber) {
  const color = readableBrand(chamber.branding?.primary_color);
  if (color) document.documentElement.style.setProperty('--brand', color);
  else document.documentElement.style.removeProperty('--brand');
  document.title = `${chamber.name} · ChamberConnect`;
}

let statusLine = null;

function draw() {
  const chamber = membership.chamber;
  const current = location.hash.replace(/^#\/?/, '').split('/')[0] || 'chat';
  statusLine = h('p', { class: 'connection', role: 'status' });
  const switcher = me.memberships.length > 1
    ? h('label', { class: 'switcher' }, h('span', { class: 'visually-hidden' }, 'Chamber'),
      h('select', {
        onchange: (event) => {
          localStorage.setItem(chamberKey, event.target.value);
          if (location.hash === '#/chat') route();
          else location.hash = '#/chat';
        },
      }, me.memberships.map((entry) => h('option', { value: entry.chamber.id, selected: entry.chamber.id === chamber.id }, entry.chamber.name))))
    : null;
  show(root,
    h('header', { class: 'topbar' },
      chamber.branding?.logo_url ? h('img', { class: 'logo', src: chamber.branding.logo_url, alt: `${chamber.name} logo`, width: 32, height: 32 }) : null,
      h('span', { class: 'chamber-name' }, chamber.name), switcher,
      h('nav', { 'aria-label': 'Main' }, Object.keys(pages).filter((name) => allowed(name) && !pages[name].hidden).map((name) => h('a', { href: `#/${name}`, 'aria-current': name === current ? 'page' : null }, pages[name].title))),
      h('span', { class: 'me' }, me.user.display_name, h('small', {}, ` · ${membership.role}`)),
      h('button', { type: 'button', class: 'link', onclick: signOut }, 'Sign out')),
    statusLine,
    view.element);
  drawStatus();
  badge.set(badge.count);
  view.update();
  // After a change of page, the keyboard and screen readers start at its heading.
  const heading = view.element.querySelector('.conversation-title') ?? view.element.querySelector('h1, h2');
  if (heading && drawnAddress !== null && drawnAddress !== location.hash) {
    heading.tabIndex = -1;
    heading.focus({ preventScroll: true });
  }
  drawnAddress = location.hash;
}

/** The address last drawn: focus moves to the heading only when it changed. */
let drawnAddress = null;

/**
 * The chamber's colour, darkened until white text on it reads at 4.5:1 (WCAG AA); null without one.
 */
function readableBrand(color) {
  if (!/^#[0-9a-f]{6}$/i.test(color ?? '')) return null;
  let [r, g, b] = [1, 3, 5].map((at) => parseInt(color.slice(at, at + 2), 16));
  const luminance = () => [r, g, b].map((channel) => {
    const c = channel / 255;
    return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
  }).reduce((sum, c, index) => sum + c * [0.2126, 0.7152, 0.0722][index], 0);
  while (1.05 / (luminance() + 0.05) < 4.5) [r, g, b] = [r, g, b].map((channel) => Math.floor(channel * 0.9));
  return `#${[r, g, b].map((channel) => channel.toString(16).padStart(2, '0')).join('')}`;
}

function drawStatus() {
  if (!statusLine || !client) return;
  const state = client.socket.state;
  statusLine.textContent = state === 'offline' ? 'Offline — reconnecting…' : state === 'connecting' ? 'Connecting…' : '';
  statusLine.dataset.state = state;
}

function ended(reason) {
  view?.detach?.();
  view = null;
  show(root, h('main', { id: 'main', class: 'entry' }, h('section', { class: 'card ended', role: 'alert' },
    h('h1', {}, 'Disconnected'), h('p', { class: 'ended-reason' }, reason),
    h('button', { class: 'primary', type: 'button', onclick: signOut }, 'Back to sign-in'))));
}

function noChamber() {
  show(root, h('main', { id: 'main', class: 'entry' }, h('section', { class: 'card' },
    h('h1', {}, `Welcome, ${me.user.display_name}`),
    h('p', {}, 'You are not a member of a chamber yet. Ask your chamber for an invitation, or apply to join one.'),
    h('form', { onsubmit: (event) => {
      event.preventDefault();
      const token = event.target.elements.token.value.trim();
      if (token) acceptInvitation(token);
    } },
    h('label', { for: 'invitation-token' }, 'Invitation token (from its e-mail)'),
    h('input', { id: 'invitation-token', name: 'token', autocomplete: 'off', required: true }),
    h('button', { type: 'submit', class: 'primary' }, 'Accept the invitation')),
    h('button', { type: 'button', onclick: signOut }, 'Sign out'))));
}

function fatal(message) {
  show(root, h('main', { id: 'main', class: 'entry' }, h('p', { class: 'form-error', role: 'alert' }, message)));
}

async function signOut() {
  client?.stop();
  forgetFiles();
  if (currentSession()) await api('POST', '/v1/auth/logout').catch(() => {});
  forgetSession();
  client = null;
  me = null;
  membership = null;
  view = null;
  document.documentElement.style.removeProperty('--brand');
  location.hash = '';
  route();
}

boot();
