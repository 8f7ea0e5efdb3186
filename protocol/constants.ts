/** Defaults shared by every platform. DESIGN.md "Defaults". */

/** Largest message text, in UTF-8 bytes, a user may send (DESIGN.md: envelope cap 64 KiB). */
export const MAX_TEXT_BYTES = 64 * 1024

/** Payload size buckets: every payload is padded up to one of these so sizes leak little. */
export const PAYLOAD_BUCKETS = [256, 1024, 4096, 16384, 65536, 65536 + 4096] as const

/** Hard cap on an encoded envelope; decoders reject larger frames before allocating. */
export const MAX_ENVELOPE_BYTES = PAYLOAD_BUCKETS[PAYLOAD_BUCKETS.length - 1] + 512

/** Envelope format version this code writes and accepts. */
export const ENVELOPE_VERSION = 1

/** Message ids are 128-bit random values. */
export const MESSAGE_ID_BYTES = 16

/**
 * Most message ids one read receipt carries (each ~34 bytes encoded: a page fits the largest
 * payload bucket with a PQXDH initial message); more go in several receipts.
 */
export const MAX_READ_IDS = 1_000

/** Time-to-live of a message unless the user asks otherwise: 7 days. */
export const DEFAULT_TTL_MS = 7 * 24 * 60 * 60 * 1000

/** Shortest and longest time-to-live a message may have. */
export const MIN_TTL_MS = 10_000
export const MAX_TTL_MS = 30 * 24 * 60 * 60 * 1000

/** Invites are valid this long unless asked otherwise. */
export const DEFAULT_INVITE_TTL_MS = 7 * 24 * 60 * 60 * 1000

/** Invite link scheme and format version. */
export const INVITE_PREFIX = 'ferry://invite/'
export const INVITE_VERSION = 3

/** Outbox retry backoff: first retry, growth factor and ceiling. */
export const RETRY_INITIAL_MS = 1_000
export const RETRY_MAX_MS = 30_000

/**
 * A contact's message that fits no session held with it starts a session restart (a control
 * message) at most this often per contact: enough to heal after a restore from a backup, and a
 * peer that keeps sending garbage costs one small message per interval.
 */
export const SESSION_RESTART_INTERVAL_MS = 10 * 60 * 1000

/** Display names of contacts: what a name may look like. */
export const CONTACT_NAME = /^[\p{L}\p{N}_.-]{1,64}$/u

/** Largest team-room snapshot a store keeps (`Room.snapshot()`: ops and group keys), before sealing. */
export const MAX_ROOM_SNAPSHOT_BYTES = 8 * 1024 * 1024

/** Most team rooms one store keeps. */
export const MAX_ROOMS = 256

/** History entries kept per room; past it the oldest are dropped (RoomStore.putRoom). */
export const MAX_ROOM_HISTORY = 50_000

/** One history entry's record: a 64 KiB text and its sender, times and delivery state. */
export const MAX_ROOM_HISTORY_RECORD_BYTES = 72 * 1024
