/**
 * Turning what a user pastes (an invite link or a multiaddr) into a contact record.
 */
import { multiaddr } from '@multiformats/multiaddr'
import { CONTACT_NAME, INVITE_PREFIX } from '../constants.js'
import { InvalidInputError } from '../errors.js'
import { parseInvite } from './invite.js'
import { targetOf } from '../reach/multiaddrs.js'
import type { CryptoBackend } from '../crypto/backend.js'
import type { Contact } from '../stores/stores.js'

/**
 * Check a contact name.
 *
 * @throws InvalidInputError when it is empty, too long or has characters other than letters, digits, _ . -
 */
export function checkContactName (name: unknown): string {
  if (typeof name !== 'string' || !CONTACT_NAME.test(name)) {
    throw new InvalidInputError('a contact name is 1-64 letters, digits, "_", "." or "-"')
  }
  return name
}

/**
 * Build a contact from an invite link or a multiaddr ending in /p2p/<peer id>.
 *
 * @param crypto - the backend that checks the invite's signatures
 * @throws InvalidInviteError for a bad invite, InvalidInputError for a bad multiaddr
 */
export async function contactFrom (name: string, target: string, now: number, crypto: CryptoBackend): Promise<Contact> {
  checkContactName(name)
  const text = String(target ?? '').trim()
  if (text.startsWith(INVITE_PREFIX) || text.startsWith('ferry:')) {
    const inv = await parseInvite(text, now, crypto)
    const contact: Contact = { name, peerId: inv.peerId.toString(), identity: inv.identity, addresses: inv.addresses.map(a => a.toString()), addedAt: now, bundle: inv.bundle }
    if (inv.mailboxes.length > 0) contact.mailboxes = inv.mailboxes
    return contact
  }
  if (!text.startsWith('/')) {
    throw new InvalidInputError(`"${text.slice(0, 40)}" is neither a Ferry invite (${INVITE_PREFIX}...) nor a multiaddr (/ip4/.../p2p/...)`)
  }
  let peer: string | undefined
  let addr: string
  try {
    const ma = multiaddr(text)
    peer = targetOf(ma)
    addr = ma.toString()
  } catch (err: any) {
    throw new InvalidInputError(`malformed multiaddr: ${err.message}`)
  }
  if (peer == null) throw new InvalidInputError('the multiaddr must end in /p2p/<peer id> so the peer can be authenticated')
  return { name, peerId: peer, addresses: [addr], addedAt: now }
}
