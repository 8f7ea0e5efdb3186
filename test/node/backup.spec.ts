/**
 * Identity backup and recovery between real daemons: alice exports (her daemon running), her data
 * dir is deleted, the backup is imported into a fresh one, and she starts again. Her contacts and
 * safety-number verifications are back, and messages flow both ways again although no session
 * survived the restore: whoever sends first, and also when the restart list was lost and only a
 * message that fits no session tells alice to start over.
 */
import assert from 'node:assert/strict'
import { existsSync, rmSync } from 'node:fs'
import { join } from 'node:path'
import { DatabaseSync } from 'node:sqlite'
import { befriend, cli, DaemonProcess, startDaemons, stopAll, tempDir, waitFor } from './harness.js'

const texts = (list: any[]): string[] => list.map(m => m.text)

/** `ferry backup export --json` of a data dir: the recovery phrase. */
async function exportBackup (dir: string, file: string): Promise<string> {
  const r = await cli(['backup', 'export', file, '--json', '--data-dir', dir])
  assert.equal(r.code, 0, r.stderr)
  const { phrase } = JSON.parse(r.stdout)
  assert.equal(phrase.split(' ').length, 24)
  return phrase
}

/**
 * Stop `d`, delete its data dir, import `file` into a new one and return a daemon for it (not
 * started). The old dir's path is not reused: nothing of it may help.
 */
async function lose (d: DaemonProcess, file: string, phrase: string): Promise<{ daemon: DaemonProcess, imported: any }> {
  await d.stop()
  rmSync(d.dir, { recursive: true, force: true })
  const dir = join(tempDir('ferry-restored-'), 'data')
  const r = await cli(['backup', 'import', file, '--json', '--data-dir', dir], { FERRY_RECOVERY_PHRASE: phrase, FERRY_PASSPHRASE: '' })
  assert.equal(r.code, 0, r.stderr)
  return { daemon: new DaemonProcess(dir, d.name), imported: JSON.parse(r.stdout) }
}

