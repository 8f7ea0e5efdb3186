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

/** The parts of a libp2p node Reach uses. */
export interface ReachNode {
  getConnections(peer?: PeerId): Connection[]
  dial(target: Multiaddr | PeerId, options?: AbortOptions & { force?: boolean }): Promise<Connection>
  peerStore: PeerStore
}

export class Reach {
  constructor (private readonly node: ReachNode) {}

  /**
   * A connection to `peer`, WebRTC when the peer has a WebRTC address.
   *
   * @param known - addresses from the contact record (invite or multiaddr)
   * @throws UnreachableError when nothing could be dialled
   */
  async connect (peer: string, known: string[], options: AbortOptions = {}): Promise<Connection> {
    const peerId = peerIdFromString(peer)
    const open = this.node.getConnections(peerId).filter(c => c.status === 'open')
    const webrtc = open.find(c => isWebRTC(c.remoteAddr))
    if (webrtc != null) return webrtc
    const addrs = await this.addresses(peerId, known)
    const errors: string[] = []
    for (const addr of addrs.filter(isWebRTC)) {
      try {
        return await this.node.dial(addr, { signal: options.signal ?? AbortSignal.timeout(DIAL_TIMEOUT_MS), force: open.length > 0 })
      } catch (err: any) {
        errors.push(`${addr.toString()}: ${err.message}`)
      }
    }
    if (open.length > 0) return open[0]
    for (const addr of addrs.filter(a => !isWebRTC(a))) {
      try {
        return await this.node.dial(addr, { signal: options.signal ?? AbortSignal.timeout(DIAL_TIMEOUT_MS) })
      } catch (err: any) {
        errors.push(`${addr.toString()}: ${err.message}`)
      }
    }
    throw new UnreachableError(addrs.length === 0 ? 'no known address for this contact' : `could not connect: ${errors.join('; ')}`)
  }

  /** Known addresses (contact record first, then the peer store), each ending in /p2p/<peer>. */
  private async addresses (peer: PeerId, known: string[]): Promise<Multiaddr[]> {
    const out = new Map<string, Multiaddr>()
    const add = (ma: Multiaddr): void => {
      const full = peerIdOf(ma) == null ? ma.encapsulate(`/p2p/${peer.toString()}`) : ma
      if (peerIdOf(full) === peer.toString()) out.set(full.toString(), full)
    }
    for (const s of known) {
      try { add(multiaddr(s)) } catch {}
    }
    try {
      const stored = await this.node.peerStore.get(peer)
      for (const a of stored.addresses) add(a.multiaddr)
    } catch {}
    return [...out.values()]
  }
}
