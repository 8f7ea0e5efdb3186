/**
 * ContactBook: the user's contacts and what Ferry knows about their identities — adding by invite
 * or multiaddr (or from an accepted message request), removing, blocking, safety numbers and
 * verification, and identity changes that pause sending until the user accepts the new key.
 */
import { checkContactName, contactFrom } from './contact-from.js'
import { equalBytes } from '../util/bytes.js'
import { IdentityChangedError, InvalidInputError, UnknownContactError, UnknownIdentityError } from '../errors.js'
import { safetyNumber } from './safety.js'
import type { CryptoBackend } from '../crypto/backend.js'
import type { SafetyNumber } from './safety.js'
import type { Contact, ContactStore } from '../stores/stores.js'
import type { Relation } from '../messaging/inbox.js'

export interface SafetyView extends SafetyNumber {
  contact: string
  verified: boolean
  /** the new key's safety number, when the contact's identity changed and was not accepted yet */
  pending?: SafetyNumber
}

export class ContactBook {
  /** contacts by name, read once: every send looks its contact up, and all writes pass through here */
  private readonly byName = new Map<string, Contact>()
  /** blocked peers, read at start (load()): asked on every arrival and every dial */
  private readonly blockedPeers = new Set<string>()
  /** this person's other devices, and the ones revoked (protocol/devices/devices.ts keeps them) */
  private ownDevices = new Set<string>()
  private ownRevoked = new Set<string>()
  /** told when the user adds or verifies a contact (the person's other devices follow: protocol/devices/) */
  onChange?: (contact: Contact, what: 'added' | 'verified') => void

  constructor (private readonly store: ContactStore, private readonly me: { identity: Uint8Array, peerId: string }, private readonly crypto: CryptoBackend, private readonly now: () => number) {}

  /** Read the block list (before the node starts taking connections). */
  async load (): Promise<void> {
    for (const peer of await this.store.blocked()) this.blockedPeers.add(peer)
  }

  /** Who `peer` is: blocked, a contact (with its accepted identity, when known) or a stranger. */
  async relation (peer: string): Promise<Relation> {
    if (this.blockedPeers.has(peer) || this.ownRevoked.has(peer)) return { kind: 'blocked' }
    if (this.ownDevices.has(peer)) return { kind: 'contact', identity: this.me.identity, self: true }
    const c = await this.store.getByPeer(peer)
    if (c == null) {
      // a device a contact revoked stays refused (a scan of tens of contacts: cheap beside a decryption)
      return (await this.store.list()).some(c => c.revokedDevices?.includes(peer) === true) ? { kind: 'blocked' } : { kind: 'stranger' }
    }
    // a revoked device, or any device of a blocked contact (blocking names the first device)
    if (c.revokedDevices?.includes(peer) === true || this.blockedPeers.has(c.peerId)) return { kind: 'blocked' }
    return c.identity == null ? { kind: 'contact' } : { kind: 'contact', identity: c.identity }
  }

  /** The devices in this person's own signed list (this one included), and those revoked. */
  setOwnDevices (devices: string[], revoked: string[]): void {
    this.ownDevices = new Set(devices.filter(d => d !== this.me.peerId))
    this.ownRevoked = new Set(revoked)
  }

  isOwnDevice (peer: string): boolean {
    return this.ownDevices.has(peer)
  }

  /**
   * A stranger's message came on a session proving `identity`, with a device certificate from
   * it: when that is a contact's identity (accepted, not pending) and the device was not revoked,
   * the device joins the contact. Returns the relation it now has.
   */
  async adoptDevice (peer: string, identity: Uint8Array): Promise<Relation | undefined> {
    const c = (await this.store.list()).find(c => c.identity != null && c.pendingIdentity == null && equalBytes(c.identity, identity))
    if (c == null || c.revokedDevices?.includes(peer) === true || this.blockedPeers.has(c.peerId)) return undefined
    await this.save({ ...c, devices: [...(c.devices ?? []).filter(d => d.peer !== peer), { peer, addrs: [] }] })
    return { kind: 'contact', identity }
  }

  /**
   * Another own device added or verified this contact: add it here (under its name, or the name
   * with a number when that is taken), or mark it verified when it holds the same identity key.
   * Nothing is sent back.
   */
  async applySync (c: Contact): Promise<void> {
    const all = await this.store.list()
    const same = all.find(x => x.peerId === c.peerId || (x.identity != null && c.identity != null && equalBytes(x.identity, c.identity)))
    if (same != null) {
      if (c.verified === true && same.identity != null && c.identity != null && equalBytes(same.identity, c.identity) && same.pendingIdentity == null && same.verified !== true) await this.save({ ...same, verified: true })
      return
    }
    checkContactName(c.name)
    let name = c.name
    for (let n = 2; all.some(x => x.name === name); n++) name = `${c.name.slice(0, 60)}-${n}`
    const fresh: Contact = { name, peerId: c.peerId, addresses: c.addresses.slice(0, 32), addedAt: this.now() }
    for (const k of ['identity', 'bundle', 'expiresMs', 'mailboxes', 'devices', 'revokedDevices', 'devicesSeq'] as const) if (c[k] != null) (fresh as any)[k] = c[k]
    if (c.verified === true && c.identity != null) fresh.verified = true
    await this.save(fresh, true)
  }

