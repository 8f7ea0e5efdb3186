import assert from 'node:assert/strict'
import { ENVELOPE_VERSION, MAX_ENVELOPE_BYTES, MAX_TEXT_BYTES, PAYLOAD_BUCKETS } from '../../protocol/constants.js'
import { checkEnvelope, checkText, Content, decodeEnvelope, Envelope, pad, unpad } from '../../protocol/messaging/envelope.js'
import { fromHex, toHex } from '../../protocol/util/bytes.js'
import { encodeBundle } from '../../protocol/crypto/bundle.js'
import { generatePrekeys } from '../../protocol/crypto/prekeys.js'
import { MemoryPrekeyStore } from '../../protocol/stores/memory/prekeys.js'
import { defaultCrypto } from '../../protocol/crypto/backend.js'
import { createIdentity } from '../../protocol/crypto/identity.js'
import { decodeContent, openPayload, sealEnvelope } from '../../protocol/messaging/seal.js'
import { Sessions } from '../../protocol/messaging/sessions.js'
import { bundleFor } from './helpers.js'
import { InvalidEnvelopeError, InvalidInputError, MessageTooLargeError } from '../../protocol/errors.js'

const DEVICE = Uint8Array.from([0x00, 0x24, 0x08, 0x01, 0x12, 0x20, ...new Uint8Array(32).fill(5)])
const NOW = 1_700_000_000_000

function content (text: string): Content {
  return { sender: new Uint8Array(32).fill(1), senderDevice: DEVICE, deviceSignature: new Uint8Array(64).fill(2), text, sentAt: NOW, read: [] }
}

function envelope (fields: Partial<Envelope> = {}): Envelope {
  return { version: ENVELOPE_VERSION, id: new Uint8Array(16).fill(9), recipient: new Uint8Array(0), recipientDevice: DEVICE, created: NOW, expiresAt: NOW + 60_000, payload: new Uint8Array(256).fill(0x80, 0, 1), ...fields }
}

