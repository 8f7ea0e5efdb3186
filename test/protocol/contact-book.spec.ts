/**
 * ContactBook: a changed identity key pauses sending until accepted; safety
 * numbers; verification.
 */
import assert from 'node:assert/strict'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { ContactBook } from '../../protocol/contacts/contact-book.js'
import { defaultCrypto } from '../../protocol/crypto/backend.js'
import { IdentityChangedError, InvalidInputError, UnknownIdentityError } from '../../protocol/errors.js'
import { createIdentity } from '../../protocol/crypto/identity.js'
import { MemoryContactStore } from '../../protocol/stores/memory/stores.js'
import { safetyNumber } from '../../protocol/contacts/safety.js'
import { inviteWithBundle } from './helpers.js'
import type { Identity } from '../../protocol/crypto/identity.js'

const NOW = 1_700_000_000_000

describe('ContactBook', () => {
  let me: Identity
  let bob: Identity
  let book: ContactBook
  let bobPeer: string

  beforeEach(async () => {
    me = await createIdentity()
    bob = await createIdentity()
    bobPeer = peerIdFromPrivateKey(bob.deviceKey).toString()
    book = new ContactBook(new MemoryContactStore(), { identity: me.identityKey.publicKey.raw, peerId: peerIdFromPrivateKey(me.deviceKey).toString() }, defaultCrypto, () => NOW)
    await book.add('bob', await inviteWithBundle(bob, [], { now: NOW }))
  })

  it('a different identity seen for a contact pauses sending until the user accepts it', async () => {
    const other = await createIdentity()
    assert.equal((await book.sendable('bob')).name, 'bob')
    await book.identitySeen(bobPeer, bob.identityKey.publicKey.raw) // same key: nothing changes
    assert.equal((await book.sendable('bob')).pendingIdentity, undefined)
    await book.confirm('bob')
    await book.identitySeen(bobPeer, other.identityKey.publicKey.raw)
    await assert.rejects(book.sendable('bob'), (err: Error) => err instanceof IdentityChangedError && /ferry verify bob --accept/.test(err.message))
    const view = await book.safety('bob')
    assert.equal(view.verified, false, 'a changed key is not verified')
    assert.equal(view.pending?.digits, (await safetyNumber(me.identityKey.publicKey.raw, other.identityKey.publicKey.raw, defaultCrypto)).digits)
    await assert.rejects(book.confirm('bob'), IdentityChangedError)
    const accepted = await book.accept('bob')
    assert.deepEqual(accepted.identity, other.identityKey.publicKey.raw)
    assert.equal((await book.sendable('bob')).pendingIdentity, undefined)
    await assert.rejects(book.accept('bob'), InvalidInputError)
  })

  it('safety numbers match from both sides, and a contact without a known identity has none', async () => {
    const mine = await book.safety('bob')
    const theirs = await safetyNumber(bob.identityKey.publicKey.raw, me.identityKey.publicKey.raw, defaultCrypto)
    assert.equal(mine.digits, theirs.digits)
    assert.match(mine.digits, /^(\d{5} ){11}\d{5}$/)
    await book.add('carol', `/ip4/127.0.0.1/tcp/1/p2p/${peerIdFromPrivateKey((await createIdentity()).deviceKey).toString()}`)
    await assert.rejects(book.safety('carol'), UnknownIdentityError)
  })
})
