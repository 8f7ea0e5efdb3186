/**
 * The mailbox (docs/DESIGN.md "Mailboxes"): everything about mail waiting at a third party's daemon.
 *
 * - `/ferry/mailbox/1.0.0`, the service (service.ts, intake.ts, client.ts, constants.ts,
 *   errors.ts, pb/): a host keeps sealed envelopes for the owners it agreed to serve. Deposits need
 *   the owner's capability for the sender, presented from a device of that sender; the custody
 *   receipt is signed only after the envelope is durably stored. The owner (authenticated by its
 *   peer id) fetches in pages and acks; the host deletes and signs a deletion receipt, and keeps
 *   the owner's delivery receipts for the depositors to collect. One stream carries requests and
 *   answers in order; a client may write many requests before reading (deposits are pipelined
 *   and committed in small batches).
 * - the roles on top of it: hosting.ts (agreeing to keep mail), owner.ts (using hosts, handing out
 *   capabilities, collecting), sender.ts (depositing to a contact's hosts), composed by
 *   mailboxes.ts (with collect.ts and links.ts); ../stores/memory/mailbox.ts keeps hosted mail and
 *   owner settings in memory.
 *
 * This folder may import protocol's shared modules (envelope, errors, stores, crypto, receipts,
 * services/streams), never ferry.ts or create-ferry.ts.
 *
 * @example
 * const usage = await node.services.mailbox.at(connection).status()
 */
import { MailboxService } from './service.js'
import type { MailboxClient } from './client.js'
import type { CryptoBackend } from '../crypto/backend.js'
import type { HostedMailStore } from '../stores/stores.js'
import type { Request, Response } from './pb/mailbox.js'
import type { AbortOptions, ComponentLogger, Connection, PeerId, PrivateKey } from '@libp2p/interface'
import type { Registrar } from '@libp2p/interface-internal'

export { Capability, CustodyReceipt, DeletionReceipt, OneTimePrekey, Refusal, Request, Response, MailboxHost } from './pb/mailbox.js'
export * from './signed.js'
export * from './constants.js'
export * from './errors.js'
export { MailboxClient } from './client.js'
export type { Ask } from './client.js'
export { Mailboxes } from './mailboxes.js'
export type { Collected, HostingView, MailboxesInit, MailboxStatus } from './mailboxes.js'
export { MemoryMailboxStore } from '../stores/memory/mailbox.js'

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

export interface MailboxComponents {
  registrar: Registrar
  peerId: PeerId
  privateKey: PrivateKey
  logger: ComponentLogger
}

export interface MailboxInit {
  /** where hosted mail lives; without one this node hosts nothing and refuses every deposit */
  store?: HostedMailStore
  policy?: Partial<MailboxPolicy>
  now?(): number
  /** signs custody and deletion receipts, opens capabilities */
  crypto: CryptoBackend
}

export interface Mailbox {
  /** Typed requests to the mailbox host at the other end of `connection` (a new stream each). */
  at(connection: Connection): MailboxClient
  /** Typed requests answered by this node's own mailbox, as if asked over a connection (no dial). */
  self(): MailboxClient
  /**
   * Send raw requests on one new stream and read their answers, in order (tests and benchmarks
   * that need several requests, or malformed ones, on one stream).
   *
   * @throws when the stream fails or an answer does not decode
   */
  request(connection: Connection, requests: Array<Partial<Request>>, options?: AbortOptions): Promise<Response[]>
  /** Raw requests answered by this node's own mailbox (no dial). */
  local(requests: Array<Partial<Request>>): Promise<Response[]>
  /** re-arm the expiry sweep (after a clock change in tests, or new mail) */
  sweep(): Promise<number>
}

export function mailbox (init: MailboxInit): (components: MailboxComponents) => Mailbox {
  return (components) => new MailboxService(components, init)
}
