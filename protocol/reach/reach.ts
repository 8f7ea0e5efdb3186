/**
 * Reach: get a usable connection to a contact's device, preferring WebRTC.
 *
 * - An open WebRTC connection is used; else an open direct (not relayed) connection is used at
 *   once, and a WebRTC address is dialled in the background so later sends can move to it: a
 *   send never waits for an upgrade. A relayed connection is limited in time and bytes, so with
 *   only that open a WebRTC dial is tried first, as when nothing is open.
 * - With nothing open, WebRTC addresses are dialled before the others (TCP, WebSockets), and the
 *   DHT is asked last. Addresses are tried by source: announced on the LAN
 *   (mDNS), then the contact record and the peer store, then the DHT.
 * - An address that failed is remembered per peer (DialFailures): it is not dialled in the
 *   background, and is dialled after the others in the foreground, until its backoff ends.
 *   Without that, a browser that cannot use WebRTC-direct paid the WebRTC timeout (~6 s) on
 *   every send.
 */
import { multiaddr } from '@multiformats/multiaddr'
import { anySignal } from 'any-signal'
import { peerIdFromString } from '@libp2p/peer-id'
import { UnreachableError } from '../errors.js'
import { targetOf, withPeer } from './multiaddrs.js'
import type { AbortOptions, Connection, PeerId, PeerStore } from '@libp2p/interface'
import type { Multiaddr } from '@multiformats/multiaddr'

/** Dial timeout for one address. */
export const DIAL_TIMEOUT_MS = 10_000

/** An address that failed is passed over this long, doubling with each failure after, up to REACH_BACKOFF_MAX_MS. */
export const REACH_BACKOFF_MS = 30_000
export const REACH_BACKOFF_MAX_MS = 10 * 60_000
/** Peers whose failed addresses are remembered; a new one beyond this forgets the peer that failed least recently. */
export const REACH_FAILED_PEERS = 1_024
/** Failed addresses remembered per peer; a new one beyond this forgets the peer's oldest failure. */
export const REACH_FAILED_ADDRS = 16

/** The transport a connection runs over, named as `ferry status` shows it. */
export type TransportName = 'webrtc-direct' | 'webrtc' | 'websockets' | 'tcp' | 'circuit-relay' | 'memory' | 'other'

/** Name the transport of a connection from its remote address. */
export function transportOf (addr: Multiaddr): TransportName {
  const names = addr.getComponents().map(c => c.name)
  // `<relay>/p2p-circuit/webrtc/p2p/<peer>`: the relay only carried the signalling; the
  // connection itself is direct WebRTC between the two peers
  if (names.includes('webrtc')) return 'webrtc'
  if (names.includes('p2p-circuit')) return 'circuit-relay'
  if (names.includes('webrtc-direct')) return 'webrtc-direct'
  if (names.includes('ws') || names.includes('wss')) return 'websockets'
  if (names.includes('tcp')) return 'tcp'
  if (names.includes('memory')) return 'memory'
  return 'other'
}

const isWebRTC = (addr: Multiaddr): boolean => transportOf(addr).startsWith('webrtc')

/** Where a working address came from. */
export type ReachSource = 'connection' | 'mdns' | 'contact' | 'peer-store' | 'dht'

interface Candidate { addr: Multiaddr, source: Exclude<ReachSource, 'connection'> }

export interface Resolution {
  connection: Connection
  source: ReachSource
  /** every address known for the peer, best first */
  addresses: string[]
}

/** The parts of a libp2p node Reach uses. */
export interface ReachNode {
  getConnections(peer?: PeerId): Connection[]
  dial(target: Multiaddr | PeerId, options?: AbortOptions & { force?: boolean }): Promise<Connection>
  peerStore: PeerStore
}

export interface ReachSources {
  /** addresses the peer announced on the LAN recently */
  lan?(peer: string): Multiaddr[]
  /** peer routing through the private DHT, tried when no known address works */
  findPeer?(peer: PeerId, options: AbortOptions): Promise<Multiaddr[]>
}

/**
 * The peer-store tag Reach puts on the peers it connects to (contacts, mailbox hosts): when a node
 * holds more than `maxConnections`, libp2p closes the least valued first, so DHT neighbours (kad-dht
 * values its closest at 50) go before contacts.
 */
export const CONTACT_TAG = 'ferry-contact'
export const CONTACT_TAG_VALUE = 100

/** What Reach remembers of an address: never failed, failed but its backoff is over, or failed and waiting. */
export type AddressState = 'untried' | 'due' | 'waiting'

/**
 * Addresses that failed to dial, per peer, with exponential backoff: REACH_BACKOFF_MS after the
 * first failure, doubling to REACH_BACKOFF_MAX_MS. A success forgets the address. Memory is
 * bounded: REACH_FAILED_PEERS peers (least recently failed forgotten first) of
 * REACH_FAILED_ADDRS addresses each (oldest failure forgotten first). A forgotten address is
 * 'untried' again, which costs at most one more failed dial.
 */
export class DialFailures {
  private readonly peers = new Map<string, Map<string, { failures: number, until: number }>>()

