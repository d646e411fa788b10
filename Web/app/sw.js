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
  const { channel_id: channel, chamber_id: chamber } = event.notification.data ?? {};
  event.waitUntil(self.clients.openWindow(channel ? `/?chamber=${encodeURIComponent(chamber ?? '')}#/chat/${channel}` : '/'));
});
