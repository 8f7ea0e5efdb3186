/**
 * A measured comparison for test/browser/pages/crypto.page.mts, not a timed assertion: operations
 * per second through browserCrypto (WebCrypto) and through @noble, each call awaited before the
 * next as the protocol code makes them. X25519 derive and Ed25519 verify are what the browser
 * backend is for; SHA-256, HMAC and HKDF on small inputs are measured for the record. The page
 * prints `ferry-crypto-bench <json>` and test/browser/crypto.spec.ts prints the table.
 */
import assert from 'node:assert/strict'
import { ed25519 } from '@noble/curves/ed25519.js'
import { generateKeyPairFromSeed } from '@libp2p/crypto/keys'
import { defaultCrypto } from '../../../protocol/crypto/backend.js'
import type { CryptoBackend } from '../../../protocol/crypto/backend.js'

/** One operation: calls per second through WebCrypto and through @noble, and their ratio. */
export interface BenchRow {
  operation: string
  webCrypto: number
  noble: number
  /** webCrypto / noble: over 1 when WebCrypto is faster */
  ratio: number
}

/** Calls per second of `op`, awaited one after another for about `ms` after a warm-up. */
async function opsPerSecond (op: () => unknown, ms: number): Promise<number> {
  for (let i = 0; i < 20; i++) await op()
  const start = performance.now()
  let calls = 0
  let elapsed = 0
  do {
    await op()
    calls++
    elapsed = performance.now() - start
  } while (elapsed < ms)
  return calls / (elapsed / 1000)
}

async function row (operation: string, webCrypto: () => unknown, noble: () => unknown, ms: number): Promise<BenchRow> {
  const [w, n] = [await opsPerSecond(webCrypto, ms), await opsPerSecond(noble, ms)]
  return { operation, webCrypto: Math.round(w), noble: Math.round(n), ratio: Math.round(w / n * 100) / 100 }
}

/**
 * Define the measuring test.
 *
 * @param browser - the browser backend (every primitive native)
 * @param ms - how long each side of each operation runs
 */
export function benchmark (browser: CryptoBackend, ms = 700): void {
  it('measures X25519 derive and Ed25519 verify: WebCrypto against @noble (ops/s, printed, not asserted)', async function () {
    this.timeout(120_000)
    const alice = await browser.x25519Generate()
    const bob = await browser.x25519Generate()
    const key = await generateKeyPairFromSeed('Ed25519', browser.randomBytes(32))
    const message = browser.randomBytes(200)
    const signature = await key.sign(message)
    const publicKey = key.publicKey.raw
    const small = browser.randomBytes(32)
    const large = browser.randomBytes(16 * 1024)

    const rows = [
      await row('X25519 derive', async () => browser.x25519(alice.privateKey, bob.publicKey), async () => defaultCrypto.x25519(alice.privateKey, bob.publicKey), ms),
      await row('X25519 public key', async () => browser.x25519PublicKey(alice.privateKey), async () => defaultCrypto.x25519PublicKey(alice.privateKey), ms),
      await row('Ed25519 verify (200-byte message)', async () => browser.verify(publicKey, message, signature), () => ed25519.verify(signature, message, publicKey), ms),
      // defaultCrypto.verify in Chromium is libp2p's: WebCrypto too, but the key imported per call
      await row('Ed25519 verify via defaultCrypto (libp2p)', async () => defaultCrypto.verify(publicKey, message, signature), () => ed25519.verify(signature, message, publicKey), ms),
      await row('SHA-256 (32 bytes)', async () => browser.sha256(small), async () => defaultCrypto.sha256(small), ms),
      await row('SHA-256 (16 KiB)', async () => browser.sha256(large), async () => defaultCrypto.sha256(large), ms),
      await row('HMAC-SHA-256 (32-byte key and data)', async () => browser.hmacSha256(small, small), async () => defaultCrypto.hmacSha256(small, small), ms),
      await row('HKDF-SHA-256 (32 bytes in, 64 out)', async () => browser.hkdf(small, small, small, 64), async () => defaultCrypto.hkdf(small, small, small, 64), ms)
    ]
    console.log(`ferry-crypto-bench ${JSON.stringify(rows)}`)
    for (const r of rows) assert.ok(r.webCrypto > 0 && r.noble > 0 && Number.isFinite(r.ratio), `no measurement for ${r.operation}`)
  })
}
