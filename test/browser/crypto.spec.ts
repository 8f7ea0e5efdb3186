/**
 * The browser CryptoBackend (browser/crypto.ts) in real headless Chromium: the known-answer vectors
 * every backend passes (crypto-vectors.suite.ts), agreement with defaultCrypto on seeded random
 * inputs (crypto-agreement.suite.ts; FERRY_CRYPTO_SEED=<seed> replays a run), the browser-only
 * checks, and a printed comparison of WebCrypto against @noble — all run inside one page
 * (test/browser/pages/crypto.page.mts), whose console lines carry the native report and the
 * measurements here.
 */
import assert from 'node:assert/strict'
import { cryptoSeed } from '../protocol/crypto-agreement.suite.js'
import { haveChromium, launchChromium } from './chromium.js'
import { assertPassed, runPage, servePage, summary } from './pages.js'
import type { PageTestResult } from './pages.js'
import type { BenchRow } from './pages/crypto-bench.mjs'

/** The JSON a page console line `<tag> <json>` carries, or undefined when there is none. */
function logged<T> (lines: string[], tag: string): T | undefined {
  const line = lines.find(l => l.startsWith(`${tag} `))
  return line == null ? undefined : JSON.parse(line.slice(tag.length + 1)) as T
}

const passedIn = (results: PageTestResult[], prefix: string): PageTestResult[] =>
  results.filter(r => r.title.startsWith(prefix) && r.state === 'passed')

describe('the browser crypto backend in Chromium', function () {
  this.timeout(600_000)
  const seed = cryptoSeed(process.env.FERRY_CRYPTO_SEED)
  let results: PageTestResult[] = []
  const lines: string[] = []

  before(async function () {
    if (!haveChromium()) {
      console.log('    (skipped: /usr/bin/chromium is not installed)')
      this.skip()
    }
    console.log(`    random inputs: seed ${seed} (replay with FERRY_CRYPTO_SEED=${seed})`)
    const page = await servePage('test/browser/pages/crypto.page.mts', { timeout: 120_000 })
    const chromium = await launchChromium()
    chromium.context.on('console', message => { lines.push(message.text()) })
    try {
      results = await runPage(chromium.context, `${page.url}?seed=${seed}`)
      console.log(`    in Chromium: ${summary(results)}`)
    } finally {
      await chromium.close()
      await page.close()
    }
  })

  it('pass every test in the page', () => {
    assertPassed(results, 109)
  })

  it('pass the known-answer vectors, with WebCrypto and without it', () => {
    for (const backend of ['browser', 'browser without WebCrypto']) {
      assert.ok(passedIn(results, `crypto vectors: ${backend} backend X25519`).length >= 11, `${backend}: X25519 vectors`)
      assert.ok(passedIn(results, `crypto vectors: ${backend} backend Ed25519`).length >= 10, `${backend}: Ed25519 vectors`)
      for (const suite of ['ChaCha20-Poly1305', 'HKDF-SHA-256', 'HMAC-SHA-256', 'SHA-256 and SHA-512', 'ML-KEM-768']) {
        assert.ok(passedIn(results, `crypto vectors: ${backend} backend ${suite}`).length > 0, `${backend}: ${suite} vectors`)
      }
    }
  })

  it('agree with defaultCrypto on seeded random inputs', () => {
    assert.ok(passedIn(results, `crypto vectors: cross-backend default and browser agree on random inputs (seed ${seed}`).length >= 5)
  })

  it('run Ed25519 verify, X25519 and SHA/HMAC/HKDF natively', () => {
    const native = logged<Record<string, boolean>>(lines, 'ferry-crypto-native')
    assert.ok(native != null, 'the page printed no native report')
    console.log(`    native in Chromium: ${Object.entries(native).map(([k, v]) => `${k} ${v ? 'yes' : 'NO'}`).join(', ')}`)
    assert.equal(passedIn(results, 'browserCrypto in Chromium runs Ed25519 verify, X25519').length, 1)
    assert.ok(Object.values(native).every(v => v), 'a primitive fell back to @noble')
  })

  it('measure WebCrypto against @noble (printed, not asserted)', () => {
    const rows = logged<BenchRow[]>(lines, 'ferry-crypto-bench')
    assert.ok(rows != null, 'the page printed no measurements')
    const width = Math.max(...rows.map(r => r.operation.length))
    console.log(`    ${'operation'.padEnd(width)}  WebCrypto ops/s  @noble ops/s  ratio`)
    for (const r of rows) {
      console.log(`    ${r.operation.padEnd(width)}  ${String(r.webCrypto).padStart(15)}  ${String(r.noble).padStart(12)}  ${r.ratio.toFixed(2).padStart(5)}x`)
    }
  })
})
