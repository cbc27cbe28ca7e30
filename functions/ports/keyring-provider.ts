import type { KeyringNode } from '@aws-crypto/material-management-node';

/**
 * A keyring for one decryption, and the errors of the key service it met that a retry may clear
 * (throttling, service faults, timeouts) or that say the key itself is unusable. The envelope library folds
 * every key-service failure into one "unable to decrypt", so without this a throttled KMS or a changed key
 * policy would look like tampered telemetry on every instance.
 */
export interface KeyringSession {
  keyring: KeyringNode;
  transientErrors(): readonly Error[];
  /** Errors that say the key cannot be used by the evaluator (access denied, disabled, pending deletion). */
  configurationErrors(): readonly Error[];
}

/** The keyring that decrypts telemetry envelopes (KMS in the cloud). */
export interface KeyringProvider {
  session(): KeyringSession;
}
