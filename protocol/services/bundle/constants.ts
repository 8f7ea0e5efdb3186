/**
 * Protocol id and budgets of the bundle service. A bundle with a one-time prekey costs this device
 * a stored private key for up to ONE_TIME_PREKEY_GRACE_MS (protocol/crypto/prekey-upkeep.ts), so it is
 * budgeted per requester, larger for contacts than for strangers, and for strangers together;
 * past a budget the answer is a bundle without one (PQXDH without DH4 still works, and the replay
 * marks refuse a second answer to the same initial message). Answers at all are budgeted too.
 */
export const BUNDLE_PROTOCOL = '/ferry/bundle/1.0.0'

/** How long one answer (or one fetch) may take. */
export const TIMEOUT_MS = 10_000

/** Bundles with a one-time prekey one contact may pull per hour (all at once, then one per 6 min). */
export const ONE_TIME_PER_CONTACT_PER_HOUR = 10

/** Bundles with a one-time prekey one stranger may pull per hour. */
export const ONE_TIME_PER_STRANGER_PER_HOUR = 2

/** Bundles with a one-time prekey all strangers together may pull per hour (peer ids are free to make). */
export const ONE_TIME_FOR_STRANGERS_PER_HOUR = 20

/** Bundle answers (with or without a one-time prekey) one peer gets per minute; past it the stream is reset. */
export const ANSWERS_PER_PEER_PER_MINUTE = 10

/** Bundle answers all peers together get per minute; past it every request is reset. */
export const ANSWERS_PER_MINUTE = 300

/** Simultaneous bundle streams per connection. */
export const MAX_STREAMS = 4
