/** The contact store interface (stores.ts re-exports it with every other store's). */

export interface Contact {
  /** local display name, unique */
  name: string
  /** the contact's device peer id (string form) */
  peerId: string
  /** identity public key when known (from an invite, or learned from a verified device certificate) */
  identity?: Uint8Array
  /** multiaddr strings to try, best first */
  addresses: string[]
  addedAt: number
  /** the user compared safety numbers and confirmed them (`ferry verify NAME --confirm`) */
  verified?: boolean
  /**
   * a different identity key was seen for this contact; sending pauses until the user accepts it
   * (`ferry verify NAME --accept`)
   */
  pendingIdentity?: Uint8Array
  /** the contact's encoded PrekeyBundle from its invite: first contact needs no network */
  bundle?: Uint8Array
  /** disappearing-message timer for this conversation (ms): new messages expire this long after sending */
  expiresMs?: number
  /** the contact's mailbox hosts from its invite (one-time prekeys for first contact wait there) */
  mailboxes?: Array<{ peer: string, addrs: string[] }>
  /**
   * the contact's other devices (not `peerId`), each proven by a certificate from the contact's
   * identity: messages go to every one of them, and come from any (docs/DEVICES.md)
   */
  devices?: ContactDevice[]
  /** devices the contact revoked: refused for good */
  revokedDevices?: string[]
  /** the sequence of the contact's signed device list last taken (0: none yet) */
  devicesSeq?: number
}

/** One of a contact's other devices. */
export interface ContactDevice {
  peer: string
  addrs: string[]
  /** its prekey bundle, when its device list carried one */
  bundle?: Uint8Array
}

export interface ContactStore {
  /** @throws ContactExistsError when the name or the peer is taken */
  add(contact: Contact): Promise<void>
  /** replace the stored fields of the contact with this name */
  update(contact: Contact): Promise<void>
  get(name: string): Promise<Contact | undefined>
  getByPeer(peerId: string): Promise<Contact | undefined>
  list(): Promise<Contact[]>
  /**
   * Delete the contact named `name` (its history stays, shown by peer id).
   *
   * @throws UnknownContactError
   */
  remove(name: string): Promise<void>
  /** Block a peer (a contact or not): its connections are refused and nothing it sends is kept. */
  block(peer: string, at: number): Promise<void>
  unblock(peer: string): Promise<void>
  /** every blocked peer id */
  blocked(): Promise<string[]>
}
