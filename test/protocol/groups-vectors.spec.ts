/**
 * Known-answer vectors for the team-room key layer (test/vectors/groups.json), run against both
 * Node backends (@noble and node:crypto). The vectors are regressions of our own derivations (the
 * DCGKA paper publishes none; test/vectors/groups.gen.ts wrote them): each block checks that the
 * code still produces the pinned bytes, and that the documented key schedule (HKDF labels,
 * salt/ikm order, AEAD key, nonce and associated data) reproduces them, so the JSON alone says how
 * every byte is made.
 */
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { resolve } from 'node:path'
import { nodeCrypto } from '../../node/crypto.js'
import { defaultCrypto } from '../../protocol/crypto/backend.js'
import { initTwoParty, twoPartySend } from '../../protocol/groups/two-party.js'
import { hex, observeAdd, observeDirect, observeMemberSecrets, observeMessageChain, observeTwoParty, observeUpdateRatchet, openMessageChain, schedule, seededBackend, toHex } from './groups-vectors.suite.js'
import type { GroupVectors } from './groups-vectors.suite.js'
import type { CryptoBackend } from '../../protocol/crypto/backend.js'

// the JSON stays in the source tree; this file runs from dist/test/protocol
const vectors = JSON.parse(readFileSync(resolve(import.meta.dirname, '..', '..', '..', 'test', 'vectors', 'groups.json'), 'utf8')) as GroupVectors
const backends: Array<[string, CryptoBackend]> = [['default', defaultCrypto], ['node', nodeCrypto()]]
const te = new TextEncoder()

