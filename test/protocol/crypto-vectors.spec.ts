/**
 * Known-answer tests for every CryptoBackend primitive, run against both Node backends (the same
 * vectors run against node:crypto and @noble; the browser's WebCrypto
 * backend runs them in Chromium, test/browser/crypto.spec.ts). The tests are the shared suites
 * crypto-vectors.suite.ts (the published vectors in test/vectors/*.json) and
 * crypto-agreement.suite.ts (the two backends interoperate and agree on seeded random inputs;
 * FERRY_CRYPTO_SEED=<seed> replays a run).
 */
import { readFileSync } from 'node:fs'
import { resolve } from 'node:path'
import { nodeCrypto } from '../../node/crypto.js'
import { defaultCrypto } from '../../protocol/crypto/backend.js'
import { cryptoSeed, crossBackendSuite } from './crypto-agreement.suite.js'
import { cryptoVectorSuite, VECTOR_FILES } from './crypto-vectors.suite.js'
import type { CryptoVectors, NamedBackend } from './crypto-vectors.suite.js'

// the JSON stays in the source tree; this file runs from dist/test/protocol
const VECTORS = resolve(import.meta.dirname, '..', '..', '..', 'test', 'vectors')
const vectors = Object.fromEntries(Object.entries(VECTOR_FILES).map(([primitive, file]) =>
  [primitive, JSON.parse(readFileSync(resolve(VECTORS, file), 'utf8'))])) as unknown as CryptoVectors

const backends: NamedBackend[] = [['default', defaultCrypto], ['node', nodeCrypto()]]

for (const [name, backend] of backends) cryptoVectorSuite(name, backend, vectors)
crossBackendSuite(backends[0], backends[1], cryptoSeed(process.env.FERRY_CRYPTO_SEED))
