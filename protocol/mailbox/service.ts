import { MAX_ENVELOPE_BYTES, MAX_TTL_MS, MIN_TTL_MS } from '../constants.js'
import { defaultCrypto } from '../crypto.js'
import { checkEnvelope, decodeEnvelope, equalBytes, fromHex, toHex } from '../envelope.js'
import { QuotaExceededError } from '../errors.js'
import { GroupCommit } from '../group-commit.js'
import { verifyDevice } from '../identity.js'
import { setLongTimeout } from '../timers.js'
import { ReplyWriter } from '../services/streams/replies.js'
import { TokenBuckets } from '../services/streams/budget.js'
import { frameStream } from '../services/streams/frames.js'
import { DEFAULT_POLICY, MAILBOX_PROTOCOL } from './index.js'
import { fromPeerString, peerString, receiptId, validPrekey } from './fields.js'
import { Refusal, Request, Response } from './pb/mailbox.js'
import { openCapability, signCustody, signDeletion } from './signed.js'
import type { Mailbox, MailboxComponents, MailboxInit, MailboxPolicy } from './index.js'
import type { Ack, Capability, Deposit } from './pb/mailbox.js'
import type { CryptoBackend } from '../crypto.js'
import type { DepositLimits, MailboxItem, MailboxStore } from '../stores.js'
import type { LongTimer } from '../timers.js'
import type { AbortOptions, Connection, Ed25519PrivateKey, Logger, PeerId, Startable, Stream } from '@libp2p/interface'

/** Largest request frame: a deposit of the largest envelope with its capability. */
const MAX_FRAME = MAX_ENVELOPE_BYTES + 16 * 1024
/** Largest `deposits` frame: clients keep batches under BATCH_BYTES; one such frame is read at a time. */
export const BATCH_BYTES = 512 * 1024
const MAX_REQUEST = BATCH_BYTES + MAX_FRAME
/** Answers one stream may owe before the host stops reading it. */
const MAX_IN_FLIGHT = 256
const MAX_PAGE = 512
/** A page of fetched mail stops growing past this many bytes (one item always fits). */
const PAGE_BYTES = 256 * 1024
/** Largest answer frame a client reads: a full page plus its last, possibly largest, envelope. */
const MAX_ANSWER = PAGE_BYTES + MAX_REQUEST
const MAX_ACK = 4096
const IDLE_MS = 60_000
/**
 * A request frame must arrive whole this long after its first byte: a full `deposits` frame
 * (~600 KiB) at 5 KiB/s. Slower, or a peer dripping bytes, and the stream is reset.
 */
export const MAILBOX_FRAME_DEADLINE_MS = 120_000
const CACHE_SIZE = 1024
/** One-time prekeys: at most this many wait per owner, and per upload. */
const MAX_PREKEYS = 200
const MAX_PREKEYS_PER_UPLOAD = 100
/** Prekey claims one claiming peer may make per hour, whatever the owner. */
export const CLAIMS_PER_PEER_PER_HOUR = 10
/**
 * Prekey claims answered per owner per hour, whoever claims: peer ids are free, so without it a
 * few thousand made-up claimants would empty the owner's prekeys here. Past it the claimant is
 * refused and starts its session from the invite's bundle, without a one-time prekey.
 */
export const CLAIMS_PER_OWNER_PER_HOUR = 10
const TIMEOUT_MS = 30_000

/** A mailbox stream ended before its answers came, for a reason the stream did not name. */
export class MailboxStreamError extends Error {
  override name = 'MailboxStreamError'
}

const refuse = (code: Refusal.Code, reason: string): Response => ({ refusal: { code, reason }, prekey: new Uint8Array(0), answers: [] })
const answer = (r: Partial<Response>): Response => ({ prekey: new Uint8Array(0), answers: [], ...r })
/** Deposits one `deposits` request may carry. */
const MAX_BATCH = 256

