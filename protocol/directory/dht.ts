/**
 * The private Kademlia DHT (DESIGN.md "Discovery and reachability"): protocol /ferry/kad/1.0.0, so
 * it never joins the public Amino DHT, no bootstrap list (peers come from contacts, invites, mDNS
 * and the persisted peer store), Ferry's record rules, and addresses kept as announced — a team's
 * network is often private or link-local, which the public DHT's mapper would drop.
 *
 * Tuning for team-sized networks (decided in ARCHITECTURE.md "Private DHT"): buckets of 10 peers
 * (records replicated on the 10 closest), queries 3 wide on 1 path (DHT_PATHS) — kad-dht's defaults
 * (20, 10 and 10) cost each lookup ~20 round trips where 3–6 find the record. Signed records make
 * any one valid copy authentic, so a lookup stops at a quorum of copies (which guards against a
 * stale one) rather than walking the whole neighbourhood.
 */
import { kadDHT, passthroughMapper } from '@libp2p/kad-dht'
import { anySignal } from 'any-signal'
import { NotFoundError } from '@libp2p/interface'
import { guardDhtStreams } from './dht-guard.js'
import { DhtRecordLimits, limitDhtRecords } from './dht-limits.js'
import { dhtRecordRules } from './records.js'
import type { SignedRecord } from './records.js'
import type { DhtLimitsInit } from './dht-limits.js'
import type { CryptoBackend } from '../crypto/backend.js'
import type { KadDHT, RoutingTable } from '@libp2p/kad-dht'
import type { AbortOptions } from '@libp2p/interface'

export const DHT_PROTOCOL = '/ferry/kad/1.0.0'
export const DHT_K = 10
export const DHT_ALPHA = 3
export const DHT_PATHS = 1
/** buckets split at most 3 levels: a routing table holds at most 2^3 × DHT_K = 80 peers */
export const DHT_PREFIX_LENGTH = 3
/** Valid copies a lookup gathers before it stops and picks the highest sequence number. */
export const RECORD_QUORUM = 3
export const LOOKUP_TIMEOUT_MS = 30_000

/**
 * The DHT service: kad-dht with Ferry's protocol, record rules and tuning, its streams guarded
 * (dht-guard.ts) and what others may store here bounded (dht-limits.ts; `limits` overrides the
 * caps, for tests).
 */
export function privateDht (mode: 'server' | 'client', now: () => number, crypto: CryptoBackend, limits: Partial<Omit<DhtLimitsInit, 'now'>> = {}): ReturnType<typeof kadDHT> {
  const { validators, selectors } = dhtRecordRules(now, crypto)
  const dht = kadDHT({
    protocol: DHT_PROTOCOL,
    clientMode: mode === 'client',
    validators,
    selectors,
    peerInfoMapper: passthroughMapper,
    kBucketSize: DHT_K,
    alpha: DHT_ALPHA,
    disjointPaths: DHT_PATHS,
    prefixLength: DHT_PREFIX_LENGTH
  })
  return (components) => {
    const service = dht(guardDhtStreams(components, DHT_PROTOCOL))
    limitDhtRecords(service, new DhtRecordLimits(components.datastore, { ...limits, now }))
    return service
  }
}

export interface RecordLookup {
  record: SignedRecord
  /** round trips on the path to the first peer that held a valid copy: 1 = a routing-table neighbour had it */
  hops: number
  /** peers asked */
  queried: number
}

/**
 * Looks a record up: follows the query's responses, validates every copy it is handed, and stops
 * at RECORD_QUORUM valid copies (or when the query ends) with the highest sequence number.
 * (kad-dht has already run the node's validators on each copy; `validate` runs again because it
 * also decodes, and it keeps this function correct for a DHT built without Ferry's rules.)
 *
 * @throws NotFoundError when no peer holds a valid copy
 */
export async function lookupRecord (dht: KadDHT, key: Uint8Array, validate: (value: Uint8Array) => Promise<SignedRecord>, options: AbortOptions = {}): Promise<RecordLookup> {
  const stop = new AbortController()
  const signal = anySignal([options.signal ?? AbortSignal.timeout(LOOKUP_TIMEOUT_MS), stop.signal])
  const hop = new Map<string, number>()
  const found: Array<{ record: SignedRecord, hops: number }> = []
  let queried = 0
  try {
    for await (const event of dht.get(key, { signal })) {
      if (event.name === 'SEND_QUERY') queried++
      if (event.name !== 'PEER_RESPONSE') continue
      const hops = hop.get(event.from.toString()) ?? 1
      for (const peer of event.closer) if (!hop.has(peer.id.toString())) hop.set(peer.id.toString(), hops + 1)
      if (event.record == null) continue
      const record = await validate(event.record.value).catch(() => undefined)
      if (record != null) found.push({ record, hops })
      if (found.length >= RECORD_QUORUM) break
    }
  } catch (err) {
    if (found.length === 0) throw err
  } finally {
    stop.abort()
    signal.clear()
  }
  if (found.length === 0) throw new NotFoundError('no peer holds a valid record')
  const best = found.reduce((a, b) => b.record.seq > a.record.seq || (b.record.seq === a.record.seq && b.record.expiresAt > a.record.expiresAt) ? b : a)
  return { record: best.record, hops: Math.min(...found.map(f => f.hops)), queried }
}

/** Peers in the routing table (the implementation has it; the KadDHT interface does not say). */
export function routingTableSize (dht: KadDHT): number {
  return (dht as unknown as { routingTable?: RoutingTable }).routingTable?.size ?? 0
}
