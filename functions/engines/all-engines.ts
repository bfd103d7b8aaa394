/**
 * Every engine Vigil has, as one registry: what a worker (Lambda or local) runs checks with.
 * Engines that keep per-process state (the script sandbox's worker thread, SNMP counter samples
 * for rates) are the module singletons, so a worker process has one of each.
 */
import { certificateEngine } from './certificate.ts';
import { dnsEngine } from './dns.ts';
import { httpEngine } from './http/http-engine.ts';
import { nagiosEngine } from './nagios/nagios-engine.ts';
import { nrpeEngine } from './nrpe/nrpe-engine.ts';
import { EngineRegistry } from './registry.ts';
import { scriptEngine } from './script/script-engine.ts';
import { snmpEngine } from './snmp/snmp-engine.ts';
import { tcpEngine } from './tcp.ts';

export function createEngineRegistry(): EngineRegistry {
  return new EngineRegistry([httpEngine, tcpEngine, dnsEngine, certificateEngine, scriptEngine, nagiosEngine, nrpeEngine, snmpEngine]);
}
