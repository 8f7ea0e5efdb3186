/**
 * Roster: the people this peer talks to — contacts added by invite or multiaddr, message requests
 * from strangers accepted or declined, blocking and removal, identity changes accepted, safety
 * numbers confirmed — and the invite that lets someone add this peer. A contact gets a mailbox
 * capability when it is added (or unblocked) and loses it when it is blocked or removed.
 */
import { createBundle } from '../crypto/prekeys.js'
import { createInvite } from './invite.js'
import type { ContactBook, SafetyView } from './contact-book.js'
import type { CryptoBackend } from '../crypto/backend.js'
import type { FerryServices } from '../ferry-types.js'
import type { Identity } from '../crypto/identity.js'
import type { Mailboxes } from '../mailbox/index.js'
import type { Outbox } from '../messaging/outbox.js'
import type { Presence } from '../reach/presence.js'
import type { MessageRequests, RequestView } from '../messaging/requests.js'
import type { Contact, ContactStore } from '../stores/stores.js'
import type { PrekeyStore } from '../crypto/prekeys.js'
import type { Tasks } from '../util/tasks.js'
import type { Libp2p, Logger } from '@libp2p/interface'

export interface RosterComponents {
  libp2p: Libp2p<FerryServices>
  identity: Identity
  name: string
  contacts: ContactStore
  contactBook: ContactBook
  requests: MessageRequests
  presence: Presence
  outbox: Outbox
  mailboxes?: Mailboxes
  prekeys: PrekeyStore
  crypto: CryptoBackend
  tasks: Tasks
  now(): number
  log: Logger
}

export class Roster {
  constructor (private readonly c: RosterComponents) {}

  async list (): Promise<Contact[]> {
    return this.c.contacts.list()
  }

  /**
   * Add a contact from an invite link or a multiaddr with /p2p/.
   *
   * @throws InvalidInviteError | InvalidInputError | ContactExistsError
   */
  async add (name: string, target: string): Promise<Contact> {
    const isNew = await this.c.contacts.get(name) == null
    const contact = await this.c.contactBook.add(name, target)
    this.reachOut(contact)
    this.welcome(contact, isNew)
    return contact
  }

  /** Accept a contact's changed identity key and resume sending to it. */
  async acceptIdentity (name: string): Promise<Contact> {
    const contact = await this.c.contactBook.accept(name)
    void this.c.outbox.flush(contact.peerId)
    return contact
  }

  /** The safety number of contact `name` (and of a pending identity change). */
  async safety (name: string): Promise<SafetyView> {
    return this.c.contactBook.safety(name)
  }

  /** The user compared safety numbers: contact `name` is verified. */
  async confirm (name: string): Promise<Contact> {
    return this.c.contactBook.confirm(name)
  }

  /** Message requests: messages from people who are not contacts, one entry per sender. */
  async requests (): Promise<RequestView[]> {
    return this.c.requests.list()
  }

  /**
   * Accept a message request (by its id or the sender's peer id): the sender becomes contact
   * `name`, its messages join the history, and it gets a mailbox capability like any contact.
   */
  async acceptRequest (id: string, name: string): Promise<Contact> {
    const { contact } = await this.c.requests.accept(id, name)
    this.reachOut(contact)
    this.welcome(contact, true)
    return contact
  }

  /** Decline a message request: its messages go; with `block`, so does anything more from that peer. */
  async declineRequest (id: string, options: { block?: boolean } = {}): Promise<{ peer: string, messages: number }> {
    return this.c.requests.decline(id, options)
  }

  /**
   * Block contact `name`: what it sends is turned away (it is not told why), nothing is sent to it,
   * it is not dialled, and its mailbox capability is revoked. Its connections stay: the same peer
   * may be a relay, a mailbox host or a DHT neighbour this node relies on.
   */
  async block (name: string): Promise<Contact> {
    const contact = await this.c.contactBook.block(name)
    if (this.c.mailboxes != null && contact.identity != null) this.c.tasks.track(this.c.mailboxes.revoke(name))
    return contact
  }

  /** Unblock contact `name`: connections are taken again and it gets its mailbox capability back. */
  async unblock (name: string): Promise<Contact> {
    const contact = await this.c.contactBook.unblock(name)
    this.welcome(contact, true)
    return contact
  }

  /** Whether `peer` is blocked. */
  isBlocked (peer: string): boolean {
    return this.c.contactBook.isBlocked(peer)
  }

  /** Remove contact `name` (its history stays); its mailbox capability is revoked first. */
  async remove (name: string): Promise<Contact> {
    const contact = await this.c.contactBook.get(name)
    if (this.c.mailboxes != null && contact.identity != null) await this.c.mailboxes.revoke(name).catch((err: any) => { this.c.log('could not revoke %s\'s capability: %s', name, err.message) })
    return this.c.contactBook.remove(name)
  }

  /** A signed invite link for this node, with a prekey bundle (no one-time prekey: an invite may reach several people). */
  async invite (options: { ttlMs?: number } = {}): Promise<string> {
    const addrs = this.c.libp2p.getMultiaddrs().map(a => a.decapsulateCode(421))
    const bundle = await createBundle(this.c.crypto, this.c.identity, this.c.prekeys, { withOneTime: false })
    const mailboxes = await this.c.mailboxes?.refs() ?? []
    return createInvite(this.c.identity, addrs, { name: this.c.name, now: this.c.now(), ttlMs: options.ttlMs, bundle, mailboxes, crypto: this.c.crypto })
  }

  /** Dial a new contact and deliver what waits for it. */
  private reachOut (contact: Contact): void {
    void this.c.presence.connect(contact.peerId, contact.addresses).then(async () => this.c.outbox.flush(contact.peerId), () => {})
  }

  /**
   * A contact may use our mailboxes at once; one added anew (after a removal, say) is forgiven a
   * revocation the removal made.
   */
  private welcome (contact: Contact, isNew: boolean): void {
    const mailboxes = this.c.mailboxes
    if (mailboxes == null) return
    if (isNew && contact.identity != null) this.c.tasks.track(mailboxes.allowIdentity(contact.identity, contact.peerId))
    else this.c.tasks.track(mailboxes.offerCapabilities())
  }
}
