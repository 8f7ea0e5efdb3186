/**
 * Directory: this identity's signed records in the private DHT (prekey bundle, device list,
 * mailbox set), published at start and every RECORD_REPUBLISH_MS, and other identities' records
 * looked up and validated. Also joins the DHT: bootstrap peers, then peers remembered from earlier
 * runs.
 */
import { createBundle } from '../crypto/prekeys.js'
import { encodeBundle } from '../crypto/bundle.js'
import { DHT_K, DHT_PROTOCOL, lookupRecord, routingTableSize } from './dht.js'
import { InvalidInputError } from '../errors.js'
import { DIAL_TIMEOUT_MS } from '../reach/reach.js'
import { DeviceList, MailboxSet, recordKey, RECORD_KINDS, RECORD_REPUBLISH_MS, signRecord, validateRecord } from './records.js'
import type { CryptoBackend } from '../crypto/backend.js'
import type { RecordLookup } from './dht.js'
import type { FerryServices } from '../ferry-types.js'
import type { Identity } from '../crypto/identity.js'
import type { RecordKind, SignedRecord } from './records.js'
import type { PrekeyStore } from '../crypto/prekeys.js'
import type { AbortOptions, Libp2p, Logger } from '@libp2p/interface'
import type { Multiaddr } from '@multiformats/multiaddr'

export interface DirectoryComponents {
  libp2p: Libp2p<FerryServices>
  identity: Identity
  prekeys: PrekeyStore
  crypto: CryptoBackend
  now(): number
  log: Logger
  /** the hosts this identity's mail waits at, for the mailbox-set record */
  mailboxHosts(): Promise<Uint8Array[]>
  /** every device of this identity with its certificate (protocol/devices/); default: this one */
  devices?(): Promise<Array<{ peerId: Uint8Array, signature: Uint8Array }>>
  bootstrap: Multiaddr[]
}

export class Directory {
  private republish?: ReturnType<typeof setInterval>

  constructor (private readonly c: DirectoryComponents) {}

  start (): void {
    this.republish = setInterval(() => { void this.publish() }, RECORD_REPUBLISH_MS)
  }

  stop (): void {
    clearInterval(this.republish)
  }

  /**
   * Find DHT peers besides contacts: the configured bootstrap peers, then (when those are not
   * enough) peers remembered in the peer store from earlier runs that speak the Ferry DHT.
   */
  async join (): Promise<void> {
    const { libp2p } = this.c
    const dht = libp2p.services.dht
    if (dht == null) return
    const signal = AbortSignal.timeout(DIAL_TIMEOUT_MS)
    await Promise.allSettled(this.c.bootstrap.map(async ma => libp2p.dial(ma, { signal })))
    if (routingTableSize(dht) >= DHT_K) return
    const known = await libp2p.peerStore.all({ filters: [p => p.protocols.includes(DHT_PROTOCOL)], limit: DHT_K })
    await Promise.allSettled(known.map(async p => libp2p.dial(p.id, { signal })))
  }

  /**
   * Publish this identity's signed records: its prekey bundle (no one-time prekey), its device
   * list and, when it uses mailboxes, its mailbox set — or only the `kinds` that changed (each
   * record costs a lookup and ten stores). Sequence numbers are the publish time: the newest wins.
   *
   * @returns how many records were stored somewhere; 0 without a DHT or peers
   */
  async publish (kinds: readonly RecordKind[] = RECORD_KINDS): Promise<number> {
    const { libp2p, identity, crypto } = this.c
    if (libp2p.services.dht == null) return 0
    const now = this.c.now()
    const records: Array<[RecordKind, Uint8Array]> = []
    if (kinds.includes('bundle')) records.push(['bundle', encodeBundle(await createBundle(crypto, identity, this.c.prekeys, { withOneTime: false }))])
    if (kinds.includes('devices')) records.push(['devices', DeviceList.encode({ devices: await this.c.devices?.() ?? [{ peerId: libp2p.peerId.toMultihash().bytes, signature: identity.deviceSignature }] })])
    const hosts = kinds.includes('mailboxes') ? await this.c.mailboxHosts() : []
    if (hosts.length > 0) records.push(['mailboxes', MailboxSet.encode({ hosts })])
    let stored = 0
    for (const [kind, payload] of records) {
      try {
        const value = await signRecord(identity, kind, payload, { seq: now, now }, crypto)
        await libp2p.contentRouting.put(recordKey(kind, identity.identityKey.publicKey.raw), value, { signal: AbortSignal.timeout(30_000) })
        stored++
      } catch (err: any) {
        this.c.log('could not publish the %s record: %s', kind, err.message)
      }
    }
    return stored
  }

  /**
   * An identity's record of `kind`, validated, with how the lookup went (hops to the first valid
   * copy, peers asked).
   *
   * @throws InvalidInputError without a DHT | when no valid record is found
   */
  async lookup (kind: RecordKind, identity: Uint8Array, options: AbortOptions = {}): Promise<RecordLookup> {
    const dht = this.c.libp2p.services.dht
    if (dht == null) throw new InvalidInputError('this node runs without the DHT')
    const key = recordKey(kind, identity)
    return lookupRecord(dht, key, async value => validateRecord(key, value, this.c.now(), this.c.crypto), options)
  }

  async find (kind: RecordKind, identity: Uint8Array, options: AbortOptions = {}): Promise<SignedRecord> {
    return (await this.lookup(kind, identity, options)).record
  }
}
