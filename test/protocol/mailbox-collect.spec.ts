/**
 * The owner's collector (protocol/mailbox/collect.ts): one round per host at a time, and a round
 * asked for while one is on runs once more after it, so what changed meanwhile reaches the host
 * (the device list a revocation just signed: the daemon test "a revoked device's mailbox fetch is
 * refused" failed in CI when its collect joined a round begun before the revocation). The host is
 * a stand-in client that records what each fetch presented; nothing here needs a network.
 */
import assert from 'node:assert/strict'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { nodeCrypto } from '../../node/crypto.js'
import { createIdentity } from '../../protocol/crypto/identity.js'
import { Collector } from '../../protocol/mailbox/collect.js'
import type { MailboxClient } from '../../protocol/mailbox/client.js'

describe('collecting mail from a host', () => {
  it('runs a collect asked for during a round once more after it, with the list as it is then; callers meanwhile share that round', async () => {
    const me = await createIdentity()
    const presented: string[] = []
    let release = (): void => {}
    const blocked = new Promise<void>(resolve => { release = resolve })
    let first = true
    const client = {
      fetch: async (_after: number, _limit: number, _options: unknown, devices?: Uint8Array) => {
        presented.push(new TextDecoder().decode(devices))
        if (first) { first = false; await blocked }
        return { items: [], more: false }
      }
    } as unknown as MailboxClient
    let list = 'list 1'
    const collector = new Collector({
      hosts: async () => ['host'],
      links: { contact: async () => client, dial: async () => client, host: async () => client },
      identity: me,
      crypto: nodeCrypto(),
      peerId: peerIdFromPrivateKey(me.deviceKey),
      now: Date.now,
      log: Object.assign(() => {}, { error: () => {}, trace: () => {}, enabled: false }) as any,
      devices: async () => new TextEncoder().encode(list),
      accept: async () => ({ storedAt: Date.now() })
    })
    const round = collector.collectFrom('host')
    await new Promise(resolve => setTimeout(resolve, 10))
    list = 'list 2' // a revocation signed a new list while the round is on
    const asked = [collector.collectFrom('host'), collector.collectFrom('host'), collector.collect()]
    release()
    await Promise.all([round, ...asked])
    assert.deepEqual(presented, ['list 1', 'list 2'], 'one more round, shared, showing the new list')
  })
})
