/**
 * The chaos soak (node/sim/soak.ts), three minutes of it: ten `ferry start` daemons in network
 * namespaces, SIGKILLs and restarts, partitions, lossy links, two clocks minutes off, mailboxes in
 * use, then a quiet minute and a drain. The checker must find nothing lost, duplicated or
 * delivered after expiry; the faults the seed planned must all have happened; the skewed daemons
 * must really have run on skewed clocks; and nothing the run made — namespaces, daemon processes,
 * data dirs — may be left. The seed is random unless SOAK_SEED is set, and printed.
 *
 * Needs root, iproute2, the right to make network namespaces and libfaketime (Debian: faketime);
 * skipped with the reason otherwise. Takes about 7-9 minutes of wall time.
 */
import assert from 'node:assert/strict'
import { execFileSync } from 'node:child_process'
import { existsSync, readdirSync, readFileSync, rmSync } from 'node:fs'
import { join } from 'node:path'
import { fakeClockUnavailable } from '../../node/sim/clock.js'
import { netnsUnavailable } from '../../node/sim/netns.js'
import { randomSeed, soak, soakScenario, soakSummary } from '../../node/sim/soak.js'

/** Minutes of chaos in this test. */
const MINUTES = 3
/** Seeds tried (from the first) for one whose three minutes hold every kind of fault. */
const SEED_TRIES = 50

const namespaces = (): string[] => execFileSync('ip', ['netns', 'list'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).split('\n').filter(Boolean).map(l => l.split(' ')[0])

/** Why this machine cannot make a network namespace, or undefined when it can (one made and deleted). */
function cannotMakeNamespaces (): string | undefined {
  const ns = `fsprobe${process.pid % 100000}`
  try {
    execFileSync('ip', ['netns', 'add', ns], { stdio: 'ignore' })
    execFileSync('ip', ['netns', 'del', ns], { stdio: 'ignore' })
    return undefined
  } catch (err: any) {
    return `cannot make a network namespace here (${String(err.message).split('\n')[0]})`
  }
}

/** Processes whose command line names `text`. */
function processesNaming (text: string): number[] {
  const pids: number[] = []
  for (const pid of readdirSync('/proc').filter(d => /^\d+$/.test(d))) {
    try {
      if (readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(text)) pids.push(Number(pid))
    } catch {}
  }
  return pids
}

/** The first seed from `first` whose chaos holds a kill, a partition and a lossy link. */
function seedWithEveryFault (first: number): number {
  for (let i = 0; i < SEED_TRIES; i++) {
    const seed = (first + i) >>> 0
    const { chaos } = soakScenario(MINUTES, seed)
    if (chaos.counts.kills > 0 && chaos.counts.partitions > 0 && chaos.counts.lossyLinks > 0) return seed
  }
  throw new Error(`no seed from ${first} in ${SEED_TRIES} tries plans every kind of fault`)
}

describe('chaos soak', function () {
  // set-up ~1 min, chaos 3, quiet 1, drain at most 3, teardown: 12 minutes leave room for a slow machine
  this.timeout(12 * 60_000)
  let out: string | undefined

  before(function () {
    const why = netnsUnavailable() ?? cannotMakeNamespaces() ?? (fakeClockUnavailable() == null ? undefined : `skewed clocks ${fakeClockUnavailable() as string}`)
    if (why != null) {
      console.log(`      (skipped: the soak ${why})`)
      this.skip()
    }
  })

  // a failed run keeps its outputs and daemon logs for the investigation; a passed one keeps them with SOAK_KEEP=1
  afterEach(function () {
    if (out == null) return
    if (this.currentTest?.state === 'passed' && process.env.SOAK_KEEP == null) rmSync(out, { recursive: true, force: true })
    else console.log(`      soak outputs and daemon logs kept in ${out}`)
  })

  it(`survives ${MINUTES} minutes of kills, partitions, lossy links and skewed clocks: nothing lost, duplicated or delivered after expiry`, async () => {
    const asked = process.env.SOAK_SEED == null ? randomSeed() : Number(process.env.SOAK_SEED)
    const seed = seedWithEveryFault(asked)
    console.log(`      soak seed ${seed} (SOAK_SEED=${seed} replays it)`)
    const lines: string[] = []
    const result = await soak({ minutes: MINUTES, seed, log: line => lines.push(line) })
    out = result.out
    const f = result.figures
    console.log(soakSummary(f).split('\n').map(l => `      ${l}`).join('\n'))

    // nothing the run made is left: namespaces (named by the run's tag; other tests may make their own meanwhile), daemons, data dirs
    const tag = /namespaces (\w+)-\*/.exec(lines.join('\n'))?.[1]
    assert.ok(tag != null, `the run names its namespaces: ${lines.join(' | ')}`)
    assert.deepEqual(namespaces().filter(n => n.startsWith(`${tag}-`)), [], 'every namespace the run made is gone')
    const dataDir = /control API also on (\S+)\/[^/]+\/api\.sock/.exec(readFileSync(join(out, 'logs', 'host-0.log'), 'utf8'))?.[1]
    assert.ok(dataDir != null, 'the daemons\' data dir is named in their logs')
    assert.deepEqual(processesNaming(dataDir), [], `no process of the run is left (${dataDir})`)
    assert.equal(existsSync(dataDir), false, 'the daemons\' data dirs are removed')

    assert.equal(f.ok, true, `checker: ${f.failures.join('; ')} (seed ${seed}; outputs and daemon logs in ${out})`)
    assert.deepEqual([f.lost, f.duplicated, f.deliveredAfterExpiry], [0, 0, 0])
    // the faults the seed planned all happened, and the skewed daemons ran on skewed clocks
    const { chaos } = soakScenario(MINUTES, seed)
    assert.deepEqual([f.kills, f.restarts, f.partitions, f.lossyLinks], [chaos.counts.kills, chaos.counts.kills, chaos.counts.partitions, chaos.counts.lossyLinks])
    for (const [node, ms] of Object.entries(f.clockOffsets)) {
      const seen = f.observedOffsets[node]
      assert.ok(seen != null && Math.abs(seen - ms) < 2_000, `${node}'s clock was ${ms} ms off as asked, seen ${seen} ms`)
    }
    // messages flowed, mailboxes held some, and everything sent arrived or expired
    assert.ok(f.sent >= MINUTES * 60 * 0.6, `about a message a second was sent (${f.sent})`)
    assert.ok(f.viaMailbox + f.expiredInCustody > 0, 'some messages waited in a mailbox')
    assert.equal(f.pending, 0, 'after the drain nothing sent is still on its way')
    assert.ok(f.peakRssBytes != null && f.peakRssBytes > 20 * 2 ** 20, `every daemon's memory was read (peak ${f.peakRssBytes} bytes)`)
  })
})
