/**
 * The `ferry` command line. Arguments are parsed with node:util parseArgs from one options table.
 */
import { parseArgs } from 'node:util'
import { dataDir } from '../paths.js'
import * as commands from './commands.js'
import { UsageError } from './commands.js'
import type { Flags } from './commands.js'
import { escapeControls } from './terminal.js'
import { PromptCancelledError } from '../passphrase.js'

const VERSION = '0.1.0'

const OPTIONS = {
  json: { type: 'boolean', default: false },
  follow: { type: 'boolean', default: false },
  block: { type: 'boolean', default: false },
  confirm: { type: 'boolean', default: false },
  accept: { type: 'boolean', default: false },
  'qr-svg': { type: 'string' },
  'qr-png': { type: 'string' },
  qr: { type: 'boolean', default: true },
  'data-dir': { type: 'string' },
  name: { type: 'string' },
  listen: { type: 'string', multiple: true },
  'api-port': { type: 'string' },
  'api-socket': { type: 'boolean', default: false },
  mdns: { type: 'boolean', default: true },
  'relay-server': { type: 'boolean', default: true },
  relay: { type: 'string', multiple: true },
  bootstrap: { type: 'string', multiple: true },
  expires: { type: 'string' },
  file: { type: 'string' },
  'quota-mb': { type: 'string' },
  'quota-msgs': { type: 'string' },
  'max-ttl': { type: 'string' },
  out: { type: 'string' },
  seed: { type: 'string' },
  'fault-drop-every': { type: 'string' },
  remote: { type: 'string' },
  host: { type: 'string' },
  port: { type: 'string' },
  'token-file': { type: 'string' },
  names: { type: 'string' },
  image: { type: 'string' },
  namespace: { type: 'string' },
  web: { type: 'boolean', default: true },
  'web-port': { type: 'string' },
  'web-host': { type: 'string' },
  'web-cert': { type: 'string' },
  'web-key': { type: 'string' },
  help: { type: 'boolean', short: 'h', default: false },
  version: { type: 'boolean', default: false },
  member: { type: 'string', multiple: true },
  revoke: { type: 'boolean', default: false },
  group: { type: 'string' },
  history: { type: 'boolean', default: false },
  link: { type: 'string' },
  since: { type: 'string' },
  last: { type: 'string' }
} as const

