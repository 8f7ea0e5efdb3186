/**
 * Linked devices between real daemons, driven through the CLI and the control API: alice links a
 * second daemon with a one-time code; bob, who only ever added alice's first device, reaches both
 * and sees one conversation; a reply from the second device shows on the first as sent; both
 * devices catch up after being offline at different times; a revoked device gets nothing more
 * and what it sends is refused.
 */
import assert from 'node:assert/strict'
import { createHash, randomBytes } from 'node:crypto'
import { readFileSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { DatabaseSync } from 'node:sqlite'
import { Key } from 'interface-datastore'
import { backupKeys, restoredDeviceList } from '../../protocol/backup/contents.js'
import { decodeBundle } from '../../protocol/crypto/bundle.js'
import type { PrekeyBundle } from '../../protocol/crypto/bundle.js'
import { createIdentity, heldIdentityKey, holdsIdentityKey, identityToString, peerIdFromBytes } from '../../protocol/crypto/identity.js'
import { decodeDeviceList, encodeDeviceList, signDeviceList } from '../../protocol/devices/device-list.js'
import { loadKeyFile } from '../../node/keyfile.js'
import { SqliteDatastore } from '../../node/store/datastore.js'
import { befriend, cli, DaemonProcess, sleep, startDaemons, stopAll, tempDir, waitFor } from './harness.js'

const count = (list: any[], text: string): number => list.filter(m => m.text === text).length

describe('linked devices between daemons', function () {
  this.timeout(300_000)
  let alice: DaemonProcess
  let bob: DaemonProcess
  let alice2: DaemonProcess
  let code: string

  before(async () => {
    [alice, bob] = await startDaemons('alice', 'bob')
    await befriend(alice, bob)
    await alice.api.post('/v1/contacts/verify', { name: 'bob', action: 'confirm' })
  })

  after(async () => {
    await stopAll([alice, bob, ...(alice2 == null ? [] : [alice2])])
  })

  it('links a second daemon with a one-time code: one identity, two devices, contacts and verifications along', async () => {
    const r = await cli(['device', 'link', '--json', '--data-dir', alice.dir])
    assert.equal(r.code, 0, r.stderr)
    code = JSON.parse(r.stdout).link
    assert.match(code, /^ferry:\/\/link\//)
    const dir = join(tempDir('ferry-alice2-'), 'data')
    const linked = await cli(['init', '--link', code, '--name', 'field laptop', '--data-dir', dir, '--json'])
    assert.equal(linked.code, 0, linked.stderr)
    const info = JSON.parse(linked.stdout)
    alice2 = await new DaemonProcess(dir, 'alice2').start()
    const [id1, id2] = await Promise.all([alice.api.get<any>('/v1/id'), alice2.api.get<any>('/v1/id')])
    assert.equal(id2.identity, id1.identity)
    assert.notEqual(id2.peerId, id1.peerId)
    // the confirmation number both sides show
    assert.match(alice.log, new RegExp(`linked device ${id2.peerId as string} \\(field laptop\\); confirmation ${info.confirmation as string}`))
    const devices = await alice.api.get<any[]>('/v1/devices')
    assert.deepEqual(devices.map(d => [d.device, d.name, d.current]), [[id1.peerId, '', true], [id2.peerId, 'field laptop', false]])
    const contacts = await alice2.api.get<any[]>('/v1/contacts')
    assert.deepEqual(contacts.map(c => [c.name, c.verified]), [['bob', true]])
    // bob learns of the new device without a new invite
    await waitFor('bob knows alice\'s second device', async () => (await bob.api.get<any[]>('/v1/contacts'))[0].devices.includes(id2.peerId))
  })

  it('keeps the identity key on the first device: the second holds the public key alone, cannot link, revoke or export a backup, and signs its prekeys itself', async () => {
    const keys = await loadKeyFile(join(alice2.dir, 'identity.key'))
    assert.equal(holdsIdentityKey(keys.identity.identityKey), false)
    assert.equal(holdsIdentityKey((await loadKeyFile(join(alice.dir, 'identity.key'))).identity.identityKey), true)
    assert.equal(identityToString(keys.identity.identityKey.publicKey.raw), (await alice.api.get<any>('/v1/id')).identity)
    const link = await cli(['device', 'link', '--json', '--data-dir', alice2.dir])
    assert.notEqual(link.code, 0)
    assert.match(link.stderr, /does not hold the identity key/)
    const first = (await alice.api.get<any>('/v1/id')).peerId
    await assert.rejects(alice2.api.post('/v1/devices/revoke', { device: first }), /does not hold the identity key/)
    const backup = await cli(['backup', 'export', join(tempDir('ferry-alice2-backup-'), 'b.ferry'), '--json', '--data-dir', alice2.dir], { FERRY_PASSPHRASE: '' })
    assert.notEqual(backup.code, 0)
    assert.match(backup.stderr, /does not hold the identity key/)
    // what bob holds for the second device is a bundle that device signed for alice's identity
    const peer2 = (await alice2.api.get<any>('/v1/id')).peerId
    let bundle: PrekeyBundle | undefined
    await waitFor('bob holds a bundle of the second device', async () => {
      const db = new DatabaseSync(join(bob.dir, 'ferry.db'), { readOnly: true })
      try {
        const row = db.prepare('SELECT devices FROM contacts').get() as { devices: string | null } | undefined
        const device = JSON.parse(row?.devices ?? '{"devices":[]}').devices.find((d: any) => d.peer === peer2 && d.bundle != null)
        if (device != null) bundle = decodeBundle(new Uint8Array(Buffer.from(device.bundle, 'base64')))
        return bundle != null
      } finally { db.close() }
    })
    assert.ok(bundle != null)
    assert.ok(bundle.signer != null, 'signed by the device, not the identity key')
    assert.equal(peerIdFromBytes(bundle.signer.device).toString(), peer2)
  })

  it('refuses the same code twice, and a code for a data dir that holds an identity', async () => {
    const again = await cli(['init', '--link', code, '--data-dir', join(tempDir('ferry-alice3-'), 'data')])
    assert.notEqual(again.code, 0)
    assert.match(again.stderr, /expired, used already/)
    const occupied = await cli(['init', '--link', code, '--data-dir', bob.dir])
    assert.notEqual(occupied.code, 0)
    assert.match(occupied.stderr, /holds an identity already/)
    const garbage = await cli(['init', '--link', 'ferry://link/AAAA', '--data-dir', join(tempDir('ferry-alice4-'), 'data')])
    assert.match(garbage.stderr, /damaged/)
  })

  it('a contact\'s message reaches both devices once; a reply from the second shows on the first as sent; bob sees one conversation', async () => {
    await bob.api.post('/v1/messages', { contact: 'alice', text: 'to both' })
    await waitFor('both devices have it', async () => count(await alice.messages('in'), 'to both') === 1 && count(await alice2.messages('in'), 'to both') === 1)
    await waitFor('bob sees it delivered to both devices', async () => {
      const m = (await bob.messages('out')).find(m => m.text === 'to both')
      return m?.status === 'delivered' && m.devices?.length === 2 && m.devices.every((d: any) => d.status === 'delivered')
    })
    await alice2.api.post('/v1/messages', { contact: 'bob', text: 'reply from the laptop' })
    await waitFor('bob has the reply', async () => count(await bob.messages('in'), 'reply from the laptop') === 1)
    await waitFor('alice\'s first device shows it as sent', async () => (await alice.messages('out')).some(m => m.text === 'reply from the laptop' && m.status === 'sent' && m.contact === 'bob'))
    await sleep(1000)
    assert.equal(count(await alice.messages(), 'reply from the laptop'), 1)
    assert.equal(count(await bob.messages('in'), 'reply from the laptop'), 1)
    const conversation = await bob.api.get<any[]>('/v1/messages?contact=alice')
    assert.deepEqual(conversation.map(m => [m.direction, m.text, m.contact]), [['out', 'to both', 'alice'], ['in', 'reply from the laptop', 'alice']])
  })

  it('a file sent from one device shows on the other as sent, with the file itself, fetched from the sending device', async () => {
    const bytes = randomBytes(3 * 65536 + 100)
    const path = join(tempDir('ferry-file-'), 'map.bin')
    writeFileSync(path, bytes)
    const sent = await cli(['send', 'bob', '--file', path, 'the map', '--data-dir', alice2.dir])
    assert.equal(sent.code, 0, sent.stderr)
    const id = sent.stdout.split(' ')[0]
    const sha = createHash('sha256').update(bytes).digest('hex')
    await waitFor('bob has the whole file', async () => (await bob.messages('in')).some(m => m.id === id && m.file?.status === 'complete'))
    await waitFor('alice\'s first device has it as sent, whole', async () => (await alice.messages('out')).some(m => m.id === id && m.text === 'the map' && m.file?.status === 'complete'))
    const mine = (await alice.messages('out')).find(m => m.id === id)
    assert.equal(mine.file.sha256, sha)
    const out = join(tempDir('ferry-file-'), 'got.bin')
    const got = await cli(['file', 'get', id, '--out', out, '--data-dir', alice.dir])
    assert.equal(got.code, 0, got.stderr)
    assert.equal(createHash('sha256').update(readFileSync(out)).digest('hex'), sha)
  })

  it('reading on one device marks the message read on the person\'s other devices, and bob sees it read', async () => {
    const unread = async (d: DaemonProcess): Promise<number> => (await d.api.get<any[]>('/v1/contacts'))[0].unread
    assert.equal(await unread(alice2), 1)
    await alice.api.post('/v1/read', { name: 'bob' })
    await waitFor('the laptop shows it read', async () => (await alice2.messages('in')).find(m => m.text === 'to both')?.status === 'read')
    assert.equal(await unread(alice2), 0)
    await waitFor('bob sees it read', async () => (await bob.messages('out')).find(m => m.text === 'to both')?.status === 'read')
  })

  it('a contact added on one device is on the others too, learns every device and reaches them all; a verification follows', async () => {
    const [carol] = await startDaemons('carol')
    try {
      await befriend(carol, alice) // carol adds alice first; then alice adds carol on her first device
      await waitFor('the laptop has carol', async () => (await alice2.api.get<any[]>('/v1/contacts')).some(c => c.name === 'carol'))
      const laptop = (await alice2.api.get<any>('/v1/id')).peerId
      await waitFor('carol knows the laptop', async () => (await carol.api.get<any[]>('/v1/contacts'))[0].devices.includes(laptop))
      await carol.api.post('/v1/messages', { contact: 'alice', text: 'from carol' })
      await waitFor('both of alice\'s devices have it', async () => count(await alice.messages('in'), 'from carol') === 1 && count(await alice2.messages('in'), 'from carol') === 1)
      await alice.api.post('/v1/contacts/verify', { name: 'carol', action: 'confirm' })
      await waitFor('the laptop shows carol verified', async () => (await alice2.api.get<any[]>('/v1/contacts')).find(c => c.name === 'carol')?.verified === true)
    } finally {
      await stopAll([carol])
    }
  })

  it('each device catches up after being offline, at a different time, once', async () => {
    await Promise.all([alice.stop(), alice2.stop()])
    for (const text of ['while away 1', 'while away 2']) await bob.api.post('/v1/messages', { contact: 'alice', text })
    await alice2.start()
    await waitFor('the laptop caught up', async () => count(await alice2.messages('in'), 'while away 2') === 1, 60_000)
    await alice.start()
    await waitFor('the first device caught up', async () => count(await alice.messages('in'), 'while away 2') === 1, 60_000)
    await sleep(2000)
    for (const d of [alice, alice2]) for (const text of ['while away 1', 'while away 2']) assert.equal(count(await d.messages('in'), text), 1, `${d.name}: ${text}`)
  })

  it('a revoked device gets nothing sent later, and what it sends is refused', async () => {
    const laptop = (await alice2.api.get<any>('/v1/id')).peerId
    await assert.rejects(alice2.api.post('/v1/devices/revoke', { device: laptop }), /current device/)
    await alice.api.post('/v1/devices/revoke', { device: laptop })
    assert.equal((await alice.api.get<any[]>('/v1/devices')).length, 1)
    await waitFor('bob took the revocation', async () => (await bob.api.get<any[]>('/v1/contacts'))[0].revokedDevices.includes(laptop))
    assert.deepEqual((await bob.api.get<any[]>('/v1/contacts'))[0].devices, [])
    await bob.api.post('/v1/messages', { contact: 'alice', text: 'after the revocation' })
    await alice2.api.post('/v1/messages', { contact: 'bob', text: 'from the revoked laptop' })
    await waitFor('alice has it', async () => count(await alice.messages('in'), 'after the revocation') === 1)
    await sleep(4000)
    assert.equal(count(await alice2.messages('in'), 'after the revocation'), 0)
    assert.equal(count(await bob.messages('in'), 'from the revoked laptop'), 0)
    const sent = (await bob.messages('out')).find(m => m.text === 'after the revocation')
    assert.equal(sent.devices, undefined) // one device now: no copy was made for the revoked one
  })

  it('a device linked with --history gets the conversation so far, with progress', async () => {
    const r = await cli(['device', 'link', '--history', '--since', '1d', '--json', '--data-dir', alice.dir])
    assert.equal(r.code, 0, r.stderr)
    const dir = join(tempDir('ferry-alice3-'), 'data')
    const linked = await cli(['init', '--link', JSON.parse(r.stdout).link, '--data-dir', dir, '--json'])
    assert.equal(linked.code, 0, linked.stderr)
    const expected = (await alice.messages()).map(m => [m.id, m.direction, m.text])
    assert.equal(JSON.parse(linked.stdout).messages, expected.length)
    assert.match(linked.stderr, new RegExp(`history: ${expected.length} messages received`))
    const alice3 = await new DaemonProcess(dir, 'alice3').start()
    try {
      assert.deepEqual((await alice3.messages()).map(m => [m.id, m.direction, m.text]), expected)
      assert.equal((await alice3.messages()).find(m => m.text === 'reply from the laptop')?.status, 'sent')
    } finally {
      await alice3.stop()
      rmSync(dir, { recursive: true, force: true })
    }
  })

  it('a backup keeps the device list: the restored device knows the other devices and every revocation', async () => {
    const dir = tempDir('ferry-devices-backup-')
    try {
      const file = join(dir, 'alice.backup')
      const exported = await cli(['backup', 'export', file, '--json', '--data-dir', alice.dir], { FERRY_PASSPHRASE: '' })
      assert.equal(exported.code, 0, exported.stderr)
      const phrase = JSON.parse(exported.stdout).phrase
      const restoredDir = join(dir, 'restored')
      const imported = await cli(['backup', 'import', file, '--data-dir', restoredDir], { FERRY_RECOVERY_PHRASE: phrase, FERRY_PASSPHRASE: '' })
      assert.equal(imported.code, 0, imported.stderr)
      const db = new DatabaseSync(join(restoredDir, 'ferry.db'), { readOnly: true })
      let list
      try {
        list = await decodeDeviceList(new SqliteDatastore(db).get(new Key('/ferry/devices')))
      } finally {
        db.close()
      }
      const live = await alice.api.get<any[]>('/v1/devices')
      assert.deepEqual(list.devices.map(d => d.peer).sort(), live.map(d => d.device).sort())
      assert.ok(list.revoked.includes((await alice2.api.get<any>('/v1/id')).peerId), 'the revocation of the second device came along')
      // a list not signed by the backup's identity is refused before anything is written
      const stranger = await createIdentity()
      const forged = encodeDeviceList(await signDeviceList(heldIdentityKey(stranger.identityKey), { sequence: 1, devices: [], revoked: [] }))
      const aliceKeys = await loadKeyFile(join(alice.dir, 'identity.key'))
      await assert.rejects(restoredDeviceList({ ...backupKeys(aliceKeys.identity, 'alice', 1), devices: forged }), /device list is not usable/)
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })

  it('a data dir with no identity gets no device list', async () => {
    const dir = tempDir('ferry-nothing-')
    const r = await cli(['device', 'list', '--data-dir', dir])
    assert.notEqual(r.code, 0)
    rmSync(dir, { recursive: true, force: true })
  })
})

describe('linked devices and mailboxes: every device fetches its own mail at the person\'s hosts', function () {
  this.timeout(300_000)
  let alice: DaemonProcess
  let bob: DaemonProcess
  let carol: DaemonProcess
  let alice2: DaemonProcess
  /** what carol keeps for alice's devices, read from her database (the hosting view counts the agreement's own device) */
  const hosting = async (): Promise<number> => {
    const db = new DatabaseSync(join(carol.dir, 'ferry.db'), { readOnly: true })
    try {
      return Number((db.prepare('SELECT COUNT(*) AS n FROM mailbox_items').get() as { n: number }).n)
    } finally {
      db.close()
    }
  }

  before(async () => {
    [alice, bob, carol] = await startDaemons('alice', 'bob', 'carol')
    await befriend(alice, bob)
    await befriend(alice, carol)
    await carol.api.post('/v1/mailbox/host', { name: 'alice' })
    await alice.api.post('/v1/mailbox/use', { names: ['carol'] })
    const { link } = JSON.parse((await cli(['device', 'link', '--json', '--data-dir', alice.dir])).stdout)
    const dir = join(tempDir('ferry-alice2-'), 'data')
    assert.equal((await cli(['init', '--link', link, '--data-dir', dir])).code, 0)
    alice2 = await new DaemonProcess(dir, 'alice2').start()
    const laptop = (await alice2.api.get<any>('/v1/id')).peerId
    await waitFor('bob knows the laptop', async () => (await bob.api.get<any[]>('/v1/contacts'))[0].devices.includes(laptop))
    // the first device shows carol the person's device list when it collects
    await waitFor('carol serves the laptop', async () => {
      await alice.api.post('/v1/mailbox/collect', {})
      return (await alice2.api.post<any>('/v1/mailbox/collect', {})).collected.length === 1
    })
  })

  after(async () => { await stopAll([alice, bob, carol, alice2]) })

  it('with every device offline, mail waits at the person\'s host; each device collects its own once, and the host deletes each copy only when its device has it', async () => {
    await Promise.all([alice.stop(), alice2.stop()])
    for (const text of ['waiting 1', 'waiting 2']) await bob.api.post('/v1/messages', { contact: 'alice', text })
    await waitFor('both copies are stored at carol', async () => (await bob.messages('out')).filter(m => m.text.startsWith('waiting') && m.devices?.every((d: any) => d.status === 'stored') === true).length === 2, 60_000)
    assert.equal(await hosting(), 4) // two messages, one copy per device
    await bob.stop() // nobody can deliver directly now
    await alice2.start()
    await waitFor('the laptop collected its copies', async () => count(await alice2.messages('in'), 'waiting 2') === 1, 60_000)
    await waitFor('carol deleted the laptop\'s copies only', async () => await hosting() === 2)
    await alice.start()
    await waitFor('the first device collected its own', async () => count(await alice.messages('in'), 'waiting 2') === 1, 60_000)
    await waitFor('carol holds nothing for alice', async () => await hosting() === 0)
    for (const d of [alice, alice2]) for (const text of ['waiting 1', 'waiting 2']) assert.equal(count(await d.messages('in'), text), 1, `${d.name}: ${text}`)
  })

  it('bob learns from the host\'s receipts that each device has its copy, without meeting either', async () => {
    await Promise.all([alice.stop(), alice2.stop()])
    await bob.start()
    const states = async (): Promise<string[]> => (await bob.messages('out')).filter(m => m.text.startsWith('waiting')).flatMap(m => (m.devices ?? []).map((d: any) => `${m.text as string}:${d.status as string}`)).sort()
    await waitFor('every copy delivered, from carol\'s receipts', async () => {
      await bob.api.post('/v1/mailbox/collect', {})
      const now = await states()
      return now.length === 4 && now.every(s => s.endsWith(':delivered')) // two messages, two devices each
    }, 60_000)
    await Promise.all([alice.start(), alice2.start()])
    // as in before(): the first device shows carol the person's device list, then the laptop collects there again
    await waitFor('the laptop collects at carol again', async () => {
      await alice.api.post('/v1/mailbox/collect', {})
      return (await alice2.api.post<any>('/v1/mailbox/collect', {})).collected.length === 1
    }, 60_000)
  })

  it('a revoked device\'s mailbox fetch is refused once a device of the person showed the host the new list', async () => {
    const laptop = (await alice2.api.get<any>('/v1/id')).peerId
    assert.equal((await alice2.api.post<any>('/v1/mailbox/collect', {})).collected.length, 1)
    await alice.api.post('/v1/devices/revoke', { device: laptop })
    // the first device's collect shows carol the new list (a round already on when it is asked
    // for runs once more: protocol/mailbox/collect.ts)
    assert.equal((await alice.api.post<any>('/v1/mailbox/collect', {})).collected.length, 1, 'the first device reached carol')
    assert.deepEqual((await alice2.api.post<any>('/v1/mailbox/collect', {})).collected, [])
  })
})
