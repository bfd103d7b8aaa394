/**
 * The `certificate` engine: connect with TLS (SNI = the site's name) and judge the certificate
 * the server presents, as Bergamot's certificate-check does:
 * - days until it expires: WARNING under `warning_days`, CRITICAL under `critical_days`,
 *   CRITICAL once expired (or not yet valid);
 * - whether it covers the name: CRITICAL when it does not, since every client would refuse it;
 * - whether its chain leads to a trusted root: CRITICAL when not, for the same reason. A
 *   self-signed certificate or a private CA is untrusted unless `ca` names the CA (or
 *   `verify_chain=false` says the chain does not matter here).
 * All problems are reported together; the `days` reading is the whole days left (negative once
 * expired).
 */
import tls from 'node:tls';
import { connectionFailure, hostPort, openConnection, readPort, targetHost } from './connection.ts';
import { resultOf, type Engine, type ParameterSpec } from './engine.ts';
import { findingsResult, type Finding } from './findings.ts';
import { ParameterError, type CheckParameters } from './parameters.ts';

const MS_PER_DAY = 86_400_000;
/** Let's Encrypt renews 30 days before expiry: a certificate under 30 days has missed a renewal. */
const DEFAULT_WARNING_DAYS = 30;
const DEFAULT_CRITICAL_DAYS = 14;
/** Verification errors about dates, which this engine reports from the dates themselves. */
const DATE_ERRORS = new Set(['CERT_HAS_EXPIRED', 'CERT_NOT_YET_VALID']);
/** The name check, which this engine makes itself (Node's reports only the first problem). */
const NAME_ERROR = 'ERR_TLS_CERT_ALTNAME_INVALID';
/** Why a chain did not verify, in words, for OpenSSL's codes that certificates in the wild meet. */
const CHAIN_ERRORS: Record<string, string> = {
  DEPTH_ZERO_SELF_SIGNED_CERT: 'self-signed',
  SELF_SIGNED_CERT_IN_CHAIN: 'a self-signed certificate in the chain',
  UNABLE_TO_VERIFY_LEAF_SIGNATURE: 'unknown issuer, a private CA or a missing intermediate certificate',
  UNABLE_TO_GET_ISSUER_CERT_LOCALLY: 'unknown issuer, a private CA or a missing intermediate certificate',
  UNABLE_TO_GET_ISSUER_CERT: 'issuer certificate not found',
  CERT_SIGNATURE_FAILURE: 'bad signature',
  CERT_REVOKED: 'revoked',
};

const PARAMETERS: ParameterSpec[] = [
  { name: 'host', type: 'string', description: "Host name or address to connect to; defaults to the check's host address (or name)" },
  { name: 'port', type: 'integer', default: '443', description: 'TLS port' },
  { name: 'virtual_host', type: 'string', description: 'Name sent in SNI and checked against the certificate; defaults to host' },
  { name: 'warning_days', type: 'integer', description: `WARNING with fewer days left (default ${DEFAULT_WARNING_DAYS}; Bergamot's expires_in is read too)` },
  { name: 'critical_days', type: 'integer', default: String(DEFAULT_CRITICAL_DAYS), description: 'CRITICAL with fewer days left' },
  { name: 'ca', type: 'string', description: 'PEM certificate(s) of a private CA to trust instead of the system roots' },
  { name: 'verify_chain', type: 'boolean', default: 'true', description: 'Whether an untrusted chain is CRITICAL' },
];