  /** @param limits - for tests; the defaults are the REACH_* constants above */
  constructor (private readonly now: () => number = Date.now, private readonly limits = { peers: REACH_FAILED_PEERS, addrs: REACH_FAILED_ADDRS, backoffMs: REACH_BACKOFF_MS, backoffMaxMs: REACH_BACKOFF_MAX_MS }) {}

  /** Whether `addr` of `peer` failed, and if so whether its backoff is over. */
  state (peer: string, addr: string): AddressState {
    const f = this.peers.get(peer)?.get(addr)
    if (f == null) return 'untried'
    return this.now() >= f.until ? 'due' : 'waiting'
  }

  /** A dial of `addr` failed: back off twice as long as last time (REACH_BACKOFF_MS the first time). */
  failed (peer: string, addr: string): void {
    const addrs = this.peers.get(peer) ?? new Map<string, { failures: number, until: number }>()
    const failures = (addrs.get(addr)?.failures ?? 0) + 1
    const wait = Math.min(this.limits.backoffMs * 2 ** Math.min(failures - 1, 30), this.limits.backoffMaxMs)
    // Map order is insertion order: delete and set again to make this the most recent
    addrs.delete(addr)
    addrs.set(addr, { failures, until: this.now() + wait })
    if (addrs.size > this.limits.addrs) addrs.delete(addrs.keys().next().value as string)
    this.peers.delete(peer)
    this.peers.set(peer, addrs)
    if (this.peers.size > this.limits.peers) this.peers.delete(this.peers.keys().next().value as string)
  }

  /** A dial of `addr` worked: forget its failures. */
  succeeded (peer: string, addr: string): void {
    const addrs = this.peers.get(peer)
    addrs?.delete(addr)
    if (addrs?.size === 0) this.peers.delete(peer)
  }

  /** peers with a remembered failure */
  get size (): number {
    return this.peers.size
  }
}

/** Options of Reach beyond its sources. */
export interface ReachInit {
  /** where failed addresses are remembered (a clock and limits for tests) */
  failures?: DialFailures
}

export class Reach {
  /** peers tagged CONTACT_TAG by this process */
  private readonly valued = new Set<string>()
  /** failed addresses per peer, with backoff */
  readonly failures: DialFailures
  /** background WebRTC dials, at most one per peer */
  private readonly upgrades = new Map<string, { controller: AbortController, done: Promise<void> }>()

  constructor (private readonly node: ReachNode, private readonly sources: ReachSources = {}, init: ReachInit = {}) {
    this.failures = init.failures ?? new DialFailures()
  }

  /**
   * A connection to `peer`: an open WebRTC or direct connection at once, else a fresh dial,
   * WebRTC first (see the top of this file).
   *
   * @param known - addresses from the contact record (invite or multiaddr)
   * @throws UnreachableError when nothing could be dialled
   */
  async connect (peer: string, known: string[], options: AbortOptions = {}): Promise<Connection> {
    return (await this.resolve(peer, known, options)).connection
  }

  /**
   * Like connect(), and say how the peer was reached: an open connection, an address announced
   * on the LAN, one from the contact record (invite or multiaddr), one cached in the peer store
   * (learned by identify), or one the DHT found.
   */
  async resolve (peer: string, known: string[], options: AbortOptions = {}): Promise<Resolution> {
    const resolution = await this.locate(peerIdFromString(peer), known, options)
    if (!this.valued.has(peer)) {
      this.valued.add(peer)
      await this.node.peerStore.merge(resolution.connection.remotePeer, { tags: { [CONTACT_TAG]: { value: CONTACT_TAG_VALUE } } }).catch(() => { this.valued.delete(peer) })
    }
    return resolution
  }

  /** Resolves when no background WebRTC dial runs (tests; a stopping node aborts them with its dial queue). */
  async idle (): Promise<void> {
    await Promise.all([...this.upgrades.values()].map(async u => u.done))
  }

