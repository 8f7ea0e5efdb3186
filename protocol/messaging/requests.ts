/**
 * Message requests (as Signal's): messages from someone who is not a contact wait apart from the
 * history, bounded (the Inbox enforces the caps), with no read receipts and no mailbox capability,
 * until the user accepts them — the sender becomes a contact and its messages join the history —
 * or declines them: they are deleted with the sender's session, and the sender may be blocked.
 */
import { identityToString } from '../crypto/identity.js'
import { UnknownRequestError } from '../errors.js'
import type { ContactBook } from '../contacts/contact-book.js'
import type { Sessions } from './sessions.js'
import type { Contact, MessageRequest, MessageStore } from '../stores/stores.js'

/** A request as the API shows it. */
export interface RequestView extends Omit<MessageRequest, 'identity'> {
  /** the sender's identity (base58btc), as its session proved it */
  identity: string | null
}

export interface MessageRequestsInit {
  messages: MessageStore
  contacts: ContactBook
  sessions: Sessions
  /** where the peer was last seen (the peer store), for the new contact */
  addresses(peer: string): Promise<string[]>
}

export class MessageRequests {
  constructor (private readonly init: MessageRequestsInit) {}

  async list (): Promise<RequestView[]> {
    return (await this.init.messages.requests()).map(view)
  }

  /**
   * The request named by its id (its first message's id) or by its sender's peer id.
   *
   * @throws UnknownRequestError
   */
  async get (id: string): Promise<MessageRequest> {
    const found = (await this.init.messages.requests()).find(r => r.id === id || r.peer === id)
    if (found == null) throw new UnknownRequestError(`no message request "${id}" (see \`ferry requests\`)`)
    return found
  }

  /**
   * Accept a request: its sender becomes contact `name` and its messages join the history.
   *
   * @throws UnknownRequestError | InvalidInputError (name) | ContactExistsError
   */
  async accept (id: string, name: string): Promise<{ contact: Contact, messages: number }> {
    const request = await this.get(id)
    const contact = await this.init.contacts.addKnown(name, request.peer, request.identity, await this.init.addresses(request.peer))
    const messages = await this.init.messages.acceptRequests(request.peer)
    this.init.sessions.forget(request.peer) // kept with a stranger's limits until now
    return { contact, messages }
  }

  /**
   * Decline a request: its messages and the sender's session are deleted; with `block`, nothing
   * more from that peer is taken.
   *
   * @throws UnknownRequestError
   */
  async decline (id: string, options: { block?: boolean } = {}): Promise<{ peer: string, messages: number }> {
    const request = await this.get(id)
    if (options.block === true) await this.init.contacts.blockPeer(request.peer)
    this.init.sessions.forget(request.peer)
    return { peer: request.peer, messages: await this.init.messages.dropRequests(request.peer) }
  }
}

function view (r: MessageRequest): RequestView {
  return { ...r, identity: r.identity == null ? null : identityToString(r.identity) }
}
