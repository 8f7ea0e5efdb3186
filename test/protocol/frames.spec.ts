/**
 * The bounded frame reader (protocol/services/frames.ts) on an in-memory stream pair: frames
 * survive any chunking, and a bad length prefix, an oversized frame or a slow frame ends the
 * stream before its bytes are kept.
 */
import assert from 'node:assert/strict'
import { lpStream, streamPair } from '@libp2p/utils'
import { FrameLengthError, FrameParser, frameStream, FrameTimeoutError, guardFrames, RAW, varintLength } from '../../protocol/services/streams/frames.js'
import type { Stream } from '@libp2p/interface'

const frame = (n: number, fill = n % 256): Uint8Array => new Uint8Array(n).fill(fill)
const sleep = async (ms: number): Promise<void> => { await new Promise(resolve => setTimeout(resolve, ms)) }

/** The reason a stream was aborted with, once it closes. */
async function closedWith (stream: Stream): Promise<Error | undefined> {
  if (stream.status !== 'open') return undefined
  return new Promise(resolve => stream.addEventListener('close', evt => { resolve(evt.error) }, { once: true }))
}

describe('frames', () => {
  describe('FrameParser', () => {
    it('splits any chunking of pipelined frames into the same frames', () => {
      const frames = [frame(0), frame(1), frame(127), frame(128), frame(300), frame(70_000)]
      const wire = new Uint8Array(frames.reduce((n, f) => n + varintLength(f.byteLength) + f.byteLength, 0))
      let at = 0
      for (const f of frames) {
        let n = f.byteLength
        do { wire[at++] = (n % 128) | (n >= 128 ? 0x80 : 0); n = Math.floor(n / 128) } while (n > 0)
        wire.set(f, at)
        at += f.byteLength
      }
      for (const size of [1, 2, 3, 7, 1000, wire.byteLength]) {
        const got: Uint8Array[] = []
        const parser = new FrameParser(70_000, f => got.push(f))
        for (let i = 0; i < wire.byteLength; i += size) parser.push(wire.subarray(i, i + size))
        assert.deepEqual(got, frames, `chunks of ${size}`)
        assert.equal(parser.partial, false)
      }
    })

    it('refuses a length prefix one byte longer than the largest frame needs, whatever it says', () => {
      const parser = new FrameParser(70_000, () => assert.fail('no frame'))
      assert.equal(varintLength(70_000), 3)
      assert.throws(() => { parser.push(Uint8Array.of(0x80, 0x80, 0x80, 0x00)) }, FrameLengthError)
      assert.throws(() => { new FrameParser(70_000, () => {}).push(new Uint8Array(1024 * 1024).fill(0xff)) }, /longer than the 3 bytes/)
    })

    it('refuses a length over the maximum before keeping a body byte', () => {
      assert.throws(() => { new FrameParser(1000, () => {}).push(Uint8Array.of(0xe9, 0x07)) }, /frame of 1001 bytes exceeds 1000/)
      const ok: Uint8Array[] = []
      new FrameParser(1000, f => ok.push(f)).push(Uint8Array.of(0xe8, 0x07, ...frame(1000)))
      assert.equal(ok[0].byteLength, 1000)
    })
  })

  describe('frameStream', () => {
    it('reads frames a pbStream peer writes, and pbStream reads what it writes', async () => {
      const [a, b] = await streamPair()
      const theirs = lpStream(a)
      const mine = frameStream(b, { maxDataLength: 100_000 })
      await theirs.writeV([frame(5), frame(70_000), frame(0)])
      assert.deepEqual(await mine.read(RAW), frame(5))
      assert.deepEqual(await mine.read(RAW), frame(70_000))
      assert.deepEqual(await mine.read(RAW), frame(0))
      await mine.writeV([frame(3), frame(200)], RAW)
      assert.deepEqual((await theirs.read()).subarray(), frame(3))
      assert.deepEqual((await theirs.read()).subarray(), frame(200))
    })

    it('aborts the stream at the first byte a length prefix may not have; reads fail with that error', async () => {
      const [a, b] = await streamPair()
      const mine = frameStream(b, { maxDataLength: 70_000 })
      const closed = closedWith(a)
      a.send(new Uint8Array(16 * 1024 * 1024).fill(0xff))
      await assert.rejects(mine.read(RAW), FrameLengthError)
      await assert.rejects(mine.read(RAW), FrameLengthError, 'later reads fail the same way')
      assert.ok(await closed != null, 'the sender sees its stream reset')
    })

    it('ends a frame that does not arrive whole within its deadline, however slowly bytes drip', async () => {
      const [a, b] = await streamPair()
      const mine = frameStream(b, { maxDataLength: 1000, frameDeadlineMs: 150 })
      const reading = assert.rejects(mine.read(RAW), FrameTimeoutError)
      a.send(Uint8Array.of(100))
      for (let i = 0; i < 10 && a.status === 'open'; i++) {
        await sleep(30)
        if (a.status === 'open') a.send(Uint8Array.of(1))
      }
      await reading
    })

    it('gives every frame of a steady pipeline its own deadline (frames cut across chunks never add up)', async () => {
      const [a, b] = await streamPair()
      const mine = frameStream(b, { maxDataLength: 1000, frameDeadlineMs: 100 })
      // each chunk finishes one frame and starts the next, for three deadlines in a row
      a.send(Uint8Array.of(4, 1, 2))
      const got: Uint8Array[] = []
      for (let i = 0; i < 12; i++) {
        await sleep(25)
        a.send(Uint8Array.of(3, 4, 4, 1, 2))
        got.push(await mine.read(RAW))
      }
      assert.equal(got.length, 12)
      assert.deepEqual(got[0], Uint8Array.of(1, 2, 3, 4))
    })

    it('says where the stream ended: between frames, or in the middle of one', async () => {
      const [a, b] = await streamPair()
      const mine = frameStream(b, { maxDataLength: 1000 })
      a.send(Uint8Array.of(2, 7, 7, 5, 1))
      await a.close()
      assert.deepEqual(await mine.read(RAW), Uint8Array.of(7, 7))
      await assert.rejects(mine.read(RAW), { name: 'UnexpectedEOFError', message: /middle of a frame/ })

      const [c, d] = await streamPair()
      const other = frameStream(d, { maxDataLength: 1000 })
      await c.close()
      await assert.rejects(other.read(RAW), { name: 'UnexpectedEOFError', message: 'the stream ended' })
    })

    it('pauses the stream when unread frames pass maxQueuedBytes, and resumes as they are read', async () => {
      const [a, b] = await streamPair()
      const mine = frameStream(b, { maxDataLength: 1000, maxQueuedBytes: 4000 })
      for (let i = 0; i < 20; i++) a.send(Uint8Array.of(0xe8, 0x07, ...frame(1000)))
      await sleep(50)
      assert.equal(b.readStatus, 'paused')
      for (let i = 0; i < 20; i++) assert.equal((await mine.read(RAW)).byteLength, 1000)
      assert.equal(b.readStatus, 'readable')
    })

    it('a read aborted by its signal leaves the stream readable', async () => {
      const [a, b] = await streamPair()
      const mine = frameStream(b, { maxDataLength: 1000 })
      await assert.rejects(mine.read(RAW, { signal: AbortSignal.timeout(20) }), { name: 'TimeoutError' })
      a.send(Uint8Array.of(1, 9))
      assert.deepEqual(await mine.read(RAW), Uint8Array.of(9))
    })
  })

  describe('guardFrames', () => {
    it('leaves another reader its frames and resets the stream at a bad prefix', async () => {
      const [a, b] = await streamPair()
      guardFrames(b, { maxDataLength: 1000 })
      const theirs = lpStream(b)
      a.send(Uint8Array.of(3, 1, 2, 3))
      assert.deepEqual((await theirs.read()).subarray(), Uint8Array.of(1, 2, 3))
      const closed = closedWith(b)
      a.send(new Uint8Array(1024 * 1024).fill(0xff))
      assert.ok((await closed) instanceof FrameLengthError)
      await assert.rejects(theirs.read())
    })

    it('resets a stream whose frame drips slower than the deadline', async () => {
      const [a, b] = await streamPair()
      guardFrames(b, { maxDataLength: 1000, frameDeadlineMs: 100 })
      const closed = closedWith(b)
      a.send(Uint8Array.of(10, 1))
      assert.ok((await closed) instanceof FrameTimeoutError)
    })
  })
})
