/**
 * The Runtime Behavior Analysis rules package: seven static rules over what the agent saw running during
 * the assessment run (processes, the files they ran and mapped with their ELF facts, listening and outbound
 * sockets, the directories above those files): `runtime.*` in the telemetry.
 *
 * Rule ids and severities follow Amazon Inspector Classic's "Runtime Behavior Analysis" rules package as its
 * user guide documented it (awsdocs/amazon-inspector-user-guide, doc_source/inspector_runtime-behavior-analysis.md):
 * Insecure Client Protocols (Login) Medium, Insecure Client Protocols (General) Low, Unused Listening TCP
 * Ports Informational, Insecure Server Protocols Informational, Software Without DEP Medium, Software Without
 * Stack Cookies Medium (in the page's first published version, commit 9e04649, later dropped from it), Root
 * Process with Insecure Permissions High. Titles, descriptions, recommendations and the exact semantics are
 * this project's own (see each rule's file).
 *
 * A document without a runtime section (an agent older than runtime sampling), or whose /proc could not be
 * read, gives ERROR for every rule with the reason; non-Linux hosts get NOT_APPLICABLE.
 */
import { type Rule, staticRulesPackage } from '../../core/rule';
import { insecureClientProtocolsGeneral } from './insecure-client-protocols-general';
import { insecureClientProtocolsLogin } from './insecure-client-protocols-login';
import { insecureServerProtocols } from './insecure-server-protocols';
import { rootProcessInsecurePermissions } from './root-process-insecure-permissions';
import { softwareWithoutDep } from './software-without-dep';
import { softwareWithoutStackCookies } from './software-without-stack-cookies';
import { unusedListeningTcpPorts } from './unused-listening-tcp-ports';

export const RUNTIME_BEHAVIOR_ANALYSIS_VERSION = '1.0.0';

export const RUNTIME_BEHAVIOR_ANALYSIS_RULES: readonly Rule[] = [
  insecureClientProtocolsLogin,
  insecureClientProtocolsGeneral,
  unusedListeningTcpPorts,
  insecureServerProtocols,
  softwareWithoutDep,
  softwareWithoutStackCookies,
  rootProcessInsecurePermissions,
];

export const runtimeBehaviorAnalysisPackage = staticRulesPackage(
  {
    id: 'runtime-behavior-analysis',
    name: 'Runtime Behavior Analysis',
    version: RUNTIME_BEHAVIOR_ANALYSIS_VERSION,
    description:
      "What ran during the assessment, in the spirit of Amazon Inspector Classic's Runtime Behavior Analysis " +
      'package: clear-text login and general client protocols, unused listening TCP ports, clear-text server ' +
      'protocols, running software without DEP or stack cookies, and root processes running files other users can change.',
  },
  RUNTIME_BEHAVIOR_ANALYSIS_RULES,
  {
    // Evidence notes name pids, times and sample counts, which change every run; what was found (the file,
    // socket or directory: source, key and value) does not. Notes about the run as a whole are left out.
    findingIdentity: (evidence) =>
      evidence
        .filter((e) => e.source !== 'runtime')
        .map((e) => `${e.source}\n${e.key ?? ''}\n${e.value ?? ''}`),
  },
);
