// How amounts and instants read on the page.

/** An amount in the currency's minor unit (cents, yen) as the reader's locale writes it. */
export function money(minor, currency) {
  const format = new Intl.NumberFormat(undefined, { style: 'currency', currency });
  const digits = format.resolvedOptions().maximumFractionDigits;
  return format.format(minor / 10 ** digits);
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