export const USAGE = `ferry — serverless end-to-end encrypted messenger

usage:
  ferry init [--name NAME]                       create the identity (error if one exists)
  ferry init --link CODE [--name DEVICE]         become another device of an existing identity:
                                                 CODE from \`ferry device link\` on one of its
                                                 devices (which must be running); contacts and
                                                 verifications come along
  ferry device link [--history [--since DUR]] [--json]
                                                 a one-time link code (10 minutes) for a new
                                                 device, with its QR code on a terminal;
                                                 --history also sends the messages of the last
                                                 DUR (default 30d) over the link
  ferry device approve CODE [--history [--since DUR]]
                                                 let the browser that shows CODE (the web app's
                                                 "Link to ...", served by this daemon) link
  ferry device list [--json]                     this identity's devices (* this one)
  ferry device revoke DEVICE                     remove a device: contacts stop sending to it
                                                 and refuse what it sends
  ferry id [--json]                              identity, peer id, listen addresses
  ferry passphrase change                        a new passphrase for the keys at rest, or none
                                                 (asks for the current one, then the new one
                                                 twice; or FERRY_PASSPHRASE and
                                                 FERRY_NEW_PASSPHRASE, empty for none)
  ferry backup export FILE [--history] [--json]  write identity, contacts, verifications, rooms
                                                 and settings (--history: messages too) to FILE,
                                                 sealed with a new 24-word recovery phrase printed
                                                 once on the last line (--json: {"phrase": ...});
                                                 works whether or not the daemon runs
  ferry backup import FILE                       restore into a new data dir; the phrase comes
                                                 from FERRY_RECOVERY_PHRASE or a prompt. The next
                                                 ferry start announces the device and starts new
                                                 sessions with every contact
  ferry start [--listen MULTIADDR]... [--api-port N] [--api-socket] [--no-mdns]
              [--no-relay-server] [--relay MULTIADDR]... [--bootstrap MULTIADDR]...
              [--web-port N] [--web-host HOST] [--web-cert PEM --web-key PEM] [--no-web]
                                                 run the node in the foreground; --relay holds a
                                                 slot on a teammate's relay (when others cannot
                                                 dial you); --bootstrap adds DHT entry peers;
                                                 the web app is served on 127.0.0.1:7472 (when
                                                 that port is taken: no web app, and a warning;
                                                 --web-port N picks another); a first start whose
                                                 default ports are taken listens on free ones
                                                 (printed, and kept in config.json);
                                                 --api-socket also serves the control API on
                                                 DATA_DIR/api.sock (reachable from other
                                                 network namespaces; the CLI prefers it)
  ferry invite [--json] [--no-qr] [--qr-svg FILE] [--qr-png FILE]
                                                 an invite link for this node; on a terminal its
                                                 QR code comes first and the link last (--no-qr:
                                                 the link alone); piped, the link alone
  ferry contact add NAME INVITE|MULTIADDR        add a contact
  ferry contact list [--json]                    contacts, with how many messages each has unread
  ferry send NAME TEXT [--expires DUR] [--json]  queue a message; prints its id and status;
                                                 --expires (10s..30d, e.g. 1h) makes it disappear
                                                 everywhere when the time is up
  ferry send NAME --file PATH [CAPTION] [--expires DUR]
                                                 send a file (up to 100 MiB), end to end encrypted;
                                                 prints its message id and status
  ferry file get MESSAGE_ID [--out PATH]         write a received (or sent) file once it is complete;
                                                 'ferry messages --json' shows each file's status
  ferry contact set NAME --expires DUR|off       a disappearing-message timer for the conversation
  ferry contact block NAME | unblock NAME        turn away what NAME sends (NAME is not told) and
                                                 send nothing to NAME; unblock undoes it
  ferry contact remove NAME                      forget the contact (the conversation stays; what
                                                 it sends later is a message request)
  ferry requests [--json]                        messages from people who are not your contacts,
                                                 one request per sender (bounded; no read receipts)
  ferry requests accept ID --name NAME           make the sender contact NAME; its messages join
                                                 the history
  ferry requests decline ID [--block]            delete the request (and block the sender)
  ferry messages [NAME] [--json] [--follow] [--last N]
                                                 history with status (--last: the newest N only);
                                                 --follow streams changes;
                                                 control characters in text are shown escaped
                                                 (\n, \x1b, \u202e); --json keeps them exact
  ferry messages --group GROUP [--json] [--follow]
                                                 a team room's history; your messages show
                                                 delivered k/n and read m/n
  ferry read NAME [--json]                       mark NAME's messages read and send a read receipt
                                                 (ferry messages never marks anything read)
  ferry read --group GROUP                       mark a team room's messages read
  ferry group create NAME [--member CONTACT]... [--expires DUR] [--json]
                                                 a team room with these contacts (you are its
                                                 admin); prints its id. Members need not be each
                                                 other's contacts: teammates carry each other's
                                                 messages. GROUP below is a name or an id
  ferry group add GROUP CONTACT...               add contacts (admins only)
  ferry group remove GROUP MEMBER...             remove members (admins only): nothing sent
                                                 after it can be read by them
  ferry group leave GROUP                        leave the room
  ferry group admin GROUP MEMBER [--revoke]      make a member an admin (or no longer one)
  ferry group set GROUP [--name N] [--expires DUR|off]
                                                 rename; messages disappear after DUR
  ferry group list [--json]                      your rooms
  ferry group info GROUP [--json]                members (identity, contact name, role) and
                                                 whether this view has caught up
  ferry group send GROUP TEXT [--expires DUR] [--json]
                                                 send to every member
  ferry group send GROUP --file PATH [CAPTION]   send a file to the room; members fetch it from here
  ferry status [--json]                          connections and outbox size
  ferry lookup NAME|PEERID|IDENTITY [--json]     how a contact is reached (source, hops, addresses)
  ferry mailbox host NAME [--quota-mb N] [--quota-msgs N] [--max-ttl DUR]
                                                 keep mail for contact NAME while it is offline
  ferry mailbox unhost NAME                      stop (its waiting mail is deleted)
  ferry mailbox use NAME...                      let your mail wait at these contacts' daemons;
                                                 every contact gets a capability to deposit there
  ferry mailbox revoke NAME                      revoke contact NAME's deposit capability at every
                                                 host (kept and retried until each confirms)
  ferry mailbox allow NAME                       lift a revocation: NAME gets a capability again
  ferry mailbox [status] [--json]                what you host (usage vs quota) and where your mail waits
  ferry mailbox collect [--json]                 fetch waiting mail and delivery receipts now
  ferry verify NAME [--confirm | --accept] [--json]
                                                 safety number; --confirm marks the contact verified;
                                                 --accept takes a changed identity key and resumes sending
  ferry sim run SCENARIO [--out DIR] [--seed N] [--json] [--remote FILE]
                                                 simulate a network of production nodes
                                                 (sim/scenarios/); writes results.json,
                                                 messages.csv, report.html; exit 1 when a
                                                 delivered-once/no-loss/expiry check fails;
                                                 --remote drives ferry sim agents named in
                                                 FILE instead of starting nodes
  ferry sim agent --data-dir DIR --token-file FILE (--name NAME | --names FILE)
                  [--host HOST] [--port N] [--listen MULTIADDR]...
                                                 serve one daemon's node controls over HTTP
                                                 for a remote driver (bearer token; default
                                                 127.0.0.1:7473); reset wipes DIR/node
  ferry sim k8s SCENARIO [--out DIR] [--image IMAGE] [--namespace NS]
                                                 write a Containerfile and Kubernetes manifests
                                                 (a StatefulSet of agents, a Job running the
                                                 driver); never tried on a real cluster here

every command takes --data-dir DIR (default $FERRY_DATA_DIR, else $XDG_DATA_HOME/ferry, else ~/.local/share/ferry)`

