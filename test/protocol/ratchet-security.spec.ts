/**
 * Double Ratchet security properties (spec §1, §3): forward secrecy for a stolen state, healing
 * after a compromise (post-compromise security) against an attacker who sees every message, and
 * integrity of every bit of header and ciphertext.
 */
import assert from 'node:assert/strict'
import { decodeState, DuplicateMessageError, encodeState, ratchetDecrypt, RatchetError } from '../../protocol/crypto/ratchet.js'
import { AD, crypto, session, td, te } from './ratchet-party.js'
import type { Party, Sealed } from './ratchet-party.js'
import type { RatchetState } from '../../protocol/crypto/ratchet.js'

/** The plaintext an attacker holding `state` gets for `m`, or undefined when the ratchet refuses it. */
async function attempt (state: RatchetState, m: Sealed): Promise<string | undefined> {
  try {
    return td.decode((await ratchetDecrypt(crypto, state, m.header, m.ciphertext, AD)).plaintext)
  } catch (err) {
    assert.ok(err instanceof RatchetError, `typed refusal, got ${String(err)}`)
    return undefined
  }
}

/**
 * A stolen sender state turned around: the receiving side of the sender's own sending chain, which
 * is how an attacker holding Alice's state reads what Alice sends next.
 */
function mirror (s: RatchetState): RatchetState {
  return { ...s, dhr: s.dhs.publicKey, ckr: s.cks, nr: s.ns }
}

function contains (haystack: Uint8Array, needle: Uint8Array): boolean {
  return Buffer.from(haystack).indexOf(Buffer.from(needle)) >= 0
}

describe('Double Ratchet security', function () {
  this.timeout(30_000) // pure-JS X25519 under a loaded CI machine; each test takes well under 5 s

  it('forward secrecy: a state stolen right after a DH ratchet step decrypts none of the messages already received', async () => {
    const { alice, bob } = await session()
    const a = [await alice.send('a0'), await alice.send('a1'), await alice.send('a2')]
    assert.equal(await bob.receive(a[0]), 'a0')
    assert.equal(await bob.receive(a[2]), 'a2')
    const usedSkippedKey = bob.state.skipped[0].mk
    assert.equal(await bob.receive(a[1]), 'a1') // through the skipped store
    assert.equal(await alice.receive(await bob.send('b0')), 'b0')
    const a3 = await alice.send('a3')
    const before = bob.state // old chain keys and root key, all of which must be gone after the step
    assert.equal(await bob.receive(a3), 'a3') // DH ratchet step

    const snapshot = encodeState(bob.state)
    for (const key of [before.rk, before.ckr!, before.cks!, usedSkippedKey]) assert.ok(!contains(snapshot, key), 'a superseded key is still stored')
    const stolen = decodeState(snapshot)
    for (const m of [...a, a3]) assert.equal(await attempt(stolen, m), undefined)
    await assert.rejects(ratchetDecrypt(crypto, stolen, a3.header, a3.ciphertext, AD), DuplicateMessageError)
    // the stolen state does read what is still to come on this chain: that is not forward secrecy's promise
    assert.equal(await attempt(stolen, await alice.send('a4')), 'a4')
  })

  it('post-compromise security: one round trip of DH ratchet steps locks out an attacker holding an old state', async () => {
    const { alice, bob } = await session()
    assert.equal(await bob.receive(await alice.send('hello')), 'hello')
    assert.equal(await alice.receive(await bob.send('hi')), 'hi')
    const stolen = decodeState(encodeState(alice.state)) // the attacker copies Alice's state ...
    const wire: Sealed[] = [] // ... and records every message from now on

    // before healing the compromise is real: the attacker reads both directions
    const a1 = await alice.send('a1')
    wire.push(a1)
    assert.equal(await attempt(mirror(stolen), a1), 'a1')
    assert.equal(await bob.receive(a1), 'a1')
    const b1 = await bob.send('b1') // Bob's new ratchet key: DH with Alice's key, which the attacker holds
    wire.push(b1)
    const afterB1 = await ratchetDecrypt(crypto, stolen, b1.header, b1.ciphertext, AD)
    assert.equal(td.decode(afterB1.plaintext), 'b1')
    assert.equal(await alice.receive(b1), 'b1')

    // Alice's reply carries a ratchet key generated after the theft: healed from here on
    const later = [await alice.send('a2'), await alice.send('a3')]
    assert.equal(await bob.receive(later[0]), 'a2')
    assert.equal(await alice.receive(await bob.send('b2')), 'b2')
    later.push(await alice.send('a4'))
    wire.push(...later)
    const attackerStates = [stolen, mirror(stolen), afterB1.state, mirror(afterB1.state)]
    for (const m of later) {
      for (const s of attackerStates) assert.equal(await attempt(s, m), undefined)
    }
    // Bob still reads all of it
    assert.equal(await bob.receive(later[1]), 'a3')
    assert.equal(await bob.receive(later[2]), 'a4')
  })

  describe('tampering', () => {
    /** Flip every bit of header and ciphertext in turn; each copy must be refused and leave the state as it was. */
    async function everyBitRefused (receiver: Party, m: Sealed): Promise<number> {
      const before = encodeState(receiver.state)
      let tried = 0
      for (const part of ['header', 'ciphertext'] as const) {
        for (let i = 0; i < m[part].byteLength; i++) {
          for (let bit = 0; bit < 8; bit++) {
            const bad = { ...m, [part]: m[part].slice() }
            bad[part][i] ^= 1 << bit
            assert.equal(await attempt(receiver.state, bad), undefined, `${part} byte ${i} bit ${bit}`)
            tried++
          }
        }
      }
      await assert.rejects(ratchetDecrypt(crypto, receiver.state, m.header, m.ciphertext, te.encode('other ad')), RatchetError)
      assert.deepEqual(encodeState(receiver.state), before)
      return tried
    }

    it('refuses every single-bit change on a new chain, the current chain and the skipped store, then reads the honest messages', async () => {
      const { alice, bob } = await session()
      const a = [await alice.send('a0'), await alice.send('a1'), await alice.send('hey')]
      // a DH ratchet step (new remote key)
      assert.ok(await everyBitRefused(bob, a[0]) > 8 * 50)
      assert.equal(await bob.receive(a[0]), 'a0')
      // the current receiving chain, skipping a1
      await everyBitRefused(bob, a[2])
      assert.equal(await bob.receive(a[2]), 'hey')
      // a stored skipped key
      await everyBitRefused(bob, a[1])
      assert.equal(await bob.receive(a[1]), 'a1')
      assert.equal(await alice.receive(await bob.send('ok')), 'ok')
    })
  })
})
