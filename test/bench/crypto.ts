/**
 * Crypto benchmarks: PQXDH session setups and Double Ratchet messages per second with
 * the node:crypto backend (node/crypto.ts), against the same work with `defaultCrypto`
 * (protocol/crypto/backend.ts, the @noble backend browsers use), in the same process and run.
 *
 * The setup ratio is the node backend's speed-up over the browser backend (> 1: node is faster);
 * the ratchet row is set against its floor, raw ChaCha20-Poly1305 and HMAC-SHA256 of the same
 * bytes (crypto.aead), and the browser ratchet against the node one.
 * Note: run under Node, defaultCrypto's Ed25519 goes through @libp2p/crypto, which itself uses
 * node:crypto there, so the browser baseline is somewhat faster than it is in a browser.
 *
 * Every loop is bounded in count and in time, and checks its results (throws on a mismatch).
 */
import { createCipheriv, createDecipheriv, createHmac, createSecretKey, randomBytes } from 'node:crypto'
import { defaultCrypto } from '../../protocol/crypto/backend.js'
import { initiate, respond } from '../../protocol/crypto/pqxdh.js'
import { createBundle, generatePrekeys } from '../../protocol/crypto/prekeys.js'
import { MemoryPrekeyStore } from '../../protocol/stores/memory/prekeys.js'
import { initReceiver, initSender, ratchetDecrypt, ratchetEncrypt } from '../../protocol/crypto/ratchet.js'
import { createIdentity } from '../../protocol/crypto/identity.js'
import { nodeCrypto } from '../../node/crypto.js'
import type { CryptoBackend } from '../../protocol/crypto/backend.js'
import type { PrekeyBundle } from '../../protocol/crypto/bundle.js'
import type { IdentityDhRecord } from '../../protocol/crypto/prekeys.js'
import type { Identity } from '../../protocol/crypto/identity.js'
import type { RatchetState } from '../../protocol/crypto/ratchet.js'
import type { Row } from './index.js'

const MAX_MS = 3000
const SETUP_MAX = 5000
const SETUP_WARMUP = 20
const RATCHET_MAX = 50_000
const RATCHET_WARMUP = 200
/** Every this many messages the other side replies, so a DH ratchet step runs each time. */
const TURN = 10
const PLAINTEXT = new Uint8Array(1024).map((_, i) => i & 0xff)

function equalBytes (a: Uint8Array, b: Uint8Array): boolean {
  if (a.byteLength !== b.byteLength) return false
  for (let i = 0; i < a.byteLength; i++) if (a[i] !== b[i]) return false
  return true
}

/** Run `once` up to `max` times or for MAX_MS, whichever comes first; returns runs per second. */
async function rate (max: number, once: () => Promise<void>): Promise<number> {
  let n = 0
  const t0 = performance.now()
  while (n < max && performance.now() - t0 < MAX_MS) {
    await once()
    n++
  }
  return n / ((performance.now() - t0) / 1000)
}

interface Parties { alice: Identity, bob: Identity, aliceDh: IdentityDhRecord, bobStore: MemoryPrekeyStore, bundle: PrekeyBundle }

async function parties (crypto: CryptoBackend): Promise<Parties> {
  const [alice, bob] = await Promise.all([createIdentity(), createIdentity()])
  const aliceStore = new MemoryPrekeyStore()
  const bobStore = new MemoryPrekeyStore()
  await generatePrekeys(crypto, alice, aliceStore, { oneTime: 0 })
  await generatePrekeys(crypto, bob, bobStore, { oneTime: 0 })
  const aliceDh = await aliceStore.identityDh()
  if (aliceDh == null) throw new Error('bench: no identity DH key after generatePrekeys')
  // Bob's bundle, as Alice fetched it: made once, outside the timed setups
  const bundle = await createBundle(crypto, bob, bobStore, { withOneTime: false })
  return { alice, bob, aliceDh, bobStore, bundle }
}

/**
 * One setup: Alice initiate()s from Bob's bundle (which she verifies), Bob respond()s to her initial message (each
 * initial message is new, so its replay mark never collides), then both initialise their ratchets.
 */
async function setup (crypto: CryptoBackend, p: Parties): Promise<{ alice: RatchetState, bob: RatchetState, ad: Uint8Array }> {
  const a = await initiate(crypto, p.alice, p.aliceDh, p.bundle)
  const b = await respond(crypto, p.bob, p.bobStore, a.initial)
  if (!equalBytes(a.sharedKey, b.sharedKey) || !equalBytes(a.associatedData, b.associatedData)) {
    throw new Error('bench: PQXDH sides disagree on SK or AD')
  }
  const alice = await initSender(crypto, a.sharedKey, a.remoteRatchetKey)
  const bob = await initReceiver(crypto, b.sharedKey, b.ratchetKeyPair)
  return { alice, bob, ad: a.associatedData }
}

