/**
 * The host half of `/ferry/mailbox/1.0.0`: reads requests from a stream, answers each through the
 * handler of its kind (in arrival order, pipelined up to MAX_IN_FLIGHT), and sweeps expired mail.
 */
import { fromHex, toHex } from '../messaging/envelope.js'
import { Sweeper } from '../util/timers.js'
import { TokenBuckets } from '../services/streams/budget.js'
import { frameStream } from '../services/streams/frames.js'
import { ReplyWriter } from '../services/streams/replies.js'
import { MailboxClient, fullRequest, request } from './client.js'
import { CLAIMS_PER_OWNER_PER_HOUR, CLAIMS_PER_PEER_PER_HOUR, DEFAULT_POLICY, IDLE_MS, MAILBOX_FRAME_DEADLINE_MS, MAILBOX_PROTOCOL, MAX_ACK, MAX_BATCH, MAX_IN_FLIGHT, MAX_PAGE, MAX_PREKEYS, MAX_PREKEYS_PER_UPLOAD, MAX_REQUEST, PAGE_BYTES } from './constants.js'
import { fromPeerString, peerString, receiptId, validPrekey } from './fields.js'
import { DepositIntake } from './intake.js'
import { PersonLists } from './persons.js'
import { Refusal, Request, Response } from './pb/mailbox.js'
import { signDeletion } from './signed.js'
import type { Mailbox, MailboxComponents, MailboxInit } from './index.js'
import type { CryptoBackend } from '../crypto/backend.js'
import type { HostedMailStore, HostedOwner } from '../stores/stores.js'
import type { AbortOptions, Connection, Ed25519PrivateKey, Logger, PeerId, Startable, Stream } from '@libp2p/interface'

const refuse = (code: Refusal.Code, reason: string): Response => ({ refusal: { code, reason }, prekey: new Uint8Array(0), answers: [] })
const answer = (r: Partial<Response>): Response => ({ prekey: new Uint8Array(0), answers: [], ...r })

/** Who asks, and where their mail is. */
interface Asking { store: HostedMailStore, from: PeerId, peer: string }
/** An owner this host serves asks. */
interface OwnerAsking extends Asking { owner: HostedOwner }
type Handler<A> = (req: Request, asking: A) => Promise<Response>

/** The kinds of request, in the order a frame is read as one (the wire has no oneof: the first set field wins). */
const KINDS = ['deposit', 'deposits', 'receipts', 'claim', 'fetch', 'ack', 'revoke', 'prekeys', 'status'] as const
type Kind = typeof KINDS[number]
/** Kinds anyone may ask; the others only an owner this host serves. */
type OpenKind = 'deposit' | 'deposits' | 'receipts' | 'claim'
const OPEN = new Set<Kind>(['deposit', 'deposits', 'receipts', 'claim'])
/** Kinds another device of a hosted person may ask (revocations are the agreement's own device's) */
const LINKED = new Set<Kind>(['fetch', 'ack', 'status', 'prekeys'])

function kindOf (req: Request): Kind | undefined {
  return KINDS.find(k => k === 'deposits' ? req.deposits.length > 0 : k === 'status' ? req.status : req[k] != null)
}

export class MailboxService implements Mailbox, Startable {
  private readonly log: Logger
  private readonly now: () => number
  private readonly crypto: CryptoBackend
  private readonly claims: TokenBuckets
  private readonly ownerClaims: TokenBuckets
  private readonly intake?: DepositIntake
  private readonly open: { [K in OpenKind]: Handler<Asking> }
  private readonly owners: { [K in Exclude<Kind, OpenKind>]: Handler<OwnerAsking> }
  /** deletes expired hosted mail (none without a store) */
  private readonly sweeper?: Sweeper
  /** the device lists of hosted persons: their other devices fetch their own mail (persons.ts) */
  private readonly persons = new PersonLists()
  private running = false

