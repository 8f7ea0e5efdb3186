/**
 * Member cards: what a fellow member needs to open a key-agreement channel to someone who may not
 * be its contact. A card is the member's X25519 identity DH key and the identity key's signature
 * over it, exactly as the member's prekey bundle carries them (crypto/bundle.ts), so no new key
 * is made or managed: the channel's first public key is one the member already vouches for.
 * Cards ride in the ops that bring members in (Create, Add); a forged card fails verifyOp.
 */
import { identityDhSignatureMessage } from '../crypto/bundle.js'
import { holdsIdentityKey } from '../crypto/identity.js'
import { checkSigner, deviceSigner, verifyFor } from '../crypto/signer.js'
import { toHex } from '../util/bytes.js'
import { ForgedOpError, GroupError, MalformedOpError } from './errors.js'
import type { CryptoBackend } from '../crypto/backend.js'
import type { Card } from './pb/groups.js'
import type { PrekeyBundle } from '../crypto/bundle.js'
import type { Identity } from '../crypto/identity.js'
import type { OpBody } from './ops.js'
import type { MembershipLog } from './membership.js'
import type { KeyDirectory } from './dcgka.js'

export type { Card }

/** No card for a member: we cannot open a key channel to it. */
export class UnknownCardError extends GroupError {
  override name = 'UnknownCardError'
}

const DH_BYTES = 32
const SIGNATURE_BYTES = 64

/**
 * Check a card's field lengths.
 *
 * @throws MalformedOpError
 */
export function checkCard (card: Card): Card {
  if (card.dh.byteLength !== DH_BYTES) throw new MalformedOpError(`a card's key is ${DH_BYTES} bytes`)
  if (card.signature.byteLength !== SIGNATURE_BYTES) throw new MalformedOpError(`a card's signature is ${SIGNATURE_BYTES} bytes`)
  if (card.signer != null) checkSigner(card.signer, 'card signer', MalformedOpError)
  return card
}

/**
 * The (identity, card) pairs an op body carries: the creator's and members' in a Create, the added
 * member's in an Add. Only the card a generation starts with: a device's card is deviceCardOf.
 */
export function cardsOf (author: Uint8Array, body: OpBody): Array<{ identity: Uint8Array, card: Card }> {
  if (body.kind === 'create') return (body.cards ?? []).map((card, i) => ({ identity: i === 0 ? author : body.members[i - 1], card }))
  if (body.kind === 'add' && body.card != null) return [{ identity: body.member, card: body.card }]
  return []
}

/** The card of the device an AddDevice brings in (signed by the author's identity, as every card). */
export function deviceCardOf (body: OpBody): Card | undefined {
  return body.kind === 'addDevice' ? body.card : undefined
}

/** This device's card: its identity DH key and the signature its bundle carries (naming this device when it signed for the identity). */
export function ownCard (me: Identity, dh: { publicKey: Uint8Array, signature: Uint8Array }): Card {
  return { dh: dh.publicKey, signature: dh.signature, ...(holdsIdentityKey(me.identityKey) ? {} : { signer: deviceSigner(me) }) }
}

/** The card a verified prekey bundle gives. */
export function bundleCard (b: PrekeyBundle): Card {
  return { dh: b.identityDh, signature: b.identityDhSignature, ...(b.signer != null ? { signer: b.signer } : {}) }
}

/**
 * Verify every card an op carries against the identity it names.
 *
 * @throws ForgedOpError when a signature does not verify
 */
export async function verifyCards (author: Uint8Array, body: OpBody, crypto: CryptoBackend): Promise<void> {
  const device = deviceCardOf(body)
  for (const { identity, card } of [...cardsOf(author, body), ...(device != null ? [{ identity: author, card: device }] : [])]) {
    if (!await verifyFor(crypto, identity, identityDhSignatureMessage(card.dh), card.signature, card.signer)) throw new ForgedOpError(`the card of ${toHex(identity).slice(0, 16)} is not signed by its identity (or a device it certified)`)
  }
}

/**
 * A card we hold for someone we are about to bring in (from its contact bundle).
 *
 * @throws UnknownCardError when there is none
 */
export function cardFor (cards: (identity: Uint8Array) => Card | undefined, identity: Uint8Array): Card {
  const card = cards(identity)
  if (card == null) throw new UnknownCardError(`no card for ${toHex(identity).slice(0, 16)}: add a contact or look up its bundle first`)
  return card
}

/**
 * The key directory of a room: each member's two-party key from the newest valid op in the log
 * that carries its card; a named device's from the AddDevice that named it. A relay, mailbox or
 * fellow member cannot substitute one: cards are signed by the member's identity and the ops that
 * carry them by their authors. `ownerOf` maps a key id to its person or device (generations.ts).
 */
export function logDirectory (log: () => MembershipLog, ownerOf: (keyId: string) => { identity: string, card?: Uint8Array } | undefined = id => ({ identity: id })): KeyDirectory {
  return {
    initialKey: (keyId: string) => {
      const owner = ownerOf(keyId)
      if (owner?.card != null) return owner.card
      const card = owner == null ? undefined : memberCard(log(), owner.identity)
      if (card == null) throw new UnknownCardError('no card for this member in the log')
      return card
    }
  }
}

/** The X25519 key of the card the newest valid Create or Add of `member` (hex) carries: its generation's base. */
export function memberCard (log: MembershipLog, member: string): Uint8Array | undefined {
  const ops = log.ops()
  for (let i = ops.length - 1; i >= 0; i--) {
    const card = cardsOf(ops[i].author, ops[i].body).find(c => toHex(c.identity) === member)?.card
    if (card != null && log.authorized(ops[i].id) === 'valid') return card.dh
  }
  return undefined
}
