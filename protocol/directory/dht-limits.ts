/**
 * What other peers can make this node store through the DHT. kad-dht keeps every valid record it
 * is sent until someone asks for it after 48 h, and provider records for any CID; Ferry signs its
 * records with throwaway-able identities, so anyone could fill the datastore. Here:
 *
 * - ADD_PROVIDER is refused (Ferry uses no provider records);
 * - a PUT_VALUE for a key not held yet is refused past DHT_MAX_RECORDS_PER_PEER keys stored for
 *   the sending peer, or DHT_MAX_RECORDS in all (a key already held may always be updated);
 * - stored records are deleted at their expiry: the record's own `expiresAt`, or 48 h after it
 *   arrived (kad-dht serves none older), whichever is first, swept every DHT_SWEEP_MS.
 *
 * kad-dht has no option for any of this and its validators do not learn the sender, so its RPC
 * handlers are wrapped (`rpc.handlers`, a field of the KadDHT class in kad-dht 16): the wrap fails
 * loudly at construction if a kad-dht upgrade moves them.
 */
import { InvalidMessageError } from '@libp2p/interface'
import { Record as DhtRecord } from '@libp2p/kad-dht'
import { Key } from 'interface-datastore'
import { toString } from 'uint8arrays/to-string'
import { SignedRecord } from '../pb/ferry.js'
import type { KadDHT } from '@libp2p/kad-dht'
import type { PeerId } from '@libp2p/interface'
import type { Datastore } from 'interface-datastore'

/** Records this node stores for others at most; past it, new keys are refused (updates are not). */
export const DHT_MAX_RECORDS = 5_000

/** Keys one peer may have stored here; an owner publishes 3 (bundle, devices, mailboxes). */
export const DHT_MAX_RECORDS_PER_PEER = 16

/** How often expired records are deleted. */
export const DHT_SWEEP_MS = 10 * 60_000

/** kad-dht's PROVIDERS_VALIDITY: it serves no record received longer ago than this. */
const RECEIVED_VALIDITY_MS = 48 * 60 * 60_000
const PREFIX = '/dht/record'

export interface DhtLimitsInit {
  maxRecords?: number
  maxRecordsPerPeer?: number
  sweepMs?: number
  now(): number
}

interface Entry { expiresAt: number, from?: string }

/** The records held, with their expiry and sender; enforces the caps and sweeps. */
export class DhtRecordLimits {
  private readonly entries = new Map<string, Entry>()
  private readonly perPeer = new Map<string, number>()
  private timer?: ReturnType<typeof setInterval>
  private readonly maxRecords: number
  private readonly maxPerPeer: number

  constructor (private readonly datastore: Datastore, private readonly init: DhtLimitsInit) {
    this.maxRecords = init.maxRecords ?? DHT_MAX_RECORDS
    this.maxPerPeer = init.maxRecordsPerPeer ?? DHT_MAX_RECORDS_PER_PEER
  }

  /** How many records are held. */
  get size (): number {
    return this.entries.size
  }

  /** Learn what is stored (deleting what expired meanwhile), then sweep periodically. */
  async start (): Promise<void> {
    if (this.timer != null) return
    const now = this.init.now()
    for await (const { key, value } of this.datastore.query({ prefix: PREFIX })) {
      const expiresAt = expiryOf(value)
      if (expiresAt <= now) await this.datastore.delete(key)
      else this.entries.set(key.toString(), { expiresAt })
    }
    this.timer = setInterval(() => { void this.sweep().catch(() => {}) }, this.init.sweepMs ?? DHT_SWEEP_MS)
  }

  stop (): void {
    clearInterval(this.timer)
    this.timer = undefined
  }

  /** Delete every held record whose expiry has passed; returns how many. */
  async sweep (): Promise<number> {
    const now = this.init.now()
    let n = 0
    for (const [key, entry] of [...this.entries]) {
      if (entry.expiresAt > now) continue
      this.forget(key)
      await this.datastore.delete(new Key(key))
      n++
    }
    return n
  }

  /** @throws InvalidMessageError when `peer` may not store a record under `recordKey` now */
  check (peer: PeerId, recordKey: Uint8Array): void {
    const key = datastoreKey(recordKey)
    if (this.entries.has(key)) return
    if (this.entries.size >= this.maxRecords) throw new InvalidMessageError('this node holds as many DHT records as it keeps')
    if ((this.perPeer.get(peer.toString()) ?? 0) >= this.maxPerPeer) throw new InvalidMessageError(`a peer may have at most ${this.maxPerPeer} records stored here`)
  }

  /** A record from `peer` was stored (kad-dht's handler returned). */
  stored (peer: PeerId, recordKey: Uint8Array, serialized: Uint8Array): void {
    const key = datastoreKey(recordKey)
    if (this.entries.has(key)) this.forget(key)
    const from = peer.toString()
    this.entries.set(key, { expiresAt: expiryOf(serialized, this.init.now()), from })
    this.perPeer.set(from, (this.perPeer.get(from) ?? 0) + 1)
  }

  private forget (key: string): void {
    const from = this.entries.get(key)?.from
    this.entries.delete(key)
    if (from == null) return
    const n = (this.perPeer.get(from) ?? 1) - 1
    if (n > 0) this.perPeer.set(from, n)
    else this.perPeer.delete(from)
  }
}

/** kad-dht's datastore key for a record key (its bufferToRecordKey). */
function datastoreKey (recordKey: Uint8Array): string {
  return `${PREFIX}/${toString(recordKey, 'base32')}`
}

/** When a stored kad-dht record stops being served: its SignedRecord expiry or 48 h after arrival. Undecodable: now. */
function expiryOf (serialized: Uint8Array, receivedAt?: number): number {
  try {
    const record = DhtRecord.deserialize(serialized)
    const received = receivedAt ?? record.timeReceived?.getTime() ?? 0
    return Math.min(SignedRecord.decode(record.value).expiresAt, received + RECEIVED_VALIDITY_MS)
  } catch {
    return 0
  }
}

interface Handler { handle(peer: PeerId, msg: { key?: Uint8Array, record?: Uint8Array }): Promise<unknown> }

/**
 * Put `limits` in front of a KadDHT's PUT_VALUE handler, refuse ADD_PROVIDER, and start and stop
 * the sweeps with it.
 *
 * @throws Error when this kad-dht keeps its RPC handlers elsewhere (an upgrade moved them)
 */
export function limitDhtRecords (dht: KadDHT, limits: DhtRecordLimits): void {
  const internals = dht as unknown as { rpc?: { handlers?: Record<string, Handler> }, start(): Promise<void>, stop(): Promise<void> }
  const handlers = internals.rpc?.handlers
  const put = handlers?.PUT_VALUE
  if (handlers == null || put == null || handlers.ADD_PROVIDER == null) throw new Error('kad-dht keeps its RPC handlers elsewhere: the DHT record limits cannot be applied')
  handlers.PUT_VALUE = {
    handle: async (peer, msg) => {
      if (msg.record == null) return put.handle(peer, msg)
      const record = DhtRecord.deserialize(msg.record)
      limits.check(peer, record.key)
      const result = await put.handle(peer, msg)
      limits.stored(peer, record.key, msg.record)
      return result
    }
  }
  handlers.ADD_PROVIDER = { handle: async () => { throw new InvalidMessageError('this DHT keeps no provider records') } }
  const start = internals.start.bind(dht)
  const stop = internals.stop.bind(dht)
  internals.start = async () => { await start(); await limits.start() }
  internals.stop = async () => { limits.stop(); await stop() }
}
