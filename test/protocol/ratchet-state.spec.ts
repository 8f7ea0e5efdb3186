/**
 * Persisting Double Ratchet state: encodeState/decodeState round trips mid-conversation (a restart)
 * and refuses garbage with InvalidStateError, never with any other error.
 */
import assert from 'node:assert/strict'
import { decodeState, encodeState, InvalidStateError, MAX_STORED_SKIPPED } from '../../protocol/crypto/ratchet.js'
import { RatchetSession } from '../../protocol/crypto/pb/ratchet.js'
import { crypto, session } from './ratchet-party.js'

function isInvalidState (err: unknown): boolean {
  return err instanceof InvalidStateError
}

describe('Double Ratchet state encoding', function () {
  this.timeout(30_000) // pure-JS X25519 under a loaded CI machine; each test takes well under 5 s

  it('round-trips both initial states (None fields included)', async () => {
    const { alice, bob } = await session()
    assert.equal(bob.state.dhr, undefined)
    alice.restart()
    bob.restart()
    assert.equal(await bob.receive(await alice.send('first')), 'first')
  })

  it('restarts mid-conversation: skipped keys, counters and both chains survive', async () => {
    const { alice, bob } = await session()
    const a = [await alice.send('a0'), await alice.send('a1'), await alice.send('a2')]
    assert.equal(await bob.receive(a[2]), 'a2')
    const b = [await bob.send('b0'), await bob.send('b1')]
    assert.equal(await alice.receive(b[1]), 'b1')
    assert.equal(bob.state.skipped.length, 2)
    alice.restart()
    bob.restart()
    assert.equal(await bob.receive(a[0]), 'a0')
    assert.equal(await alice.receive(b[0]), 'b0')
    const a3 = await alice.send('a3')
    bob.restart()
    assert.equal(await bob.receive(a3), 'a3')
    assert.equal(await bob.receive(a[1]), 'a1')
    alice.restart()
    assert.equal(await alice.receive(await bob.send('b2')), 'b2')
    assert.equal(alice.state.skipped.length + bob.state.skipped.length, 0)
  })

  it('refuses random bytes and the empty string with InvalidStateError', () => {
    assert.throws(() => decodeState(new Uint8Array(0)), isInvalidState)
    assert.throws(() => decodeState('not bytes' as unknown as Uint8Array), isInvalidState)
    for (let i = 0; i < 500; i++) {
      const garbage = crypto.randomBytes(1 + (i % 200))
      assert.throws(() => decodeState(garbage), isInvalidState, `garbage ${Buffer.from(garbage).toString('hex')}`)
    }
  })

  it('refuses every truncation of a valid encoding with InvalidStateError (the version is written last)', async () => {
    const { alice, bob } = await session()
    const a = [await alice.send('a0'), await alice.send('a1'), await alice.send('a2')]
    await bob.receive(a[2])
    const bytes = encodeState(bob.state)
    assert.equal(bob.state.skipped.length, 2)
    for (let len = 0; len < bytes.byteLength; len++) {
      assert.throws(() => decodeState(bytes.subarray(0, len)), isInvalidState, `length ${len}`)
    }
    assert.deepEqual(decodeState(bytes), bob.state)
  })

  it('refuses well-formed protobuf that is not a consistent state', async () => {
    const { alice, bob } = await session()
    await bob.receive(await alice.send('a0'))
    await bob.send('b0')
    const good = RatchetSession.decode(encodeState(bob.state))
    const skipped = { dh: good.dhsPublic, n: 1, mk: good.rk }
    const bad: Array<[string, Partial<RatchetSession>]> = [
      ['version', { version: 2 }],
      ['key length', { rk: good.rk.subarray(1) }],
      ['private key length', { dhsPrivate: new Uint8Array(0) }],
      ['cks without dhr', { dhr: new Uint8Array(0), ckr: new Uint8Array(0), nr: 0 }],
      ['dhr without cks', { cks: new Uint8Array(0), ns: 0, pn: 0 }],
      ['nr without ckr', { ckr: new Uint8Array(0) }],
      ['skipped key length', { skipped: [{ ...skipped, mk: new Uint8Array(31) }] }],
      ['skipped n out of range', { skipped: [{ ...skipped, n: 0xffff_ffff }] }],
      ['too many skipped keys', { skipped: new Array(MAX_STORED_SKIPPED + 1).fill(skipped) }]
    ]
    for (const [what, change] of bad) {
      assert.throws(() => decodeState(RatchetSession.encode({ ...good, ...change })), isInvalidState, what)
    }
    assert.equal(decodeState(RatchetSession.encode({ ...good, skipped: new Array(MAX_STORED_SKIPPED).fill(skipped) })).skipped.length, MAX_STORED_SKIPPED)
  })
})