export class MailboxService implements Mailbox, Startable {
  private readonly log: Logger
  private readonly now: () => number
  private readonly crypto: CryptoBackend
  private readonly policy: MailboxPolicy
  private readonly rate: TokenBuckets
  private readonly claims: TokenBuckets
  private readonly ownerClaims: TokenBuckets
  private readonly commits?: GroupCommit<{ item: MailboxItem, limits: DepositLimits }, { storedAt: number, duplicate: boolean }>
  /** capabilities and device certificates already verified (a sender presents the same ones with every deposit) */
  private readonly verified = new Map<string, Capability>()
  private readonly devices = new Set<string>()
  private sweeper?: LongTimer
  private sweepAt = Infinity
  private running = false

  constructor (private readonly components: MailboxComponents, private readonly init: MailboxInit) {
    this.log = components.logger.forComponent('ferry:mailbox')
    this.now = init.now ?? Date.now
    this.crypto = init.crypto ?? defaultCrypto
    this.policy = { ...DEFAULT_POLICY, ...init.policy }
    this.rate = new TokenBuckets(this.policy.depositsPerSecond, this.policy.burst, this.now)
    this.claims = TokenBuckets.perHour(CLAIMS_PER_PEER_PER_HOUR, this.now)
    this.ownerClaims = TokenBuckets.perHour(CLAIMS_PER_OWNER_PER_HOUR, this.now)
    const store = init.store
    if (store != null) this.commits = new GroupCommit(async batch => store.deposit(batch), 64)
  }

  readonly [Symbol.toStringTag] = 'ferry:mailbox'

  async start (): Promise<void> {
    this.running = true
    await this.components.registrar.handle(MAILBOX_PROTOCOL, (stream, connection) => { void this.serve(stream, connection) }, { maxInboundStreams: 32, maxOutboundStreams: 32, runOnLimitedConnection: true })
    await this.sweep()
  }

  async stop (): Promise<void> {
    this.running = false
    this.sweeper?.clear()
    this.sweepAt = Infinity
    await this.components.registrar.unhandle(MAILBOX_PROTOCOL)
  }

  /** Delete expired mail now, then sleep until the next expiry (timers beyond 2^31-1 ms included). */
  async sweep (): Promise<number> {
    const store = this.init.store
    if (store == null || !this.running) return 0
    const n = await store.sweep(this.now())
    if (n > 0) this.log('swept %d expired items', n)
    this.sweeper?.clear()
    this.sweepAt = Infinity
    const next = await store.nextExpiry()
    if (next != null) this.armSweep(next)
    return n
  }

  private armSweep (at: number): void {
    if (at >= this.sweepAt || !this.running) return
    this.sweeper?.clear()
    this.sweepAt = at
    this.sweeper = setLongTimeout(() => { this.sweep().catch((err: any) => { this.log.error('mailbox sweep failed - %e', err) }) }, at - this.now() + 1)
  }

