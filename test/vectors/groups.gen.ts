/**
 * Writes test/vectors/groups.json: regression vectors for the team-room key layer, produced by
 * running the current protocol/groups/ code (through test/protocol/groups-vectors.suite.ts) on
 * fixed inputs. Every input is SHA-256("ferry-groups-vectors/" || label), so a rerun on unchanged
 * code writes the same file. Before writing, it checks that the documented key schedule
 * (`schedule` in the suite) reproduces every output, and that the node:crypto backend agrees.
 *
 * Run: npx tsc -p . && node dist/test/vectors/groups.gen.js
 * Only for an intended, versioned change of the key schedule: the spec exists to catch the others.
 */
import assert from 'node:assert/strict'
import { createHash } from 'node:crypto'
import { writeFileSync } from 'node:fs'
import { resolve } from 'node:path'
import { nodeCrypto } from '../../node/crypto.js'
import { defaultCrypto } from '../../protocol/crypto/backend.js'
import { hex, observeAdd, observeDirect, observeMemberSecrets, observeMessageChain, observeTwoParty, observeUpdateRatchet, openMessageChain, schedule, toHex } from '../protocol/groups-vectors.suite.js'
import type { CryptoBackend } from '../../protocol/crypto/backend.js'
import type { GroupVectors, MessageChainVector, TwoPartyVector, UpdateRatchetVector } from '../protocol/groups-vectors.suite.js'

const crypto: CryptoBackend = defaultCrypto
const fixed = (label: string): string => createHash('sha256').update(`ferry-groups-vectors/${label}`).digest('hex')
const te = new TextEncoder()
const GROUP = 'ferry-vectors-room'
const members = { alice: fixed('member/alice'), bob: fixed('member/bob'), carol: fixed('member/carol') }

async function updateRatchetTests (): Promise<UpdateRatchetVector[]> {
  const first = { name: 'first step: no ratchet state yet (salt 0^32)', member: members.alice, ratchet: '', input: fixed('ratchet/input/1') }
  const [r1, i1] = await schedule.updateRatchet(crypto, GROUP, first.member, undefined, hex(first.input))
  const second = { name: 'second step: salt is the first step\'s ratchet state', member: members.alice, ratchet: toHex(r1), input: fixed('ratchet/input/2') }
  const [r2, i2] = await schedule.updateRatchet(crypto, GROUP, second.member, r1, hex(second.input))
  const info = toHex(schedule.ratchetInfo(GROUP, members.alice))
  return [
    { ...first, info, newRatchet: toHex(r1), updateSecret: toHex(i1) },
    { ...second, info, newRatchet: toHex(r2), updateSecret: toHex(i2) }
  ]
}

async function chainVector (): Promise<MessageChainVector> {
  const v: MessageChainVector = {
    sender: members.alice,
    receiver: members.bob,
    epoch: 2,
    updateSecret: fixed('chain/update-secret'),
    associatedData: toHex(te.encode('room op 7')),
    chainKeys: [],
    messages: ['hello, room', 'second message', 'third'].map((plaintextUtf8, n) => ({ n, plaintextUtf8, messageKey: '', aeadKey: '', aeadNonce: '', aad: '', ciphertext: '' }))
  }
  let chain = await schedule.chainInit(crypto, GROUP, v.sender, v.epoch, hex(v.updateSecret))
  v.chainKeys.push(toHex(chain))
  for (const m of v.messages) {
    const messageKey = await schedule.messageKey(crypto, chain)
    const { key, nonce } = await schedule.messageCipher(crypto, messageKey)
    const aad = schedule.messageAad(GROUP, v.sender, v.epoch, m.n, hex(v.associatedData))
    Object.assign(m, { messageKey: toHex(messageKey), aeadKey: toHex(key), aeadNonce: toHex(nonce), aad: toHex(aad), ciphertext: toHex(await crypto.aeadSeal(key, nonce, te.encode(m.plaintextUtf8), aad)) })
    chain = await schedule.chainNext(crypto, chain)
    v.chainKeys.push(toHex(chain))
  }
  return v
}

