import { MAX_ENVELOPE_BYTES } from '../../constants.js'
import { checkEnvelope, decodeEnvelope } from '../../messaging/envelope.js'
import { InvalidEnvelopeError, InvalidReceiptError, RateLimitedError, RefusedError } from '../../errors.js'
import { envelopeHash, signReceipt, signReceipts, verifyReceipt } from '../../receipts/receipt.js'
import { IDLE_TIMEOUT_MS, MAX_INBOUND_STREAMS, MAX_IN_FLIGHT, MAX_OUTBOUND_STREAMS, PROTOCOL, PROTOCOL_WINDOWED, RECEIPT_TIMEOUT_MS } from './constants.js'
import { EnvelopeRejectedError } from './errors.js'
import { DmReply, Rejection } from './pb/dm.js'
import { DeliveryReceipt } from '../../receipts/pb/receipt.js'
import { ReplyWriter } from '../streams/replies.js'
import { DmSession } from './session.js'
import { frameStream, RAW } from '../streams/frames.js'
import type { ReceiptEntry } from '../../receipts/receipt.js'
import type { DirectMessages, DirectMessagesComponents, DirectMessagesInit } from './index.js'
import type { Envelope } from '../../pb/ferry.js'
import { defaultCrypto } from '../../crypto/backend.js'
import type { CryptoBackend } from '../../crypto/backend.js'
import type { AbortOptions, Connection, Ed25519PrivateKey, Logger, Startable, Stream } from '@libp2p/interface'

/** A reply, and for a window's stored envelope the receipt still to sign (with the rest of its window) */
interface Answer { reply: DmReply, unsigned?: ReceiptEntry }
const ANSWER = { encode: (a: Answer) => DmReply.encode(a.reply) }

const PROBLEM_CODES: Record<string, Rejection.Code> = {
  malformed: Rejection.Code.MALFORMED,
  'unsupported-version': Rejection.Code.UNSUPPORTED_VERSION,
  expired: Rejection.Code.EXPIRED,
  'not-for-me': Rejection.Code.NOT_FOR_ME,
  'too-large': Rejection.Code.TOO_LARGE
}

export class DirectMessagesService implements DirectMessages, Startable {
  private readonly log: Logger
  private readonly now: () => number
  private readonly sessions = new Map<string, Promise<DmSession>>()
  private readonly maxInFlight: number
  private readonly receiptTimeout: number
  private readonly idleTimeout: number
  private readonly crypto: CryptoBackend

  constructor (private readonly components: DirectMessagesComponents, private readonly init: DirectMessagesInit) {
    this.log = components.logger.forComponent('ferry:dm')
    this.now = init.now ?? Date.now
    this.maxInFlight = init.maxInFlight ?? MAX_IN_FLIGHT
    this.receiptTimeout = init.receiptTimeout ?? RECEIPT_TIMEOUT_MS
    this.idleTimeout = init.idleTimeout ?? IDLE_TIMEOUT_MS
    this.crypto = init.crypto ?? defaultCrypto
  }

  readonly [Symbol.toStringTag] = 'ferry:dm'

  async start (): Promise<void> {
    // runOnLimitedConnection: a peer reachable only through a relay still gets its messages
    const options = {
      runOnLimitedConnection: true,
      maxInboundStreams: this.init.maxInboundStreams ?? MAX_INBOUND_STREAMS,
      maxOutboundStreams: this.init.maxOutboundStreams ?? MAX_OUTBOUND_STREAMS
    }
    await this.components.registrar.handle(PROTOCOL, (stream, connection) => this.receive(stream, connection, false), options)
    await this.components.registrar.handle(PROTOCOL_WINDOWED, (stream, connection) => this.receive(stream, connection, true), options)
  }

  async stop (): Promise<void> {
    await this.components.registrar.unhandle(PROTOCOL)
    await this.components.registrar.unhandle(PROTOCOL_WINDOWED)
    for (const s of this.sessions.values()) void s.then(session => session.close(), () => {})
    this.sessions.clear()
  }

  async send (connection: Connection, envelope: Uint8Array, options: AbortOptions = {}): Promise<DeliveryReceipt> {
    const env = decodeEnvelope(envelope)
    const session = await this.session(connection, options)
    const [reply, hash] = await Promise.all([session.send(env.id, envelope, options), envelopeHash(envelope, this.crypto)])
    if (reply.receipt == null) {
      const r = reply.rejection ?? { code: Rejection.Code.MALFORMED, reason: 'no receipt and no reason' }
      throw new EnvelopeRejectedError(r.code, r.reason)
    }
    const receipt = DeliveryReceipt.decode(reply.receipt, { limits: { path: 16 } })
    await verifyReceipt(receipt, connection.remotePeer, env.id, hash, this.crypto)
    return receipt
  }

