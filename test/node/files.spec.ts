/**
 * Files between real `ferry start` daemons (docs/FILES.md): a 20 MiB file arrives with the
 * sender's SHA-256; a receiver killed (SIGKILL) half way resumes without the finished chunks being
 * sent again; a file to an offline recipient waits at its mailbox and arrives with the sender
 * gone; a chunk altered at the mailbox is refused and fetched from the sender; a disappearing
 * file leaves no byte of itself in any data dir, the SQLite WAL included.
 */
import assert from 'node:assert/strict'
import { createHash, randomBytes } from 'node:crypto'
import { spawn } from 'node:child_process'
import { readdirSync, readFileSync, statSync, truncateSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { Readable } from 'node:stream'
import { DatabaseSync } from 'node:sqlite'
import { ApiClient } from '../../node/cli/client.js'
import { befriend, BIN, cli, DaemonProcess, sleep, startDaemons, stopAll, tempDir, waitFor } from './harness.js'

const MiB = 1024 * 1024
const sha = (b: Uint8Array): string => createHash('sha256').update(b).digest('hex')

/** The incoming message carrying file `name`, with its file status. */
async function incoming (d: DaemonProcess, name: string): Promise<any> {
  return (await d.messages('in')).find(m => m.file?.name === name)
}

async function waitComplete (d: DaemonProcess, name: string, timeoutMs = 120_000): Promise<any> {
  let last: any
  await waitFor(`${name} complete at ${d.name}`, async () => {
    last = await incoming(d, name).catch(() => undefined)
    return last?.file?.status === 'complete'
  }, timeoutMs)
  return last
}

/** `ferry file get` through the CLI: the plaintext's SHA-256. */
async function fetchHash (d: DaemonProcess, id: string): Promise<string> {
  const out = join(tempDir('ferry-file-out-'), 'got.bin')
  const r = await cli(['file', 'get', id, '--out', out, '--data-dir', d.dir])
  assert.equal(r.code, 0, r.stderr)
  return sha(readFileSync(out))
}

/** Every file under `dir`, recursively. */
function filesUnder (dir: string): string[] {
  return readdirSync(dir).flatMap(n => {
    const p = join(dir, n)
    return statSync(p).isDirectory() ? filesUnder(p) : [p]
  })
}

/** The data-dir files that hold `needle` anywhere (the database, its WAL, anything). */
function holding (dir: string, needle: Uint8Array): string[] {
  return filesUnder(dir).filter(p => readFileSync(p).includes(Buffer.from(needle)))
}

describe('files between daemons', function () {
  this.timeout(10 * 60_000)
  const made: DaemonProcess[] = []
  afterEach(async () => { await stopAll(made.splice(0)) })

  it('a 20 MiB file arrives with the same SHA-256; a receiver killed half way resumes without the finished chunks sent again', async () => {
    const [alice, bob] = await startDaemons('alice', 'bob')
    made.push(alice, bob)
    await befriend(alice, bob)
    // over the limit (100 MiB by default): refused before a byte is read, with the reason
    const huge = join(tempDir('ferry-file-in-'), 'huge.bin')
    writeFileSync(huge, '')
    truncateSync(huge, 101 * MiB) // sparse: no disk used
    const refused = await cli(['send', 'bob', '--file', huge, '--data-dir', alice.dir])
    assert.equal(refused.code, 1)
    assert.match(refused.stderr, /the most this node sends is 104857600 bytes \(100 MiB\)/)
    // the refusal comes before the upload (Expect: 100-continue): not one byte of the body is
    // read, and the answer never races a connection closed under an upload in flight
    for (let i = 0; i < 5; i++) {
      let pulled = 0
      const body = new Readable({ read () { pulled += 65536; this.push(Buffer.alloc(65536)) } })
      const err = await new ApiClient(alice.dir).raw('POST', '/v1/files?contact=bob&name=huge.bin', body, { 'content-length': String(101 * MiB) }).then(() => undefined, e => e)
      assert.equal(err?.name, 'ApiError', String(err))
      assert.equal(err.status, 413)
      assert.equal(pulled, 0, `${pulled} bytes of a refused file were read`)
    }
    const bytes = randomBytes(20 * MiB)
    const path = join(tempDir('ferry-file-in-'), 'big.bin')
    writeFileSync(path, bytes)
    // bob follows his messages through a pipe, as a person would watch them
    const follow = spawn(process.execPath, [BIN, 'messages', '--follow', '--data-dir', bob.dir], { stdio: ['ignore', 'pipe', 'pipe'] })
    let followed = ''
    follow.stdout.on('data', d => { followed += String(d) })
    const sent = await cli(['send', 'bob', '--file', path, '--data-dir', alice.dir])
    assert.equal(sent.code, 0, sent.stderr)
    assert.match(sent.stdout.trim(), /^[0-9a-f]{32} (queued|delivered)$/)
    // kill the receiver once a quarter of the file is there
    let atKill = 0
    await waitFor('a quarter of the file at bob', async () => {
      const m = await incoming(bob, 'big.bin').catch(() => undefined)
      atKill = m?.file?.received ?? 0
      return atKill >= 5 * MiB
    }, 120_000)
    follow.kill()
    // the progress bar moved while the file came
    const bars = followed.split('\n').filter(l => l.includes('[file big.bin, 20.0 MiB] ['))
    assert.ok(bars.length >= 1, `no progress line in:\n${followed}`)
    assert.match(bars[bars.length - 1], /\] \d+%$/)
    await bob.stop('SIGKILL')
    const servedBefore = (await alice.api.get('/v1/status')).files.servedChunks
    await bob.start()
    const m = await waitComplete(bob, 'big.bin')
    assert.equal(m.file.sha256, sha(bytes))
    assert.equal(m.file.size, 20 * MiB)
    assert.equal(await fetchHash(bob, m.id), sha(bytes))
    const served = (await alice.api.get('/v1/status')).files.servedChunks
    const chunks = 20 * MiB / (64 * 1024)
    console.log(`      held at the kill: ${(atKill / MiB).toFixed(1)} MiB; chunks served in all: ${served} of ${chunks} (${servedBefore} before the restart)`)
    // without resuming, bob would ask for all 320 again after holding 80+: at least 400 served.
    // With it, at most the window in flight at the kill (2 requests of 32) is sent twice.
    assert.ok(served <= chunks + 64, `${served} chunks served for a ${chunks}-chunk file`)
  })

  it('a file to an offline recipient waits at its mailbox and arrives with the sender gone; a chunk altered there is refused and fetched from the sender', async () => {
    const [alice, bob, mbox] = await startDaemons('alice', 'bob', 'mbox')
    made.push(alice, bob, mbox)
    await befriend(alice, bob)
    await befriend(bob, mbox)
    await mbox.api.post('/v1/mailbox/host', { name: 'bob' })
    await bob.api.post('/v1/mailbox/use', { names: ['mbox'] })
    await waitFor('alice holds bob\'s capability', async () => {
      await bob.api.post('/v1/messages', { contact: 'alice', text: 'hi' }) // any message carries the capability along
      return (await alice.messages('in')).length > 0
    })
    await sleep(2_000)
    await bob.stop()
    const dir = tempDir('ferry-file-in-')
    const one = randomBytes(3 * MiB)
    const two = randomBytes(2 * MiB + 5)
    writeFileSync(join(dir, 'one.bin'), one)
    writeFileSync(join(dir, 'two.bin'), two)
    assert.equal((await cli(['send', 'bob', '--file', join(dir, 'one.bin'), '--data-dir', alice.dir])).code, 0)
    assert.equal((await cli(['send', 'bob', '--file', join(dir, 'two.bin'), '--data-dir', alice.dir])).code, 0)
    // both files' chunks (48 + 33, each one deposit) and both messages reach the mailbox
    await waitFor('the chunks at the mailbox', async () => {
      const s = await mbox.api.get('/v1/mailbox')
      return (s.hosting?.[0]?.messages ?? 0) >= 48 + 33 + 2
    }, 60_000)
    // alter one chunk of two.bin at the mailbox (the host's own database, while it is stopped)
    await mbox.stop()
    const db = new DatabaseSync(join(mbox.dir, 'ferry.db'))
    const rows = db.prepare('SELECT cursor, envelope FROM mailbox_items ORDER BY cursor').all() as Array<{ cursor: number, envelope: Uint8Array }>
    const big = rows.filter(r => r.envelope.byteLength > 60_000)
    assert.ok(big.length >= 80, `${big.length} chunk envelopes at the host`)
    const victim = big[big.length - 5] // among two.bin's, deposited last
    const altered = new Uint8Array(victim.envelope)
    altered[altered.byteLength - 5000] ^= 0x01
    db.prepare('UPDATE mailbox_items SET envelope = ? WHERE cursor = ?').run(altered, victim.cursor)
    db.close()
    await mbox.start()
    // the sender goes away: one.bin can only come from the mailbox
    await alice.stop()
    await bob.start()
    const m1 = await waitComplete(bob, 'one.bin')
    assert.equal(await fetchHash(bob, m1.id), sha(one))
    await waitFor('two.bin waits for its refused chunk', async () => /refused/.test((await incoming(bob, 'two.bin'))?.file?.error ?? ''), 60_000)
    const m2 = await incoming(bob, 'two.bin')
    assert.equal(m2.file.status, 'fetching', 'not complete with a chunk refused')
    // the sender returns: the missing chunk comes from it, and only that one
    await alice.start()
    const done = await waitComplete(bob, 'two.bin')
    assert.equal(await fetchHash(bob, done.id), sha(two))
    const served = (await alice.api.get('/v1/status')).files.servedChunks
    assert.equal(served, 1, 'the sender sent only the chunk the mailbox could not give')
  })

  it('a file sent with --expires 20s is gone from sender, mailbox and recipient after 20 s, its bytes absent from every data dir and WAL', async () => {
    const [alice, bob, mbox] = await startDaemons('alice', 'bob', 'mbox')
    made.push(alice, bob, mbox)
    await befriend(alice, bob)
    await befriend(bob, mbox)
    await mbox.api.post('/v1/mailbox/host', { name: 'bob' })
    await bob.api.post('/v1/mailbox/use', { names: ['mbox'] })
    await waitFor('alice holds bob\'s capability', async () => {
      await bob.api.post('/v1/messages', { contact: 'alice', text: 'hi' })
      return (await alice.messages('in')).length > 0
    })
    await sleep(2_000)
    await bob.stop()
    const bytes = randomBytes(MiB)
    const path = join(tempDir('ferry-file-in-'), 'brief.bin')
    writeFileSync(path, bytes)
    const t0 = Date.now()
    assert.equal((await cli(['send', 'bob', '--file', path, '--expires', '20s', '--data-dir', alice.dir])).code, 0)
    // samples of the sealed chunks, read from the sender's database
    const db = new DatabaseSync(join(alice.dir, 'ferry.db'), { readOnly: true })
    const chunkRows = db.prepare('SELECT idx, data FROM file_chunks ORDER BY idx').all() as Array<{ idx: number, data: Uint8Array }>
    db.close()
    assert.equal(chunkRows.length, 16)
    const samples = [chunkRows[0], chunkRows[7], chunkRows[15]].map(r => new Uint8Array(r.data).slice(1000, 1064))
    await waitFor('the chunks at the mailbox', async () => ((await mbox.api.get('/v1/mailbox')).hosting?.[0]?.bytes ?? 0) >= MiB, 15_000)
    for (const s of samples) assert.ok(holding(mbox.dir, s).length > 0 || holding(alice.dir, s).length > 0, 'the search finds a chunk while it lives')
    await bob.start()
    const m = await waitComplete(bob, 'brief.bin', 15_000)
    assert.equal(m.file.sha256, sha(bytes))
    assert.ok(holding(bob.dir, samples[1]).length > 0, 'the recipient holds the chunks before the time is up')
    const left = t0 + 20_000 - Date.now()
    await sleep(Math.max(0, left) + 3_000)
    for (const d of [alice, bob]) {
      const msgs = await d.messages()
      assert.ok(!msgs.some(x => x.file?.name === 'brief.bin'), `${d.name} still lists the file`)
    }
    for (const d of [alice, bob, mbox]) {
      for (const s of samples) assert.deepEqual(holding(d.dir, s), [], `${d.name}'s data dir still holds a chunk`)
    }
  })

  it('chunks a mailbox refuses (over its quota) are said so at the sender, and the file comes directly when both are online', async () => {
    const [alice, bob, mbox] = await startDaemons('alice', 'bob', 'mbox')
    made.push(alice, bob, mbox)
    await befriend(alice, bob)
    await befriend(bob, mbox)
    await mbox.api.post('/v1/mailbox/host', { name: 'bob', quotaBytes: MiB })
    await bob.api.post('/v1/mailbox/use', { names: ['mbox'] })
    await waitFor('alice holds bob\'s capability', async () => {
      await bob.api.post('/v1/messages', { contact: 'alice', text: 'hi' })
      return (await alice.messages('in')).length > 0
    })
    await sleep(2_000)
    await bob.stop()
    const bytes = randomBytes(3 * MiB)
    const path = join(tempDir('ferry-file-in-'), 'three.bin')
    writeFileSync(path, bytes)
    assert.equal((await cli(['send', 'bob', '--file', path, '--data-dir', alice.dir])).code, 0)
    await waitFor('the refusal shown at the sender', async () => /refused by the recipient's mailboxes/.test((await alice.messages('out')).find(m => m.file?.name === 'three.bin')?.file?.error ?? ''), 60_000)
    const listed = await cli(['messages', 'bob', '--data-dir', alice.dir])
    assert.match(listed.stdout, /\[file three\.bin, 3\.0 MiB\] \(complete\) - \d+ of 48 chunks were refused by the recipient's mailboxes/)
    await bob.start()
    const m = await waitComplete(bob, 'three.bin')
    assert.equal(await fetchHash(bob, m.id), sha(bytes))
    assert.ok((await alice.api.get('/v1/status')).files.servedChunks > 0, 'the refused chunks came from the sender')
  })

  it('a file sent to a team room with ferry group send --file reaches every member with the same SHA-256 (members need not be each other\'s contacts: the sender serves it)', async () => {
    const [alice, bob, carol] = await startDaemons('alice', 'bob', 'carol')
    made.push(alice, bob, carol)
    await befriend(alice, bob)
    await befriend(alice, carol)
    const room = JSON.parse((await cli(['group', 'create', 'field', '--member', 'bob', '--member', 'carol', '--json', '--data-dir', alice.dir])).stdout)
    for (const d of [bob, carol]) await waitFor(`${d.name} in the room's keys`, async () => (await cli(['group', 'info', room.group, '--json', '--data-dir', d.dir])).stdout.includes('"keys": "member"'), 60_000)
    const bytes = randomBytes(2 * MiB + 3)
    const path = join(tempDir('ferry-file-in-'), 'plan.pdf')
    writeFileSync(path, bytes)
    const sent = await cli(['group', 'send', 'field', '--file', path, 'the plan', '--data-dir', alice.dir])
    assert.equal(sent.code, 0, sent.stderr)
    assert.match(sent.stdout.trim(), /^[0-9a-f]+ delivered \d\/2$/)
    for (const d of [bob, carol]) {
      let m: any
      await waitFor(`the file complete at ${d.name}`, async () => {
        const list = JSON.parse((await cli(['messages', '--group', room.group, '--json', '--data-dir', d.dir])).stdout)
        m = list.find((x: any) => x.file?.name === 'plan.pdf')
        return m?.file?.status === 'complete'
      }, 60_000)
      assert.equal(m.text, 'the plan')
      assert.equal(m.file.type, 'application/pdf')
      assert.equal(m.file.sha256, sha(bytes))
      assert.equal(await fetchHash(d, m.id), sha(bytes))
    }
    const line = (await cli(['messages', '--group', 'field', '--data-dir', bob.dir])).stdout
    assert.match(line, /the plan \[file plan\.pdf, 2\.0 MiB\] \(complete\)/)
  })
})