describe('identity backup and recovery between daemons', function () {
  this.timeout(300_000)
  let alice: DaemonProcess
  let bob: DaemonProcess
  const files = tempDir('ferry-backups-')

  before(async () => {
    [alice, bob] = await startDaemons('alice', 'bob')
    await befriend(alice, bob)
    await bob.api.post('/v1/contacts/verify', { name: 'alice', action: 'confirm' })
    await alice.api.post('/v1/contacts/verify', { name: 'bob', action: 'confirm' })
    await alice.api.post('/v1/groups', { name: 'ops', members: ['bob'] })
    // sessions both ways, confirmed: bob's later messages to alice carry no PQXDH initial message
    await alice.api.post('/v1/messages', { contact: 'bob', text: 'before 1' })
    await waitFor('bob has before 1', async () => texts(await bob.messages('in')).includes('before 1'))
    await bob.api.post('/v1/messages', { contact: 'alice', text: 'before 2' })
    await waitFor('alice has before 2', async () => texts(await alice.messages('in')).includes('before 2'))
  })

  after(async () => {
    await stopAll([alice, bob])
    rmSync(files, { recursive: true, force: true })
  })

  it('restores contacts and verifications; bob sends first, alice replies, each arrives once', async () => {
    const file = join(files, 'one.ferry-backup')
    const phrase = await exportBackup(alice.dir, file) // the daemon runs while it exports
    const peerId = (await alice.api.get('/v1/id')).peerId
    const lost = await lose(alice, file, phrase)
    alice = lost.daemon
    assert.equal(lost.imported.contacts, 1)
    assert.deepEqual(lost.imported.rooms.map((r: any) => [r.name, r.members.length]), [['ops', 2]], 'the room, to be re-added to')
    await alice.start()
    assert.equal((await alice.api.get('/v1/id')).peerId, peerId, 'the same device')
    const contacts = await alice.api.get<any[]>('/v1/contacts')
    assert.deepEqual(contacts.map(c => [c.name, c.verified]), [['bob', true]])
    assert.equal((await alice.messages()).length, 0, 'no history without --history')
    const safety = await bob.api.get('/v1/contacts/safety?name=alice')
    assert.equal(safety.verified, true)
    assert.ok(safety.pending == null, 'bob sees no identity change: it is the same identity')
    // the restart alice's daemon queued on start reaches bob
    await waitFor('alice\'s restarts queued', () => /new sessions offered to 1 contact/.test(alice.log))
    await waitFor('alice\'s outbox to empty', async () => (await alice.api.get('/v1/status')).outbox === 0)
    await bob.api.post('/v1/messages', { contact: 'alice', text: 'bob first' })
    await waitFor('alice has bob first', async () => texts(await alice.messages('in')).includes('bob first'))
    await alice.api.post('/v1/messages', { contact: 'bob', text: 'alice replies' })
    await waitFor('bob has alice replies', async () => texts(await bob.messages('in')).includes('alice replies'))
    assert.deepEqual(texts(await alice.messages('in')), ['bob first'])
    assert.deepEqual(texts(await bob.messages('in')).filter(t => t === 'alice replies'), ['alice replies'])
    assert.ok((await bob.messages('out')).every(m => m.status !== 'failed'), 'nothing bob sent failed')
  })

  it('alice sends first right after the restore; bob replies; --history brings the messages back', async () => {
    const file = join(files, 'two.ferry-backup')
    const r = await cli(['backup', 'export', file, '--history', '--data-dir', alice.dir])
    assert.equal(r.code, 0, r.stderr)
    const phrase = r.stdout.trim().split('\n').at(-1) as string // the last line
    alice = (await lose(alice, file, phrase)).daemon
    await alice.start()
    assert.deepEqual(texts(await alice.messages()), ['bob first', 'alice replies'])
    await alice.api.post('/v1/messages', { contact: 'bob', text: 'alice first' })
    await waitFor('bob has alice first', async () => texts(await bob.messages('in')).includes('alice first'))
    await bob.api.post('/v1/messages', { contact: 'alice', text: 'bob replies' })
    await waitFor('alice has bob replies', async () => texts(await alice.messages('in')).includes('bob replies'))
    assert.deepEqual(texts(await alice.messages('in')), ['bob first', 'bob replies'])
    assert.deepEqual(texts(await bob.messages('in')).filter(t => t === 'alice first'), ['alice first'])
  })

  it('without the restart list, a message that fits no session makes alice start over', async () => {
    const file = join(files, 'three.ferry-backup')
    const phrase = await exportBackup(alice.dir, file)
    alice = (await lose(alice, file, phrase)).daemon
    // as if the import's restart list were lost: only the undecryptable message can tell alice
    const db = new DatabaseSync(join(alice.dir, 'ferry.db'))
    db.exec('DELETE FROM session_restarts')
    db.close()
    await alice.start()
    await bob.api.post('/v1/messages', { contact: 'alice', text: 'on the old session' })
    await waitFor('bob\'s old-session message to fail', async () => (await bob.messages('out')).some(m => m.text === 'on the old session' && m.status === 'failed'))
    // alice answered the failure with a restart; bob's next messages use its session
    let arrived: string | undefined
    for (let k = 1; k <= 10 && arrived == null; k++) {
      await bob.api.post('/v1/messages', { contact: 'alice', text: `again ${k}` })
      await waitFor(`again ${k} to settle at bob`, async () => (await bob.messages('out')).some(m => m.text === `again ${k}` && m.status !== 'queued'))
      if ((await bob.messages('out')).some(m => m.text === `again ${k}` && m.status === 'delivered')) arrived = `again ${k}`
    }
    assert.ok(arrived != null, 'a message from bob arrives again')
    assert.equal((await bob.messages('out')).filter(m => m.status === 'failed').length <= 2, true, 'at most one more failed before the restart arrived')
    await waitFor('alice has it', async () => texts(await alice.messages('in')).includes(arrived as string))
    assert.deepEqual(texts(await alice.messages('in')), [arrived])
    assert.ok(existsSync(join(alice.dir, 'identity.key')))
  })
})