  constructor (private readonly components: MailboxComponents, private readonly init: MailboxInit) {
    this.log = components.logger.forComponent('ferry:mailbox')
    this.now = init.now ?? Date.now
    this.crypto = init.crypto
    this.claims = TokenBuckets.perHour(CLAIMS_PER_PEER_PER_HOUR, this.now)
    this.ownerClaims = TokenBuckets.perHour(CLAIMS_PER_OWNER_PER_HOUR, this.now)
    const store = init.store
    if (store != null) {
      const sweeper = this.sweeper = new Sweeper({
        sweep: async now => {
          const n = await store.sweep(now)
          if (n > 0) this.log('swept %d expired items', n)
          return n
        },
        next: async () => store.nextExpiry(),
        now: this.now,
        onError: err => { this.log.error('mailbox sweep failed - %e', err) }
      })
      this.intake = new DepositIntake({ store, policy: { ...DEFAULT_POLICY, ...init.policy }, crypto: this.crypto, now: this.now, peerId: components.peerId, privateKey: components.privateKey as Ed25519PrivateKey, stored: at => { sweeper.arm(at) }, linked: (identity, device) => this.persons.listed(identity, device), ownerFor: async device => (await store.hosted()).find(o => this.persons.listed(o.identity, device) && this.persons.listed(o.identity, o.peer)) })
    }
    this.open = {
      deposit: async (req, a) => answer(await this.depositOne(req, a)),
      deposits: async (req, a) => this.depositBatch(req, a),
      receipts: async (req, a) => answer({ receipts: { receipts: await a.store.receiptsFor(a.peer, (req.receipts?.done ?? []).slice(0, MAX_ACK).map(toHex)) } }),
      claim: async (req, a) => this.claim(a, req.claim?.owner ?? new Uint8Array(0))
    }
    this.owners = {
      fetch: async (req, a) => this.fetch(a, req.fetch?.after ?? 0, req.fetch?.limit ?? 0),
      ack: async (req, a) => this.ack(a, req),
      revoke: async (req, a) => {
        await a.store.revoke(a.peer, req.revoke?.sender ?? new Uint8Array(0), req.revoke?.before ?? 0)
        return answer({ usage: await this.usage(a) })
      },
      prekeys: async (req, a) => this.addPrekeys(a, req.prekeys?.prekeys ?? []),
      status: async (_req, a) => answer({ usage: await this.usage(a) })
    }
  }

  readonly [Symbol.toStringTag] = 'ferry:mailbox'

  async start (): Promise<void> {
    this.running = true
    await this.components.registrar.handle(MAILBOX_PROTOCOL, (stream, connection) => { void this.serve(stream, connection) }, { maxInboundStreams: 32, maxOutboundStreams: 32, runOnLimitedConnection: true })
    await this.sweeper?.start()
  }

  async stop (): Promise<void> {
    this.running = false
    this.sweeper?.stop()
    await this.components.registrar.unhandle(MAILBOX_PROTOCOL)
  }

  /** Delete expired mail now, then sleep until the next expiry; nothing once the service stopped. */
  async sweep (): Promise<number> {
    if (this.sweeper == null || !this.running) return 0
    return this.sweeper.sweep()
  }

  async request (connection: Connection, requests: Array<Partial<Request>>, options: AbortOptions = {}): Promise<Response[]> {
    return request(connection, requests, options)
  }

  at (connection: Connection): MailboxClient {
    return new MailboxClient(async (requests, options) => request(connection, requests, options))
  }

  self (): MailboxClient {
    return new MailboxClient(async requests => this.local(requests))
  }

