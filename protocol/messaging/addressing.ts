/** How a message addresses a device that is not a contact's first one: as if it were a contact. */
import type { Contact, ContactDevice } from '../stores/stores.js'
import type { DeviceEntry } from '../devices/device-list.js'

/** A contact's other device, addressed as if it were the contact. */
export function deviceContact (contact: Contact, d: ContactDevice): Contact {
  return { ...contact, peerId: d.peer, addresses: d.addrs, bundle: d.bundle, mailboxes: undefined, devices: undefined }
}

/** An own other device, addressed as a contact with this person's identity. */
export function ownContact (d: DeviceEntry, identity: Uint8Array): Contact {
  return { name: '', peerId: d.peer, identity, addresses: d.addrs ?? [], bundle: d.bundle, addedAt: d.addedAt }
}
