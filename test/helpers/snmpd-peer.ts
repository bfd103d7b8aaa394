/**
 * A real SNMP agent (Debian's snmpd, net-snmp 5.9) for tests: its own configuration and state in a
 * temporary directory, listening on 127.0.0.1 on a free UDP port, with a v2c community and SNMPv3
 * users at every security level. No MIB files are loaded (Debian ships none): tests use numeric
 * OIDs.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { once } from 'node:events';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import snmp from 'net-snmp';

export const SNMPD = '/usr/sbin/snmpd';

/** Why the agent cannot run here, or undefined when it can. */
export function missingSnmpd(): string | undefined {
  return existsSync(SNMPD) ? undefined : `${SNMPD} not installed (apt-get install snmpd)`;
}

export const SNMPD_COMMUNITY = 'vigil-community';
export const SNMPD_SYS_NAME = 'vigil-test-agent';

/** SNMPv3 users the agent knows, one per security level (passwords need at least 8 characters). */
export const SNMPD_USERS = {
  authPriv: { name: 'alice', auth: 'sha1', authPassword: 'alice-auth-pass', priv: 'aes128', privPassword: 'alice-priv-pass' },
  authNoPriv: { name: 'carol', auth: 'md5', authPassword: 'carol-auth-pass' },
  noAuthNoPriv: { name: 'dave' },
} as const;

export interface Snmpd {
  port: number;
  stop(): Promise<void>;
}

export async function startSnmpd(): Promise<Snmpd> {
  const dir = await mkdtemp(join(tmpdir(), 'vigil-snmpd-'));
  const port = await freeUdpPort();
  const { authPriv, authNoPriv, noAuthNoPriv } = SNMPD_USERS;
  await writeFile(join(dir, 'snmpd.conf'), [
    `agentAddress udp:127.0.0.1:${port}`,
    `rocommunity ${SNMPD_COMMUNITY} 127.0.0.1`,
    `createUser ${authPriv.name} SHA "${authPriv.authPassword}" AES "${authPriv.privPassword}"`,
    `createUser ${authNoPriv.name} MD5 "${authNoPriv.authPassword}"`,
    `createUser ${noAuthNoPriv.name}`,
    `rouser ${authPriv.name} priv`,
    `rouser ${authNoPriv.name} auth`,
    `rouser ${noAuthNoPriv.name} noauth`,
    `sysName ${SNMPD_SYS_NAME}`,
    '',
  ].join('\n'));
  // -C: no system configuration; -I -smux...: no SMUX listener on TCP 0.0.0.0:199 (which a root
  // snmpd opens by default) and no event MIB tables.
  const agent = spawn(SNMPD, [
    '-f', '-Lo', '-C', '-c', join(dir, 'snmpd.conf'), '-m', '', `--persistentDir=${join(dir, 'state')}`,
    '-I', '-smux,mteTrigger,mteTriggerConf', '-p', join(dir, 'snmpd.pid'),
  ], { stdio: 'ignore' });
  const stop = async () => {
    await stopProcess(agent);
    await rm(dir, { recursive: true, force: true });
  };
  try {
    await waitForAnswer(port, agent);
  } catch (error) {
    await stop();
    throw error;
  }
  return { port, stop };
}

/** A UDP port on 127.0.0.1 that was free a moment ago. */
async function freeUdpPort(): Promise<number> {
  const socket = createSocket('udp4');
  socket.bind(0, '127.0.0.1');
  await once(socket, 'listening');
  const { port } = socket.address();
  await new Promise<void>((resolve) => socket.close(() => resolve()));
  return port;
}

/** Polls with sysUpTime.0 until the agent answers (about 70 ms), or it exits. */
async function waitForAnswer(port: number, agent: ChildProcess): Promise<void> {
  for (let attempt = 0; attempt < 100; attempt++) {
    if (agent.exitCode !== null) throw new Error(`snmpd exited with code ${agent.exitCode} before answering on port ${port}`);
    const session = snmp.createSession('127.0.0.1', SNMPD_COMMUNITY, { port, retries: 0, timeout: 50, version: snmp.Version2c });
    session.on('error', () => undefined); // the request fails too, and is retried
    const answered = await new Promise<boolean>((resolve) => session.get(['1.3.6.1.2.1.1.3.0'], (error) => resolve(!error)));
    session.close();
    if (answered) return;
  }
  throw new Error(`snmpd did not answer on port ${port}`);
}

async function stopProcess(agent: ChildProcess): Promise<void> {
  if (agent.exitCode !== null || agent.signalCode !== null) return;
  const exited = once(agent, 'exit');
  agent.kill('SIGTERM');
  await exited;
}
