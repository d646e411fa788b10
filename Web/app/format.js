// How amounts and instants read on the page.

/** How many digits the currency's minor unit has (2 for cents, 0 for yen). */
export function minorDigits(currency) {
  return new Intl.NumberFormat(undefined, { style: 'currency', currency }).resolvedOptions().maximumFractionDigits;
}

/** An amount in the currency's minor unit (cents, yen) as the reader's locale writes it. */
export function money(minor, currency) {
  return new Intl.NumberFormat(undefined, { style: 'currency', currency }).format(minor / 10 ** minorDigits(currency));
}

/** Mentions (`<@USER_ID>`) written as `@Name`, by `nameOf(id)`. */
export function mentionsByName(text, nameOf) {
  return (text ?? '').replace(/<@([0-9a-f-]{36})>/g, (_, id) => `@${nameOf(id)}`);
}

/** A date and time in the event's own time zone, with the zone named. */
export function eventTime(instant, timeZone) {
  return new Date(instant).toLocaleString([], {
    weekday: 'short', month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit', timeZone, timeZoneName: 'short',
  });
}

/** A date alone. */
export function day(instant) {
  return new Date(instant).toLocaleDateString([], { year: 'numeric', month: 'short', day: 'numeric' });
}