// each command's module loads when it runs: the CLI is a thin API client, and a command such as
// `ferry status` should cost little more than starting Node (the simulator, backups, linking and
// the daemon stay unloaded)
const group = async (): Promise<typeof import('./group.js')> => await import('./group.js')
const file = async (): Promise<typeof import('./file.js')> => await import('./file.js')

const COMMANDS: Record<string, (f: Flags, args: string[]) => Promise<void>> = {
  init: async (f, args) => f.link != null ? await (await import('./device.js')).initLinked(f, f.link) : await commands.init(f),
  device: async (f, args) => { await (await import('./device.js')).device(f, args) },
  id: commands.id,
  start: commands.start,
  invite: commands.invite,
  contact: commands.contact,
  send: async (f, args) => f.file != null ? await (await file()).sendFile(f, args) : await commands.send(f, args),
  file: async (f, args) => { await (await file()).file(f, args) },
  messages: async (f, args) => f.group != null ? await (await group()).groupMessages(f, f.group, args) : await commands.messages(f, args),
  read: async (f, args) => f.group != null ? await (await group()).groupRead(f, f.group, args) : await commands.read(f, args),
  status: commands.status,
  verify: commands.verify,
  lookup: commands.lookup,
  mailbox: commands.mailbox,
  requests: commands.requests,
  group: async (f, args) => { await (await group()).group(f, args) },
  backup: async (f, args) => { await (await import('./backup.js')).backup(f, args) },
  passphrase: async (f, args) => { await (await import('./backup.js')).passphraseCommand(f, args) },
  sim: async (f, args) => { await (await import('./sim.js')).sim(f, args) }
}

