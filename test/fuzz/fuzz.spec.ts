/**
 * The short fuzz run inside `npm test`: every decoder target on 200 inputs, and 150 fuzzed streams
 * against a real node. `npm run fuzz` is the long run (1,000,000 inputs). The seed is printed;
 * FUZZ_SEED replays it.
 */
import assert from 'node:assert/strict'
import { fuzzTarget } from './fuzz.js'
import { fuzzStreams } from './streams.js'
import { fuzzTargets } from './targets.js'
import type { FuzzTarget } from './targets.js'

const seed = Number(process.env.FUZZ_SEED ?? Math.floor(Math.random() * 2 ** 31))

describe(`fuzzing, short run (seed ${seed}; FUZZ_SEED=${seed} replays it)`, function () {
  this.timeout(60_000)
  let targets: FuzzTarget[]

  before(async () => {
    targets = await fuzzTargets(Date.now())
  })

  it('every decoder decodes or refuses with a typed error, 200 inputs each', async () => {
    for (const [i, target] of targets.entries()) {
      const r = await fuzzTarget(target, 200, seed + i)
      assert.equal(r.failure, undefined, `${r.name} (target seed ${seed + i}): ${r.failure ?? ''}`)
      assert.equal(r.runs, 200)
    }
  })

  it('inputs the long runs once found mishandled are refused with a typed error', async () => {
    // scenario file: a YAML alias to no anchor made the yaml package throw a ReferenceError
    const found: Array<[string, Uint8Array]> = [['scenario file', Uint8Array.of(42, 0)]]
    for (const [name, input] of found) {
      const target = targets.find(t => t.name === name) as FuzzTarget
      await assert.rejects(async () => target.run(input), (err: Error) => target.refusals.some(c => err instanceof c), `${name}: ${String(input)}`)
    }
  })

  it('a node keeps delivering a contact\'s messages through 150 fuzzed streams', async () => {
    const sent = await fuzzStreams(targets, 150, seed, 50)
    assert.equal(Object.values(sent).reduce((a, b) => a + b, 0), 150)
  })
})
