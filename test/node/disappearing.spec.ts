/**
 * Disappearing messages through the CLI: a per-message timer and a
 * per-conversation timer; when the time is up the message vanishes from both histories (the
 * sweep is armed for the next expiry), and bad timers are refused clearly.
 */
import assert from 'node:assert/strict'
import { befriend, cli, startDaemons, stopAll, waitFor } from './harness.js'
import type { DaemonProcess } from './harness.js'

describe('disappearing messages', function () {
  this.timeout(120_000)
  let alice: DaemonProcess
  let bob: DaemonProcess

  before(async () => {
    [alice, bob] = await startDaemons('alice', 'bob')
    await befriend(alice, bob)
  })
  after(async () => stopAll([alice, bob].filter(Boolean)))

  const run = async (args: string[]): Promise<any> => {
    const r = await cli([...args, '--json'])
    assert.equal(r.code, 0, `${args.join(' ')}: ${r.stderr}`)
    return JSON.parse(r.stdout)
  }

  it('send --expires 10s: delivered, then gone from both histories when the time is up', async () => {
    const sent = await run(['send', 'bob', 'this will self-destruct', '--expires', '10s', '--data-dir', alice.dir])
    assert.equal(sent.disappearing, true)
    assert.ok(Math.abs(sent.expiresAt - sent.createdAt - 10_000) < 50)
    await waitFor('delivered', async () => (await alice.messages('out')).some(m => m.id === sent.id && m.status === 'delivered'))
    const got = (await bob.messages('in')).find(m => m.id === sent.id)
    assert.equal(got?.disappearing, true, 'the timer travels inside the encryption')
    assert.equal(got?.expiresAt, sent.expiresAt)
    const kept = await run(['send', 'bob', 'this one stays', '--data-dir', alice.dir])
    await waitFor('gone at both ends', async () => {
      const all = [...await alice.messages(), ...await bob.messages()]
      return !all.some(m => m.id === sent.id)
    }, 20_000)
    assert.ok(Date.now() >= sent.expiresAt, 'not before its time')
    assert.ok((await alice.messages('out')).some(m => m.id === kept.id), 'a message without a timer stays')
  })

  it('contact set --expires gives every message of the conversation the timer; off clears it', async () => {
    const c = await run(['contact', 'set', 'bob', '--expires', '1h', '--data-dir', alice.dir])
    assert.equal(c.expiresMs, 3_600_000)
    const timed = await run(['send', 'bob', 'timed by the conversation', '--data-dir', alice.dir])
    assert.equal(timed.disappearing, true)
    assert.ok(Math.abs(timed.expiresAt - timed.createdAt - 3_600_000) < 50)
    const own = await run(['send', 'bob', 'own timer wins', '--expires', '30s', '--data-dir', alice.dir])
    assert.ok(Math.abs(own.expiresAt - own.createdAt - 30_000) < 50)
    await run(['contact', 'set', 'bob', '--expires', 'off', '--data-dir', alice.dir])
    const plain = await run(['send', 'bob', 'no timer', '--data-dir', alice.dir])
    assert.equal(plain.disappearing, false)
  })

  it('refuses timers outside 10 s..30 d and malformed durations', async () => {
    const short = await cli(['send', 'bob', 'x', '--expires', '9s', '--data-dir', alice.dir])
    assert.equal(short.code, 1)
    assert.match(short.stderr, /expiry must be between 10 s and 30 days/)
    const long = await cli(['contact', 'set', 'bob', '--expires', '31d', '--data-dir', alice.dir])
    assert.equal(long.code, 1)
    assert.match(long.stderr, /expiry must be between/)
    const bad = await cli(['send', 'bob', 'x', '--expires', 'soon', '--data-dir', alice.dir])
    assert.equal(bad.code, 2)
    assert.match(bad.stderr, /--expires takes a duration such as 30s, 10m, 1h or 7d/)
  })
})
