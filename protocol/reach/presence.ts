/**
 * Presence: how this peer reaches others and stays reachable. Contacts are dialled at start, on
 * resume and when seen on the LAN; relay slots are held; a contact, peer id or identity is resolved
 * to a connection (Reach: open connection, known addresses, LAN, the DHT's peer routing) and the
 * status says what is connected and how.
 */
import { peerIdFromMultihash } from '@libp2p/peer-id'
import { multiaddr } from '@multiformats/multiaddr'
import * as Digest from 'multiformats/hashes/digest'
import { UnknownContactError, UnreachableError } from '../errors.js'
import { identityFromString } from '../crypto/identity.js'
import { LanSightings } from './lan.js'
import { Reach, transportOf } from './reach.js'
import { DeviceList } from '../directory/records.js'
import { RelayReservations } from './relays.js'
import { findPeerAddresses } from '../directory/dht-stats.js'
import type { ContactBook } from '../contacts/contact-book.js'
import type { DhtLookupTally } from '../directory/dht-stats.js'
import type { Directory } from '../directory/directory.js'
import type { ConnectionInfo, FerryServices, LookupResult } from '../ferry-types.js'
import type { ContactStore } from '../stores/stores.js'
import type { AbortOptions, Connection, Libp2p, Logger, PeerInfo } from '@libp2p/interface'
import type { Multiaddr } from '@multiformats/multiaddr'

const PEER_ID = /^[1-9A-HJ-NP-Za-km-z]{40,}$/

export interface PresenceComponents {
  libp2p: Libp2p<FerryServices>
  contacts: ContactStore
  contactBook: ContactBook
  directory: Directory
  dhtLookups: DhtLookupTally
  relays: Multiaddr[]
  now(): number
  log: Logger
}

export class Presence {
  readonly lan: LanSightings
  private readonly reach: Reach
  private readonly relays: RelayReservations

  constructor (private readonly c: PresenceComponents) {
    const { libp2p } = c
    const dht = libp2p.services.dht
    this.lan = new LanSightings(c.now)
    this.relays = new RelayReservations(c.relays, async addr => libp2p.services.listener.transportManager.listen([addr]), () => libp2p.getMultiaddrs(), libp2p.logger.forComponent('ferry:relays'))
    this.reach = new Reach(libp2p, {
      lan: peer => this.lan.get(peer)?.addrs ?? [],
      findPeer: dht == null ? undefined : async (peer, options) => (await c.dhtLookups.track(findPeerAddresses(dht, peer, options))).addresses
    })
  }

  /** Listen for LAN sightings (before libp2p starts, so none is missed). */
  listen (): void {
    this.c.libp2p.services.lan?.addEventListener('peer', (evt) => { void this.sighted(evt.detail) })
  }

  start (): void {
    this.relays.start()
  }

  stop (): void {
    this.relays.stop()
  }

  /** A connection to `peer`, trying `addrs` besides what is known. @throws UnreachableError */
  async connect (peer: string, addrs: string[] = [], options?: AbortOptions): Promise<Connection> {
    return this.reach.connect(peer, addrs, options)
  }

  /** Dial a multiaddr with /p2p/ (a daemon the web app relays through). @returns the peer reached */
  async dial (addr: string, options?: AbortOptions): Promise<string> {
    return (await this.c.libp2p.dial(multiaddr(addr), options)).remotePeer.toString()
  }

  /** Whether an open connection to `peer` exists. */
  connected (peer: string): boolean {
    return this.c.libp2p.getConnections().some(c => c.remotePeer.toString() === peer && c.status === 'open')
  }

  /** Call `fn` whenever a connection opens or closes; returns the way to stop. */
  watch (fn: (event: 'open' | 'close', peer: string) => void): () => void {
    const { libp2p } = this.c
    const open = (evt: CustomEvent<Connection>): void => { fn('open', evt.detail.remotePeer.toString()) }
    const close = (evt: CustomEvent<Connection>): void => { fn('close', evt.detail.remotePeer.toString()) }
    libp2p.addEventListener('connection:open', open)
    libp2p.addEventListener('connection:close', close)
    return () => {
      libp2p.removeEventListener('connection:open', open)
      libp2p.removeEventListener('connection:close', close)
    }
  }

