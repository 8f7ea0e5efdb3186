/**
 * Read receipts (DESIGN.md "Delivery": delivered --> read). A receipt is a control message inside
 * the Double Ratchet session, like a mailbox capability: a `Content` with no text whose `read`
 * field lists the ids of the recipient's messages the sender has seen. Hops see an ordinary sealed
 * envelope; neither end shows it in history.
 */
import { MAX_READ_IDS } from '../constants.js'
import { InvalidEnvelopeError } from '../errors.js'
import type { Content } from '../pb/ferry.js'

/** A message id as stores keep it: 128 bits in lower-case hex. */
const MESSAGE_ID_HEX = /^[0-9a-f]{32}$/

/**
 * Split the ids of newly read messages into receipts of at most MAX_READ_IDS ids each, in order.
 *
 * @example
 * readReceiptPages(ids).map(read => ({ text: '', read }))
 */
export function readReceiptPages (ids: string[]): string[][] {
  const pages: string[][] = []
  for (let at = 0; at < ids.length; at += MAX_READ_IDS) pages.push(ids.slice(at, at + MAX_READ_IDS))
  return pages
}

/**
 * The ids a decrypted content reports read: well-formed ids only, each once; [] when it is not a
 * read receipt. Ids that name no outgoing message to the sender are the store's to ignore.
 *
 * @throws InvalidEnvelopeError when a read receipt also carries text (it would never be shown)
 */
export function readIds (content: Pick<Content, 'text' | 'read'>): string[] {
  if (content.read.length === 0) return []
  if (content.text !== '') throw new InvalidEnvelopeError('a read receipt carries no text')
  return [...new Set(content.read.filter(id => MESSAGE_ID_HEX.test(id)))]
}
