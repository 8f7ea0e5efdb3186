/**
 * Message requests, blocking and removal through the CLI and the control API, between two real
 * `ferry start` daemons on 127.0.0.1. Mallory holds victor's invite; victor never added her.
 */
import assert from 'node:assert/strict'
import { cli, sleep, startDaemons, stopAll, waitFor } from './harness.js'
import type { DaemonProcess } from './harness.js'

describe('message requests, blocking and removing through the CLI', function () {
  this.timeout(180_000)
  let victor: DaemonProcess
  let mallory: DaemonProcess

  const run = async (d: DaemonProcess, ...args: string[]): Promise<{ code: number, stdout: string, stderr: string }> => cli([...args, '--data-dir', d.dir])
  const json = async <T = any>(d: DaemonProcess, ...args: string[]): Promise<T> => {
    const r = await run(d, ...args, '--json')
    assert.equal(r.code, 0, r.stderr)
    return JSON.parse(r.stdout)
  }
  const send = async (text: string): Promise<void> => {
    const r = await run(mallory, 'send', 'victor', text)
    assert.equal(r.code, 0, r.stderr)
  }
  const shown = async (): Promise<string[]> => (await json<any[]>(victor, 'messages')).filter(m => m.direction === 'in').map(m => m.text)

  before(async () => {
    [victor, mallory] = await startDaemons('victor', 'mallory')
    const r = await run(mallory, 'contact', 'add', 'victor', await victor.invite())
    assert.equal(r.code, 0, r.stderr)
  })

  after(async () => { await stopAll([victor, mallory]) })

  it('keeps a stranger\'s messages as one request, out of `ferry messages`, and says so in plain text', async () => {
    for (const t of ['one', 'two', 'three']) await send(t)
    await waitFor('a request with three messages', async () => (await json<any[]>(victor, 'requests'))[0]?.messages === 3, 60_000)
    const [req, ...more] = await json<any[]>(victor, 'requests')
    assert.equal(more.length, 0)
    assert.equal(req.peer, (await mallory.api.get('/v1/id')).peerId)
    assert.equal(req.identity, (await mallory.api.get('/v1/id')).identity)
    assert.equal(req.text, 'three')
    assert.equal(typeof req.receivedAt, 'number')
    assert.deepEqual(await shown(), [], 'nothing in the history')
    const plain = await run(victor, 'requests')
    assert.match(plain.stdout, new RegExp(`${req.id}  from ${req.peer}  3 messages`))
    assert.match(plain.stdout, /latest: three/)
    assert.equal((await json<any[]>(mallory, 'messages', 'victor')).filter(m => m.status === 'delivered').length, 3, 'delivered: victor holds them')
  })

  it('refuses an unknown request, a taken name and a bad one, clearly', async () => {
    const unknown = await run(victor, 'requests', 'accept', 'nope', '--name', 'x')
    assert.equal(unknown.code, 1)
    assert.match(unknown.stderr, /no message request "nope"/)
    const noName = await run(victor, 'requests', 'accept', 'nope')
    assert.equal(noName.code, 2)
    const [req] = await json<any[]>(victor, 'requests')
    const badName = await run(victor, 'requests', 'accept', req.id, '--name', 'bad name!')
    assert.equal(badName.code, 1)
    assert.match(badName.stderr, /contact name/)
  })

  it('accepting makes the sender a contact and its messages join the history; replies flow', async () => {
    const [req] = await json<any[]>(victor, 'requests')
    const c = await json(victor, 'requests', 'accept', req.id, '--name', 'mallory')
    assert.equal(c.name, 'mallory')
    assert.deepEqual(await shown(), ['one', 'two', 'three'])
    assert.deepEqual(await json(victor, 'requests'), [])
    assert.equal((await run(victor, 'send', 'mallory', 'hello back')).code, 0)
    await waitFor('mallory has the reply', async () => (await json<any[]>(mallory, 'messages', 'victor')).some(m => m.direction === 'in' && m.text === 'hello back'), 60_000)
  })

  it('blocking turns her messages away without telling her; unblocking lets them through', async () => {
    const r = await run(victor, 'contact', 'block', 'mallory')
    assert.equal(r.code, 0, r.stderr)
    assert.equal((await json<any[]>(victor, 'contact', 'list')).find(c => c.name === 'mallory')?.blocked, true)
    await send('while blocked')
    await sleep(5_000)
    assert.ok(!(await shown()).includes('while blocked'))
    assert.deepEqual(await json(victor, 'requests'), [])
    const out = (await json<any[]>(mallory, 'messages', 'victor')).find(m => m.text === 'while blocked')
    assert.equal(out?.status, 'queued', 'she sees it queued, as with a busy recipient')
    const refused = await run(victor, 'send', 'mallory', 'to a blocked contact')
    assert.equal(refused.code, 1)
    assert.match(refused.stderr, /blocked: unblock them/)

    assert.equal((await run(victor, 'contact', 'unblock', 'mallory')).code, 0)
    await waitFor('the held message arrives', async () => (await shown()).includes('while blocked'), 90_000)
  })

  it('removing keeps the conversation; what she sends next is a request, and declining with --block ends it', async () => {
    assert.equal((await run(victor, 'contact', 'remove', 'mallory')).code, 0)
    assert.equal((await json<any[]>(victor, 'contact', 'list')).some(c => c.name === 'mallory'), false)
    assert.ok((await shown()).includes('one'), 'history stays')
    await send('after removal')
    await waitFor('a new request', async () => (await json<any[]>(victor, 'requests')).some(r => r.text === 'after removal'), 60_000)
    const [req] = await json<any[]>(victor, 'requests')
    const declined = await json(victor, 'requests', 'decline', req.id, '--block')
    assert.equal(declined.messages, 1)
    await send('after decline')
    await sleep(5_000)
    assert.deepEqual(await json(victor, 'requests'), [])
    assert.ok(!(await shown()).includes('after decline'))
  })
})
