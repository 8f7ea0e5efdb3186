/**
 * Reach: get a usable connection to a contact's device, preferring WebRTC (issue 2 scope 4):
 * an open WebRTC connection, else a fresh WebRTC-direct dial, else any open connection, else
 * the other known addresses (TCP, WebSockets) in order.
 */
import { multiaddr } from '@multiformats/multiaddr'
import { peerIdFromString } from '@libp2p/peer-id'
import { UnreachableError } from './errors.js'
import { peerIdOf } from './multiaddrs.js'
import type { AbortOptions, Connection, PeerId, PeerStore } from '@libp2p/interface'
import type { Multiaddr } from '@multiformats/multiaddr'

/** Dial timeout for one address. */
export const DIAL_TIMEOUT_MS = 10_000

/** The transport a connection runs over, named as `ferry status` shows it. */
export type TransportName = 'webrtc-direct' | 'webrtc' | 'websockets' | 'tcp' | 'circuit-relay' | 'memory' | 'other'

/** Name the transport of a connection from its remote address. */
export function transportOf (addr: Multiaddr): TransportName {
  const names = addr.getComponents().map(c => c.name)
  if (names.includes('p2p-circuit')) return 'circuit-relay'
  if (names.includes('webrtc-direct')) return 'webrtc-direct'
  if (names.includes('webrtc')) return 'webrtc'
  if (names.includes('ws') || names.includes('wss')) return 'websockets'
  if (names.includes('tcp')) return 'tcp'
  if (names.includes('memory')) return 'memory'
  return 'other'
}

const isWebRTC = (addr: Multiaddr): boolean => transportOf(addr).startsWith('webrtc')

/** Where a working address came from (issue 4 adds mDNS and the DHT). */
export type ReachSource = 'connection' | 'contact' | 'peer-store' | 'dht'

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

export class Reach {
  /**
   * @param findPeer - peer routing through the private DHT, tried when no known address works
   */
  constructor (private readonly node: ReachNode, private readonly findPeer?: (peer: PeerId, options: AbortOptions) => Promise<Multiaddr[]>) {}

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
   * Like connect(), and say how the peer was reached: an open connection, an address from the
   * contact record (invite or multiaddr), or one cached in the peer store (learned by identify).
   */
  async resolve (peer: string, known: string[], options: AbortOptions = {}): Promise<Resolution> {
    const peerId = peerIdFromString(peer)
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
    if (this.findPeer != null) {
      try {
        const found = await this.findPeer(peerId, { signal: options.signal ?? AbortSignal.timeout(DIAL_TIMEOUT_MS) })
        const fresh = found.map(a => peerIdOf(a) == null ? a.encapsulate(`/p2p/${peer}`) : a).filter(a => !addresses.includes(a.toString()))
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

  /** Known addresses (contact record first, then the peer store), each ending in /p2p/<peer>. */
  private async addresses (peer: PeerId, known: string[]): Promise<Candidate[]> {
    const out = new Map<string, Candidate>()
    const add = (ma: Multiaddr, source: Candidate['source']): void => {
      const full = peerIdOf(ma) == null ? ma.encapsulate(`/p2p/${peer.toString()}`) : ma
      if (peerIdOf(full) === peer.toString() && !out.has(full.toString())) out.set(full.toString(), { addr: full, source })
    }
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
