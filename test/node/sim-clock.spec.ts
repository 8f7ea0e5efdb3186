/**
 * Skewed clocks for daemons (node/sim/clock.ts): a Node process under libfaketime sees Date.now()
 * moved by the offset, ahead or behind, while its timers keep real time; the environment names
 * the library and asks for the realtime clock only. Skipped where libfaketime is not installed.
 */
import assert from 'node:assert/strict'
import { execFileSync } from 'node:child_process'
import { fakeClockEnv, fakeClockUnavailable, faketimeLibrary, MAX_CLOCK_OFFSET_MS } from '../../node/sim/clock.js'

/** What a child under `env` sees: its Date.now() at start, and how long a 500 ms timer took by real time. */
function child (env: Record<string, string>): { offsetMs: number, timerMs: number } {
  const before = Date.now()
  const t0 = performance.now()
  const out = execFileSync(process.execPath, ['-e', 'const t = Date.now(); setTimeout(() => process.stdout.write(String(t)), 500)'], { env: { ...process.env, ...env }, encoding: 'utf8', timeout: 20_000 })
  return { offsetMs: Number(out) - before, timerMs: performance.now() - t0 }
}

describe('sim clocks (libfaketime)', function () {
  this.timeout(60_000)

  before(function () {
    if (faketimeLibrary() == null) {
      console.log('      (skipped: libfaketime is not installed; Debian: apt-get install faketime)')
      this.skip()
    }
  })

  it('asks for the realtime clock only, in seconds with a sign', () => {
    assert.deepEqual(fakeClockEnv(-299_000), { LD_PRELOAD: faketimeLibrary(), FAKETIME: '-299.000', FAKETIME_DONT_FAKE_MONOTONIC: '1', NO_FAKE_STAT: '1' })
    assert.equal(fakeClockEnv(1_500).FAKETIME, '+1.500')
    assert.throws(() => fakeClockEnv(MAX_CLOCK_OFFSET_MS + 1), RangeError)
    assert.throws(() => fakeClockEnv(NaN), RangeError)
  })

  it('moves a child\'s Date.now() by minutes either way, and leaves its timers on real time', () => {
    assert.equal(fakeClockUnavailable(), undefined)
    for (const ms of [240_000, -180_000]) {
      const seen = child(fakeClockEnv(ms))
      // the child starts after `before`: it sees the offset plus its own start-up time
      assert.ok(seen.offsetMs >= ms && seen.offsetMs < ms + 5_000, `asked ${ms} ms, saw ${seen.offsetMs} ms`)
      assert.ok(seen.timerMs >= 500 && seen.timerMs < 5_000, `a 500 ms timer took ${Math.round(seen.timerMs)} ms`)
    }
    const plain = child({})
    assert.ok(plain.offsetMs >= 0 && plain.offsetMs < 5_000, `without it: ${plain.offsetMs} ms`)
  })
})
