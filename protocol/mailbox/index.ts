/**
 * `/ferry/mailbox/1.0.0` (DESIGN.md "Mailboxes", issue 5): a host keeps sealed envelopes for the
 * owners it agreed to serve. Deposits need the owner's capability for the sender, presented from a
 * device of that sender; the custody receipt is signed only after the envelope is durably stored.
 * The owner (authenticated by its peer id) fetches in pages and acks; the host deletes and signs a
 * deletion receipt, and keeps the owner's delivery receipts for the depositors to collect.
 *
 * One stream carries requests and answers in order; a client may write many requests before
 * reading (deposits are pipelined and committed in small batches).
 *
 * @example
 * const [answer] = await node.services.mailbox.request(connection, [{ status: true }])
 */
import { MailboxService } from './service.js'
import type { CryptoBackend } from '../crypto.js'
import type { MailboxStore } from '../stores.js'
import type { Request, Response } from './pb/mailbox.js'
import type { AbortOptions, ComponentLogger, Connection, PeerId, PrivateKey } from '@libp2p/interface'
import type { Registrar } from '@libp2p/interface-internal'

export { Capability, CustodyReceipt, DeletionReceipt, OneTimePrekey, Refusal, Request, Response, MailboxHost } from './pb/mailbox.js'
export * from './signed.js'
export { BATCH_BYTES } from './service.js'

export const MAILBOX_PROTOCOL = '/ferry/mailbox/1.0.0'

/** What a host accepts, besides each owner's own quota (HostedOwner). */
export interface MailboxPolicy {
  /** per depositor and owner, whatever the capability allows */
  depositorBytes: number
  depositorMessages: number
  /** every owner's mail together */
  totalBytes: number
  /** longest remaining life a deposited envelope may have */
  maxTtlMs: number
  /** deposits per second per depositing peer (token bucket) and the bucket size */
  depositsPerSecond: number
  burst: number
}

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

export interface MailboxComponents {
  registrar: Registrar
  peerId: PeerId
  privateKey: PrivateKey
  logger: ComponentLogger
}

export interface MailboxInit {
  /** where hosted mail lives; without one this node hosts nothing and refuses every deposit */
  store?: MailboxStore
  policy?: Partial<MailboxPolicy>
  now?(): number
  crypto?: CryptoBackend
}

export interface Mailbox {
  /**
   * Send requests on one new stream and read their answers, in order.
   *
   * @throws when the stream fails or an answer does not decode
   */
  request(connection: Connection, requests: Array<Partial<Request>>, options?: AbortOptions): Promise<Response[]>
  /** Requests answered by this node's own mailbox, as if it had asked over a connection (no dial). */
  local(requests: Array<Partial<Request>>): Promise<Response[]>
  /** re-arm the expiry sweep (after a clock change in tests, or new mail) */
  sweep(): Promise<number>
}

export function mailbox (init: MailboxInit = {}): (components: MailboxComponents) => Mailbox {
  return (components) => new MailboxService(components, init)
}