async function twoPartyVector (): Promise<TwoPartyVector> {
  // alice, alice (mode 1: to the key she gave bob), bob (mode 0: to alice's key #2)
  const script = [
    { from: 'alice' as const, mode: 0, index: 0, content: fixed('2sm/content/1') },
    { from: 'alice' as const, mode: 1, index: 0, content: fixed('2sm/content/2').slice(0, 20) },
    { from: 'bob' as const, mode: 0, index: 2, content: '' }
  ]
  const v: TwoPartyVector = {
    alice: { initialPrivateKey: fixed('2sm/alice/initial') },
    bob: { initialPrivateKey: fixed('2sm/bob/initial') },
    randomness: script.flatMap((_, i) => ['mine', 'theirs', 'eph'].map(k => fixed(`2sm/${i + 1}/${k}`))),
    messages: script.map((m, i) => ({ ...m, context: toHex(te.encode(`2sm context ${i + 1}`)), recipientPrivateKey: '', plaintext: '', ciphertext: '' }))
  }
  const observed = await observeTwoParty(crypto, v)
  const senderIndex = { alice: 0, bob: 0 }
  for (const [i, m] of v.messages.entries()) {
    const [mine, theirs, eph] = v.randomness.slice(3 * i, 3 * i + 3).map(hex)
    senderIndex[m.from] += 1
    const plaintext = schedule.twoPartyPlaintext(hex(m.content), theirs, senderIndex[m.from], await crypto.x25519PublicKey(mine))
    const recipient = hex(observed.recipientPrivateKeys[i])
    const ephPublic = await crypto.x25519PublicKey(eph)
    const header = schedule.twoPartyHeader(m.mode, m.index, ephPublic)
    const { key, nonce } = await schedule.pke(crypto, await crypto.x25519(eph, await crypto.x25519PublicKey(recipient)), ephPublic, await crypto.x25519PublicKey(recipient))
    const sealed = await crypto.aeadSeal(key, nonce, plaintext, schedule.twoPartyAad(hex(m.context), header))
    Object.assign(m, { recipientPrivateKey: toHex(recipient), plaintext: toHex(plaintext), ciphertext: toHex(header) + toHex(sealed) })
  }
  assert.deepEqual(observed.ciphertexts, v.messages.map(m => m.ciphertext), 'the documented 2SM schedule reproduces the code')
  return v
}

async function generate (): Promise<GroupVectors> {
  const seq = 3
  const seed = fixed('seed')
  const ratchet = fixed('seed/bob-ratchet')
  const senderMemberSecret = await schedule.memberSecret(crypto, hex(seed), members.bob)
  const [seedRatchet, seedSecret] = await schedule.updateRatchet(crypto, GROUP, members.bob, hex(ratchet), senderMemberSecret)
  const addRatchet = fixed('add/alice-ratchet')
  const [afterWelcome, welcomeSecret] = await schedule.updateRatchet(crypto, GROUP, members.alice, hex(addRatchet), schedule.welcome)
  const [afterAdd, addSecret] = await schedule.updateRatchet(crypto, GROUP, members.alice, afterWelcome, schedule.add)
  const direct = { sender: members.alice, recipient: members.bob, seq: 5, seed: fixed('direct/seed'), secret: fixed('direct/secret'), randomness: ['mine', 'theirs', 'eph'].map(k => fixed(`direct/${k}`)) }
  const twoParty = await twoPartyVector()
  const directObserved = await observeDirect(crypto, GROUP, { ...direct, context: '', content: '', ciphertext: '' }, { sender: hex(twoParty.alice.initialPrivateKey), recipient: hex(twoParty.bob.initialPrivateKey) })

  return {
    source: 'Regression vectors, not from an external spec (the DCGKA paper, Weidner et al. CCS 2021, publishes none): produced by test/vectors/groups.gen.ts running the protocol/groups/ code of this commit on fixed inputs (SHA-256 of labels), with the documented key schedule checked to reproduce every output. They pin the current derivations (HKDF labels, salt/ikm order, encodings, AEAD layout); a change of any of them fails test/protocol/groups-vectors.spec.ts.',
    groupId: GROUP,
    members,
    updateRatchet: {
      source: 'dcgka-process.ts updateRatchet (the paper\'s update_ratchet): okm = HKDF-SHA-256(ikm = input, salt = ratchet[ID] or 0^32, info = "Ferry-DCGKA-v1-ratchet" || u32 len || groupId || ID, 64); newRatchet = okm[0..32], updateSecret = okm[32..64]',
      tests: await updateRatchetTests()
    },
    memberSecrets: {
      source: 'dcgka-process.ts processSeed, run by alice for bob\'s seed: memberSecret(ID) = HKDF(ikm = seed, salt = 0^32, info = "Ferry-DCGKA-v1-member" || ID, 32) per recipient; bob\'s update secret = update_ratchet(ratchet[bob], memberSecret(bob))',
      me: members.alice,
      sender: members.bob,
      seq,
      recipients: [members.alice, members.carol],
      seed,
      ratchet,
      memberSecrets: Object.fromEntries(await Promise.all([members.alice, members.carol].map(async r => [r, toHex(await schedule.memberSecret(crypto, hex(seed), r))]))),
      senderMemberSecret: toHex(senderMemberSecret),
      newRatchet: toHex(seedRatchet),
      updateSecret: toHex(seedSecret)
    },
    add: {
      source: 'dcgka-process.ts processAdd, run by the adder alice adding carol: welcomeSecret = update_ratchet(ratchet[alice], "Ferry-DCGKA-v1-welcome"), then updateSecret = update_ratchet(that ratchet, "Ferry-DCGKA-v1-add")',
      adder: members.alice,
      seq: 4,
      added: members.carol,
      recipients: [members.bob],
      ratchet: addRatchet,
      welcomeSecret: toHex(welcomeSecret),
      newRatchet: toHex(afterAdd),
      updateSecret: toHex(addSecret)
    },
    messageChain: {
      source: 'message-ratchet.ts installEpoch + encryptMessage (alice) and decryptMessage (bob): chain_0 = HKDF(I, 0^32, "Ferry-GroupMsg-v1-init" || u32 len || groupId || sender || u32 epoch, 32); chain_n+1 = HKDF(chain_n, 0^32, "Ferry-GroupMsg-v1-chain", 32); msgKey_n = HKDF(chain_n, 0^32, "Ferry-GroupMsg-v1-message", 32); key || nonce = HKDF(msgKey_n, 0^32, "Ferry-GroupMsg-v1-aead", 44); ciphertext = ChaCha20-Poly1305(key, nonce, plaintext, aad = "Ferry-GroupMsg-v1" || u32 len || groupId || sender || u32 epoch || u32 n || associatedData)',
      ...await chainVector()
    },
    twoParty: {
      source: 'two-party.ts twoPartySend / twoPartyReceive (the paper\'s 2SM), x25519Generate returning the listed private keys in order (per message: sender\'s next key, receiver\'s next key, ephemeral): ciphertext = u8 mode || varint index || eph_pub || ChaCha20-Poly1305(key, nonce, plaintext, aad = "Ferry-2SM-v1" || context || header), key || nonce = HKDF(ikm = X25519(eph, recipient), salt = eph_pub || recipient_pub, info = "Ferry-2SM-v1-PKE", 44); plaintext = varint len || content || receiver\'s new private key || varint sender key index || sender\'s new public key',
      ...twoParty
    },
    direct: {
      source: 'dcgka-process.ts sealDirects / openDirect (the paper\'s encrypt_to / decrypt_from) from alice to bob, 2SM from fresh states with alice\'s and bob\'s keys of "twoParty": context = "Ferry-DCGKA-v1-direct" || u32 len || groupId || sender || recipient || u32 seq, content = u8 flags (1 seed | 2 secret) || seed || secret',
      ...direct,
      context: toHex(schedule.directContext(GROUP, direct.sender, direct.recipient, direct.seq)),
      content: toHex(schedule.directContent(hex(direct.seed), hex(direct.secret))),
      ciphertext: directObserved.ciphertext
    }
  }
}

