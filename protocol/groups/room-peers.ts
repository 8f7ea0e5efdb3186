/**
 * Where fellow members are (groups.ts): the peer ids we know each person by. Our contacts'
 * devices; our own other devices (the signed device list); every device that signed an op in a room we hold (each op carries its author's device
 * under the author's certificate, checked on intake); and every device that showed us a hello
 * (its certificate checked against the connection). So members who are not contacts find each
 * other when they connect.
 */
import { peerIdFromString } from '@libp2p/peer-id'
import { peerIdFromBytes } from '../crypto/identity.js'
import { toHex as hex } from '../util/bytes.js'
import type { Rooms } from './rooms.js'
import type { ContactStore } from '../stores/stores.js'
import type { GroupAsker } from '../services/group/index.js'
import type { Connection, Libp2p } from '@libp2p/interface'

/** People we learn devices of from hellos, at most (contacts and room authors are not counted against it). */
const MAX_LEARNED = 4096

export class RoomPeers {
  /** identity hex -> the peer ids we know it by */
  private readonly peers = new Map<string, Set<string>>()
  /** ops whose device has been noted */
  private readonly scanned = new Set<string>()

  constructor (private readonly libp2p: Pick<Libp2p, 'getConnections'>, private readonly contacts: ContactStore, private readonly own?: { identity: Uint8Array, devices: () => Promise<string[]> }) {}

  /** Note our contacts' devices, our own, and the devices of ops not seen yet. */
  async refresh (rooms?: Rooms): Promise<void> {
    for (const c of await this.contacts.list()) {
      if (c.identity == null) continue
      for (const peer of [c.peerId, ...(c.devices ?? []).map(d => d.peer)]) this.of(hex(c.identity)).add(peer)
    }
    if (this.own != null) for (const peer of await this.own.devices()) this.of(hex(this.own.identity)).add(peer)
    for (const room of rooms?.list() ?? []) {
      for (const op of room.log.ops()) {
        if (this.scanned.has(op.id)) continue
        this.scanned.add(op.id)
        try { this.of(hex(op.author)).add(peerIdFromBytes(op.device).toString()) } catch {}
      }
    }
  }

  /** A fellow member's device proved its identity to us. */
  learn (asker: GroupAsker): void {
    if (this.peers.size < MAX_LEARNED || this.peers.has(hex(asker.identity))) this.of(hex(asker.identity)).add(asker.peer.toString())
  }

  /** Open connections to a person's devices. */
  connectionsTo (identity: Uint8Array): Connection[] {
    return [...this.peers.get(hex(identity)) ?? []].flatMap(p => this.libp2p.getConnections(peerIdFromString(p))).filter(c => c.status === 'open')
  }

  /** The people (identity hex) a peer is a device of. */
  identitiesOf (peer: string): string[] {
    return [...this.peers].flatMap(([identity, peers]) => peers.has(peer) ? [identity] : [])
  }

  private of (identity: string): Set<string> {
    let set = this.peers.get(identity)
    if (set == null) this.peers.set(identity, set = new Set())
    return set
  }
}