  /**
   * Answer requests this node makes of itself, as its own mailbox host: a sender that hosts mail
   * for the recipient deposits here, through the same checks and the same durable commit as a
   * remote deposit, without dialling itself.
   */
  async local (partial: Array<Partial<Request>>): Promise<Response[]> {
    const answers: Response[] = []
    for (const r of partial) answers.push(await this.answer(fullRequest(r), this.components.peerId))
    return answers
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

  /** One request, answered by the handler of its kind. */
  private async answer (req: Request, from: PeerId): Promise<Response> {
    const store = this.init.store
    if (store == null) return refuse(Refusal.Code.UNAUTHORIZED, 'this peer keeps no mail')
    const kind = kindOf(req)
    const asking: Asking = { store, from, peer: from.toString() }
    if (kind != null && OPEN.has(kind)) return this.open[kind as OpenKind](req, asking)
    if (kind == null) return refuse(Refusal.Code.MALFORMED, 'empty request')
    let owner: HostedOwner | undefined = (await store.hosted(asking.peer))[0]
    if (owner != null) await this.persons.learn(store, req.devices) // the person's newest list, from its own device
    else if (LINKED.has(kind)) owner = await this.persons.ownerFor(store, asking.peer, req.devices) // another device of a hosted person: its own mail
    if (owner == null) return refuse(Refusal.Code.UNAUTHORIZED, req.devices == null ? 'this host keeps no mail for you' : 'this host keeps no mail for you (your device list names you no longer, or an older list was shown)')
    return this.owners[kind as Exclude<Kind, OpenKind>](req, { ...asking, owner })
  }

  private async depositOne (req: Request, a: Asking): Promise<Partial<Response>> {
    const d = await (this.intake as DepositIntake).deposit(req.deposit as NonNullable<Request['deposit']>, a.from)
    return { custody: d.custody, refusal: d.refusal }
  }

  private async depositBatch (req: Request, a: Asking): Promise<Response> {
    if (req.deposits.length > MAX_BATCH) return refuse(Refusal.Code.MALFORMED, `at most ${MAX_BATCH} deposits per request`)
    // each is checked and committed as a single deposit would be; they share group commits
    const answers = await Promise.all(req.deposits.map(async d => (this.intake as DepositIntake).deposit(d, a.from)))
    return answer({ answers: answers.map(d => ({ custody: d.custody, refusal: d.refusal })) })
  }

  /**
   * Anyone holding the owner's invite may claim one of its one-time prekeys (first contact has no
   * capability yet): slowly per claimant, slowly per owner, and only for owners this host serves.
   */
  private async claim ({ store, peer }: Asking, ownerBytes: Uint8Array): Promise<Response> {
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

  private async fetch ({ store, peer }: OwnerAsking, after: number, asked: number): Promise<Response> {
    const limit = Math.min(Math.max(1, asked), MAX_PAGE)
    const items = await store.fetch(peer, after, limit + 1, this.now())
    let bytes = 0
    const page = items.slice(0, limit).filter((item, i) => (bytes += item.envelope.byteLength) <= PAGE_BYTES || i === 0)
    return answer({ page: { items: page.map(i => ({ envelope: i.envelope, depositor: fromPeerString(i.depositor), cursor: i.cursor })), more: page.length < items.length } })
  }

  private async ack ({ store, peer }: OwnerAsking, req: Request): Promise<Response> {
    const ack = req.ack as NonNullable<Request['ack']>
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
    const deleted = await store.ack(peer, acked, receipts)
    return answer({ deleted: await signDeletion(this.components.privateKey as Ed25519PrivateKey, this.components.peerId, deleted.map(fromHex), this.now(), this.crypto) })
  }

  private async addPrekeys (a: OwnerAsking, uploaded: Uint8Array[]): Promise<Response> {
    const prekeys = uploaded.slice(0, MAX_PREKEYS_PER_UPLOAD)
    if (!prekeys.every(validPrekey)) return refuse(Refusal.Code.MALFORMED, 'a one-time prekey is malformed')
    if (await a.store.countPrekeys(a.peer) + prekeys.length > MAX_PREKEYS) return refuse(Refusal.Code.QUOTA, `at most ${MAX_PREKEYS} one-time prekeys wait here per owner`)
    await a.store.addPrekeys(a.peer, prekeys)
    return answer({ usage: await this.usage(a) })
  }

  private async usage ({ store, peer, owner }: OwnerAsking): Promise<NonNullable<Response['usage']>> {
    const u = await store.usage(peer)
    return { bytes: u.bytes, messages: u.messages, quotaBytes: owner.quotaBytes, quotaMessages: owner.quotaMessages, prekeys: await store.countPrekeys(peer) }
  }
}
