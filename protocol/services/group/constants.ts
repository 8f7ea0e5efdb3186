/**
 * Protocol id, bounds and budgets of the group service (docs/groups.md "The wire"). Every bound is
 * checked before the bytes it bounds are buffered or decoded.
 */
import { MAX_SIGNED_OP_BYTES } from '../../groups/ops.js'
import { MAX_GROUP_MESSAGE_BYTES } from '../../groups/room-message.js'
import { DEVICE_CERTIFICATE_BYTES } from '../../crypto/identity.js'

export const GROUP_PROTOCOL = '/ferry/group/1.0.0'

/** The first frame: the asker's identity key and the certificate binding it to the connection's peer id. */
export const HELLO_BYTES = 32 + DEVICE_CERTIFICATE_BYTES

/** Room ids are 32 bytes; a packet frame starts with one. */
export const GROUP_ID_BYTES = 32

/**
 * The largest frame either side reads: one largest op or message and its framing (so a packet
 * always has room for one item), 66 KiB. Packets are filled up to PACKET_BYTES.
 */
export const MAX_FRAME_BYTES = Math.max(MAX_SIGNED_OP_BYTES, MAX_GROUP_MESSAGE_BYTES) + 1024

/** What a sender puts in one packet before it starts the next (items larger than this go alone). */
export const PACKET_BYTES = 64 * 1024

/** Ops or messages one packet may carry (each at least a signature long). */
export const MAX_ITEMS = 512
/** Mailbox capabilities one packet may carry (room-mail.ts: ours for every member, and those we carry for the receiver). */
export const MAX_CAPABILITIES = 64

/** Answer frames one exchange may bring back: 256 KiB of answer (ferrying.ts) in 64 KiB packets, and one more. */
export const MAX_ANSWER_FRAMES = 5

/** How long one exchange may take, either side. */
export const TIMEOUT_MS = 15_000

/** Exchanges one peer may start per minute (a burst of this many); past it, RATE_LIMITED. */
export const EXCHANGES_PER_PEER_PER_MINUTE = 120

/** Exchanges all peers together may start per minute. */
export const EXCHANGES_PER_MINUTE = 1200

/** Simultaneous group streams per connection, each way. */
export const MAX_STREAMS = 8
