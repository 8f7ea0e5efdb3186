/**
 * Skewed clocks for daemons (`Scenario.clockOffsets`): a `ferry start` process whose realtime
 * clock runs minutes ahead of or behind the machine's, through libfaketime (Debian `faketime`),
 * an LD_PRELOAD library that shifts what `clock_gettime(CLOCK_REALTIME)`, `gettimeofday` and
 * `time` return.
 *
 * Only the realtime clock is shifted (`FAKETIME_DONT_FAKE_MONOTONIC=1`), as on a machine whose
 * wall clock is set wrong: `Date.now()` — which Ferry uses for created/expiresAt stamps, expiry
 * checks, receipts and record sequence numbers — is off by the offset, while libuv's timers and
 * `performance.now()` run on CLOCK_MONOTONIC and keep real time, so timeouts and intervals behave.
 * File times are left alone (`NO_FAKE_STAT=1`): SQLite and the daemon's files see the real ones.
 * The offset is fixed for the life of the process (a relative `FAKETIME` such as `+240.5`), so a
 * skewed node's clock never jumps while it runs.
 *
 * `fakeClockUnavailable()` probes that this works here before a run depends on it: a Node child
 * under the library must see `Date.now()` moved by the offset and a 300 ms timer still firing
 * after about 300 ms.
 */
import { execFileSync } from 'node:child_process'
import { existsSync } from 'node:fs'

/** Where Debian and Ubuntu put libfaketime, per architecture (the first that exists is used). */
export const FAKETIME_LIBRARIES = [
  '/usr/lib/x86_64-linux-gnu/faketime/libfaketime.so.1',
  '/usr/lib/aarch64-linux-gnu/faketime/libfaketime.so.1',
  '/usr/lib/faketime/libfaketime.so.1'
]

/** The largest clock offset a scenario may ask for: a day, either way. */
export const MAX_CLOCK_OFFSET_MS = 24 * 60 * 60 * 1000

/** The libfaketime library on this machine, if any. */
export function faketimeLibrary (): string | undefined {
  return FAKETIME_LIBRARIES.find(p => existsSync(p))
}

/**
 * The environment that runs a process with its realtime clock `offsetMs` off (see the file header).
 *
 * @throws Error when libfaketime is not installed
 * @example spawn(process.execPath, args, { env: { ...process.env, ...fakeClockEnv(-180_000) } })
 */
export function fakeClockEnv (offsetMs: number): Record<string, string> {
  if (!Number.isFinite(offsetMs) || Math.abs(offsetMs) > MAX_CLOCK_OFFSET_MS) throw new RangeError(`"offsetMs" must be a number of ms within ±${MAX_CLOCK_OFFSET_MS}, got ${offsetMs}`)
  const lib = faketimeLibrary()
  if (lib == null) throw new Error('a skewed clock needs libfaketime: apt-get install faketime')
  const seconds = (offsetMs / 1000).toFixed(3)
  return { LD_PRELOAD: lib, FAKETIME: offsetMs < 0 ? seconds : `+${seconds}`, FAKETIME_DONT_FAKE_MONOTONIC: '1', NO_FAKE_STAT: '1' }
}

let probed: { result: string | undefined } | undefined

/**
 * Why skewed clocks cannot run on this machine, or undefined when they can (probed once per
 * process: a Node child under libfaketime, 90 s ahead, must see Date.now() 90 s ahead and a
 * 300 ms timer fire 250-3,000 ms later by that clock).
 */
export function fakeClockUnavailable (): string | undefined {
  probed ??= { result: probe() }
  return probed.result
}

function probe (): string | undefined {
  if (faketimeLibrary() == null) return 'needs libfaketime (Debian: apt-get install faketime)'
  const offsetMs = 90_000
  const script = 'const t0 = Date.now(); setTimeout(() => process.stdout.write(JSON.stringify({ t0, waited: Date.now() - t0 })), 300)'
  try {
    const before = Date.now()
    const out = execFileSync(process.execPath, ['-e', script], { env: { ...process.env, ...fakeClockEnv(offsetMs) }, encoding: 'utf8', timeout: 20_000 })
    const { t0, waited } = JSON.parse(out) as { t0: number, waited: number }
    const seen = t0 - before
    if (Math.abs(seen - offsetMs) > 5_000) return `libfaketime did not move Date.now() by ${offsetMs} ms (moved by ${seen} ms)`
    if (!(waited >= 250 && waited < 3_000)) return `under libfaketime a 300 ms timer fired after ${Math.round(waited)} ms of its own clock: timers and the realtime clock disagree`
    return undefined
  } catch (err: any) {
    return `a process under libfaketime failed: ${String(err.message).split('\n')[0]}`
  }
}