export async function main (argv: string[]): Promise<number> {
  let parsed
  try {
    parsed = parseArgs({ args: argv, options: OPTIONS, allowPositionals: true, allowNegative: true, strict: true })
  } catch (err: any) {
    process.stderr.write(`ferry: ${err.message}\n`)
    return 2
  }
  const { values, positionals } = parsed
  if (values.version) {
    process.stdout.write(`ferry ${VERSION}\n`)
    return 0
  }
  if (values.help || positionals.length === 0) {
    process.stdout.write(USAGE + '\n')
    return values.help ? 0 : 2
  }
  const [name, ...args] = positionals
  const command = COMMANDS[name]
  if (command == null) {
    process.stderr.write(`ferry: unknown command "${name}" (see ferry --help)\n`)
    return 2
  }
  const apiPort = values['api-port'] == null ? undefined : Number(values['api-port'])
  if (apiPort != null && !(Number.isInteger(apiPort) && apiPort >= 0 && apiPort < 65536)) {
    process.stderr.write('ferry: --api-port must be a port number\n')
    return 2
  }
  const webPort = values['web-port'] == null ? undefined : Number(values['web-port'])
  if (webPort != null && !(Number.isInteger(webPort) && webPort >= 0 && webPort < 65536)) {
    process.stderr.write('ferry: --web-port must be a port number\n')
    return 2
  }
  const web = values.web ? { port: webPort, host: values['web-host'], cert: values['web-cert'], key: values['web-key'] } : false as const
  const flags: Flags = { web, json: values.json, follow: values.follow, block: values.block, dataDir: dataDir(values['data-dir']), name: values.name, listen: values.listen ?? [], apiPort, apiSocket: values['api-socket'], confirm: values.confirm, accept: values.accept, qrSvg: values['qr-svg'], qrPng: values['qr-png'], qr: values.qr, mdns: values.mdns, relayServer: values['relay-server'], relays: values.relay ?? [], bootstrap: values.bootstrap ?? [], expires: values.expires, quotaMb: values['quota-mb'], quotaMsgs: values['quota-msgs'], maxTtl: values['max-ttl'], out: values.out, seed: values.seed, faultDropEvery: values['fault-drop-every'], dataDirGiven: values['data-dir'] != null, remote: values.remote, host: values.host, port: values.port, tokenFile: values['token-file'], names: values.names, image: values.image, namespace: values.namespace, member: values.member, revoke: values.revoke, group: values.group, history: values.history, link: values.link, since: values.since, file: values.file, last: values.last }
  try {
    await command(flags, args)
    return 0
  } catch (err: any) {
    // the reason may come from a peer (a mailbox host's refusal, say): one line, escaped
    process.stderr.write(`ferry: ${escapeControls(String(err.message ?? err).split('\n')[0])}\n`)
    if (err instanceof PromptCancelledError) return 130 // as a shell reports Ctrl-C
    return err instanceof UsageError ? 2 : 1
  }
}

/**
 * The `ferry` process: run `main`, wait until stdout and stderr have handed all their output to
 * the OS, then exit with its code. Exiting right after a write drops whatever a pipe has not taken
 * yet (a pipe holds 64 KiB, so `ferry messages --json | jq` was cut there). A reader that goes
 * away early (`ferry messages | head -1`) ends the process quietly, as SIGPIPE would.
 */
export async function run (argv: string[]): Promise<never> {
  for (const stream of [process.stdout, process.stderr]) {
    stream.on('error', (err: NodeJS.ErrnoException) => { process.exit(err.code === 'EPIPE' ? 0 : 1) })
  }
  const code = await main(argv)
  await Promise.all([flushed(process.stdout), flushed(process.stderr)])
  process.exit(code)
}

/** Resolves once everything written to `stream` so far has been written out. */
async function flushed (stream: NodeJS.WriteStream): Promise<void> {
  if (stream.destroyed || stream.writableEnded) return
  await new Promise<void>(resolve => stream.write('', () => { resolve() }))
}
