import assert from 'node:assert/strict'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { multiaddr } from '@multiformats/multiaddr'
import { checkContactName, contactFrom } from '../../protocol/contacts/contact-from.js'
import { InvalidInputError, InvalidInviteError } from '../../protocol/errors.js'
import { createIdentity } from '../../protocol/crypto/identity.js'
import { inviteWithBundle } from './helpers.js'
import { defaultCrypto } from '../../protocol/crypto/backend.js'

const NOW = 1_700_000_000_000
const PEER = '12D3KooWD3eckifWpRn9wQpMG9R9hX3sD158z7EqHWmweQAJU5SA'

describe('contacts', () => {
  describe('checkContactName', () => {
    it('accepts letters, digits, "_", "." and "-" up to 64 characters', () => {
      for (const name of ['alice', 'Émile_2', 'bob.smith-jr', '李', 'a'.repeat(64)]) assert.equal(checkContactName(name), name)
    })

    it('refuses empty, long, spaced, slashed or non-string names', () => {
      for (const name of ['', 'a'.repeat(65), 'alice smith', 'a/b', '../x', 7, undefined]) {
        assert.throws(() => checkContactName(name), InvalidInputError, String(name))
      }
    })
  })

  describe('contactFrom', () => {
    it('takes peer id, identity and addresses from an invite', async () => {
      const me = await createIdentity()
      const link = await inviteWithBundle(me, [multiaddr('/ip4/10.0.0.2/tcp/4001')], { now: NOW })
      const c = await contactFrom('alice', link, NOW + 1, defaultCrypto)

      assert.equal(c.name, 'alice')
      assert.equal(c.peerId, peerIdFromPrivateKey(me.deviceKey).toString())
      assert.deepEqual(c.identity, me.identityKey.publicKey.raw)
      assert.deepEqual(c.addresses, ['/ip4/10.0.0.2/tcp/4001'])
      assert.equal(c.addedAt, NOW + 1)
    })

    it('passes an expired invite\'s error through', async () => {
      const link = await inviteWithBundle(await createIdentity(), [], { now: NOW, ttlMs: 1_000 })
      await assert.rejects(contactFrom('alice', link, NOW + 1_000, defaultCrypto), (err: Error) => err instanceof InvalidInviteError && /expired/.test(err.message))
    })

    it('takes the peer id from a multiaddr ending in /p2p/ and keeps the address', async () => {
      const c = await contactFrom('bob', ` /ip4/127.0.0.1/tcp/4001/p2p/${PEER} `, NOW, defaultCrypto)
      assert.deepEqual(c, { name: 'bob', peerId: PEER, addresses: [`/ip4/127.0.0.1/tcp/4001/p2p/${PEER}`], addedAt: NOW })
      assert.equal(c.identity, undefined)
    })

    it('refuses a multiaddr without /p2p/ since the peer could not be authenticated', async () => {
      await assert.rejects(contactFrom('bob', '/ip4/127.0.0.1/tcp/4001', NOW, defaultCrypto), (err: Error) => err instanceof InvalidInputError && /must end in \/p2p\//.test(err.message))
    })

    it('refuses garbage, naming what was expected', async () => {
      await assert.rejects(contactFrom('bob', 'hello there', NOW, defaultCrypto), (err: Error) => err instanceof InvalidInputError && /neither a Ferry invite .* nor a multiaddr/.test(err.message))
      await assert.rejects(contactFrom('bob', '/ip4/999.1.1.1/tcp/1', NOW, defaultCrypto), (err: Error) => err instanceof InvalidInputError && /malformed multiaddr/.test(err.message))
      await assert.rejects(contactFrom('bob', 'ferry://invite/!!!', NOW, defaultCrypto), InvalidInviteError)
      await assert.rejects(contactFrom('bob', 'ferry:nope', NOW, defaultCrypto), InvalidInviteError)
    })

    it('checks the name before looking at the target', async () => {
      await assert.rejects(contactFrom('no spaces', `/ip4/127.0.0.1/tcp/4001/p2p/${PEER}`, NOW, defaultCrypto), /contact name/)
    })
  })
})
