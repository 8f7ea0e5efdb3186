/**
 * Devices: this person's linked devices (docs/DEVICES.md). It keeps the identity's signed device
 * list, adds a device a link code certified, revokes one, and tells every contact and every own
 * device when the list changes (an encrypted control message carrying the signed list). It also
 * takes the lists contacts send: their devices join the contact, revoked ones leave it for good.
 */
import { concat } from 'uint8arrays/concat'
import { decodeDeviceList, encodeDeviceList, signDeviceList } from './device-list.js'
import { heldIdentityKey, holdsIdentityKey, signDevice, verifyDevice } from '../crypto/identity.js'
import { InvalidInputError } from '../errors.js'
import { equalBytes } from '../util/bytes.js'
import type { DeviceEntry, DeviceList } from './device-list.js'
import type { ContactBook } from '../contacts/contact-book.js'
import type { Identity } from '../crypto/identity.js'
import type { Contact, ContactStore } from '../stores/stores.js'
import type { Logger, PeerId } from '@libp2p/interface'

/** Where the own list is kept (the platform's key-value store). */
export interface DeviceListStore {
  load(): Promise<Uint8Array | undefined>
  save(bytes: Uint8Array): Promise<void>
}

export interface DevicesComponents {
  identity: Identity
  peerId: string
  store: DeviceListStore
  contacts: ContactStore
  contactBook: ContactBook
  now(): number
  /** this device's addresses and prekey bundle, as hints for the other devices */
  hints(): Promise<{ addrs: string[], bundle?: Uint8Array }>
  /** queue the encoded list to a contact, or to an own device (contact undefined) */
  send(to: { contact?: Contact, device?: DeviceEntry }, list: Uint8Array): Promise<void>
  /** the list changed: publish the DHT's devices record again */
  published?(): void
  /** the list this device holds changed (signed here, or taken from another own device): team rooms follow it */
  changed?(): void
  log: Logger
}

/** What `ferry device list` shows. */
export interface DeviceView { device: string, name: string, current: boolean, addedAt: number, certificate: Uint8Array }

export class Devices {
  private list?: DeviceList
  /** the list change running now (serialized) */
  private writing: Promise<void> = Promise.resolve()
  /** contacts sent the list, and which sequence (since this device started) */
  private readonly told = new Map<string, number>()

  constructor (private readonly c: DevicesComponents) {}

  /** Load the list, making the first one (this device alone) when there is none. */
  async load (): Promise<DeviceList> {
    if (this.list != null) return this.list
    const bytes = await this.c.store.load()
    if (bytes != null) {
      this.list = await decodeDeviceList(bytes, this.c.identity.identityKey.publicKey.raw)
    } else {
      if (!this.holder) throw new InvalidInputError('this device holds no device list and cannot sign one (it does not hold the identity key): link it again')
      const hints = await this.c.hints()
      this.list = await signDeviceList(heldIdentityKey(this.c.identity.identityKey), { sequence: 1, devices: [{ peer: this.c.peerId, certificate: this.c.identity.deviceSignature, name: '', addedAt: this.c.now(), ...hints }], revoked: [] })
      await this.c.store.save(encodeDeviceList(this.list))
    }
    this.c.contactBook.setOwnDevices(this.list.devices.map(d => d.peer), this.list.revoked)
    return this.list
  }

  async views (): Promise<DeviceView[]> {
    return (await this.load()).devices.map(d => ({ device: d.peer, name: d.name, current: d.peer === this.c.peerId, addedAt: d.addedAt, certificate: d.certificate }))
  }

  /** The person's other devices (not revoked). */
  async others (): Promise<DeviceEntry[]> {
    return (await this.load()).devices.filter(d => d.peer !== this.c.peerId)
  }

  /** Whether this identity has, or had, other devices (then its list is worth showing around). */
  async linked (): Promise<boolean> {
    const list = await this.load()
    return list.devices.length > 1 || list.revoked.length > 0
  }

  async encoded (): Promise<Uint8Array> {
    return encodeDeviceList(await this.load())
  }

  /**
   * A link code was used: certify `device` (its own half is `cross`) and add it to the list.
   *
   * @throws InvalidInputError when the certificate does not verify, or the list is full
   */
  async link (device: PeerId, cross: Uint8Array, name: string, addrs: string[] = []): Promise<DeviceEntry> {
    const list = await this.load()
    const certificate = concat([await signDevice(heldIdentityKey(this.c.identity.identityKey), device), cross])
    if (!await verifyDevice(list.identity, device.toMultihash().bytes, certificate)) throw new InvalidInputError('the new device\'s signature does not verify')
    if (list.revoked.includes(device.toString())) throw new InvalidInputError('that device was revoked')
    const entry: DeviceEntry = { peer: device.toString(), certificate, name, addedAt: this.c.now(), addrs }
    await this.replace(l => ({ devices: [...l.devices.filter(d => d.peer !== entry.peer), entry], revoked: l.revoked }))
    return entry
  }

