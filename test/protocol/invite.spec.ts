import assert from 'node:assert/strict'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { multiaddr } from '@multiformats/multiaddr'
import { fromString } from 'uint8arrays/from-string'
import { toString } from 'uint8arrays/to-string'
import { DEFAULT_INVITE_TTL_MS, INVITE_PREFIX } from '../../protocol/constants.js'
import { InvalidInviteError } from '../../protocol/errors.js'
import { createIdentity, signDevice, heldIdentityKey } from '../../protocol/crypto/identity.js'
import { MAX_INVITE_CHARS, parseInvite } from '../../protocol/contacts/invite.js'
import { encodeBundle } from '../../protocol/crypto/bundle.js'
import { concat } from 'uint8arrays/concat'
import { bundleFor, inviteWithBundle } from './helpers.js'
import { Invite } from '../../protocol/pb/ferry.js'
import type { Identity } from '../../protocol/crypto/identity.js'
import { defaultCrypto } from '../../protocol/crypto/backend.js'

const NOW = 1_700_000_000_000
const ADDRS = [multiaddr('/ip4/192.168.1.20/tcp/4001'), multiaddr('/ip4/192.168.1.20/udp/4002/webrtc-direct')]

/** Decode a link, change fields, and encode it again without re-signing. */
function rewrite (link: string, change: (inv: Invite) => void): string {
  const inv = Invite.decode(fromString(link.slice(INVITE_PREFIX.length), 'base64url'))
  change(inv)
  return INVITE_PREFIX + toString(Invite.encode(inv), 'base64url')
}

async function rejects (link: string, message: RegExp, now = NOW): Promise<void> {
  await assert.rejects(parseInvite(link, now, defaultCrypto), (err: Error) => {
    assert.ok(err instanceof InvalidInviteError, `${err.name}: ${err.message}`)
    assert.match(err.message, message)
    return true
  })
}

describe('invite', () => {
  let me: Identity
  let link: string

  before(async () => {
    me = await createIdentity()
    link = await inviteWithBundle(me, ADDRS, { name: 'alice', now: NOW, ttlMs: 60_000 })
  })

  it('round-trips identity, device, addresses, name and expiry', async () => {
    assert.ok(link.startsWith(INVITE_PREFIX))
    const info = await parseInvite(link, NOW + 59_999, defaultCrypto)

    assert.deepEqual(info.identity, me.identityKey.publicKey.raw)
    assert.ok(info.peerId.equals(peerIdFromPrivateKey(me.deviceKey)))
    assert.deepEqual(info.deviceSignature, new Uint8Array(me.deviceSignature))
    assert.deepEqual(info.addresses.map(a => a.toString()), ADDRS.map(a => a.toString()))
    assert.equal(info.name, 'alice')
    assert.equal(info.expiresAt, NOW + 60_000)
  })

  it('is valid for the default TTL and tolerates surrounding whitespace', async () => {
    const plain = await inviteWithBundle(me, [], { now: NOW })
    const info = await parseInvite(`  ${plain}\n`, NOW, defaultCrypto)
    assert.equal(info.expiresAt, NOW + DEFAULT_INVITE_TTL_MS)
    assert.equal(info.name, '')
    assert.deepEqual(info.addresses, [])
  })

  it('refuses an expired invite and says so', async () => {
    await rejects(link, /expired at 2023-11-14T22:14:20\.000Z; ask for a new one/, NOW + 60_000)
  })

  it('refuses a tampered invite', async () => {
    await rejects(rewrite(link, inv => { inv.name = 'mallory' }), /signature does not verify/)
    await rejects(rewrite(link, inv => { inv.expiresAt += 1 }), /signature does not verify/)
    await rejects(rewrite(link, inv => { inv.addresses = [multiaddr('/ip4/6.6.6.6/tcp/1').bytes] }), /signature does not verify/)
  })

  it('refuses an invite signed by a different identity than it names', async () => {
    const other = await createIdentity()
    await rejects(rewrite(link, inv => { inv.identity = other.identityKey.publicKey.raw }), /signature does not verify/)
  })

  it('refuses an invite whose device certificate is not the identity\'s', async () => {
    const other = await createIdentity()
    const forged = { ...me, deviceSignature: await signDevice(heldIdentityKey(other.identityKey), peerIdFromPrivateKey(me.deviceKey)) }
    await rejects(await inviteWithBundle(forged, ADDRS, { now: NOW }), /device certificate does not verify/)
  })

  it('refuses a truncated invite', async () => {
    await rejects(link.slice(0, link.length - 20), /truncated/)
    await rejects(link.slice(0, INVITE_PREFIX.length + 4), /truncated/)
    // an empty body decodes as version 0 and is reported as an unsupported version (see report)
    await rejects(INVITE_PREFIX, /./)
  })

  it('refuses an unsupported version, and says an old invite needs replacing', async () => {
    await rejects(rewrite(link, inv => { inv.version = 4 }), /invite version 4 is not supported/)
    await rejects(rewrite(link, inv => { inv.version = 1; inv.bundle = new Uint8Array(0) }), /older Ferry \(version 1\).*Ask for a new invite/)
    // version 2 carried a one-way device certificate (the identity's signature only)
    await rejects(rewrite(link, inv => { inv.version = 2 }), /older Ferry \(version 2\): its device certificate is not cross-signed/)
  })

  it('refuses a one-way device certificate: the identity signed the peer id, the device never signed back', async () => {
    const oneWay = { ...me, deviceSignature: await signDevice(heldIdentityKey(me.identityKey), peerIdFromPrivateKey(me.deviceKey)) }
    await rejects(await inviteWithBundle(oneWay, ADDRS, { now: NOW }), /device certificate does not verify/)
  })

  it('refuses a missing, tampered or foreign prekey bundle even when the invite is signed over it', async () => {
    // re-sign as the invite's owner would, so only the bundle check can refuse it
    const resigned = async (change: (inv: Invite) => void): Promise<string> => {
      const inv = Invite.decode(fromString(link.slice(INVITE_PREFIX.length), 'base64url'))
      change(inv)
      inv.signature = new Uint8Array(0)
      inv.signature = await heldIdentityKey(me.identityKey).sign(concat([fromString('ferry-invite-v1'), Invite.encode(inv)]))
      return INVITE_PREFIX + toString(Invite.encode(inv), 'base64url')
    }
    await rejects(await resigned(inv => { inv.bundle = new Uint8Array(0) }), /prekey bundle is invalid/)
    await rejects(await resigned(inv => { inv.bundle = inv.bundle.slice(); inv.bundle[60] ^= 1 }), /prekey bundle is invalid/)
    const foreign = encodeBundle(await bundleFor(await createIdentity()))
    await rejects(await resigned(inv => { inv.bundle = foreign }), /belongs to another identity/)
    await rejects(rewrite(link, inv => { inv.bundle = foreign }), /signature does not verify/)
  })

  it('refuses text that is not a Ferry invite link', async () => {
    await rejects('https://example.org/invite/abc', /not a Ferry invite/)
    await rejects('', /not a Ferry invite/)
    await rejects(link.replace('ferry://', 'ferri://'), /not a Ferry invite/)
  })

  it('refuses links longer than the limit before decoding', async () => {
    await rejects(INVITE_PREFIX + 'A'.repeat(MAX_INVITE_CHARS), /too long/)
  })
})