  /** Take a contact's newer signed device list (verified by the caller): its devices, its revocations. */
  async setDevices (name: string, list: { sequence: number, devices: Array<{ peer: string, addrs?: string[], bundle?: Uint8Array }>, revoked: string[] }): Promise<void> {
    const c = await this.get(name)
    const revoked = [...new Set([...(c.revokedDevices ?? []), ...list.revoked])]
    const listed = list.devices.filter(d => !revoked.includes(d.peer)).map(d => ({ peer: d.peer, addrs: d.addrs ?? [], ...(d.bundle == null ? {} : { bundle: d.bundle }) }))
    const updated: Contact = { ...c, revokedDevices: revoked, devicesSeq: list.sequence }
    if (revoked.includes(c.peerId) && listed.length > 0) {
      // the device the contact was added by was revoked: another of its devices takes its place
      const [next] = listed
      Object.assign(updated, { peerId: next.peer, addresses: next.addrs, bundle: next.bundle, mailboxes: undefined })
    }
    updated.devices = listed.filter(d => d.peer !== updated.peerId)
    await this.save(updated)
  }

  /**
   * New addresses and bundle of one of a contact's devices, from that device itself (its list at
   * the same sequence): nothing else of the list changes.
   */
  async setDeviceHints (name: string, peer: string, addrs: string[], bundle?: Uint8Array): Promise<void> {
    const c = await this.get(name)
    if (c.revokedDevices?.includes(peer) === true) return
    const hints = { addrs, ...(bundle == null ? {} : { bundle }) }
    if (c.peerId === peer) await this.save({ ...c, addresses: addrs, ...(bundle == null ? {} : { bundle }) })
    else if (c.devices?.some(d => d.peer === peer) === true) await this.save({ ...c, devices: c.devices.map(d => d.peer === peer ? { ...d, ...hints } : d) })
  }

  isBlocked (peer: string): boolean {
    return this.blockedPeers.has(peer)
  }

  /** Block a peer, contact or not. */
  async blockPeer (peer: string): Promise<void> {
    await this.store.block(peer, this.now())
    this.blockedPeers.add(peer)
  }

  /** @throws UnknownContactError */
  async block (name: string): Promise<Contact> {
    const c = await this.get(name)
    await this.blockPeer(c.peerId)
    return c
  }

  /** @throws UnknownContactError | InvalidInputError when the contact is not blocked */
  async unblock (name: string): Promise<Contact> {
    const c = await this.get(name)
    if (!this.blockedPeers.has(c.peerId)) throw new InvalidInputError(`${name} is not blocked`)
    await this.store.unblock(c.peerId)
    this.blockedPeers.delete(c.peerId)
    return c
  }

  /**
   * Delete a contact. Its history stays (shown by peer id); what it sends later is a message request.
   *
   * @throws UnknownContactError
   */
  async remove (name: string): Promise<Contact> {
    const c = await this.get(name)
    this.byName.delete(name)
    await this.store.remove(name)
    return c
  }

  /**
   * Add a contact whose identity a session proved (an accepted message request): no invite, no
   * bundle needed, the session exists.
   *
   * @throws InvalidInputError | ContactExistsError
   */
  async addKnown (name: string, peer: string, identity: Uint8Array | undefined, addresses: string[]): Promise<Contact> {
    checkContactName(name)
    const contact: Contact = { name, peerId: peer, addresses, addedAt: this.now() }
    if (identity != null) contact.identity = identity
    await this.save(contact, true)
    this.onChange?.(contact, 'added')
    return contact
  }

  /**
   * Add a contact from an invite or a multiaddr. Adding a name again with the same peer refreshes
   * its addresses; with an invite carrying another identity key, the change must be accepted.
   *
   * @throws InvalidInviteError | InvalidInputError | ContactExistsError
   */
  async add (name: string, target: string): Promise<Contact> {
    const contact = await contactFrom(name, target, this.now(), this.crypto)
    if (contact.peerId === this.me.peerId) throw new InvalidInputError('that invite is your own')
    const existing = await this.lookup(name)
    if (existing == null) {
      await this.save(contact, true)
      this.onChange?.(contact, 'added')
      return contact
    }
    const updated: Contact = { ...existing, peerId: contact.peerId, addresses: contact.addresses }
    if (contact.mailboxes != null) updated.mailboxes = contact.mailboxes
    if (contact.bundle != null) updated.bundle = contact.bundle // the invite's keys: a new identity's session starts from them once accepted
    if (contact.identity != null) Object.assign(updated, this.withIdentity(existing, contact.identity))
    await this.save(updated)
    return updated
  }

