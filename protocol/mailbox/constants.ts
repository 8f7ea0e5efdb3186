/**
 * Protocol id, limits and defaults of the mailbox: first what a host accepts and answers
 * (the service), then what owners and senders do by default (the roles).
 */
import { MAX_ENVELOPE_BYTES } from '../constants.js'
import type { MailboxPolicy } from './index.js'

export const MAILBOX_PROTOCOL = '/ferry/mailbox/1.0.0'

// --- the host (service.ts, intake.ts) ---

export const DEFAULT_POLICY: MailboxPolicy = {
  depositorBytes: 64 * 1024 * 1024,
  depositorMessages: 20_000,
  totalBytes: 1024 * 1024 * 1024,
  maxTtlMs: 30 * 24 * 60 * 60 * 1000,
  depositsPerSecond: 500,
  burst: 5_000
}

/** An owner's quota unless `ferry mailbox host` says otherwise. */
export const DEFAULT_OWNER_QUOTA = { bytes: 256 * 1024 * 1024, messages: 50_000 }

/** Largest request frame: a deposit of the largest envelope with its capability. */
export const MAX_FRAME = MAX_ENVELOPE_BYTES + 16 * 1024
/** Largest `deposits` frame: clients keep batches under BATCH_BYTES; one such frame is read at a time. */
export const BATCH_BYTES = 512 * 1024
export const MAX_REQUEST = BATCH_BYTES + MAX_FRAME
/** Deposits one `deposits` request may carry. */
export const MAX_BATCH = 256
/** Answers one stream may owe before the host stops reading it. */
export const MAX_IN_FLIGHT = 256
export const MAX_PAGE = 512
/** A page of fetched mail stops growing past this many bytes (one item always fits). */
export const PAGE_BYTES = 256 * 1024
/** Largest answer frame a client reads: a full page plus its last, possibly largest, envelope. */
export const MAX_ANSWER = PAGE_BYTES + MAX_REQUEST
/** Ids (and delivery receipts) one ack or receipts request may name. */
export const MAX_ACK = 4096
/** A stream with no request for this long is closed. */
export const IDLE_MS = 60_000
/**
 * A request frame must arrive whole this long after its first byte: a full `deposits` frame
 * (~600 KiB) at 5 KiB/s. Slower, or a peer dripping bytes, and the stream is reset.
 */
export const MAILBOX_FRAME_DEADLINE_MS = 120_000
/** Verified capabilities and device certificates remembered. */
export const CACHE_SIZE = 1024
/** One-time prekeys: at most this many wait per owner, and per upload. */
export const MAX_PREKEYS = 200
export const MAX_PREKEYS_PER_UPLOAD = 100
/** Prekey claims one claiming peer may make per hour, whatever the owner. */
export const CLAIMS_PER_PEER_PER_HOUR = 10
/**
 * Prekey claims answered per owner per hour, whoever claims: peer ids are free, so without it a
 * few thousand made-up claimants would empty the owner's prekeys here. Past it the claimant is
 * refused and starts its session from the invite's bundle, without a one-time prekey.
 */
export const CLAIMS_PER_OWNER_PER_HOUR = 10
/** How long a client waits for the answers of one stream unless told otherwise. */
export const TIMEOUT_MS = 30_000

// --- the owner and the sender (owner.ts, sender.ts) ---

/** Senders deposit to this many of the recipient's mailboxes (DESIGN.md "Defaults"). */
export const DEFAULT_REPLICATION = 2
/** How long a recipient may stay unreachable before its messages go to its mailboxes. */
export const DEFAULT_GRACE_MS = 5_000
/** How often an owner fetches and a sender collects delivery receipts, besides on connect. */
export const MAILBOX_POLL_MS = 60_000
/** Capabilities live 30 days and are renewed after 7. */
export const CAPABILITY_TTL_MS = 30 * 24 * 60 * 60 * 1000
export const CAPABILITY_RENEW_MS = 7 * 24 * 60 * 60 * 1000
/** What each contact may leave at this owner's mailboxes (the host may allow less). */
export const DEFAULT_SENDER_QUOTA = { bytes: 64 * 1024 * 1024, messages: 20_000 }
/** A host holding fewer of our one-time prekeys than LOW gets UPLOAD more. */
export const PREKEYS_LOW = 10
export const PREKEYS_UPLOAD = 20
/** Most mailbox hosts an owner may use. */
export const MAX_HOSTS = 16
/** Items an owner asks for per fetched page. */
export const FETCH_PAGE = 256
/** How long a first message waits for a one-time prekey claim at one host. */
export const CLAIM_TIMEOUT_MS = 5_000
/** Messages per deposit request, and deposit requests one sender keeps in flight per host. */
export const DEPOSIT_BATCH = 128
export const DEPOSIT_STREAMS = 2