export const certificateEngine: Engine = {
  name: 'certificate',
  parameters: PARAMETERS,
  async run(check, parameters, deadline) {
    const host = targetHost(check, parameters);
    const port = readPort(parameters, 'port');
    const name = parameters.optional('virtual_host') ?? host;
    const { warningDays, criticalDays } = readDays(parameters);
    const verifyChain = parameters.boolean('verify_chain');
    const target = hostPort(host, port);

    let presented: { certificate: tls.PeerCertificate; authorizationError: string | undefined };
    try {
      // Connect without verifying, so that a bad certificate can be looked at rather than refused.
      const options = { host, port, policy: check.network, signal: deadline.signal, tls: { serverName: name, verify: false } };
      const ca = parameters.optional('ca');
      const { socket } = await openConnection(ca === undefined ? options : { ...options, tls: { ...options.tls, ca } });
      presented = { certificate: socket.getPeerCertificate(), authorizationError: socket.authorized ? undefined : String(socket.authorizationError) };
      socket.destroy();
    } catch (error) {
      return connectionFailure(error, `TLS connection to ${target}`, target, deadline.signal);
    }
    const { certificate, authorizationError } = presented;
    if (!certificate.valid_to) return resultOf('CRITICAL', `TLS server ${target} presented no certificate`);

    const nowMs = Date.now();
    const notAfterMs = Date.parse(certificate.valid_to);
    const notBeforeMs = Date.parse(certificate.valid_from);
    const days = Math.floor((notAfterMs - nowMs) / MS_PER_DAY);
    const findings: Finding[] = [];
    if (nowMs >= notAfterMs) findings.push({ status: 'CRITICAL', text: 'it has expired' });
    else if (days < criticalDays) findings.push({ status: 'CRITICAL', text: `fewer than ${criticalDays} days left` });
    else if (days < warningDays) findings.push({ status: 'WARNING', text: `fewer than ${warningDays} days left` });
    if (nowMs < notBeforeMs) findings.push({ status: 'CRITICAL', text: `it is not valid before ${isoDate(notBeforeMs)}` });
    const nameError = tls.checkServerIdentity(name, certificate);
    if (nameError) findings.push({ status: 'CRITICAL', text: `it does not cover ${name} (${subjectAltNames(certificate) || 'no subject alternative names'})` });
    if (verifyChain && authorizationError !== undefined && !DATE_ERRORS.has(authorizationError) && authorizationError !== NAME_ERROR) {
      findings.push({ status: 'CRITICAL', text: `chain not trusted: ${CHAIN_ERRORS[authorizationError] ?? authorizationError} (trust its CA with ca, or set verify_chain=false)` });
    }

    const expiry = nowMs < notAfterMs ? `expires in ${plural(days, 'day')}, on ${isoDate(notAfterMs)}` : `expired ${plural(Math.ceil((nowMs - notAfterMs) / MS_PER_DAY), 'day')} ago, on ${isoDate(notAfterMs)}`;
    const summary = `TLS certificate of ${target} (${commonName(certificate.subject)}, issued by ${commonName(certificate.issuer)}) ${expiry}`;
    const result = findingsResult(summary, findings, [{ name: 'days', value: days, unit: 'd', warning: warningDays, critical: criticalDays }]);
    result.longOutput = [
      `subject: ${distinguishedName(certificate.subject)}`,
      `issuer: ${distinguishedName(certificate.issuer)}`,
      `names: ${subjectAltNames(certificate) || '(none)'}`,
      `valid: ${new Date(notBeforeMs).toISOString()} to ${new Date(notAfterMs).toISOString()}`,
      `serial: ${certificate.serialNumber}`,
      `sha256: ${certificate.fingerprint256}`,
    ].join('\n');
    return result;
  },
};

function readDays(parameters: CheckParameters): { warningDays: number; criticalDays: number } {
  const warningDays = parameters.has('warning_days') ? parameters.integer('warning_days') : parameters.integer('expires_in', DEFAULT_WARNING_DAYS);
  const criticalDays = parameters.integer('critical_days');
  if (criticalDays > warningDays) throw new ParameterError('critical_days', `${criticalDays} is more than warning_days (${warningDays})`);
  return { warningDays, criticalDays };
}

function subjectAltNames(certificate: tls.PeerCertificate): string {
  return certificate.subjectaltname ?? '';
}

/** `CN=example.com`, or the whole name when it has no common name. */
function commonName(name: tls.Certificate | undefined): string {
  const cn = name?.CN;
  return cn === undefined ? distinguishedName(name) : `CN=${[cn].flat().join('+')}`;
}

function distinguishedName(name: tls.Certificate | undefined): string {
  if (!name) return '(empty)';
  const parts = Object.entries(name).map(([key, value]) => `${key}=${[value].flat().join('+')}`);
  return parts.length > 0 ? parts.join(', ') : '(empty)';
}

function isoDate(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}

function plural(count: number, unit: string): string {
  return `${count} ${unit}${count === 1 ? '' : 's'}`;
}
