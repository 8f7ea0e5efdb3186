/** Protocol id and limits of the direct-message service (DESIGN.md "Wire protocols"). */
export const PROTOCOL = '/ferry/dm/1.0.0'
/**
 * The same with receipts signed a window at a time (protocol/receipts/receipt.ts signReceipts):
 * what a sender asks for first; a peer that only speaks 1.0.0 signs each receipt.
 */
export const PROTOCOL_WINDOWED = '/ferry/dm/1.1.0'

/** Envelopes a sender may have on the wire to one peer before it waits for receipts. */
export const MAX_IN_FLIGHT = 512

/** How long a sender waits for the receipt of one envelope before giving up on the stream. */
export const RECEIPT_TIMEOUT_MS = 30_000

/** How long an inbound stream may stay silent before the receiver closes it. */
export const IDLE_TIMEOUT_MS = 5 * 60_000

/** One long-lived stream per direction is the design; a few more allow reconnect races. */
export const MAX_INBOUND_STREAMS = 4
export const MAX_OUTBOUND_STREAMS = 4

/**
 * Largest reply frame a sender reads: a receipt is ~180 bytes and a rejection's reason a short
 * sentence. A longer length prefix ends the stream (protocol/services/frames.ts).
 */
export const MAX_REPLY_BYTES = 16 * 1024