  /**
   * Revoke a device: the list is signed again without it, and every contact and own device is
   * told. Contacts stop encrypting to it and refuse what it sends.
   *
   * @throws InvalidInputError for this device or one not in the list
   */
  async revoke (peer: string): Promise<void> {
    const list = await this.load()
    if (peer === this.c.peerId) throw new InvalidInputError('this is the current device: revoke it from another of your devices')
    if (!list.devices.some(d => d.peer === peer)) throw new InvalidInputError(`no device ${peer} in your device list (see \`ferry device list\`)`)
    await this.replace(l => ({ devices: l.devices.filter(d => d.peer !== peer), revoked: [...l.revoked, peer] }))
  }

  /**
   * Once listening: when this person has several devices and this device's addresses or prekey
   * bundle in the list are not current, sign the list again and announce it, so contacts can
   * encrypt to this device while it is offline. A person with one device sends nothing.
   */
  async refresh (): Promise<void> {
    const list = await this.load()
    const mine = list.devices.find(d => d.peer === this.c.peerId)
    if (mine == null || !await this.linked()) return
    const hints = await this.c.hints()
    const same = JSON.stringify([...mine.addrs ?? []].sort()) === JSON.stringify([...hints.addrs].sort()) && mine.bundle != null && hints.bundle != null && equalBytes(mine.bundle, hints.bundle)
    if (same) return
    if (this.holder) {
      await this.replace(l => ({ devices: l.devices, revoked: l.revoked }))
      return
    }
    // without the identity key: the hints are not signed, so the list goes out as the holder
    // signed it, with this device's own hints; whoever gets it from this device takes them
    await this.serialized(async () => {
      const list = await this.load()
      await this.adopt({ ...list, devices: list.devices.map(d => d.peer === this.c.peerId ? { ...d, ...hints } : d) })
    })
    this.c.published?.()
    await this.announce()
  }

  /** Whether this device holds the identity key: only such a device signs the list. */
  private get holder (): boolean {
    return holdsIdentityKey(this.c.identity.identityKey)
  }

  /** Change the list: `next` is given the current one, inside the serialized section. */
  private async replace (next: (list: DeviceList) => { devices: DeviceEntry[], revoked: string[] }): Promise<void> {
    await this.serialized(async () => {
      const list = await this.load()
      await this.sign(next(list), list.sequence)
    })
  }

  /** Sign `next` with a sequence above `after` and this device's current hints; publish and announce it. */
  private async sign (next: { devices: DeviceEntry[], revoked: string[] }, after: number): Promise<void> {
    const hints = await this.c.hints()
    const devices = next.devices.map(d => d.peer === this.c.peerId ? { ...d, ...hints } : d)
    // only a device holding the identity key signs (a linked device made before the key stayed on
    // one device holds it too); a time-based sequence keeps two that sign at once from both
    // claiming the next number
    await this.adopt(await signDeviceList(heldIdentityKey(this.c.identity.identityKey), { sequence: Math.max(after + 1, this.c.now()), devices, revoked: next.revoked }))
    this.c.published?.()
    await this.announce()
  }

  private async adopt (list: DeviceList): Promise<void> {
    await this.c.store.save(encodeDeviceList(list))
    this.list = list
    this.c.contactBook.setOwnDevices(list.devices.map(d => d.peer), list.revoked)
    this.c.changed?.()
  }

  /**
   * A contact's message arrived: when this person has several devices and the contact was not
   * sent the current list since this device started, send it (a contact added after a link, or
   * one that refused the list while it had not added this person yet, learns it this way).
   */
  async tell (peer: string): Promise<void> {
    try {
      if (!await this.linked() || this.c.contactBook.isOwnDevice(peer)) return
      const contact = await this.c.contacts.getByPeer(peer)
      const list = await this.load()
      if (contact == null || contact.identity == null || this.told.get(contact.name) === list.sequence) return
      this.told.set(contact.name, list.sequence)
      await this.c.send({ contact }, encodeDeviceList(list))
    } catch (err: any) {
      this.c.log('device list not sent: %s', err.message)
    }
  }

