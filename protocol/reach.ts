/**
 * Reach: get a usable connection to a contact's device, preferring WebRTC (issue 2 scope 4):
 * an open WebRTC connection, else a fresh WebRTC-direct dial, else any open connection, else
 * the other known addresses (TCP, WebSockets) in order. Addresses are tried by source (issue 4
 * scope 3): announced on the LAN (mDNS), then the contact record and the peer store, then the DHT.
 */
import { multiaddr } from '@multiformats/multiaddr'
import { peerIdFromString } from '@libp2p/peer-id'
import { UnreachableError } from './errors.js'
import { targetOf, withPeer } from './multiaddrs.js'
import type { AbortOptions, Connection, PeerId, PeerStore } from '@libp2p/interface'
import type { Multiaddr } from '@multiformats/multiaddr'

/** Dial timeout for one address. */
export const DIAL_TIMEOUT_MS = 10_000

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

export class Reach {
  /** peers tagged CONTACT_TAG by this process */
  private readonly valued = new Set<string>()

  constructor (private readonly node: ReachNode, private readonly sources: ReachSources = {}) {}

  /**
   * A connection to `peer`, WebRTC when the peer has a WebRTC address.
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

  private async locate (peerId: PeerId, known: string[], options: AbortOptions): Promise<Resolution> {
    const peer = peerId.toString()
    const open = this.node.getConnections(peerId).filter(c => c.status === 'open')
    const webrtc = open.find(c => isWebRTC(c.remoteAddr))
    const candidates = await this.addresses(peerId, known)
    const addresses = candidates.map(c => c.addr.toString())
    if (webrtc != null) return { connection: webrtc, source: 'connection', addresses }
    const errors: string[] = []
    const dial = async (c: Candidate, force: boolean): Promise<Resolution | undefined> => {
      try {
        const connection = await this.node.dial(c.addr, { signal: options.signal ?? AbortSignal.timeout(DIAL_TIMEOUT_MS), force })
        // libp2p hands back an existing connection to the peer when there is one: name it so
        const source = connection.remoteAddr.equals(c.addr) || connection.remoteAddr.decapsulateCode(421).equals(c.addr.decapsulateCode(421)) ? c.source : 'connection'
        return { connection, source, addresses }
      } catch (err: any) {
        errors.push(`${c.addr.toString()}: ${err.message}`)
      }
    }
    for (const c of candidates.filter(c => isWebRTC(c.addr))) {
      const r = await dial(c, open.length > 0)
      if (r != null) return r
    }
    if (open.length > 0) return { connection: open[0], source: 'connection', addresses }
    for (const c of candidates.filter(c => !isWebRTC(c.addr))) {
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
