/**
 * browser/kad-prefixes.ts, the web app's stand-in for kad-dht's precomputed table of bucket keys:
 * for any 16-bit prefix kad-dht asks (routing-table/refresh.js), the number it gives makes a key
 * whose Kademlia id starts with that prefix's top 14 bits — what the shipped table gives for the
 * prefixes it covers.
 */
import assert from 'node:assert/strict'
import { createHash } from 'node:crypto'
import prefixes from '../../browser/kad-prefixes.js'
import { createRequire } from 'node:module'
import { join } from 'node:path'

/** The top 14 bits of the Kademlia id of the key kad-dht builds from `n`. */
function top14 (n: number): number {
  const key = Buffer.alloc(34)
  key[0] = 0x12
  key[1] = 32
  key.writeUInt32BE(n, 2)
  return createHash('sha256').update(key).digest().readUInt16BE(0) >> 2
}

/** The table kad-dht ships for browsers (a file its package does not export: read by path). */
async function shippedTable (): Promise<number[]> {
  const dir = join(createRequire(import.meta.url).resolve('@libp2p/kad-dht'), '..', 'routing-table', 'generated-prefix-list-browser.js')
  return (await import(dir)).default
}

describe('the web app\'s kad-dht bucket keys', () => {
  const seed = Number(process.env.FERRY_KAD_SEED ?? Date.now() % 65536)

  it('give a key whose id starts with the asked prefix, for random prefixes and the ends of the range', async () => {
    const shipped = await shippedTable()
    console.log(`      seed ${seed} (FERRY_KAD_SEED=${seed} replays it)`)
    let x = seed
    const asked = [0, 1, 3, 4, 65535, ...Array.from({ length: 60 }, () => { x = (x * 1103515245 + 12345) % 2 ** 31; return x % 65536 })]
    for (const p of asked) assert.equal(top14(prefixes[p]), p >> 2, `prefix ${p}`)
    // the shipped table, indexed by the 14-bit prefix, holds numbers of the same property
    for (const q of [0, 1, 100, 16383]) assert.equal(top14(shipped[q]), q)
    assert.equal(prefixes[42], prefixes[42], 'the same number asked twice')
  })
})
