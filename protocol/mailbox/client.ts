/**
 * The client half of `/ferry/mailbox/1.0.0`: one typed method per request, over a connection to a
 * host or — when this node is the host (a sender keeping mail for the recipient) — answered by its
 * own mailbox with no dial. A refusal comes back as a MailboxRefusedError.
 */
import { frameStream } from '../services/streams/frames.js'
import { MAILBOX_FRAME_DEADLINE_MS, MAILBOX_PROTOCOL, MAX_ANSWER, TIMEOUT_MS } from './constants.js'
import { MailboxRefusedError, MailboxStreamError } from './errors.js'
import { Request, Response } from './pb/mailbox.js'
import type { Ack, DeletionReceipt, Deposit, DepositAnswer, Page, Usage } from './pb/mailbox.js'
import type { AbortOptions, Connection } from '@libp2p/interface'

/** Requests sent on one stream, answered in order. */
export type Ask = (requests: Array<Partial<Request>>, options?: AbortOptions) => Promise<Response[]>

/** A whole Request from the fields a caller sets. */
export const fullRequest = (r: Partial<Request>): Request => ({ status: false, deposits: [], ...r })

/**
 * Send requests on one new stream over `connection` and read their answers, in order.
 *
 * @throws when the stream fails or an answer does not decode
 */
export async function request (connection: Connection, partial: Array<Partial<Request>>, options: AbortOptions = {}): Promise<Response[]> {
  const requests = partial.map(fullRequest)
  const signal = options.signal ?? AbortSignal.timeout(TIMEOUT_MS)
  const stream = await connection.newStream(MAILBOX_PROTOCOL, { signal, runOnLimitedConnection: true })
  try {
    const frames = frameStream(stream, { maxDataLength: MAX_ANSWER, frameDeadlineMs: MAILBOX_FRAME_DEADLINE_MS })
    const writing = frames.writeV(requests, Request, { signal })
    // awaited below, after the answers: when a read fails first (the stream was closed under us)
    // its rejection would otherwise be unhandled and end the process
    writing.catch(() => {})
    const answers: Response[] = []
    for (let i = 0; i < requests.length; i++) answers.push(await frames.read(Response, { signal }))
    await writing
    await stream.close({ signal }).catch(() => {})
    return answers
  } catch (cause: any) {
    // a stream reset under us can reject with no Error at all: give the caller (and its log) one
    const err = cause instanceof Error ? cause : new MailboxStreamError(`the mailbox stream ended: ${String(cause)}`)
    stream.abort(err)
    throw err
  }
}

/**
 * Typed requests to one mailbox host.
 *
 * @example
 * const host = node.services.mailbox.at(connection)
 * const page = await host.fetch(0, 256)
 */
export class MailboxClient {
  constructor (private readonly ask: Ask) {}

  /** Deposit envelopes in one request; one answer (custody receipt or refusal) per deposit, in order. */
  async deposit (deposits: Deposit[], options?: AbortOptions): Promise<DepositAnswer[]> {
    const [r] = await this.ask([{ deposits }], options)
    if (r == null) throw new MailboxRefusedError(7, 'no answer')
    if (r.refusal != null) throw new MailboxRefusedError(r.refusal.code, r.refusal.reason)
    return r.answers
  }

  /** The owner's waiting mail after `after` (a cursor), at most `limit` items. */
  async fetch (after: number, limit: number, options?: AbortOptions, devices?: Uint8Array): Promise<Page> {
    return expect(await this.ask([{ fetch: { after, limit }, devices }], options), 'page')
  }

  /** Delete acked mail (each id with its depositor) and leave delivery receipts; the host signs what it deleted. */
  async ack (ack: Ack, options?: AbortOptions, devices?: Uint8Array): Promise<DeletionReceipt> {
    return expect(await this.ask([{ ack, devices }], options), 'deleted')
  }

  /** One of `owner`'s one-time prekeys (encoded OneTimePrekey), or undefined when the host has none for us. */
  async claim (owner: Uint8Array, options?: AbortOptions): Promise<Uint8Array | undefined> {
    const [r] = await this.ask([{ claim: { owner } }], options)
    if (r == null || r.refusal != null || r.prekey.byteLength === 0) return undefined
    return r.prekey
  }

  /** Delivery receipts left here for this depositor, after deleting the `done` ones (message ids). */
  async receipts (done: Uint8Array[], options?: AbortOptions): Promise<Uint8Array[]> {
    return expect(await this.ask([{ receipts: { done } }], options), 'receipts').receipts
  }

  /** Void `sender`'s capabilities issued before `before` at this host. */
  async revoke (sender: Uint8Array, before: number, options?: AbortOptions): Promise<Usage> {
    return expect(await this.ask([{ revoke: { sender, before } }], options), 'usage')
  }

  /** Leave one-time prekeys (encoded OneTimePrekey) for first contacts to claim. */
  async uploadPrekeys (prekeys: Uint8Array[], options?: AbortOptions): Promise<Usage> {
    return expect(await this.ask([{ prekeys: { prekeys } }], options), 'usage')
  }

  /** What the owner has here: mail, quota, one-time prekeys left. */
  async status (options?: AbortOptions): Promise<Usage> {
    return expect(await this.ask([{ status: true }], options), 'usage')
  }
}

/** The field of the one answer a request expects, or the host's refusal as an error. */
function expect<K extends 'page' | 'deleted' | 'receipts' | 'usage'> ([r]: Response[], field: K): NonNullable<Response[K]> {
  if (r == null) throw new MailboxRefusedError(7, 'no answer')
  if (r.refusal != null) throw new MailboxRefusedError(r.refusal.code, r.refusal.reason)
  const v = r[field]
  if (v == null) throw new MailboxRefusedError(4, `the answer has no ${field}`)
  return v as NonNullable<Response[K]>
}