  /** The open session on this connection, or a new stream. Concurrent callers share one. */
  private async session (connection: Connection, options: AbortOptions): Promise<DmSession> {
    const existing = this.sessions.get(connection.id)
    if (existing != null) {
      const s = await existing.catch(() => undefined)
      if (s?.open === true) return s
      this.sessions.delete(connection.id)
    }
    const created = connection.newStream([PROTOCOL_WINDOWED, PROTOCOL], { ...options, runOnLimitedConnection: true }).then(stream => {
      const s = new DmSession(stream, this.maxInFlight, this.receiptTimeout, this.log)
      stream.addEventListener('close', () => { if (this.sessions.get(connection.id) === created) this.sessions.delete(connection.id) })
      return s
    })
    this.sessions.set(connection.id, created)
    created.catch(() => this.sessions.delete(connection.id))
    return created
  }

  /**
   * Receive envelopes on one stream. Each reply is written only after `receiver.accept` resolved,
   * i.e. after the durable write; replies keep arrival order while stores overlap (group commit).
   */
  private async receive (stream: Stream, connection: Connection, windowed: boolean): Promise<void> {
    const frames = frameStream(stream, { maxDataLength: MAX_ENVELOPE_BYTES })
    const me = this.components.peerId.toMultihash().bytes
    const replies = new ReplyWriter(frames, ANSWER, windowed ? async batch => { await this.signWindow(batch) } : undefined)
    // one idle timer per stream, re-armed per frame (an AbortSignal.timeout per read costs more than the read)
    const idle = new AbortController()
    let timer: ReturnType<typeof setTimeout> | undefined
    const arm = (): void => {
      clearTimeout(timer)
      timer = setTimeout(() => idle.abort(new Error('idle timeout')), this.idleTimeout)
    }
    try {
      while (true) {
        arm()
        const bytes = await frames.read(RAW, { signal: idle.signal })
        replies.push(this.answer(bytes, me, connection, windowed))
        // bounded: never hold more than maxInFlight replies for a sender that does not read them
        if (replies.size >= this.maxInFlight) await replies.below(this.maxInFlight)
      }
    } catch (err: any) {
      clearTimeout(timer)
      if (err.name !== 'UnexpectedEOFError') {
        // framing broken (oversized length, garbage varint) or idle: nothing more on this stream can be trusted
        this.log('inbound dm stream from %p reset: %s', connection.remotePeer, err.message)
        await replies.drained().catch(() => {})
        stream.abort(err)
        return
      }
    }
    try {
      await replies.drained()
      await stream.close({ signal: AbortSignal.timeout(5_000) })
    } catch (err: any) {
      stream.abort(err)
    }
  }

  /** Sign the receipts of the replies written together with one signature (/ferry/dm/1.1.0). */
  private async signWindow (batch: Answer[]): Promise<void> {
    const waiting = batch.filter(a => a.unsigned != null)
    if (waiting.length === 0) return
    const receipts = await signReceipts(this.components.privateKey as Ed25519PrivateKey, this.components.peerId, waiting.map(a => a.unsigned as ReceiptEntry), this.crypto)
    waiting.forEach((a, i) => { a.reply.receipt = DeliveryReceipt.encode(receipts[i]) })
  }

  private async answer (bytes: Uint8Array, me: Uint8Array, connection: Connection, windowed: boolean): Promise<Answer> {
    let env: Envelope
    try {
      env = decodeEnvelope(bytes)
    } catch (err: any) {
      return { reply: { messageId: new Uint8Array(0), rejection: { code: Rejection.Code.MALFORMED, reason: err.message } } }
    }
    const problem = checkEnvelope(env, me, this.now())
    if (problem != null) return { reply: { messageId: env.id, rejection: { code: PROBLEM_CODES[problem.problem], reason: problem.reason } } }
    try {
      const { storedAt } = await this.init.receiver.accept(env, bytes, connection.remotePeer)
      const hash = await envelopeHash(bytes, this.crypto)
      if (windowed) return { reply: { messageId: env.id }, unsigned: { messageId: env.id, hash, storedAt } }
      const receipt = await signReceipt(this.components.privateKey as Ed25519PrivateKey, this.components.peerId, env.id, hash, storedAt, this.crypto)
      return { reply: { messageId: env.id, receipt: DeliveryReceipt.encode(receipt) } }
    } catch (err: any) {
      return { reply: { messageId: env.id, rejection: this.refusal(err, connection) } }
    }
  }

  /** Why an envelope was not taken, as the sender reads it. */
  private refusal (err: any, connection: Connection): Rejection {
    if (err instanceof RefusedError) return { code: Rejection.Code.REFUSED, reason: err.message }
    if (err instanceof InvalidEnvelopeError || err instanceof InvalidReceiptError) return { code: Rejection.Code.MALFORMED, reason: err.message }
    // busy with strangers, or the sender is blocked (told the same): the sender retries later
    if (err instanceof RateLimitedError) return { code: Rejection.Code.STORAGE_FAILED, reason: err.message }
    this.log.error('could not store envelope from %p - %e', connection.remotePeer, err)
    return { code: Rejection.Code.STORAGE_FAILED, reason: 'receiver could not store the message' }
  }
}
