// The service worker: shows the server's Web Push notifications (Protocol/push.md: `{title, body, tag, data}`) and
// opens the conversation when one is clicked.

self.addEventListener('push', (event) => {
  const push = event.data?.json() ?? {};
  event.waitUntil(self.registration.showNotification(push.title ?? 'ChamberConnect', {
    body: push.body, tag: push.tag, data: push.data, icon: '/app/icon.svg',
  }));
});

self.addEventListener('notificationclick', (event) => {
  event.notification.close();
  const { channel_id: channel, chamber_id: chamber, subject_kind: subject } = event.notification.data ?? {};
  // A notice names its subject: an invoice opens the invoices; a membership, the notifications.
  const notice = subject === 'invoice' ? 'invoices' : subject ? 'notifications' : null;
  const page = channel ? `chat/${channel}` : notice;
  event.waitUntil(self.clients.openWindow(page ? `/?chamber=${encodeURIComponent(chamber ?? '')}#/${page}` : '/'));
});
