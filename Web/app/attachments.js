// A message's files: picked files are uploaded to the channel before the send (openapi.yaml,
// uploadMessageAttachment), and a message's attachments are shown with it. Files kept by this server are fetched
// with the session's token (a page cannot put one on an <img>), once per page: pictures drawn inline, other files
// saved on a click. Attachments kept elsewhere are plain links.

import { api, fetchFile } from './api.js';
import { h } from './dom.js';

/** What the server keeps for a message (it finds the type from the bytes). */
export const acceptedTypes = 'image/png,image/jpeg,image/webp,application/pdf';

/** At most this many files per message (websocket.md, Limits). */
export const maxAttachments = 10;

const objectURLs = new Map();

/** A page-local address of the file at `url`, fetched the first time it is asked for. */
function objectURL(url) {
  if (!objectURLs.has(url)) {
    const loading = fetchFile(url).then((blob) => URL.createObjectURL(blob));
    loading.catch(() => objectURLs.delete(url));
    objectURLs.set(url, loading);
  }
  return objectURLs.get(url);
}

/** Lets go of every file fetched so far (on sign-out: the next person on this browser starts with none). */
export function forgetFiles() {
  for (const loading of objectURLs.values()) loading.then((url) => URL.revokeObjectURL(url), () => {});
  objectURLs.clear();
}

/** Uploads `file` for a message in the channel; resolves to what a send's attachment carries. */
export async function uploadAttachment(chamberId, channelId, file) {
  const { url, content_type, size, name } = await api('POST', `/v1/chambers/${chamberId}/channels/${channelId}/files?name=${encodeURIComponent(file.name)}`, file);
  return { url, content_type, size, name };
}

/** Bytes as people read them: 840 B, 12 KB, 3.4 MB. */
export function fileSize(bytes) {
  if (bytes < 1000) return `${bytes} B`;
  if (bytes < 1_000_000) return `${Math.round(bytes / 1000)} KB`;
  return `${(bytes / 1_000_000).toFixed(1)} MB`;
}

/** The attachments of a message, or null without any; `failed` hears a download the server refused. */
export function attachmentList(attachments, failed) {
  if (!attachments?.length) return null;
  return h('ul', { class: 'attachments', 'aria-label': 'Attachments' }, attachments.map((attachment) => h('li', {}, attachmentView(attachment, failed))));
}

/** The last part of an address, decoded where it can be (any member may send any URL). */
function lastSegment(url) {
  const segment = url.split(/[?#]/)[0].split('/').pop() || 'file';
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}

function attachmentView(attachment, failed) {
  const name = attachment.name ?? lastSegment(attachment.url);
  const label = `${name} (${fileSize(attachment.size)})`;
  if (!attachment.url.startsWith('/')) return h('a', { href: attachment.url, target: '_blank', rel: 'noopener noreferrer' }, label);
  const save = h('button', { type: 'button', class: 'link attachment-file', onclick: async () => {
    try {
      const link = h('a', { href: await objectURL(attachment.url), download: name, hidden: true });
      document.body.append(link);
      link.click();
      link.remove();
    } catch (error) {
      failed(error);
    }
  } }, `Save ${label}`);
  if (!attachment.content_type.startsWith('image/')) return save;
  const image = h('img', { class: 'attachment-image', alt: name });
  objectURL(attachment.url).then((src) => {
    image.src = src;
  }, () => {
    image.alt = `${name} (could not be loaded)`;
  });
  return h('figure', {}, image, h('figcaption', {}, save));
}