for (const [name, crypto] of backends) {
  describe(`team-room key vectors: ${name} backend`, () => {
    const { groupId } = vectors

    describe('update_ratchet (dcgka-process.ts)', () => {
      for (const t of vectors.updateRatchet.tests) {
        it(`${t.name}: the pinned ratchet state and update secret`, async () => {
          assert.deepEqual(await observeUpdateRatchet(crypto, groupId, t), { newRatchet: t.newRatchet, updateSecret: t.updateSecret })
        })

        it(`${t.name}: HKDF(ikm = input, salt = ratchet, info) split 32 | 32`, async () => {
          assert.equal(toHex(schedule.ratchetInfo(groupId, t.member)), t.info)
          const okm = await crypto.hkdf(hex(t.input), t.ratchet === '' ? new Uint8Array(32) : hex(t.ratchet), hex(t.info), 64)
          assert.equal(toHex(okm), t.newRatchet + t.updateSecret)
        })
      }
    })

    describe('member secrets (process_seed)', () => {
      const v = vectors.memberSecrets
      it('derives the pinned member secrets, ratchet state and update secret', async () => {
        assert.deepEqual(await observeMemberSecrets(crypto, groupId, v), { memberSecrets: v.memberSecrets, newRatchet: v.newRatchet, updateSecret: v.updateSecret, epoch: v.seq })
      })

      it('memberSecret = HKDF(seed, ID); the sender\'s update secret ratchets its own', async () => {
        for (const r of v.recipients) assert.equal(toHex(await schedule.memberSecret(crypto, hex(v.seed), r)), v.memberSecrets[r])
        assert.equal(toHex(await schedule.memberSecret(crypto, hex(v.seed), v.sender)), v.senderMemberSecret)
        const [ratchet, secret] = await schedule.updateRatchet(crypto, groupId, v.sender, hex(v.ratchet), hex(v.senderMemberSecret))
        assert.deepEqual([toHex(ratchet), toHex(secret)], [v.newRatchet, v.updateSecret])
      })
    })

    describe('adding a member (process_add, as the adder)', () => {
      const v = vectors.add
      it('derives the pinned welcome secret, ratchet state and update secret', async () => {
        assert.deepEqual(await observeAdd(crypto, groupId, v), { welcomeSecret: v.welcomeSecret, newRatchet: v.newRatchet, updateSecret: v.updateSecret, epoch: v.seq })
      })

      it('ratchets with "welcome", then with "add"', async () => {
        const [afterWelcome, welcome] = await schedule.updateRatchet(crypto, groupId, v.adder, hex(v.ratchet), schedule.welcome)
        const [afterAdd, update] = await schedule.updateRatchet(crypto, groupId, v.adder, afterWelcome, schedule.add)
        assert.deepEqual([toHex(welcome), toHex(afterAdd), toHex(update)], [v.welcomeSecret, v.newRatchet, v.updateSecret])
      })
    })

    describe('message chain (message-ratchet.ts)', () => {
      const v = vectors.messageChain
      it('installEpoch and encryptMessage give the pinned chain keys and ciphertexts', async () => {
        const { chainKeys, ciphertexts } = await observeMessageChain(crypto, groupId, v)
        assert.deepEqual(chainKeys, v.chainKeys)
        assert.deepEqual(ciphertexts, v.messages.map(m => m.ciphertext))
      })

      it('the receiver opens them out of order, keeping the pinned message keys it skipped', async () => {
        const { opened, skippedKeys } = await openMessageChain(crypto, groupId, v)
        const last = v.messages.length - 1
        assert.deepEqual(opened, [v.messages[last], ...v.messages.slice(0, last)].map(m => m.plaintextUtf8))
        assert.deepEqual(skippedKeys, v.messages.slice(0, last).map(m => m.messageKey))
      })

      it('follows the documented schedule: chain, message key, AEAD key and nonce, associated data', async () => {
        let chain = await schedule.chainInit(crypto, groupId, v.sender, v.epoch, hex(v.updateSecret))
        for (const m of v.messages) {
          assert.equal(toHex(chain), v.chainKeys[m.n], `chain_${m.n}`)
          const messageKey = await schedule.messageKey(crypto, chain)
          const { key, nonce } = await schedule.messageCipher(crypto, messageKey)
          const aad = schedule.messageAad(groupId, v.sender, v.epoch, m.n, hex(v.associatedData))
          assert.deepEqual([toHex(messageKey), toHex(key), toHex(nonce), toHex(aad)], [m.messageKey, m.aeadKey, m.aeadNonce, m.aad], `message ${m.n}`)
          assert.equal(toHex(await crypto.aeadSeal(key, nonce, te.encode(m.plaintextUtf8), aad)), m.ciphertext, `message ${m.n}`)
          chain = await schedule.chainNext(crypto, chain)
        }
        assert.equal(toHex(chain), v.chainKeys[v.messages.length])
      })
    })

    describe('2SM (two-party.ts)', () => {
      const v = vectors.twoParty
      it('sends the pinned ciphertexts with the listed randomness, and each receiver opens its message', async () => {
        const observed = await observeTwoParty(crypto, v)
        assert.deepEqual(observed.ciphertexts, v.messages.map(m => m.ciphertext))
        assert.deepEqual(observed.received, v.messages.map(m => m.content))
        assert.deepEqual(observed.recipientPrivateKeys, v.messages.map(m => m.recipientPrivateKey))
        assert.equal(observed.unusedRandomness, 0, 'three key pairs per message')
      })

      for (const [i, m] of v.messages.entries()) {
        it(`message ${i + 1} (${m.from}, mode ${m.mode}, index ${m.index}): header, PKE key and nonce, associated data, plaintext layout`, async () => {
          const [mine, theirs, eph] = v.randomness.slice(3 * i, 3 * i + 3).map(hex)
          const ephPublic = await crypto.x25519PublicKey(eph)
          const recipientPublic = await crypto.x25519PublicKey(hex(m.recipientPrivateKey))
          const header = schedule.twoPartyHeader(m.mode, m.index, ephPublic)
          const ciphertext = hex(m.ciphertext)
          assert.equal(toHex(ciphertext.subarray(0, header.byteLength)), toHex(header))
          const { key, nonce } = await schedule.pke(crypto, await crypto.x25519(hex(m.recipientPrivateKey), ephPublic), ephPublic, recipientPublic)
          const plaintext = await crypto.aeadOpen(key, nonce, ciphertext.subarray(header.byteLength), schedule.twoPartyAad(hex(m.context), header))
          assert.equal(toHex(plaintext), m.plaintext)
          // the sender's own messages so far number its new key's index
          const senderIndex = v.messages.slice(0, i + 1).filter(x => x.from === m.from).length
          const expected = schedule.twoPartyPlaintext(hex(m.content), theirs, senderIndex, await crypto.x25519PublicKey(mine))
          assert.equal(toHex(plaintext), toHex(expected))
        })
      }
    })

    describe('DCGKA direct messages (encrypt_to / decrypt_from)', () => {
      const v = vectors.direct
      const keys = { sender: hex(vectors.twoParty.alice.initialPrivateKey), recipient: hex(vectors.twoParty.bob.initialPrivateKey) }
      it('seals the pinned ciphertext, and the recipient reads the seed and secret', async () => {
        assert.deepEqual(await observeDirect(crypto, groupId, v, keys), { ciphertext: v.ciphertext, seed: v.seed, secret: v.secret, unusedRandomness: 0 })
      })

      it('is 2SM of the documented content under the documented context', async () => {
        assert.equal(toHex(schedule.directContext(groupId, v.sender, v.recipient, v.seq)), v.context)
        assert.equal(toHex(schedule.directContent(hex(v.seed), hex(v.secret))), v.content)
        const sent = await twoPartySend(seededBackend(crypto, v.randomness), initTwoParty(), hex(v.content), hex(v.context), await crypto.x25519PublicKey(keys.recipient))
        assert.equal(toHex(sent.ciphertext), v.ciphertext)
      })
    })
  })
}
