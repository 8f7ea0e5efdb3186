/**
 * Resume after sleep or a network change: WakeWatch on a moved clock and changed addresses, and a
 * real daemon stopped with SIGSTOP (as a suspended laptop is) noticing it slept and reconnecting.
 */
import assert from 'node:assert/strict'
import { addressFingerprint, SLEEP_GAP_MS, TICK_MS, WakeWatch } from '../../node/wake.js'
import { sleep, startDaemons, stopAll, waitFor } from './harness.js'
import type { WakeReason } from '../../node/wake.js'

describe('WakeWatch', () => {
  it('wakes after a tick much later than due (sleep), not after a punctual one', () => {
    let now = 1_000_000
    const woke: WakeReason[] = []
    const w = new WakeWatch(r => woke.push(r), { now: () => now, fingerprint: () => 'eth0:10.0.0.2' })
    now += TICK_MS
    w.tick()
    assert.deepEqual(woke, [])
    now += SLEEP_GAP_MS + TICK_MS
    w.tick()
    assert.deepEqual(woke, ['sleep'])
  })

  it('wakes when the machine\'s addresses change (a new network), once', () => {
    let now = 0
    let addrs = 'wlan0:192.168.1.20'
    const woke: WakeReason[] = []
    const w = new WakeWatch(r => woke.push(r), { now: () => now, fingerprint: () => addrs })
    addrs = 'wlan0:10.13.0.7'
    now += TICK_MS
    w.tick()
    now += TICK_MS
    w.tick()
    assert.deepEqual(woke, ['network'])
  })

  it('fingerprints only non-internal addresses, order-independent', () => {
    const a = addressFingerprint({ lo: [{ address: '127.0.0.1', internal: true } as any], eth0: [{ address: '10.0.0.2', internal: false } as any, { address: 'fe80::1', internal: false } as any] })
    const b = addressFingerprint({ eth0: [{ address: 'fe80::1', internal: false } as any, { address: '10.0.0.2', internal: false } as any] })
    assert.equal(a, b)
    assert.ok(!a.includes('127.0.0.1'))
  })
})

describe('a daemon resumed after sleep', function () {
  this.timeout(90_000)

  it('notices it was suspended and reconnects its contacts', async () => {
    const [alice] = await startDaemons('sleeper')
    try {
      const pid = alice.proc?.pid
      assert.ok(pid != null)
      process.kill(pid, 'SIGSTOP')
      await sleep(SLEEP_GAP_MS + TICK_MS + 1_000)
      process.kill(pid, 'SIGCONT')
      await waitFor('the daemon to log that it resumed', () => alice.log.includes('resumed after sleep: reconnecting'), 20_000)
    } finally {
      await stopAll([alice])
    }
  })
})
