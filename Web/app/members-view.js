// Staff's members page: everyone in the chamber with their role, role changes and removal (admins), and invitations
// (REST `…/members`, `…/invitations`).

import { allPages, api, describe } from './api.js';
import { h, show } from './dom.js';

const roles = ['admin', 'staff', 'moderator', 'board', 'member', 'trial', 'guest'];

export class MembersView {
  constructor(chamberId, membership, me) {
    this.chamberId = chamberId;
    // Admins give any role; staff move people between member, trial and guest (openapi.yaml's permission table).
    this.isAdmin = membership.role === 'admin' || me.is_platform_admin;
    this.assignable = this.isAdmin ? roles : ['member', 'trial', 'guest'];
    this.me = me;
    this.status = h('p', { class: 'form-error', role: 'alert' });
    this.notice = h('p', { class: 'note', role: 'status' });
    this.list = h('ul', { class: 'members', 'aria-label': 'Members' });
    const email = h('input', { id: 'invite-email', type: 'email', required: true, autocomplete: 'off' });
    const role = h('select', { id: 'invite-role' }, this.assignable.map((name) => h('option', { value: name, selected: name === 'member' }, name)));
    this.element = h('main', { id: 'main', class: 'page' },
      h('h1', {}, 'Members'),
      h('form', { class: 'card invite', onsubmit: async (event) => {
        event.preventDefault();
        this.status.textContent = '';
        try {
          await api('POST', `/v1/chambers/${chamberId}/invitations`, { email: email.value.trim(), role: role.value });
          this.notice.textContent = `Invitation sent to ${email.value.trim()}.`;
          email.value = '';
        } catch (error) {
          this.status.textContent = describe(error);
        }
      } },
      h('h2', {}, 'Invite someone'),
      h('label', { for: 'invite-email' }, 'E-mail'), email,
      h('label', { for: 'invite-role' }, 'Role'), role,
      h('button', { type: 'submit', class: 'primary' }, 'Send invitation')),
      this.notice, this.status, this.list);
    this.load();
  }

  async load() {
    try {
      const members = await allPages(`/v1/chambers/${this.chamberId}/members`);
      show(this.list, members.map((member) => this.row(member)));
    } catch (error) {
      this.status.textContent = describe(error);
    }
  }

  row(member) {
    const id = `role-${member.user_id}`;
    const editable = this.assignable.includes(member.role) && member.user_id !== this.me.id;
    return h('li', { class: 'member-row' },
      h('span', { class: 'member-name' }, h('strong', {}, member.display_name), member.email ? h('small', {}, ` ${member.email}`) : null),
      editable
        ? h('span', { class: 'member-role' }, h('label', { for: id, class: 'visually-hidden' }, `Role of ${member.display_name}`),
          h('select', { id, onchange: (event) => this.changeRole(member, event.target.value) },
            this.assignable.map((name) => h('option', { value: name, selected: name === member.role }, name))),
          this.isAdmin ? h('button', { type: 'button', class: 'link', onclick: () => this.remove(member) }, `Remove ${member.display_name}`) : null)
        : h('span', { class: 'member-role' }, member.role));
  }

  async changeRole(member, role) {
    this.status.textContent = '';
    try {
      await api('PATCH', `/v1/chambers/${this.chamberId}/members/${member.user_id}`, { role });
      this.notice.textContent = `${member.display_name} is now ${role}.`;
    } catch (error) {
      this.status.textContent = describe(error);
      this.load();
    }
  }

  async remove(member) {
    if (!confirm(`Remove ${member.display_name} from the chamber?`)) return;
    try {
      await api('DELETE', `/v1/chambers/${this.chamberId}/members/${member.user_id}`);
      this.load();
    } catch (error) {
      this.status.textContent = describe(error);
    }
  }

  update() {}
}
