// Builds the page from elements. Text always goes in as text, never parsed as HTML, so nothing a member writes
// (a message, a name) can run in another member's browser.

/**
 * An element: `h('button', {class: 'primary', onclick: go}, 'Sign in')`.
 * Attributes that are null, undefined or false are left out; `on…` attributes add listeners.
 */
export function h(tag, attributes = {}, ...children) {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes ?? {})) {
    if (value == null || value === false) continue;
    if (name.startsWith('on')) element.addEventListener(name.slice(2), value);
    else if (name === 'class') element.className = value;
    else if (name === 'dataset') Object.assign(element.dataset, value);
    else if (name === 'value') element.value = value;
    else element.setAttribute(name, value === true ? '' : String(value));
  }
  append(element, children);
  return element;
}

function append(element, children) {
  for (const child of children.flat(Infinity)) {
    if (child == null || child === false) continue;
    element.append(child instanceof Node ? child : String(child));
  }
}

/** Replaces what `parent` shows. */
export function show(parent, ...children) {
  parent.replaceChildren();
  append(parent, children);
}

/** A short time of day, or a date for older instants. */
export function when(instant) {
  const date = new Date(instant);
  const today = new Date();
  return date.toDateString() === today.toDateString()
    ? date.toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' })
    : date.toLocaleDateString([], { month: 'short', day: 'numeric' });
}

/** Initials for an avatar. */
export function initials(name) {
  return (name ?? '?').split(/\s+/).filter(Boolean).slice(0, 2).map((word) => word[0].toUpperCase()).join('') || '?';
}

/**
 * Asks in a modal dialog (keyboard and screen readers handle `<dialog>` natively). `fields` are
 * `{name, label, value, type: 'text'|'textarea'|'select', options}`; resolves to their values by name, or null
 * when cancelled.
 */
export function ask(title, fields, confirm = 'OK') {
  return new Promise((resolve) => {
    const inputs = fields.map((field, index) => {
      const id = `ask-${index}`;
      const input = field.type === 'select'
        ? h('select', { id, name: field.name }, field.options.map(([value, label]) => h('option', { value, selected: value === field.value }, label)))
        : h(field.type === 'textarea' ? 'textarea' : 'input', { id, name: field.name, value: field.value ?? '', rows: 3, maxlength: field.maxlength ?? 4000 });
      return [field.name, h('label', { for: id }, field.label), input];
    });
    const dialog = h('dialog', { 'aria-labelledby': 'ask-title' },
      h('form', { method: 'dialog' },
        h('h2', { id: 'ask-title' }, title),
        inputs.map(([, label, input]) => [label, input]),
        h('div', { class: 'dialog-buttons' },
          h('button', { type: 'button', onclick: () => dialog.close('cancel') }, 'Cancel'),
          h('button', { type: 'submit', value: 'ok', class: 'primary' }, confirm))));
    dialog.addEventListener('close', () => {
      dialog.remove();
      resolve(dialog.returnValue === 'ok' ? Object.fromEntries(inputs.map(([name, , input]) => [name, input.value])) : null);
    });
    document.body.append(dialog);
    dialog.showModal();
  });
}