describe('envelope', () => {
  describe('pad / unpad (ISO/IEC 7816-4)', () => {
    it('pads to the smallest bucket with room for the 0x80 marker', () => {
      assert.deepEqual(pad(new Uint8Array(0)), Uint8Array.from([0x80, ...new Uint8Array(255)]))
      assert.equal(pad(new Uint8Array(255)).byteLength, 256)
      assert.equal(pad(new Uint8Array(256)).byteLength, 1024)
      assert.equal(pad(new Uint8Array(65536)).byteLength, 65536 + 4096)
    })

    it('refuses data with no bucket large enough', () => {
      const largest = PAYLOAD_BUCKETS[PAYLOAD_BUCKETS.length - 1]
      assert.equal(pad(new Uint8Array(largest - 1)).byteLength, largest)
      assert.throws(() => pad(new Uint8Array(largest)), MessageTooLargeError)
    })

    it('round-trips data that itself ends in zeros or 0x80', () => {
      for (const data of [Uint8Array.from([1, 0, 0]), Uint8Array.from([0x80]), Uint8Array.from([0x80, 0]), new Uint8Array(0)]) {
        assert.deepEqual(unpad(pad(data)), data)
      }
    })

    it('refuses padding without the 0x80 marker', () => {
      assert.throws(() => unpad(new Uint8Array(256)), InvalidEnvelopeError)
      assert.throws(() => unpad(Uint8Array.from([1, 2, 0, 0])), /padding is malformed/)
      assert.throws(() => unpad(new Uint8Array(0)), InvalidEnvelopeError)
    })
  })

  describe('checkText', () => {
    it('accepts text up to the limit in UTF-8 bytes', () => {
      const text = 'a'.repeat(MAX_TEXT_BYTES)
      assert.equal(checkText(text), text)
    })

    it('refuses empty or non-string text', () => {
      assert.throws(() => checkText(''), InvalidInputError)
      assert.throws(() => checkText(undefined), InvalidInputError)
      assert.throws(() => checkText(42), InvalidInputError)
    })

    it('counts UTF-8 bytes, not characters, against the limit', () => {
      const text = 'é'.repeat(MAX_TEXT_BYTES / 2 + 1) // fewer characters than the limit, more bytes
      assert.throws(() => checkText(text), (err: Error) => err instanceof MessageTooLargeError && err.message.includes(`${MAX_TEXT_BYTES + 2} bytes`))
      assert.throws(() => checkText('a'.repeat(MAX_TEXT_BYTES + 1)), MessageTooLargeError)
    })
  })

  describe('sealed payloads (sealing.ts)', () => {
    it('a full 64 KiB text, sealed with its PQXDH initial message, fits the largest bucket', async () => {
      const [alice, bob] = [await createIdentity(), await createIdentity()]
      const prekeys = new MemoryPrekeyStore()
      await generatePrekeys(defaultCrypto, alice, prekeys, { oneTime: 0 })
      const sessions = new Sessions({ crypto: defaultCrypto, me: alice, prekeys, load: async () => undefined })
      const fields = { id: new Uint8Array(16), recipient: new Uint8Array(32), recipientDevice: new Uint8Array(38), created: 1, expiresAt: 2 }
      const full = content('x'.repeat(MAX_TEXT_BYTES))
      const { envelope: bytes } = await sealEnvelope(sessions, 'bob', fields, full, encodeBundle(await bundleFor(bob)))
      assert.ok(bytes.byteLength <= MAX_ENVELOPE_BYTES)
      const env = decodeEnvelope(bytes)
      assert.equal(env.payload.byteLength, PAYLOAD_BUCKETS[PAYLOAD_BUCKETS.length - 1])
      assert.ok(openPayload(env).initial.byteLength > 0)
    })

    it('refuses bad padding, undecodable payloads and oversized text', () => {
      const env = envelope()
      assert.throws(() => openPayload({ ...env, payload: new Uint8Array(256) }), /padding is malformed/)
      assert.throws(() => openPayload({ ...env, payload: pad(Uint8Array.from([0x22, 5, 1])) }), /does not decode/)
      assert.throws(() => decodeContent(Content.encode(content('x'.repeat(MAX_TEXT_BYTES + 1)))), /text exceeds the limit/)
      assert.equal(decodeContent(Content.encode(content('hi'))).text, 'hi')
    })
  })

  describe('decodeEnvelope', () => {
    it('round-trips an encoded envelope', () => {
      const env = envelope()
      assert.deepEqual(decodeEnvelope(Envelope.encode(env)), env)
    })

    it('refuses frames over the cap before decoding', () => {
      assert.throws(() => decodeEnvelope(new Uint8Array(MAX_ENVELOPE_BYTES + 1)), /exceeds/)
    })

    it('refuses bytes that are not an envelope', () => {
      const bytes = Envelope.encode(envelope())
      assert.throws(() => decodeEnvelope(bytes.subarray(0, bytes.byteLength - 10)), InvalidEnvelopeError)
    })
  })

  describe('checkEnvelope', () => {
    it('accepts a well-formed, live envelope for this device', () => {
      assert.equal(checkEnvelope(envelope(), DEVICE, NOW), undefined)
    })

    it('names the problem with each unacceptable envelope', () => {
      const cases: Array<[Partial<Envelope>, string]> = [
        [{ version: 2 }, 'unsupported-version'],
        [{ id: new Uint8Array(15) }, 'malformed'],
        [{ payload: new Uint8Array(0) }, 'malformed'],
        [{ payload: new Uint8Array(300) }, 'malformed'],
        [{ expiresAt: NOW }, 'malformed'],
        [{ created: NOW - 2_000, expiresAt: NOW }, 'expired'],
        [{ recipientDevice: DEVICE.map((b, i) => i === DEVICE.byteLength - 1 ? b ^ 1 : b) }, 'not-for-me'],
        [{ recipientDevice: DEVICE.subarray(1) }, 'not-for-me']
      ]
      for (const [fields, problem] of cases) {
        assert.equal(checkEnvelope(envelope(fields), DEVICE, NOW)?.problem, problem, JSON.stringify(Object.keys(fields)))
      }
    })
  })

  describe('toHex / fromHex', () => {
    it('round-trips bytes as lower-case hex', () => {
      const bytes = Uint8Array.from([0, 1, 0xab, 0xff, 0x10])
      assert.equal(toHex(bytes), '0001abff10')
      assert.deepEqual(fromHex('0001abff10'), bytes)
      assert.deepEqual(fromHex(''), new Uint8Array(0))
    })

    it('refuses odd length, non-hex and upper-case input', () => {
      for (const bad of ['abc', 'zz', 'AB', '0x01', ' 01']) assert.throws(() => fromHex(bad), InvalidInputError, bad)
    })
  })
})
