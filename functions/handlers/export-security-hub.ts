/**
 * Step Functions state handler (ExportToSecurityHub, deployed with -c inspector:securityHubExport=true):
 * thin; the logic is in core/run-lifecycle/export-security-hub.ts. The same function serves the state's
 * catch (RecordSecurityHubFailure), whose payload carries the `failure`.
 */
import { Logger } from '@aws-lambda-powertools/logger';
import { securityHubExportDepsFromEnv } from '../adapters/aws/security-hub-export-deps';
import type { LifecycleLog } from '../core/run-lifecycle/deps';
import {
  exportToSecurityHub,
  recordSecurityHubFailure,
  type SecurityHubExportDeps,
  type SecurityHubExportInput,
  type SecurityHubExportResult,
} from '../core/run-lifecycle/export-security-hub';

export const logger = new Logger({ serviceName: 'inspector-run-lifecycle' });
const log: LifecycleLog = {
  info: (message, extra) => (extra ? logger.info(message, extra) : logger.info(message)),
  warn: (message, extra) => (extra ? logger.warn(message, extra) : logger.warn(message)),
  error: (message, extra) => (extra ? logger.error(message, extra) : logger.error(message)),
};
let deps: SecurityHubExportDeps | undefined;
let overrides: Partial<SecurityHubExportDeps> = {};

/** Replace parts of the dependencies (a local harness: no backoff); rebuilt from the environment on next use. */
export function configureSecurityHubExport(parts: Partial<SecurityHubExportDeps>): void {
  overrides = parts;
  deps = undefined;
}

export const handler = async (event: SecurityHubExportInput): Promise<SecurityHubExportResult> => {
  deps ??= { ...securityHubExportDepsFromEnv(log), ...overrides };
  if (event.failure) {
    logger.appendKeys({ step: 'recordSecurityHubFailure' });
    return recordSecurityHubFailure(deps, event);
  }
  logger.appendKeys({ step: 'exportToSecurityHub' });
  return exportToSecurityHub(deps, event);
};