async function setupsPerS (crypto: CryptoBackend): Promise<number> {
  const p = await parties(crypto)
  for (let i = 0; i < SETUP_WARMUP; i++) await setup(crypto, p)
  return rate(SETUP_MAX, async () => { await setup(crypto, p) })
}

/**
 * 1 KiB ratchetEncrypt + ratchetDecrypt pairs per second over one session. Alice sends first; every
 * TURN messages the direction flips, so each flip includes a DH ratchet step (a new key pair and
 * two X25519 on the receiver) and a new sending chain, as in a conversation.
 */
export async function ratchetMsgsPerS (crypto: CryptoBackend): Promise<number> {
  const s = await setup(crypto, await parties(crypto))
  const states: [RatchetState, RatchetState] = [s.alice, s.bob]
  let i = 0
  const once = async (): Promise<void> => {
    const from = Math.floor(i / TURN) % 2
    const to = 1 - from
    const sent = await ratchetEncrypt(crypto, states[from], PLAINTEXT, s.ad)
    states[from] = sent.state
    const got = await ratchetDecrypt(crypto, states[to], sent.header, sent.ciphertext, s.ad)
    states[to] = got.state
    if (!equalBytes(got.plaintext, PLAINTEXT)) throw new Error(`bench: ratchet message ${i} decrypted to other bytes`)
    i++
  }
  for (let w = 0; w < RATCHET_WARMUP; w++) await once()
  return rate(RATCHET_MAX, once)
}

/**
 * The floor of a ratchet message, raw node:crypto: ChaCha20-Poly1305 seal and open of the same
 * 1 KiB (associated data as long as a ratchet header's), and one HMAC-SHA256 chain step on each
 * side — what a symmetric ratchet step cannot do without. Pairs per second, checked.
 */
function aeadMsgsPerS (): number {
  // KeyObjects made once: node:crypto takes them much faster than raw key bytes (the floor is the
  // fastest way to call it; a ratchet step's keys change every message, so it makes them per call)
  const key = createSecretKey(randomBytes(32))
  const chain = createSecretKey(randomBytes(32))
  const ad = randomBytes(96)
  const step = Uint8Array.of(1)
  let n = 0
  const t0 = performance.now()
  while (n < RATCHET_MAX && performance.now() - t0 < MAX_MS) {
    const nonce = Buffer.alloc(12)
    nonce.writeUInt32BE(n, 8)
    const c = createCipheriv('chacha20-poly1305', key, nonce, { authTagLength: 16 })
    c.setAAD(ad, { plaintextLength: PLAINTEXT.byteLength })
    const sealed = Buffer.concat([c.update(PLAINTEXT), c.final()])
    const tag = c.getAuthTag()
    createHmac('sha256', chain).update(step).digest()
    const d = createDecipheriv('chacha20-poly1305', key, nonce, { authTagLength: 16 })
    d.setAAD(ad, { plaintextLength: PLAINTEXT.byteLength })
    d.setAuthTag(tag)
    const opened = Buffer.concat([d.update(sealed), d.final()])
    createHmac('sha256', chain).update(step).digest()
    if (!equalBytes(opened, PLAINTEXT)) throw new Error(`bench: aead message ${n} opened to other bytes`)
    n++
  }
  return n / ((performance.now() - t0) / 1000)
}

/** The compute of one PQXDH session set-up with the node backend, both sides (ms). */
export async function pqxdhSetupMs (): Promise<number> {
  return 1000 / await setupsPerS(nodeCrypto())
}

/** The crypto rows: node backend as value, browser backend as baseline, ratio = node speed-up. */
export async function cryptoBench (): Promise<Row[]> {
  const node = nodeCrypto()
  const setupsNode = await setupsPerS(node)
  const setupsBrowser = await setupsPerS(defaultCrypto)
  const msgsNode = await ratchetMsgsPerS(node)
  const msgsBrowser = await ratchetMsgsPerS(defaultCrypto)
  const aead = aeadMsgsPerS()
  return [
    // ratio: the node backend's speed-up over the browser backend
    { name: 'crypto.pqxdh.setups_per_s', unit: 'setup/s', value: setupsNode, baseline: setupsBrowser, ratio: setupsNode / setupsBrowser },
    { name: 'crypto.pqxdh.browser.setups_per_s', unit: 'setup/s', value: setupsBrowser },
    // ratio: against its floor, raw AEAD and HMAC of the same bytes; includes a DH ratchet step every TURN messages
    { name: 'crypto.ratchet.msgs_per_s', unit: 'msg/s', value: msgsNode, baseline: aead, ratio: msgsNode / aead },
    { name: 'crypto.aead.msgs_per_s', unit: 'msg/s', value: aead },
    // ratio: the browser backend against the node one (< 1: node is faster)
    { name: 'crypto.ratchet.browser.msgs_per_s', unit: 'msg/s', value: msgsBrowser, baseline: msgsNode, ratio: msgsBrowser / msgsNode }
  ]
}
