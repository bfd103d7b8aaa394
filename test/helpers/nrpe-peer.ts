/**
 * A real NRPE daemon (Debian's nagios-nrpe-server) for tests: its own configuration in a
 * temporary directory, listening on 127.0.0.1 on a free port, in the foreground (`nrpe -c FILE
 * -f`), in a process group of its own so that stopping it also stops its connection handlers and
 * the commands they run.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { existsSync } from 'node:fs';
import { chmod, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { closedPort } from './loopback.ts';

export const NRPE_DAEMON = '/usr/sbin/nrpe';
export const CHECK_NRPE = '/usr/lib/nagios/plugins/check_nrpe';

/** Why the daemon cannot run here, or undefined when it can. */
export function missingNrpe(): string | undefined {
  return existsSync(NRPE_DAEMON) ? undefined : `${NRPE_DAEMON} not installed (apt-get install nagios-nrpe-server)`;
}

export interface NrpeDaemonOptions {
  /** name -> command line, as `command[name]=...` (nrpe runs it through /bin/sh). */
  commands: Record<string, string>;
  /** Plain TCP (`nrpe -n`) instead of TLS. @defaultValue false */
  plain?: boolean;
  /** PEM certificate and key for the daemon; without them it can only do anonymous DH. */
  certificate?: { cert: string; key: string };
  /** @defaultValue 127.0.0.1 */
  allowedHosts?: string;
}

export interface NrpeDaemon {
  port: number;
  /** A directory the daemon's user (nobody) can read, for scripts its commands run. */
  dir: string;
  stop(): Promise<void>;
}

export async function startNrpeDaemon(options: NrpeDaemonOptions): Promise<NrpeDaemon> {
  const dir = await mkdtemp(join(tmpdir(), 'vigil-nrpe-'));
  await chmod(dir, 0o755);
  const port = await closedPort();
  const lines = [
    'server_address=127.0.0.1',
    `server_port=${port}`,
    `allowed_hosts=${options.allowedHosts ?? '127.0.0.1'}`,
    'nrpe_user=nobody',
    'nrpe_group=nogroup',
    'dont_blame_nrpe=0',
    'command_timeout=10',
    'connection_timeout=10',
    ...Object.entries(options.commands).map(([name, line]) => `command[${name}]=${line}`),
  ];
  if (options.certificate) {
    await writeFile(join(dir, 'nrpe.pem'), options.certificate.cert);
    await writeFile(join(dir, 'nrpe.key'), options.certificate.key);
    lines.push(`ssl_cert_file=${join(dir, 'nrpe.pem')}`, `ssl_privatekey_file=${join(dir, 'nrpe.key')}`);
  }
  await writeFile(join(dir, 'nrpe.cfg'), `${lines.join('\n')}\n`);

  const daemon = spawn(NRPE_DAEMON, ['-c', join(dir, 'nrpe.cfg'), '-f', ...(options.plain ? ['-n'] : [])], { detached: true, stdio: 'ignore' });
  const config = join(dir, 'nrpe.cfg');
  const stop = async () => {
    await stopGroup(daemon);
    await killStragglers(config);
    await rm(dir, { recursive: true, force: true });
  };
  try {
    await waitForListener(port, daemon);
  } catch (error) {
    await stop();
    throw error;
  }
  return { port, dir, stop };
}

/** Polls until the port accepts a connection (nrpe takes 7-20 ms), or the daemon exits. */
async function waitForListener(port: number, daemon: ChildProcess): Promise<void> {
  for (let attempt = 0; attempt < 200; attempt++) {
    if (daemon.exitCode !== null) throw new Error(`nrpe exited with code ${daemon.exitCode} before listening on port ${port}`);
    const accepted = await new Promise<boolean>((resolve) => {
      const socket = connect(port, '127.0.0.1');
      socket.once('connect', () => {
        socket.destroy();
        resolve(true);
      });
      socket.once('error', () => resolve(false));
    });
    if (accepted) return;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  throw new Error(`nrpe did not listen on port ${port}`);
}

/**
 * SIGKILL for the whole group: the daemon's forked connection handlers can deadlock in their
 * SIGTERM handler (seen with nrpe 4.1: stuck on a futex with signals blocked), and a test peer
 * has nothing to flush.
 */
async function stopGroup(daemon: ChildProcess): Promise<void> {
  if (daemon.pid === undefined) return;
  const exited = daemon.exitCode === null && daemon.signalCode === null ? once(daemon, 'exit') : undefined;
  try {
    process.kill(-daemon.pid, 'SIGKILL');
  } catch {
    // ESRCH: the group is gone already.
  }
  await exited;
}

/**
 * A handler running a command moves to a process group of its own (so that nrpe can kill the
 * command on its timeout), out of reach of the group kill: find it by this daemon's own
 * configuration file on its command line, and kill it with the command's group.
 */
async function killStragglers(config: string): Promise<void> {
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const commandLine = await readFile(`/proc/${entry}/cmdline`, 'utf8').catch(() => '');
    if (!commandLine.split('\0').includes(config)) continue;
    for (const target of [-Number(entry), Number(entry)]) {
      try {
        process.kill(target, 'SIGKILL');
      } catch {
        // gone already, or not a group leader
      }
    }
  }
}