  private async lookup (name: string): Promise<Contact | undefined> {
    let c = this.byName.get(name)
    if (c == null) {
      c = await this.store.get(name)
      if (c != null) this.byName.set(name, c)
    }
    return c
  }

  /** Write a contact through to the store (add or update) and the cache. */
  private async save (c: Contact, isNew = false): Promise<void> {
    this.byName.delete(c.name)
    await (isNew ? this.store.add(c) : this.store.update(c))
    this.byName.set(c.name, c)
  }

  /**
   * Set (or clear, with undefined) the conversation's disappearing-message timer.
   *
   * @throws UnknownContactError
   */
  async setExpiry (name: string, expiresMs: number | undefined): Promise<Contact> {
    const updated: Contact = { ...await this.get(name) }
    if (expiresMs == null) delete updated.expiresMs
    else updated.expiresMs = expiresMs
    await this.save(updated)
    return updated
  }

  /** @throws UnknownContactError */
  async get (name: string): Promise<Contact> {
    const c = await this.lookup(name)
    if (c == null) throw new UnknownContactError(`no contact named "${name}" (see \`ferry contact list\`)`)
    return c
  }

  /**
   * The contact named `name`, if messages may go to it now.
   *
   * @throws UnknownContactError | IdentityChangedError | InvalidInputError (blocked)
   */
  async sendable (name: string): Promise<Contact> {
    const c = await this.get(name)
    if (this.blockedPeers.has(c.peerId)) throw new InvalidInputError(`${name} is blocked: unblock them (\`ferry contact unblock ${name}\`) to send`)
    if (c.pendingIdentity != null) {
      throw new IdentityChangedError(`${name}'s identity key changed: sending is paused. Compare the new safety number (\`ferry verify ${name}\`) and accept it with \`ferry verify ${name} --accept\``)
    }
    return c
  }

  /** An identity key was seen for `peer` (invite, session setup). A different one pauses sending. */
  async identitySeen (peer: string, identity: Uint8Array): Promise<Contact | undefined> {
    const c = await this.store.getByPeer(peer)
    if (c == null) return undefined
    const changed = this.withIdentity(c, identity)
    if (changed.identity === c.identity && changed.pendingIdentity === c.pendingIdentity) return c
    const updated = { ...c, ...changed }
    await this.save(updated)
    return updated
  }

  /** Fields to set when `identity` is seen for contact `c`. */
  private withIdentity (c: Contact, identity: Uint8Array): Pick<Contact, 'identity' | 'pendingIdentity' | 'verified'> {
    if (c.identity == null) return { identity, pendingIdentity: undefined, verified: c.verified }
    if (equalBytes(c.identity, identity)) return { identity: c.identity, pendingIdentity: c.pendingIdentity, verified: c.verified }
    return { identity: c.identity, pendingIdentity: identity, verified: false }
  }

  /**
   * The safety number of this user and contact `name`.
   *
   * @throws UnknownContactError | UnknownIdentityError
   */
  async safety (name: string): Promise<SafetyView> {
    const c = await this.get(name)
    if (c.identity == null) throw new UnknownIdentityError(`${name}'s identity key is not known yet: add them by invite, or exchange a message first`)
    const view: SafetyView = { contact: name, verified: c.verified === true, ...await safetyNumber(this.me.identity, c.identity, this.crypto) }
    if (c.pendingIdentity != null) view.pending = await safetyNumber(this.me.identity, c.pendingIdentity, this.crypto)
    return view
  }

  /** The user compared the safety number: mark the contact verified. */
  async confirm (name: string): Promise<Contact> {
    const c = await this.get(name)
    if (c.identity == null) throw new UnknownIdentityError(`${name}'s identity key is not known yet`)
    if (c.pendingIdentity != null) throw new IdentityChangedError(`${name}'s identity key changed: accept the new key first (\`ferry verify ${name} --accept\`)`)
    const updated = { ...c, verified: true }
    await this.save(updated)
    this.onChange?.(updated, 'verified')
    return updated
  }

  /** Accept a changed identity key: it replaces the old one, unverified; sending resumes. */
  async accept (name: string): Promise<Contact> {
    const c = await this.get(name)
    if (c.pendingIdentity == null) throw new InvalidInputError(`${name}'s identity key has not changed; nothing to accept`)
    const updated: Contact = { ...c, identity: c.pendingIdentity, pendingIdentity: undefined, verified: false }
    await this.save(updated)
    return updated
  }
}
