/**
 * Call signalling (protocol/calls/signals.ts): offers, answers and hang-ups travel as sealed
 * control messages over the Ferry session, so a byte changed on the way (a relaying peer editing a
 * DTLS fingerprint) makes the signal fail instead of reaching the callee; strangers cannot ring;
 * a hang-up is the call's record in both histories. Production createFerry nodes on the memory
 * transport with node:crypto (the media half runs in Chromium: test/browser/calls.spec.ts).
 */
import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { waitFor } from './harness.js'
import { memoryFerries } from '../memory-ferries.js'
import { callRecordText, encodeSignal, readCallRecord, SIGNAL_TTL_MS } from '../../protocol/calls/signals.js'
import { Envelope } from '../../protocol/pb/ferry.js'
import type { CallRecord, ReceivedSignal } from '../../protocol/calls/signals.js'
import type { Ferry } from '../../protocol/index.js'

const SDP = 'v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\na=fingerprint:sha-256 AB:CD:EF\r\n'
const newCall = (): string => randomBytes(16).toString('hex')

describe('call signalling', function () {
  this.timeout(60_000)
  const net = memoryFerries('calls')
  let alice: Ferry
  let bob: Ferry
  const heard: ReceivedSignal[] = []
  after(async () => { await net.stop() })

  before(async () => {
    [alice, bob] = await Promise.all([net.node('alice'), net.node('bob')])
    await alice.roster.add('bob', await bob.roster.invite())
    await bob.roster.add('alice', await alice.roster.invite())
    bob.calls.listen(s => heard.push(s))
  })

  const statusOf = async (f: Ferry, id: string): Promise<string | undefined> => (await f.conversations.history()).find(m => m.id === id)?.status ??
    (await (f as any).stores.messages.get(id, 'out'))?.status

  it('an offer reaches the callee whole, from the contact, and stays out of both histories', async () => {
    const call = newCall()
    const mediaKey = randomBytes(32)
    const sent = await alice.calls.send('bob', { call, kind: 'offer', sdp: SDP, video: true, mediaKey })
    assert.equal(sent.expiresAt - sent.createdAt, SIGNAL_TTL_MS, 'a signal lives a minute')
    await waitFor('bob hears the offer', () => heard.some(s => s.call === call))
    const offer = heard.find(s => s.call === call)
    assert.equal(offer?.kind, 'offer')
    assert.equal(offer?.sdp, SDP)
    assert.equal(offer?.video, true)
    assert.deepEqual(offer?.mediaKey, new Uint8Array(mediaKey), 'the frame key, sealed with the offer')
    assert.equal(offer?.contact, 'alice')
    assert.equal(offer?.peer, alice.peerId)
    assert.equal((await alice.conversations.history()).some(m => m.id === sent.id), false, 'not in the caller\'s history')
    assert.equal((await bob.conversations.history()).some(m => m.id === sent.id), false, 'not in the callee\'s history')
    assert.deepEqual(await bob.conversations.unread(), {}, 'and not unread')
  })

  it('a hang-up is the call\'s record in both histories, and is heard', async () => {
    const call = newCall()
    const record: CallRecord = { video: true, outcome: 'ended', durationMs: 65_000 }
    const sent = await alice.calls.send('bob', { call, kind: 'hangup' }, record)
    await waitFor('bob hears the hang-up', () => heard.some(s => s.call === call && s.kind === 'hangup'))
    const mine = (await alice.conversations.history()).find(m => m.id === sent.id)
    const theirs = (await bob.conversations.history()).find(m => m.id === sent.id)
    assert.equal(mine?.text, '📹 Video call · 1:05')
    assert.equal(theirs?.text, '📹 Video call · 1:05')
    assert.deepEqual(readCallRecord(theirs?.text ?? ''), record)
  })

  it('a signal altered on the way (a relaying peer editing the fingerprint) is refused: never heard, failed at the caller', async () => {
    const dm = (alice.libp2p.services as any).dm
    const send = dm.send.bind(dm)
    dm.send = async (connection: unknown, bytes: Uint8Array, options: unknown) => {
      // the peer in the middle changes one byte of the sealed content, where the SDP is
      const env = Envelope.decode(bytes)
      env.payload = env.payload.slice()
      let end = env.payload.byteLength - 1 // past the sealed content: padding, 0x80 then zeros
      while (end > 0 && env.payload[end] === 0) end--
      env.payload[end - 40] ^= 0x01
      return send(connection, Envelope.encode(env), options)
    }
    const call = newCall()
    try {
      const sent = await alice.calls.send('bob', { call, kind: 'offer', sdp: SDP.replace('AB:CD:EF', '00:11:22'), video: false })
      await waitFor('the altered offer fails at the caller', async () => await statusOf(alice, sent.id) === 'failed', 20_000)
      assert.match((await (alice as any).stores.messages.get(sent.id, 'out')).error, /cannot decrypt/)
    } finally {
      dm.send = send
    }
    assert.equal(heard.some(s => s.call === call), false, 'the callee never rang')
    // the session survives: the next call goes through
    const next = newCall()
    await alice.calls.send('bob', { call: next, kind: 'offer', sdp: SDP, video: false })
    await waitFor('the next offer is heard', () => heard.some(s => s.call === next), 30_000)
  })

  it('a stranger cannot ring: refused before anything is kept', async () => {
    const mallory = await net.node('mallory')
    await mallory.roster.add('bob', await bob.roster.invite())
    const call = newCall()
    const sent = await mallory.calls.send('bob', { call, kind: 'offer', sdp: SDP, video: true })
    await waitFor('the stranger\'s offer fails', async () => await statusOf(mallory, sent.id) === 'failed', 20_000)
    const row = await (mallory as any).stores.messages.get(sent.id, 'out')
    assert.match(row.error, /from someone who is not a contact are refused/)
    assert.equal(heard.some(s => s.call === call), false)
    assert.deepEqual(await bob.roster.requests(), [], 'no message request either')
  })

  it('a malformed signal is refused with its reason, and never heard', async () => {
    const call = newCall()
    // a contact's software sends a call id of the wrong length (the sender's own check is skipped)
    const wire = { ...encodeSignal({ call, kind: 'hangup' }), id: randomBytes(5) }
    const sent = await alice.conversations.send('bob', '', { call: wire, ttlMs: SIGNAL_TTL_MS })
    await waitFor('the malformed signal fails', async () => await statusOf(alice, sent.id) === 'failed', 20_000)
    assert.match((await (alice as any).stores.messages.get(sent.id, 'out')).error, /a call id is 16 bytes/)
    assert.throws(() => encodeSignal({ call, kind: 'offer', sdp: 'x'.repeat(16 * 1024 + 1) }), /over 16384 characters/)
    assert.throws(() => encodeSignal({ call, kind: 'answer' }), /carries a session description/)
    assert.throws(() => encodeSignal({ call, kind: 'candidates', candidates: Array(33).fill('c') }), /at most 32 candidates/)
    assert.throws(() => encodeSignal({ call, kind: 'offer', sdp: SDP, mediaKey: randomBytes(16) }), /a media key is 32 bytes/)
  })
})

describe('call records', () => {
  it('reads back every record it writes, and nothing else', () => {
    const records: CallRecord[] = [
      { video: false, outcome: 'missed' }, { video: true, outcome: 'missed' }, { video: false, outcome: 'declined' },
      { video: true, outcome: 'failed' }, { video: false, outcome: 'ended', durationMs: 0 }, { video: true, outcome: 'ended', durationMs: 3_723_000 }
    ]
    for (const r of records) assert.deepEqual(readCallRecord(callRecordText(r)), r, callRecordText(r))
    assert.equal(callRecordText(records[5]), '📹 Video call · 62:03')
    for (const text of ['hello', '📞 Missed voice call!', 'Missed voice call', '📞 Voice call · 1:5', '📞 voice call failed']) assert.equal(readCallRecord(text), undefined, text)
  })
})