  async request (connection: Connection, partial: Array<Partial<Request>>, options: AbortOptions = {}): Promise<Response[]> {
    const requests: Request[] = partial.map(r => ({ status: false, deposits: [], ...r }))
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

  private async serve (stream: Stream, connection: Connection): Promise<void> {
    const frames = frameStream(stream, { maxDataLength: MAX_REQUEST, frameDeadlineMs: MAILBOX_FRAME_DEADLINE_MS })
    const replies = new ReplyWriter(frames, Response)
    const idle = new AbortController()
    let timer: ReturnType<typeof setTimeout> | undefined
    try {
      while (true) {
        clearTimeout(timer)
        timer = setTimeout(() => idle.abort(new Error('idle timeout')), IDLE_MS)
        let req: Request
        try {
          req = await frames.read(Request, { signal: idle.signal })
        } catch (err: any) {
          if (err.name === 'UnexpectedEOFError') break
          throw err
        }
        const answering = this.answer(req, connection.remotePeer).catch((err: any) => {
          this.log.error('mailbox request from %p failed - %e', connection.remotePeer, err)
          return refuse(Refusal.Code.UNAVAILABLE, 'the mailbox could not complete the request')
        })
        replies.push(answering)
        // bounded memory: small requests pipeline up to MAX_IN_FLIGHT, a large frame is answered first
        if (replies.size >= MAX_IN_FLIGHT || req.deposits.length > 0 || (req.deposit?.envelope.byteLength ?? 0) > 16 * 1024) await answering
        if (replies.size >= MAX_IN_FLIGHT) await replies.below(MAX_IN_FLIGHT)
      }
      clearTimeout(timer)
      await replies.drained()
      await stream.close({ signal: AbortSignal.timeout(5_000) })
    } catch (err: any) {
      clearTimeout(timer)
      // garbage, an oversized frame or silence: nothing more on this stream can be trusted
      this.log('mailbox stream from %p reset: %s', connection.remotePeer, err.message)
      stream.abort(err)
    }
  }

  /**
   * Answer requests this node makes of itself, as its own mailbox host: a sender that hosts mail
   * for the recipient deposits here, through the same checks and the same durable commit as a
   * remote deposit, without dialling itself.
   */
  async local (partial: Array<Partial<Request>>): Promise<Response[]> {
    const answers: Response[] = []
    for (const r of partial) answers.push(await this.answer({ status: false, deposits: [], ...r }, this.components.peerId))
    return answers
  }

  private async answer (req: Request, from: PeerId): Promise<Response> {
    const store = this.init.store
    if (store == null) return refuse(Refusal.Code.UNAUTHORIZED, 'this peer keeps no mail')
    if (req.deposit != null) return this.deposit(store, req.deposit, from)
    if (req.deposits.length > 0) {
      if (req.deposits.length > MAX_BATCH) return refuse(Refusal.Code.MALFORMED, `at most ${MAX_BATCH} deposits per request`)
      // each is checked and committed as a single deposit would be; they share group commits
      const answers = await Promise.all(req.deposits.map(async d => this.deposit(store, d, from)))
      return answer({ answers: answers.map(a => ({ custody: a.custody, refusal: a.refusal })) })
    }
    const peer = from.toString()
    if (req.receipts != null) {
      return answer({ receipts: { receipts: await store.receiptsFor(peer, req.receipts.done.slice(0, MAX_ACK).map(toHex)) } })
    }
    if (req.claim != null) return this.claim(store, peer, req.claim.owner)
    const [owner] = await store.hosted(peer)
    if (owner == null) return refuse(Refusal.Code.UNAUTHORIZED, 'this host keeps no mail for you')
    if (req.fetch != null) {
      const limit = Math.min(Math.max(1, req.fetch.limit), MAX_PAGE)
      const items = await store.fetch(peer, req.fetch.after, limit + 1, this.now())
      let bytes = 0
      const page = items.slice(0, limit).filter((item, i) => (bytes += item.envelope.byteLength) <= PAGE_BYTES || i === 0)
      return answer({ page: { items: page.map(i => ({ envelope: i.envelope, depositor: fromPeerString(i.depositor), cursor: i.cursor })), more: page.length < items.length } })
    }
    if (req.ack != null) return this.ack(store, peer, req.ack)
    if (req.revoke != null) {
      await store.revoke(peer, req.revoke.sender, req.revoke.before)
      return answer({ usage: await this.usage(store, peer, owner) })
    }
    if (req.prekeys != null) {
      const prekeys = req.prekeys.prekeys.slice(0, MAX_PREKEYS_PER_UPLOAD)
      if (!prekeys.every(validPrekey)) return refuse(Refusal.Code.MALFORMED, 'a one-time prekey is malformed')
      if (await store.countPrekeys(peer) + prekeys.length > MAX_PREKEYS) return refuse(Refusal.Code.QUOTA, `at most ${MAX_PREKEYS} one-time prekeys wait here per owner`)
      await store.addPrekeys(peer, prekeys)
      return answer({ usage: await this.usage(store, peer, owner) })
    }
    if (req.status) return answer({ usage: await this.usage(store, peer, owner) })
    return refuse(Refusal.Code.MALFORMED, 'empty request')
  }

  /**
   * Anyone holding the owner's invite may claim one of its one-time prekeys (first contact has no
   * capability yet): slowly per claimant, slowly per owner, and only for owners this host serves.
   */
  private async claim (store: MailboxStore, peer: string, ownerBytes: Uint8Array): Promise<Response> {
    if (!this.claims.take(peer)) return refuse(Refusal.Code.RATE, 'too many prekey claims; try later')
    const owner = peerString(ownerBytes)
    const [hosted] = owner == null ? [] : await store.hosted(owner)
    if (owner == null || hosted == null) return refuse(Refusal.Code.UNAUTHORIZED, 'this host keeps no one-time prekeys for that owner')
    if (!this.ownerClaims.has(owner)) return refuse(Refusal.Code.RATE, 'too many prekey claims for that owner; try later')
    const prekey = await store.claimPrekey(owner)
    if (prekey == null) return refuse(Refusal.Code.UNAVAILABLE, 'no one-time prekey left here for that owner')
    this.ownerClaims.take(owner)
    return answer({ prekey })
  }

  private async usage (store: MailboxStore, peer: string, owner: { quotaBytes: number, quotaMessages: number }): Promise<NonNullable<Response['usage']>> {
    const u = await store.usage(peer)
    return { bytes: u.bytes, messages: u.messages, quotaBytes: owner.quotaBytes, quotaMessages: owner.quotaMessages, prekeys: await store.countPrekeys(peer) }
  }

  private async ack (store: MailboxStore, owner: string, ack: Ack): Promise<Response> {
    const ids = ack.ids.slice(0, MAX_ACK)
    // each id with its depositor: mail is kept per (depositor, id), so acking one depositor's mail
    // never deletes another's under the same id
    if (ack.depositors.length < ids.length) return refuse(Refusal.Code.MALFORMED, 'an ack names the depositor of every id')
    const acked = ids.flatMap((id, i) => {
      const depositor = peerString(ack.depositors[i])
      return depositor == null ? [] : [{ id: toHex(id), depositor }]
    })
    const receipts = new Map<string, Uint8Array>()
    for (const bytes of ack.receipts.slice(0, MAX_ACK)) {
      // kept as is for the depositor, who checks it against its own envelope and the owner's key
      const id = receiptId(bytes)
      if (id != null) receipts.set(id, bytes)
    }
    const deleted = await store.ack(owner, acked, receipts)
    const at = this.now()
    return answer({ deleted: await signDeletion(this.components.privateKey as Ed25519PrivateKey, this.components.peerId, deleted.map(fromHex), at, this.crypto) })
  }

  /** openCapability, remembered for the last CACHE_SIZE distinct capabilities */
  private async capability (bytes: Uint8Array): Promise<Capability> {
    const key = toHex(bytes)
    const known = this.verified.get(key)
    if (known != null) return known
    const cap = await openCapability(bytes, this.crypto)
    this.verified.set(key, cap)
    if (this.verified.size > CACHE_SIZE) this.verified.delete(this.verified.keys().next().value as string)
    return cap
  }

  /** verifyDevice, remembering certificates that held */
  private async isDevice (identity: Uint8Array, device: Uint8Array, signature: Uint8Array): Promise<boolean> {
    const key = `${toHex(identity)}/${toHex(device)}/${toHex(signature)}`
    if (this.devices.has(key)) return true
    if (!await verifyDevice(identity, device, signature)) return false
    this.devices.add(key)
    if (this.devices.size > CACHE_SIZE) this.devices.delete(this.devices.values().next().value as string)
    return true
  }

  private async deposit (store: MailboxStore, d: Deposit, from: PeerId): Promise<Response> {
    const now = this.now()
    let cap
    try {
      cap = await this.capability(d.capability)
    } catch (err: any) {
      return refuse(Refusal.Code.UNAUTHORIZED, err.message)
    }
    const ownerPeer = peerString(cap.ownerDevice)
    const [owner] = ownerPeer == null ? [] : await store.hosted(ownerPeer)
    if (owner == null || !equalBytes(owner.identity, cap.owner)) return refuse(Refusal.Code.UNAUTHORIZED, 'this host keeps no mail for that recipient')
    const me = this.components.peerId.toMultihash().bytes
    if (!cap.hosts.some(h => equalBytes(h.peerId, me))) return refuse(Refusal.Code.UNAUTHORIZED, 'the capability does not name this host')
    if (cap.notAfter <= now) return refuse(Refusal.Code.UNAUTHORIZED, 'the capability expired')
    if (cap.issuedAt < await store.revokedBefore(owner.peer, cap.sender)) return refuse(Refusal.Code.UNAUTHORIZED, 'the capability was revoked')
    if (!await this.isDevice(cap.sender, from.toMultihash().bytes, d.deviceSignature)) return refuse(Refusal.Code.UNAUTHORIZED, 'the depositing peer is not a device of the capability\'s sender')
    if (!this.rate.take(from.toString())) return refuse(Refusal.Code.RATE, 'too many deposits; slow down')
    let env
    try {
      env = decodeEnvelope(d.envelope)
    } catch (err: any) {
      return refuse(Refusal.Code.MALFORMED, err.message)
    }
    const problem = checkEnvelope(env, cap.ownerDevice, now)
    if (problem?.problem === 'expired') return refuse(Refusal.Code.EXPIRED, 'the envelope expired')
    if (problem != null) return refuse(Refusal.Code.MALFORMED, problem.reason)
    const ttl = env.expiresAt - env.created
    if (ttl < MIN_TTL_MS || ttl > MAX_TTL_MS) return refuse(Refusal.Code.POLICY, `an envelope must live between ${MIN_TTL_MS / 1000} s and ${MAX_TTL_MS / 86_400_000} days`)
    const maxTtl = Math.min(owner.maxTtlMs, this.policy.maxTtlMs)
    if (env.expiresAt > now + maxTtl) return refuse(Refusal.Code.POLICY, `this host keeps mail at most ${Math.round(maxTtl / 1000)} s`)
    const limits: DepositLimits = {
      depositorBytes: Math.min(this.policy.depositorBytes, cap.quotaBytes),
      depositorMessages: Math.min(this.policy.depositorMessages, cap.quotaMessages),
      ownerBytes: owner.quotaBytes,
      ownerMessages: owner.quotaMessages,
      totalBytes: this.policy.totalBytes
    }
    const hash = await this.crypto.sha256(d.envelope)
    const item: MailboxItem = { owner: owner.peer, id: toHex(env.id), depositor: from.toString(), envelope: d.envelope, hash, expiresAt: env.expiresAt, storedAt: now }
    let stored
    try {
      stored = await (this.commits as GroupCommit<{ item: MailboxItem, limits: DepositLimits }, { storedAt: number, duplicate: boolean }>).add({ item, limits })
    } catch (err: any) {
      if (err instanceof QuotaExceededError) return refuse(Refusal.Code.QUOTA, err.message)
      throw err
    }
    this.armSweep(env.expiresAt)
    // durable now: only then the receipt (invariant 3)
    const custody = await signCustody(this.components.privateKey as Ed25519PrivateKey, this.components.peerId, { messageId: env.id, envelopeHash: hash, expiresAt: env.expiresAt, storedAt: stored.storedAt }, this.crypto)
    return answer({ custody })
  }
}
