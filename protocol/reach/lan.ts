/**
 * LAN sightings: peers a local discovery service (mDNS in Node, node/lan.ts)
 * announced on this network, with the addresses they announced. Reach tries these right after an
 * open connection, before cached addresses or the DHT, and a contact seen here is dialled at once
 * so messages queued while the units were apart go out when they meet.
 *
 * A sighting is forgotten after SIGHTING_TTL_MS without a new announcement (mDNS re-announces
 * every 10 s), so a unit that left the LAN stops being preferred.
 */
import type { Multiaddr } from '@multiformats/multiaddr'
import type { PeerInfo } from '@libp2p/interface'

export const SIGHTING_TTL_MS = 60_000

export interface Sighting {
  addrs: Multiaddr[]
  seenAt: number
}

export class LanSightings {
  private readonly seen = new Map<string, Sighting>()

  constructor (private readonly now: () => number) {}

  /** Record an announcement; true when the peer was not currently sighted (new or expired). */
  record (peer: PeerInfo): boolean {
    const id = peer.id.toString()
    const fresh = this.get(id) == null
    this.seen.set(id, { addrs: peer.multiaddrs, seenAt: this.now() })
    return fresh
  }

  /** The addresses a peer announced on the LAN recently, if any. */
  get (peer: string): Sighting | undefined {
    const s = this.seen.get(peer)
    if (s == null) return undefined
    if (this.now() - s.seenAt > SIGHTING_TTL_MS) {
      this.seen.delete(peer)
      return undefined
    }
    return s
  }

  /** How many peers are currently sighted. */
  get size (): number {
    for (const id of [...this.seen.keys()]) this.get(id)
    return this.seen.size
  }
}
