/**
 * The `nrpe` engine: asks an NRPE daemon to run one of its commands, as Bergamot's `check-nrpe`
 * commands do:
 *
 * ```xml
 * <command name="check-nrpe" engine="nrpe">
 *     <parameter name="command">#{arg1}</parameter>
 *     <parameter name="host">#{host.address}</parameter>
 * </command>
 * ```
 *
 * Arguments are the parameters named `nrpe-arg1`, `nrpe-arg2`... in number order (Bergamot's
 * names), sent as `command!arg1!arg2` as check_nrpe -a sends them; most daemons refuse them
 * unless configured with dont_blame_nrpe=1. The daemon's result code maps as a plugin's exit code
 * does and its output is read as a plugin's (performance data become readings).
 */
import { resultOf, type Engine, type ParameterSpec } from '../engine.ts';
import { connectionFailure, hostPort, readPort, targetHost } from '../connection.ts';
import { ParameterError, type CheckParameters } from '../parameters.ts';
import { pluginResult } from '../nagios/plugin-output.ts';
import { queryNrpe, type NrpeAnswer, type NrpeTls } from './nrpe-client.ts';
import { NrpeProtocolError } from './packet.ts';

export const NRPE_PORT = 5666;
const ARGUMENT_PREFIX = 'nrpe-arg';

const PARAMETERS: ParameterSpec[] = [
  { name: 'host', type: 'string', description: "NRPE daemon's host name or address; defaults to the check's host address (or name)" },
  { name: 'port', type: 'integer', default: String(NRPE_PORT), description: 'TCP port of the daemon' },
  { name: 'command', type: 'string', required: true, description: 'Name of the command defined in the daemon (command[name]=...)' },
  { name: 'ssl', type: 'boolean', default: 'true', description: 'Speak TLS (the daemon default); false for a daemon run with -n' },
  { name: 'ssl_ca', type: 'string', description: "PEM certificate of the CA that signed the daemon's certificate; when set, the certificate and name are verified" },
  { name: 'ssl_cert', type: 'string', description: 'PEM client certificate, for a daemon that asks for one' },
  { name: 'ssl_key', type: 'string', description: 'PEM key of ssl_cert' },
];

export const nrpeEngine: Engine = {
  name: 'nrpe',
  parameters: PARAMETERS,
  async run(check, parameters, deadline) {
    const host = targetHost(check, parameters);
    const port = readPort(parameters, 'port', NRPE_PORT);
    const command = parameters.string('command');
    if (command.includes('!')) throw new ParameterError('command', "must not contain '!', which separates NRPE arguments");
    const args = nrpeArguments(parameters);
    const target = hostPort(host, port);
    const what = `NRPE ${command} on ${target}`;

    let answer: NrpeAnswer;
    try {
      answer = await queryNrpe({ host, port, policy: check.network, tls: tlsSettings(parameters) }, command, args, deadline.signal);
    } catch (error) {
      if (error instanceof NrpeProtocolError && !deadline.signal.aborted) return resultOf('UNKNOWN', `${what}: ${error.message}`);
      return connectionFailure(error, what, target, deadline.signal);
    }
    if ('refused' in answer) return resultOf('UNKNOWN', refusal(what, args.length > 0, parameters.boolean('ssl')));
    return pluginResult(answer.packet.resultCode, answer.packet.text);
  },
};

/** `nrpe-arg1`, `nrpe-arg2`, ... `nrpe-arg10` in number order. */
function nrpeArguments(parameters: CheckParameters): string[] {
  const names = parameters.names().filter((name) => name.startsWith(ARGUMENT_PREFIX));
  names.sort((a, b) => a.localeCompare(b, 'en', { numeric: true }));
  return names.map((name) => {
    const value = parameters.string(name);
    if (value.includes('!')) throw new ParameterError(name, "must not contain '!', which separates NRPE arguments");
    return value;
  });
}

function tlsSettings(parameters: CheckParameters): NrpeTls | undefined {
  if (!parameters.boolean('ssl')) return undefined;
  const settings: NrpeTls = {};
  const ca = parameters.optional('ssl_ca');
  const cert = parameters.optional('ssl_cert');
  const key = parameters.optional('ssl_key');
  if ((cert === undefined) !== (key === undefined)) throw new ParameterError(cert === undefined ? 'ssl_cert' : 'ssl_key', 'ssl_cert and ssl_key go together');
  if (ca !== undefined) settings.ca = ca;
  if (cert !== undefined) settings.cert = cert;
  if (key !== undefined) settings.key = key;
  return settings;
}

/** Why a daemon may close the connection without a word (it logs the reason, we cannot see it). */
function refusal(what: string, withArguments: boolean, tls: boolean): string {
  const reasons = withArguments
    ? ['it refuses command arguments unless built to accept them and configured with dont_blame_nrpe=1 (Debian\'s nrpe never accepts them)', 'this address is not in its allowed_hosts']
    : ['this address is not in its allowed_hosts', ...(tls ? [] : ['it expects TLS (ssl=false is set)'])];
  return `${what}: the daemon closed the connection without answering; perhaps ${reasons.join(', or ')}`;
}