  /** Dial every contact that is not blocked (start, resume). */
  async dialContacts (): Promise<void> {
    const contacts = (await this.c.contacts.list()).filter(c => !this.c.contactBook.isBlocked(c.peerId))
    await Promise.allSettled(contacts.map(async c => this.reach.connect(c.peerId, c.addresses)))
  }

  /** After sleep or a network change: take back lost relay slots and re-dial every contact. */
  async resume (): Promise<void> {
    await this.relays.check()
    await this.dialContacts()
  }

  /** A peer announced itself on the LAN: a contact we are not connected to is dialled at once. */
  private async sighted (peer: PeerInfo): Promise<void> {
    this.lan.record(peer)
    const id = peer.id.toString()
    if (this.c.libp2p.getConnections(peer.id).some(c => c.status === 'open')) return
    const contact = await this.c.contacts.getByPeer(id)
    if (contact == null || this.c.contactBook.isBlocked(id)) return
    // connection:open flushes the outbox
    await this.reach.connect(id, contact.addresses).catch((err: any) => { this.c.log('contact %s seen on the LAN but not reachable: %s', contact.name, err.message) })
  }

  /**
   * Resolve a contact (by name or peer id), a peer id or an identity to a connection and say how:
   * an open connection, an address from its invite, the LAN, or the DHT. `hops` counts DHT round
   * trips for an identity's device list (0 otherwise).
   *
   * @throws UnknownContactError | UnreachableError (with every address tried)
   */
  async lookup (target: string): Promise<LookupResult> {
    let contact = await this.c.contacts.get(target)
    if (contact == null && PEER_ID.test(target)) contact = await this.c.contacts.getByPeer(target)
    if (contact == null && target.startsWith('z')) return this.lookupIdentity(target)
    const peer = contact?.peerId ?? (PEER_ID.test(target) ? target : undefined)
    if (peer == null) throw new UnknownContactError(`no contact named "${target}" and not a peer id or identity`)
    const started = this.c.now()
    const r = await this.reach.resolve(peer, contact?.addresses ?? [])
    return { target, peer, contact: contact?.name, source: r.source, hops: 0, transport: transportOf(r.connection.remoteAddr), remoteAddr: r.connection.remoteAddr.toString(), addresses: r.addresses, ms: this.c.now() - started }
  }

  /** An identity: its signed device list from the DHT, then the first device that answers. */
  private async lookupIdentity (target: string): Promise<LookupResult> {
    let identity: Uint8Array
    try {
      identity = identityFromString(target)
    } catch {
      throw new UnknownContactError(`no contact named "${target}" and not a peer id or identity`)
    }
    const started = this.c.now()
    const found = await this.c.directory.lookup('devices', identity).catch((err: any) => { throw new UnreachableError(`no device list for this identity in the DHT: ${err.message}`) })
    const contacts = new Map((await this.c.contacts.list()).map(c => [c.peerId, c]))
    const errors: string[] = []
    for (const d of DeviceList.decode(found.record.payload).devices) {
      const peer = peerIdFromMultihash(Digest.decode(d.peerId)).toString()
      try {
        const r = await this.reach.resolve(peer, contacts.get(peer)?.addresses ?? [])
        return { target, peer, contact: contacts.get(peer)?.name, source: r.source, hops: found.hops, transport: transportOf(r.connection.remoteAddr), remoteAddr: r.connection.remoteAddr.toString(), addresses: r.addresses, ms: this.c.now() - started }
      } catch (err: any) {
        errors.push(`${peer}: ${err.message}`)
      }
    }
    throw new UnreachableError(`no device of this identity is reachable: ${errors.join('; ')}`)
  }

  /** Open connections, with contact names. */
  connections (names: Map<string, string>): ConnectionInfo[] {
    return this.c.libp2p.getConnections().map(c => ({
      peer: c.remotePeer.toString(),
      contact: names.get(c.remotePeer.toString()),
      transport: transportOf(c.remoteAddr),
      remoteAddr: c.remoteAddr.toString(),
      direction: c.direction
    }))
  }

  /** The relay part of the status. */
  relayStatus (): { server: boolean, serving: number, reservations: string[], addresses: string[] } {
    const relay = this.c.libp2p.services.relay
    const relayed = this.c.libp2p.getMultiaddrs().filter(a => transportOf(a) === 'circuit-relay')
    return { server: relay != null, serving: relay?.reservations.size ?? 0, reservations: this.relays.held(), addresses: relayed.map(a => a.toString()) }
  }
}
