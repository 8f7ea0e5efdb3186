/**
 * Team rooms follow the person's signed device list (docs/DEVICES.md "Team rooms"): in every room
 * where this device takes part and holds the keys, each other device of ours that the list names
 * is brought in as a device of the same member (Room.addDevice, no admin), and each device the
 * list revoked is taken out (Room.removeDevice). It runs when the list changes, at start and with
 * the 20 s tick, so a device that was away catches up; two devices that bring the same device in
 * at once are harmless (the room's rules and keys take both).
 *
 * A device's card (its X25519 identity DH key, signed by the identity) comes from the prekey
 * bundle its list entry carries; a device whose bundle is not in the list yet waits for it (the
 * device signs the list again with its bundle once it runs).
 */
import { peerIdFromString } from '@libp2p/peer-id'
import { decodeBundle, verifyBundle } from '../crypto/bundle.js'
import { peerIdFromBytes } from '../crypto/identity.js'
import { equalBytes, toHex as hex } from '../util/bytes.js'
import { bundleCard } from './cards.js'
import type { Card } from './cards.js'
import type { Room } from './room.js'
import type { Rooms } from './rooms.js'
import type { CryptoBackend } from '../crypto/backend.js'
import type { Logger } from '@libp2p/interface'

/** Another device of ours, as the signed device list names it. */
export interface OwnDevice {
  /** peer id string */
  peer: string
  certificate: Uint8Array
  /** where it listens (unsigned hint) */
  addrs?: string[]
  /** its prekey bundle (unsigned hint; its signatures are checked here) */
  bundle?: Uint8Array
}

export interface RoomDevicesInit {
  identity: Uint8Array
  crypto: CryptoBackend
  /** our other devices, and the ones the list revoked (peer id strings) */
  list: () => Promise<{ others: OwnDevice[], revoked: string[] }>
  /** run a room action and hand its ops to the members we reach */
  act: (room: Room, fn: (room: Room) => Promise<Uint8Array[]>) => Promise<void>
  log: Logger
}

export class RoomDevices {
  private running?: Promise<number>

  constructor (private readonly init: RoomDevicesInit) {}

  /**
   * Bring our listed devices into every room that lacks them and take revoked ones out.
   * One run at a time; a call during a run waits for it.
   *
   * @returns how many ops were written
   */
  async ensure (rooms: Rooms | undefined): Promise<number> {
    if (rooms == null) return 0
    while (this.running != null) await this.running
    this.running = this.run(rooms).finally(() => { this.running = undefined })
    return await this.running
  }

  private async run (rooms: Rooms): Promise<number> {
    const { others, revoked } = await this.init.list()
    let written = 0
    for (const room of rooms.list()) {
      if (!room.listsMe() || room.keyStatus !== 'member') continue
      const present = new Set(room.devices())
      const me = hex(this.init.identity)
      for (const device of others) {
        const peer = peerIdFromString(device.peer).toMultihash().bytes
        if (present.has(hex(peer)) || room.log.deviceGone(me, hex(peer))) continue
        const card = await this.cardOf(device)
        if (card == null) continue
        written += await this.act(room, async r => await r.addDevice(peer, device.certificate, card), `bring ${device.peer} into`)
      }
      for (const gone of revoked) {
        const peer = peerIdFromString(gone).toMultihash().bytes
        if (present.has(hex(peer))) written += await this.act(room, async r => await r.removeDevice(peer), `take ${gone} out of`)
      }
    }
    return written
  }

  private async act (room: Room, fn: (room: Room) => Promise<Uint8Array[]>, what: string): Promise<number> {
    let n = 0
    try {
      await this.init.act(room, async r => {
        const ops = await fn(r)
        n = ops.length
        return ops
      })
    } catch (err: any) {
      this.init.log('could not %s room %s: %s', what, hex(room.group).slice(0, 16), err.message)
    }
    return n
  }

  /** The card a device's bundle carries, checked against our identity; none while its bundle is unknown or bad. */
  private async cardOf (device: OwnDevice): Promise<Card | undefined> {
    if (device.bundle == null) return undefined
    try {
      const b = decodeBundle(device.bundle)
      await verifyBundle(this.init.crypto, b)
      if (!equalBytes(b.identity, this.init.identity)) return undefined
      if (b.signer != null && peerIdFromBytes(b.signer.device).toString() !== device.peer) return undefined // a device signs its own prekeys only
      return bundleCard(b)
    } catch (err: any) {
      this.init.log('the bundle of %s in our device list is unusable: %s', device.peer, err.message)
      return undefined
    }
  }
}