  private async locate (peerId: PeerId, known: string[], options: AbortOptions): Promise<Resolution> {
    const peer = peerId.toString()
    const open = this.node.getConnections(peerId).filter(c => c.status === 'open')
    const candidates = await this.addresses(peerId, known)
    const addresses = candidates.map(c => c.addr.toString())
    const webrtc = open.find(c => isWebRTC(c.remoteAddr))
    if (webrtc != null) return { connection: webrtc, source: 'connection', addresses }
    const direct = open.find(c => c.limits == null)
    if (direct != null) return this.upgraded(peerId, candidates, { connection: direct, source: 'connection', addresses })
    const errors: string[] = []
    const dial = async (c: Candidate, force: boolean): Promise<Resolution | undefined> => {
      // a dial joins any dial already queued for the peer: end the background one first
      await this.cancelUpgrade(peer)
      try {
        const connection = await this.node.dial(c.addr, { signal: options.signal ?? AbortSignal.timeout(DIAL_TIMEOUT_MS), force })
        this.failures.succeeded(peer, c.addr.toString())
        // libp2p hands back an existing connection to the peer when there is one: name it so
        const source = connection.remoteAddr.equals(c.addr) || connection.remoteAddr.decapsulateCode(421).equals(c.addr.decapsulateCode(421)) ? c.source : 'connection'
        return this.upgraded(peerId, candidates, { connection, source, addresses })
      } catch (err: any) {
        if (options.signal?.aborted !== true) this.failures.failed(peer, c.addr.toString())
        errors.push(`${c.addr.toString()}: ${err.message}`)
      }
    }
    const untried = candidates.filter(c => this.failures.state(peer, c.addr.toString()) === 'untried')
    const failed = candidates.filter(c => !untried.includes(c))
    for (const c of untried.filter(c => isWebRTC(c.addr))) {
      const r = await dial(c, open.length > 0)
      if (r != null) return r
    }
    // only a relayed connection is open: use it rather than dial TCP or WebSockets
    if (open.length > 0) return this.upgraded(peerId, candidates, { connection: open[0], source: 'connection', addresses })
    // then the addresses that failed before, as a last resort, WebRTC first
    for (const c of [...untried.filter(c => !isWebRTC(c.addr)), ...failed.filter(c => isWebRTC(c.addr)), ...failed.filter(c => !isWebRTC(c.addr))]) {
      const r = await dial(c, false)
      if (r != null) return r
    }
    if (this.sources.findPeer != null) {
      try {
        const found = await this.sources.findPeer(peerId, { signal: options.signal ?? AbortSignal.timeout(DIAL_TIMEOUT_MS) })
        const fresh = found.map(a => withPeer(a, peer)).filter(a => !addresses.includes(a.toString()))
        for (const addr of [...fresh.filter(isWebRTC), ...fresh.filter(a => !isWebRTC(a))]) {
          const r = await dial({ addr, source: 'dht' }, false)
          if (r != null) return { ...r, addresses: [...addresses, ...fresh.map(a => a.toString())] }
        }
        if (fresh.length === 0) errors.push('the DHT knows no other address')
      } catch (err: any) {
        errors.push(`DHT: ${err.message}`)
      }
    }
    throw new UnreachableError(candidates.length === 0 && errors.length === 0 ? 'no known address for this contact' : `could not connect: ${errors.join('; ')}`)
  }

  /** `r`, after starting a background WebRTC dial when `r` is not WebRTC. */
  private upgraded (peerId: PeerId, candidates: Candidate[], r: Resolution): Resolution {
    if (!isWebRTC(r.connection.remoteAddr)) this.upgrade(peerId, candidates)
    return r
  }

  /**
   * In the background, dial the peer's WebRTC addresses that are not waiting out a backoff, one
   * at a time, unless such a dial runs already: a later connect() finds the WebRTC connection
   * open. Nothing waits for this.
   */
  private upgrade (peerId: PeerId, candidates: Candidate[]): void {
    const peer = peerId.toString()
    const targets = candidates.filter(c => isWebRTC(c.addr) && this.failures.state(peer, c.addr.toString()) !== 'waiting')
    if (targets.length === 0 || this.upgrades.has(peer)) return
    if (this.node.getConnections(peerId).some(c => c.status === 'open' && isWebRTC(c.remoteAddr))) return
    const controller = new AbortController()
    const done = (async () => {
      for (const c of targets) {
        if (controller.signal.aborted) return
        const signal = anySignal([controller.signal, AbortSignal.timeout(DIAL_TIMEOUT_MS)])
        try {
          await this.node.dial(c.addr, { signal, force: true })
          this.failures.succeeded(peer, c.addr.toString())
          return
        } catch {
          if (!controller.signal.aborted) this.failures.failed(peer, c.addr.toString())
        } finally {
          signal.clear()
        }
      }
    })().finally(() => { this.upgrades.delete(peer) })
    this.upgrades.set(peer, { controller, done })
  }

  /** End the peer's background dial and let the dial queue drop it (a macrotask later every settled promise has run). */
  private async cancelUpgrade (peer: string): Promise<void> {
    const u = this.upgrades.get(peer)
    if (u == null) return
    u.controller.abort()
    await u.done
    await new Promise(resolve => setTimeout(resolve, 0))
  }

  /** Known addresses (LAN announcements, then the contact record, then the peer store), each ending in /p2p/<peer>. */
  private async addresses (peer: PeerId, known: string[]): Promise<Candidate[]> {
    const out = new Map<string, Candidate>()
    const add = (ma: Multiaddr, source: Candidate['source']): void => {
      const full = withPeer(ma, peer.toString())
      if (targetOf(full) === peer.toString() && !out.has(full.toString())) out.set(full.toString(), { addr: full, source })
    }
    for (const a of this.sources.lan?.(peer.toString()) ?? []) add(a, 'mdns')
    for (const s of known) {
      try { add(multiaddr(s), 'contact') } catch {}
    }
    try {
      const stored = await this.node.peerStore.get(peer)
      for (const a of stored.addresses) add(a.multiaddr, 'peer-store')
    } catch {}
    return [...out.values()]
  }
}
