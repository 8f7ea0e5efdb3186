/**
 * Peer routing through the private DHT, measured: how often a lookup succeeds and in how many hops.
 * `findPeerAddresses` is the lookup Reach falls back on when no known address of a contact works;
 * `DhtLookupTally` counts how those lookups went, and `sumDhtLookups` adds tallies up for a run.
 *
 * What is counted, exactly:
 * - a lookup is one `findPeerAddresses` call (one Reach fallback), whether it ends or throws;
 * - it succeeded when it returned at least one address for the peer. That is the DHT's answer,
 *   not reachability: the addresses may be stale and the dial that follows may still fail;
 * - hops are round trips until the peer's address was in hand, counted the way `lookupRecord`
 *   counts them (dht.ts): a peer the query starts from (this node's routing table) is at depth 1,
 *   a peer first named in the response of a depth-d peer is at depth d + 1, and the lookup's hops
 *   are the smallest depth of a peer whose response named the target with an address — 1 when a
 *   routing-table neighbour knew it, 0 when only this node's own routing table did (kad-dht
 *   reports such a target as a final peer without anyone naming it). kad-dht's events carry no
 *   depth, so it is rebuilt from who named whom; with several paths the shortest one counts;
 * - queried is how many FIND_NODE requests the lookup sent (SEND_QUERY events).
 */
import type { KadDHT } from '@libp2p/kad-dht'
import type { AbortOptions, PeerId, PeerInfo } from '@libp2p/interface'
import type { Multiaddr } from '@multiformats/multiaddr'

/** One peer lookup. */
export interface PeerLookup {
  /** every address the peers closest to the target reported for it (empty: not found) */
  addresses: Multiaddr[]
  /** round trips until the first address was in hand (see the file header); undefined when not found */
  hops?: number
  /** FIND_NODE requests sent */
  queried: number
}

/**
 * Find a peer's addresses: every address the peers closest to it report, not just the first
 * answer (a peer that moved is known at its new address by its new neighbours, elsewhere only at
 * the old one). Asks the network, never the local peer store: the local answer holds the very
 * addresses that just failed.
 *
 * @param options - the signal bounds the whole walk
 * @throws whatever the query throws (an aborted signal, most often)
 */
export async function findPeerAddresses (dht: KadDHT, peer: PeerId, options: AbortOptions = {}): Promise<PeerLookup> {
  const addrs = new Map<string, Multiaddr>()
  const depth = new Map<string, number>()
  let hops: number | undefined
  let queried = 0
  const note = (info: PeerInfo, at: number): void => {
    if (!info.id.equals(peer) || info.multiaddrs.length === 0) return
    for (const a of info.multiaddrs) addrs.set(a.toString(), a)
    hops = Math.min(hops ?? at, at)
  }
  for await (const event of dht.getClosestPeers(peer.toMultihash().bytes, options)) {
    if (event.name === 'SEND_QUERY') queried++
    else if (event.name === 'PEER_RESPONSE') {
      const d = depth.get(event.from.toString()) ?? 1
      for (const info of event.closer) {
        const id = info.id.toString()
        if (!depth.has(id)) depth.set(id, d + 1)
        note(info, d)
      }
    } else if (event.name === 'FINAL_PEER') note(event.peer, hops ?? 0) // after every response: 0 only when nobody named it
  }
  return { addresses: [...addrs.values()], hops, queried }
}

/** What a tally holds; `sumDhtLookups` adds these up. */
export interface DhtLookupCounts {
  lookups: number
  /** lookups that returned (the others threw: aborted, most often) */
  ended: number
  succeeded: number
  /** hops summed over the lookups that succeeded */
  hops: number
  /** requests sent, summed over the lookups that returned (a thrown lookup's are not known) */
  queried: number
}

/** The figures of a run: counts, mean hops of the lookups that succeeded, mean requests per lookup. */
export interface DhtLookupSummary {
  lookups: number
  succeeded: number
  /** undefined when none succeeded */
  meanHops?: number
  /** undefined when no lookup returned */
  meanQueried?: number
}

/**
 * A running count of peer lookups, kept by one node (or shared by several: the counts just add).
 * It lives outside the Ferry object so that it can outlive a node's restarts.
 *
 * @example
 * const tally = new DhtLookupTally()
 * const ferry = await createFerry({ ...options, dhtLookups: tally })
 * // ... later
 * tally.summary() // { lookups: 4, succeeded: 3, meanHops: 1.7, meanQueried: 6 }
 */
export class DhtLookupTally implements DhtLookupCounts {
  lookups = 0
  ended = 0
  succeeded = 0
  hops = 0
  queried = 0
  /** bumped by reset(): a lookup begun in an earlier epoch is not counted when it settles */
  private epoch = 0

  /**
   * Count a lookup as it settles, and pass its result or error through unchanged.
   *
   * @throws what `lookup` throws (counted as a failed lookup)
   */
  async track (lookup: Promise<PeerLookup>): Promise<PeerLookup> {
    const epoch = this.epoch
    this.lookups++
    const result = await lookup
    if (epoch !== this.epoch) return result // begun before a reset: not in these counts
    this.ended++
    this.queried += result.queried
    if (result.addresses.length > 0) {
      this.succeeded++
      this.hops += result.hops ?? 0
    }
    return result
  }

  /** Count from now: every figure to 0; lookups still running are left out of the new counts. */
  reset (): void {
    this.epoch++
    this.lookups = this.ended = this.succeeded = this.hops = this.queried = 0
  }

  /** Counts, with the mean hops and requests. */
  summary (): DhtLookupSummary {
    return sumDhtLookups([this])
  }
}

/**
 * Add tallies up (one per node, say) into the figures of a run.
 *
 * @example
 * metrics.dht = sumDhtLookups(world.tallies())
 */
export function sumDhtLookups (tallies: Iterable<DhtLookupCounts>): DhtLookupSummary {
  const list = [...tallies]
  const sum = (k: keyof DhtLookupCounts): number => list.reduce((n, t) => n + t[k], 0)
  const succeeded = sum('succeeded')
  const ended = sum('ended')
  return {
    lookups: sum('lookups'),
    succeeded,
    ...(succeeded > 0 ? { meanHops: sum('hops') / succeeded } : {}),
    ...(ended > 0 ? { meanQueried: sum('queried') / ended } : {})
  }
}