/** Every code output equals the schedule's, on this backend. */
async function check (backend: CryptoBackend, v: GroupVectors): Promise<void> {
  for (const t of v.updateRatchet.tests) assert.deepEqual(await observeUpdateRatchet(backend, v.groupId, t), { newRatchet: t.newRatchet, updateSecret: t.updateSecret })
  const s = v.memberSecrets
  assert.deepEqual(await observeMemberSecrets(backend, v.groupId, s), { memberSecrets: s.memberSecrets, newRatchet: s.newRatchet, updateSecret: s.updateSecret, epoch: s.seq })
  const a = v.add
  assert.deepEqual(await observeAdd(backend, v.groupId, a), { welcomeSecret: a.welcomeSecret, newRatchet: a.newRatchet, updateSecret: a.updateSecret, epoch: a.seq })
  const c = v.messageChain
  const chain = await observeMessageChain(backend, v.groupId, c)
  assert.deepEqual([chain.chainKeys, chain.ciphertexts], [c.chainKeys, c.messages.map(m => m.ciphertext)])
  assert.deepEqual((await openMessageChain(backend, v.groupId, c)).skippedKeys, c.messages.slice(0, 2).map(m => m.messageKey))
  assert.deepEqual((await observeTwoParty(backend, v.twoParty)).ciphertexts, v.twoParty.messages.map(m => m.ciphertext))
  const keys = { sender: hex(v.twoParty.alice.initialPrivateKey), recipient: hex(v.twoParty.bob.initialPrivateKey) }
  assert.equal((await observeDirect(backend, v.groupId, v.direct, keys)).ciphertext, v.direct.ciphertext)
}

const vectors = await generate()
await check(defaultCrypto, vectors)
await check(nodeCrypto(), vectors)
const out = resolve(import.meta.dirname, '..', '..', '..', 'test', 'vectors', 'groups.json')
writeFileSync(out, JSON.stringify(vectors, null, 2) + '\n')
console.log(`wrote ${out}`)