  /** Send the list to every contact and every other own device (best effort, each on its own). */
  async announce (): Promise<void> {
    const bytes = await this.encoded()
    const { sequence } = await this.load()
    const sends = [
      ...(await this.c.contacts.list()).map(async contact => {
        this.told.set(contact.name, sequence)
        await this.c.send({ contact }, bytes)
      }),
      ...(await this.others()).map(async device => this.c.send({ device }, bytes))
    ]
    for (const r of await Promise.allSettled(sends)) if (r.status === 'rejected') this.c.log('device list not sent: %s', r.reason?.message)
  }

  /**
   * Another own device's list: lists merge, so no device can undo what another did (a device that
   * was offline while one was revoked or linked signs a list without it). Revocations only grow;
   * the devices are every device either list names, less the revoked. When the received list holds
   * all this device knows, it is taken as it is (when newer); when it lacks something, the union is
   * signed above both and announced; when it is older and adds nothing, it is ignored.
   */
  private async merge (list: DeviceList, from: string): Promise<void> {
    const own = await this.load()
    const sameMembers = sameSet(list.devices.map(d => d.peer), own.devices.map(d => d.peer)) && sameSet(list.revoked, own.revoked)
    if (!this.holder || (list.sequence === own.sequence && sameMembers)) {
      // the same list (or, on a device that cannot sign, any list): a newer one is taken as it
      // is, keeping our own hints; at the same sequence, only the sender's hints are new
      if (list.sequence > own.sequence) await this.adopt({ ...list, devices: list.devices.map(d => d.peer === this.c.peerId ? { ...d, ...pick(own, d.peer) } : d) })
      else if (list.sequence === own.sequence && from !== this.c.peerId && list.devices.some(d => d.peer === from)) await this.adopt({ ...own, devices: own.devices.map(d => d.peer === from ? { ...d, ...pick(list, from) } : d) })
      return
    }
    const revoked = [...new Set([...own.revoked, ...list.revoked])]
    const byPeer = new Map<string, DeviceEntry>()
    const [older, newer] = list.sequence > own.sequence ? [own, list] : [list, own]
    for (const d of [...older.devices, ...newer.devices]) byPeer.set(d.peer, d) // the newer list's hints win
    const devices = [...byPeer.values()].filter(d => !revoked.includes(d.peer))
    const same = (l: DeviceList): boolean => sameSet(l.devices.map(d => d.peer), devices.map(d => d.peer)) && sameSet(l.revoked, revoked)
    if (same(list)) {
      if (list.sequence > own.sequence) await this.adopt(list)
    } else if (list.sequence > own.sequence || !same(own)) {
      // signed above both: a contact that took the received list takes this one too
      await this.sign({ devices, revoked }, Math.max(own.sequence, list.sequence))
    }
  }

  /** Run list changes one at a time (two at once would each sign from the same list). */
  private async serialized (fn: () => Promise<void>): Promise<void> {
    const run = this.writing.then(fn, fn)
    this.writing = run.catch(() => {})
    return run
  }

  /**
   * A device list arrived in a message whose session proved `identity`: this person's own (from
   * another own device), or a contact's. A newer list replaces the older one; others are ignored.
   *
   * @throws InvalidInputError when it does not verify against that identity
   */
  async received (bytes: Uint8Array, identity: Uint8Array, from: string): Promise<void> {
    const list = await decodeDeviceList(bytes, identity)
    const own = await this.load()
    if (equalBytes(identity, own.identity)) {
      await this.serialized(async () => this.merge(list, from))
      return
    }
    const contact = await this.c.contacts.getByPeer(from)
    if (contact == null || contact.identity == null || !equalBytes(contact.identity, identity)) return
    if ((contact.devicesSeq ?? 0) > list.sequence) return
    if (contact.devicesSeq === list.sequence) {
      // the same list from one of its devices: that device's own hints (a device without the
      // identity key cannot sign the list again, so it sends it with new addresses or bundle)
      const hints = list.devices.find(d => d.peer === from)
      if (hints != null) await this.c.contactBook.setDeviceHints(contact.name, from, hints.addrs ?? [], hints.bundle)
      return
    }
    await this.c.contactBook.setDevices(contact.name, list)
  }
}

/** The hints `list` holds for `peer` (addresses and bundle), as fields to spread over an entry. */
function pick (list: DeviceList, peer: string): Partial<DeviceEntry> {
  const d = list.devices.find(e => e.peer === peer)
  return d == null ? {} : { addrs: d.addrs, bundle: d.bundle }
}

function sameSet (a: string[], b: string[]): boolean {
  return a.length === b.length && new Set(a).size === new Set([...a, ...b]).size
}
